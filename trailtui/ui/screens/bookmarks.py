"""Bookmark dialogs: the note-and-tags dialog (``m``), the bookmarks list (``M``) and the path dialog used to
save a session (``ctrl+s``) or write the evidence report (``E``).

They only ask; the main screen changes the bookmarks and writes files. Every text drawn from a log, a note
or a path goes through ``textsafe`` and is never read as markup.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, DataTable, Footer, Input, Label, Static, TextArea

from ...engine.bookmarks import Bookmark, EventRef, parse_tags
from ...engine.textsafe import safe_text
from .export_dialog import ConfirmScreen, resolve_target


@dataclass(frozen=True)
class NoteInput:
    """What the bookmark dialog returns."""

    note: str
    tags: tuple[str, ...]


class BookmarkDialog(ModalScreen[Optional[NoteInput]]):
    """A note and tags for one event; Enter in either field saves, Esc cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", tooltip="Close without bookmarking", id="bookmark-cancel")]

    def __init__(self, summary: str, existing: Optional[Bookmark] = None) -> None:
        super().__init__()
        self.summary = summary
        self.existing = existing

    def compose(self) -> ComposeResult:
        with Vertical(id="bookmark-body") as body:
            body.border_title = "Edit bookmark" if self.existing else "Bookmark as evidence"
            yield Static(safe_text(self.summary), id="bookmark-event", markup=False)
            yield Label("Note", classes="bookmark--label")
            yield Input(self.existing.note if self.existing else "", placeholder="what this event shows",
                        id="bookmark-note")
            yield Label("Tags (space or comma separated)", classes="bookmark--label")
            yield Input(" ".join(self.existing.tags) if self.existing else "", placeholder="e.g. initial-access T1078",
                        id="bookmark-tags")
            with Horizontal(id="bookmark-buttons"):
                yield Button("Save", variant="primary", id="bookmark-save")
                yield Button("Cancel", id="bookmark-cancel")

    def on_mount(self) -> None:
        self.query_one("#bookmark-note", Input).focus()

    def _accept(self) -> None:
        note = self.query_one("#bookmark-note", Input).value
        tags = parse_tags(self.query_one("#bookmark-tags", Input).value)
        self.dismiss(NoteInput(" ".join(note.split()), tags))

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._accept()

    @on(Button.Pressed, "#bookmark-save")
    def _save(self, event: Button.Pressed) -> None:
        event.stop()
        self._accept()

    @on(Button.Pressed, "#bookmark-cancel")
    def _cancel(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)


@dataclass(frozen=True)
class BookmarkAction:
    """What the bookmarks list asks the main screen to do: ``jump``, ``edit`` or ``delete`` an event."""

    what: str
    ref: EventRef


