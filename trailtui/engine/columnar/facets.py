"""Facets and timeline buckets in DuckDB: one grouped scan over a view's rows.

The view's rows (an ``array('I')`` of row numbers, in any order) are handed to DuckDB as a zero-copy Arrow
column and joined on ``events.row``; a view of every stored row skips the join. Several display fields are
counted in one query (``GROUPING SETS``).

The timeline does not join: :func:`time_seconds` reads every row's second once (the timeline module keeps
them as an Arrow column, ~9 MB per million events) and each view's histogram is an Arrow ``take`` and
``value_counts`` (a few ms at a million). Times are read by :data:`trailtui.engine.timeline.TIME_PATTERN`,
the rule the in-memory path uses, so both backends count the same buckets.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator, Optional, Sequence

import pyarrow as pa

from ..rowarrays import row_array
from .schema import DISPLAY_COLUMNS, PATH_COLUMNS

_SECOND = ("epoch(try_strptime(substr(e.d_time, 1, 19), '%Y-%m-%dT%H:%M:%S'))::BIGINT")
# TIME_PATTERN without a regular expression over every row (that alone cost ~110 ms per million): the fixed
# layout by LIKE (each _ a digit once try_strptime accepts the first 19 characters), and the digits of a
# fractional part checked only on the rare times that have one.
_TIMED = ("(e.d_time LIKE '____-__-__T__:__:__%Z' AND (length(e.d_time) = 20 OR (substr(e.d_time, 20, 1) = '.'"
          " AND length(e.d_time) > 21 AND regexp_full_match(substr(e.d_time, 21, length(e.d_time) - 21), '[0-9]+'))))")
_FAILED = "(e.d_error <> '' OR e.d_outcome = 'Failure')"


@contextmanager
def rows_from(backend: Any, rows: Sequence[int]) -> Iterator[tuple[Any, str]]:
    """A cursor and a ``FROM`` clause naming the ``events e`` of ``rows`` (distinct row numbers)."""
    with backend.reading():
        con = backend.con
        count = len(backend)
        if isinstance(rows, range) and rows.step == 1:
            yield con, f"events e WHERE e.row >= {int(rows.start)} AND e.row < {int(rows.stop)}"
            return
        if len(rows) == count:  # distinct rows, as many as stored: all of them
            yield con, f"events e WHERE e.row < {count}"
            return
        column = row_array(rows)
        con.register("trailtui_facet_rows", pa.table({"row": column}))
        try:
            # An inner join (the rows are distinct) measured ~2x faster than a SEMI JOIN here.
            yield con, "events e JOIN trailtui_facet_rows w ON e.row = w.row WHERE true"
        finally:
            con.unregister("trailtui_facet_rows")


def facet_counts(backend: Any, fields: Sequence[str], rows: Sequence[int]) -> list[dict[str, int]]:
    """For each display field, its values' counts over ``rows`` (one scan for all of them)."""
    if not fields or not len(rows):
        return [{} for _ in fields]
    columns = [DISPLAY_COLUMNS[f] for f in fields]
    distinct = list(dict.fromkeys(columns))
    sets = ", ".join(f"(e.{c})" for c in distinct)
    select = ", ".join(f"e.{c}" for c in distinct)
    grouping = ", ".join(f"grouping(e.{c})" for c in distinct)
    with rows_from(backend, rows) as (con, source):
        found = con.execute(
            f"SELECT {select}, [{grouping}], count(*) FROM {source} GROUP BY GROUPING SETS ({sets})"
        ).fetchall()
    by_column: dict[str, dict[str, int]] = {c: {} for c in distinct}
    for row in found:
        flags = row[len(distinct)]
        n = row[-1]
        for i, column in enumerate(distinct):
            if flags[i] == 0:
                by_column[column][row[i]] = n
                break
    return [dict(by_column[c]) for c in columns]


def path_counts_json(backend: Any, keys: tuple[str, ...], rows: Sequence[int]) -> Optional[tuple[list[tuple[str, int]], int]]:
    """The JSON texts a stored jq path yields over ``rows`` with their counts, and how many rows raise
    (SQL NULL in the column); None when the path has no column."""
    column = PATH_COLUMNS.get(keys)
    if column is None:
        return None
    if not len(rows):
        return [], 0
    with rows_from(backend, rows) as (con, source):
        found = con.execute(f'SELECT e."{column}"::VARCHAR, count(*) FROM {source} GROUP BY 1').fetchall()
    groups = [(text, n) for text, n in found if text is not None]
    errors = sum(n for text, n in found if text is None)
    return groups, errors


def time_seconds(backend: Any, lo: int, hi: int) -> tuple[pa.Array, pa.Array]:
    """For rows ``lo`` to ``hi``: each one's counted second (null when untimed) and whether it failed."""
    with backend.reading():
        table = backend.con.sql(
            f"SELECT CASE WHEN {_TIMED} THEN {_SECOND} END AS s, {_FAILED} AS failed FROM events e"
            f" WHERE e.row >= {int(lo)} AND e.row < {int(hi)} ORDER BY e.row").to_arrow_table()
    return table.column(0).combine_chunks(), table.column(1).combine_chunks()


def rows_containing(backend: Any, fields: Sequence[str], text: str, rows: Sequence[int]) -> pa.Array:
    """The rows among ``rows`` where any of the display ``fields`` contains ``text`` (lower-cased both sides),
    as an Arrow array of row numbers (in no particular order)."""
    if not fields or not len(rows):
        return pa.array([], pa.uint32())
    columns = list(dict.fromkeys(DISPLAY_COLUMNS[f] for f in fields))
    condition = " OR ".join(f"contains(lower(e.{c}), $needle)" for c in columns)
    with rows_from(backend, rows) as (con, source):
        table = con.sql(f"SELECT CAST(e.row AS UINTEGER) AS row FROM {source} AND ({condition})",
                        params={"needle": text.lower()}).to_arrow_table()
    return table.column(0).combine_chunks()
