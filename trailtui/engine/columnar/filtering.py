"""Filters on the columnar backend: the in-memory engine's answer, computed in SQL where SQL means what jq
means and by jq in worker processes on SQL-narrowed candidates elsewhere.

:func:`run_filter` returns exactly what :func:`trailtui.engine.query.run_filter` returns on an in-memory store
holding the same events: the matching rows in load order, the number of events whose evaluation raised and
the first message. Two things make that exact, not just "the same matches":

* **Candidates.** The in-memory engine evaluates jq only on the rows its index *plan* keeps (a superset of
  the matches), so an event outside the plan that would raise is not counted. :func:`plan_sql` writes the
  same plan as a SQL condition (the same superset, the same "exact" verdict), and errors are counted inside
  it only.
* **The condition.** :mod:`trailtui.engine.jq.sql` compiles the selection to ``cond`` (TRUE / FALSE / NULL
  for "jq raises") and ``unsure``. Rows with ``cond`` TRUE match; NULL rows are counted as errors (jq runs
  on the first one only, for its message); unsure rows go to jq. A filter that does not translate sends
  every candidate to jq.

jq runs in a persistent pool of worker processes (:class:`JqPool`): each compiles the filter text once with
``compile_query`` and answers chunks of raw records, so the calling thread never evaluates jq per row and
``cancelled()`` is polled between chunks.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
import time
import weakref
from array import array
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable, Optional, Sequence

import orjson
import pyarrow as pa

from .. import jq
from ..jq import sql as jqsql
from ..memory_filter import ALL, match_records
from ..planner import (
    PAnd, PAny, PEq, PMember, PNot, POr, PPred, PSubstr, PTimeRange, PTruthy, _comma_items, plan_complete,
)
from ..query import EventQuery, FilterResult, _join, compile_query
from ..store import DERIVED_INDEXES, PATH_INDEXES
from ..rowarrays import row_array, uint_rows
from .schema import PATH_COLUMNS

CHUNK = 2048
"""Records per worker task (cancellation is checked between tasks)."""

WINDOW = 6
"""Tasks in flight at once."""


# ---------------------------------------------------------------------------------------------------
# The plan as SQL


@dataclass(frozen=True)
class PlanSql:
    where: str
    """SQL condition selecting the candidates (``TRUE`` for every row)."""
    exact: bool
    every: bool = False
    """True when the plan keeps every row (the in-memory engine's ``ALL``)."""


def _indexed_column(path: tuple) -> Optional[str]:
    if path and isinstance(path[0], str) and path[0].startswith("@"):
        name = path[0][1:]
        return f"d_{name}" if name in DERIVED_INDEXES else None
    if path in PATH_INDEXES:
        return f'"{PATH_COLUMNS[path]}"'
    return None


_FACTS: "weakref.WeakKeyDictionary[Any, dict[tuple[str, int], bool]]" = weakref.WeakKeyDictionary()
"""Per backend: (condition, n) -> whether some row below n satisfies it. Rows below n never change, so the
answers hold for the backend's life (the planner asks the same few questions on every filter)."""


class _Planner:
    """Writes an in-memory plan as SQL; asks the database the questions the plan's exactness depends on.

    With ``raw=False`` the plan's substring tests on the raw text (the slowest SQL there is: every record's
    full text) are left out, giving a cheaper superset of the same candidates (they only ever narrow)."""

    def __init__(self, cur: Any, n: int, facts: Optional[dict] = None, raw: bool = True):
        self.cur = cur
        self.n = n
        self.raw = raw
        self._memo: dict[tuple[str, int], bool] = {} if facts is None else facts
        self._registered = 0

    def exists(self, condition: str, below_n: bool = False) -> bool:
        key = (condition, self.n)
        if key not in self._memo:
            where = f"({condition}) AND row < {self.n}"
            self._memo[key] = self.cur.execute(f"SELECT EXISTS (SELECT 1 FROM events WHERE {where})").fetchall()[0][0]
        return self._memo[key]

    def substring(self, needle: str) -> PlanSql:
        if not self.raw:
            return PlanSql("TRUE", False, every=True)
        return PlanSql(f"contains(raw, {jqsql.lit(needle)})", False)

    def plan(self, plan: Any) -> PlanSql:
        if isinstance(plan, PEq):
            return self.equality(plan)
        if isinstance(plan, PMember):
            return PlanSql(f"(row IN (SELECT row FROM keys WHERE kind = '{plan.index}' AND key = "
                           f"{jqsql.lit(plan.value)}))", True)
        if isinstance(plan, PSubstr):
            return self.substring(plan.needle.decode())
        if isinstance(plan, PTruthy):
            column = _indexed_column(plan.path)
            if column is None or column.startswith("d_"):
                return PlanSql("TRUE", False, every=True)
            odd = f"{column} IS NULL OR ({column} <> 'null' AND json_type({column}) <> 'VARCHAR')"
            return PlanSql(f"({column} IS NULL OR {column} <> 'null')", not self.exists(odd))
        if isinstance(plan, PPred):
            return self.predicate(plan)
        if isinstance(plan, PTimeRange):
            checks = " AND ".join(f"d_time {op} {jqsql.lit(value)}" for op, value in plan.conditions)
            blank = self.exists("d_time = ''", below_n=True)
            return PlanSql(f"(d_time <> '' AND {checks})" + (" OR d_time = ''" if blank else ""), not blank)
        if isinstance(plan, PNot):
            inner = self.plan(plan.item)
            if not inner.exact or inner.every:
                return PlanSql("TRUE", False, every=True)
            return PlanSql(f"(NOT coalesce({inner.where}, FALSE))", True)
        if isinstance(plan, PAnd):
            parts = [self.plan(item) for item in plan.items]
            kept = [p.where for p in parts if not p.every]
            return PlanSql("(" + " AND ".join(kept) + ")" if kept else "TRUE", all(p.exact for p in parts),
                           every=not kept)
        if isinstance(plan, POr):
            parts = [self.plan(item) for item in plan.items]
            exact = all(p.exact for p in parts)
            if any(p.every for p in parts):
                return PlanSql("TRUE", exact and all(p.every or p.exact for p in parts), every=True)
            return PlanSql("(" + " OR ".join(p.where for p in parts) + ")", exact)
        return PlanSql("TRUE", False, every=True)

    def equality(self, plan: PEq) -> PlanSql:
        column = _indexed_column(plan.path)
        value = plan.value
        if column is None:
            if isinstance(value, str):
                return self.substring(orjson.dumps(value).decode())
            return PlanSql("TRUE", False, every=True)
        if column.startswith("d_"):
            if isinstance(value, str):
                return PlanSql(f"({column} = {jqsql.lit(value)})" if value else "FALSE", True)
            return PlanSql(f"({column} = '')" if value is None else "FALSE", True)
        if isinstance(value, str) or value is None:
            text = "null" if value is None else orjson.dumps(value).decode()
            where = f"({column} = {jqsql.lit(text)})"
            if self.exists(f"{column} IS NULL"):
                return PlanSql(f"({where} OR {column} IS NULL)", False)
            return PlanSql(where, True)
        return PlanSql(f"({column} IS NULL OR ({column} <> 'null' AND json_type({column}) <> 'VARCHAR'))", False)

    def predicate(self, plan: PPred) -> PlanSql:
        column = _indexed_column(plan.path)
        if column is None:
            return PlanSql("TRUE", False, every=True)
        try:
            program = jq.compile_program(plan.predicate)
        except jq.JqCompileError:
            return PlanSql("TRUE", False, every=True)

        def holds(value: Any) -> Optional[bool]:
            try:
                return any(out is True for out in program.run(value))
            except jq.JqRuntimeError:
                return None

        derived = column.startswith("d_")
        if derived:
            strings = [r[0] for r in self.cur.execute(f"SELECT DISTINCT {column} FROM events WHERE {column} <> ''").fetchall()]
            texts = {s: s for s in strings}
        else:
            found = self.cur.execute(
                f"SELECT DISTINCT {column} FROM events WHERE json_type({column}) = 'VARCHAR'").fetchall()
            texts = {orjson.loads(r[0]): r[0] for r in found}
        keep = [texts[s] for s in texts if holds(s) is not False]
        unsure = any(holds(s) is None for s in texts)
        parts = []
        if keep:

            self._registered += 1
            name = f"_pred_{self._registered}_{abs(hash((plan.predicate, plan.path, plan.default)))}"
            self.cur.register(name, pa.table({"v": pa.array(keep, pa.string())}))
            parts.append(f"(CAST({column} AS VARCHAR) IN (SELECT v FROM {name}))")
        null_where = f"({column} = '')" if derived else f"({column} = 'null')"
        if self.exists(null_where):
            verdict = holds(plan.default if plan.has_default else None)
            unsure = unsure or verdict is None
            if verdict is not False:
                parts.append(null_where)
        if not derived:
            others = f"({column} <> 'null' AND json_type({column}) <> 'VARCHAR')"
            if self.exists(others):
                unsure = True
                parts.append(others)
            if self.exists(f"{column} IS NULL"):
                if plan.has_default:
                    verdict = holds(plan.default)
                    unsure = unsure or verdict is None
                    if verdict is not False:
                        parts.append(f"({column} IS NULL)")
                else:
                    unsure = True
                    parts.append(f"({column} IS NULL)")
        return PlanSql("(" + " OR ".join(parts) + ")" if parts else "FALSE", not unsure)


def plan_sql(cur: Any, plan: Any, n: int, backend: Any = None, raw: bool = True) -> PlanSql:
    """The in-memory plan's candidate rows (and its exactness verdict) as a SQL condition (``raw=False``:
    without the raw-text substring tests, see :class:`_Planner`). ``backend`` keys a cache of the data
    facts the plan asked about."""
    facts = None
    if backend is not None:
        try:
            facts = _FACTS.setdefault(backend, {})
        except TypeError:
            facts = None
    return _Planner(cur, n, facts, raw).plan(plan)


# ---------------------------------------------------------------------------------------------------
# The condition as SQL


def translate(query: EventQuery) -> Optional[jqsql.Predicate]:
    """The query's match condition in SQL, or None when some part has no exact translation."""
    try:
        return translation(query)
    except jqsql.Untranslatable:
        return None


def translation(query: EventQuery) -> jqsql.Predicate:
    """Like :func:`translate` but raises :class:`~trailtui.engine.jq.sql.Untranslatable` with the reason."""
    tree = query.ast
    stages = _body_stages(query)
    if query.kind == "boolean":
        return jqsql.compile_boolean(_join(stages))
    selects = []
    for stage in stages:
        if isinstance(stage, jq.ast.FuncCall) and stage.name == "select" and len(stage.args) == 1:
            selects.append(stage.args[0])
        else:
            break
    if query.kind == "select" or (query.kind == "project" and query.selection_only):
        return jqsql.compile_conditions(selects)
    raise jqsql.Untranslatable(f"a {query.kind} filter ({tree.__class__.__name__})")


def _body_stages(query: EventQuery) -> list:
    """The per-event stages of the query (what ``compile_query`` split off), trailing format dropped."""
    from ..query import _constant_strings, _is_records_iter, _stages

    stages = _stages(query.ast)
    first = stages[0]
    if query.header is not None and isinstance(first, jq.ast.Comma):
        items = _comma_items(first)
        rest = items[1:]
        inner = _stages(rest[0]) if len(rest) == 1 else None
        if inner is None or _constant_strings(items[0]) is None:
            raise jqsql.Untranslatable("a header with several parts")
        stages = inner + stages[1:]
    if _is_records_iter(stages[0]):
        stages = stages[1:]
    if stages and isinstance(stages[-1], jq.ast.Format):
        stages = stages[:-1]
    return stages


# ---------------------------------------------------------------------------------------------------
# jq in worker processes

_WORKER_QUERIES: dict[str, EventQuery] = {}


def _worker_match(text: str, reading: Optional[str], raws: list[str], filenames: Optional[list[str]] = None,
                  ) -> tuple[list[int], int, Optional[tuple[int, str]]]:
    """(indices that match, errors, (index, message) of the first error) for records in one chunk.

    The worker compiles ``text`` with the same ``reading`` the caller's query was compiled with;
    ``filenames`` (when the filter calls ``input_filename``) is each record's source file."""
    key = f"{reading}\0{text}"
    query = _WORKER_QUERIES.get(key)
    if query is None:
        query = _WORKER_QUERIES[key] = compile_query(text, reading)
    return match_records(query, (_decode(raw) for raw in raws), filenames)


def _decode(raw: str) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:  # integers beyond 64 bits: orjson refuses them, the stdlib keeps them
        import json

        return json.loads(raw)


def _start_resource_tracker() -> None:
    """Start multiprocessing's resource tracker where ``spawn`` can start it.

    The tracker is started (once per process, on the first spawn) with ``sys.stderr.fileno()`` passed down.
    Inside a Textual app ``sys.stderr`` is the app's print capture, whose ``fileno()`` is -1, and spawning
    then fails with "bad value(s) in fds_to_keep": every filter that needed jq failed in the app. Started
    here with stderr pointing at ``/dev/null`` for that moment (its warnings must not draw over the screen
    anyway); ``sys.stderr`` is put back at once.
    """
    from multiprocessing import resource_tracker

    try:
        usable = sys.stderr is not None and sys.stderr.fileno() >= 0
    except (AttributeError, OSError, ValueError):
        usable = False
    if usable:
        return
    current = sys.stderr
    with open(os.devnull, "w") as devnull:
        sys.stderr = devnull
        try:
            resource_tracker.ensure_running()
        finally:
            sys.stderr = current


class JqPool:
    """A persistent process pool (started on first use, shut down at exit)."""

    _lock = threading.Lock()
    _executor: Optional[ProcessPoolExecutor] = None

    @classmethod
    def executor(cls) -> ProcessPoolExecutor:
        with cls._lock:
            if cls._executor is None:
                import multiprocessing

                workers = max(1, min(2, os.cpu_count() or 1))
                _start_resource_tracker()
                cls._executor = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
                atexit.register(cls.shutdown)
            return cls._executor

    @classmethod
    def shutdown(cls) -> None:
        with cls._lock:
            if cls._executor is not None:
                cls._executor.shutdown(wait=False, cancel_futures=True)
                cls._executor = None


# ---------------------------------------------------------------------------------------------------
# Running


def _within_table(cur: Any, within: Sequence[int], name: str = "_within_rows") -> str:
    """Register ``within`` (row numbers, any order, repeats harmless: it is a semi-join) as ``name``; the SQL
    condition keeping those rows."""
    table = pa.table({"row": row_array(within)})
    cur.register(name, table)
    return f"row IN (SELECT row FROM {name})"


def _rows(cur: Any, sql: str) -> array:
    """The ``row`` column of a query as an ``array('I')`` (read from Arrow buffers, no per-row Python)."""
    return uint_rows(cur.sql(f"SELECT CAST(row AS UINTEGER) AS row FROM ({sql})").to_arrow_table().column("row"))


def run_filter(
    backend: Any,
    query: EventQuery,
    *,
    n: Optional[int] = None,
    cancelled: Optional[Callable[[], bool]] = None,
    within: Optional[Sequence[int]] = None,
    progress: Optional[Callable[[int, int], None]] = None,
) -> FilterResult:
    """The rows (below ``n``) the query selects on ``backend`` (anything with ``con`` and ``len()``),
    equal to the in-memory engine's :class:`FilterResult` (rows, errors, first error).

    ``progress(done, todo)`` is called as jq works through the rows SQL could not decide (SQL's own part
    reports nothing: it takes milliseconds to a second)."""
    started = time.perf_counter()
    total = len(backend) if n is None else n
    if query.mode == "root":
        raise ValueError("root-mode queries have no per-event rows; use run_root()")
    cur = backend.con.cursor()
    try:
        if query.kind == "all" and query.plan_decides:
            rows = array("I", range(total)) if within is None else array("I", within)
            return FilterResult(rows, total, elapsed=time.perf_counter() - started)
        plan = plan_sql(cur, query.plan, total, backend)
        scope = [f"row < {total}"]
        if within is not None:
            scope.append(_within_table(cur, within))
        where = " AND ".join(scope + ([] if plan.every else [f"({plan.where})"]))
        if query.match is None or (plan.exact and query.selection_only and plan_complete(query.plan)):
            return FilterResult(_rows(cur, f"SELECT row FROM events WHERE {where} ORDER BY row"), total,
                                elapsed=time.perf_counter() - started)
        predicate = translate(query)
        if predicate is None:
            # Candidates first (no raw text read: DuckDB would read every row's raw text under an OR),
            # then the raw text of those rows only.
            candidates = _rows(cur, f"SELECT row FROM events WHERE {where}")
            return _run_jq(cur, query, _within_table(cur, candidates, "_candidate_rows"), total, cancelled, started,
                           array("I"), 0, None, len(candidates), progress)
        # SQL decides on the plan's candidates without its raw-text tests (matches lie inside the plan
        # anyway); only the rows it leaves to jq or counts as errors must also pass those tests.
        cheap = plan_sql(cur, query.plan, total, backend, raw=False)
        narrow = " AND ".join(scope + ([] if cheap.every else [f"({cheap.where})"]))
        decided = cur.sql(predicate.decided(narrow, "CAST(row AS UINTEGER) AS row")).to_arrow_table()
        decided = decided.sort_by("row")
        matched = uint_rows(decided.filter(decided.column("match")).column("row"))
        failing = uint_rows(decided.filter(decided.column("error")).column("row"))
        unsure_rows = uint_rows(decided.filter(decided.column("unsure")).column("row"))
        if narrow != where and (failing or unsure_rows):
            inside = set(_rows(cur, f"SELECT row FROM events WHERE "
                                    f"{_within_table(cur, list(failing) + list(unsure_rows), '_check_rows')} AND {where}"))
            failing = array("I", (r for r in failing if r in inside))
            unsure_rows = array("I", (r for r in unsure_rows if r in inside))
        errors = len(failing)
        first_error, first_row = None, None
        if errors:
            first_row = failing[0]
            first_error = _message(cur, query, first_row)
        if not unsure_rows:
            return FilterResult(matched, total, errors, first_error, time.perf_counter() - started)
        return _run_jq(cur, query, _within_table(cur, unsure_rows, "_unsure_rows"), total, cancelled, started,
                       matched, errors, (first_row, first_error) if errors else None, len(unsure_rows), progress)
    finally:
        cur.close()


def _message(cur: Any, query: EventQuery, row: int) -> Optional[str]:
    """jq's error message for one row SQL knows raises (one record: cheap enough for any thread)."""
    raw, path = cur.execute(
        "SELECT e.raw, s.path FROM events e LEFT JOIN sources s ON s.id = e.src WHERE e.row = ?", [row]
    ).fetchall()[0]
    _, _, first = _worker_match(query.text, query.reading, [raw], [path] if query.uses_filename else None)
    return first[1] if first else "error"


def _run_jq(cur: Any, query: EventQuery, where: str, total: int, cancelled: Optional[Callable[[], bool]],
            started: float, matched: array, errors: int, first: Optional[tuple[int, Optional[str]]], todo: int,
            progress: Optional[Callable[[int, int], None]] = None) -> FilterResult:
    """jq on the rows ``where`` selects, in worker processes; merged with what SQL already decided."""
    executor = JqPool.executor()
    paths = dict(cur.execute("SELECT id, path FROM sources").fetchall()) if query.uses_filename else None
    cur.execute(f"SELECT row, raw, src FROM events WHERE {where} ORDER BY row")
    pending: list[tuple[list[int], Future]] = []
    hits: list[int] = []
    decoded = done = 0
    is_cancelled = False

    def collect(block: list[int], future: Future) -> None:
        nonlocal errors, first, done
        found, count, err = future.result()
        done += len(block)
        if progress is not None:
            progress(done, todo)
        hits.extend(block[i] for i in found)
        errors += count
        if err is not None:
            row = block[err[0]]
            if first is None or row < first[0]:
                first = (row, err[1])

    while True:
        if cancelled is not None and cancelled():
            is_cancelled = True
            break
        batch = cur.fetchmany(CHUNK)
        if not batch:
            break
        rows = [r[0] for r in batch]
        decoded += len(rows)
        filenames = [paths[r[2]] for r in batch] if paths is not None else None
        pending.append((rows, executor.submit(_worker_match, query.text, query.reading, [r[1] for r in batch],
                                              filenames)))
        while len(pending) >= WINDOW:
            collect(*pending.pop(0))
    for block, future in pending:
        if is_cancelled:
            future.cancel()
            if future.cancelled():
                continue
        collect(block, future)
    if hits:
        merged = sorted(set(matched).union(hits))
        matched = array("I", merged)
    return FilterResult(matched, total, errors, first[1] if first else None, time.perf_counter() - started,
                        decoded, is_cancelled)


__all__ = ["run_filter", "plan_sql", "translate", "translation", "JqPool", "PlanSql", "ALL", "PAny"]
