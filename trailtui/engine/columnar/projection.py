"""What the SQL answers about a projection share: the projection's items, and the rows a query covers.

:func:`cell_items` finds the items ``e0, e1, …`` of a filter ending in ``[e0, e1, …]`` (after any
``select`` stages, a ``.Records[] |`` prefix, a leading header array and a trailing ``@format``, which is how
:func:`~trailtui.engine.query.compile_query` splits off ``query.projection``): each item is one cell of
the table, and :mod:`trailtui.engine.jq.sql` compiles it alone.

:class:`RowScope` turns the rows a caller asks about into SQL: a range predicate when they are every row from
one to another in order (a whole unfiltered view), else a registered Arrow table ``(row, pos)`` joined to
keep the given order (repeats included), with the span of the rows as a range predicate so a page of close
rows scans only its row groups.

Used by ``sorting.py`` (ordering rows by a cell) and ``cells.py`` (the cells themselves).
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

import pyarrow as pa
import pyarrow.compute as pc

from .. import jq
from ..jq import sql as jqsql
from ..query import EventQuery
from ..rowarrays import row_array


def cell_items(query: EventQuery) -> Optional[list[Any]]:
    """The items of a ``[e0, e1, …]`` projection after the selects, or None for another shape."""
    from .filtering import _body_stages

    if query.kind != "project":
        return None
    try:
        stages = _body_stages(query)
    except jqsql.Untranslatable:
        return None
    rest = list(stages)
    while rest and isinstance(rest[0], jq.ast.FuncCall) and rest[0].name == "select":
        rest = rest[1:]
    if len(rest) != 1 or not isinstance(rest[0], jq.ast.ArrayCons) or rest[0].body is None:
        return None
    return jqsql._comma_items(rest[0].body)


class RowScope:
    """``rows`` (any order, repeats allowed) as SQL over ``events``: ``where`` selects them (each once),
    ``join`` (appended after a relation named ``alias`` with a ``row`` column) and ``order`` put the result
    back in the given order. Use inside ``with RowScope(cursor, rows) as scope:``."""

    def __init__(self, cursor: Any, rows: Sequence[int], alias: str = "_c", name: str = "_scope_rows"):
        self.cursor = cursor
        self.name = name
        self.registered = False
        span = as_span(rows)
        if span is not None:
            # Every row of a contiguous span: a range predicate, and load order is the row number itself.
            self.where = f"row >= {span.start} AND row < {span.stop}"
            self.join, self.order = "", f"{alias}.row"
            return
        wanted = row_array(rows)
        bounds = pc.min_max(wanted)
        lo, hi = (bounds["min"].as_py(), bounds["max"].as_py()) if len(rows) else (0, -1)
        cursor.register(name, pa.table({"row": wanted, "pos": row_array(range(len(rows)))}))
        self.registered = True
        self.where = f"row >= {lo} AND row <= {hi} AND row IN (SELECT row FROM {name})"
        self.join, self.order = f" JOIN {name} s ON s.row = {alias}.row", "s.pos"

    def __enter__(self) -> "RowScope":
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.registered:
            self.cursor.unregister(self.name)


def as_span(rows: Sequence[int]) -> Optional[range]:
    """``rows`` as a ``range`` when they are every row from one to another in order (the whole store, a
    view without a selection, a page of one), else None."""
    if isinstance(rows, range):
        return rows if rows.step == 1 and len(rows) else None
    n = len(rows)
    if not n or rows[-1] - rows[0] != n - 1:
        return None
    column = row_array(rows).cast(pa.int64())
    if n == 1 or pc.all(pc.equal(pc.subtract(column.slice(1), column.slice(0, n - 1)), 1)).as_py():
        return range(rows[0], rows[0] + n)
    return None


__all__ = ["RowScope", "as_span", "cell_items"]
