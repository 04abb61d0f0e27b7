"""Sorting rows by a projected column in one SQL query (the columnar half of ``Session.sorted_rows``).

A projection ``[e0, e1, …]`` whose items translate to SQL (:mod:`trailtui.engine.jq.sql`) gives each row's
cell ``i`` as a value; DuckDB orders the rows by jq's order (type rank, then the number or the string —
byte order of UTF-8 is code point order, which is how Python compares the strings) with ties kept in the
given order, both directions, as the session's stable Python sort does.

Anything SQL could order differently answers None and the session sorts in Python: another projection
shape (``projection.cell_items``), a cell whose evaluation raises (the session shows an ``error: …`` cell), an array
or object cell (jq orders them element by element), a number beyond a double's exact integers, or a row
the translation is unsure of.
"""

from __future__ import annotations

from array import array  # noqa: F401 (the return type)
from typing import Any, Optional, Sequence

import pyarrow.compute as pc

from ..jq import sql as jqsql
from ..rowarrays import uint_rows
from ..query import EventQuery
from .projection import RowScope, cell_items


def order_projection(backend: Any, rows: Sequence[int], query: EventQuery, index: int,
                     descending: bool = False) -> Optional[array]:
    """``rows`` ordered by projected cell ``index`` like ``Session.sorted_rows`` orders them, or None when
    SQL cannot say (see the module docstring)."""
    items = cell_items(query)
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
        with RowScope(cur, rows, name="_sort_rows") as rows_in:
            scope, join, tiebreak = rows_in.where, rows_in.join, rows_in.order
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


__all__ = ["order_projection"]
