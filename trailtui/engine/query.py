"""What a filter means for a set of loaded events, and how to answer it fast.

A filter is a jq program. :func:`compile_query` reads its shape:

* ``.Records[] | BODY`` (and the same inside ``["Header", ...], (.Records[] | BODY) | @tsv``) runs ``BODY``
  for each loaded event, whatever file shape the event came from;
* a program that does not mention ``.Records`` is itself the per-event body;
* a program that uses ``.Records`` another way (``.Records | length``) runs once on ``{"Records": [...]}``
  (the *root* mode: exact, but it holds every event in memory).

The body is then classified: a chain of ``select(...)`` stages (``kind="select"``), an expression yielding
booleans such as ``.eventName == "X"`` (``kind="boolean"``, an implicit select), or a projection whose
values become the table's columns (``kind="project"``: ``[...]``, ``{...}``, or any other expression),
optionally ending in ``@tsv``/``@csv``.

:func:`run_filter` finds the matching rows. The conditions of the ``select`` stages are turned into a
*plan* over the store's indexes: equality on an indexed path (``.eventName == "X"``), the derived keys
(``actor_key == "…"``, ``has_access_key("…")``), ``IN(...)``, ``and``/``or``/``!=``. When every part of the
plan is exact, no record is even decoded. Otherwise the plan still narrows the candidates — an equality or
``contains`` on any path needs the literal's JSON bytes inside the record, found with a C-speed substring
search — and the jq program decides on those candidates only. Answers are always what jq would say; the
indexes only decide how much work it takes.
"""

from __future__ import annotations

import bisect
import itertools
import operator
import time
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Optional, Sequence, Union

import orjson

from . import jq
from .jq import ast
from .store import DERIVED_INDEXES, MULTI_INDEXES, EventStore
from .unparse import UnparseError, unparse

PRELUDE_PATH = Path(__file__).with_name("prelude.jq")
PRELUDE = PRELUDE_PATH.read_text(encoding="utf-8") if PRELUDE_PATH.exists() else ""
"""trailtui's jq extensions (``actor_key``, ``ip_key``, ``has_access_key`` …), written in plain jq."""

BOOLEAN_FUNCTIONS = frozenset(
    {
        "test", "startswith", "endswith", "contains", "inside", "has", "in", "any", "all", "not",
        "isempty", "IN", "isvalid", "isinfinite", "isnan", "isnormal", "has_access_key", "has_session",
        "has_resource",
    }
)
"""Builtins whose outputs are booleans: a filter ending in one is an implicit select."""

CHUNK = 4096
"""Rows decoded between cancellation checks."""

# ---------------------------------------------------------------------------------------------------
# Plans


@dataclass(frozen=True)
class PEq:
    """``PATH == value`` (``path`` of strings; a derived key is ``("@actor_key",)``)."""

    path: tuple
    value: Any


@dataclass(frozen=True)
class PMember:
    """``has_access_key("K")`` style membership in a multi-valued derived key."""

    index: str
    value: str


@dataclass(frozen=True)
class PSubstr:
    """A necessary condition: the record's JSON bytes contain ``needle``."""

    needle: bytes


@dataclass(frozen=True)
class PTruthy:
    """``select(.path)``: the value is neither null nor false."""

    path: tuple


@dataclass(frozen=True)
class PPred:
    """``PATH | PREDICATE`` (or ``(PATH // default) | PREDICATE``, or ``PATH OP literal``) where the
    predicate yields booleans and depends on its input only: on an indexed path it is evaluated once per
    distinct value, not once per event."""

    path: tuple
    predicate: str
    """jq text of the predicate, run with the path's value as input."""
    default: Any = None
    has_default: bool = False


@dataclass(frozen=True)
class PTimeRange:
    """Comparisons of ``.eventTime`` with string literals, answered from the extracted time column."""

    conditions: tuple
    """(operator, literal) pairs, all of which must hold."""


@dataclass(frozen=True)
class PNot:
    """Negation of an equality (``!=``)."""

    item: PEq


