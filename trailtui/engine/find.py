"""Find within a view: the next (or previous) row whose cells contain a text, without changing the filter.

Like ``less``'s ``/`` and ``n``: case-insensitive (``str.lower`` on both sides), on the cells as the table
shows them (the view's columns, ``cell_text`` of each value), from a position onwards, wrapping around once.

Two ways, same answers: a backend with ``rows_containing(fields, text, rows)`` (the columnar one, one SQL scan)
gives every matching row of a view whose columns are all display fields at once; the matching positions are
kept per view and text, so the next and previous matches are a binary search. Otherwise rows are read in
growing chunks (:data:`CHUNKS`): a match a few rows away costs one small read, a far one a few large ones.
"""

from __future__ import annotations

import bisect
import threading
import weakref
from array import array
from typing import Any, Optional

from .backend import Cancelled
from .columns import cell_text

CHUNKS = (256, 2048, 16384)


def find_row(view: Any, text: str, start: int, direction: int = 1,
             cancelled: Cancelled = None) -> tuple[Optional[int], bool]:
    """``(position, wrapped)``: the first view position from ``start`` (inclusive) in ``direction`` (1 or -1)
    whose cells contain ``text``, wrapping past the end once; ``(None, …)`` when no row does or cancelled."""
    count = len(view)
    if not count or not text:
        return None, False
    needle = text.lower()
    if cancelled is not None and cancelled():
        return None, False
    positions = _matching_positions(view, needle)
    if positions is not None:
        if not positions:
            return None, True
        if direction > 0:
            index = bisect.bisect_left(positions, start)
            return (positions[index], False) if index < len(positions) else (positions[0], True)
        index = bisect.bisect_right(positions, start) - 1
        return (positions[index], False) if index >= 0 else (positions[-1], True)
    start = min(max(start, 0), count - 1)
    session, columns, query, rows = view.session, view.columns, view.query, view.rows

    def scan(positions: range) -> Optional[int]:
        index = 0
        step = 0
        while index < len(positions):
            if cancelled is not None and cancelled():
                return None
            size = CHUNKS[min(step, len(CHUNKS) - 1)]
            chunk = positions[index : index + size]
            values = session.cell_values([rows[p] for p in chunk], columns, query)
            for pos, cells in zip(chunk, values):
                for value in cells:
                    if needle in cell_text(value).lower():
                        return pos
            index += size
            step += 1
        return None

    ahead = range(start, count) if direction > 0 else range(start, -1, -1)
    found = scan(ahead)
    if found is not None or (cancelled is not None and cancelled()):
        return found, False
    behind = range(0, start) if direction > 0 else range(count - 1, start, -1)
    return scan(behind), True


_POSITIONS: "weakref.WeakKeyDictionary[Any, dict[str, array]]" = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def _matching_positions(view: Any, needle: str) -> Optional[array]:
    """Every view position matching ``needle``, ascending, when the backend can say in one query; else None."""
    search = getattr(view.session.backend, "rows_containing", None)
    if search is None or not view.columns or not all(column.is_field for column in view.columns):
        return None
    with _LOCK:
        found = _POSITIONS.get(view, {}).get(needle)
    if found is not None:
        return found
    import pyarrow as pa
    import pyarrow.compute as pc

    from .rowarrays import row_array

    rows = view.rows
    matched = search([column.key for column in view.columns], needle, rows)
    ordered = row_array(rows)
    hits = pc.indices_nonzero(pc.is_in(ordered, value_set=matched.cast(pa.uint32())))
    found = array("I", hits.cast(pa.uint32()).to_pylist())
    with _LOCK:
        _POSITIONS.setdefault(view, {})[needle] = found
    return found
