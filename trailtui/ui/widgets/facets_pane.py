"""The facets pane: the top values of the view's actors, addresses, events … with count, share and a bar.

The screen computes the facets in a worker (``engine/facets.py``) and hands them to :meth:`FacetsPane.show`;
the pane only lays them out in an ``OptionList`` (one line per value, a heading per field) and turns keys
into messages: ``Enter`` narrows the view to the value, ``-`` excludes it, ``s`` flips the order (most
common first, or rarest first). Values are log content: every one goes through ``safe_text`` and is drawn
as a plain ``Text`` (never parsed as markup).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Optional

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ...engine.facets import Facet, FacetField, shown_text
from ...engine.textsafe import safe_text

BAR = "█"
PARTS = " ▏▎▍▌▋▊▉"


def bar(share: float, width: int) -> str:
    """A horizontal bar ``width`` cells long at most, in eighths of a cell."""
    eighths = round(max(0.0, min(1.0, share)) * width * 8)
    full, part = divmod(eighths, 8)
    return (BAR * full + (PARTS[part] if part else "")).ljust(width)


class FacetsPane(Vertical, can_focus=False):
    """Top values per field for the current view (see the module docstring)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "narrow", "Narrow to value", id="facets-narrow",
                tooltip="Add `field == value` to the filter (Backspace undoes it)"),
        Binding("minus", "exclude", "Exclude value", id="facets-exclude",
                tooltip="Add `field != value` to the filter (Backspace undoes it)"),
        Binding("s", "flip_order", "Rarest first", id="facets-order",
                tooltip="Sort each field's values by count: most common first, or rarest first"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {"facetspane--bar"}

    TOP: ClassVar[int] = 10
    """Values listed per field."""

    @dataclass
    class ValueChosen(Message):
        """The user narrowed to (or excluded) one value of one field."""

        field: FacetField
        value: Any
        exclude: bool

    @dataclass
    class OrderFlipped(Message):
        ascending: bool

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.facets: list[Facet] = []
        self.ascending = False
        self._choices: dict[str, tuple[FacetField, Any]] = {}
        self.computing = False
        self._elapsed = 0.0

    def compose(self) -> ComposeResult:
        yield Static("Facets", id="facets-title", markup=False)
        yield OptionList(id="facets-list")

    @property
    def list(self) -> OptionList:
        return self.query_one("#facets-list", OptionList)

    def show_pending(self) -> None:
        """Say the facets are being computed (the old ones stay until the new ones arrive)."""
        self.computing = True
        self._title()

    def show(self, facets: list[Facet], elapsed_ms: float = 0.0) -> None:
        """Lay out ``facets`` (keeping the highlighted value when it is still there)."""
        self.computing = False
        option_list = self.list
        highlighted = option_list.highlighted
        keep = option_list.get_option_at_index(highlighted).id if highlighted is not None and option_list.option_count else None
        self.facets = facets
        self._elapsed = elapsed_ms
        self._choices = {}
        # The list's own width, less its scrollbar and padding: a line wider than that loses its bar.
        width = max(24, (option_list.scrollable_content_region.width or self.content_region.width or 40) - 3)
        bar_style = self.get_component_rich_style("facetspane--bar", partial=True)
        options: list[Option] = []
        for f_index, facet in enumerate(facets):
            values = facet.sorted(self.ascending)
            distinct = len(values)
            heading = f"{facet.field.label}  ·  {distinct:,} value{'s' if distinct != 1 else ''}"
            if facet.errors:
                heading += f"  ·  {facet.errors:,} raised"
            options.append(Option(Text(safe_text(heading), style="bold"), id=f"h{f_index}", disabled=True))
            for v_index, item in enumerate(values[: self.TOP]):
                option_id = f"v{f_index}.{v_index}"
                self._choices[option_id] = (facet.field, item.value)
                options.append(Option(self._line(shown_text(facet.field, item), item.count, facet.total, width, bar_style),
                                      id=option_id))
            if distinct > self.TOP:
                more = f"  … {distinct - self.TOP:,} more ({'F on a column' if not facet.field.is_display else 's flips the order'})"
                options.append(Option(Text(more, style="dim"), id=f"m{f_index}", disabled=True))
        option_list.clear_options()
        option_list.add_options(options)
        target = None
        if keep is not None and keep in self._choices:
            target = option_list.get_option_index(keep)
        elif self._choices:
            target = option_list.get_option_index(next(iter(self._choices)))
        if target is not None:
            option_list.highlighted = target
        self._title()

    def _title(self) -> None:
        total = self.facets[0].total if self.facets else 0
        order = "rarest first" if self.ascending else "most first"
        text = f"Facets · {total:,} events · {order}"
        if self.computing:
            text += " · computing…"
        elif self._elapsed:
            text += f" · {self._elapsed:,.0f} ms"
        self.query_one("#facets-title", Static).update(text)

    @staticmethod
    def _line(value: str, count: int, total: int, width: int, bar_style: Any = "") -> Text:
        share = count / total if total else 0.0
        numbers = f"{count:>7,} {share * 100:5.1f}% "
        bar_width = max(4, min(12, width // 7))
        room = max(6, width - len(numbers) - bar_width - 1)
        shown = safe_text(value)
        if len(shown) > room:
            shown = shown[: room - 1] + "…"
        line = Text(shown.ljust(room) + " ")
        line.append(numbers, style="bold")
        line.append(bar(share, bar_width), style=bar_style)
        return line

    def highlighted_choice(self) -> Optional[tuple[FacetField, Any]]:
        option_list = self.list
        index = option_list.highlighted
        if index is None or not option_list.option_count:
            return None
        return self._choices.get(option_list.get_option_at_index(index).id or "")

    @on(OptionList.OptionSelected)
    def _on_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_narrow()

    def action_narrow(self) -> None:
        choice = self.highlighted_choice()
        if choice is not None:
            self.post_message(self.ValueChosen(choice[0], choice[1], False))

    def action_exclude(self) -> None:
        choice = self.highlighted_choice()
        if choice is not None:
            self.post_message(self.ValueChosen(choice[0], choice[1], True))

    def action_flip_order(self) -> None:
        self.ascending = not self.ascending
        self.show(self.facets, self._elapsed)

    def on_resize(self) -> None:
        if self.facets:
            self.show(self.facets, self._elapsed)
