"""A projection's cells for many rows in one SQL query (the columnar half of ``Session.cell_values``).

For a filter ending in ``[e0, e1, …]`` (``projection.cell_items``) whose items all translate to SQL
(:func:`trailtui.engine.jq.sql.compile_cells`), DuckDB computes each item on every asked row: its jq type
rank, its string, its number and whether that number is an int. Python turns them into the very values
``query.cells_of`` gives — null is None, a boolean a bool, a string the same ``str``, a number an ``int`` or a
``float`` as the in-memory engine holds it — and answers None for each row where SQL is not certain of every
cell: a cell that raises (``cells_of`` then shows one ``error: …`` cell, whose message jq writes), an array
or object, a number beyond a double's exact integers or whose type SQL cannot tell, -0, a loose
``tostring`` text, or anything the translation is unsure of. The caller runs jq on those rows.

Strings come back as DuckDB decodes them from the stored JSON text (``->> '$'``), which is orjson's text of
the value (or DuckDB's own re-encoding, for paths without a ``v_`` column): the decoding of a JSON string is
exact either way (escapes, control characters, any Unicode; lone surrogates never reach the store, the
loader repairs them).

A projection of another shape, or with an item that does not translate, answers None for the whole request.
"""

from __future__ import annotations

import functools
import gc
from contextlib import contextmanager
from typing import Any, Iterator, Optional, Sequence

import pyarrow as pa
import pyarrow.compute as pc

from ..jq import sql as jqsql
from ..query import EventQuery
from ..rowarrays import row_array
from .projection import RowScope, cell_items


@functools.lru_cache(maxsize=32)
def _compiled(items: tuple) -> Optional[jqsql.Predicate]:
    try:
        return jqsql.compile_cells(items)
    except jqsql.Untranslatable:
        return None


def cells_sql(query: EventQuery) -> Optional[jqsql.Predicate]:
    """The compiled cells of ``query`` (see :func:`~trailtui.engine.jq.sql.compile_cells`), or None when the
    projection is not ``[e0, e1, …]`` or an item does not translate."""
    items = cell_items(query)
    if items is None:
        return None
    try:
        return _compiled(tuple(items))
    except TypeError:  # an unhashable node: compile without the cache
        try:
            return jqsql.compile_cells(items)
        except jqsql.Untranslatable:
            return None


def projected_cells(backend: Any, query: EventQuery, rows: Sequence[int]) -> Optional[list[Optional[list[Any]]]]:
    """For each of ``rows`` (any order, repeats allowed), ``cells_of(query, record)`` exactly, or None where
    jq must compute that row; None for the whole request when SQL cannot answer (see the module docstring).
    Call inside ``backend.reading()``. One query for all ``rows``: DuckDB spreads its row groups over its
    threads (a query per 64K rows ran on one thread each, and took a third longer)."""
    compiled = cells_sql(query)
    if compiled is None:
        return None
    if not len(rows):
        return []
    count = len(compiled.values) // 3
    table = _fetch(backend, compiled, count, rows)
    if table is None:
        return None
    out: list[Optional[list[Any]]] = []
    for start in range(0, table.num_rows, SLICE):
        out += _rows_of(table.slice(start, SLICE), count)
    return out


SLICE = 65536
"""Rows turned into Python at a time: each Arrow-to-Python call holds the GIL until it returns, and the
screen's thread waits for it (a million strings at once would stall a frame by ~100 ms)."""


def _fetch(backend: Any, compiled: jqsql.Predicate, count: int, rows: Sequence[int]) -> Optional[pa.Table]:
    """The SQL columns of ``compiled`` for ``rows``, in their order (repeats included); None if DuckDB
    refused the query."""
    import duckdb

    outputs = ", ".join(f"_k{i}, _s{i}, _n{i}" for i in range(count))
    cur = backend.con.cursor()
    try:
        with RowScope(cur, rows, name="_cell_rows") as scope:
            # No ORDER BY (a sort of every string): the rows come in any order and are put in place below.
            table = cur.sql(f"SELECT row, {outputs} FROM ({compiled.relation(scope.where, 'row')})").to_arrow_table()
    except duckdb.Error:
        return None  # whatever DuckDB refused, jq answers
    finally:
        cur.close()
    return _in_order(table, rows)


def _in_order(table: pa.Table, rows: Sequence[int]) -> Optional[pa.Table]:
    """``table`` (one line per distinct row, any order) as one line per entry of ``rows``."""
    got = table.column("row").cast(pa.int64())
    wanted = row_array(rows).cast(pa.int64())
    if len(got) == len(wanted) and pc.all(pc.equal(got, wanted)).as_py():
        return table  # already in place (a span, read in load order)
    at = pc.index_in(wanted, value_set=got)
    if at.null_count:
        return None  # a row the query did not return: cannot happen, but jq answers it
    return table.take(at)


_PATCHED = pa.array([jqsql.CELL_FALSE, jqsql.CELL_TRUE, jqsql.CELL_INT, jqsql.CELL_FLOAT], pa.int32())


def _rows_of(table: pa.Table, count: int) -> list[Optional[list[Any]]]:
    """Python cells from the query's columns (see :func:`projected_cells`)."""
    for_jq = pc.fill_null(pc.equal(table.column("_k0"), jqsql.CELL_JQ), True)
    columns = []
    odd: list[int] = []
    for i in range(count):
        codes = pc.fill_null(table.column(f"_k{i}").cast(pa.int32()), jqsql.CELL_JQ)
        if i:
            for_jq = pc.or_(for_jq, pc.equal(codes, jqsql.CELL_JQ))
        values = _strings(table.column(f"_s{i}"))  # the strings; None for null (and the rows patched below)
        # Booleans and numbers: few in most projections, patched one by one.
        patch = pc.is_in(codes, value_set=_PATCHED)
        if pc.any(patch).as_py():
            where = pc.indices_nonzero(patch)
            numbers = pc.take(table.column(f"_n{i}"), where).to_pylist()
            for at, code, number in zip(where.to_pylist(), pc.take(codes, where).to_pylist(), numbers):
                if code == jqsql.CELL_FALSE:
                    values[at] = False
                elif code == jqsql.CELL_TRUE:
                    values[at] = True
                elif code == jqsql.CELL_FLOAT:
                    values[at] = number
                elif number.is_integer():
                    values[at] = int(number)
                else:  # not seen: an int's double is whole; jq decides
                    odd.append(at)
        columns.append(values)
    with _collector_paused():
        cells: list[Optional[list[Any]]] = list(map(list, zip(*columns)))
    if pc.any(for_jq).as_py():
        odd += pc.indices_nonzero(for_jq).to_pylist()
    for at in odd:
        cells[at] = None
    return cells


def _strings(column: pa.ChunkedArray) -> list[Optional[str]]:
    """A string column as Python. A column of few distinct values (an event name, a region) is decoded
    once per value: each cell is then the same ``str`` object (equal either way), which is quicker and
    holds less memory than a new string per cell."""
    sample = column.slice(0, 4096)
    if len(column) < 8192 or pc.count_distinct(sample).as_py() > len(sample) // 4:
        return column.to_pylist()
    encoded = pc.dictionary_encode(column.combine_chunks())
    distinct = encoded.dictionary.to_pylist()
    if 2 * len(distinct) > len(column):
        return column.to_pylist()
    distinct.append(None)
    at = pc.fill_null(encoded.indices, len(distinct) - 1).to_pylist()
    return list(map(distinct.__getitem__, at))


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector: building a million small lists (which hold no cycles)
    otherwise triggers collections that cost three times the building."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


__all__ = ["cells_sql", "projected_cells"]