@dataclass(frozen=True)
class PAnd:
    items: tuple


@dataclass(frozen=True)
class POr:
    items: tuple


@dataclass(frozen=True)
class PAny:
    """No usable structure: every row is a candidate."""


Plan = Union[PEq, PMember, PSubstr, PTruthy, PPred, PTimeRange, PNot, PAnd, POr, PAny]


def _simple_path(node: ast.Node) -> Optional[tuple]:
    path = ast.path_of(node)
    if path is None or not path or not all(isinstance(step, str) for step in path):
        return None
    return path


def _keyish(node: ast.Node) -> Optional[tuple]:
    """A simple path, a derived-key call, or ``PATH // "default"`` (returned with the default)."""
    path = _simple_path(node)
    if path is not None:
        return path
    if isinstance(node, ast.FuncCall) and not node.args and node.name in DERIVED_INDEXES:
        return ("@" + node.name,)
    return None


def _alt_default(node: ast.Node) -> Optional[tuple[tuple, Any]]:
    if isinstance(node, ast.Alt) and isinstance(node.right, ast.Literal):
        path = _simple_path(node.left)
        if path is not None:
            return path, node.right.value
    return None


def _comma_items(node: ast.Node) -> list[ast.Node]:
    if isinstance(node, ast.Comma):
        return _comma_items(node.left) + _comma_items(node.right)
    return [node]


def _escaped(text: str) -> bytes:
    """The bytes a string's characters take inside orjson's output (without the quotes)."""
    return orjson.dumps(text)[1:-1]


_REGEX_META = set(".^$*+?()[]{}|\\")


def _string_predicate(func: ast.FuncCall) -> Optional[tuple[str, str]]:
    """(kind, literal) for ``contains/startswith/endswith/test("lit")`` with a plain literal."""
    if func.name in ("contains", "startswith", "endswith") and len(func.args) == 1:
        arg = func.args[0]
        if isinstance(arg, ast.Literal) and isinstance(arg.value, str) and arg.value:
            return func.name, arg.value
    if func.name == "test" and func.args:
        arg = func.args[0]
        if not (isinstance(arg, ast.Literal) and isinstance(arg.value, str) and arg.value):
            return None
        if any(ch in _REGEX_META for ch in arg.value):
            return None
        if len(func.args) == 2:
            flags = func.args[1]
            if not (isinstance(flags, ast.Literal) and isinstance(flags.value, str)):
                return None
            if set(flags.value) - set("gn"):
                return None
        return "contains", arg.value
    return None


def _satisfies(kind: str, literal: str, value: Any) -> bool:
    if not isinstance(value, str):
        return False
    if kind == "contains":
        return literal in value
    if kind == "startswith":
        return value.startswith(literal)
    return value.endswith(literal)


_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}


def _pure(node: Any) -> bool:
    """True when a subtree depends on its input only (no variables, no environment, no clock)."""
    if isinstance(node, ast.Var):
        return False
    if isinstance(node, ast.FuncCall) and node.name in ("now", "input", "inputs", "env", "input_filename", "debug", "stderr", "halt", "halt_error"):
        return False
    if isinstance(node, (list, tuple)):
        return all(_pure(item) for item in node)
    if hasattr(node, "__dataclass_fields__"):
        return all(_pure(getattr(node, name)) for name in node.__dataclass_fields__ if name != "pos")
    return True


def _value_predicate(left: ast.Node, func: ast.Node) -> Optional[PPred]:
    """``PATH | f`` or ``(PATH // "d") | f`` with a pure boolean ``f`` as a per-value predicate."""
    if not (_is_boolean(func) and _pure(func)):
        return None
    try:
        text = unparse(func)
    except UnparseError:
        return None
    path = _simple_path(left)
    if path is not None:
        return PPred(path, text)
    alt = _alt_default(left)
    if alt is not None:
        return PPred(alt[0], text, alt[1], True)
    return None


