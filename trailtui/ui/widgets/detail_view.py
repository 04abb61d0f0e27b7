"""The event detail view: one record pretty-printed like ``jq .``, syntax-coloured, with a line cursor.

Lines come from :mod:`trailtui.ui.jsonlines`, so every line knows the jq path of its value. The cursor
line drives the copy keys (the value, its jq path) and "filter on this value". The widget never touches
the clipboard or the filter itself: it posts :class:`DetailView.CopyRequested`,
:class:`DetailView.FilterRequested` and :class:`DetailView.CloseRequested` for the app to act on.

Big records do not freeze the screen: lines are never all materialised. A :class:`LineIndex` counts the
record's lines (the first stretch at once, the rest in a thread worker) and formats only the blocks on
screen; lines are drawn lazily (Line API) with an LRU strip cache, and a line longer than
:data:`MAX_LINE_CHARS` is cut with a "… (N more chars)" marker (copying still gives the full text).
Everything drawn passes through :func:`~trailtui.engine.textsafe.safe_text`: jq already escapes C0
controls, but leaves C1 controls and bidi overrides raw.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Iterator, Optional

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events, on, work
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.worker import get_current_worker

from trailtui.engine.textsafe import safe_text
from trailtui.ui.highlight import highlight
from trailtui.ui.widgets.cursor import CursorKeys
from trailtui.ui.jsonlines import (
    Line,
    LineIndex,
    Path,
    ScanProgress,
    compact_text,
    getpath,
    jq_path,
    pretty_text,
    scalar_text,
    scan,
)

__all__ = ["DetailView", "MAX_LINE_CHARS", "value_text"]

MAX_LINE_CHARS = 10_000
"""Characters of one line that are drawn; the rest is summarised by a marker."""

FIRST_SCAN = 20_000
"""Lines counted synchronously by :meth:`DetailView.set_record`; a bigger record is counted on in a worker."""

BLOCK = 256
"""Lines formatted together when one of them is drawn."""

SYNC_COPY_LINES = 50_000
"""Above this many lines, copying a container is formatted in a thread worker."""

SCAN_REPORT = 100_000
"""Lines per progress report of the background scan (it checks for cancellation between reports)."""

_KIND_CLASS = {
    "string": "detailview--string",
    "number": "detailview--number",
    "boolean": "detailview--boolean",
    "null": "detailview--null",
    "open": "detailview--punctuation",
    "close": "detailview--punctuation",
    "empty": "detailview--punctuation",
}


def value_text(value: Any) -> str:
    """What "copy value" copies: a string raw, anything else as JSON (containers pretty, like ``jq .``)."""
    if isinstance(value, str):
        return value
    if isinstance(value, (dict, list)):
        return pretty_text(value)
    return scalar_text(value)


def _line_width(line: Line) -> int:
    """Cells the line takes when drawn (cut lines included, with their marker)."""
    text = line.text
    hidden = max(0, len(text) - MAX_LINE_CHARS) + line.cut
    if len(text) > MAX_LINE_CHARS:
        text = text[:MAX_LINE_CHARS]
    if hidden:
        text += _marker(hidden)
    return len(text) if text.isascii() else cell_len(safe_text(text))


def _marker(hidden: int) -> str:
    return f"… ({hidden:,} more chars)"


class DetailView(CursorKeys, ScrollView, can_focus=True):
    """One event as jq-style JSON with a cursor line; copy and filter keys act on the cursor line.

    | Key | Action |
    | --- | --- |
    | `j` / `down`, `k` / `up` | next / previous line |
    | `pagedown` / `pageup`, `g` / `home`, `G` / `end` | page, first line, last line |
    | `y` | copy the event as pretty JSON |
    | `v` | copy the value under the cursor |
    | `p` | copy the jq path of the value under the cursor |
    | `f` | filter on the value under the cursor |
    | `escape` | close |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "cursor_down", "Down", show=False, id="detail.down",
                tooltip="Move to the next line"),
        Binding("k,up", "cursor_up", "Up", show=False, id="detail.up",
                tooltip="Move to the previous line"),
        Binding("pagedown", "page_down", "Page down", show=False, id="detail.page-down",
                tooltip="Move one screen down"),
        Binding("pageup", "page_up", "Page up", show=False, id="detail.page-up",
                tooltip="Move one screen up"),
        Binding("g,home", "first", "Top", show=False, id="detail.top",
                tooltip="Move to the first line"),
        Binding("G,end", "last", "Bottom", show=False, id="detail.bottom",
                tooltip="Move to the last line"),
        Binding("l,right", "scroll_across(1)", "Right", show=False, id="detail.right",
                tooltip="Scroll right by half a screen (long lines end in … where they go on)"),
        Binding("h,left", "scroll_across(-1)", "Left", show=False, id="detail.left",
                tooltip="Scroll left by half a screen"),
        Binding("y", "copy_event", "Copy event", id="detail.copy-event",
                tooltip="Copy the whole event as pretty JSON"),
        Binding("v", "copy_value", "Copy value", id="detail.copy-value",
                tooltip="Copy the value under the cursor (strings raw, anything else as JSON)"),
        Binding("p", "copy_path", "Copy path", id="detail.copy-path",
                tooltip="Copy the jq path of the value under the cursor, e.g. .userIdentity.arn"),
        Binding("f", "filter_value", "Filter on value", id="detail.filter",
                tooltip="Filter the events to those with this value at this path"),
        Binding("escape", "close", "Close", id="detail.close",
                tooltip="Close the detail view"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "detailview--title",
        "detailview--path",
        "detailview--key",
        "detailview--string",
        "detailview--number",
        "detailview--boolean",
        "detailview--null",
        "detailview--punctuation",
        "detailview--cursor",
        "detailview--truncated",
        "detailview--placeholder",
        "detailview--match",
    }

    DEFAULT_CSS = """
    DetailView {
        height: 1fr;
        background: $surface;
        color: $foreground;

        & > .detailview--title {
            background: $panel;
            color: $foreground;
            text-style: bold;
        }
        & > .detailview--path {
            background: $panel;
            color: $text-accent;
        }
        & > .detailview--key { color: $text-primary; }
        & > .detailview--string { color: $text-success; }
        & > .detailview--number { color: $text-warning; }
        & > .detailview--boolean { color: $text-accent; text-style: bold; }
        & > .detailview--null { color: $text-muted; text-style: italic; }
        & > .detailview--punctuation { color: $foreground 70%; }
        & > .detailview--truncated { color: $text-muted; text-style: italic reverse; }
        & > .detailview--placeholder { color: $text-muted; text-style: italic; }
        & > .detailview--match { background: $warning 60%; color: $foreground; text-style: bold; }
        & > .detailview--cursor {
            background: $block-cursor-blurred-background;
        }
        &:focus > .detailview--cursor {
            background: $block-cursor-background 60%;
        }
    }
    """

    @dataclass
    class CopyRequested(Message):
        """The user asked to copy ``text``; ``what`` is "event", "value" or "path"."""

        text: str
        what: str
        view: Optional[DetailView] = field(default=None, repr=False, compare=False)

        @property
        def control(self) -> Optional[DetailView]:
            """The detail view the request came from."""
            return self.view

    @dataclass
    class FilterRequested(Message):
        """The user asked to keep only events whose value at ``path`` equals ``value``."""

        path: Path
        value: Any
        view: Optional[DetailView] = field(default=None, repr=False, compare=False)

        @property
        def control(self) -> Optional[DetailView]:
            """The detail view the request came from."""
            return self.view

        @property
        def expression(self) -> str:
            """The filter as jq: ``select(.userIdentity.arn == "arn:aws:…")``."""
            return f"select({jq_path(self.path)} == {compact_text(self.value)})"

    @dataclass
    class CloseRequested(Message):
        """The user asked to close the detail view."""

        view: Optional[DetailView] = field(default=None, repr=False, compare=False)

        @property
        def control(self) -> Optional[DetailView]:
            """The detail view to close."""
            return self.view

    @dataclass
    class _Scanned(Message, bubble=False):
        """Progress of the background line count (dropped if a newer record was set)."""

        generation: int
        progress: ScanProgress

    def __init__(
        self,
        *,
        placeholder: str = "No event selected",
        name: Optional[str] = None,
        id: Optional[str] = None,
        classes: Optional[str] = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self.placeholder = placeholder
        """What the view shows when it holds no record."""
        self.record: Any = None
        """The record shown (None before :meth:`set_record`)."""
        self.title = ""
        """Provenance text shown on the title line (file, line, event id…)."""
        self._has_record = False
        self._index = LineIndex(None).build()
        self._generation = 0
        self._cursor = 0
        self._width = 0
        self._measured_width = 0
        self._cache: LRUCache[tuple[int, bool], tuple[Strip, Style]] = LRUCache(512)

    # ----- public state -------------------------------------------------------------------------

    @property
    def line_count(self) -> int:
        """Lines counted so far (all of them once :attr:`is_complete`); 0 without a record."""
        return len(self._index) if self._has_record else 0

    def line(self, index: int) -> Line:
        """Line ``index`` of the record as :func:`~trailtui.ui.jsonlines.pretty_lines` gives it, except
        that a string longer than :data:`MAX_LINE_CHARS` is cut (see ``Line.cut``)."""
        if not 0 <= index < self.line_count:
            raise IndexError(index)
        return self._index[index]

    @property
    def is_complete(self) -> bool:
        """Whether every line of the record has been counted."""
        return self._index.complete

    @property
    def cursor_line(self) -> int:
        """Index of the cursor line."""
        return self._cursor

    @cursor_line.setter
    def cursor_line(self, index: int) -> None:
        self.move_cursor(index)

    @property
    def cursor_path(self) -> Optional[Path]:
        """jq path (as a tuple) of the value on the cursor line, or None without a record."""
        if not self.line_count:
            return None
        return self._index[self._cursor].path

    def cursor_value(self) -> Any:
        """The value on the cursor line (a container for a brace line)."""
        path = self.cursor_path
        return None if path is None else getpath(self.record, path)

    # ----- content ------------------------------------------------------------------------------

    find_text: str = ""
    """Text the main screen's find prompt looks for, highlighted where it shows ("" for none)."""

    def set_record(self, record: Any, title: str = "") -> None:
        """Show ``record`` with ``title`` as provenance; the cursor goes to the first line."""
        self._start(record, title, has_record=True)

    def clear(self) -> None:
        """Show no record (the placeholder)."""
        self._start(None, "", has_record=False)

    def _start(self, record: Any, title: str, has_record: bool) -> None:
        self._generation += 1
        self.record = record
        self.title = title
        if has_record != self._has_record:
            self._has_record = has_record
            self.refresh_bindings()
        self._cursor = 0
        self._cache.clear()
        self._index = LineIndex(record, block=BLOCK, max_string=MAX_LINE_CHARS)
        self._index.on_block = self._measure_block
        self._measured_width = 0
        progress_iter = scan(record, BLOCK, FIRST_SCAN)
        first = next(progress_iter)
        self._index.add(first)
        if not first.done:
            self._scan_rest(self._generation, progress_iter)
        self._update_virtual_size()
        if self.is_mounted:
            self.scroll_to(0, 0, animate=False)
        self.refresh()

    @work(thread=True, exclusive=True, group="detail-scan", exit_on_error=False, description="Counting lines")
    def _scan_rest(self, generation: int, progress_iter: Iterator[ScanProgress]) -> None:
        worker = get_current_worker()
        for progress in progress_iter:
            self.post_message(self._Scanned(generation, progress))
            if worker.is_cancelled:
                return

    @on(_Scanned)
    def _add_scan_progress(self, message: _Scanned) -> None:
        if message.generation != self._generation:
            return
        self._index.add(message.progress)
        self._update_virtual_size()
        self.refresh_line(round(self.scroll_y))

    def _measure_block(self, lines: list[Line]) -> None:
        # Called while drawing: widths are exact only once a block is formatted (escapes and wide
        # characters make lines wider than the scan's estimate), so grow the scroll width afterwards.
        width = max(_line_width(line) for line in lines)
        if width > self._width:
            self._measured_width = max(self._measured_width, width)
            self.call_after_refresh(self._update_virtual_size)

    def _update_virtual_size(self) -> None:
        estimate = min(self._index.width, MAX_LINE_CHARS + len(_marker(10**12)))
        self._width = max(estimate, self._measured_width)
        self.virtual_size = Size(self._width, self.line_count + 1)

    # ----- cursor -------------------------------------------------------------------------------

    def move_cursor(self, index: int) -> None:
        """Put the cursor on line ``index`` (clamped), scrolling it into view."""
        index = max(0, min(index, self.line_count - 1))
        old = self._cursor
        if index != old:
            self._cursor = index
            self.refresh_line(old + 1)
            self.refresh_line(index + 1)
            self.refresh_line(round(self.scroll_y))  # the title shows the cursor's path
        self._keep_in_view()

    def _cursor_count(self) -> int:
        return self.line_count

    # ----- requests -----------------------------------------------------------------------------

    def action_copy_event(self) -> None:
        """Ask the app to copy the whole event as pretty JSON."""
        if not self._has_record:
            return
        if self._is_small():
            self.post_message(self.CopyRequested(pretty_text(self.record), "event", self))
        else:
            self._copy_in_background(self.record, "event")

    def action_copy_value(self) -> None:
        """Ask the app to copy the value under the cursor."""
        if not self.line_count:
            return
        value = self.cursor_value()
        if isinstance(value, (dict, list)) and not self._is_small():
            self._copy_in_background(value, "value")
        else:
            self.post_message(self.CopyRequested(value_text(value), "value", self))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> Optional[bool]:
        """Grey out copy and filter while no record is shown."""
        if action in ("copy_event", "copy_value", "copy_path", "filter_value") and not self._has_record:
            return None
        return True

    def _is_small(self) -> bool:
        return self._index.complete and len(self._index) <= SYNC_COPY_LINES

    @work(thread=True, group="detail-copy", exit_on_error=False, description="Formatting JSON to copy")
    def _copy_in_background(self, value: Any, what: str) -> None:
        # Formatting a huge container takes seconds; a thread keeps keys and scrolling alive meanwhile.
        self.post_message(self.CopyRequested(value_text(value), what, self))

    def action_copy_path(self) -> None:
        """Ask the app to copy the jq path of the value under the cursor."""
        path = self.cursor_path
        if path is not None:
            self.post_message(self.CopyRequested(jq_path(path), "path", self))

    def action_filter_value(self) -> None:
        """Ask the app to filter on the value under the cursor."""
        path = self.cursor_path
        if path is not None:
            self.post_message(self.FilterRequested(path, self.cursor_value(), self))

    def action_close(self) -> None:
        """Ask the app to close the view."""
        self.post_message(self.CloseRequested(self))

    # ----- mouse --------------------------------------------------------------------------------

    async def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y == 0:
            return
        index = round(self.scroll_y) + offset.y - 1
        if 0 <= index < self.line_count:
            event.stop()
            self.move_cursor(index)

    # ----- drawing ------------------------------------------------------------------------------

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._cache.clear()

    def on_focus(self, event: events.Focus) -> None:
        # The cursor line is drawn differently with and without focus.
        self._cache.clear()
        self.refresh()

    def on_blur(self, event: events.Blur) -> None:
        self._cache.clear()
        self.refresh()

    def action_scroll_across(self, direction: int) -> None:
        """Scroll sideways by half the width on screen (a long line is read in a few presses)."""
        step = max(1, self.scrollable_content_region.width // 2)
        self.scroll_to(x=max(0, round(self.scroll_x) + direction * step), animate=False)

    def render_line(self, y: int) -> Strip:
        """Draw screen line ``y``: the title on line 0, JSON lines below it; text past an edge shows …."""
        scroll_x, scroll_y = self.scroll_offset
        view_width = self.scrollable_content_region.width
        if y == 0:
            return self._title_strip(view_width)
        if not self._has_record:
            return self._placeholder_line(y, view_width)
        index = scroll_y + y - 1
        if index >= self.line_count:
            return Strip.blank(view_width, self.rich_style)
        strip, pad_style = self._line_strip(index)
        cropped = strip.crop_extend(scroll_x, scroll_x + view_width, pad_style)
        if view_width > 1 and strip.cell_length > scroll_x + view_width:
            cropped = Strip([*cropped.crop(0, view_width - 1), Segment("…", pad_style)], view_width)
        if view_width > 1 and scroll_x > 0 and strip.cell_length > scroll_x:
            cropped = Strip([Segment("…", pad_style), *cropped.crop(1, view_width)], view_width)
        return cropped

    def _title_strip(self, view_width: int) -> Strip:
        title_style = self.rich_style + self.get_component_rich_style("detailview--title")
        path_style = self.rich_style + self.get_component_rich_style("detailview--path")
        right = ""
        if self.line_count:
            right = f" {jq_path(self._index[self._cursor].path)}  {self._cursor + 1}/{self.line_count:,}"
            if not self.is_complete:
                right += "+ counting…"
            right = safe_text(right) + " "
        half = view_width // 2
        if cell_len(right) > half:
            # Keep the end of the path (the most specific part) and the line counter.
            right = "…" + right[-max(0, half - 1):] if half > 1 else ""
            right = set_cell_size(right, half)
        left_width = max(0, view_width - cell_len(right))
        left = " " + safe_text(self.title)
        if cell_len(left) > left_width:
            left = set_cell_size(left, max(0, left_width - 1)) + "…" if left_width else ""
        else:
            left = set_cell_size(left, left_width)
        return Strip([Segment(left, title_style), Segment(right, path_style)]).adjust_cell_length(
            view_width, title_style
        )

    def _placeholder_line(self, y: int, view_width: int) -> Strip:
        base = self.rich_style
        if y != max(1, self.scrollable_content_region.height // 2):
            return Strip.blank(view_width, base)
        text = safe_text(self.placeholder)
        left = max(0, (view_width - cell_len(text)) // 2)
        style = base + self.get_component_rich_style("detailview--placeholder")
        return Strip([Segment(" " * left, base), Segment(text, style)]).adjust_cell_length(view_width, base)

    def _line_strip(self, index: int) -> tuple[Strip, Style]:
        is_cursor = index == self._cursor
        cached = self._cache.get((index, is_cursor))
        if cached is not None:
            return cached
        line = self._index[index]
        base = self.rich_style
        # Only the cursor's background (alpha already blended), so syntax colours show through it.
        cursor = Style(bgcolor=self.get_component_rich_style("detailview--cursor").bgcolor) if is_cursor else None

        def styled(name: str) -> Style:
            style = base + self.get_component_rich_style(name)
            return style + cursor if cursor is not None else style

        pad_style = base + cursor if cursor is not None else base
        text = line.text
        hidden = max(0, len(text) - MAX_LINE_CHARS) + line.cut
        if len(text) > MAX_LINE_CHARS:
            text = text[:MAX_LINE_CHARS]
        indent_end = line.depth * 2
        value_start = min(line.value_start, len(text))
        segments = [Segment(text[:indent_end], pad_style)]
        if line.key_len:
            key_end = max(indent_end, value_start - 2)  # the key literal, then ": "
            segments.append(Segment(safe_text(text[indent_end:key_end]), styled("detailview--key")))
            segments.append(Segment(text[key_end:value_start], styled("detailview--punctuation")))
        value = text[value_start:]
        comma = ""
        if not hidden and line.kind != "open" and value.endswith(","):
            value, comma = value[:-1], ","
        segments.append(Segment(safe_text(value), styled(_KIND_CLASS[line.kind])))
        if comma:
            segments.append(Segment(comma, styled("detailview--punctuation")))
        if hidden:
            segments.append(Segment(_marker(hidden), styled("detailview--truncated")))
        if self.find_text:
            segments = highlight(segments, self.find_text, self.get_component_rich_style("detailview--match", partial=True))
        result = (Strip(segments), pad_style)
        self._cache[(index, is_cursor)] = result
        return result
