"""Facets: how a view's events spread over the values of one field (who did most of this, from where).

A facet field is either a named display field (``actor``, ``ip``, ``event``, ``source``, ``error``,
``region``, ``account``, ``agent``: the table's extracted strings, "" where absent) or any jq expression
starting with ``.`` (``.userIdentity.type``, ``.resources[]?.ARN``), run with the prelude in scope.

Counting is jq-exact. A jq expression groups events by the JSON values it yields, with jq's equality
(``1`` and ``1.0`` are one value, objects equal whatever their key order): an event counts once for each
distinct value it yields, an event yielding nothing counts in the :data:`NO_VALUE` bucket and an event on
which the expression raises in the errors count. A path such as ``.a.b`` yields ``null`` when the key is
missing, so missing values are the ``null`` bucket, as in ``jq 'group_by(.a.b)'``.

Each named field carries the jq text that selects exactly the events of one of its values, so narrowing to
a value (or excluding it) is an ordinary, editable filter: ``.sourceIPAddress == "1.2.3.4"``. The tests
check counts against libjq's ``group_by`` and that each narrowing filter selects exactly the counted events,
on both backends.

A backend may answer faster with ``facet_counts(fields, rows)`` (display fields, one pass for many fields)
and ``path_counts_json(path, rows)`` (a stored jq path's values as JSON text); otherwise the counts come
from ``display()`` and decoded records.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Sequence

from . import jq
from .backend import Backend, Cancelled
from .errors import UsageError
from .jq.values import sort_key
from .prelude import PRELUDE
from .unparse import literal


class _NoValue:
    """The bucket of events on which an expression yields nothing."""

    def __repr__(self) -> str:
        return "NO_VALUE"


NO_VALUE: Any = _NoValue()


@dataclass(frozen=True)
class FacetField:
    """A field to count values of.

    ``display`` is the backend display field it reads (None for a jq expression). ``expression`` is jq text
    yielding exactly the counted value on one event; ``path`` is shorter jq text equal to it for every
    non-empty value (used in narrowing filters because it reads better and SQL answers it), or None.
    """

    name: str
    label: str
    display: Optional[str]
    expression: str
    path: Optional[str] = None

    @property
    def is_display(self) -> bool:
        return self.display is not None


def _string_of(path: str) -> str:
    """jq text yielding the string at ``path`` on a record, else "" (a display field's rule)."""
    return f"(({path}? | strings) // \"\")"


FACET_FIELDS: dict[str, FacetField] = {
    f.name: f
    for f in (
        FacetField("actor", "Actor", "actor_key", '(actor_key // "")', "actor_key"),
        FacetField("ip", "Source IP", "ip", _string_of(".sourceIPAddress"), ".sourceIPAddress"),
        FacetField("event", "Event", "event", "event_display_name", ".eventName"),
        FacetField("source", "Source", "source",
                   '((if is_insight then .insightDetails else . end | field("eventSource") | strings) // "")',
                   # Insight records name the service in insightDetails: `.eventSource == v` would miss them.
                   '(if is_insight then .insightDetails else . end | field("eventSource"))'),
        FacetField("error", "Error", "error", _string_of(".errorCode"), ".errorCode"),
        FacetField("region", "Region", "region", _string_of(".awsRegion"), ".awsRegion"),
        FacetField("account", "Account", "account", '(record_account // "")', "record_account"),
        FacetField("agent", "User agent", "agent", _string_of(".userAgent"), ".userAgent"),
    )
}
"""The named facets, in the order the facets pane shows them. The actor facet counts identities (rule R1's
``actor_key``: ``user:123456789012:glitch``), so two sessions of one role are one actor."""

DEFAULT_FACETS: tuple[str, ...] = tuple(FACET_FIELDS)

FIELD_ALIASES = {"origin_ip": "ip", "client": "agent", "outcome": "error", "actor_key": "actor"}
"""Screen columns whose facet is a named facet's (``F`` on the Source IP column gives the ``ip`` facet)."""


def resolve_facet(name: str) -> FacetField:
    """A facet field from a user's name: a named facet (``ip``) or jq text starting with ``.``."""
    name = name.strip()
    name = FIELD_ALIASES.get(name, name)
    found = FACET_FIELDS.get(name)
    if found is not None:
        return found
    if name.startswith("."):
        _program(name)  # a bad expression fails here, with the reason
        return FacetField(name, name, None, name, name if _is_simple_path(name) else None)
    raise UsageError(
        f"unknown facet field {name!r}",
        f"use one of {', '.join(FACET_FIELDS)} or a jq path starting with '.'",
    )


@dataclass
class FacetValue:
    """One value of a facet and how many of the view's events have it."""

    value: Any
    count: int

    @property
    def text(self) -> str:
        """How the value shows (strings raw, ``(empty)`` for "", other values as compact JSON)."""
        if self.value is NO_VALUE:
            return "(no value)"
        if self.value == "" and isinstance(self.value, str):
            return "(empty)"
        return self.value if isinstance(self.value, str) else jq.dumps(self.value)


_ACTOR_KINDS_3 = {"user": "IAM user", "role": "role", "federated": "federated", "account": "account"}
_ACTOR_KINDS_2 = {"root": "root", "service": "AWS service", "sso-user": "SSO user"}


def actor_label(key: str) -> str:
    """How the screen shows an R1 actor key: the name first, then what it is and its account
    (``user:123456789012:glitch`` -> ``glitch  (IAM user · 123456789012)``). Keys of other shapes show as they are;
    the key itself stays what narrowing compares."""
    kind, _, rest = key.partition(":")
    if kind in _ACTOR_KINDS_3:
        account, sep, name = rest.partition(":")
        if sep and account.isdigit():
            return f"{name}  ({_ACTOR_KINDS_3[kind]} · {account})"
    elif kind in _ACTOR_KINDS_2 and rest:
        return f"{rest}  ({_ACTOR_KINDS_2[kind]})"
    return key


def shown_text(facet_field: "FacetField", item: "FacetValue") -> str:
    """A facet value as the facets pane shows it (the actor facet by name, see :func:`actor_label`)."""
    if facet_field.name == "actor" and isinstance(item.value, str) and item.value:
        return actor_label(item.value)
    return item.text


@dataclass
class Facet:
    """The counts of one field over ``total`` events, most common first (ties in jq's value order)."""

    field: FacetField
    total: int
    values: list[FacetValue] = field(default_factory=list)
    errors: int = 0
    """Events on which the expression raised (counted in no bucket)."""

    def sorted(self, ascending: bool = False) -> list[FacetValue]:
        """The values by count: most common first, or rarest first."""
        if not ascending:
            return self.values
        return sorted(self.values, key=lambda v: (v.count, _order(v.value)))


def _order(value: Any) -> tuple:
    return (-1,) if value is NO_VALUE else sort_key(value)


def _finish(facet_field: FacetField, total: int, counts: dict[Any, int], values: dict[Any, Any],
            errors: int = 0) -> Facet:
    items = [FacetValue(values[key], n) for key, n in counts.items() if n]
    items.sort(key=lambda v: (-v.count, _order(v.value)))
    return Facet(facet_field, total, items, errors)


_PROGRAMS: dict[str, Any] = {}


def _program(text: str) -> Any:
    program = _PROGRAMS.get(text)
    if program is None:
        try:
            program = _PROGRAMS[text] = jq.compile_program(text, prelude=PRELUDE)
        except jq.JqCompileError as err:
            raise UsageError(f"bad facet {text!r}: {err.reason}") from None
    return program


def _is_simple_path(text: str) -> bool:
    """True for ``.a.b."c"``: object keys only, one output per event (``== v`` reads naturally)."""
    try:
        node = jq.parse(text)
    except jq.JqError:
        return False
    while isinstance(node, jq.ast.Index) and not node.optional:
        if not (isinstance(node.index, jq.ast.Literal) and isinstance(node.index.value, str)):
            return False
        node = node.target
    return isinstance(node, jq.ast.Identity) and text.strip() != "."


def simple_path_keys(text: str) -> Optional[tuple[str, ...]]:
    """``.a.b`` -> ``("a", "b")`` for a simple path, else None (backends with stored path columns use it)."""
    if not _is_simple_path(text):
        return None
    node = jq.parse(text)
    keys: list[str] = []
    while isinstance(node, jq.ast.Index):
        keys.append(node.index.value)
        node = node.target
    return tuple(reversed(keys))


# -- counting -------------------------------------------------------------------------------------------

CHUNK = 16384


def facet_counts(backend: Backend, rows: Sequence[int], fields: Sequence[FacetField],
                 cancelled: Cancelled = None) -> Optional[list[Facet]]:
    """The facets of ``fields`` over ``rows`` (None when cancelled)."""
    out: list[Facet] = []
    displays = [f for f in fields if f.is_display]
    by_display: dict[str, Facet] = {}
    if displays:
        fast = getattr(backend, "facet_counts", None)
        if fast is not None:
            counted = fast([f.display for f in displays], rows)
        else:
            counted = []
            for f in displays:
                counter: Counter = Counter()
                for start in range(0, len(rows), CHUNK * 4):
                    if cancelled is not None and cancelled():
                        return None
                    counter.update(backend.display(f.display, rows[start : start + CHUNK * 4]))
                counted.append(counter)
        for f, counts in zip(displays, counted):
            by_display[f.name] = _finish(f, len(rows), counts, {k: k for k in counts})
    for f in fields:
        if cancelled is not None and cancelled():
            return None
        if f.is_display:
            out.append(by_display[f.name])
            continue
        facet = _path_facet(backend, rows, f, cancelled)
        if facet is None:
            return None
        out.append(facet)
    return out


def _path_facet(backend: Backend, rows: Sequence[int], facet_field: FacetField, cancelled: Cancelled) -> Optional[Facet]:
    counts: dict[Any, int] = {}
    values: dict[Any, Any] = {}
    keys = simple_path_keys(facet_field.expression)
    stored = getattr(backend, "path_counts_json", None)
    if keys is not None and stored is not None:
        found = stored(keys, rows)
        if found is not None:
            import orjson

            groups, errors = found
            for text, n in groups:
                value = orjson.loads(text)
                key = sort_key(value)
                counts[key] = counts.get(key, 0) + n
                values.setdefault(key, value)
            return _finish(facet_field, len(rows), counts, values, errors)
    program = _program(facet_field.expression)
    errors = 0
    no_value = (-1,)
    for start in range(0, len(rows), CHUNK):
        if cancelled is not None and cancelled():
            return None
        for record in backend.records(rows[start : start + CHUNK]):
            seen: set = set()
            try:
                for value in program.run(record):
                    key = sort_key(value)
                    if key not in seen:
                        seen.add(key)
                        values.setdefault(key, value)
            except jq.JqRuntimeError:
                errors += 1
                continue
            if not seen:
                seen.add(no_value)
                values.setdefault(no_value, NO_VALUE)
            for key in seen:
                counts[key] = counts.get(key, 0) + 1
    return _finish(facet_field, len(rows), counts, values, errors)


# -- narrowing ------------------------------------------------------------------------------------------


def value_clause(facet_field: FacetField, value: Any, exclude: bool = False) -> str:
    """jq text true exactly on the events that have ``value`` (or, with ``exclude``, that do not)."""
    if value is NO_VALUE:
        clause = f"isempty({facet_field.expression})"
        return f"({clause} | not)" if exclude else clause
    op = "!=" if exclude else "=="
    if facet_field.is_display:
        if facet_field.name == "actor" and value == "":
            return f"actor_key {op} null"
        if facet_field.name == "event" and " (Insight " in value:
            return f"event_display_name {op} {literal(value)}"
        subject = facet_field.path if value != "" and facet_field.path else facet_field.expression
        return f"{subject} {op} {literal(value)}"
    if facet_field.path is not None:
        return f"{facet_field.path} {op} {literal(value)}"
    clause = f"any({facet_field.expression}; . == {literal(value)})"
    return f"({clause} | not)" if exclude else clause


def combine(current: str, kind: Optional[str], clause: str, records_form: bool = False) -> str:
    """The current filter narrowed by ``clause`` (a boolean jq expression), as editable text.

    ``kind`` is the current query's kind (``all``, ``boolean``, ``select``, ``project``; None for the
    trivial filter). Raises :class:`UsageError` where no narrowing text would mean the same events.
    """
    text = current.strip()
    if kind is None or text in ("", ".", ".Records[]"):
        return clause
    if kind == "boolean" and not records_form:
        joined = f"{text} and {clause}"
        if _left_operand_is(joined, text):
            return joined
        return f"({text}) and {clause}"
    if kind in ("select", "all", "boolean"):
        return f"{text} | select({clause})"
    if kind == "project" and not records_form:
        return f"select({clause}) | {text}"
    raise UsageError("this filter cannot be narrowed by a value", "edit the filter by hand")


def _left_operand_is(joined: str, text: str) -> bool:
    """True when ``joined`` parses as ``(text) and …`` (no parentheses needed around ``text``)."""
    try:
        node = jq.parse(joined)
        alone = jq.parse(text)
    except jq.JqError:
        return False
    return isinstance(node, jq.ast.And) and node.left == alone