def plan_of(node: ast.Node) -> Plan:
    """A plan whose rows are a superset of the rows where ``node`` yields a true value."""
    if isinstance(node, ast.And):
        left, right = plan_of(node.left), plan_of(node.right)
        if isinstance(left, PTimeRange) and isinstance(right, PTimeRange):
            return PTimeRange(left.conditions + right.conditions)
        return PAnd((left, right))
    if isinstance(node, ast.Or):
        return POr((plan_of(node.left), plan_of(node.right)))
    if isinstance(node, ast.Binary) and node.op in ("<", "<=", ">", ">="):
        for side, other, op in ((node.left, node.right, node.op), (node.right, node.left, _FLIP[node.op])):
            if isinstance(other, ast.Literal) and _simple_path(side) == ("eventTime",) and isinstance(other.value, str):
                return PTimeRange(((op, other.value),))
            path = _simple_path(side)
            if path is not None and isinstance(other, ast.Literal):
                return PPred(path, unparse(ast.Binary(op, ast.Identity(), other)))
        return PAny()
    if isinstance(node, ast.Binary) and node.op in ("==", "!="):
        for side, other in ((node.left, node.right), (node.right, node.left)):
            if not isinstance(other, ast.Literal):
                continue
            key = _keyish(side)
            value = other.value
            if key is None:
                alt = _alt_default(side)
                if alt is not None and alt[1] != value and node.op == "==":
                    key = alt[0]
            if key is not None:
                eq = PEq(key, value)
                return eq if node.op == "==" else PNot(eq)
        return PAny()
    if isinstance(node, ast.FuncCall) and node.name in MULTI_INDEXES and len(node.args) == 1:
        arg = node.args[0]
        if isinstance(arg, ast.Literal) and isinstance(arg.value, str):
            return PMember(node.name, arg.value)
        return PAny()
    if isinstance(node, ast.FuncCall) and node.name == "select" and len(node.args) == 1:
        return plan_of(node.args[0])
    if isinstance(node, ast.Pipe) and isinstance(node.right, ast.FuncCall):
        func = node.right
        left = node.left
        if func.name == "IN" and len(func.args) == 1:
            key = _keyish(left)
            items = _comma_items(func.args[0])
            if key is not None and all(isinstance(i, ast.Literal) for i in items):
                return POr(tuple(PEq(key, i.value) for i in items))
            return PAny()
        generic = _value_predicate(left, func)
        if generic is not None:
            return generic
        predicate = _string_predicate(func)
        if predicate is not None:
            kind, literal = predicate
            if _simple_path(left) is None:
                alt = _alt_default(left)
                if alt is None or _satisfies(kind, literal, alt[1]):
                    return PAny()
            needle = _escaped(literal)
            if kind == "startswith":
                needle = b'"' + needle
            elif kind == "endswith":
                needle = needle + b'"'
            return PSubstr(needle)
    path = _simple_path(node)
    if path is not None:
        return PTruthy(path)
    return PAny()


# ---------------------------------------------------------------------------------------------------
# Row sets

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


# ---------------------------------------------------------------------------------------------------
# Query shape


class QueryError(Exception):
    """A filter that cannot be compiled: ``pos`` (0-based, in the text the user typed) and ``reason``."""

    def __init__(self, text: str, pos: int, reason: str):
        super().__init__(reason)
        self.text = text
        self.pos = pos
        self.reason = reason

    def caret(self) -> str:
        """The filter with a caret under the offending character."""
        line_start = self.text.rfind("\n", 0, self.pos) + 1
        line_end = self.text.find("\n", self.pos)
        line = self.text[line_start : line_end if line_end != -1 else len(self.text)]
        return f"{line}\n{' ' * (self.pos - line_start)}^"

    def __str__(self) -> str:
        return f"{self.reason} at position {self.pos + 1}"


def _stages(node: ast.Node) -> list[ast.Node]:
    if isinstance(node, ast.Pipe):
        return _stages(node.left) + _stages(node.right)
    return [node]


def _join(stages: Sequence[ast.Node]) -> ast.Node:
    if not stages:
        return ast.Identity()
    node = stages[-1]
    for stage in reversed(stages[:-1]):
        node = ast.Pipe(stage, node)
    return node


