"""Filtering on the in-memory backend: a plan answered from the store's indexes, then jq per candidate.

:func:`run_filter` finds the rows a compiled :class:`~trailtui.engine.query.EventQuery` selects. The plan
(``planner.py``) is evaluated over the store's inverted indexes; when every part of it is exact, no record
is even decoded. Otherwise the plan still narrows the candidates — an equality or ``contains`` on any path
needs the literal's JSON bytes inside the record, found with a C-speed substring search — and the jq
program decides on those candidates only. Answers are always what jq would say; the indexes only decide how
much work it takes.
"""

from __future__ import annotations

import bisect
import itertools
import operator
import time
from array import array
from typing import Any, Callable, Optional, Sequence

import orjson

from . import jq
from .planner import (
    Plan, PAnd, PEq, PMember, PNot, POr, PPred, PSubstr, PTimeRange, PTruthy, plan_complete,
)
from .query import EventQuery, FilterResult
from .store import EventStore

CHUNK = 4096
"""Rows decoded between cancellation checks."""


ALL = None
"""A row set of every row."""


def _intersect(a: Optional[Sequence[int]], b: Optional[Sequence[int]]) -> Optional[Sequence[int]]:
    if a is ALL:
        return b
    if b is ALL:
        return a
    if len(a) > len(b):
        a, b = b, a
    members = set(b)
    return array("I", [row for row in a if row in members])


def _union(a: Optional[Sequence[int]], b: Optional[Sequence[int]]) -> Optional[Sequence[int]]:
    if a is ALL or b is ALL:
        return ALL
    if not a:
        return b
    if not b:
        return a
    return array("I", sorted(set(a).union(b)))


def _complement(rows: Sequence[int], n: int) -> array:
    mask = bytearray(b"\x01") * n
    for row in rows:
        if row < n:
            mask[row] = 0
    return array("I", itertools.compress(range(n), mask))


def _clip(rows: Optional[Sequence[int]], n: int) -> Optional[Sequence[int]]:
    """Drop rows at or beyond ``n`` (rows a concurrent load appended after our snapshot)."""
    if rows is ALL:
        return ALL
    if rows and rows[-1] >= n:
        return rows[: bisect.bisect_left(rows, n)]
    return rows


def _substr_rows(store: EventStore, needle: bytes, n: int) -> array:
    rows = array("I")
    last = -1
    for chunk in store.chunks:
        if chunk.first_row >= n:
            break
        blob = chunk.blob
        offsets = chunk.offsets
        pos = blob.find(needle)
        while pos != -1:
            j = bisect.bisect_right(offsets, pos) - 1
            row = chunk.first_row + j
            if row != last and row < n:
                rows.append(row)
                last = row
            # continue after this record
            pos = blob.find(needle, offsets[j + 1])
    return rows


def evaluate_plan(plan: Plan, store: EventStore, n: int) -> tuple[Optional[Sequence[int]], bool]:
    """(rows, exact): rows is ALL or a sorted array of candidate rows below ``n``."""
    if isinstance(plan, PEq):
        index = _index_for(store, plan.path)
        value = plan.value
        if index is None:
            if isinstance(value, str):
                return _substr_rows(store, orjson.dumps(value), n), False
            return ALL, False
        if isinstance(value, str) or value is None:
            rows = _clip(index.rows(value), n)
            if index.errors:
                return _union(rows, _clip(index.errors, n)), False
            return rows, True
        return _union(_clip(index.others, n), _clip(index.errors, n)), False
    if isinstance(plan, PPred):
        return _eval_predicate(plan, store, n)
    if isinstance(plan, PTimeRange):
        return _eval_time_range(plan, store, n)
    if isinstance(plan, PMember):
        rows = store.multi_indexes[plan.index].get(plan.value, array("I"))
        return _clip(rows, n), True
    if isinstance(plan, PSubstr):
        return _substr_rows(store, plan.needle, n), False
    if isinstance(plan, PTruthy):
        index = _index_for(store, plan.path)
        if index is None:
            return ALL, False
        excluded = _clip(index.nulls, n)
        rows = _complement(excluded, n)
        return rows, not (index.others or index.errors)
    if isinstance(plan, PNot):
        rows, exact = evaluate_plan(plan.item, store, n)
        if not exact or rows is ALL:
            return ALL, False
        return _complement(rows, n), True
    if isinstance(plan, PAnd):
        result: Optional[Sequence[int]] = ALL
        exact = True
        for item in plan.items:
            rows, item_exact = evaluate_plan(item, store, n)
            if rows is not ALL and not rows and item_exact:
                return array("I"), True
            result = _intersect(result, rows)
            exact = exact and item_exact
        return result, exact
    if isinstance(plan, POr):
        result = array("I")
        exact = True
        for item in plan.items:
            rows, item_exact = evaluate_plan(item, store, n)
            result = _union(result, rows)
            exact = exact and item_exact
            if result is ALL and not exact:
                return ALL, False
        return result, exact
    return ALL, False


_PREDICATES: dict[str, Any] = {}


def _rows_union(parts: list[Sequence[int]], n: int) -> array:
    """Sorted union of disjoint row arrays."""
    total = sum(len(p) for p in parts)
    if not parts:
        return array("I")
    if len(parts) == 1:
        return array("I", parts[0])
    if total * 8 < n:
        return array("I", sorted(itertools.chain.from_iterable(parts)))
    mask = bytearray(n)
    for part in parts:
        for row in part:
            if row < n:
                mask[row] = 1
    return array("I", itertools.compress(range(n), mask))


