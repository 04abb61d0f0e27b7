"""Timeline: a histogram of a view's events over ``eventTime``, in "nice" buckets that fit a width.

Times are read from the ``time`` display field (``eventTime`` as loaded). A time counts when it is
``YYYY-MM-DDTHH:MM:SS`` followed by optional fractional seconds and ``Z`` (what CloudTrail writes); it falls
in the second it starts (fractions are dropped). Anything else is *untimed* and counted apart. Both
backends read times by this one rule (:data:`TIME_PATTERN`), so they agree.

Buckets are aligned to multiples of the step since the Unix epoch (UTC), so a 5-minute bucket starts at
:00, :05 …; the step is the smallest of :data:`STEPS` (1 s up to 1 day, then whole days) that fits the
time span in the buckets available. A bucket range becomes an ordinary jq filter on ``.eventTime``
(:func:`range_clause`) that selects exactly the events of those buckets.

A backend that offers ``time_seconds(lo, hi)`` (the columnar one) gives every row's second once, as an Arrow
column this module keeps per backend (extended as rows arrive; stored rows never change), and each view's
histogram is computed with Arrow kernels; otherwise the times come from ``display("time", …)``.
"""

from __future__ import annotations

import calendar
import re
import threading
import time
import weakref
from dataclasses import dataclass, field
from typing import Any, Optional, Sequence

from .backend import Backend, Cancelled
from .errors import UsageError

TIME_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z$"
"""The times a histogram counts (a POSIX regular expression DuckDB and Python read alike)."""
_TIME = re.compile(TIME_PATTERN)

STEPS: tuple[int, ...] = (
    1, 2, 5, 10, 15, 30,
    60, 2 * 60, 5 * 60, 10 * 60, 15 * 60, 30 * 60,
    3600, 2 * 3600, 3 * 3600, 6 * 3600, 12 * 3600,
    86400,
)
"""Bucket sizes in seconds, smallest first; beyond a day the step is a whole number of days."""

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def epoch_second(text: str) -> Optional[int]:
    """The Unix second ``text`` starts in, or None when it is not a counted time (see the module docstring)."""
    if not _TIME.match(text):
        return None
    try:
        return calendar.timegm((int(text[0:4]), int(text[5:7]), int(text[8:10]), int(text[11:13]),
                                int(text[14:16]), int(text[17:19]), 0, 0, 0)) if _valid(text) else None
    except (ValueError, OverflowError):
        return None


def _valid(text: str) -> bool:
    month, day, hour, minute, second = (int(text[5:7]), int(text[8:10]), int(text[11:13]), int(text[14:16]),
                                        int(text[17:19]))
    if not (1 <= month <= 12 and hour < 24 and minute < 60 and second < 60 and day >= 1):
        return False
    return day <= calendar.monthrange(int(text[0:4]), month)[1] if int(text[0:4]) >= 1 else False


def format_time(second: int) -> str:
    """``2024-12-01T13:12:00Z`` for a Unix second."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(second))


def parse_interval(text: str) -> int:
    """``5m`` -> 300: a bucket size given as a number and a unit (s, m, h, d, w)."""
    match = re.fullmatch(r"\s*([0-9]+)\s*([smhdw])\s*", text or "")
    if match is None or int(match.group(1)) == 0:
        raise UsageError(f"bad interval {text!r}", "give a number and a unit: 30s, 5m, 1h, 1d, 1w")
    return int(match.group(1)) * _UNITS[match.group(2)]


def format_step(step: int) -> str:
    """300 -> ``5m``: the shortest exact spelling of a bucket size."""
    for unit in ("w", "d", "h", "m"):
        if step % _UNITS[unit] == 0:
            return f"{step // _UNITS[unit]}{unit}"
    return f"{step}s"


def choose_step(first: int, last: int, buckets: int) -> int:
    """The smallest nice step whose aligned buckets from ``first`` to ``last`` number at most ``buckets``."""
    buckets = max(1, buckets)
    for step in STEPS:
        if last // step - first // step + 1 <= buckets:
            return step
    days = 2
    while last // (days * 86400) - first // (days * 86400) + 1 > buckets:
        days *= 2
    return days * 86400


@dataclass
class Histogram:
    """Counts per bucket: bucket ``i`` holds the events whose second is in ``[start + i*step, start + (i+1)*step)``."""

    start: int
    step: int
    counts: list[int] = field(default_factory=list)
    failures: list[int] = field(default_factory=list)
    """Of each bucket's events, those that failed (an ``errorCode``, or a failed outcome)."""
    untimed: int = 0

    @property
    def total(self) -> int:
        return sum(self.counts)

    def bucket_of(self, second: Optional[int]) -> Optional[int]:
        if second is None or not self.counts:
            return None
        index = (second - self.start) // self.step
        return index if 0 <= index < len(self.counts) else None

    def bounds(self, first: int, last: int) -> tuple[int, int]:
        """The seconds ``[lo, hi)`` covered by buckets ``first`` to ``last`` (inclusive)."""
        lo, hi = sorted((first, last))
        return self.start + lo * self.step, self.start + (hi + 1) * self.step


