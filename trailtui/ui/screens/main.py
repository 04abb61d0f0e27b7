"""The investigator's screen: loader pane, filter bar, event table, status line and footer.

State lives here; the engine does the work in thread workers that post messages back:
* loading streams batches into the store (``load`` worker); the table grows as events arrive;
* every filter edit starts a ``filter`` worker (exclusive: a newer edit cancels the older run, and a
  generation number drops any result that arrives late);
* pivots push the current state (filter, sort, columns, cursor) on a stack that Backspace pops.
"""

from __future__ import annotations

import gc
import os
import shlex
import time
from array import array
from dataclasses import dataclass, field
from typing import Any, Optional, Sequence

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, Static
from textual.worker import Worker, WorkerState, get_current_worker

from ...engine import export, pivots
from ...engine.loader import count_inputs, load
from ...engine.model import DigestSkipped, Problem, Progress, RecordBatch, SourceDone
from ...engine.query import PRELUDE, EventQuery, QueryError, compile_query, run_filter
from ...engine.sortkey import sort_key
from ...engine.store import EventStore
from ...engine.textsafe import safe_text
from ..messages import (
    CopyReady,
    FilterApplied,
    FilterFailed,
    LoadFinished,
    LoadNoticed,
    LoadProgressed,
    PathsCounted,
    RowsArrived,
)
from ..table_model import Column, StoreTableModel, cell_text, default_columns, projection_columns
from ..widgets.event_table import EventTable
from ..widgets.filter_bar import FilterBar
from ..widgets.load_panel import LoadPanel

PIVOT_KEYS = {"user": "u", "ip": "i", "key": "a", "session": "x", "event": "n", "resource": "r"}
PIVOT_TITLES = {
    "user": "same user",
    "ip": "same source IP",
    "key": "same access key",
    "session": "same session",
    "event": "same event name",
    "resource": "same resource",
}


@dataclass
class ViewState:
    """What a pivot saves and Backspace restores."""

    filter_text: str
    sort: tuple[str, bool]
    columns: Optional[list[Column]]
    cursor_row_id: Optional[int]
    crumb: str


@dataclass
class SortSpec:
    key: str = "time"
    descending: bool = False


