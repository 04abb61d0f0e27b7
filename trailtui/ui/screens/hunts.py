"""The hunts screen: every hunt with its severity, ATT&CK techniques and hit count on the loaded events.

Counts are computed in a thread worker, one hunt after the other, most urgent first; each result is posted
as it lands and the table fills in. The results are kept in a cache the main screen owns (cleared when
more events load), so opening the screen again shows them at once. ``Enter`` dismisses with the chosen
hunt and its result; the main screen applies it as the filter and pushes the previous view on the back
stack. Nothing from a hunt file reaches the screen as markup or control characters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static
from textual.worker import get_current_worker

from ...engine import hunts
from ...engine.session import Session
from ...engine.textsafe import safe_text

SEVERITY_STYLES = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "", "info": "dim"}
"""How each severity shows (Rich styles, not markup: no text from a hunt file is parsed)."""

COUNTING = "…"
"""What the hits column shows until a hunt's count lands."""


@dataclass(frozen=True)
class HuntChoice:
    """The hunt chosen on the hunts screen, with its result when it was counted."""

    hunt: hunts.Hunt
    result: Optional[hunts.HuntResult]


class HuntCounted(Message):
    """One hunt's result, from the counting worker."""

    def __init__(self, result: hunts.HuntResult) -> None:
        super().__init__()
        self.result = result


