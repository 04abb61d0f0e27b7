"""What the main screen shows, as one immutable value.

The screen holds a :class:`ViewState` in a reactive; changing it (typing a filter, sorting, a pivot, Back)
replaces the whole value and watchers bring the table, filter bar, status line and breadcrumb in line. The
back stack is a list of :class:`Step` — a state and the view computed for it — so Back restores a view
without computing it again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from ..engine.columns import Column
from ..engine.pivots import Pivot
from ..engine.session import Sort, View

TRIVIAL_FILTERS = ("", ".", ".Records[]")
"""Filters that show every event."""


@dataclass(frozen=True)
class ViewState:
    """A question and how its answer is laid out."""

    filter_text: str = ""
    sort: Sort = Sort()
    columns: Optional[tuple[Column, ...]] = None
    """Columns the user chose (None: the default, or the projection's)."""
    reading: Optional[str] = None
    """``select`` or ``project`` when the user flipped how the filter is read (None: by what it yields)."""
    selected: Optional[int] = None
    """The event (backend row) to put the cursor on when this state is shown again."""
    crumb: str = ""
    """The breadcrumb's text for this state when a pivot made it (else derived from the filter)."""
    note: str = ""
    """What the user should know about this view's scope (a pivot's note), or ""."""
    pivot: Optional[Pivot] = None
    """The pivot that made this state (what ``W`` widens to the remote source), or None."""
    upto: Optional[int] = None
    """Answer over the first ``upto`` loaded events only: the view as it was before a widen added more
    (None: every loaded event)."""

    @property
    def is_trivial(self) -> bool:
        return self.filter_text.strip() in TRIVIAL_FILTERS

    def label(self) -> str:
        """The breadcrumb text: the pivot's label, ``filter …`` for a typed filter, else ``all``."""
        if self.crumb:
            return self.crumb
        if self.is_trivial:
            return "all"
        text = " ".join(self.filter_text.split())
        return "filter " + (text if len(text) <= 32 else text[:31] + "…")

    def same_question(self, other: "ViewState") -> bool:
        """True when both states ask for the same rows in the same order and layout."""
        return (self.filter_text, self.sort, self.columns, self.reading, self.upto) == (
            other.filter_text, other.sort, other.columns, other.reading, other.upto
        )


@dataclass(frozen=True)
class Step:
    """One entry of the back stack: the state left behind and the view it showed (if computed)."""

    state: ViewState
    view: Optional[View]