def _is_records_iter(node: ast.Node) -> bool:
    return (
        isinstance(node, ast.Iterate)
        and isinstance(node.target, ast.Index)
        and isinstance(node.target.target, ast.Identity)
        and isinstance(node.target.index, ast.Literal)
        and node.target.index.value == "Records"
    )


def _mentions_records(node: Any) -> bool:
    if isinstance(node, ast.Literal) and node.value == "Records":
        return True
    if isinstance(node, (list, tuple)):
        return any(_mentions_records(item) for item in node)
    if hasattr(node, "__dataclass_fields__"):
        return any(_mentions_records(getattr(node, name)) for name in node.__dataclass_fields__ if name != "pos")
    return False


def _constant_strings(node: ast.Node) -> Optional[list[str]]:
    if isinstance(node, ast.ArrayCons) and node.body is not None:
        items = _comma_items(node.body)
        if all(isinstance(i, ast.Literal) and isinstance(i.value, str) for i in items):
            return [i.value for i in items]
    return None


def _is_boolean(node: ast.Node) -> bool:
    if isinstance(node, (ast.And, ast.Or)):
        return True
    if isinstance(node, ast.Binary) and node.op in ("==", "!=", "<", "<=", ">", ">="):
        return True
    if isinstance(node, ast.Literal) and isinstance(node.value, bool):
        return True
    if isinstance(node, ast.FuncCall) and node.name in BOOLEAN_FUNCTIONS:
        return True
    if isinstance(node, ast.Pipe):
        return _is_boolean(node.right)
    return False


def _is_select(node: ast.Node) -> bool:
    return isinstance(node, ast.FuncCall) and node.name == "select" and len(node.args) == 1


def _label(node: ast.Node, source: str) -> str:
    try:
        return unparse(node)
    except UnparseError:
        return source[node.pos : node.pos + 40] or "value"


def _column_labels(node: ast.Node, source: str) -> list[str]:
    if isinstance(node, ast.ArrayCons):
        if node.body is None:
            return []
        return [_label(item, source) for item in _comma_items(node.body)]
    if isinstance(node, ast.ObjectCons):
        labels = []
        for entry in node.entries:
            key = entry.key
            if isinstance(key, ast.Literal) and isinstance(key.value, str):
                labels.append(key.value)
            elif isinstance(key, ast.Var):
                labels.append(key.name)
            else:
                labels.append(_label(key, source))
        return labels
    return [_label(node, source)]


@dataclass
class EventQuery:
    """A compiled filter and what it means for the table and the headless output."""

    text: str
    mode: str
    """``events`` (runs per event) or ``root`` (runs once on ``{"Records": [...]}``)."""
    kind: str
    """``all``, ``select``, ``boolean`` (implicit select), ``project`` or ``aggregate`` (root mode)."""
    program: Any
    """The whole program as typed (root mode and exact headless output)."""
    body: Any = None
    """Per-event program, trailing ``@format`` included (headless output per event)."""
    match: Any = None
    """Per-event program deciding whether an event is shown (None: decided by ``plan`` alone)."""
    projection: Any = None
    """Per-event program producing the table's cells (None: the default columns)."""
    header: Optional[list[str]] = None
    """A leading header array (``["Event_Time", ...], (.Records[] | ...)``)."""
    header_outputs: list[Any] = field(default_factory=list)
    """What the header part prints (e.g. the header through ``@tsv``)."""
    columns: Optional[list[str]] = None
    """Column labels of a projection."""
    fmt: Optional[str] = None
    """A trailing ``@tsv``/``@csv``/... applied to each output."""
    plan: Plan = field(default_factory=PAny)
    """A superset of the matching rows, from the selection conditions."""
    plan_decides: bool = False
    """True when every event matches (``.Records[]`` or ``.``)."""
    selection_only: bool = False
    """True when ``match`` is exactly the selection conditions (so an exact, complete plan can replace it)."""
    ast: Any = None
    records_form: bool = False
    """True for ``.Records[] | ...`` programs: headless output then follows jq for every event."""

    @property
    def is_projection(self) -> bool:
        return self.kind == "project"


