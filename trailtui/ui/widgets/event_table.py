"""A virtual event table: a Line-API ``ScrollView`` that draws only the rows on screen.

The table never stores rows. It reads them through a small duck-typed model, so a view of a million
events costs nothing until a row is drawn::

    class TableModel(Protocol):
        columns: Sequence[Column]                  # anything with .key, .label and .width
        def __len__(self) -> int: ...              # rows in the current view
        def cells(self, pos: int) -> Sequence[str]: ...   # raw cell texts of the row at view position pos
        def row_id(self, pos: int) -> int: ...     # stable id of that event (marks and selection use it)
        # optional:
        def sample_cells(self, positions) -> list[list[str]]: ...  # many rows' cells at once (width sample)
        def position_of(self, row_id: int) -> int | None: ...   # view position of an event, if present

A new filter or sort result is swapped in with :meth:`EventTable.set_model`, which keeps the selected event
selected when it is still in the view. The table does not sort: ``s``/``S`` and header clicks post
:class:`EventTable.SortRequested`, and the app sets :attr:`EventTable.sort_indicator` once it has sorted.

Columns fit the terminal: each has a natural width (fixed, or measured on a sample of rows), a
``min_width`` and a ``priority``. The table squeezes columns towards their minimum, in order, until as
many as possible fit the width on screen and hands spare cells back by priority; columns that still do not
fit lie to the right (``l``/→ scrolls to them, the header ends in ``›``). A cell is never cut silently: a
value cut by its width or by the edge of the screen ends in ``…``. ``<``/``>`` narrow or widen the column
under the column cursor. When the model offers ``outcome(pos)``, failed and denied events are coloured,
and the Time column can show UTC, local or relative times (:attr:`EventTable.time_mode`).

Line 0 is the header and stays put while the rows scroll under it; the virtual height is rows + 1.
Every cell is passed through :func:`~trailtui.engine.textsafe.safe_text`, so log content can never write
control sequences to the terminal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Optional, Protocol, Sequence

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from trailtui.engine.columns import Column
from trailtui.engine.textsafe import safe_text
from trailtui.ui.highlight import highlight
from trailtui.ui import timefmt
from trailtui.ui.widgets.cursor import CursorKeys

__all__ = ["Column", "EventTable", "TableModel"]


class TableModel(Protocol):
    """What :class:`EventTable` reads rows through (see the module docstring)."""

    columns: Sequence[Column]

    def __len__(self) -> int: ...

    def cells(self, pos: int) -> Sequence[str]: ...

    def row_id(self, pos: int) -> int: ...


class _NoRows:
    """The model a table starts with: no columns, no rows."""

    columns: Sequence[Column] = ()

    def __len__(self) -> int:
        return 0

    def cells(self, pos: int) -> Sequence[str]:
        raise IndexError(pos)

    def row_id(self, pos: int) -> int:
        raise IndexError(pos)


GUTTER = 2
"""Cells left of the first column: a sign (:data:`MARK_BULLET`, or :data:`BOOKMARK_SIGN`, which wins: a marked
row also shows in the marked colour) and a space."""
SEPARATOR = 1
"""Blank cells between two columns."""
SORT_ROOM = 2
"""Cells kept beside a header label for the sort arrow (" ▲")."""
MARK_BULLET = "•"
BOOKMARK_SIGN = "◆"
WIDTH_STEP = 4
"""Cells a column grows or shrinks by per ``>`` / ``<``."""
DENIED_WORDS = ("Denied", "Unauthorized", "Forbidden", "NotAuthorized")
"""An error code containing one of these is a denial (drawn stronger than other failures)."""


def outcome_class(outcome: str) -> str:
    """The component class for a row with this outcome: ``""`` for success, else failed or denied."""
    if outcome in ("", "Success"):
        return ""
    if any(word in outcome for word in DENIED_WORDS):
        return "eventtable--denied"
    return "eventtable--failed"


class EventTable(CursorKeys, ScrollView, can_focus=True):
    """A keyboard-driven table over a :class:`TableModel`, fast at a million rows.

    | Key | Action |
    | --- | --- |
    | `j` / `down`, `k` / `up` | next / previous row |
    | `pagedown` / `pageup` | one page down / up |
    | `g` / `home`, `G` / `end` | first / last row |
    | `h` / `left`, `l` / `right` | previous / next column (the one `s` sorts on) |
    | `s` / `S` | sort by the cursor column ascending / descending (`S` again toggles) |
    | `space` | mark or unmark the row |
    | `enter` | open the row |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "cursor_down", "Down", show=False, id="eventtable.down",
                tooltip="Move to the next row"),
        Binding("k,up", "cursor_up", "Up", show=False, id="eventtable.up",
                tooltip="Move to the previous row"),
        Binding("pagedown", "page_down", "Page down", show=False, id="eventtable.page-down",
                tooltip="Move one screen down"),
        Binding("pageup", "page_up", "Page up", show=False, id="eventtable.page-up",
                tooltip="Move one screen up"),
        Binding("g,home", "first", "Top", show=False, id="eventtable.top",
                tooltip="Move to the first row"),
        Binding("G,end", "last", "Bottom", show=False, id="eventtable.bottom",
                tooltip="Move to the last row"),
        Binding("h,left", "cursor_left", "Column left", show=False, id="eventtable.column-left",
                tooltip="Move the column cursor left (sort acts on it)"),
        Binding("l,right", "cursor_right", "Column right", show=False, id="eventtable.column-right",
                tooltip="Move the column cursor right (sort acts on it)"),
        Binding("s", "sort", "Sort", show=False, id="eventtable.sort",
                tooltip="Sort by the highlighted column, ascending"),
        Binding("S", "sort_descending", "Sort desc", show=False, id="eventtable.sort-descending",
                tooltip="Sort by the highlighted column, descending (again: ascending)"),
        Binding("space", "toggle_mark", "Mark", show=False, id="eventtable.mark",
                tooltip="Mark or unmark the row and move down (marked rows are what y and e use)"),
        Binding("greater_than_sign", "widen", "Wider", show=False, id="eventtable.widen",
                tooltip="Widen the highlighted column"),
        Binding("less_than_sign", "narrow", "Narrower", show=False, id="eventtable.narrow",
                tooltip="Narrow the highlighted column"),
        Binding("t", "cycle_time", "Time", show=False, id="eventtable.time",
                tooltip="Times in UTC, local time, or as the gap to the previous row"),
        Binding("enter", "select", "Detail", show=False, id="eventtable.open",
                tooltip="Show the whole event"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "eventtable--header",
        "eventtable--header-cursor",
        "eventtable--cursor",
        "eventtable--marked",
        "eventtable--bookmark",
        "eventtable--odd",
        "eventtable--empty",
        "eventtable--failed",
        "eventtable--denied",
        "eventtable--edge",
        "eventtable--match",
    }

    DEFAULT_CSS = """
    EventTable {
        height: 1fr;
        scrollbar-size-vertical: 1;
        background: $surface;
        color: $foreground;

        & > .eventtable--header {
            background: $panel;
            color: $foreground;
            text-style: bold;
        }
        & > .eventtable--header-cursor {
            background: $accent 40%;
            text-style: bold underline;
        }
        & > .eventtable--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus > .eventtable--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
        & > .eventtable--marked {
            color: $warning;
            text-style: bold;
        }
        & > .eventtable--bookmark {
            color: $accent;
            text-style: bold;
        }
        & > .eventtable--odd {
            background: $foreground 4%;
        }
        & > .eventtable--empty {
            color: $text-muted;
            text-style: italic;
        }
        & > .eventtable--failed {
            color: $text-warning;
        }
        & > .eventtable--denied {
            color: $text-error;
            text-style: bold;
        }
        & > .eventtable--edge {
            color: $text-accent;
            text-style: bold;
        }
        & > .eventtable--match {
            background: $warning 60%;
            color: $foreground;
            text-style: bold;
        }
    }
    """

    WIDTH_SAMPLE: ClassVar[int] = 2000
    """Rows sampled (spread over the view) to size columns that have no fixed width."""
    MAX_AUTO_WIDTH: ClassVar[int] = 60
    """The widest a sampled column gets."""

    sort_indicator: reactive[Optional[tuple[str, bool]]] = reactive(None, repaint=False)
    """(column key, descending) of the current sort, drawn as ▲/▼ in the header; set by the app."""

    empty_message: reactive[str] = reactive("No events", repaint=False)
    """What the table shows, centred, when the view has no rows."""

    find_text: reactive[str] = reactive("", repaint=False)
    """Text the find prompt looks for: drawn highlighted in the cells on screen ("" for none)."""

    time_mode: reactive[str] = reactive("utc", repaint=False)
    """How the ``time`` column shows: ``utc`` (as logged), ``local`` or ``relative`` (gap to the row above)."""

    @dataclass
    class CursorMoved(Message):
        """The cursor moved to another row (``row_id`` is None when the view is empty)."""

        pos: int
        row_id: Optional[int]
        table: Optional[EventTable] = field(default=None, repr=False, compare=False)

        @property
        def control(self) -> Optional[EventTable]:
            """The table the cursor moved in."""
            return self.table

        def can_replace(self, message: Message) -> bool:
            # Cursor moves arrive at key-repeat rate; only the latest matters.
            return isinstance(message, EventTable.CursorMoved) and message.table is self.table

    @dataclass
    class RowActivated(Message):
        """A row was opened (Enter or a double click)."""

        pos: int
        row_id: int
        table: Optional[EventTable] = field(default=None, repr=False, compare=False)

        @property
        def control(self) -> Optional[EventTable]:
            """The table the row is in."""
            return self.table

    @dataclass
    class SortRequested(Message):
        """The user asked to sort the view by a column."""

        column_key: str
        descending: bool
        table: Optional[EventTable] = field(default=None, repr=False, compare=False)

        @property
        def control(self) -> Optional[EventTable]:
            """The table to sort."""
            return self.table

    @dataclass
    class MarksChanged(Message):
        """A row was marked or unmarked; ``count`` is how many events are marked now."""

        count: int
        table: Optional[EventTable] = field(default=None, repr=False, compare=False)

        @property
        def control(self) -> Optional[EventTable]:
            """The table whose marks changed."""
            return self.table

    def __init__(
        self,
        model: Optional[TableModel] = None,
        *,
        name: Optional[str] = None,
        id: Optional[str] = None,
        classes: Optional[str] = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._model: TableModel = _NoRows()
        self._cursor = 0
        self._cursor_column = 0
        self._widths: list[int] = []
        self._offsets: list[int] = []
        self._total_width = 0
        self._width_source: tuple[tuple[str, ...], int] = ((), 0)
        self._natural: list[int] = []
        self._fitted_for = -1
        self.width_overrides: dict[str, int] = {}
        """Widths the user set with ``<``/``>``, by column key (they survive filter changes)."""
        self.placement = ""
        """Where the last :meth:`set_model` put the cursor: ``first row``, ``kept selection`` or ``""``."""
        self._user_moved = False
        self._row_cache: LRUCache[tuple[int, bool, bool, bool], tuple[Strip, Style, list[str]]] = LRUCache(1024)
        self._header_cache: Optional[Strip] = None
        self.marked: set[int] = set()
        """Row ids of the marked events (marks survive filter and sort changes)."""
        self.bookmarked: frozenset[int] = frozenset()
        """Row ids of the bookmarked events, shown with :data:`BOOKMARK_SIGN` (see :meth:`show_bookmarks`)."""
        if model is not None:
            self.set_model(model, keep_cursor_row_id=False)

    # ----- public state -------------------------------------------------------------------------

    @property
    def model(self) -> TableModel:
        """The view being shown."""
        return self._model

    def _cursor_count(self) -> int:
        return len(self._model)

    @property
    def row_count(self) -> int:
        """Rows in the current view."""
        return len(self._model)

    @property
    def cursor_row(self) -> int:
        """View position of the cursor row (0 when the view is empty)."""
        return self._cursor

    @cursor_row.setter
    def cursor_row(self, pos: int) -> None:
        self.move_cursor(pos)

    @property
    def cursor_row_id(self) -> Optional[int]:
        """Row id of the event under the cursor, or None when the view is empty."""
        if not len(self._model):
            return None
        return self._model.row_id(self._cursor)

    @property
    def cursor_column(self) -> int:
        """Index of the cursor column (the one sort keys act on)."""
        return self._cursor_column

    @cursor_column.setter
    def cursor_column(self, index: int) -> None:
        self.move_column(index)

    @property
    def cursor_column_key(self) -> Optional[str]:
        """Key of the cursor column, or None when there are no columns."""
        columns = self._model.columns
        return columns[self._cursor_column].key if columns else None

    @property
    def column_widths(self) -> list[int]:
        """Drawn width of each column, in cells."""
        return list(self._widths)

    @property
    def columns_off_screen(self) -> list[str]:
        """Labels of the columns that lie (wholly or partly) right of the screen's edge."""
        edge = round(self.scroll_x) + self.scrollable_content_region.width
        return [
            column.label
            for column, offset, width in zip(self._model.columns, self._offsets, self._widths)
            if offset + width > edge
        ]

    # ----- swapping views -----------------------------------------------------------------------

    def set_model(
        self, model: TableModel, *, keep_cursor_row_id: bool = True, select_row_id: Optional[int] = None
    ) -> None:
        """Show a new view; cost is O(visible rows) plus a bounded width sample.

        The cursor goes to ``select_row_id`` if given and in the new view; else, with
        ``keep_cursor_row_id`` and once the user has moved the cursor, it stays on the same event if the
        new view has it (found with ``model.position_of`` when the model offers it), on the same screen
        line where possible but never hiding rows above it that would fit. Otherwise the view starts at
        its first row. :attr:`placement` says which happened.
        """
        old_pos = self._cursor
        old_id = self.cursor_row_id
        if select_row_id is None and not self._user_moved:
            keep_cursor_row_id = False
        wanted_id = select_row_id if select_row_id is not None else old_id
        screen_line = old_pos - round(self.scroll_y)
        self._model = model
        self._row_cache.clear()
        self._header_cache = None
        self._layout_columns()
        count = len(model)
        new_pos = 0
        self.placement = "first row"
        if (keep_cursor_row_id or select_row_id is not None) and wanted_id is not None and count:
            found: Optional[int] = None
            position_of = getattr(model, "position_of", None)
            if position_of is not None:
                found = position_of(wanted_id)
            elif old_pos < count and model.row_id(old_pos) == wanted_id:
                found = old_pos
            if found is not None:
                new_pos = found
                self.placement = "kept selection"
        if new_pos == 0:
            self._user_moved = False
        self._cursor = new_pos
        self._cursor_column = max(0, min(self._cursor_column, len(model.columns) - 1))
        self.virtual_size = Size(self._total_width, count + 1)
        if self.is_mounted:
            page = self._page()
            top = 0 if new_pos < page else max(0, new_pos - max(0, min(screen_line, page - 1)))
            self.scroll_to(y=top, animate=False)
            self._keep_in_view()
        self.refresh()
        if (count == 0) != (old_id is None):
            self.refresh_bindings()
        new_id = self.cursor_row_id
        if (new_pos, new_id) != (old_pos, old_id):
            self.post_message(self.CursorMoved(new_pos, new_id, self))

    def _layout_columns(self) -> None:
        columns = self._model.columns
        keys = tuple(column.key for column in columns)
        count = len(self._model)
        sampled_keys, sampled_rows = self._width_source
        # Re-sample only when the columns changed or the last sample saw fewer rows than it could use
        # (a view that grew while loading); a filter change keeps the layout steady.
        if keys == sampled_keys and sampled_rows >= min(count, self.WIDTH_SAMPLE) and self._natural:
            self._fit_columns()
            return
        sample_positions = _sample_positions(count, self.WIDTH_SAMPLE)
        auto = [i for i, column in enumerate(columns) if column.width is None]
        widths = [
            column.width if column.width is not None else min(self.MAX_AUTO_WIDTH, cell_len(column.label) + SORT_ROOM)
            for column in columns
        ]
        widths = [max(1, width) for width in widths]
        if auto:
            model = self._model
            sample_cells = getattr(model, "sample_cells", None)
            sampled = (sample_cells(sample_positions) if sample_cells is not None
                       else (model.cells(pos) for pos in sample_positions))
            for cells in sampled:
                for i in auto:
                    if i < len(cells):
                        text = safe_text(cells[i])
                        width = len(text) if text.isascii() else cell_len(text)
                        if width > widths[i]:
                            widths[i] = min(self.MAX_AUTO_WIDTH, width)
        self._natural = widths
        self._width_source = (keys, len(sample_positions))
        self._fit_columns(force=True)

    def _fit_columns(self, force: bool = False) -> None:
        """Widths for the width on screen from the natural widths (see the module docstring)."""
        columns = self._model.columns
        # The vertical scrollbar may appear after this layout: always leave its cells free.
        available = (self.content_region.width - self.styles.scrollbar_size_vertical) if self.is_mounted else 0
        if available <= 0:
            available = 10_000  # not laid out yet: natural widths
        if not force and available == self._fitted_for and len(self._widths) == len(columns):
            return
        self._fitted_for = available
        natural = [self.width_overrides.get(c.key, n) for c, n in zip(columns, self._natural)]
        minimum = [
            width if column.key in self.width_overrides else min(width, max(1, getattr(column, "min_width", 8)))
            for column, width in zip(columns, natural)
        ]
        room = available - GUTTER
        # The longest run of columns (in display order) that fits at their minimum widths.
        used = 0
        fitting = 0
        for index, width in enumerate(minimum):
            need = width + (SEPARATOR if index else 0)
            if used + need > room:
                break
            used += need
            fitting += 1
        fitting = max(fitting, 1) if columns else 0
        widths = list(natural)
        if used < sum(natural[:fitting]) + SEPARATOR * max(0, fitting - 1):
            widths[:fitting] = minimum[:fitting]
            spare = room - used
            order = sorted(range(fitting), key=lambda i: (getattr(columns[i], "priority", 50), i))
            # Hand spare cells out one round at a time (priority order within a round): every squeezed
            # column gets its share instead of the first one taking them all.
            while spare > 0:
                grown = False
                for index in order:
                    if spare and widths[index] < natural[index]:
                        widths[index] += 1
                        spare -= 1
                        grown = True
                if not grown:
                    break
        self._widths = widths
        offsets = []
        x = GUTTER
        for width in widths:
            offsets.append(x)
            x += width + SEPARATOR
        self._offsets = offsets
        self._total_width = x - SEPARATOR if widths else GUTTER
        self._row_cache.clear()
        self._header_cache = None
        self.virtual_size = Size(self._total_width, len(self._model) + 1)

    # ----- cursor -------------------------------------------------------------------------------

    def move_cursor(self, pos: int) -> None:
        """Put the cursor on view position ``pos`` (clamped), scrolling it into view."""
        count = len(self._model)
        pos = max(0, min(pos, count - 1))
        old = self._cursor
        if pos == old:
            self._keep_in_view()
            return
        self._cursor = pos
        self._user_moved = True
        self.refresh_line(old + 1)
        self.refresh_line(pos + 1)
        self._keep_in_view()
        self.post_message(self.CursorMoved(pos, self._model.row_id(pos), self))

    def move_column(self, index: int) -> None:
        """Put the column cursor on column ``index`` (clamped), scrolling it into view."""
        columns = self._model.columns
        index = max(0, min(index, len(columns) - 1))
        if index != self._cursor_column:
            self._cursor_column = index
            self._header_cache = None
            self.refresh_line(round(self.scroll_y))
        if not self._offsets:
            return
        view_width = self.scrollable_content_region.width
        left = 0 if index == 0 else self._offsets[index]
        right = self._offsets[index] + self._widths[index]
        if left < self.scroll_x:
            self.scroll_to(x=left, animate=False)
        elif right > self.scroll_x + view_width:
            self.scroll_to(x=min(left, right - view_width), animate=False)

    # ----- marks --------------------------------------------------------------------------------

    def toggle_mark(self, pos: Optional[int] = None) -> None:
        """Mark the row at ``pos`` (default: the cursor row), or unmark it if it was marked."""
        if not len(self._model):
            return
        pos = self._cursor if pos is None else pos
        row_id = self._model.row_id(pos)
        if row_id in self.marked:
            self.marked.discard(row_id)
        else:
            self.marked.add(row_id)
        self.refresh_line(pos + 1)
        self.post_message(self.MarksChanged(len(self.marked), self))

    def show_bookmarks(self, row_ids: frozenset[int]) -> None:
        """Show ``row_ids`` as the bookmarked events."""
        if row_ids != self.bookmarked:
            self.bookmarked = frozenset(row_ids)
            self._row_cache.clear()
            self.refresh()

    def clear_marks(self) -> None:
        """Unmark every event."""
        if self.marked:
            self.marked.clear()
            self._row_cache.clear()
            self.refresh()
            self.post_message(self.MarksChanged(0, self))

    # ----- actions ------------------------------------------------------------------------------

    def _explain_empty(self, what: str) -> bool:
        """True when the view has rows; else say why ``what`` does nothing (every key acts or says why)."""
        if len(self._model):
            return True
        self.notify(f"Nothing to {what}: the view is empty", severity="warning", timeout=3)
        return False

    def action_cursor_left(self) -> None:
        """Move the column cursor left."""
        self.move_column(self._cursor_column - 1)

    def action_cursor_right(self) -> None:
        """Move the column cursor right."""
        self.move_column(self._cursor_column + 1)

    def action_sort(self) -> None:
        """Ask for an ascending sort on the cursor column."""
        self._request_sort(descending=False)

    def action_sort_descending(self) -> None:
        """Ask for a descending sort on the cursor column (ascending if it is already descending)."""
        key = self.cursor_column_key
        self._request_sort(descending=self.sort_indicator != (key, True))

    def action_toggle_mark(self) -> None:
        """Mark or unmark the cursor row, then move to the next row."""
        if not self._explain_empty("mark"):
            return
        self.toggle_mark()
        self.move_cursor(self._cursor + 1)

    def action_widen(self) -> None:
        """Widen the cursor column by a few cells."""
        self._resize_column(WIDTH_STEP)

    def action_narrow(self) -> None:
        """Narrow the cursor column by a few cells."""
        self._resize_column(-WIDTH_STEP)

    def _resize_column(self, delta: int) -> None:
        key = self.cursor_column_key
        if key is None:
            self.notify("No column to resize: the view is empty", severity="warning")
            return
        index = self._cursor_column
        width = max(3, self._widths[index] + delta)
        self.width_overrides[key] = width
        self._fit_columns(force=True)
        self.refresh()
        self.move_column(index)
        label = self._model.columns[index].label
        self.notify(f"{label}: {width} cells wide · < narrower · > wider", timeout=2, markup=False)

    def action_cycle_time(self) -> None:
        """Show times in UTC, then local time, then as the gap to the row above."""
        self.time_mode = timefmt.next_mode(self.time_mode)

    def watch_time_mode(self) -> None:
        self._row_cache.clear()
        self._header_cache = None
        self.refresh()

    def action_select(self) -> None:
        """Open the cursor row."""
        if self._explain_empty("open"):
            pos = self._cursor
            self.post_message(self.RowActivated(pos, self._model.row_id(pos), self))

    def _request_sort(self, descending: bool) -> None:
        key = self.cursor_column_key
        if self._explain_empty("sort") and key is not None:
            self.post_message(self.SortRequested(key, descending, self))

    # ----- mouse --------------------------------------------------------------------------------

    def _column_at(self, x: int) -> Optional[int]:
        """The column drawn at virtual x (a separator belongs to the column on its left)."""
        if not self._offsets or x < 0:
            return None
        for index in range(len(self._offsets) - 1, -1, -1):
            if x >= self._offsets[index]:
                return index if x < self._offsets[index] + self._widths[index] + SEPARATOR else None
        return 0

    async def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        column = self._column_at(offset.x + round(self.scroll_x))
        if offset.y == 0:
            if column is None:
                return
            event.stop()
            self.move_column(column)
            key = self._model.columns[column].key
            self.post_message(self.SortRequested(key, self.sort_indicator == (key, False), self))
            return
        pos = round(self.scroll_y) + offset.y - 1
        if 0 <= pos < len(self._model):
            event.stop()
            if column is not None:
                self.move_column(column)
            self.move_cursor(pos)
            if event.chain == 2:
                self.post_message(self.RowActivated(pos, self._model.row_id(pos), self))

    # ----- drawing ------------------------------------------------------------------------------

    def watch_sort_indicator(self) -> None:
        self._header_cache = None
        self.refresh_line(round(self.scroll_y))

    def watch_find_text(self) -> None:
        self._row_cache.clear()
        self.refresh()

    def watch_empty_message(self) -> None:
        if not len(self._model):
            self.refresh()

    def on_resize(self, event: events.Resize) -> None:
        self._fit_columns()
        self._keep_in_view()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._row_cache.clear()
        self._header_cache = None

    def _on_hide(self, event: events.Hide) -> None:
        # Textual blurs a focused widget that drops out of the compositor's map for one reflow (it
        # happens while the layout around the table changes during a load), and focus then jumps to the
        # filter input — the next keys would be typed there. The table is still meant to be shown, so keep
        # its focus.
        if self.display and self.is_attached:
            event.prevent_default()

    def on_focus(self, event: events.Focus) -> None:
        # The cursor row is drawn differently with and without focus.
        self._row_cache.clear()
        self.refresh()

    def on_blur(self, event: events.Blur) -> None:
        self._row_cache.clear()
        self.refresh()

    def render_line(self, y: int) -> Strip:
        """Draw screen line ``y``: the header on line 0, rows below it."""
        scroll_x, scroll_y = self.scroll_offset
        view_width = self.scrollable_content_region.width
        base = self.rich_style
        right = scroll_x + view_width
        if y == 0:
            header_style = base + self.get_component_rich_style("eventtable--header")
            strip = self._header_strip().crop_extend(scroll_x, right, header_style)
            edge = header_style + self.get_component_rich_style("eventtable--edge", partial=True)
            if right < self._total_width and view_width > 1:
                strip = Strip([*strip.crop(0, view_width - 1), Segment("›", edge)], view_width)
            if scroll_x > 0 and view_width > 1:
                strip = Strip([Segment("‹", edge), *strip.crop(1, view_width)], view_width)
            return strip
        count = len(self._model)
        if count == 0:
            return self._empty_line(y, view_width)
        pos = scroll_y + y - 1
        if pos >= count:
            return Strip.blank(view_width, base)
        strip, pad_style, texts = self._row_strip(pos)
        cropped = strip.crop_extend(scroll_x, right, pad_style)
        if view_width > 1 and right < self._total_width and self._cut_at(texts, right - 1, after=True):
            cropped = Strip([*cropped.crop(0, view_width - 1), Segment("…", pad_style)], view_width)
        if view_width > 1 and scroll_x > 0 and self._cut_at(texts, scroll_x, after=False):
            cropped = Strip([Segment("…", pad_style), *cropped.crop(1, view_width)], view_width)
        return cropped

    def _cut_at(self, texts: list[str], x: int, after: bool) -> bool:
        """True when the screen edge at virtual column ``x`` hides text of the cell drawn there."""
        column = self._column_at(x)
        if column is None or column >= len(texts):
            return False
        inside = x - self._offsets[column]
        if inside < 0 or inside >= self._widths[column]:
            return False
        before, rest = Segment(texts[column]).split_cells(inside + 1 if after else inside)
        hidden = rest.text if after else before.text
        return bool(hidden.strip())

    def _empty_line(self, y: int, view_width: int) -> Strip:
        middle = max(1, self.scrollable_content_region.height // 2)
        base = self.rich_style
        if y != middle:
            return Strip.blank(view_width, base)
        message = safe_text(self.empty_message)
        if cell_len(message) > view_width:
            message = set_cell_size(message, max(0, view_width - 1)) + "…"
        left = max(0, (view_width - cell_len(message)) // 2)
        style = base + self.get_component_rich_style("eventtable--empty")
        return Strip([Segment(" " * left, base), Segment(message, style)]).adjust_cell_length(view_width, base)

    def _header_strip(self) -> Strip:
        if self._header_cache is not None:
            return self._header_cache
        base = self.rich_style
        header = base + self.get_component_rich_style("eventtable--header")
        cursor = header + self.get_component_rich_style("eventtable--header-cursor")
        sort_key, descending = self.sort_indicator or (None, False)
        segments = [Segment(" " * GUTTER, header)]
        for index, (column, width) in enumerate(zip(self._model.columns, self._widths)):
            if index:
                segments.append(Segment(" " * SEPARATOR, header))
            label = safe_text(column.label)
            if column.key == "time":
                label = timefmt.header(self.time_mode, label)
            if column.key == sort_key and width > SORT_ROOM:
                text = _fit(label, width - SORT_ROOM) + (" ▼" if descending else " ▲")
            else:
                text = _fit(label, width)
            segments.append(Segment(text, cursor if index == self._cursor_column else header))
        self._header_cache = strip = Strip(segments)
        return strip

    def _row_strip(self, pos: int) -> tuple[Strip, Style, list[str]]:
        is_cursor = pos == self._cursor
        row_id = self._model.row_id(pos)
        is_marked = row_id in self.marked
        is_bookmark = row_id in self.bookmarked
        key = (pos, is_cursor, is_marked, is_bookmark)
        cached = self._row_cache.get(key)
        if cached is not None:
            return cached
        style = self.rich_style
        if pos % 2:
            style += self.get_component_rich_style("eventtable--odd")
        outcome = getattr(self._model, "outcome", None)
        failure = outcome_class(outcome(pos)) if outcome is not None else ""
        if failure:
            style += self.get_component_rich_style(failure, partial=True)
        if is_marked:
            style += self.get_component_rich_style("eventtable--marked", partial=True)
        if is_cursor:
            style += self.get_component_rich_style("eventtable--cursor")
        cells = self._model.cells(pos)
        sign = BOOKMARK_SIGN if is_bookmark else MARK_BULLET if is_marked else " "
        parts = [] if is_bookmark else [sign + " " * (GUTTER - 1)]
        gap = " " * SEPARATOR
        texts: list[str] = []
        time_mode = self.time_mode
        for index, (column, width) in enumerate(zip(self._model.columns, self._widths)):
            if index:
                parts.append(gap)
            text = safe_text(cells[index]) if index < len(cells) else ""
            if column.key == "time" and time_mode != "utc":
                previous = self._model.cells(pos - 1)[index] if pos > 0 and time_mode == "relative" else None
                text = timefmt.show(text, time_mode, previous)
            fitted = _fit(text, width)
            texts.append(fitted)
            parts.append(fitted)
        segments = [Segment("".join(parts), style)]
        if is_bookmark:
            sign_style = style + self.get_component_rich_style("eventtable--bookmark", partial=True)
            segments = [Segment(sign, sign_style), Segment(" " * (GUTTER - 1), style), *segments]
        if self.find_text:
            segments = highlight(segments, self.find_text, self.get_component_rich_style("eventtable--match", partial=True))
        strip = Strip(segments, self._total_width)
        self._row_cache[key] = (strip, style, texts)
        return strip, style, texts


def _fit(text: str, width: int) -> str:
    """``text`` padded or cut to exactly ``width`` cells, with … where it was cut."""
    if text.isascii():
        if len(text) <= width:
            return text + " " * (width - len(text))
        return text[: width - 1] + "…" if width > 0 else ""
    if cell_len(text) <= width:
        return set_cell_size(text, width)
    return set_cell_size(text, width - 1) + "…" if width > 0 else ""


def _sample_positions(count: int, limit: int) -> range:
    """Up to ``limit`` view positions spread evenly over ``count`` rows."""
    if count <= limit:
        return range(count)
    step = count // limit
    return range(0, step * limit, step)
