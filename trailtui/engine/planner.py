"""The logical plan of a filter: a superset of the events it selects, in terms any backend can answer.

:func:`plan_of` reads a jq condition (the argument of ``select``, or an implicit-select boolean filter) and
returns a tree of plan nodes: equality on a path (``.eventName == "X"``), membership in a multi-valued
derived key (``has_access_key("…")``), a substring the record's JSON must contain, truthiness of a path,
a predicate on one path's value, an ``.eventTime`` range, and ``and``/``or``/``!=`` of those. A plan never
decides alone unless :func:`plan_complete` says every leaf is exact; the jq program has the last word.
Backends evaluate plans their own way (the in-memory store with inverted indexes, see
``memory_filter.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Sequence, Union

import orjson

from .identity import DERIVED_KEYS, MULTI_KEYS
from .jq import ast
from .unparse import UnparseError, unparse

BOOLEAN_FUNCTIONS = frozenset(
    {
        "test", "startswith", "endswith", "contains", "inside", "has", "in", "any", "all", "not",
        "isempty", "IN", "isvalid", "isinfinite", "isnan", "isnormal", "has_access_key", "has_session",
        "has_resource",
    }
)
"""Builtins whose outputs are booleans: a filter ending in one is an implicit select."""


def is_boolean(node: ast.Node) -> bool:
    if isinstance(node, (ast.And, ast.Or)):
        return True
    if isinstance(node, ast.Binary) and node.op in ("==", "!=", "<", "<=", ">", ">="):
        return True
    if isinstance(node, ast.Literal) and isinstance(node.value, bool):
        return True
    if isinstance(node, ast.FuncCall) and node.name in BOOLEAN_FUNCTIONS:
        return True
    if isinstance(node, ast.Pipe):
        return is_boolean(node.right)
    return False


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
    if isinstance(node, ast.FuncCall) and not node.args and node.name in DERIVED_KEYS:
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
    if not (is_boolean(func) and _pure(func)):
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
            # `(PATH | f) OP literal` is `PATH | (f OP literal)` (same outputs, same errors): e.g. a time
            # bound written `(.eventTime | fromdate) >= N`.
            if (isinstance(side, ast.Pipe) and isinstance(other, ast.Literal) and _simple_path(side.left) is not None
                    and isinstance(side.right, ast.FuncCall) and not side.right.args and _pure(side.right)):
                try:
                    return PPred(_simple_path(side.left), unparse(ast.Binary(op, side.right, other)))
                except UnparseError:
                    pass
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
    if isinstance(node, ast.FuncCall) and node.name in MULTI_KEYS and len(node.args) == 1:
        arg = node.args[0]
        if isinstance(arg, ast.Literal) and isinstance(arg.value, str):
            return PMember(node.name, arg.value)
        return PAny()
    if isinstance(node, ast.FuncCall) and node.name == "select" and len(node.args) == 1:
        return plan_of(node.args[0])
    if isinstance(node, ast.Pipe) and isinstance(node.right, ast.Binary):
        # `PATH | (f OP literal)`, e.g. `.eventTime | fromdate >= N`: a per-value predicate
        generic = _value_predicate(node.left, node.right)
        if generic is not None:
            return generic
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



def and_plans(conditions: Sequence[ast.Node]) -> Plan:
    if not conditions:
        return PAny()
    if len(conditions) == 1:
        return plan_of(conditions[0])
    return PAnd(tuple(plan_of(c) for c in conditions))


def plan_complete(plan: Plan) -> bool:
    """True when the plan expresses the whole condition (every leaf an index lookup, no prefilter)."""
    if isinstance(plan, (PEq, PMember, PNot, PPred, PTimeRange)):
        return True
    if isinstance(plan, (PAnd, POr)):
        return all(plan_complete(item) for item in plan.items)
    return False