def _compile_part(node: ast.Node, text: str) -> Any:
    try:
        return jq.compile_program(unparse(node), prelude=PRELUDE or None)
    except (UnparseError, jq.JqCompileError):
        return None


def compile_query(text: str) -> EventQuery:
    """Compile a filter typed in the filter bar or given to ``trailtui query -f``.

    Raises :class:`QueryError` with the position and reason of a syntax error or an unsupported construct.
    """
    source = text.strip()
    if not source:
        source = "."
    offset = text.find(source) if text.strip() else 0
    try:
        program = jq.compile_program(source, prelude=PRELUDE or None)
    except jq.JqCompileError as err:
        raise QueryError(text, offset + max(0, min(err.pos, len(source))), err.reason) from None
    tree = program.ast
    stages = _stages(tree)
    header = None
    header_outputs: list[Any] = []
    first = stages[0]
    if isinstance(first, ast.Comma):
        items = _comma_items(first)
        constant = _constant_strings(items[0])
        rest = _join_comma(items[1:])
        inner = _stages(rest) if rest is not None else []
        if constant is not None and inner and (_is_records_iter(inner[0]) or not _mentions_records(rest)):
            header = constant
            after = stages[1:]
            header_prog = _compile_part(_join([items[0], *after]), source)
            if header_prog is not None:
                try:
                    header_outputs = list(header_prog.run(None))
                except jq.JqRuntimeError:
                    header_outputs = []
            stages = inner + after
    records_form = _is_records_iter(stages[0])
    if records_form:
        body_stages = stages[1:]
    elif _mentions_records(tree if header is None else _join(stages)):
        return EventQuery(text=text, mode="root", kind="aggregate", program=program, ast=tree)
    else:
        body_stages = stages
    query = EventQuery(text=text, mode="events", kind="all", program=program, header=header,
                       header_outputs=header_outputs, ast=tree, records_form=records_form)
    if not body_stages or (len(body_stages) == 1 and isinstance(body_stages[0], ast.Identity)):
        query.body = None
        query.plan_decides = True
        return query
    query.body = _compile_part(_join(body_stages), source)
    if query.body is None:
        raise QueryError(text, offset, "not supported: this filter could not be split per event")
    display = list(body_stages)
    if isinstance(display[-1], ast.Format):
        query.fmt = display[-1].name
        display = display[:-1]
    selects = 0
    while selects < len(display) and _is_select(display[selects]):
        selects += 1
    conditions = [stage.args[0] for stage in display[:selects]]
    rest = display[selects:]
    if not rest:
        query.kind = "select"
        query.plan = _and_plans(conditions)
        query.match = _compile_part(_join(display), source)
        query.selection_only = True
    elif not conditions and _is_boolean(rest[-1]):
        # `.eventName == "X"`, `(.errorCode // "") | test("Denied")`: yields booleans, an implicit select.
        condition = _join(rest)
        query.kind = "boolean"
        query.plan = plan_of(condition)
        query.match = _compile_part(condition, source)
        query.selection_only = True
    else:
        query.kind = "project"
        query.plan = _and_plans(conditions)
        projection = _join(rest)
        query.columns = header if header is not None else _column_labels(rest[-1], source)
        query.projection = _compile_part(projection, source)
        if len(rest) == 1 and isinstance(rest[0], (ast.ArrayCons, ast.ObjectCons)):
            # A constructor yields exactly one value (or an error): matching is the selection alone.
            query.match = _compile_part(_join(display[:selects]), source) if selects else None
            query.selection_only = True
        else:
            query.match = _compile_part(_join(display), source)
    return query


def _join_comma(items: Sequence[ast.Node]) -> Optional[ast.Node]:
    if not items:
        return None
    node = items[0]
    for item in items[1:]:
        node = ast.Comma(node, item)
    return node


