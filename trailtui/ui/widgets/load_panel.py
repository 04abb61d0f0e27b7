"""The load panel: browse or type paths to load, see what was loaded or skipped, follow a load's progress.

The panel only asks for loads (`LoadPanel.LoadRequested`) and cancellations (`LoadPanel.CancelRequested`);
the app runs the loader and reports back through `show_progress`, `add_source`, `add_problem` and `finish`.
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass, field
from pathlib import Path

from textual import on
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import DirectoryTree, Input, Label, OptionList, ProgressBar, Static
from textual.widgets.option_list import Option
from textual.widgets.directory_tree import DirEntry
from textual.widgets.tree import TreeNode
from rich.style import Style
from rich.text import Text

from trailtui.engine.textsafe import safe_text

GLOB_CHARACTERS = frozenset("*?[")


def resolve_input(text: str, root: Path) -> tuple[list[Path], str]:
    """Turn a typed path or glob into paths: `~` expanded, relative to `root`, globs expanded (with `**`).

    Returns (paths, problem); `problem` is "" unless nothing usable was found.
    """
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1]  # a pasted path often comes quoted
    if not text:
        return [], "type a file, directory or glob"
    expanded = os.path.expanduser(text)
    if not os.path.isabs(expanded):
        expanded = str(root / expanded)
    if GLOB_CHARACTERS & set(text):
        matches = sorted(glob.glob(expanded, recursive=True))
        if not matches:
            return [], f"nothing matches {text}"
        return [Path(match) for match in matches], ""
    path = Path(expanded)
    if not path.exists():
        return [], f"no such file or directory: {text}"
    return [path], ""


def format_progress(files_done: int, files_total: int, events: int, events_per_s: float) -> str:
    """The progress line: `12/2,034 files · 340,000 events · 120,000 ev/s · Esc cancels`."""
    return (
        f"{files_done:,}/{files_total:,} files · {events:,} events · "
        f"{events_per_s:,.0f} ev/s · Esc cancels"
    )


class SafeDirectoryTree(DirectoryTree):
    """A DirectoryTree whose labels show control and bidi characters in file names as visible escapes."""

    def render_label(self, node: TreeNode[DirEntry], base_style: Style, style: Style) -> Text:
        label = node._label
        if safe_text(label.plain) != label.plain:
            node._label = Text(safe_text(label.plain), style=label.style)
        return super().render_label(node, base_style, style)


class LoadPanel(Vertical):
    """A dockable side panel to pick inputs and watch them load."""

    BINDING_GROUP_TITLE = "Load panel"

    BINDINGS = [
        Binding(
            "escape",
            "cancel_load",
            "Cancel load",
            tooltip="Stop the load in progress; what was read so far stays.",
            id="load-cancel",
        ),
    ]

    @dataclass(eq=False)
    class LoadRequested(Message):
        """The user picked files, directories or a glob to load."""

        paths: list[Path]
        load_panel: LoadPanel | None = field(default=None, repr=False)

        @property
        def control(self) -> LoadPanel | None:
            return self.load_panel

    @dataclass(eq=False)
    class CancelRequested(Message):
        """Esc was pressed while a load was running."""

        load_panel: LoadPanel | None = field(default=None, repr=False)

        @property
        def control(self) -> LoadPanel | None:
            return self.load_panel

    load_running: reactive[bool] = reactive(False, toggle_class="-loading")
    """True between the first `show_progress` and `finish` (shows the progress area)."""

    def __init__(
        self,
        root: Path | str | None = None,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        """Create the panel with its directory tree rooted at `root` (default: the working directory)."""
        super().__init__(name=name, id=id, classes=classes)
        self.root = Path(root).expanduser() if root is not None else Path.cwd()
        """The directory the tree shows and relative typed paths start from."""
        self.sources: list[tuple[Path, int, str]] = []
        """Loaded sources as (path, events, shape), in the order they were added."""
        self.problems: list[tuple[Path, str]] = []
        """Skipped inputs as (path, reason)."""
        self.progress_text = ""
        """The plain text of the progress line."""
        self.message_text = ""
        """The plain text of the message line (finish messages, typed-path problems)."""

    def compose(self) -> ComposeResult:
        yield Label("Files", classes="load-panel--title")
        tree = SafeDirectoryTree(self.root, id="load-tree")
        tree.auto_expand = False  # Enter loads a directory; space opens it
        yield tree
        yield Input(placeholder="path or glob, e.g. ~/logs/**/*.json.gz", id="load-path")
        yield Static("enter loads · space opens a folder", id="load-path-hint", markup=False)
        yield Label("Loaded", classes="load-panel--title")
        yield OptionList(id="load-sources")
        with Vertical(id="load-progress-area"):
            yield ProgressBar(id="load-progress-bar", show_eta=False)
            yield Static("", id="load-progress-text", markup=False)
        yield Static("", id="load-message", markup=False)

    # ----- requests -----------------------------------------------------------------------------

    @on(DirectoryTree.FileSelected, "#load-tree")
    @on(DirectoryTree.DirectorySelected, "#load-tree")
    def _tree_selected(self, event: DirectoryTree.FileSelected | DirectoryTree.DirectorySelected) -> None:
        event.stop()
        self.post_message(self.LoadRequested([event.path], self))

    @on(Input.Submitted, "#load-path")
    def _path_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        paths, problem = resolve_input(event.value, self.root)
        if problem:
            self._set_message(problem)
            return
        self._set_message("")
        self.post_message(self.LoadRequested(paths, self))

    @on(Input.Changed, "#load-path")
    def _path_changed(self, event: Input.Changed) -> None:
        event.stop()

    def action_cancel_load(self) -> None:
        """Ask the app to cancel the running load; without one, let Esc mean something else."""
        if not self.load_running:
            raise SkipAction()
        self.post_message(self.CancelRequested(self))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel_load" and not self.load_running:
            return False  # hidden from the footer; Esc falls through to other bindings
        return True

    # ----- reports from the app -----------------------------------------------------------------

    def _display_path(self, path: Path) -> str:
        """The path as shown: relative to the root when inside it, control and bidi characters escaped."""
        try:
            return safe_text(str(Path(path).relative_to(self.root)))
        except ValueError:
            return safe_text(str(path))

    def add_source(self, path: Path | str, events: int, shape: str) -> None:
        """List a loaded source with its event count and detected shape (e.g. "Records", "JSON Lines")."""
        path = Path(path)
        self.sources.append((path, events, shape))
        prompt = Content.assemble(
            (self._display_path(path), "bold"), "  ", (f"{events:,} events", ""), (f" · {safe_text(shape)}", "dim")
        )
        self.query_one("#load-sources", OptionList).add_option(Option(prompt))

    def add_problem(self, path: Path | str, message: str) -> None:
        """List a skipped input and why, styled as a warning."""
        path = Path(path)
        self.problems.append((path, message))
        prompt = Content.assemble(
            ("⚠ " + self._display_path(path), "$text-warning"), "  ", (safe_text(message), "dim")
        )
        self.query_one("#load-sources", OptionList).add_option(Option(prompt))

    def clear(self) -> None:
        """Forget the listed sources and problems."""
        self.sources.clear()
        self.problems.clear()
        self.query_one("#load-sources", OptionList).clear_options()
        self._set_message("")

    def show_progress(
        self,
        files_done: int,
        files_total: int,
        bytes_done: int,
        bytes_total: int,
        events: int,
        events_per_s: float,
    ) -> None:
        """Show a load's progress; the bar follows bytes when known, else files."""
        started = not self.load_running
        self.load_running = True
        bar = self.query_one("#load-progress-bar", ProgressBar)
        if bytes_total > 0:
            bar.update(total=bytes_total, progress=bytes_done)
        elif files_total > 0:
            bar.update(total=files_total, progress=files_done)
        else:
            bar.update(total=None)
        self.progress_text = format_progress(files_done, files_total, events, events_per_s)
        self.query_one("#load-progress-text", Static).update(Content(self.progress_text))
        if started:
            # The keys change when a load starts and ends, not with its progress: rebuilding the footer
            # four times a second cost the screen tens of milliseconds each time.
            self.refresh_bindings()

    def finish(self, message: str) -> None:
        """End the progress display and show a closing message (e.g. "340,000 events from 12 files")."""
        self.load_running = False
        self._set_message(message)
        self.refresh_bindings()

    def _set_message(self, text: str) -> None:
        text = safe_text(text)  # it may quote a typed or pasted path
        self.message_text = text
        self.query_one("#load-message", Static).update(Content(text))
