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

from ..jq import sql as jqsql
from ..rowarrays import row_array, uint_rows
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
    span = _as_span(rows, len(backend))
    cur = backend.con.cursor()
    try:
        if span is not None:
            # Every row of a contiguous span: a range predicate, and load order is the row number itself.
            scope, join, tiebreak = f"row >= {span.start} AND row < {span.stop}", "", "_c.row"
        else:
            cur.register("_sort_rows", pa.table({"row": row_array(rows), "pos": row_array(range(len(rows)))}))
            scope = "row IN (SELECT row FROM _sort_rows)"
            join, tiebreak = " JOIN _sort_rows s ON s.row = _c.row", "s.pos"
        if others:
            # One scan for every other cell: does any of them raise (or is unsure) on a row in scope?
            checks = " OR ".join(f"coalesce(_o{i}._unsure OR _o{i}._cond IS NULL, TRUE)" for i in range(len(others)))
            ctes = ", ".join(f"_o{i} AS MATERIALIZED ({other.relation(scope, 'row')})" for i, other in enumerate(others))
            joins = " ".join(f"JOIN _o{i} USING (row)" for i in range(1, len(others)))
            raises = cur.sql(f"WITH {ctes} SELECT coalesce(bool_or({checks}), FALSE) FROM _o0 {joins}").fetchall()[0][0]
            if raises:
                return None
        relation = columns.relation(scope, "row")
        # _cond: the rank; _unsure: the row cannot be ordered in SQL. (A MATERIALIZED CTE keeps DuckDB from
        # substituting the layers back into the ORDER BY and the check.)
        table = cur.sql(
            f"WITH _c AS MATERIALIZED ({relation}) SELECT CAST(_c.row AS UINTEGER) AS row, coalesce(_unsure OR _cond IS NULL, TRUE) AS bad "
            f"FROM _c{join} ORDER BY _cond {direction}, _num {direction}, _str {direction}, {tiebreak}").to_arrow_table()
    finally:
        cur.close()
    if table.num_rows != len(rows) or pc.any(table.column("bad")).as_py():
        return None
    return uint_rows(table.column("row"))


def _as_span(rows: Sequence[int], total: int) -> Optional[range]:
    """``rows`` as a ``range`` when they are every row from one to another in order (the whole store, a
    view without a selection), else None."""
    if isinstance(rows, range):
        return rows if rows.step == 1 else None
    n = len(rows)
    if not n or n != total or rows[0] != 0 or rows[-1] != n - 1:
        return None
    column = row_array(rows).cast(pa.int64())
    if pc.all(pc.equal(pc.subtract(column.slice(1), column.slice(0, n - 1)), 1)).as_py():
        return range(0, n)
    return None


__all__ = ["order_projection"]
