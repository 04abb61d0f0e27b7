"""The main screen's evidence keys: hunts (``H``), bookmarks (``m``, ``M``), saving the investigation
(``ctrl+s``) and the evidence report (``E``), plus restoring a saved investigation after its inputs load.

A mixin of :class:`~trailtui.ui.screens.main.MainScreen` (it uses the screen's session, state, back stack
and table). The engine does the work (``engine/hunts.py``, ``bookmarks.py``, ``sessionfile.py``,
``report.py``); anything slow (counting hunts, hashing inputs, locating events, writing files) runs in
thread workers that post messages; only the handlers touch widgets.
"""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any, Optional

from textual import work
from textual.binding import Binding
from textual.message import Message

from ..engine import bookmarks as bm
from ..engine import hunts, report, sessionfile
from ..engine.session import Sort
from ..engine.textsafe import safe_text
from .state import Step, ViewState

EVIDENCE_BINDINGS = [
    Binding("H", "hunts", "Hunts", tooltip="The hunts library with hit counts; Enter applies one", id="evidence-hunts"),
    Binding("m", "bookmark", "Bookmark", tooltip="Bookmark the selected event as evidence, with a note and tags",
            id="evidence-bookmark"),
    Binding("M", "bookmarks", "Bookmarks", show=False, tooltip="List the bookmarks: jump to one, edit or delete it",
            id="evidence-bookmarks"),
    Binding("ctrl+s", "save_session", "Save session", show=False, id="evidence-save-session",
            tooltip="Save the investigation (inputs, views, back stack, marks, bookmarks) to a file"),
    Binding("E", "report", "Evidence report", show=False, id="evidence-report",
            tooltip="Write the evidence report (Markdown, or HTML for a .html name) of the bookmarked events"),
]


class InvestigationRestored(Message):
    """A saved investigation, located in the loaded events (rows found in a worker)."""

    def __init__(self, current: ViewState, back: list[ViewState], marks: set[int],
                 changes: list[sessionfile.InputChange], missing: int) -> None:
        super().__init__()
        self.current = current
        self.back = back
        self.marks = marks
        self.changes = changes
        self.missing = missing


class EvidenceWritten(Message):
    """A session file or report was written (or could not be: ``error``)."""

    def __init__(self, what: str, path: str, error: str = "", detail: str = "") -> None:
        super().__init__()
        self.what = what
        self.path = path
        self.error = error
        self.detail = detail


