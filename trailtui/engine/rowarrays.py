"""Row numbers as Arrow arrays, without a Python loop per row.

Views hold their rows as ``array('I')`` (or a ``range``). Engines that hand rows to Arrow or DuckDB (the
columnar backend's scopes, facets, find, the timeline) wrap the array's buffer instead of converting a million
Python ints, which held the GIL long enough to stall the screen while a filter ran.
"""

from __future__ import annotations

from array import array
from typing import Sequence

import pyarrow as pa


def row_array(rows: Sequence[int]) -> pa.Array:
    """``rows`` as an Arrow ``uint32`` array: zero-copy for ``array('I')``, one C-level copy otherwise."""
    if not (isinstance(rows, array) and rows.typecode == "I"):
        rows = array("I", rows)  # a range or a list: built in C, not one Python object per row
    return pa.Array.from_buffers(pa.uint32(), len(rows), [None, pa.py_buffer(rows)])
