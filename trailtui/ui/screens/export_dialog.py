"""The export / copy chooser: what to export, in which format, and (for files) where.

`ExportDialog` is a modal returning an `ExportChoice`, or None when cancelled. It writes nothing itself;
the app does the export. For a file that already exists it asks for confirmation first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, RadioButton, RadioSet, Static

from trailtui.engine.export import EXTENSIONS

COPY_FORMATS: tuple[tuple[str, str], ...] = (
    ("tsv", "TSV"),
    ("csv", "CSV"),
    ("jsonl", "JSON Lines"),
    ("md", "Markdown table"),
)
"""Formats offered for rows, as (format id, label); the ids are `trailtui.engine.export`'s."""
FILE_FORMATS: tuple[tuple[str, str], ...] = (*COPY_FORMATS, ("records", "JSON Records (loadable again)"))
"""Formats offered when exporting to a file."""
EVENT_FORMAT = "json"
"""The format of the selected event's JSON (the format choice does not apply to it)."""
WHATS = ("row", "marked", "view", "event")
"""What can be exported: the selected row, the marked rows, the whole view, the selected event's JSON."""


@dataclass(frozen=True)
class ExportChoice:
    """What the user chose in the export dialog."""

    what: str
    """One of `WHATS`."""
    fmt: str
    """A format id from `COPY_FORMATS`/`FILE_FORMATS`, or `EVENT_FORMAT` for the event's JSON."""
    path: Path | None
    """The absolute target file for a file export; None for a copy."""
    provenance: bool
    """Add a column saying which file and record each row came from."""


def extension_for(fmt: str) -> str:
    """The file name extension for a format (`.tsv`, `.jsonl`, `.json`, …)."""
    return EXTENSIONS.get(fmt, ".txt")


def default_export_path(fmt: str, directory: Path, now: datetime) -> Path:
    """`trailtui-export-YYYYmmdd-HHMMSS.<ext>` in `directory`."""
    return directory / f"trailtui-export-{now:%Y%m%d-%H%M%S}{extension_for(fmt)}"


def resolve_target(text: str, directory: Path) -> Path:
    """The absolute path for what was typed: `~` expanded, relative paths taken from `directory`."""
    path = Path(text.strip()).expanduser()
    return path if path.is_absolute() else directory / path