class HuntsScreen(Screen[Optional[HuntChoice]]):
    """Lists the hunts; Enter applies one; Esc goes back."""

    BINDINGS = [
        Binding("enter", "apply", "Apply", tooltip="Show this hunt's events (the view before it goes on the back stack)",
                id="hunt-apply", priority=True),
        Binding("escape,H", "close", "Back", tooltip="Back to the events without applying a hunt", id="hunt-close"),
        Binding("f", "toggle_fired", "Fired only", tooltip="Show only the hunts that found something, or all",
                id="hunt-fired"),
    ]

    def __init__(self, session: Session, library: hunts.Library, cache: dict[str, hunts.HuntResult]) -> None:
        super().__init__()
        self.session = session
        self.library = library
        self.cache = cache
        """Results by hunt id (shared with the main screen, so counts survive closing this screen)."""
        self.fired_only = False

    def compose(self) -> ComposeResult:
        with Vertical(id="hunts-body"):
            yield Static("", id="hunts-title", markup=False)
            yield DataTable(id="hunts-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="hunts-why", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("id", key="id", width=4)
        table.add_column("severity", key="severity", width=8)
        table.add_column("hits", key="hits", width=10)
        table.add_column("title", key="title")
        table.add_column("ATT&CK", key="attack")
        self._fill()
        table.focus()
        for problem in self.library.problems:
            self.notify(safe_text(problem.message), title="Hunt file skipped", severity="warning", timeout=10,
                        markup=False)
        missing = [h for h in self.library.hunts if h.id not in self.cache]
        if missing:
            self._count(missing)
        self._update_title()

    def _visible(self) -> list[hunts.Hunt]:
        if not self.fired_only:
            return list(self.library.hunts)
        return [h for h in self.library.hunts if h.id in self.cache and self.cache[h.id].fired]

    def _fill(self) -> None:
        table = self.query_one(DataTable)
        selected = self.highlighted()
        table.clear()
        for hunt in self._visible():
            table.add_row(safe_text(hunt.id), Text(hunt.severity, style=SEVERITY_STYLES[hunt.severity]),
                          self._hits(hunt), safe_text(hunt.title), ", ".join(hunt.attack), key=hunt.id)
        if selected is not None:
            try:
                table.move_cursor(row=table.get_row_index(selected.id))
            except Exception:  # the hunt is filtered out now
                pass
        self._show_why()

    def _hits(self, hunt: hunts.Hunt) -> Text:
        """The hits cell: the count (an aggregate's groups in brackets), bold when the hunt fired."""
        result = self.cache.get(hunt.id)
        if result is None:
            return Text(COUNTING, style="dim")
        if result.error:
            return Text("error", style="bold red")
        if result.deferred:
            return Text("Enter", style="italic")
        text = f"{result.count:,} ({len(result.groups)})" if hunt.is_aggregate else f"{result.count:,}"
        return Text(text, style="bold" if result.fired else "dim")

    def highlighted(self) -> Optional[hunts.Hunt]:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value
        return self.library.get(key) if key is not None else None

    def _update_title(self) -> None:
        done = sum(1 for h in self.library.hunts if h.id in self.cache)
        fired = sum(1 for h in self.library.hunts if h.id in self.cache and self.cache[h.id].fired)
        total = len(self.library.hunts)
        state = "counting" if done < total else "counted"
        text = f"Hunts · {total} · {state} {done}/{total} on {len(self.session):,} events · {fired} fired"
        if self.fired_only:
            text += " · showing fired only (f)"
        self.query_one("#hunts-title", Static).update(text)

    @on(DataTable.RowHighlighted)
    def _show_why(self) -> None:
        hunt = self.highlighted()
        why = self.query_one("#hunts-why", Static)
        if hunt is None:
            why.update("No hunt fired yet · f shows every hunt" if self.fired_only else "")
            return
        result = self.cache.get(hunt.id)
        lines = [f"{hunt.title} · {hunt.severity} · {', '.join(hunt.attack) or 'no ATT&CK id'} · {hunt.origin}",
                 hunt.why, f"filter: {' '.join(hunt.program().split())}"]
        if result is not None and result.deferred:
            lines.append(f"{result.deferred:,} candidate events: not counted in the background (grouping them takes "
                         "a while); Enter counts them, Enter again shows the hits")
        if result is not None and result.error:
            lines.append(f"error: {result.error}")
        elif result is not None and result.errors:
            lines.append(f"{result.errors:,} events raised (not counted)")
        why.update("\n".join(safe_text(line) for line in lines))

    @work(thread=True, exclusive=True, group="hunts", exit_on_error=False, description="Counting hunt hits")
    def _count(self, todo: Sequence[hunts.Hunt]) -> None:
        """Count in the background; a big aggregate is deferred until asked for."""
        worker = get_current_worker()
        limit = hunts.AGGREGATE_BACKGROUND_LIMIT
        for result in hunts.run_hunts(self.session, todo, cancelled=lambda: worker.is_cancelled, max_candidates=limit):
            self.post_message(HuntCounted(result))

    @work(thread=True, group="hunts-asked", exit_on_error=False, description="Counting an aggregate hunt")
    def _count_asked(self, hunt: hunts.Hunt) -> None:
        """Count one deferred aggregate, whatever its size (beside the background count, not instead)."""
        worker = get_current_worker()
        result = hunts.run_hunt(self.session, hunt, cancelled=lambda: worker.is_cancelled)
        if result is not None:
            self.post_message(HuntCounted(result))

    @on(HuntCounted)
    def _on_counted(self, message: HuntCounted) -> None:
        result = message.result
        self.cache[result.hunt.id] = result
        table = self.query_one(DataTable)
        if result.hunt.id in table.rows:
            table.update_cell(result.hunt.id, "hits", self._hits(result.hunt))
        if self.highlighted() is result.hunt:
            self._show_why()
        self._update_title()

    def action_apply(self) -> None:
        hunt = self.highlighted()
        if hunt is None:
            return
        result = self.cache.get(hunt.id)
        if hunt.is_aggregate and result is not None and result.deferred:
            del self.cache[hunt.id]
            self.query_one(DataTable).update_cell(hunt.id, "hits", self._hits(hunt))
            self.notify(f"Counting {hunt.id} on {result.deferred:,} candidate events…", timeout=4, markup=False)
            self._count_asked(hunt)
            self._update_title()
            return
        if hunt.is_aggregate and result is None:
            self.notify("This aggregate hunt is still being counted; its groups decide which events it shows",
                        severity="warning", timeout=4, markup=False)
            return
        self.dismiss(HuntChoice(hunt, result))

    def action_close(self) -> None:
        self.dismiss(None)

    def action_toggle_fired(self) -> None:
        self.fired_only = not self.fired_only
        self._fill()
        self._update_title()
