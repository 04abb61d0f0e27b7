"""The trailtui application: the main screen, the command palette's commands, theme and styles."""

from __future__ import annotations

import sys
from typing import Iterable, Optional, Sequence

from textual import work
from textual.app import App, SystemCommand
from textual.screen import Screen

from ..engine.remote.widen import RemoteSource
from ..engine.session import Session
from .screens.main import PIVOT_TITLES, MainScreen


class TrailApp(App[int]):
    """Investigate CloudTrail logs: load, filter with jq, sort, pivot, copy."""

    TITLE = "trailtui"
    CSS_PATH = ["app.tcss", "widgets.tcss", "evidence.tcss"]
    ENABLE_COMMAND_PALETTE = True

    def __init__(self, paths: Sequence[str] = (), initial_filter: str = "", stdin_data: Optional[bytes] = None,
                 session: Optional[Session] = None) -> None:
        super().__init__()
        self.session = session
        """The engine session to show (default: a new in-memory one)."""
        self.paths = list(paths)
        self.initial_filter = initial_filter
        self.stdin_data = stdin_data
        self.main_screen: Optional[MainScreen] = None
        self.investigation: Optional[object] = None
        """A saved investigation to restore once its inputs load (``trailtui --session FILE``)."""
        self.investigation_path: Optional[str] = None
        """Where the investigation was opened from or last saved (the save dialog's default)."""
        self.hunt_files: list[str] = []
        """Team hunt files given with ``--hunts`` (read after the built-in and the user's hunts)."""
        self.remote_source: Optional[RemoteSource] = None
        """The remote source the events were pulled from (``--engine spark --where F SOURCE``), for ``W``."""

    def on_mount(self) -> None:
        # Loading and filtering run in threads; a shorter GIL switch interval lets the UI thread answer
        # keys within a few milliseconds even while they compute.
        sys.setswitchinterval(0.001)
        self.main_screen = MainScreen(self.paths, self.initial_filter, self.stdin_data, session=self.session,
                                      remote=self.remote_source)
        self.push_screen(self.main_screen)

    @work(thread=True, group="clipboard", exit_on_error=False, description="Copying")
    def deliver_copy(self, text: str, rows: int, suffix: str = ".txt", what: str = "") -> None:
        """Hand text to the clipboard routes (OSC 52, tmux, pyperclip, a private file) and say what was done.

        tmux and pyperclip run subprocesses, so this runs in a worker, never on the UI thread.
        """
        from ..clipboard import copy_text

        def osc52(payload: str) -> None:
            self.call_from_thread(self.copy_to_clipboard, payload)

        result = copy_text(text, osc52_writer=osc52, suffix=suffix)
        message = (f"{what}: " if what else "") + result.message(rows=rows)
        self.call_from_thread(self.notify, message, title="Copied", timeout=6, markup=False)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        main = self.main_screen
        if main is None or screen is not main:
            return
        for kind, pivot in main._pivots.items():
            if pivot is None:
                continue
            yield SystemCommand(
                f"pivot: {PIVOT_TITLES[kind]} ({pivot.value})",
                f"Replace the filter with {pivot.filter}",
                lambda p=pivot: main.pivot_to(p),
            )
            yield SystemCommand(
                f"pivot (narrow): {PIVOT_TITLES[kind]} ({pivot.value})",
                "Keep the current filter and add this pivot to it",
                lambda p=pivot: main.pivot_to(p, narrow=True),
            )
        if main.stack:
            yield SystemCommand("pivot: back", "Restore the view before the last pivot", main.action_back)
        yield SystemCommand("export: copy view as TSV", "Copy the marked rows, else the whole view", main.action_copy)
        yield SystemCommand("export: copy as…", "Choose rows and format (TSV, CSV, JSON Lines, Markdown)", main.action_copy_choose)
        yield SystemCommand("export: save to file…", "Write the view or the marked rows to a file", main.action_export)
        yield SystemCommand(
            "export: copy as command",
            "The jq one-liner and the trailtui query command that reproduce this view",
            main.action_copy_command,
        )
        yield SystemCommand("hunts: run the hunts library…", "Hit counts of every hunt; Enter applies one", main.action_hunts)
        yield SystemCommand("evidence: bookmark the selected event…", "A note and tags for the report", main.action_bookmark)
        yield SystemCommand("evidence: bookmarks…", "Jump to, edit or delete a bookmark", main.action_bookmarks)
        yield SystemCommand("evidence: investigation notes…", "Free text saved with the session and printed in the report", main.edit_notes)
        yield SystemCommand("evidence: save the investigation…", "Inputs, views, marks and bookmarks to a file", main.action_save_session)
        yield SystemCommand("evidence: write the report…", "Markdown or HTML timeline of the bookmarked events", main.action_report)
        yield SystemCommand("view: columns…", "Add or remove columns, including any jq path", main.action_columns)
        yield SystemCommand("load: open files…", "Show the loader pane", main.action_toggle_loader)
        yield SystemCommand("help: keys and filter language", "Show the help screen", main.action_help)
