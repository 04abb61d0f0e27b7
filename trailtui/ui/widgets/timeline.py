"""The timeline: the view's events per time bucket, as a three-line bar chart above the table.

The screen computes the :class:`~trailtui.engine.timeline.Histogram` in a worker, one bucket per cell of the
widget's width, and hands it to :meth:`Timeline.show`. Each bar stacks the failures (an ``errorCode`` or a
failed outcome, in the error colour) under the rest, in eighths of a cell. The bucket of the event under the
table's cursor is marked ``▲`` on the axis line. Keys move a bucket cursor (``←``/``→``, ``Home``/``End``),
``Space`` anchors a range, and ``Enter`` asks for the range (or the one bucket) as an ``.eventTime`` filter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Optional

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from ...engine.timeline import Histogram, format_step, format_time

LEVELS = " ▁▂▃▄▅▆▇█"
BAR_LINES = 3


class Timeline(Widget, can_focus=True):
    """Events per bucket of time (see the module docstring)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left,h", "move(-1)", "Earlier bucket", show=False, id="timeline.left"),
        Binding("right,l", "move(1)", "Later bucket", show=False, id="timeline.right"),
        Binding("home,g", "move(-1000000)", "First bucket", show=False, id="timeline.first"),
        Binding("end,G", "move(1000000)", "Last bucket", show=False, id="timeline.last"),
        Binding("space", "anchor", "Start a range", id="timeline.anchor",
                tooltip="Anchor a range at this bucket; move, then Enter filters to the range"),
        Binding("enter", "choose", "Filter to range", id="timeline.choose",
                tooltip="Add the range's .eventTime bounds to the filter (Backspace undoes it)"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "timeline--bar", "timeline--failed", "timeline--axis", "timeline--cursor", "timeline--range",
        "timeline--marker",
    }

    @dataclass
    class RangeChosen(Message):
        """The user chose buckets ``first`` to ``last`` of ``histogram``."""

        histogram: Histogram
        first: int
        last: int

    class Resized(Message):
        """The width changed: the buckets should be counted again to fit it."""

    def on_resize(self) -> None:
        if self.histogram is not None:
            self.post_message(self.Resized())

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.histogram: Optional[Histogram] = None
        self.cursor = 0
        self.anchor: Optional[int] = None
        self.marked: Optional[int] = None
        """The bucket of the table's selected event (drawn ▲), or None."""
        self.note = "computing…"

    @property
    def buckets_wanted(self) -> int:
        """How many buckets fit (one per cell)."""
        return max(10, (self.content_region.width or self.size.width or 80) - 1)

    @property
    def cells_per_bucket(self) -> int:
        """Cells each bucket's bar takes (a short span is drawn wider, not squeezed to the left)."""
        count = len(self.histogram.counts) if self.histogram is not None else 0
        return max(1, self.size.width // count) if count else 1

    def show(self, histogram: Histogram, elapsed_ms: float = 0.0) -> None:
        previous = self.histogram
        self.histogram = histogram
        if previous is None or previous.start != histogram.start or previous.step != histogram.step:
            self.cursor = max(0, self._peak())
            self.anchor = None
        self.cursor = min(self.cursor, max(0, len(histogram.counts) - 1))
        self.note = f"{elapsed_ms:,.0f} ms" if elapsed_ms else ""
        self.refresh()

    def mark_second(self, second: Optional[int]) -> None:
        """Mark the bucket holding ``second`` (the selected event's time)."""
        marked = self.histogram.bucket_of(second) if self.histogram is not None else None
        if marked != self.marked:
            self.marked = marked
            self.refresh()

    def _peak(self) -> int:
        counts = self.histogram.counts if self.histogram is not None else []
        return max(range(len(counts)), key=counts.__getitem__) if counts else 0

    def selection(self) -> tuple[int, int]:
        """The buckets chosen: the anchored range, else the cursor's bucket."""
        if self.anchor is None:
            return self.cursor, self.cursor
        return min(self.anchor, self.cursor), max(self.anchor, self.cursor)

    def action_move(self, delta: int) -> None:
        if self.histogram is None or not self.histogram.counts:
            return
        self.cursor = max(0, min(len(self.histogram.counts) - 1, self.cursor + delta))
        self.refresh()

    def action_anchor(self) -> None:
        self.anchor = None if self.anchor == self.cursor else self.cursor
        self.refresh()

    def action_choose(self) -> None:
        if self.histogram is None or not self.histogram.counts:
            self.notify("No timed events in this view", severity="warning", timeout=3)
            return
        first, last = self.selection()
        self.post_message(self.RangeChosen(self.histogram, first, last))
        self.anchor = None

    def clear_anchor(self) -> bool:
        """Drop a range being chosen; True when there was one."""
        had = self.anchor is not None
        self.anchor = None
        self.refresh()
        return had

    # -- drawing -----------------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.rich_style
        histogram = self.histogram
        if histogram is None or not histogram.counts:
            text = "Timeline: " + (self.note or "no timed events in this view") if y == 0 else ""
            return Strip([Segment(text[:width], base)]).adjust_cell_length(width, base)
        if y < BAR_LINES:
            return self._bar_line(y, width, base)
        return self._axis_line(width, base)

    def _styles(self, base: Style) -> tuple[Style, Style, Style, Style]:
        bar = base + self.get_component_rich_style("timeline--bar", partial=True)
        failed = base + self.get_component_rich_style("timeline--failed", partial=True)
        cursor = self.get_component_rich_style("timeline--cursor", partial=True)
        chosen = self.get_component_rich_style("timeline--range", partial=True)
        return bar, failed, cursor, chosen

    def _bar_line(self, y: int, width: int, base: Style) -> Strip:
        histogram = self.histogram
        assert histogram is not None
        peak = max(histogram.counts) or 1
        bar, failed_style, cursor, chosen = self._styles(base)
        first, last = self.selection()
        ranged = self.anchor is not None
        row_from_bottom = BAR_LINES - 1 - y
        segments = []
        scale = self.cells_per_bucket
        for index, (count, failed) in enumerate(zip(histogram.counts[: width // scale], histogram.failures[: width // scale])):
            height = round(count / peak * BAR_LINES * 8) if count else 0
            if count and height == 0:
                height = 1  # one event still shows
            fail_height = round(failed / peak * BAR_LINES * 8) if failed else 0
            if failed and fail_height == 0:
                fail_height = 1
            cell_low = row_from_bottom * 8
            filled = max(0, min(8, height - cell_low))
            failed_filled = max(0, min(8, fail_height - cell_low))
            if not failed_filled:
                char, style = LEVELS[filled], bar
            elif failed_filled < filled == 8:
                # Failures fill the bottom of the cell (foreground), the rest of the bar above (background).
                char, style = LEVELS[failed_filled], failed_style + Style(bgcolor=bar.color)
            else:
                char, style = LEVELS[filled], failed_style
            if index == self.cursor and self.has_focus:
                style = style + cursor
            elif ranged and first <= index <= last:
                style = style + chosen
            segments.append(Segment(char * scale, style))
        return Strip(segments).simplify().adjust_cell_length(width, base)

    def _axis_line(self, width: int, base: Style) -> Strip:
        histogram = self.histogram
        assert histogram is not None
        axis = base + self.get_component_rich_style("timeline--axis", partial=True)
        marker = base + self.get_component_rich_style("timeline--marker", partial=True)
        cells = [" "] * width
        scale = self.cells_per_bucket
        marked = None if self.marked is None else self.marked * scale + scale // 2
        if marked is not None and marked < width:
            cells[marked] = "▲"
        if self.has_focus or self.anchor is not None:
            first, last = self.selection()
            lo, hi = histogram.bounds(first, last)
            count = sum(histogram.counts[first : last + 1])
            what = "range" if self.anchor is not None else "bucket"
            label = f" {what} {format_time(lo)} → {format_time(hi)} · {count:,} events · Enter filters"
        else:
            lo, hi = histogram.bounds(0, len(histogram.counts) - 1)
            label = (f" {format_time(lo)} → {format_time(hi)} · {histogram.total:,} events"
                     f" · {format_step(histogram.step)} buckets · T to choose a range")
        if histogram.untimed:
            label += f" · {histogram.untimed:,} untimed"
        if self.note:
            label += f" · {self.note}"
        text = "".join(cells)
        start = 0 if marked is None or marked > len(label) + 2 else marked + 2
        text = text[:start] + label[: max(0, width - start)] + text[start + len(label):]
        text = text[:width]
        segments = []
        for index, char in enumerate(text):
            segments.append(Segment(char, marker if char == "▲" and index == marked else axis))
        return Strip(segments).simplify().adjust_cell_length(width, base)

    def get_content_height(self, container: object, viewport: object, width: int) -> int:
        return BAR_LINES + 1

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()
