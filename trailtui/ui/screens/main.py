"""The investigator's screen: loader pane, filter bar, event table, status line and footer.

The screen renders one immutable :class:`~trailtui.ui.state.ViewState` (filter, sort, columns, the event
to select, the breadcrumb's note) held in the ``state`` reactive; the engine's
:class:`~trailtui.engine.session.Session` does the work in thread workers that post typed messages back:
* loading streams into the session's backend (``load`` worker); the table grows as events arrive;
* a new state starts a ``filter`` worker (exclusive: a newer state cancels the older run, and a
  generation number drops any result that arrives late) that returns a ready :class:`View`;
* pivots push the current state and its view on the back stack; Backspace pops both, so the previous
  view comes back without being computed again.
Workers get everything they need as arguments captured on the UI thread; they never read a widget.

The screen never leaves the user guessing: every key acts or says why not (a pivot with no value, an empty
view), a long filter shows how far it got while the rows of the previous one are tinted as stale, a
cancelled load stays marked as partial, and the status line keeps the newest breadcrumb whatever the width.
"""

from __future__ import annotations

import os
import time
from dataclasses import replace
from typing import Optional, Sequence

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static
from textual.worker import Worker, WorkerState, get_current_worker

from ...engine import export, facets, identity, pivots, timeline
from ...engine.columns import Column, screen_columns
from ...engine.errors import QueryError, TrailError
from ...engine.model import DigestSkipped, Problem, Progress, RecordBatch, SourceDone
from ...engine.safefile import WriteError, atomic_writer
from ...engine.remote.widen import RemoteSource
from ...engine.session import Session, Sort, View
from ...engine.textsafe import safe_text
from ..messages import (
    AggregateComputed,
    CopyReady,
    FacetsComputed,
    FindDone,
    TimelineComputed,
    FilterApplied,
    FilterFailed,
    FilterProgressed,
    LoadFinished,
    LoadNoticed,
    LoadProgressed,
    PathsCounted,
    RowsArrived,
)
from ..evidence import EVIDENCE_BINDINGS, EvidenceActions
from ..widen import WIDEN_BINDINGS, WidenActions
from ..state import Step, ViewState
from ..widgets.event_table import EventTable
from ..widgets.facets_pane import FacetsPane
from ..widgets.timeline import Timeline
from ..widgets.filter_bar import FilterBar
from ..widgets.load_panel import LoadPanel, format_progress

PIVOT_TITLES = {
    "user": "same user",
    "ip": "same source IP",
    "key": "same access key",
    "session": "same session",
    "event": "same event name",
    "resource": "same resource",
    "agent": "same user agent",
}

PIVOT_MISSING = {
    "user": "no user identity",
    "ip": "no source IP (neither sourceIPAddress nor network.client.ip)",
    "key": "no access key",
    "session": "no session",
    "event": "no event name",
    "resource": "no resource it names",
    "agent": "no user agent (neither userAgent nor http.useragent)",
}
"""Why a pivot key does nothing on the selected event."""

AGGREGATE_ROWS = 10000
"""Rows of an aggregate's result the screen lists (copy and export take them all)."""

WIDE_FACETS = 120
"""From this many columns the facets pane sits beside the table; below, it covers it (an overlay)."""

STALE_AFTER = 0.25
"""Seconds a filter runs before the rows on screen are marked as the previous filter's."""


