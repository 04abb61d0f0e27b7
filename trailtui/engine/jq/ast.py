"""The syntax tree of a jq program.

The parser produces these nodes; the compiler turns them into Python closures; the query planner
(`trailtui.engine.query`) inspects them to find index lookups and literal prefilters. Every node
records ``pos``, the character offset in the source where it starts, so errors can point at it.
Nodes are frozen dataclasses: a tree can be shared and hashed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional, Union


@dataclass(frozen=True)
class Node:
    """Base class of every node."""

    pos: int = field(default=0, compare=False, kw_only=True)


@dataclass(frozen=True)
class Identity(Node):
    """``.``"""


@dataclass(frozen=True)
class RecurseAll(Node):
    """``..`` (same as ``recurse``)."""


@dataclass(frozen=True)
class Literal(Node):
    """A constant: number, string, true, false or null (``value`` holds the Python value)."""

    value: Any


@dataclass(frozen=True)
class Index(Node):
    """``target.name``, ``target."name"``, ``target[expr]`` (``?`` sets ``optional``).

    ``.a`` is ``Index(Identity(), Literal("a"))``; ``.a.b`` nests: ``Index(Index(Identity(), "a"), "b")``.
    """

    target: Node
    index: Node
    optional: bool = False


@dataclass(frozen=True)
class Slice(Node):
    """``target[start:end]``; either bound may be None."""

    target: Node
    start: Optional[Node]
    end: Optional[Node]
    optional: bool = False


@dataclass(frozen=True)
class Iterate(Node):
    """``target[]`` (``target[]?`` sets ``optional``)."""

    target: Node
    optional: bool = False


@dataclass(frozen=True)
class StringInterp(Node):
    """A string with ``\\(expr)`` parts; ``fmt`` is the ``@name`` applied to the parts, if any."""

    parts: tuple[Union[str, Node], ...]
    fmt: Optional[str] = None


@dataclass(frozen=True)
class Format(Node):
    """``@tsv``, ``@csv``, ``@json``, ``@text``, ``@base64``, ``@base64d``, ``@uri``, ``@sh``, ``@html``."""

    name: str


@dataclass(frozen=True)
class ArrayCons(Node):
    """``[body]`` (``body`` None for ``[]``)."""

    body: Optional[Node]


@dataclass(frozen=True)
class ObjectEntry:
    """One ``key: value`` of an object constructor.

    ``key`` is a Literal string for ``a:``/``"a":``, a Var for ``$x``, a StringInterp, or any
    expression for ``(expr):``. ``value`` is None for the shorthand forms ``{a}``, ``{$x}``, ``{"a"}``.
    """

    key: Node
    value: Optional[Node]


@dataclass(frozen=True)
class ObjectCons(Node):
    """``{k: v, ...}``."""

    entries: tuple[ObjectEntry, ...]


@dataclass(frozen=True)
class Pipe(Node):
    """``left | right``."""

    left: Node
    right: Node


@dataclass(frozen=True)
class Comma(Node):
    """``left, right``."""

    left: Node
    right: Node


@dataclass(frozen=True)
class Neg(Node):
    """Unary minus ``-expr``."""

    expr: Node


@dataclass(frozen=True)
class Binary(Node):
    """Arithmetic and comparison: ``op`` in ``+ - * / % == != < <= > >=``."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class And(Node):
    """``left and right``."""

    left: Node
    right: Node


@dataclass(frozen=True)
class Or(Node):
    """``left or right``."""

    left: Node
    right: Node


@dataclass(frozen=True)
class Alt(Node):
    """``left // right``."""

    left: Node
    right: Node


@dataclass(frozen=True)
class If(Node):
    """``if cond then then_ (elif c then t)* (else else_)? end``."""

    cond: Node
    then: Node
    elifs: tuple[tuple[Node, Node], ...] = ()
    else_: Optional[Node] = None


@dataclass(frozen=True)
class Try(Node):
    """``try body (catch handler)?``."""

    body: Node
    catch: Optional[Node] = None


@dataclass(frozen=True)
class TryOpt(Node):
    """Postfix ``expr?`` (errors suppressed)."""

    body: Node


@dataclass(frozen=True)
class VarPattern:
    """``$name`` in a destructuring pattern."""

    name: str


@dataclass(frozen=True)
class ArrayPattern:
    """``[$a, $b]``."""

    items: tuple["Pattern", ...]


@dataclass(frozen=True)
class ObjectPatternEntry:
    """``key: pattern`` or ``$name`` (key is a Var, pattern may be None) in an object pattern."""

    key: Node
    pattern: Optional["Pattern"]


@dataclass(frozen=True)
class ObjectPattern:
    """``{a: $x, $y, "b": [$z]}``."""

    entries: tuple[ObjectPatternEntry, ...]


Pattern = Union[VarPattern, ArrayPattern, ObjectPattern]


@dataclass(frozen=True)
class As(Node):
    """``source as PATTERN ?// PATTERN ... | body``."""

    source: Node
    patterns: tuple[Pattern, ...]
    body: Node


@dataclass(frozen=True)
class Reduce(Node):
    """``reduce source as PATTERN (init; update)``."""

    source: Node
    pattern: Pattern
    init: Node
    update: Node


@dataclass(frozen=True)
class Foreach(Node):
    """``foreach source as PATTERN (init; update; extract?)``."""

    source: Node
    pattern: Pattern
    init: Node
    update: Node
    extract: Optional[Node] = None


@dataclass(frozen=True)
class FuncDef(Node):
    """``def name(params): body; rest`` — ``params`` names starting with ``$`` are value params."""

    name: str
    params: tuple[str, ...]
    body: Node
    rest: Node


@dataclass(frozen=True)
class FuncCall(Node):
    """A call of a builtin or user function: ``select(c)``, ``length``, ``test("x"; "i")``."""

    name: str
    args: tuple[Node, ...] = ()


@dataclass(frozen=True)
class Var(Node):
    """``$name`` (``$__loc__``, ``$ENV`` included)."""

    name: str


@dataclass(frozen=True)
class Label(Node):
    """``label $name | body``."""

    name: str
    body: Node


@dataclass(frozen=True)
class Break(Node):
    """``break $name``."""

    name: str


@dataclass(frozen=True)
class Update(Node):
    """Assignment operators: ``op`` in ``= |= += -= *= /= %= //=``."""

    op: str
    lhs: Node
    rhs: Node


def path_of(node: Node) -> Optional[tuple[Union[str, int], ...]]:
    """Return the constant path of a simple path expression, or None.

    ``.a.b`` → ``("a", "b")``; ``.["x"][0]`` → ``("x", 0)``; ``.`` → ``()``. Optional (``?``)
    steps, iteration and computed keys make it not simple.
    """
    steps: list[Union[str, int]] = []
    while True:
        if isinstance(node, Identity):
            return tuple(reversed(steps))
        if isinstance(node, Index) and not node.optional and isinstance(node.index, Literal):
            key = node.index.value
            if isinstance(key, bool) or not isinstance(key, (str, int)):
                return None
            steps.append(key)
            node = node.target
            continue
        return None