def range_clause(lo: int, hi: int) -> str:
    """jq text selecting the events whose time falls in the seconds ``[lo, hi)``.

    The bounds are written without the ``Z``: ``"…T13:12:05" <= "…T13:12:05.5Z" < "…T13:12:06"`` as strings,
    so events with fractional seconds land in the same bucket as in the histogram.
    """
    return f'(.eventTime >= "{format_time(lo)[:-1]}" and .eventTime < "{format_time(hi)[:-1]}")'


def histogram(backend: Backend, rows: Sequence[int], buckets: int = 60, step: Optional[int] = None,
              cancelled: Cancelled = None) -> Optional[Histogram]:
    """The histogram of ``rows`` in at most ``buckets`` buckets (a nice step), or with a fixed ``step``.

    None when cancelled. A fixed step gives as many buckets as the span needs.
    """
    if getattr(backend, "time_seconds", None) is not None:
        return _arrow_histogram(backend, rows, buckets, step)
    seconds: list[Optional[int]] = []
    failed_rows: list[bool] = []
    cache: dict[str, Optional[int]] = {}
    for lo in range(0, len(rows), 65536):
        if cancelled is not None and cancelled():
            return None
        chunk = rows[lo : lo + 65536]
        for text in backend.display("time", chunk):
            second = cache.get(text, -1)
            if second == -1:
                second = cache[text] = epoch_second(text)
            seconds.append(second)
        errors = backend.display("error", chunk)
        outcomes = backend.display("outcome", chunk)
        failed_rows.extend(e != "" or o == "Failure" for e, o in zip(errors, outcomes))
    timed = [s for s in seconds if s is not None]
    untimed = len(seconds) - len(timed)
    if not timed:
        return Histogram(0, step or 1, [], [], untimed)
    first, last = min(timed), max(timed)
    step = step or choose_step(first, last, buckets)
    start = first // step * step
    size = last // step - first // step + 1
    counts = [0] * size
    failures = [0] * size
    for second, failed in zip(seconds, failed_rows):
        if second is not None:
            index = (second - start) // step
            counts[index] += 1
            if failed:
                failures[index] += 1
    return Histogram(start, step, counts, failures, untimed)


_ARROW_TIMES: "weakref.WeakKeyDictionary[Any, tuple[int, Any, Any]]" = weakref.WeakKeyDictionary()
_ARROW_LOCK = threading.Lock()


def _arrow_times(backend: Any) -> tuple[Any, Any]:
    """Every stored row's second and failure flag, read once per backend (then only new rows)."""
    import pyarrow as pa

    with _ARROW_LOCK:
        count, seconds, failed = _ARROW_TIMES.get(backend, (0, None, None))
        total = len(backend)
        if count < total:
            more_seconds, more_failed = backend.time_seconds(count, total)
            seconds = more_seconds if seconds is None else pa.concat_arrays([seconds, more_seconds])
            failed = more_failed if failed is None else pa.concat_arrays([failed, more_failed])
            _ARROW_TIMES[backend] = (total, seconds, failed)
        return seconds, failed


def _arrow_histogram(backend: Any, rows: Sequence[int], buckets: int, step: Optional[int]) -> Histogram:
    import pyarrow.compute as pc

    from .rowarrays import row_array

    seconds, failed = _arrow_times(backend)
    if seconds is None or not len(rows):
        return Histogram(0, step or 1, [], [], 0)
    if isinstance(rows, range) and rows.step == 1:
        taken, taken_failed = seconds.slice(rows.start, len(rows)), failed.slice(rows.start, len(rows))
    else:
        index = row_array(rows)
        taken, taken_failed = pc.take(seconds, index), pc.take(failed, index)
    untimed = taken.null_count
    bounds = pc.min_max(taken).as_py()
    if bounds["min"] is None:
        return Histogram(0, step or 1, [], [], untimed)
    first, last = bounds["min"], bounds["max"]
    step = step or choose_step(first, last, buckets)
    start = first // step * step
    size = last // step - first // step + 1
    index_of = pc.divide(pc.subtract(taken, start), step)  # non-negative: integer division floors
    counts = [0] * size
    failures = [0] * size
    for target, values in ((counts, index_of), (failures, pc.filter(index_of, taken_failed))):
        found = pc.value_counts(values.drop_null())
        for bucket, n in zip(found.field(0).to_pylist(), found.field(1).to_pylist()):
            target[bucket] = n
    return Histogram(start, step, counts, failures, untimed)