class MainScreen(Screen):
    """The one screen a responder lives in."""

    BINDINGS = [
        Binding("slash", "focus_filter", "Filter", tooltip="Type a jq filter; it applies as you type", id="filter"),
        Binding("enter", "detail", "Detail", tooltip="Show the whole selected event", id="detail", show=False),
        Binding("u", "pivot('user')", "User", tooltip="Events by the same actor (rule R1)", id="pivot-user"),
        Binding("i", "pivot('ip')", "IP", tooltip="Events from the same source IP (rule R5)", id="pivot-ip"),
        Binding("a", "pivot('key')", "Key", tooltip="Events with the same access key (rule R3)", id="pivot-key"),
        Binding("x", "pivot('session')", "Session", tooltip="Events in the same session (rule R4)", id="pivot-session"),
        Binding("n", "pivot('event')", "Name", show=False, tooltip="Events with the same event name", id="pivot-event"),
        Binding("r", "pivot('resource')", "Resource", show=False, tooltip="Events touching the same resource", id="pivot-resource"),
        Binding("U", "pivot('user', True)", "Narrow: user", tooltip="Narrow the current filter to the same actor", show=False, id="narrow-user"),
        Binding("I", "pivot('ip', True)", "Narrow: IP", tooltip="Narrow the current filter to the same source IP", show=False, id="narrow-ip"),
        Binding("backspace", "back", "Back", tooltip="Undo the last pivot (filter, sort, columns, cursor)", id="back"),
        Binding("y", "copy", "Copy", tooltip="Copy the marked rows, else the whole view, as TSV with a header", id="copy"),
        Binding("Y", "copy_choose", "Copy as…", show=False, tooltip="Choose what to copy and in which format", id="copy-as"),
        Binding("e", "export", "Export", tooltip="Write the view or the marked rows to a file", id="export"),
        Binding("c", "columns", "Columns", tooltip="Add or remove columns, including any jq path", id="columns"),
        Binding("o", "toggle_loader", "Open", tooltip="Show or hide the loader pane to open files", id="open"),
        Binding("escape", "escape", "Cancel", tooltip="Cancel a running load; clear marks", show=False, id="escape"),
        Binding("question_mark", "help", "Help", tooltip="All keys and the filter language", id="help"),
        Binding("q", "quit", "Quit", tooltip="Leave trailtui", id="quit"),
    ]

    AUTO_FOCUS = "#table"
    """Keys go to the table from the start (never to the hidden loader pane's inputs)."""

    is_loading: reactive[bool] = reactive(False)
    """True while a load runs (the status line shows progress)."""

    def __init__(self, paths: Sequence[str], initial_filter: str = "", stdin_data: Optional[bytes] = None) -> None:
        super().__init__()
        self.store = EventStore()
        self.paths = list(paths)
        self.stdin_data = stdin_data
        self.initial_filter = initial_filter
        self.filter_text = initial_filter
        self.current_query: Optional[EventQuery] = None
        self.sort = SortSpec()
        self.columns: Optional[list[Column]] = None
        """Columns the user chose (None: the default, or the projection's)."""
        self.generation = 0
        self.applied_generation = -1
        self.stack: list[ViewState] = []
        self.crumbs: list[str] = ["all"]
        self.filter_ms = 0.0
        self.last_note = ""
        self.pivot_note = ""
        self.load_started = 0.0
        self.load_message = ""
        self.problems: list[str] = []
        self._pivots: dict[str, Optional[pivots.Pivot]] = {}
        self._rows_at_last_filter = 0
        self._load_worker: Optional[Worker] = None
        self._digests = 0
        self._refresh_pending = False

    # -- layout ------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="body"):
            yield LoadPanel(id="loader")
            with Vertical(id="main"):
                yield FilterBar(id="filter")
                yield EventTable(id="table")
                yield Static("", id="status")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(EventTable)
        table.empty_message = "No events loaded · pick files or a directory on the left (Enter), or type a path or glob"
        loader = self.query_one(LoadPanel)
        if self.initial_filter:
            self.query_one(FilterBar).value = self.initial_filter
        if self.paths:
            loader.display = False
            self.set_focus(table)
            # Paint the screen first: a load started during mount kept the very first frame from showing.
            self.call_after_refresh(self.start_load, self.paths)
        else:
            self.set_focus(loader.query_one("#load-tree"))
        self.update_status()

    # -- loading -----------------------------------------------------------------------------------

    def start_load(self, paths: Sequence[str]) -> None:
        """Load more inputs into the store (added to what is there)."""
        self.is_loading = True
        self.load_started = time.perf_counter()
        self.query_one(EventTable).empty_message = "Loading…"
        self._load_worker = self._load(list(paths))

    @work(thread=True, exclusive=True, group="load", exit_on_error=False, description="Loading events")
    def _load(self, paths: list[str]) -> None:
        worker = get_current_worker()
        store = self.store
        stdin = None
        if "-" in paths and self.stdin_data is not None:
            import io

            stdin = io.BytesIO(self.stdin_data)
        started = time.perf_counter()
        last_rows_post = 0.0
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            for item in load(paths, cancelled=lambda: worker.is_cancelled, stdin=stdin):
                if isinstance(item, RecordBatch):
                    store.add_batch(item)
                    time.sleep(0)  # hand the GIL to the UI and the terminal writer between batches
                    now = time.perf_counter()
                    # The first batch shows at once; later ones refresh the view about once a second
                    # (each refresh re-sorts the view on the filter worker and redraws the table).
                    if now - last_rows_post > 1.0 or last_rows_post == 0.0:
                        last_rows_post = now
                        self.post_message(RowsArrived(len(store)))
                elif isinstance(item, Progress):
                    self.post_message(LoadProgressed(item, len(store)))
                else:
                    self.post_message(LoadNoticed(item))
                if worker.is_cancelled:
                    break
        finally:
            if gc_was_enabled:
                gc.enable()
            gc.freeze()
        elapsed = time.perf_counter() - started
        self.post_message(RowsArrived(len(store)))
        self.post_message(LoadFinished(len(store), elapsed, worker.is_cancelled))
        # Field paths for completion: a sample of records, decoded here rather than on the UI thread.
        self.post_message(PathsCounted(store.path_counts()))

    @on(LoadProgressed)
    def _on_progress(self, message: LoadProgressed) -> None:
        p = message.progress
        rate = message.events / p.elapsed if p.elapsed > 0 else 0.0
        self.query_one(LoadPanel).show_progress(p.files_done, p.files_total, p.bytes_done, p.bytes_total, message.events, rate)
        self.load_message = (
            f"loading {p.files_done:,}/{p.files_total:,} files · {message.events:,} events · "
            f"{rate:,.0f} ev/s · Esc cancels"
        )
        self.update_status()

    @on(LoadNoticed)
    def _on_load_notice(self, message: LoadNoticed) -> None:
        item = message.item
        panel = self.query_one(LoadPanel)
        if isinstance(item, SourceDone):
            panel.add_source(item.source.path, item.source.events, item.source.shape)
        elif isinstance(item, Problem):
            panel.add_problem(item.path, item.message)
            if item.fatal:
                self.problems.append(item.message)
                self.notify(safe_text(item.message), title="Could not read", severity="warning", timeout=8)
        elif isinstance(item, DigestSkipped):
            self._digests += 1

    @on(RowsArrived)
    def _on_rows(self, message: RowsArrived) -> None:
        if message.count == self._rows_at_last_filter:
            return
        first = self._rows_at_last_filter == 0
        if self.is_loading and not first and self._filter_running():
            # Let the running filter finish and show its rows; a refresh follows when it lands.
            self._refresh_pending = True
            self.update_status()
            return
        self._rows_at_last_filter = message.count
        if first or not self.is_loading or self._is_trivial_filter():
            self.apply_filter(self.filter_text)
        self.update_status()

    def _filter_running(self) -> bool:
        return any(w.group == "filter" and not w.is_finished for w in self.workers)

    @on(LoadFinished)
    def _on_load_finished(self, message: LoadFinished) -> None:
        self.is_loading = False
        rate = message.events / message.elapsed if message.elapsed > 0 else 0
        parts = [f"{message.events:,} events in {message.elapsed:.1f} s ({rate:,.0f}/s)"]
        if self.store.stats.duplicates:
            parts.append(f"{self.store.stats.duplicates:,} duplicates dropped")
        if self._digests:
            parts.append(f"{self._digests} digest files skipped")
        if self.problems:
            parts.append(f"{len(self.problems)} files unreadable")
        if message.cancelled:
            parts.insert(0, "load cancelled")
        self.load_message = ""
        self.query_one(LoadPanel).finish(" · ".join(parts))
        self.notify(" · ".join(parts), title="Loaded", timeout=4)
        self.apply_filter(self.filter_text)
        table = self.query_one(EventTable)
        if len(self.store) == 0:
            table.empty_message = (
                "No events found in what was opened · press o to open other files"
                if not self.problems
                else "Nothing could be read · see the loader pane (o) for the reasons"
            )
        self.update_status()

    @on(PathsCounted)
    def _on_paths_counted(self, message: PathsCounted) -> None:
        self.query_one(FilterBar).set_paths(message.counts)

    def _is_trivial_filter(self) -> bool:
        return not self.filter_text.strip() or self.filter_text.strip() in (".", ".Records[]")

    # -- filtering ---------------------------------------------------------------------------------

    @on(FilterBar.Changed)
    def _on_filter_changed(self, message: FilterBar.Changed) -> None:
        self.filter_text = message.text
        self.apply_filter(message.text)

    @on(FilterBar.Dismissed)
    def _on_filter_dismissed(self) -> None:
        self.set_focus(self.query_one(EventTable))

    @on(FilterBar.Submitted)
    def _on_filter_submitted(self) -> None:
        self.set_focus(self.query_one(EventTable))

    def apply_filter(self, text: str) -> None:
        """Start filtering in a worker; a newer call cancels this one."""
        self.generation += 1
        self.query_one(FilterBar).show_running()
        self._filter(self.generation, text, self.sort.key, self.sort.descending, len(self.store))

    @work(thread=True, exclusive=True, group="filter", exit_on_error=False, description="Filtering events")
    def _filter(self, generation: int, text: str, sort_key_name: str, descending: bool, n: int) -> None:
        worker = get_current_worker()
        try:
            query = compile_query(text)
        except QueryError as err:
            self.post_message(FilterFailed(generation, text, err.pos, err.reason))
            return
        if query.mode == "root":
            self.post_message(
                FilterFailed(generation, text, 0,
                             "this filter uses .Records as a whole (an aggregate): run it with `trailtui query`")
            )
            return
        result = run_filter(self.store, query, n=n, cancelled=lambda: worker.is_cancelled)
        if worker.is_cancelled or result.cancelled:
            return
        started = time.perf_counter()
        rows = self._sorted_rows(result.rows, query, sort_key_name, descending, worker)
        if rows is None or worker.is_cancelled:
            return
        self.post_message(FilterApplied(generation, query, result, rows, (time.perf_counter() - started) * 1000))

    def _sorted_rows(self, rows: array, query: EventQuery, key: str, descending: bool, worker: Worker) -> Optional[Sequence[int]]:
        store = self.store
        if key in store.fields:
            return store.sorted_rows(rows, key=key, descending=descending)
        columns = self.columns or (projection_columns(query) if query.is_projection else default_columns())
        column = next((c for c in columns if c.key == key), None)
        if column is None:
            return store.sorted_rows(rows, key="time", descending=descending)
        model = StoreTableModel(store, rows, columns, query)
        index = columns.index(column)
        keys = {}
        for pos, row in enumerate(rows):
            if pos % 4096 == 0 and worker.is_cancelled:
                return None
            values = model.values(pos) if column.key.startswith("#") else model.cells(pos)
            keys[row] = sort_key(values[index] if index < len(values) else None)
        return store.sorted_rows(rows, descending=descending, key_func=keys.__getitem__)

    @on(FilterApplied)
    def _on_filter_applied(self, message: FilterApplied) -> None:
        if message.generation < self.applied_generation or message.generation != self.generation:
            return  # stale: a newer filter is running or already shown
        self.applied_generation = message.generation
        self.current_query = message.query
        result = message.result
        self.filter_ms = result.elapsed * 1000 + message.sort_ms
        self.last_note = result.error_note()
        columns = self.columns or (projection_columns(message.query) if message.query.is_projection else default_columns())
        table = self.query_one(EventTable)
        table.set_model(StoreTableModel(self.store, message.rows, columns, message.query))
        table.sort_indicator = (self.sort.key, self.sort.descending)
        if len(self.store) and not len(message.rows):
            table.empty_message = "No events match this filter · Esc then Backspace goes back, or edit the filter"
        bar = self.query_one(FilterBar)
        bar.clear_error()
        bar.show_result(len(message.rows), len(self.store), self.filter_ms, self.last_note)
        self._refresh_pivots()
        self.update_status()
        if self._refresh_pending:
            self._refresh_pending = False
            self.post_message(RowsArrived(len(self.store)))

    @on(FilterFailed)
    def _on_filter_failed(self, message: FilterFailed) -> None:
        if message.generation != self.generation:
            return
        self.query_one(FilterBar).show_error(message.text, message.pos, message.reason)

    # -- sorting -----------------------------------------------------------------------------------

    @on(EventTable.SortRequested)
    def _on_sort(self, message: EventTable.SortRequested) -> None:
        self.sort = SortSpec(message.column_key, message.descending)
        self.apply_filter(self.filter_text)

    # -- the selected event ------------------------------------------------------------------------

    @on(EventTable.CursorMoved)
    def _on_cursor(self, message: EventTable.CursorMoved) -> None:
        self._refresh_pivots()

    @on(EventTable.RowActivated)
    def _on_activated(self, message: EventTable.RowActivated) -> None:
        self.open_detail(message.row_id)

    def selected_row(self) -> Optional[int]:
        return self.query_one(EventTable).cursor_row_id

    def _refresh_pivots(self) -> None:
        row = self.selected_row()
        before = {kind for kind, pivot in self._pivots.items() if pivot is not None}
        self._pivots = pivots.available(self.store, row) if row is not None else {}
        after = {kind for kind, pivot in self._pivots.items() if pivot is not None}
        if after != before:
            # Rebuilding the footer costs milliseconds of layout: only when a key's state changes.
            self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> Optional[bool]:
        if action == "pivot" and parameters:
            return True if self._pivots.get(str(parameters[0])) is not None else None
        if action == "back":
            return True if self.stack else None
        if action in ("copy", "copy_choose", "export", "detail"):
            if not self.is_mounted:
                return None
            return True if self.query_one(EventTable).row_count > 0 else None
        return True

    def action_detail(self) -> None:
        row = self.selected_row()
        if row is not None:
            self.open_detail(row)

    def open_detail(self, row: int) -> None:
        from .detail import DetailScreen

        self.app.push_screen(DetailScreen(self.store.record(row), self.store.provenance(row)))

    # -- pivots ------------------------------------------------------------------------------------

    def action_pivot(self, kind: str, narrow: bool = False) -> None:
        pivot = self._pivots.get(kind)
        if pivot is None:
            self.notify(f"The selected event has no value for '{PIVOT_TITLES[kind]}'", severity="warning")
            return
        self.pivot_to(pivot, narrow)

    def pivot_to(self, pivot: pivots.Pivot, narrow: bool = False) -> None:
        """Push the current view and show the pivot's events (its filter goes in the filter bar)."""
        table = self.query_one(EventTable)
        self.stack.append(
            ViewState(self.filter_text, (self.sort.key, self.sort.descending), self.columns,
                      self.selected_row(), self.crumbs[-1])
        )
        text = pivot.filter
        if narrow and self.filter_text.strip() and self.current_query is not None and self.current_query.kind in ("select", "boolean", "all"):
            current = self.filter_text.strip()
            if self.current_query.kind == "boolean":
                current = f"select({current})"
            text = f"{current} | {pivot.filter}"
        self.crumbs.append(pivot.label)
        self.pivot_note = pivot.note
        self.columns = None if not narrow else self.columns
        self.filter_text = text
        self.query_one(FilterBar).value = text
        self.apply_filter(text)
        table.focus()
        if pivot.note:
            self.notify(safe_text(pivot.note), title="Pivot scope", timeout=6)

    def narrow_with(self, clause: str) -> None:
        """Add a condition (from the detail view's "filter on this value") to the current filter."""
        label = clause[7:-1] if clause.startswith("select(") else clause
        self.pivot_to(pivots.Pivot("value", clause, label if len(label) < 40 else label[:39] + "…", clause), narrow=True)

    def action_back(self) -> None:
        if not self.stack:
            return
        state = self.stack.pop()
        self.crumbs.pop()
        self.pivot_note = ""
        self.sort = SortSpec(*state.sort)
        self.columns = state.columns
        self.filter_text = state.filter_text
        self.query_one(FilterBar).value = state.filter_text
        self._restore_row = state.cursor_row_id
        self.apply_filter(state.filter_text)
        self.update_status()

    # -- copy and export ---------------------------------------------------------------------------

    def _view_table(self, marked_only: Optional[bool] = None) -> tuple[list[str], list[list[Any]], list[int]]:
        """(headers, rows of JSON values, store rows) for the marked rows if any, else the whole view."""
        table = self.query_one(EventTable)
        model: StoreTableModel = table.model
        marked = set(table.marked)
        use_marked = bool(marked) if marked_only is None else marked_only
        positions = [p for p in range(len(model)) if model.row_id(p) in marked] if use_marked else range(len(model))
        headers = [c.label for c in model.columns]
        rows = [model.values(p) for p in positions]
        return headers, rows, [model.row_id(p) for p in positions]

    def action_copy(self) -> None:
        table = self.query_one(EventTable)
        if not table.row_count:
            self.notify("Nothing to copy: the view is empty", severity="warning")
            return
        self._copy_worker("tsv", None)

    @work(thread=True, exclusive=True, group="copy", exit_on_error=False, description="Preparing copy")
    def _copy_worker(self, fmt: str, what: Optional[str]) -> None:
        if what == "event":
            row = self.selected_row()
            if row is None:
                return
            text = export.format_records("pretty", [self.store.raw(row)])
            self.post_message(CopyReady(text, 1, "json"))
            return
        marked_only = None if what is None else (what == "marked")
        if what == "row":
            row = self.selected_row()
            table = self.query_one(EventTable)
            model = table.model
            headers = [c.label for c in model.columns]
            rows = [model.values(table.cursor_row)]
            rows_ids = [row]
        else:
            headers, rows, rows_ids = self._view_table(marked_only)
        if fmt in ("jsonl", "records", "json") and not (self.current_query and self.current_query.is_projection):
            text = export.format_records(fmt, [self.store.raw(r) for r in rows_ids])
        else:
            text = export.format_rows(fmt, headers, rows)
        self.post_message(CopyReady(text, len(rows), fmt))

    @on(CopyReady)
    def _on_copy_ready(self, message: CopyReady) -> None:
        self._deliver_copy(message.text, message.rows, message.what)

    @work(thread=True, group="clipboard", exit_on_error=False, description="Copying")
    def _deliver_copy(self, text: str, rows: int, fmt: str) -> None:
        """Hand text to the clipboard routes (tmux and pyperclip run subprocesses: not on the UI thread)."""
        from ...clipboard import copy_text

        def osc52(payload: str) -> None:
            self.app.call_from_thread(self.app.copy_to_clipboard, payload)

        result = copy_text(text, osc52_writer=osc52, suffix=export.EXTENSIONS.get(fmt, ".txt"))
        self.app.call_from_thread(self.notify, result.message(rows=rows), title="Copied", timeout=6)

    def action_copy_choose(self) -> None:
        from .export_dialog import ExportDialog

        table = self.query_one(EventTable)
        self.app.push_screen(
            ExportDialog(mode="copy", marked=len(table.marked), view=table.row_count, has_row=self.selected_row() is not None),
            self._on_copy_choice,
        )

    def _on_copy_choice(self, choice: Any) -> None:
        if choice is None:
            return
        self._copy_worker(choice.fmt, choice.what)

    def action_export(self) -> None:
        from .export_dialog import ExportDialog

        table = self.query_one(EventTable)
        self.app.push_screen(
            ExportDialog(mode="file", marked=len(table.marked), view=table.row_count, has_row=self.selected_row() is not None),
            self._on_export_choice,
        )

    def _on_export_choice(self, choice: Any) -> None:
        if choice is None:
            return
        self._export_worker(choice)

    @work(thread=True, exclusive=True, group="export", exit_on_error=False, description="Exporting")
    def _export_worker(self, choice: Any) -> None:
        what = choice.what
        if what == "event":
            row = self.selected_row()
            store_rows = [] if row is None else [row]
            headers, rows = [], []
        else:
            headers, rows, store_rows = self._view_table(what == "marked")
        path = os.path.expanduser(choice.path)
        try:
            if choice.fmt in ("records", "jsonl", "json") or what == "event":
                fmt = choice.fmt if choice.fmt in ("records", "jsonl", "json") else "jsonl"
                with open(path, "wb") as out:
                    export.write_records(fmt, (self.store.raw(r) for r in store_rows), out)
            else:
                provenance = [self.store.provenance(r) for r in store_rows] if choice.provenance else None
                with open(path, "w", encoding="utf-8", newline="") as out:
                    export.write_rows(choice.fmt, headers, rows, out, provenance=provenance)
        except OSError as err:
            self.app.call_from_thread(self.notify, f"Could not write {path}: {err.strerror}", severity="error")
            return
        size = os.path.getsize(path)
        self.app.call_from_thread(
            self.notify, f"{len(store_rows):,} events · {size:,} bytes written to {path}", title="Exported"
        )

    def command_line(self) -> tuple[str, str]:
        """The jq one-liner and the trailtui query command reproducing this view."""
        paths = [p for p in self.paths if p != "-"] or ["FILE"]
        quoted = " ".join(shlex.quote(p) for p in paths)
        text = self.filter_text.strip() or "."
        query = self.current_query
        if query is not None and query.mode == "events" and not text.startswith(".Records[]") and not text.startswith("["):
            body = text if query.kind != "boolean" else f"select({text})"
            jq_program = f".Records[] | {body}"
        else:
            jq_program = text
        uses_prelude = any(name in text for name in ("actor_key", "ip_key", "has_access_key", "has_session", "has_resource", "actor_name", "session_keys", "access_keys", "resources"))
        if uses_prelude:
            defs = " ".join(line.strip() for line in PRELUDE.splitlines() if line.strip() and not line.strip().startswith("#"))
            jq_program = f"{defs} {jq_program}"
        jq_cmd = f"jq -rc {shlex.quote(jq_program)} {quoted}"
        tt = f"trailtui query {quoted} -f {shlex.quote(text)}"
        if self.sort.key != "time" or self.sort.descending:
            if self.sort.key in self.store.fields:
                tt += f" --sort {self.sort.key}{':desc' if self.sort.descending else ''}"
        if self.columns:
            names = [c.key for c in self.columns if not c.key.startswith("#")]
            if names:
                tt += f" --columns {shlex.quote(','.join(names))} --format table"
        return jq_cmd, tt

    def action_copy_command(self) -> None:
        jq_cmd, tt = self.command_line()
        self.post_message(CopyReady(f"{jq_cmd}\n{tt}\n", 2, "txt"))

    # -- other actions -----------------------------------------------------------------------------

    def action_focus_filter(self) -> None:
        # Focus synchronously: keys typed right after "/" (or pasted) are already queued and must reach
        # the input, not the table's bindings.
        self.set_focus(self.query_one(FilterBar).input)

    def action_toggle_loader(self) -> None:
        panel = self.query_one(LoadPanel)
        panel.display = not panel.display
        if panel.display:
            panel.query_one("#load-tree").focus()
        else:
            self.query_one(EventTable).focus()

    def action_escape(self) -> None:
        if self.is_loading and self._load_worker is not None:
            self._load_worker.cancel()
            self.notify("Load cancelled; what was read stays loaded", timeout=4)
            return
        table = self.query_one(EventTable)
        if table.marked:
            table.clear_marks()

    @on(LoadPanel.CancelRequested)
    def _on_cancel_load(self) -> None:
        if self._load_worker is not None:
            self._load_worker.cancel()

    @on(LoadPanel.LoadRequested)
    def _on_load_requested(self, message: LoadPanel.LoadRequested) -> None:
        self.paths.extend(message.paths)
        self.start_load(message.paths)

    def action_columns(self) -> None:
        from .columns import ColumnsScreen

        table = self.query_one(EventTable)
        current = list(getattr(table.model, "columns", None) or default_columns())
        self.app.push_screen(ColumnsScreen(current, self.store.path_counts()), self._on_columns_chosen)

    def _on_columns_chosen(self, columns: Optional[list[Column]]) -> None:
        if columns is None:
            return
        self.columns = columns or None
        self.apply_filter(self.filter_text)

    def action_help(self) -> None:
        from .help import HelpScreen

        self.app.push_screen(HelpScreen())

    async def action_quit(self) -> None:
        self.app.exit()

    # -- status ------------------------------------------------------------------------------------

    def update_status(self) -> None:
        table = self.query_one(EventTable)
        shown = table.row_count
        parts = []
        if self.load_message:
            parts.append(self.load_message)
        else:
            parts.append(f"{len(self.store):,} loaded")
        parts.append(f"{shown:,} shown")
        if table.marked:
            parts.append(f"{len(table.marked):,} marked")
        parts.append(f"filter {self.filter_ms:,.0f} ms")
        crumbs = " › ".join(self.crumbs)
        parts.append(crumbs)
        if self.pivot_note:
            parts.append(self.pivot_note)
        self.query_one("#status", Static).update(safe_text(" · ".join(parts)))

    @on(EventTable.MarksChanged)
    def _on_marks(self) -> None:
        self.update_status()
        self.refresh_bindings()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            error = event.worker.error
            self.notify(safe_text(f"{event.worker.description or 'work'} failed: {error}"), severity="error", timeout=10)
            if event.worker.group == "load":
                self.post_message(LoadFinished(len(self.store), 0.0, True))