class BookmarksScreen(Screen[Optional[BookmarkAction]]):
    """Every bookmark in event-time order; Enter jumps to the event, e edits its note, d deletes it."""

    BINDINGS = [
        Binding("enter", "act('jump')", "Jump", tooltip="Show this event in the table", id="bookmarks-jump",
                priority=True),
        Binding("e", "act('edit')", "Edit", tooltip="Edit the note and tags", id="bookmarks-edit"),
        Binding("d,delete", "act('delete')", "Delete", tooltip="Remove this bookmark", id="bookmarks-delete"),
        Binding("escape,M", "close", "Back", tooltip="Back to the events", id="bookmarks-close"),
    ]

    def __init__(self, bookmarks: Sequence[Bookmark], summaries: dict[EventRef, str]) -> None:
        super().__init__()
        self.items = list(bookmarks)
        self.summaries = summaries
        """One line per bookmarked event (time, event name, actor), or a note that it is not loaded."""

    def compose(self) -> ComposeResult:
        with Vertical(id="bookmarks-body"):
            yield Static(f"Bookmarks · {len(self.items)} · event-time order", id="bookmarks-title", markup=False)
            yield DataTable(id="bookmarks-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="bookmarks-detail", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("time", key="time", width=20)
        table.add_column("note", key="note")
        table.add_column("event", key="event")
        table.add_column("tags", key="tags")
        for index, bookmark in enumerate(self.items):
            table.add_row(safe_text(bookmark.event_time), safe_text(_clip(bookmark.note, 60)),
                          safe_text(self.summaries.get(bookmark.ref, "")), safe_text(" ".join(bookmark.tags)),
                          key=str(index))
        if not self.items:
            self.query_one("#bookmarks-detail", Static).update("No bookmarks yet · m on an event bookmarks it")
        table.focus()

    @on(DataTable.RowHighlighted)
    def _show_detail(self) -> None:
        """The highlighted bookmark in full: note, tags, event, and the filter that found it."""
        if not self.items:
            return
        bookmark = self.items[self.query_one(DataTable).cursor_row]
        lines = [f"note: {bookmark.note or '(none)'}",
                 f"tags: {' '.join(bookmark.tags) or '(none)'} · event: {self.summaries.get(bookmark.ref, '')}",
                 f"found with: {' '.join(bookmark.filter.split()) or '.'}"]
        self.query_one("#bookmarks-detail", Static).update("\n".join(safe_text(line) for line in lines))

    def action_act(self, what: str) -> None:
        table = self.query_one(DataTable)
        if not self.items:
            self.notify("No bookmarks yet: press m on an event in the table", severity="warning", timeout=4)
            return
        self.dismiss(BookmarkAction(what, self.items[table.cursor_row].ref))

    def action_close(self) -> None:
        self.dismiss(None)


class NotesDialog(ModalScreen[Optional[str]]):
    """The investigation's free-text notes (saved in the session file, printed at the top of the report)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", tooltip="Close without changing the notes", id="notes-cancel")]

    def __init__(self, notes: str) -> None:
        super().__init__()
        self.notes = notes

    def compose(self) -> ComposeResult:
        with Vertical(id="notes-body") as body:
            body.border_title = "Investigation notes"
            yield TextArea(self.notes, id="notes-text", soft_wrap=True)
            with Horizontal(id="notes-buttons"):
                yield Button("Save", variant="primary", id="notes-save")
                yield Button("Cancel", id="notes-cancel-button")

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    @on(Button.Pressed, "#notes-save")
    def _save(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(self.query_one(TextArea).text)

    @on(Button.Pressed, "#notes-cancel-button")
    def _cancel(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


class PathDialog(ModalScreen[Optional[Path]]):
    """Asks for a file path (prefilled); confirms before replacing an existing file."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", tooltip="Close without writing", id="path-cancel")]

    def __init__(self, title: str, default: Path, directory: Optional[Path] = None, hint: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.default = default
        self.directory = directory or Path.cwd()
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical(id="path-body") as body:
            body.border_title = self.title_text
            if self.hint:
                yield Static(safe_text(self.hint), id="path-hint", markup=False)
            yield Input(str(self.default), id="path-input")
            yield Static("", id="path-warning", markup=False)
            with Horizontal(id="path-buttons"):
                yield Button("Write", variant="primary", id="path-ok")
                yield Button("Cancel", id="path-cancel-button")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def _warn(self, text: str) -> None:
        self.query_one("#path-warning", Static).update(safe_text(text))

    def _accept(self) -> None:
        text = self.query_one(Input).value
        if not text.strip():
            self._warn("Type a file name.")
            return
        path = resolve_target(text, self.directory)
        if path.is_dir():
            self._warn(f"{path} is a directory.")
            return
        if not path.parent.is_dir():
            self._warn(f"No such directory: {path.parent}")
            return
        if path.exists():
            def answered(overwrite: Optional[bool]) -> None:
                if overwrite:
                    self.dismiss(path)
                else:
                    self._warn(f"{path.name} exists; choose another name or confirm.")
                    self.query_one(Input).focus()

            self.app.push_screen(ConfirmScreen(f"{safe_text(str(path))} already exists.\nReplace it?"), answered)
            return
        self.dismiss(path)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._accept()

    @on(Button.Pressed, "#path-ok")
    def _ok(self, event: Button.Pressed) -> None:
        event.stop()
        self._accept()

    @on(Button.Pressed, "#path-cancel-button")
    def _cancel(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)