def _and_plans(conditions: Sequence[ast.Node]) -> Plan:
    if not conditions:
        return PAny()
    if len(conditions) == 1:
        return plan_of(conditions[0])
    return PAnd(tuple(plan_of(c) for c in conditions))


# ---------------------------------------------------------------------------------------------------
# Running


@dataclass
class FilterResult:
    """Rows that match, in load order, with what went wrong along the way."""

    rows: array
    total: int
    errors: int = 0
    first_error: Optional[str] = None
    elapsed: float = 0.0
    decoded: int = 0
    """How many records had to be decoded (0 when the indexes answered alone)."""
    cancelled: bool = False

    def error_note(self) -> str:
        """"12 events raised: …" or ""."""
        if not self.errors:
            return ""
        noun = "event" if self.errors == 1 else "events"
        return f"{self.errors:,} {noun} raised: {self.first_error}"


def _matches(query: EventQuery, record: Any) -> bool:
    program = query.match
    if query.kind == "boolean":
        for value in program.run(record):
            if value is True:
                return True
        return False
    for _ in program.run(record):
        return True
    return False


def run_filter(
    store: EventStore,
    query: EventQuery,
    *,
    n: Optional[int] = None,
    cancelled: Optional[Callable[[], bool]] = None,
    within: Optional[Sequence[int]] = None,
) -> FilterResult:
    """Find the rows (below ``n``, default all) the query selects; ``within`` narrows to given rows.

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
    if query.match is None or (exact and query.selection_only and _plan_complete(query.plan)):
        return FilterResult(array("I", candidates), total, elapsed=time.perf_counter() - started)
    rows = array("I")
    errors = 0
    first_error: Optional[str] = None
    decoded = 0
    is_cancelled = False
    candidate_list = candidates
    for start in range(0, len(candidate_list), CHUNK):
        if cancelled is not None and cancelled():
            is_cancelled = True
            break
        block = candidate_list[start : start + CHUNK]
        for row, record in zip(block, store.records(block)):
            decoded += 1
            try:
                if _matches(query, record):
                    rows.append(row)
            except jq.JqRuntimeError as err:
                errors += 1
                if first_error is None:
                    first_error = str(err)
            except RecursionError:
                errors += 1
                if first_error is None:
                    first_error = "recursion too deep"
    return FilterResult(rows, total, errors, first_error, time.perf_counter() - started, decoded, is_cancelled)


def _plan_complete(plan: Plan) -> bool:
    """True when the plan expresses the whole condition (every leaf an index lookup, no prefilter)."""
    if isinstance(plan, (PEq, PMember, PNot, PPred, PTimeRange)):
        return True
    if isinstance(plan, (PAnd, POr)):
        return all(_plan_complete(item) for item in plan.items)
    return False


def value_cells(value: Any) -> list[Any]:
    """One output as table cells: an array's elements, an object's values, anything else as one cell."""
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        return list(value.values())
    return [value]


def cells_of(query: EventQuery, record: Any) -> Optional[list[Any]]:
    """The projection's first output for one event as cells (None when it yields nothing).

    A runtime error gives a single ``error: …`` string cell.
    """
    try:
        for value in query.projection.run(record):
            return value_cells(value)
    except jq.JqRuntimeError as err:
        return [f"error: {err}"]
    return None


def event_outputs(query: EventQuery, record: Any) -> Iterator[Any]:
    """What the per-event body yields for one record (jq's outputs, trailing format applied)."""
    if query.body is None:
        yield record
        return
    if query.kind == "boolean" and not query.records_form:
        if any(value is True for value in query.body.run(record)):
            yield record
        return
    yield from query.body.run(record)


def run_root(query: EventQuery, store: EventStore, rows: Optional[Sequence[int]] = None) -> Iterator[Any]:
    """Run a root-mode program once on ``{"Records": [every event]}`` (holds them all in memory)."""
    selected = range(len(store)) if rows is None else rows
    document = {"Records": list(store.records(selected))}
    yield from query.program.run(document)