class MainScreen(EvidenceActions, WidenActions, Screen):
    """The one screen a responder lives in."""

    BINDINGS = [
        # A priority binding runs as the key is read, before the keys after it are handed to a widget: keys
        # typed right after "/" all land in the filter bar (a normal binding ran only after they were
        # queued to the table, and they were lost).
        Binding("slash", "focus_filter", "Filter", tooltip="Type a jq filter; it applies as you type", id="filter",
                priority=True),
        Binding("enter", "detail", "Detail", tooltip="Show the whole selected event", id="detail", show=False),
        Binding("u", "pivot('user')", "User", tooltip="Events by the same actor (user, role or SSO identity)", id="pivot-user"),
        Binding("i", "pivot('ip')", "IP", tooltip="Events from the same source IP (network.client.ip if the event has none)", id="pivot-ip"),
        Binding("a", "pivot('key')", "Key", show=False, tooltip="Events using, minting or changing the same access key", id="pivot-key"),
        Binding("x", "pivot('session')", "Session", show=False, tooltip="Events in the same sign-in or role session", id="pivot-session"),
        Binding("n", "pivot('event')", "Name", show=False, tooltip="Events with the same event name", id="pivot-event"),
        Binding("r", "pivot('resource')", "Resource", show=False, tooltip="Events naming the same resource (an S3 object or its bucket…)", id="pivot-resource"),
        Binding("b", "pivot('agent')", "Agent", show=False, tooltip="Events with the same user agent (http.useragent if the event has none)", id="pivot-agent"),
        Binding("U", "pivot('user', True)", "Narrow: user", tooltip="Narrow the current filter to the same actor", show=False, id="narrow-user"),
        Binding("I", "pivot('ip', True)", "Narrow: IP", tooltip="Narrow the current filter to the same source IP", show=False, id="narrow-ip"),
        Binding("backspace", "back", "Back", tooltip="Undo the last pivot (filter, sort, columns, cursor)", id="back"),
        Binding("y", "copy", "Copy", tooltip="Copy the marked rows, else the whole view, as TSV with a header", id="copy"),
        Binding("Y", "copy_choose", "Copy as…", show=False, tooltip="Choose what to copy and in which format", id="copy-as"),
        Binding("e", "export", "Export", tooltip="Write the view or the marked rows to a file", id="export"),
        Binding("c", "columns", "Cols", tooltip="Add or remove columns, including any jq path", id="columns"),
        Binding("o", "toggle_loader", "Open", tooltip="Show or hide the loader pane to open files", id="open"),
        Binding("escape", "escape", "Cancel", tooltip="Cancel a running load or widen; leave the loader pane; clear marks", show=False, id="escape"),
        Binding("question_mark", "help", "Help", tooltip="All keys and the filter language", id="help"),
        Binding("q", "quit", "Quit", tooltip="Leave trailtui", id="quit"),
        Binding("R", "flip_reading", "Select ↔ columns", show=False, id="flip-reading",
                tooltip="Read the filter the other way: as a selection of events, or as the table's columns"),
        Binding("ctrl+c", "quit", "Quit", tooltip="Leave trailtui (from anywhere, even the filter bar)", show=False,
                priority=True, id="quit-ctrl-c"),
        Binding("f", "facets", "Facets", id="facets-toggle",
                tooltip="Top values of actor, IP, event, source, error, region, account, agent for this view"),
        Binding("F", "facet_column", "Facet column", show=False, id="facets-column",
                tooltip="Count the values of the table's current column (any column or jq path) in the facets pane"),
        Binding("T", "timeline", "Timeline", show=False, id="timeline-toggle",
                tooltip="Events per time bucket above the table; ←/→ move, Space anchors, Enter filters to the range"),
        Binding("ctrl+f", "find", "Find", show=False, id="find-open",
                tooltip="Find text in the view's cells without changing the filter (. next, , previous)"),
        Binding("full_stop", "find_next(1)", "Find next", show=False, id="find-next",
                tooltip="Jump to the next row whose cells contain the find text"),
        Binding("comma", "find_next(-1)", "Find previous", show=False, id="find-previous",
                tooltip="Jump to the previous row whose cells contain the find text"),
        *EVIDENCE_BINDINGS,
        *WIDEN_BINDINGS,
    ]

    AUTO_FOCUS = "#table"
    """Keys go to the table from the start (never to the hidden loader pane's inputs)."""

    state: reactive[ViewState] = reactive(ViewState, init=False)
    """What the screen shows; replace it (never mutate) and the watchers do the rest."""

    is_loading: reactive[bool] = reactive(False)
    """True while a load runs (the status line shows progress)."""

    def __init__(self, paths: Sequence[str], initial_filter: str = "", stdin_data: Optional[bytes] = None,
                 session: Optional[Session] = None, remote: Optional[RemoteSource] = None) -> None:
        super().__init__()
        self.session = session if session is not None else Session()
        self.paths = list(paths)
        self.stdin_data = stdin_data
        self.view: Optional[View] = None
        """The view on screen (None until the first filter lands)."""
        self.stack: list[Step] = []
        self.generation = 0
        self.applied_generation = -1
        self.load_message = ""
        self.problems: list[str] = []
        self._pivots: dict[str, Optional[pivots.Pivot]] = {}
        self._restoring: Optional[Step] = None
        self._rows_at_last_filter = 0
        self._load_worker: Optional[Worker] = None
        self._digests = 0
        self._refresh_pending = False
        self._load_base = 0
        self.load_partial = False
        """True once a load was cancelled: what is loaded is not all that was asked for."""
        self.filter_progress = ""
        """While a long filter runs: how far it got (for the status line)."""
        self._stale_timer: Optional[object] = None
        self.extra_facet: Optional[facets.FacetField] = None
        """A facet the user asked for with ``F`` (listed first in the facets pane), or None."""
        self.find_text = ""
        """What the find prompt looks for ("" for nothing)."""
        self.aggregate: Optional[tuple[list[str], list[list[object]]]] = None
        """The aggregate filter's result on screen (headers, rows), or None when the table shows events."""
        self.set_reactive(MainScreen.state, ViewState(filter_text=initial_filter))
        self._evidence_init()
        self._widen_init(remote)

    @property
    def crumbs(self) -> list[str]:
        """The breadcrumb: one label per back-stack step, then the current state's."""
        return [step.state.label() for step in self.stack] + [self.state.label()]

    # -- layout ------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="body"):
            yield LoadPanel(id="loader")
            with Vertical(id="main"):
                yield FilterBar(id="filter")
                yield Timeline(id="timeline")
                yield EventTable(id="table")
                yield DataTable(id="aggregate", cursor_type="row", zebra_stripes=True)
                yield Input(placeholder="find in the view's cells (Enter: next match · Esc: close)", id="find")
                yield Static("", id="status", markup=False)
            yield FacetsPane(id="facets")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one(EventTable)
        table.empty_message = "No events loaded · pick files or a directory on the left (Enter), or type a path or glob"
        loader = self.query_one(LoadPanel)
        if self.state.filter_text:
            self.query_one(FilterBar).value = self.state.filter_text
        if self.paths:
            loader.display = False
            self.set_focus(table)
            # Paint the screen first: a load started during mount kept the very first frame from showing.
            self.call_after_refresh(self.start_load, self.paths)
        else:
            self.set_focus(loader.query_one("#load-tree"))
        self.update_status()

    # -- the state ---------------------------------------------------------------------------------

    def watch_state(self, old: ViewState, new: ViewState) -> None:
        bar = self.query_one(FilterBar)
        if bar.value != new.filter_text:
            bar.value = new.filter_text
        restoring, self._restoring = self._restoring, None
        if restoring is not None and restoring.state is new and restoring.view is not None:
            self.generation += 1  # any filter still running answers an older question
            self._show(restoring.view, select=new.selected)
        elif not new.same_question(old) or self.view is None:
            self.apply_filter()
        self.update_status()

    # -- loading -----------------------------------------------------------------------------------

    def start_load(self, paths: Sequence[str]) -> None:
        """Load more inputs (added to what is there)."""
        self.is_loading = True
        self._load_base = len(self.session)
        self.query_one(EventTable).empty_message = "Loading…"
        stdin = None
        if "-" in paths and self.stdin_data is not None:
            import io

            stdin = io.BytesIO(self.stdin_data)
        self._load_worker = self._load(list(paths), stdin)

    @work(thread=True, exclusive=True, group="load", exit_on_error=False, description="Loading events")
    def _load(self, paths: list[str], stdin: object) -> None:
        worker = get_current_worker()
        session = self.session
        started = time.perf_counter()
        last_rows_post = 0.0
        for item in session.load(paths, cancelled=lambda: worker.is_cancelled, stdin=stdin):
            if isinstance(item, RecordBatch):
                time.sleep(0)  # hand the GIL to the UI and the terminal writer between batches
                now = time.perf_counter()
                # The first batch shows at once; later ones refresh the view about once a second
                # (each refresh re-sorts the view on the filter worker and redraws the table).
                if now - last_rows_post > 1.0 or last_rows_post == 0.0:
                    last_rows_post = now
                    self.post_message(RowsArrived(len(session)))
            elif isinstance(item, Progress):
                self.post_message(LoadProgressed(item, len(session)))
            elif isinstance(item, (Problem, SourceDone, DigestSkipped)):
                self.post_message(LoadNoticed(item))
            if worker.is_cancelled:
                break
        elapsed = time.perf_counter() - started
        self.post_message(RowsArrived(len(session)))
        self.post_message(LoadFinished(len(session), elapsed, worker.is_cancelled))
        # Field paths for completion: a sample of records, decoded here rather than on the UI thread.
        self.post_message(PathsCounted(session.path_counts()))

    @on(LoadProgressed)
    def _on_progress(self, message: LoadProgressed) -> None:
        p = message.progress
        rate = (message.events - self._load_base) / p.elapsed if p.elapsed > 0 else 0.0
        self.query_one(LoadPanel).show_progress(p.files_done, p.files_total, p.bytes_done, p.bytes_total, message.events, rate)
        self.load_message = "loading " + format_progress(p.files_done, p.files_total, message.events, rate)
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
                self.notify(safe_text(item.message), title="Could not read", severity="warning", timeout=8, markup=False)
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
        if first or not self.is_loading or self.state.is_trivial:
            self.apply_filter()
        self.update_status()

    def _filter_running(self) -> bool:
        return any(w.group == "filter" and not w.is_finished for w in self.workers)

    @on(LoadFinished)
    def _on_load_finished(self, message: LoadFinished) -> None:
        self.is_loading = False
        added = message.events - self._load_base
        rate = added / message.elapsed if message.elapsed > 0 else 0
        parts = [f"{added:,} events in {message.elapsed:.1f} s ({rate:,.0f}/s)"]
        if self._load_base:
            parts[0] = f"{added:,} more events ({message.events:,} in all) in {message.elapsed:.1f} s ({rate:,.0f}/s)"
        duplicates = self.session.backend.duplicates
        if duplicates:
            parts.append(f"{duplicates:,} duplicates dropped")
        if self._digests:
            parts.append(_count(self._digests, "digest file") + " skipped")
        if self.problems:
            parts.append(_count(len(self.problems), "file") + " unreadable")
        if message.cancelled:
            parts.insert(0, "load cancelled: partial data")
            self.load_partial = True
        self.load_message = ""
        self.query_one(LoadPanel).finish(" · ".join(parts))
        self.notify(" · ".join(parts), title="Loaded", timeout=4, markup=False)
        self.apply_filter()
        self.evidence_after_load()
        self.widen_after_load(message.cancelled)
        table = self.query_one(EventTable)
        if len(self.session) == 0:
            table.empty_message = (
                "No events found in what was opened · press o to open other files"
                if not self.problems
                else "Nothing could be read · see the loader pane (o) for the reasons"
            )
        self.update_status()

    @on(PathsCounted)
    def _on_paths_counted(self, message: PathsCounted) -> None:
        self.query_one(FilterBar).set_paths(message.counts)

    # -- filtering ---------------------------------------------------------------------------------

    @on(FilterBar.Changed)
    def _on_filter_changed(self, message: FilterBar.Changed) -> None:
        if message.text != self.query_one(FilterBar).value:
            return  # typed on since: a newer Changed follows (writing this one back would eat keys)
        if message.text != self.state.filter_text:
            self.state = ViewState(filter_text=message.text, sort=self.state.sort, columns=self.state.columns)

    @on(FilterBar.Dismissed)
    def _on_filter_dismissed(self) -> None:
        bar = self.query_one(FilterBar)
        if bar.value.strip() and not bar.has_error:
            bar.history.add(bar.value)  # a filter left with Esc is as much a filter used as one left with Enter
        self.set_focus(self.query_one(EventTable))

    @on(FilterBar.Submitted)
    def _on_filter_submitted(self) -> None:
        self.set_focus(self.query_one(EventTable))

    def apply_filter(self) -> None:
        """Answer the current state in a worker; a newer call cancels this one."""
        self.generation += 1
        self.query_one(FilterBar).show_running()
        if self._stale_timer is None:
            self._stale_timer = self.set_timer(STALE_AFTER, self._mark_stale)
        n = len(self.session) if self.state.upto is None else min(self.state.upto, len(self.session))
        self._filter(self.generation, self.state, n)

    def _mark_stale(self) -> None:
        self._stale_timer = None
        if self.applied_generation != self.generation:
            self.query_one(EventTable).add_class("-stale")
            self.update_status()

    def _end_stale(self) -> None:
        if self._stale_timer is not None:
            self._stale_timer.stop()
            self._stale_timer = None
        self.filter_progress = ""
        self.query_one(EventTable).remove_class("-stale")

    @work(thread=True, exclusive=True, group="filter", exit_on_error=False, description="Filtering events")
    def _filter(self, generation: int, state: ViewState, n: int) -> None:
        worker = get_current_worker()
        last_post = [time.perf_counter()]

        def progress(scanned: int, total: int) -> None:
            now = time.perf_counter()
            if now - last_post[0] >= 0.2:
                last_post[0] = now
                self.post_message(FilterProgressed(generation, scanned, total))

        try:
            query = self.session.compile(state.filter_text)
            if query.mode == "root":
                self._run_aggregate(generation, state.filter_text, query, n, worker)
                return
            view = self.session.view(
                query if state.reading is None else state.filter_text, sort=state.sort, columns=state.columns, n=n,
                reading=state.reading,
                cancelled=lambda: worker.is_cancelled, defaults=screen_columns(), progress=progress,
            )
        except QueryError as err:
            self.post_message(FilterFailed(generation, state.filter_text, err.pos, err.reason))
            return
        except TrailError as err:
            reason = f"{err.message}: {err.hint}" if err.hint else err.message
            self.post_message(FilterFailed(generation, state.filter_text, None, reason))
            return
        except Exception as err:  # noqa: BLE001 - an engine failure: said where the filter is, never a hang
            if not worker.is_cancelled:
                self.post_message(FilterFailed(generation, state.filter_text, None,
                                               f"the filter could not run ({type(err).__name__}: {err})"))
            return
        if view is not None and not worker.is_cancelled:
            self.post_message(FilterApplied(generation, view))

    def _run_aggregate(self, generation: int, text: str, query: object, n: int, worker: Worker) -> None:
        """Run an aggregate (root-mode) filter on the loaded events (in the filter worker)."""
        from ...engine import jq as jqlib

        started = time.perf_counter()
        try:
            values = self.session.run_root(query, range(n))
        except jqlib.JqRuntimeError as err:
            if not worker.is_cancelled:
                self.post_message(AggregateComputed(generation, text, [], str(err)))
            return
        if not worker.is_cancelled:
            self.post_message(AggregateComputed(generation, text, values, "", (time.perf_counter() - started) * 1000))

    @on(AggregateComputed)
    def _on_aggregate(self, message: AggregateComputed) -> None:
        if message.generation != self.generation:
            return
        self._end_stale()
        self.applied_generation = self.generation
        bar = self.query_one(FilterBar)
        if message.error:
            bar.show_error(message.text, None, message.error)
            self.update_status()
            return
        from ...engine.aggregate import result_table
        from ...engine.columns import cell_text
        from rich.text import Text

        headers, rows = result_table(message.values)
        self.aggregate = (headers, rows)
        table = self.query_one("#aggregate", DataTable)
        table.clear(columns=True)
        table.add_columns(*[Text(safe_text(h)) for h in headers])
        shown = rows[:AGGREGATE_ROWS]
        table.add_rows([[Text(safe_text(cell_text(v))) for v in row] for row in shown])
        self.query_one(EventTable).display = False
        table.display = True
        bar.clear_error()
        more = f" (first {AGGREGATE_ROWS:,} shown)" if len(rows) > AGGREGATE_ROWS else ""
        bar.show_running(f"aggregate: {len(rows):,} rows{more} · {message.elapsed_ms:,.0f} ms · read-only (y copies)")
        self.update_status()

    def _hide_aggregate(self) -> None:
        if self.aggregate is None:
            return
        self.aggregate = None
        self.query_one("#aggregate", DataTable).display = False
        table = self.query_one(EventTable)
        table.display = True
        self.query_one(FilterBar).remove_class("-running")

    @on(FilterProgressed)
    def _on_filter_progress(self, message: FilterProgressed) -> None:
        if message.generation != self.generation:
            return
        percent = 100 * message.scanned // max(1, message.total)
        self.filter_progress = f"filtering {message.scanned:,}/{message.total:,} events ({percent}%)"
        self.query_one(FilterBar).show_running(f"{percent}% of {message.total:,}…")
        self.update_status()

    @on(FilterApplied)
    def _on_filter_applied(self, message: FilterApplied) -> None:
        if message.generation != self.generation:
            return  # stale: a newer filter is running or already shown
        self._show(message.view, select=self.state.selected)

    def _show(self, view: View, select: Optional[int] = None) -> None:
        """Put a computed view on screen, with the cursor on ``select`` when that event is in it."""
        self.applied_generation = self.generation
        self.view = view
        self._end_stale()
        self._hide_aggregate()
        table = self.query_one(EventTable)
        table.set_model(view, select_row_id=select)
        table.sort_indicator = (view.sort.key, view.sort.descending) if view.sort is not None else None
        if len(self.session) and not len(view):
            table.empty_message = "No events match this filter · Esc then Backspace goes back, or edit the filter"
        bar = self.query_one(FilterBar)
        bar.clear_error()
        bar.show_result(len(view), view.result.total, view.elapsed_ms, view.result.error_note())
        self._refresh_pivots()
        self.update_status()
        self._refresh_summaries()
        self.widen_shown()
        if self._refresh_pending:
            self._refresh_pending = False
            self.post_message(RowsArrived(len(self.session)))

    @on(FilterFailed)
    def _on_filter_failed(self, message: FilterFailed) -> None:
        if message.generation != self.generation:
            return
        self._end_stale()
        self.applied_generation = self.generation
        self.query_one(FilterBar).show_error(message.text, message.pos, message.reason)
        # The rows on screen answer the last filter that ran: keep them, and say so.
        self.query_one(EventTable).add_class("-stale")
        self.update_status()

    # -- sorting -----------------------------------------------------------------------------------

    @on(EventTable.SortRequested)
    def _on_sort(self, message: EventTable.SortRequested) -> None:
        self.state = replace(self.state, sort=Sort(message.column_key, message.descending), selected=self.selected_row())

    # -- the selected event ------------------------------------------------------------------------

    @on(EventTable.CursorMoved)
    def _on_cursor(self, message: EventTable.CursorMoved) -> None:
        self._refresh_pivots()
        self._mark_timeline()

    @on(EventTable.RowActivated)
    def _on_activated(self, message: EventTable.RowActivated) -> None:
        self.open_detail(message.row_id)

    def selected_row(self) -> Optional[int]:
        return self.query_one(EventTable).cursor_row_id

    def _refresh_pivots(self) -> None:
        # No refresh_bindings here: the footer does not depend on the pivots (check_action keeps every pivot
        # key enabled; one that cannot act says why), and rebuilding it on each cursor move cost ~10-30 ms
        # of the screen's thread per key.
        row = self.selected_row()
        self._pivots = self.session.pivots(row) if row is not None else {}

    # Every key stays enabled (no check_action greying): a key that cannot act says why instead.

    def check_action(self, action: str, parameters: tuple[object, ...]) -> Optional[bool]:
        if action == "focus_filter" and isinstance(self.focused, Input):
            return False  # "/" typed in the filter or a path is text
        return True

    def _has_rows(self, what: str) -> bool:
        """True when the view has rows; else tell the user why ``what`` does nothing."""
        if self.aggregate is not None:
            self.notify(f"Nothing to {what}: the filter is an aggregate (its result is not events)",
                        severity="warning", timeout=4, markup=False)
            return False
        if self.is_mounted and self.query_one(EventTable).row_count > 0:
            return True
        reason = "no events are loaded" if not len(self.session) else "the view is empty (no event matches the filter)"
        self.notify(f"Nothing to {what}: {reason}", severity="warning", timeout=4, markup=False)
        return False

    def action_detail(self) -> None:
        row = self.selected_row()
        if self._has_rows("open") and row is not None:
            self.open_detail(row)

    def open_detail(self, row: int) -> None:
        from .detail import DetailScreen

        record = self.session.record(row)
        outcome = identity.display_outcome(record) or "no outcome (Insight)"
        self.app.push_screen(DetailScreen(record, self.session.provenance(row), outcome=outcome,
                                          find_text=self.find_text))

    # -- pivots ------------------------------------------------------------------------------------

    def action_pivot(self, kind: str, narrow: bool = False) -> None:
        if not self._has_rows(PIVOT_TITLES[kind].replace("same", "pivot to the same")):
            return
        pivot = self._pivots.get(kind)
        if pivot is None:
            self.notify(f"No '{PIVOT_TITLES[kind]}' pivot: the selected event has {PIVOT_MISSING[kind]}",
                        severity="warning", timeout=5, markup=False)
            return
        row = self.selected_row()
        choices = self.session.pivot_choices(row, kind) if row is not None and kind in ("resource", "key") else []
        if len(choices) > 1:
            from .choose import ChoiceScreen

            def chosen(index: Optional[int]) -> None:
                if index is not None:
                    self.pivot_to(choices[index], narrow)

            self.app.push_screen(
                ChoiceScreen(f"Pivot to the {PIVOT_TITLES[kind]}: which one?", [p.value for p in choices]), chosen
            )
            return
        self.pivot_to(pivot, narrow)

    def pivot_to(self, pivot: pivots.Pivot, narrow: bool = False) -> None:
        """Push the current view and show the pivot's events (its filter goes in the filter bar)."""
        table = self.query_one(EventTable)
        state = self.state
        self.stack.append(Step(replace(state, selected=table.cursor_row_id), self.view))
        text = pivot.filter
        query = self.view.query if self.view is not None else None
        if narrow and not state.is_trivial and query is not None and query.kind in ("select", "boolean", "all"):
            current = state.filter_text.strip()
            if query.kind == "boolean":
                current = f"select({current})"
            text = f"{current} | {pivot.filter}"
        self.state = ViewState(
            filter_text=text,
            sort=state.sort,
            columns=state.columns if narrow else None,
            selected=table.cursor_row_id,
            crumb=pivot.label,
            note=pivot.note,
            pivot=pivot,
        )
        table.focus()
        if pivot.note:
            self.notify(safe_text(pivot.note), title="Pivot scope", timeout=6, markup=False)

    def narrow_with(self, clause: str) -> None:
        """Add a condition (from the detail view's "filter on this value") to the current filter."""
        label = clause[7:-1] if clause.startswith("select(") else clause
        self.pivot_to(pivots.Pivot("value", clause, label if len(label) < 40 else label[:39] + "…", clause), narrow=True)

    def action_back(self) -> None:
        """Restore the state (and its computed view, when nothing loaded since) before the last pivot."""
        if not self.stack:
            self.notify("Nothing to go back to: no pivot was made", severity="warning", timeout=3)
            return
        step = self.stack.pop()
        loaded = len(self.session) if step.state.upto is None else step.state.upto
        fresh = step.view is not None and step.view.result.total == loaded
        self._restoring = step if fresh else None
        self.state = step.state

    # -- facets, timeline and find -------------------------------------------------------------------

    def _refresh_summaries(self) -> None:
        """Recompute what the facets pane and the timeline show, for the view now on screen."""
        if self.view is None:
            return
        pane = self.query_one(FacetsPane)
        if pane.display:
            pane.show_pending()
            fields = ([self.extra_facet] if self.extra_facet is not None else []) + [
                facets.FACET_FIELDS[name] for name in facets.DEFAULT_FACETS
                if self.extra_facet is None or self.extra_facet.name != name]
            self._facets_worker(self.view, fields)
        line = self.query_one(Timeline)
        if line.display:
            self._timeline_worker(self.view, line.buckets_wanted)

    @work(thread=True, exclusive=True, group="facets", exit_on_error=False, description="Counting facets")
    def _facets_worker(self, view: View, fields: list) -> None:
        worker = get_current_worker()
        started = time.perf_counter()
        found = facets.facet_counts(self.session.backend, view.rows, fields, cancelled=lambda: worker.is_cancelled)
        if found is not None and not worker.is_cancelled:
            self.post_message(FacetsComputed(view, found, (time.perf_counter() - started) * 1000))

    @on(FacetsComputed)
    def _on_facets(self, message: FacetsComputed) -> None:
        if message.view is self.view:
            self.query_one(FacetsPane).show(message.facets, message.elapsed_ms)

    @work(thread=True, exclusive=True, group="timeline", exit_on_error=False, description="Drawing the timeline")
    def _timeline_worker(self, view: View, buckets: int) -> None:
        worker = get_current_worker()
        started = time.perf_counter()
        found = timeline.histogram(self.session.backend, view.rows, buckets, cancelled=lambda: worker.is_cancelled)
        if found is not None and not worker.is_cancelled:
            self.post_message(TimelineComputed(view, found, (time.perf_counter() - started) * 1000))

    @on(TimelineComputed)
    def _on_timeline(self, message: TimelineComputed) -> None:
        if message.view is self.view:
            self.query_one(Timeline).show(message.histogram, message.elapsed_ms)
            self._mark_timeline()

    def _mark_timeline(self) -> None:
        line = self.query_one(Timeline)
        row = self.selected_row()
        if line.display and line.histogram is not None:
            second = timeline.epoch_second(self.session.backend.display("time", [row])[0]) if row is not None else None
            line.mark_second(second)

    def action_facets(self) -> None:
        """Show the facets pane (and go to it), or hide it when it has the keys."""
        pane = self.query_one(FacetsPane)
        if pane.display and pane.has_focus_within:
            pane.display = False
            self.query_one(EventTable).focus()
            return
        if not self._has_rows("count in facets"):
            return
        if not pane.display:
            pane.display = True
            self._refresh_summaries()
        pane.list.focus()

    def action_facet_column(self) -> None:
        """Facet on the table's current column (a named field or a jq path) and show it first."""
        if not self._has_rows("count in facets"):
            return
        key = self.query_one(EventTable).cursor_column_key or ""
        if key.startswith("#"):
            self.notify("A projection's column has no jq path of its own: facet on the path it projects "
                        "(add it with c, as a column)", severity="warning", timeout=5, markup=False)
            return
        try:
            self.extra_facet = facets.resolve_facet(key)
        except TrailError:
            self.notify(safe_text(f"No facet for the column {key!r}"), severity="warning", timeout=4, markup=False)
            return
        pane = self.query_one(FacetsPane)
        pane.display = True
        self._refresh_summaries()
        pane.list.focus()

    @on(FacetsPane.ValueChosen)
    def _on_facet_value(self, message: FacetsPane.ValueChosen) -> None:
        clause = facets.value_clause(message.field, message.value, message.exclude)
        shown = facets.FacetValue(message.value, 0).text
        label = f"{'not ' if message.exclude else ''}{message.field.label.lower()} {shown}"
        self.narrow_by(clause, label if len(label) <= 40 else label[:39] + "…")

    def narrow_by(self, clause: str, crumb: str) -> None:
        """Add a condition to the current filter as editable jq; Backspace returns to the view before."""
        query = self.view.query if self.view is not None else None
        kind = None if self.state.is_trivial or query is None else query.kind
        try:
            text = facets.combine(self.state.filter_text, kind, clause, bool(query is not None and query.records_form))
        except TrailError as err:
            self.notify(safe_text(f"{err.message}: {err.hint}"), severity="warning", timeout=5, markup=False)
            return
        table = self.query_one(EventTable)
        state = self.state
        self.stack.append(Step(replace(state, selected=table.cursor_row_id), self.view))
        self.state = ViewState(filter_text=text, sort=state.sort, columns=state.columns,
                               selected=table.cursor_row_id, crumb=crumb)

    def action_timeline(self) -> None:
        """Show the timeline (and go to it); again, hide it."""
        line = self.query_one(Timeline)
        if line.display and line.has_focus:
            line.display = False
            self.query_one(EventTable).focus()
            return
        if not line.display:
            if not self._has_rows("draw on a timeline"):
                return
            line.display = True
            # Its width is known once it is laid out.
            self.call_after_refresh(self._refresh_summaries)
        line.focus()

    @on(Timeline.Resized)
    def _on_timeline_resized(self) -> None:
        line = self.query_one(Timeline)
        if line.display and self.view is not None:
            self._timeline_worker(self.view, line.buckets_wanted)

    @on(Timeline.RangeChosen)
    def _on_range(self, message: Timeline.RangeChosen) -> None:
        lo, hi = message.histogram.bounds(message.first, message.last)
        crumb = f"time {timeline.format_time(lo)[5:16]}–{timeline.format_time(hi)[11:16]}"
        self.narrow_by(timeline.range_clause(lo, hi), crumb)
        self.query_one(EventTable).focus()

    def action_find(self) -> None:
        box = self.query_one("#find", Input)
        box.display = True
        box.value = self.find_text
        box.focus()

    @on(Input.Submitted, "#find")
    def _on_find_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.find_text = event.value
        self.query_one(EventTable).find_text = event.value
        box = self.query_one("#find", Input)
        box.display = False
        self.query_one(EventTable).focus()
        if event.value:
            self.action_find_next(1, include_current=True)

    def action_find_next(self, direction: int = 1, include_current: bool = False) -> None:
        if not self.find_text:
            self.notify("Nothing to find yet: ctrl+f, type the text, Enter", severity="warning", timeout=3)
            return
        if not self._has_rows("search") or self.view is None:
            return
        table = self.query_one(EventTable)
        start = table.cursor_row if include_current else table.cursor_row + direction
        self._find_worker(self.view, self.find_text, start, direction)

    @work(thread=True, exclusive=True, group="find", exit_on_error=False, description="Finding")
    def _find_worker(self, view: View, text: str, start: int, direction: int) -> None:
        from ...engine.find import find_row

        worker = get_current_worker()
        found, wrapped = find_row(view, text, start, direction, cancelled=lambda: worker.is_cancelled)
        if not worker.is_cancelled:
            self.post_message(FindDone(view, text, found, wrapped))

    @on(FindDone)
    def _on_found(self, message: FindDone) -> None:
        if message.view is not self.view or message.text != self.find_text:
            return
        if message.position is None:
            self.notify(safe_text(f"No row of this view contains {message.text!r}"), severity="warning", timeout=3,
                        markup=False)
            return
        self.query_one(EventTable).move_cursor(message.position)
        if message.wrapped:
            self.notify("Search wrapped around the view", timeout=2)

    # -- copy and export ---------------------------------------------------------------------------

    def _selection(self, what: Optional[str]) -> tuple[Optional[View], list[int]]:
        """The view and the positions to copy or export (UI thread): ``row``, ``marked``, ``view`` or None
        (marked rows if any, else the whole view)."""
        view = self.view
        table = self.query_one(EventTable)
        if view is None or not len(view):
            return view, []
        if what == "row" or what == "event":
            return view, [table.cursor_row]
        marked = set(table.marked)
        if what == "marked" or (what is None and marked):
            return view, [p for p in range(len(view)) if view.row_id(p) in marked] if marked else []
        return view, list(range(len(view)))

    def action_copy(self) -> None:
        if self.aggregate is not None:
            headers, rows = self.aggregate
            self.post_message(CopyReady(export.format_rows("tsv", headers, rows), len(rows), "tsv"))
            return
        if not self._has_rows("copy"):
            return
        view, positions = self._selection(None)
        self._copy_worker(view, positions, "tsv", None)

    @work(thread=True, exclusive=True, group="copy", exit_on_error=False, description="Preparing copy")
    def _copy_worker(self, view: View, positions: list[int], fmt: str, what: Optional[str]) -> None:
        session = self.session
        rows = view.row_ids(positions)
        if what == "event":
            text = export.format_records("pretty", [session.raw(r) for r in rows])
            self.post_message(CopyReady(text, len(rows), "json"))
            return
        if fmt in ("jsonl", "records", "json") and not view.query.is_projection:
            text = export.format_records(fmt, list(session.backend.raws(rows)))
        else:
            text = export.format_rows(fmt, view.headers, list(view.iter_values(positions)))
        self.post_message(CopyReady(text, len(rows), fmt))

    @on(CopyReady)
    def _on_copy_ready(self, message: CopyReady) -> None:
        self.app.deliver_copy(message.text, message.rows, export.EXTENSIONS.get(message.what, ".txt"))

    def action_copy_choose(self) -> None:
        from .export_dialog import ExportDialog

        if not self._has_rows("copy"):
            return
        table = self.query_one(EventTable)
        self.app.push_screen(
            ExportDialog(mode="copy", marked=len(table.marked), view=table.row_count, has_row=self.selected_row() is not None),
            self._on_copy_choice,
        )

    def _on_copy_choice(self, choice: object) -> None:
        if choice is None:
            return
        view, positions = self._selection(choice.what)
        if view is not None:
            self._copy_worker(view, positions, choice.fmt, choice.what)

    def action_export(self) -> None:
        from .export_dialog import ExportDialog

        if not self._has_rows("export"):
            return
        table = self.query_one(EventTable)
        self.app.push_screen(
            ExportDialog(mode="file", marked=len(table.marked), view=table.row_count, has_row=self.selected_row() is not None),
            self._on_export_choice,
        )

    def _on_export_choice(self, choice: object) -> None:
        if choice is None:
            return
        view, positions = self._selection(choice.what)
        if view is not None:
            self._export_worker(view, positions, choice)

    @work(thread=True, exclusive=True, group="export", exit_on_error=False, description="Exporting")
    def _export_worker(self, view: View, positions: list[int], choice: object) -> None:
        session = self.session
        rows = view.row_ids(positions)
        path = os.path.expanduser(choice.path)
        try:
            # The dialog asked before replacing an existing file; the write is atomic either way.
            if choice.fmt in ("records", "jsonl", "json") or choice.what == "event":
                fmt = choice.fmt if choice.fmt in ("records", "jsonl", "json") else "jsonl"
                with atomic_writer(path, force=True, text=False) as out:
                    export.write_records(fmt, session.backend.raws(rows), out)
            else:
                provenance = [session.provenance(r) for r in rows] if choice.provenance else None
                with atomic_writer(path, force=True) as out:
                    export.write_rows(choice.fmt, view.headers, list(view.iter_values(positions)), out, provenance=provenance)
        except OSError as err:
            message = str(err) if isinstance(err, WriteError) else f"{path}: {err.strerror or err}"
            self.app.call_from_thread(self.notify, safe_text(f"Could not write {message}"), severity="error", markup=False)
            return
        size = os.path.getsize(path)
        self.app.call_from_thread(
            self.notify, safe_text(f"{len(rows):,} events · {size:,} bytes written to {path}"), title="Exported",
            markup=False,
        )

    def command_line(self) -> tuple[str, str]:
        """The jq one-liner and the trailtui query command reproducing this view."""
        state = self.state
        return self.session.command_line(state.filter_text, state.sort, state.columns)

    def action_copy_command(self) -> None:
        jq_cmd, tt = self.command_line()
        self.post_message(CopyReady(f"{jq_cmd}\n{tt}\n", 2, "txt"))

    def action_flip_reading(self) -> None:
        """Read the filter the other way (a selection ↔ the table's columns), when both readings exist."""
        view = self.view
        if view is None or not view.query.flippable:
            self.notify("This filter reads only one way: an explicit select, a constructor or an @format",
                        severity="warning", markup=False)
            return
        other = "project" if view.reading == "select" else "select"
        self.state = replace(self.state, reading=other, selected=self.selected_row())

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
        box = self.query_one("#find", Input)
        if box.display and box.has_focus:
            box.display = False
            self.query_one(EventTable).focus()
            return
        line = self.query_one(Timeline)
        if line.has_focus:
            if not line.clear_anchor():
                self.query_one(EventTable).focus()
            return
        pane = self.query_one(FacetsPane)
        if pane.display and pane.has_focus_within:
            if self.size.width < WIDE_FACETS:
                pane.display = False  # an overlay: out of the way
            self.query_one(EventTable).focus()
            return
        panel = self.query_one(LoadPanel)
        if panel.display and panel.has_focus_within:
            # Leave the loader pane: keys go back to the table (the pane stays open while nothing is loaded).
            if len(self.session) or self.is_loading:
                panel.display = False
            self.query_one(EventTable).focus()
            return
        if self.widen_cancel():
            return
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
        paths = [str(p) for p in message.paths]
        self.paths.extend(paths)
        self.start_load(paths)
        self.query_one(EventTable).focus()  # the keys are the table's again (/ filters, o closes the pane)

    def action_columns(self) -> None:
        from .columns import ColumnsScreen

        current = list(self.view.columns) if self.view is not None else screen_columns()
        self.app.push_screen(ColumnsScreen(current, self.session.path_counts()), self._on_columns_chosen)

    def _on_columns_chosen(self, columns: Optional[list[Column]]) -> None:
        if columns is None:
            return
        self.state = replace(self.state, columns=tuple(columns) or None, selected=self.selected_row())

    def action_help(self) -> None:
        from .help import HelpScreen

        self.app.push_screen(HelpScreen())

    async def action_quit(self) -> None:
        self.app.exit()

    # -- status ------------------------------------------------------------------------------------

    def update_status(self) -> None:
        """The status line: where am I (breadcrumb, newest crumb always shown), then the counts."""
        if not self.is_mounted:
            return
        table = self.query_one(EventTable)
        loaded = self.load_message or f"{len(self.session):,} loaded"
        if self.load_partial and not self.is_loading:
            loaded += " (partial: load cancelled)"
        # (text, rank): when the line is too narrow, the highest ranks give way first.
        parts: list[tuple[str, int]] = [(loaded, 0), (f"{table.row_count:,} shown", 0)]
        widen = self.widen_status()
        if widen:
            parts.insert(0, (widen, 0))  # a running job and how to stop it
        if table.marked:
            parts.append((f"{len(table.marked):,} marked", 1))
        if self.filter_progress:
            parts.append((self.filter_progress, 0))
        if table.has_class("-stale"):
            parts.append(("rows of the previous filter" if self.query_one(FilterBar).has_error else "rows not yet updated", 0))
        elif self.view is not None:
            parts.append((f"filter {self.view.elapsed_ms:,.0f} ms", 4))
            if self.view.query.flippable:
                how = "selection" if self.view.reading == "select" else "columns"
                parts.append((f"read as {how}{'' if self.state.reading else ' (auto)'}", 2))
                parts.append(("R flips", 5))
        hidden = table.columns_off_screen
        if hidden:
            parts.append((f"{_count(len(hidden), 'column')} → (l)", 3))
        if self.state.note:
            parts.append((self.state.note, 2))
        width = max(20, self.query_one("#status", Static).content_region.width or self.size.width - 2)
        tail = status_tail(parts, width - 12)
        crumbs = fit_crumbs(self.crumbs, max(12, width - len(tail)) if len(tail) < width - 12 else width // 2)
        # One line of a fixed size (app.tcss): no layout pass, which would reflow and repaint the whole screen.
        self.query_one("#status", Static).update(safe_text(crumbs + tail), layout=False)

    def on_resize(self) -> None:
        # At 80 columns the footer needs every cell for the keys: the palette stays on ^p and in help.
        footer = self.query_one(Footer)
        wide = self.size.width >= 110
        if footer.show_command_palette != wide:
            footer.show_command_palette = wide
            self.refresh_bindings()  # the footer shows the change only when it is rebuilt
        self.set_class(self.size.width < WIDE_FACETS, "-narrow")
        self.call_after_refresh(self.update_status)

    @on(EventTable.MarksChanged)
    def _on_marks(self) -> None:
        self.update_status()
        self.refresh_bindings()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            error = event.worker.error
            self.notify(safe_text(f"{event.worker.description or 'work'} failed: {error}"), severity="error",
                        timeout=10, markup=False)
            if event.worker.group == "load":
                self.post_message(LoadFinished(len(self.session), 0.0, True))


def _count(n: int, noun: str) -> str:
    """``1 file``, ``2 files``."""
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def status_tail(parts: Sequence[tuple[str, int]], room: int) -> str:
    """`` · a · b …`` from ``(text, rank)`` parts, leaving out the highest-ranked ones (later first among
    equals) until it fits in ``room`` cells; rank 0 parts always stay (the status line ellipsises)."""
    kept = list(parts)

    def text() -> str:
        return " · " + " · ".join(t for t, _ in kept)

    while len(text()) > room:
        droppable = [i for i, (_, rank) in enumerate(kept) if rank > 0]
        if not droppable:
            break
        kept.pop(max(droppable, key=lambda i: (kept[i][1], i)))
    return text()


def fit_crumbs(crumbs: Sequence[str], width: int) -> str:
    """The breadcrumb in ``width`` cells: older crumbs give way first, the newest is never lost."""
    text = " › ".join(crumbs)
    if len(text) <= width:
        return text
    kept = list(crumbs)
    while len(kept) > 1 and len(" › ".join(["…", *kept])) > width:
        kept.pop(0)
    text = " › ".join(["…", *kept]) if len(kept) < len(crumbs) else kept[-1]
    if len(text) > width:
        text = text[: max(1, width - 1)] + "…"
    return text