class ConfirmScreen(ModalScreen[bool]):
    """A small yes/no question; Cancel is focused so Enter alone never confirms."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm-yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm-no"),
    ]

    def __init__(self, question: str, confirm_label: str = "Overwrite") -> None:
        super().__init__()
        self.question = question
        self.confirm_label = confirm_label

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-body"):
            yield Static(Content(self.question), id="confirm-question")
            with Horizontal(id="confirm-buttons"):
                yield Button(f"{self.confirm_label} (y)", variant="error", id="confirm-yes")
                yield Button("Cancel (n)", id="confirm-no")

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()

    def action_answer(self, answer: bool) -> None:
        """Close with `answer`."""
        self.dismiss(answer)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "confirm-yes")


class ExportDialog(ModalScreen[ExportChoice | None]):
    """Choose what to copy or export and how; returns an `ExportChoice` or None."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", tooltip="Close without exporting.", id="export-cancel"),
        Binding("ctrl+s", "accept", "Export", tooltip="Accept the choices as they are.", id="export-accept"),
    ]

    def __init__(
        self,
        mode: Literal["copy", "file"] = "copy",
        *,
        has_row: bool = True,
        marked: int = 0,
        view: int = 0,
        has_event: bool | None = None,
        what: str | None = None,
        fmt: str = "tsv",
        directory: Path | str | None = None,
        now: datetime | None = None,
    ) -> None:
        """Create the dialog.

        Args:
            mode: "copy" to the clipboard, or "file" export (adds a path, provenance and JSON Records).
            has_row: A row is selected (enables "the selected row").
            marked: How many rows are marked (0 disables "the marked rows").
            view: How many rows the view holds (0 disables "the whole view").
            has_event: The selected row has an event (enables its JSON); defaults to `has_row`.
            what: The initial choice; by default the marked rows if any, else the row (copy) or view (file).
            fmt: The initial format.
            directory: Where relative paths and the default file go (default: the working directory).
            now: The time used in the default file name (default: now).
        """
        super().__init__()
        if mode not in ("copy", "file"):
            raise ValueError(f"mode must be 'copy' or 'file', not {mode!r}")
        self.mode = mode
        self.directory = Path(directory).expanduser() if directory is not None else Path.cwd()
        self.available = {
            "row": has_row,
            "marked": marked > 0,
            "view": view > 0,
            "event": has_row if has_event is None else has_event,
        }
        """Which `WHATS` can be chosen."""
        self.counts = {"marked": marked, "view": view}
        self.formats = FILE_FORMATS if mode == "file" else COPY_FORMATS
        self.initial_what = self._pick_initial_what(what)
        self.initial_fmt = fmt if fmt in dict(self.formats) else self.formats[0][0]
        self.default_path = default_export_path(self.initial_fmt, self.directory, now or datetime.now())
        self.warning_text = ""
        """The plain text of the warning line (e.g. why the path was refused)."""

    def _pick_initial_what(self, what: str | None) -> str | None:
        if what is not None and self.available.get(what):
            return what
        preferred = ("marked", "row", "view", "event") if self.mode == "copy" else ("marked", "view", "row", "event")
        return next((option for option in preferred if self.available[option]), None)

    def compose(self) -> ComposeResult:
        labels = {
            "row": "The selected row",
            "marked": f"The marked rows ({self.counts['marked']:,})",
            "view": f"The whole view ({self.counts['view']:,} rows)",
            "event": "The selected event's JSON",
        }
        with VerticalScroll(id="export-body") as body:
            body.border_title = "Copy to clipboard" if self.mode == "copy" else "Export to a file"
            yield Label("What", classes="export--label")
            with RadioSet(id="export-what"):
                for option in WHATS:
                    yield RadioButton(
                        labels[option],
                        value=option == self.initial_what,
                        id=f"what-{option}",
                        disabled=not self.available[option],
                    )
            yield Label("Format", classes="export--label")
            with RadioSet(id="export-format"):
                for fmt, label in self.formats:
                    yield RadioButton(label, value=fmt == self.initial_fmt, id=f"format-{fmt}")
            if self.mode == "file":
                yield Label("File", classes="export--label")
                yield Input(str(self.default_path), id="export-path")
                yield Checkbox("Include provenance column (source file and record)", id="export-provenance")
            yield Static("", id="export-warning", markup=False)
            with Horizontal(id="export-buttons"):
                yield Button("Copy" if self.mode == "copy" else "Export", variant="primary", id="export-ok")
                yield Button("Cancel", id="export-cancel")

    def on_mount(self) -> None:
        self._sync_enabled()
        if self.initial_what is None:
            self._warn("Nothing to export: there are no rows.")
            self.query_one("#export-ok", Button).disabled = True
            self.query_one("#export-cancel", Button).focus()
        else:
            self.query_one("#export-what", RadioSet).focus()

    # ----- state --------------------------------------------------------------------------------

    @property
    def what(self) -> str | None:
        """The chosen `WHATS` entry."""
        pressed = self.query_one("#export-what", RadioSet).pressed_button
        return pressed.id.removeprefix("what-") if pressed is not None and pressed.id else None

    @property
    def fmt(self) -> str:
        """The chosen format id (`EVENT_FORMAT` when exporting the event's JSON)."""
        if self.what == "event":
            return EVENT_FORMAT
        pressed = self.query_one("#export-format", RadioSet).pressed_button
        return pressed.id.removeprefix("format-") if pressed is not None and pressed.id else self.initial_fmt

    def _warn(self, text: str) -> None:
        self.warning_text = text
        self.query_one("#export-warning", Static).update(Content(text))

    def _sync_enabled(self) -> None:
        event = self.what == "event"
        self.query_one("#export-format", RadioSet).disabled = event
        if self.mode == "file":
            self.query_one("#export-provenance", Checkbox).disabled = event or self.fmt == "records"

    def _follow_extension(self) -> None:
        """Change the path's extension to the format's, when it still has one of ours."""
        if self.mode != "file":
            return
        path_input = self.query_one("#export-path", Input)
        current = Path(path_input.value)
        known = set(EXTENSIONS.values()) | {".json"}
        if current.suffix in known:
            path_input.value = str(current.with_suffix(extension_for(self.fmt)))

    @on(RadioSet.Changed)
    def _choice_changed(self, event: RadioSet.Changed) -> None:
        event.stop()
        self._sync_enabled()
        self._follow_extension()
        self._warn("")

    # ----- accepting ----------------------------------------------------------------------------

    def _choice(self) -> ExportChoice | None:
        what = self.what
        if what is None or not self.available.get(what):
            self._warn("Choose what to export.")
            return None
        if self.mode == "copy":
            return ExportChoice(what, self.fmt, None, False)
        text = self.query_one("#export-path", Input).value
        if not text.strip():
            self._warn("Type a file name.")
            return None
        path = resolve_target(text, self.directory)
        if path.is_dir():
            self._warn(f"{path} is a directory.")
            return None
        if not path.parent.is_dir():
            self._warn(f"No such directory: {path.parent}")
            return None
        provenance_box = self.query_one("#export-provenance", Checkbox)
        provenance = provenance_box.value and not provenance_box.disabled
        return ExportChoice(what, self.fmt, path, provenance)

    def action_accept(self) -> None:
        """Return the choice; for an existing file, only after the user confirms overwriting it."""
        choice = self._choice()
        if choice is None:
            return
        if choice.path is not None and choice.path.exists():
            self._warn(f"{choice.path.name} exists.")

            def answered(overwrite: bool | None) -> None:
                if overwrite:
                    self.dismiss(choice)
                else:
                    self._warn(f"{choice.path.name} exists; choose another name or confirm.")
                    self.query_one("#export-path", Input).focus()

            self.app.push_screen(ConfirmScreen(f"{choice.path} already exists.\nReplace it?"), answered)
            return
        self.dismiss(choice)

    def action_cancel(self) -> None:
        """Close without a choice."""
        self.dismiss(None)

    @on(Button.Pressed, "#export-ok")
    def _ok_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_accept()

    @on(Button.Pressed, "#export-cancel")
    def _cancel_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_cancel()

    @on(Input.Submitted, "#export-path")
    def _path_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_accept()
