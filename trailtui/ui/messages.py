"""Messages that workers post to the main screen (workers compute; handlers change widgets)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Union

from textual.message import Message

from ..engine.model import DigestSkipped, Problem, Progress, SourceDone
from ..engine.session import View


@dataclass
class LoadProgressed(Message):
    """Coarse load progress; only the newest matters."""

    progress: Progress
    events: int

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, LoadProgressed)


@dataclass
class LoadNoticed(Message):
    """A source finished, a file could not be read, or a digest was skipped."""

    item: Union[SourceDone, Problem, DigestSkipped]


@dataclass
class RowsArrived(Message):
    """New events are in the store (the view may grow)."""

    count: int

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, RowsArrived)


@dataclass
class LoadFinished(Message):
    """The load ended (completely, or cancelled)."""

    events: int
    elapsed: float
    cancelled: bool


@dataclass
class PathsCounted(Message):
    """How many events hold each jq path (for completion in the filter bar)."""

    counts: dict[str, int]


@dataclass
class FilterApplied(Message):
    """A filter run finished; ``generation`` tells stale results from current ones."""

    generation: int
    view: View


@dataclass
class FilterFailed(Message):
    """The filter text does not compile."""

    generation: int
    text: str
    pos: Optional[int]
    """Where in ``text`` the error is (None: the filter as a whole)."""
    reason: str


@dataclass
class CopyReady(Message):
    """Text for the clipboard was built in a worker."""

    text: str
    rows: int
    what: str
    path: Optional[str] = None


@dataclass
class FilterProgressed(Message):
    """A long filter has scanned ``scanned`` of ``total`` candidate events; only the newest matters."""

    generation: int
    scanned: int
    total: int

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, FilterProgressed)


@dataclass
class FacetsComputed(Message):
    """The facets of a view (``facets`` is a list of :class:`trailtui.engine.facets.Facet`)."""

    view: View
    facets: list
    elapsed_ms: float


@dataclass
class TimelineComputed(Message):
    """The histogram of a view (a :class:`trailtui.engine.timeline.Histogram`)."""

    view: View
    histogram: object
    elapsed_ms: float


@dataclass
class FindDone(Message):
    """Where the next (or previous) row matching the find text is: a view position, or None."""

    view: View
    text: str
    position: Optional[int]
    wrapped: bool


@dataclass
class AggregateComputed(Message):
    """An aggregate filter's outputs (root mode), or the error it raised."""

    generation: int
    text: str
    values: list
    error: str = ""
    elapsed_ms: float = 0.0
