"""What a filter means for a set of loaded events, whatever backend holds them.

A filter is a jq program. :func:`compile_query` reads its shape:

* ``.Records[] | BODY`` (and the same inside ``["Header", ...], (.Records[] | BODY) | @tsv``) runs ``BODY``
  for each loaded event, whatever file shape the event came from;
* a program that does not mention ``.Records`` is itself the per-event body;
* a program that uses ``.Records`` another way (``.Records | length``) runs once on ``{"Records": [...]}``
  (the *root* mode: exact, but it holds every event in memory).

The body is then classified: a chain of ``select(...)`` stages (``kind="select"``), an expression yielding
booleans such as ``.eventName == "X"`` (``kind="boolean"``, an implicit select), or a projection whose
values become the table's columns (``kind="project"``: ``[...]``, ``{...}``, or any other expression),
optionally ending in ``@tsv``/``@csv``. The selection conditions also become a logical plan
(``planner.py``) that each backend answers its own way (``Backend.filter``).
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterator, Optional, Sequence

from . import jq
from .columns import value_cells
from .errors import QueryError
from .jq import ast
from .planner import PAny, Plan, _comma_items, and_plans, is_boolean
from .prelude import PRELUDE
from .unparse import UnparseError, unparse

if TYPE_CHECKING:
    from .backend import Backend

__all__ = ["EventQuery", "FilterResult", "QueryError", "compile_query", "cells_of", "event_outputs", "run_root"]



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


def _nodes(node: Any) -> Iterator[Any]:
    """Every syntax node under ``node`` (itself included), depth first."""
    if isinstance(node, (list, tuple)):
        for item in node:
            yield from _nodes(item)
    elif hasattr(node, "__dataclass_fields__"):
        yield node
        for name in node.__dataclass_fields__:
            if name != "pos":
                yield from _nodes(getattr(node, name))


def _mentions_records(node: Any) -> bool:
    return any(isinstance(n, ast.Literal) and n.value == "Records" for n in _nodes(node))


def function_names(node: Any) -> set[str]:
    """The names of every function a program calls (e.g. to tell whether it needs the prelude)."""
    return {n.name for n in _nodes(node) if isinstance(n, ast.FuncCall)}


def _constant_strings(node: ast.Node) -> Optional[list[str]]:
    if isinstance(node, ast.ArrayCons) and node.body is not None:
        items = _comma_items(node.body)
        if all(isinstance(i, ast.Literal) and isinstance(i.value, str) for i in items):
            return [i.value for i in items]
    return None




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
    reading: Optional[str] = None
    """The ``reading`` this query was compiled with (see :func:`compile_query`); workers recompile with it."""
    uses_filename: bool = False
    """True when the filter calls ``input_filename`` (each run is then told the event's source file)."""
    flippable: bool = False
    """True when the filter can be read either way (a selection of events or a projection)."""
    reading_open: bool = False
    """True when only running the filter can tell whether it selects or projects (see ``compile_query``)."""
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


def compile_query(text: str, reading: Optional[str] = None) -> EventQuery:
    """Compile a filter typed in the filter bar or given to ``trailtui query -f``.

    ``reading`` forces how a per-event filter that is not an explicit ``select`` is read: ``"select"``
    (its outputs are conditions: an event with a ``true`` output is shown) or ``"project"`` (its outputs
    are the table's cells). By default a filter whose last stage is a comparison, ``and``/``or`` or a
    boolean builtin is a selection, a constructor or ``@format`` a projection, and anything else is left
    open (``reading_open``) for the session to decide from what it yields.

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
                       header_outputs=header_outputs, ast=tree, records_form=records_form,
                       uses_filename="input_filename" in function_names(tree), reading=reading)
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
    constructor = len(rest) == 1 and isinstance(rest[0], (ast.ArrayCons, ast.ObjectCons))
    could_select = bool(rest) and not constructor and query.fmt is None and header is None
    syntactic = could_select and not conditions and is_boolean(rest[-1])
    query.reading_open = could_select and reading is None and not syntactic
    query.flippable = could_select
    if not rest:
        query.kind = "select"
        query.plan = and_plans(conditions)
        query.match = _compile_part(_join(display), source)
        query.selection_only = True
    elif could_select and (reading == "select" or (reading is None and syntactic)):
        # `.eventName == "X"`, `(.errorCode // "") | test("Denied")`: yields booleans, an implicit select
        # (for other shapes, the session decides from what the filter yields; see Session.view).
        condition = _join(rest)
        query.kind = "boolean"
        query.plan = and_plans([*conditions, condition])
        query.match = _compile_part(_join(display), source)
        query.selection_only = not conditions
    else:
        query.kind = "project"
        query.plan = and_plans(conditions)
        projection = _join(rest)
        query.columns = header if header is not None else _column_labels(rest[-1], source)
        query.projection = _compile_part(projection, source)
        if constructor:
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


def event_outputs(query: EventQuery, record: Any, filename: Optional[str] = None) -> Iterator[Any]:
    """What the per-event body yields for one record (jq's outputs, trailing format applied).

    ``filename`` is what ``input_filename`` yields (the event's source file)."""
    if query.body is None:
        yield record
        return
    if query.kind == "boolean" and not query.records_form:
        # As jq's `select(E)`: the event once per `true` that E yields.
        for value in query.body.run(record, filename=filename):
            if value is True:
                yield record
        return
    yield from query.body.run(record, filename=filename)


def run_root(query: EventQuery, store: "Backend", rows: Optional[Sequence[int]] = None) -> Iterator[Any]:
    """Run a root-mode program once on ``{"Records": [every event]}`` (holds them all in memory)."""
    selected = range(len(store)) if rows is None else rows
    document = {"Records": list(store.records(selected))}
    yield from query.program.run(document)