def _eval_predicate(plan: PPred, store: EventStore, n: int) -> tuple[Optional[Sequence[int]], bool]:
    """Run the predicate once per distinct value of an indexed path; undecidable rows stay candidates."""
    index = _index_for(store, plan.path)
    if index is None:
        return ALL, False
    program = _PREDICATES.get(plan.predicate)
    if program is None:
        try:
            program = _PREDICATES[plan.predicate] = jq.compile_program(plan.predicate)
        except jq.JqCompileError:
            return ALL, False

    def holds(value: Any) -> Optional[bool]:
        try:
            return any(out is True for out in program.run(value))
        except jq.JqRuntimeError:
            return None

    hits: list[Sequence[int]] = []
    unsure: list[Sequence[int]] = []
    for value, rows in index.values.items():
        verdict = holds(value)
        if verdict is None:
            unsure.append(rows)
        elif verdict:
            hits.append(rows)
    if index.nulls:
        verdict = holds(plan.default if plan.has_default else None)
        if verdict is None:
            unsure.append(index.nulls)
        elif verdict:
            hits.append(index.nulls)
    if index.others:
        unsure.append(index.others)
    if index.errors:
        if plan.has_default:
            verdict = holds(plan.default)
            if verdict is None:
                unsure.append(index.errors)
            elif verdict:
                hits.append(index.errors)
        else:
            unsure.append(index.errors)
    exact = not unsure
    rows = _rows_union([_clip(part, n) for part in hits + unsure], n)
    return rows, exact


_COMPARE = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


def _eval_time_range(plan: PTimeRange, store: EventStore, n: int) -> tuple[Optional[Sequence[int]], bool]:
    """Compare the extracted time column (the raw ``eventTime`` whenever it is a string)."""
    times = store.fields["time"]
    checks = [(_COMPARE[op], literal) for op, literal in plan.conditions]
    if len(checks) == 2:
        (f1, l1), (f2, l2) = checks
        rows = array("I", [i for i, t in zip(range(n), times) if t and f1(t, l1) and f2(t, l2)])
    else:
        rows = array("I", [i for i, t in zip(range(n), times) if t and all(f(t, lit) for f, lit in checks)])
    # An empty time field means eventTime was missing, not a string, or "": jq decides those rows.
    blank = [i for i, t in zip(range(n), times) if not t]
    if blank:
        return _rows_union([rows, blank], n), False
    return rows, True


def _index_for(store: EventStore, path: tuple):
    if path and isinstance(path[0], str) and path[0].startswith("@"):
        return store.derived_indexes.get(path[0][1:])
    return store.path_indexes.get(path)


def _matches(query: EventQuery, record: Any, filename: Optional[str] = None) -> bool:
    program = query.match
    if query.kind == "boolean":
        for value in program.run(record, filename=filename):
            if value is True:
                return True
        return False
    for _ in program.run(record, filename=filename):
        return True
    return False


def run_filter(
    store: EventStore,
    query: EventQuery,
    *,
    n: Optional[int] = None,
    cancelled: Optional[Callable[[], bool]] = None,
    within: Optional[Sequence[int]] = None,
    progress: Optional[Callable[[int, int], None]] = None,
) -> FilterResult:
    """Find the rows (below ``n``, default all) the query selects; ``within`` narrows to given rows.

    ``progress(scanned, candidates)`` is called after each chunk of events run through jq.

    Runtime errors on an event make that event not match; they are counted and the first message is kept
    (jq would stop the whole run; a responder would rather see the rest).
    """
    started = time.perf_counter()
    total = len(store) if n is None else n
    if query.mode == "root":
        raise ValueError("root-mode queries have no per-event rows; use run_root()")
    if query.kind == "all" and query.plan_decides:
        rows = array("I", range(total)) if within is None else array("I", within)
        return FilterResult(rows, total, elapsed=time.perf_counter() - started)
    candidates, exact = evaluate_plan(query.plan, store, total)
    if within is not None:
        candidates = _intersect(array("I", sorted(within)), candidates)
    if candidates is ALL:
        candidates = range(total)
    if query.match is None or (exact and query.selection_only and plan_complete(query.plan)):
        return FilterResult(array("I", candidates), total, elapsed=time.perf_counter() - started)
    rows = array("I")
    errors = 0
    first_error: Optional[str] = None
    decoded = 0
    is_cancelled = False
    candidate_list = candidates
    scanning = len(candidate_list)
    for start in range(0, scanning, CHUNK):
        if cancelled is not None and cancelled():
            is_cancelled = True
            break
        if progress is not None and start:
            progress(start, scanning)
        block = candidate_list[start : start + CHUNK]
        filenames = [store.source_of(row).path for row in block] if query.uses_filename else None
        hits, count, first = match_records(query, store.records(block), filenames)
        decoded += len(block)
        rows.extend(block[i] for i in hits)
        errors += count
        if first is not None and first_error is None:
            first_error = first[1]
    return FilterResult(rows, total, errors, first_error, time.perf_counter() - started, decoded, is_cancelled)


def match_records(query: EventQuery, records: Any, filenames: Optional[Sequence[str]] = None,
                  ) -> tuple[list[int], int, Optional[tuple[int, str]]]:
    """Run the query's match program on each record: (indices that match, errors, (index, message) of the
    first error). An event whose run raises does not match and is counted (jq would stop the whole run).
    Shared by every backend's jq path (the columnar backend's worker processes call it too)."""
    hits: list[int] = []
    errors = 0
    first: Optional[tuple[int, str]] = None
    for i, record in enumerate(records):
        try:
            if _matches(query, record, filenames[i] if filenames is not None else None):
                hits.append(i)
        except jq.JqRuntimeError as err:
            errors += 1
            if first is None:
                first = (i, str(err))
        except RecursionError:
            errors += 1
            if first is None:
                first = (i, "recursion too deep")
    return hits, errors, first
