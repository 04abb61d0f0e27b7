"""The filter bar: a one-line jq input with history, field-name completion and a status/error line.

The bar never filters anything itself. It posts `FilterBar.Changed` on every edit and
`FilterBar.Submitted` on Enter; the app runs the filter and reports back with `show_result`,
`show_error` or `show_running`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from rich.cells import cell_len
from textual import on
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content

from rich.highlighter import Highlighter
from rich.text import Text

from trailtui.engine.textsafe import safe_text, visible_glyphs
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from trailtui.ui.completion import (
    Candidate,
    CompletionContext,
    PathIndex,
    apply_candidate,
    candidates,
    completion_context,
)
from trailtui.ui.history import FilterHistory

MAX_COMPLETIONS = 50
"""How many candidate keys the dropdown lists at most."""


def format_elapsed(elapsed_ms: float) -> str:
    """Format a duration for the status line: `0.4 ms`, `38 ms`, `1.25 s`."""
    if elapsed_ms < 10:
        return f"{elapsed_ms:.1f} ms"
    if elapsed_ms < 1000:
        return f"{elapsed_ms:.0f} ms"
    return f"{elapsed_ms / 1000:.2f} s"


def format_result(shown: int, total: int, elapsed_ms: float, note: str = "") -> str:
    """The status line after a filter ran: `1,234 of 1,000,000 events · 38 ms · <note>`."""
    text = f"{shown:,} of {total:,} events · {format_elapsed(elapsed_ms)}"
    if note:
        text += " · " + " ".join(note.split())
    return text


def caret_line(column: int, reason: str, width: int) -> str:
    """A line with `^` at `column` and the reason beside it, kept within `width` cells.

    The reason goes right of the caret when it fits, otherwise left of it; a caret that would fall
    outside the visible width is drawn at the edge as an arrow instead.
    """
    reason = " ".join(reason.split())
    width = max(width, 1)
    if column < 0:
        caret, column = "◂", 0
    elif column >= width:
        caret, column = "▸", width - 1
    else:
        caret = "^"
    if column + 2 + cell_len(reason) <= width or column < width // 2:
        line = " " * column + caret + (" " + reason if reason else "")
    else:
        left = reason[: max(column - 1, 0)]
        line = " " * max(column - 1 - cell_len(left), 0) + left + " " + caret
    return line


class VisibleControls(Highlighter):
    """Shows control and bidi characters of a filter (pasted, from history or ``-f``) as one visible glyph
    each (``␛``), never raw: the terminal never receives them, and the cursor stays where the text is."""

    def highlight(self, text: Text) -> None:
        shown = visible_glyphs(text.plain)
        if shown is not text.plain:
            text.plain = shown


class FilterBar(Widget):
    """A jq expression input plus a status line; posts messages, never filters by itself."""

    BINDING_GROUP_TITLE = "Filter"

    BINDINGS = [
        Binding(
            "up",
            "history_older",
            "Older filter",
            tooltip="Recall the previous filter from history (or move up in the field list).",
            id="filter-history-older",
            show=False,
        ),
        Binding(
            "down",
            "history_newer",
            "Newer filter",
            tooltip="Go forward in filter history (or move down in the field list).",
            id="filter-history-newer",
            show=False,
        ),
        Binding(
            "tab",
            "complete",
            "Complete field",
            tooltip="Insert the highlighted field name, or list the fields that fit here.",
            id="filter-complete",
        ),
        Binding(
            "ctrl+space",
            "show_completions",
            "List fields",
            tooltip="Show the field names that can follow the path at the cursor.",
            id="filter-list-fields",
            show=False,
        ),
        Binding(
            "escape",
            "dismiss",
            "Leave filter",
            tooltip="Close the field list, or go back to the table.",
            id="filter-dismiss",
        ),
    ]

    @dataclass(eq=False)
    class Changed(Message):
        """The expression was edited (posted on every change; only the latest one matters)."""

        text: str
        filter_bar: FilterBar | None = field(default=None, repr=False)

        @property
        def control(self) -> FilterBar | None:
            return self.filter_bar

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, FilterBar.Changed) and message.filter_bar is self.filter_bar

    @dataclass(eq=False)
    class Submitted(Message):
        """Enter was pressed: the expression was recorded in history."""

        text: str
        filter_bar: FilterBar | None = field(default=None, repr=False)

        @property
        def control(self) -> FilterBar | None:
            return self.filter_bar

    @dataclass(eq=False)
    class Dismissed(Message):
        """Esc was pressed with no field list open: the user wants to leave the bar."""

        filter_bar: FilterBar | None = field(default=None, repr=False)

        @property
        def control(self) -> FilterBar | None:
            return self.filter_bar

    has_error: reactive[bool] = reactive(False, toggle_class="-error")
    """True while the status line shows an error (styles the bar as `.-error`)."""
    running: reactive[bool] = reactive(False, toggle_class="-running")
    """True while the app is filtering (shows a subtle indicator)."""
    completing: reactive[bool] = reactive(False, toggle_class="-completing")
    """True while the field list is open."""

    def __init__(
        self,
        value: str = "",
        *,
        history: FilterHistory | None = None,
        history_path: Path | str | None = None,
        placeholder: str = 'jq filter, e.g. select(.eventName == "ConsoleLogin")   ·  tab completes field names',
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        """Create the bar.

        Args:
            value: The initial expression.
            history: A history to use; otherwise one is opened at `history_path` (or the default path).
            history_path: Where history is persisted when `history` is not given.
            placeholder: Shown in the empty input.
        """
        super().__init__(name=name, id=id, classes=classes)
        self._initial_value = value
        self._placeholder = placeholder
        self.history = history if history is not None else FilterHistory(history_path)
        """The persisted filter history walked with up/down."""
        self.status_text = ""
        """The plain text shown on the status line (for tests and screen readers)."""
        self._last_result = ""
        self._error: tuple[str, int | None, str] | None = None
        self._path_index = PathIndex({})
        self._completion_at: CompletionContext | None = None
        self._candidates: list[Candidate] = []
        self._navigated = False
        self._programmatic_value: str | None = None
        self._completion_suppressed = False

    def compose(self) -> ComposeResult:
        with Horizontal(id="filter-row"):
            yield Label("jq", id="filter-prompt")
            yield Input(self._initial_value, placeholder=self._placeholder, id="filter-input", compact=True,
                        highlighter=VisibleControls())
        yield OptionList(id="filter-completions")
        with Horizontal(id="filter-status-row"):
            yield Static("", id="filter-status", markup=False)
            yield Static("filtering…", id="filter-running", markup=False)

    def on_mount(self) -> None:
        completions = self.query_one("#filter-completions", OptionList)
        completions.can_focus = False
        completions.display = False
        self.watch(self.input, "scroll_x", self._on_input_scrolled, init=False)
        self.watch(self.input, "selection", self._on_cursor_moved, init=False)

    # ----- public API ---------------------------------------------------------------------------

    @property
    def input(self) -> Input:
        """The expression input."""
        return self.query_one("#filter-input", Input)

    @property
    def value(self) -> str:
        """The current expression."""
        return self.input.value

    @value.setter
    def value(self, text: str) -> None:
        self._set_input(text)

    def focus(self, scroll_visible: bool = True) -> FilterBar:
        """Focus the expression input."""
        self.input.focus(scroll_visible)
        return self

    def set_paths(self, paths: Mapping[str, int]) -> None:
        """Give the known field paths (jq path → number of events having it) for completion."""
        self._path_index = PathIndex(paths)
        if self.completing:
            self._update_completions()

    def show_result(self, shown: int, total: int, elapsed_ms: float, note: str = "") -> None:
        """Show how many events the filter kept and how long it took; clears any error."""
        self._last_result = format_result(shown, total, elapsed_ms, note)
        self._error = None
        self.has_error = False
        self.running = False
        self._set_status(self._last_result)

    def show_error(self, text: str, pos: int | None, reason: str) -> None:
        """Show why `text` failed, with a caret under character `pos` of the expression (if known)."""
        self._error = (text, pos, reason)
        self.has_error = True
        self.running = False
        self._render_error()

    def clear_error(self) -> None:
        """Remove the error and show the last good result again."""
        self._error = None
        self.has_error = False
        self._set_status(self._last_result)

    def show_running(self, progress: str = "") -> None:
        """Show the "filtering…" indicator (with ``progress`` text if given) until the next result or error."""
        self.running = True
        self.query_one("#filter-running", Static).update(Content("filtering " + progress if progress else "filtering…"))

    # ----- status line --------------------------------------------------------------------------

    def _set_status(self, text: str) -> None:
        text = safe_text(text)  # error messages quote the filter, which may hold control characters
        self.status_text = text
        self.query_one("#filter-status", Static).update(Content(text), layout=False)  # fixed size: no reflow

    def _render_error(self) -> None:
        if self._error is None:
            return
        text, pos, reason = self._error
        if pos is None:
            self._set_status(reason)
            return
        status = self.query_one("#filter-status", Static)
        input_widget = self.input
        pos = max(0, min(pos, len(text)))
        cells_before = cell_len(text[:pos].expandtabs(4))
        column = input_widget.content_region.x - status.content_region.x + cells_before - input_widget.scroll_x
        width = status.content_region.width or self.size.width or 80
        self._set_status(caret_line(int(column), reason, width))

    def _on_input_scrolled(self, _scroll_x: float) -> None:
        self._render_error()

    def on_resize(self) -> None:
        self._render_error()

    # ----- input events -------------------------------------------------------------------------

    def _set_input(self, text: str, cursor: int | None = None) -> None:
        input_widget = self.input
        self._programmatic_value = text
        input_widget.value = text
        input_widget.cursor_position = len(text) if cursor is None else cursor

    @on(Input.Changed, "#filter-input")
    def _input_changed(self, event: Input.Changed) -> None:
        event.stop()
        programmatic = event.value == self._programmatic_value
        self._programmatic_value = None
        if not programmatic:
            self.history.reset()
            self._completion_suppressed = False
        if self._error is not None and not programmatic:
            # The caret pointed into the old text; keep the message but redraw against the new scroll.
            self._render_error()
        self.post_message(self.Changed(event.value, self))
        if programmatic and not self.completing:
            return
        self._update_completions(open_if_possible=not self._completion_suppressed)

    @on(Input.Submitted, "#filter-input")
    def _input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.completing and self._navigated:
            self._accept_highlighted()
            return
        self._close_completions()
        self.history.add(event.value)
        self.post_message(self.Submitted(event.value, self))

    def _on_cursor_moved(self, _selection: object) -> None:
        if self.completing:
            self._update_completions()

    # ----- completion ---------------------------------------------------------------------------

    @property
    def completion_options(self) -> list[Candidate]:
        """The candidates currently listed in the dropdown (empty when closed)."""
        return list(self._candidates) if self.completing else []

    def _update_completions(self, open_if_possible: bool = True) -> None:
        input_widget = self.input
        context = completion_context(input_widget.value, input_widget.cursor_position)
        found = (
            candidates(self._path_index, context.prefix_path, context.partial_key, MAX_COMPLETIONS)
            if context is not None
            else []
        )
        if context is not None and len(found) == 1 and found[0].key == context.partial_key:
            found = []  # the key is already complete
        if not found or not (open_if_possible or self.completing):
            self._close_completions()
            return
        self._completion_at = context
        if found == self._candidates and self.completing:
            self._position_completions()
            return
        self._candidates = found
        self._navigated = False
        width = max(len(candidate.key) for candidate in found)
        options = [
            Option(
                Content.assemble(
                    (candidate.key.ljust(width), "bold"), "  ", (f"{candidate.count:,}", "dim")
                ),
                id=f"key-{index}",
            )
            for index, candidate in enumerate(found)
        ]
        completions = self.query_one("#filter-completions", OptionList)
        completions.set_options(options)
        completions.highlighted = 0
        completions.display = True
        self.completing = True
        self._position_completions()

    def _position_completions(self) -> None:
        if self._completion_at is None:
            return
        input_widget = self.input
        completions = self.query_one("#filter-completions", OptionList)
        column = (
            input_widget.content_region.x
            - self.content_region.x
            + cell_len(input_widget.value[: self._completion_at.start])
            - input_widget.scroll_x
        )
        completions.styles.offset = (max(int(column) - 2, 0), 0)

    def _close_completions(self) -> None:
        self._candidates = []
        self._completion_at = None
        self._navigated = False
        if self.completing:
            self.completing = False
            self.query_one("#filter-completions", OptionList).display = False

    def _accept_highlighted(self) -> None:
        completions = self.query_one("#filter-completions", OptionList)
        index = completions.highlighted
        if self._completion_at is None or index is None or index >= len(self._candidates):
            return
        key = self._candidates[index].key
        text, cursor = apply_candidate(self.input.value, self._completion_at, key)
        self._close_completions()
        self._programmatic_value = text
        self.input.value = text
        self.input.cursor_position = cursor

    @on(OptionList.OptionSelected, "#filter-completions")
    def _completion_clicked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._accept_highlighted()
        self.input.focus()

    # ----- actions ------------------------------------------------------------------------------

    def action_history_older(self) -> None:
        """Move up the field list when open, else recall an older filter."""
        if self.completing:
            self.query_one("#filter-completions", OptionList).action_cursor_up()
            self._navigated = True
            return
        recalled = self.history.older(self.input.value)
        if recalled is not None:
            self._set_input(recalled)

    def action_history_newer(self) -> None:
        """Move down the field list when open, else go forward in history."""
        if self.completing:
            self.query_one("#filter-completions", OptionList).action_cursor_down()
            self._navigated = True
            return
        recalled = self.history.newer()
        if recalled is not None:
            self._set_input(recalled)

    def action_complete(self) -> None:
        """Insert the highlighted field; with the list closed, open it (or insert the only match)."""
        if self.completing:
            self._accept_highlighted()
            return
        input_widget = self.input
        context = completion_context(input_widget.value, input_widget.cursor_position)
        if context is None:
            raise SkipAction()  # let tab move the focus as usual
        found = candidates(self._path_index, context.prefix_path, context.partial_key, MAX_COMPLETIONS)
        if not found:
            raise SkipAction()
        self._completion_suppressed = False
        if len(found) == 1:
            self._completion_at = context
            self._candidates = found
            text, cursor = apply_candidate(input_widget.value, context, found[0].key)
            self._completion_at = None
            self._candidates = []
            self._set_input(text, cursor)
            return
        self._update_completions(open_if_possible=True)

    def action_show_completions(self) -> None:
        """Open the field list for the path at the cursor."""
        self._completion_suppressed = False
        self._update_completions(open_if_possible=True)

    def action_dismiss(self) -> None:
        """Close the field list if open, else post `Dismissed`."""
        if self.completing:
            self._close_completions()
            self._completion_suppressed = True
            return
        self.post_message(self.Dismissed(self))
