"""Sorting rows by a projected column in one SQL query (the columnar half of ``Session.sorted_rows``).

A projection ``[e0, e1, …]`` whose items translate to SQL (:mod:`trailtui.engine.jq.sql`) gives each row's
cell ``i`` as a value; DuckDB orders the rows by jq's order (type rank, then the number or the string —
byte order of UTF-8 is code point order, which is how Python compares the strings) with ties kept in the
given order, both directions, as the session's stable Python sort does.

Anything SQL could order differently answers None and the session sorts in Python: another projection
shape, a trailing format, a cell whose evaluation raises (the session shows an ``error: …`` cell), an array
or object cell (jq orders them element by element), a number beyond a double's exact integers, or a row
the translation is unsure of.
"""

from __future__ import annotations

from array import array  # noqa: F401 (the return type)
from typing import Any, Optional, Sequence

import pyarrow as pa
import pyarrow.compute as pc

from .. import jq
from .filtering import _uint_rows
from ..jq import sql as jqsql
from ..query import EventQuery


def _cell_nodes(query: EventQuery) -> Optional[list[Any]]:
    """The items of a ``[e0, e1, …]`` projection after the selects, or None for another shape."""
    from ..query import _stages
    from .filtering import _body_stages

    if query.kind != "project" or query.header is not None or query.records_form:
        return None
    if isinstance(_stages(query.ast)[-1], jq.ast.Format):
        return None
    try:
        stages = _body_stages(query)
    except jqsql.Untranslatable:
        return None
    rest = [s for s in stages]
    while rest and isinstance(rest[0], jq.ast.FuncCall) and rest[0].name == "select":
        rest = rest[1:]
    if len(rest) != 1 or not isinstance(rest[0], jq.ast.ArrayCons) or rest[0].body is None:
        return None
    return jqsql._comma_items(rest[0].body)


def order_projection(backend: Any, rows: Sequence[int], query: EventQuery, index: int,
                     descending: bool = False) -> Optional[array]:
    """``rows`` ordered by projected cell ``index`` like ``Session.sorted_rows`` orders them, or None when
    SQL cannot say (see the module docstring)."""
    items = _cell_nodes(query)
    if items is None or index < 0:
        return None
    if index >= len(items):
        return None  # every cell is missing (null): the order is the given one, but let the session say so
    try:
        columns = jqsql.compile_cell(items[index])
        # A row where ANY cell raises shows one "error: …" cell instead of the projection (cells_of), so
        # the other cells must be known not to raise either.
        others = [jqsql.compile_cell(item) for i, item in enumerate(items) if i != index]
    except jqsql.Untranslatable:
        return None
    direction = "DESC" if descending else "ASC"
    cur = backend.con.cursor()
    try:
        cur.register("_sort_rows", pa.table({"row": pa.array(rows, pa.uint64()),
                                             "pos": pa.array(range(len(rows)), pa.uint32())}))
        scope = "row IN (SELECT row FROM _sort_rows)"
        for other in others:
            raises = cur.sql(
                f"WITH _c AS MATERIALIZED ({other.relation(scope, 'row')}) "
                f"SELECT coalesce(bool_or(coalesce(_unsure OR _cond IS NULL, TRUE)), FALSE) FROM _c").fetchall()[0][0]
            if raises:
                return None
        relation = columns.relation(scope, "row")
        # _cond: the rank; _unsure: the row cannot be ordered in SQL. (A MATERIALIZED CTE keeps DuckDB from
        # substituting the layers back into the ORDER BY and the check.)
        table = cur.sql(
            f"WITH _c AS MATERIALIZED ({relation}) SELECT CAST(_c.row AS UINTEGER) AS row, coalesce(_unsure OR _cond IS NULL, TRUE) AS bad "
            f"FROM _c JOIN _sort_rows s ON s.row = _c.row "
            f"ORDER BY _cond {direction}, _num {direction}, _str {direction}, s.pos").to_arrow_table()
    finally:
        cur.close()
    if table.num_rows != len(rows) or pc.any(table.column("bad")).as_py():
        return None
    return _uint_rows(table.column("row"))


__all__ = ["order_projection"]
