"""Row numbers as Arrow arrays, without a Python loop per row.

Views hold their rows as ``array('I')`` (or a ``range``). Engines that hand rows to Arrow or DuckDB (the
columnar backend's scopes, facets, find, the timeline) wrap the array's buffer instead of converting a million
Python ints, which held the GIL long enough to stall the screen while a filter ran.
"""

from __future__ import annotations

from array import array
from typing import Sequence

import pyarrow as pa
import pyarrow.compute as pc


def row_array(rows: Sequence[int]) -> pa.Array:
    """``rows`` as an Arrow ``uint32`` array: zero-copy for ``array('I')``, computed by Arrow for a ``range``,
    one C-level copy otherwise."""
    if isinstance(rows, range):
        return _range_array(rows)
    if not (isinstance(rows, array) and rows.typecode == "I"):
        rows = array("I", rows)  # a list: built in C, not one Python object per row
    return pa.Array.from_buffers(pa.uint32(), len(rows), [None, pa.py_buffer(rows)])


def _range_array(rows: range) -> pa.Array:
    """A ``range`` computed by Arrow's kernels (outside the GIL). ``array('I', range(n))`` makes a Python int
    per row: ~50-100 ms at a million while holding the GIL, which the screen's thread felt as a late frame
    every time a sorted view of a million rows was computed."""
    n = len(rows)
    if not n:
        return pa.array([], pa.uint32())
    iota = pc.subtract(pc.cumulative_sum(pa.repeat(pa.scalar(1, pa.int64()), n)), 1)  # 0 … n-1
    if rows.step != 1:
        iota = pc.multiply(iota, rows.step)
    if rows.start:
        iota = pc.add(iota, rows.start)
    return iota.cast(pa.uint32())


def uint_rows(column: pa.ChunkedArray) -> array:
    """A ``uint32`` Arrow column (a query's rows) as an ``array('I')``: one memory copy per chunk."""
    out = array("I")
    for chunk in column.chunks:
        if not len(chunk):
            continue
        start = chunk.offset * 4
        out.frombytes(memoryview(chunk.buffers()[1])[start : start + len(chunk) * 4])
    return out