class EvidenceActions:
    """Mixed into MainScreen; see the module docstring."""

    # -- state -------------------------------------------------------------------------------------

    def _evidence_init(self) -> None:
        if getattr(self, "_evidence_ready", False):
            return
        self._evidence_ready = True
        self.bookmarks = bm.Bookmarks()
        """The investigation's bookmarks (autosaved per set of inputs)."""
        self.evidence_notes = ""
        self.hunt_cache: dict[str, hunts.HuntResult] = {}
        self._hunt_cache_rows = -1
        self._hunt_library: Optional[hunts.Library] = None
        self._bookmark_rows: dict[bm.EventRef, Optional[int]] = {}
        self._restored = False

    def _autosave_path(self) -> Optional[Path]:
        return bm.autosave_path(self.paths)

    def evidence_after_load(self) -> None:
        """Called when a load finishes: bring back autosaved bookmarks and a saved investigation (once)."""
        self._evidence_init()
        if self._restored:
            return
        self._restored = True
        for bookmark in bm.load_autosave(self._autosave_path()):
            self.bookmarks.put(bookmark)
        investigation = getattr(self.app, "investigation", None)
        if investigation is None:
            self._show_bookmarks()
            return
        for bookmark in investigation.bookmarks:
            self.bookmarks.put(bookmark)
        self._show_bookmarks()
        self.evidence_notes = investigation.notes
        self._restore_worker(investigation)

    @work(thread=True, exclusive=True, group="restore", exit_on_error=False, description="Restoring the investigation")
    def _restore_worker(self, investigation: sessionfile.InvestigationFile) -> None:
        session = self.session
        missing = 0

        def row_of(ref: Optional[bm.EventRef]) -> Optional[int]:
            nonlocal missing
            if ref is None:
                return None
            row = bm.locate(session, ref)
            missing += row is None
            return row

        def state_of(saved: sessionfile.SavedView) -> ViewState:
            return ViewState(filter_text=saved.filter, sort=Sort(saved.sort_key, saved.descending),
                             columns=saved.columns, reading=saved.reading, selected=row_of(saved.selected),
                             crumb=saved.crumb, note=saved.note)

        current = state_of(investigation.view)
        back = [state_of(v) for v in investigation.back]
        marks = {r for r in (row_of(ref) for ref in investigation.marks) if r is not None}
        changes = sessionfile.check_inputs(investigation.inputs)
        self.post_message(InvestigationRestored(current, back, marks, changes, missing))

    def on_investigation_restored(self, message: InvestigationRestored) -> None:
        from .widgets.event_table import EventTable

        self.stack = [Step(state, None) for state in message.back]
        table = self.query_one(EventTable)
        table.marked = set(message.marks)
        table.refresh()
        self.state = message.current
        parts = [f"{len(self.bookmarks)} bookmark(s), {len(message.back) + 1} view(s), {len(message.marks)} mark(s)"]
        if message.missing:
            parts.append(f"{message.missing} saved event(s) not found in the inputs")
        self.notify(" · ".join(parts), title="Investigation restored", timeout=6, markup=False)
        if message.changes:
            self.notify(safe_text("Inputs changed since the session was saved: "
                                  + "; ".join(str(c) for c in message.changes)),
                        title="Inputs changed", severity="warning", timeout=15, markup=False)
        self.update_status()

    # -- hunts -------------------------------------------------------------------------------------

    def action_hunts(self) -> None:
        from .screens.hunts import HuntsScreen

        self._evidence_init()
        if not len(self.session):
            self.notify("Nothing to hunt in: no events are loaded", severity="warning", timeout=4, markup=False)
            return
        if self._hunt_library is None:
            self._hunt_library = hunts.load_library(getattr(self.app, "hunt_files", ()) or ())
        if self._hunt_cache_rows != len(self.session):
            self.hunt_cache.clear()
            self._hunt_cache_rows = len(self.session)
        self.app.push_screen(HuntsScreen(self.session, self._hunt_library, self.hunt_cache), self._on_hunt_chosen)

    def _on_hunt_chosen(self, choice: Any) -> None:
        from .widgets.event_table import EventTable

        if choice is None:
            return
        hunt = choice.hunt
        text = choice.result.event_filter() if choice.result is not None else hunt.filter
        table = self.query_one(EventTable)
        self.stack.append(Step(replace(self.state, selected=table.cursor_row_id), self.view))
        self.state = ViewState(filter_text=text, sort=self.state.sort, selected=table.cursor_row_id,
                               crumb=f"hunt {hunt.id}", note=f"hunt {hunt.id}: {hunt.title}")
        table.focus()

    # -- bookmarks ---------------------------------------------------------------------------------

    def _summary(self, row: int) -> str:
        backend = self.session.backend
        time, event, actor = (backend.display(field, [row])[0] for field in ("time", "event", "actor"))
        return f"{time}  {event}  {actor}"

    def action_bookmark(self) -> None:
        from .screens.bookmarks import BookmarkDialog

        self._evidence_init()
        row = self.selected_row()
        if row is None or not self._has_rows("bookmark"):
            return
        ref = bm.EventRef.of(self.session.record(row))
        self._bookmark_rows[ref] = row
        existing = self.bookmarks.get(ref)

        def done(answer: Any) -> None:
            if answer is None:
                return
            found_by = existing.filter if existing is not None else self.state.filter_text
            self.bookmarks.put(bm.bookmark_event(self.session, row, answer.note, answer.tags, found_by))
            self._autosave()
            self._show_bookmarks()
            self.notify(f"Bookmarked ({len(self.bookmarks)} in all) · M lists them", timeout=3, markup=False)

        self.app.push_screen(BookmarkDialog(self._summary(row), existing), done)

    def _row_of(self, ref: bm.EventRef) -> Optional[int]:
        if ref not in self._bookmark_rows:
            self._bookmark_rows[ref] = bm.locate(self.session, ref)
        return self._bookmark_rows[ref]

    def _show_bookmarks(self) -> None:
        """Mark the bookmarked events that are loaded in the event table (◆ beside the row)."""
        from .widgets.event_table import EventTable

        rows = (self._row_of(bookmark.ref) for bookmark in self.bookmarks)
        self.query_one(EventTable).show_bookmarks(frozenset(row for row in rows if row is not None))

    def action_bookmarks(self) -> None:
        from .screens.bookmarks import BookmarksScreen

        self._evidence_init()
        timeline = self.bookmarks.timeline()
        summaries = {}
        for bookmark in timeline:
            row = self._row_of(bookmark.ref)
            summaries[bookmark.ref] = self._summary(row).split("  ", 1)[-1] if row is not None else "(not loaded)"
        self.app.push_screen(BookmarksScreen(timeline, summaries), self._on_bookmark_action)

    def _on_bookmark_action(self, action: Any) -> None:
        from .screens.bookmarks import BookmarkDialog
        from .widgets.event_table import EventTable

        if action is None:
            return
        bookmark = self.bookmarks.get(action.ref)
        if bookmark is None:
            return
        if action.what == "delete":
            self.bookmarks.remove(action.ref)
            self._autosave()
            self._show_bookmarks()
            self.notify(f"Bookmark deleted ({len(self.bookmarks)} left)", timeout=3, markup=False)
            return
        if action.what == "edit":
            def edited(answer: Any) -> None:
                if answer is not None:
                    self.bookmarks.put(replace(bookmark, note=answer.note, tags=answer.tags))
                    self._autosave()
                self.action_bookmarks()

            self.app.push_screen(BookmarkDialog(bookmark.event_time, bookmark), edited)
            return
        row = self._row_of(action.ref)
        if row is None:
            self.notify("That event is not in the loaded inputs", severity="warning", timeout=4, markup=False)
            return
        table = self.query_one(EventTable)
        position = self.view.position_of(row) if self.view is not None else None
        if position is not None:
            table.move_cursor(position)
        else:
            self.stack.append(Step(replace(self.state, selected=table.cursor_row_id), self.view))
            self.state = ViewState(filter_text="", sort=self.state.sort, selected=row, crumb="bookmark")
        table.focus()

    def _autosave(self) -> None:
        path = self._autosave_path()
        if path is not None:
            self._autosave_worker(path, list(self.paths), bm.Bookmarks(self.bookmarks))

    @work(thread=True, exclusive=True, group="autosave", exit_on_error=False, description="Saving bookmarks")
    def _autosave_worker(self, path: Path, paths: list[str], bookmarks: bm.Bookmarks) -> None:
        try:
            bm.save_autosave(path, paths, bookmarks)
        except OSError as err:
            self.post_message(EvidenceWritten("bookmarks", str(path), str(err)))

    def edit_notes(self) -> None:
        """Edit the investigation's notes (command palette: they go in the session file and the report)."""
        from .screens.bookmarks import NotesDialog

        self._evidence_init()

        def done(text: Optional[str]) -> None:
            if text is not None:
                self.evidence_notes = text

        self.app.push_screen(NotesDialog(self.evidence_notes), done)

    # -- saving and reporting ----------------------------------------------------------------------

    def _capture(self) -> dict[str, Any]:
        """The investigation as the UI shows it now (UI thread): states and rows, resolved in a worker."""
        from .widgets.event_table import EventTable

        table = self.query_one(EventTable)
        return {
            "current": replace(self.state, selected=table.cursor_row_id),
            "back": [step.state for step in self.stack],
            "marks": sorted(table.marked),
            "bookmarks": bm.Bookmarks(self.bookmarks),
            "notes": self.evidence_notes,
            "paths": [os.path.abspath(p) for p in self.paths if p != "-"],
        }

    def _investigation(self, captured: dict[str, Any]) -> sessionfile.InvestigationFile:
        """Build the session file's content (worker thread: reads records, hashes inputs)."""
        session = self.session

        def ref(row: Optional[int]) -> Optional[bm.EventRef]:
            return bm.EventRef.of(session.record(row)) if row is not None and row < len(session) else None

        def saved(state: ViewState) -> sessionfile.SavedView:
            return sessionfile.SavedView(state.filter_text, state.sort.key, state.sort.descending, state.columns,
                                         state.reading, ref(state.selected), state.crumb, state.note)

        return sessionfile.InvestigationFile(
            paths=captured["paths"], inputs=sessionfile.describe_inputs(captured["paths"]),
            view=saved(captured["current"]), back=[saved(s) for s in captured["back"]],
            marks=[r for r in (ref(row) for row in captured["marks"]) if r is not None],
            bookmarks=captured["bookmarks"], notes=captured["notes"],
        )

    def action_save_session(self) -> None:
        from .screens.bookmarks import PathDialog

        self._evidence_init()
        if not [p for p in self.paths if p != "-"]:
            self.notify("Nothing to save: no files are open (stdin cannot be reopened)", severity="warning",
                        timeout=4, markup=False)
            return
        current = getattr(self.app, "investigation_path", None)
        default = Path(current) if current else Path.cwd() / f"trailtui-session-{datetime.now():%Y%m%d-%H%M%S}.json"

        def chosen(path: Optional[Path]) -> None:
            if path is not None:
                self._save_worker(str(path), self._capture())

        self.app.push_screen(PathDialog("Save the investigation", default,
                                        hint="Inputs (with SHA-256), views, back stack, marks and bookmarks"), chosen)

    @work(thread=True, exclusive=True, group="save-session", exit_on_error=False, description="Saving the session")
    def _save_worker(self, path: str, captured: dict[str, Any]) -> None:
        try:
            investigation = self._investigation(captured)
            sessionfile.save(path, investigation, force=True)  # the dialog asked before replacing a file
        except OSError as err:
            self.post_message(EvidenceWritten("session", path, str(err)))
            return
        self.post_message(EvidenceWritten("session", path, detail=f"{len(investigation.inputs)} input file(s) hashed, "
                                                                 f"{len(investigation.bookmarks)} bookmark(s)"))

    def action_report(self) -> None:
        from .screens.bookmarks import PathDialog

        self._evidence_init()
        if not len(self.bookmarks):
            self.notify("No bookmarks yet: press m on an event to add it to the report", severity="warning",
                        timeout=4, markup=False)
            return
        default = Path.cwd() / f"trailtui-report-{datetime.now():%Y%m%d-%H%M%S}.md"

        def chosen(path: Optional[Path]) -> None:
            if path is not None:
                self._report_worker(str(path), self._capture())

        self.app.push_screen(PathDialog("Write the evidence report", default,
                                        hint="Markdown; a name ending in .html writes HTML"), chosen)

    @work(thread=True, exclusive=True, group="report", exit_on_error=False, description="Writing the report")
    def _report_worker(self, path: str, captured: dict[str, Any]) -> None:
        from ..engine.safefile import atomic_write

        try:
            investigation = self._investigation(captured)
            built = report.build(self.session, investigation)
            atomic_write(path, report.render(built, report.format_for(path, None)), force=True)
        except OSError as err:
            self.post_message(EvidenceWritten("report", path, str(err)))
            return
        self.post_message(EvidenceWritten("report", path, detail=f"{len(built.entries)} event(s), "
                                                                f"{len(built.inputs)} input file(s) hashed"))

    def on_evidence_written(self, message: EvidenceWritten) -> None:
        if message.error:
            self.notify(safe_text(f"Could not write the {message.what}: {message.error}"), severity="error",
                        timeout=8, markup=False)
            return
        if message.what == "session":
            self.app.investigation_path = message.path
        self.notify(safe_text(f"{message.path} · {message.detail}"), title=f"{message.what.capitalize()} written",
                    timeout=6, markup=False)
