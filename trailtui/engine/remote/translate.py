"""A filter's logical plan (:mod:`trailtui.engine.planner`) as a *coarse* SQL predicate over the remote table.

The remote engine never has the last word: the rows it returns are checked by the exact jq program
locally (see :mod:`.plan`). So a remote predicate only has to be a **superset**: it may keep rows jq
rejects, never drop one jq selects. That is what makes one translation valid on Spark, Athena (Trino) and
CloudTrail Lake at once, where the same SQL function can differ in corners (a number's text, a JSON null,
case folding beyond ASCII, a regex on non-ASCII text): each rule below is written so those corners only
ever *add* rows.

A value predicate ``f`` (``test(R)``, ``startswith(S)``, ``IN(...)``, ``== S``) is translated into two
expressions, ``may_true`` (a superset of the rows where ``f`` yields true) and ``may_false`` (a superset of
the rows where it yields false); ``not`` swaps them and ``and``/``or`` combine them, so negations stay
supersets too. Anything else becomes TRUE (no restriction) with a note saying why it stays local.

Regexes are accepted by :func:`trailtui.engine.jq.sql.check_regex` (the same safe subset the DuckDB
compiler uses: RE2, Java and Joni read it like Oniguruma on printable-ASCII text); a subject with any other
character is always kept.
"""

from __future__ import annotations

import calendar
import math
import re
import time
from dataclasses import dataclass, field
from typing import Any, Optional

from sqlglot import exp

from .. import jq
from ..jq import ast
from ..jq.parser import parse
from ..jq.sql import Untranslatable, check_regex, literal_of
from ..prelude import PRELUDE
from ..planner import PAnd, PAny, PEq, PMember, PNot, POr, PPred, PSubstr, PTimeRange, PTruthy, Plan
from .derived import derived_predicate
from .table import access, column

TRUE = exp.true()
FALSE = exp.false()
_PRINTABLE = "^[ -~]*$"
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")


@dataclass
class Notes:
    """Why parts of the filter are decided locally only (shown by ``--explain``)."""

    items: list[str] = field(default_factory=list)

    def add(self, text: str) -> None:
        if text not in self.items:
            self.items.append(text)


def s(text: str) -> exp.Literal:
    if "\x00" in text:
        raise Untranslatable("a NUL character in a literal")
    return exp.Literal.string(text)


def _and(*parts: exp.Expression) -> exp.Expression:
    parts = tuple(p for p in parts if p is not TRUE)
    if any(p is FALSE for p in parts):
        return FALSE
    if not parts:
        return TRUE
    return exp.and_(*parts) if len(parts) > 1 else parts[0]


def _or(*parts: exp.Expression) -> exp.Expression:
    parts = tuple(p for p in parts if p is not FALSE)
    if any(p is TRUE for p in parts):
        return TRUE
    if not parts:
        return FALSE
    return exp.or_(*parts) if len(parts) > 1 else parts[0]


def _paren(e: exp.Expression) -> exp.Expression:
    return e if isinstance(e, (exp.Boolean, exp.Column, exp.Paren)) else exp.Paren(this=e)


def _not(e: exp.Expression) -> exp.Expression:
    if e is TRUE:
        return FALSE
    if e is FALSE:
        return TRUE
    return exp.Not(this=_paren(e))


def _is_null(e: exp.Expression) -> exp.Expression:
    return exp.Is(this=e.copy(), expression=exp.null())


def _not_null(e: exp.Expression) -> exp.Expression:
    return exp.Not(this=_is_null(e))


def _safe_string(value: str) -> bool:
    """A string no non-string JSON value's text can equal (numbers, true/false/null, objects, arrays)."""
    if value in ("true", "false", "null") or value[:1] in ("{", "["):
        return False
    try:
        float(value)
    except ValueError:
        return True
    return False


# ---------------------------------------------------------------------------------------------------
# Value predicates: (may_true, may_false) over one column's text


Pair = tuple[exp.Expression, exp.Expression]
_UNKNOWN: Pair = (TRUE, TRUE)


def _regex(col: exp.Expression, node: ast.FuncCall) -> Pair:
    args = node.args
    if not all(isinstance(a, ast.Literal) and isinstance(a.value, str) for a in args):
        raise Untranslatable("test with a computed regex or flags")
    pattern, flags = args[0].value, (args[1].value if len(args) == 2 else "")
    rx = check_regex(pattern, flags)
    text = ("(?i)" if "i" in flags else "") + rx.pattern
    matches = exp.RegexpLike(this=col.copy(), expression=s(text))
    odd = _not(exp.RegexpLike(this=col.copy(), expression=s(_PRINTABLE)))
    return _or(matches, odd), _or(_is_null(col), _not(matches), odd)


def _string_test(col: exp.Expression, name: str, needle: str) -> Pair:
    lit = s(needle)
    if name == "contains":
        cond = exp.GT(this=exp.StrPosition(this=col.copy(), substr=lit), expression=exp.Literal.number(0))
    elif name == "startswith":
        cond = exp.EQ(this=exp.Substring(this=col.copy(), start=exp.Literal.number(1),
                                         length=exp.Literal.number(len(needle))), expression=lit)
    else:
        cond = exp.EQ(this=exp.Right(this=col.copy(), expression=exp.Literal.number(len(needle))), expression=lit.copy())
    return cond, _or(_is_null(col), _not(cond))


def _equals(col: exp.Expression, present: exp.Expression, value: Any) -> Pair:
    if value is None:
        # 'null': the text a map (Lake) or a lenient reader may give a JSON null; a string "null" is kept too
        return _or(_is_null(col), exp.EQ(this=col.copy(), expression=s("null"))), _not_null(present)
    if isinstance(value, bool):
        return exp.EQ(this=col.copy(), expression=s("true" if value else "false")), TRUE
    if isinstance(value, str):
        eq = exp.EQ(this=col.copy(), expression=s(value))
        return eq, (_or(_is_null(col), exp.NEQ(this=col.copy(), expression=s(value))) if _safe_string(value) else TRUE)
    raise Untranslatable("a comparison with a number: engines print numbers differently")


def value_pair(node: ast.Node, col: exp.Expression, present: exp.Expression) -> Pair:
    """(may_true, may_false) of the jq predicate ``node`` run on the value whose text is ``col``."""
    if isinstance(node, ast.Pipe) and isinstance(node.right, ast.FuncCall) and node.right.name == "not" and not node.right.args:
        t, f = value_pair(node.left, col, present)
        return f, t
    if isinstance(node, ast.FuncCall) and node.name == "not" and not node.args:
        return _or(_is_null(col), _equals(col, present, False)[0]), TRUE
    if isinstance(node, ast.And):
        lt, lf = value_pair(node.left, col, present)
        rt, rf = value_pair(node.right, col, present)
        return _and(lt, rt), _or(lf, rf)
    if isinstance(node, ast.Or):
        lt, lf = value_pair(node.left, col, present)
        rt, rf = value_pair(node.right, col, present)
        return _or(lt, rt), _and(lf, rf)
    if isinstance(node, ast.Binary) and node.op in ("==", "!="):
        for side, other in ((node.left, node.right), (node.right, node.left)):
            value = literal_of(other)
            if value is not None and isinstance(side, ast.Identity):
                t, f = _equals(col, present, value[0])
                return (t, f) if node.op == "==" else (f, t)
            if (value is not None and isinstance(value[0], str) and value[0].isascii() and isinstance(side, ast.FuncCall)
                    and side.name == "ascii_downcase" and not side.args and node.op == "=="):
                return exp.EQ(this=exp.Lower(this=col.copy()), expression=s(value[0])), TRUE
        raise Untranslatable("a comparison that is not `. == literal`")
    if isinstance(node, ast.FuncCall):
        if node.name == "test" and 1 <= len(node.args) <= 2:
            return _regex(col, node)
        if node.name in ("startswith", "endswith", "contains") and len(node.args) == 1:
            arg = node.args[0]
            if isinstance(arg, ast.Literal) and isinstance(arg.value, str) and arg.value:
                return _string_test(col, node.name, arg.value)
            raise Untranslatable(f"{node.name} with a computed or empty argument")
        if node.name == "IN" and len(node.args) == 1:
            items = _items(node.args[0])
            values = [literal_of(i) for i in items]
            if any(v is None for v in values):
                raise Untranslatable("IN over computed values")
            pairs = [_equals(col, present, v[0]) for v in values]
            return _or(*(t for t, _ in pairs)), _and(*(f for _, f in pairs))
    raise Untranslatable(f"the predicate {_describe(node)} has no remote form")


def _items(node: ast.Node) -> list[ast.Node]:
    if isinstance(node, ast.Comma):
        return _items(node.left) + _items(node.right)
    return [node]


def _describe(node: ast.Node) -> str:
    if isinstance(node, ast.FuncCall):
        return f"`{node.name}`"
    return type(node).__name__


def _outputs(predicate: ast.Node, text: str, value: Any) -> set:
    """What the predicate yields on a constant (errors: nothing)."""
    try:
        return {v for v in jq.compile_program(text, prelude=PRELUDE or None).run(value) if isinstance(v, bool)}
    except (jq.JqRuntimeError, jq.JqCompileError):
        return set()


# ---------------------------------------------------------------------------------------------------
# Times


def iso_of_epoch(seconds: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def fromdate_condition(predicate: ast.Node) -> Optional[tuple[str, str]]:
    """``fromdate OP N`` (or ``fromdateiso8601``, ``N OP fromdate``) as an equivalent comparison of the
    ISO text with a literal: fromdate accepts only ``%Y-%m-%dT%H:%M:%SZ``, whose text orders like its time."""
    if not (isinstance(predicate, ast.Binary) and predicate.op in ("<", "<=", ">", ">=")):
        return None
    flip = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}
    for side, other, op in ((predicate.left, predicate.right, predicate.op), (predicate.right, predicate.left, flip[predicate.op])):
        value = literal_of(other)
        if (isinstance(side, ast.FuncCall) and side.name in ("fromdate", "fromdateiso8601") and not side.args
                and value is not None and isinstance(value[0], (int, float)) and not isinstance(value[0], bool)
                and math.isfinite(value[0]) and abs(value[0]) < 2.5e11):
            n = value[0]
            if op == ">=":
                return ">=", iso_of_epoch(math.ceil(n))
            if op == ">":
                return ">=", iso_of_epoch(math.floor(n) + 1)
            if op == "<=":
                return "<=", iso_of_epoch(math.floor(n))
            return "<=", iso_of_epoch(math.ceil(n) - 1)
    return None


def _time_condition(op: str, literal: str, engine: str) -> exp.Expression:
    if engine == "lake":
        # eventtime is a TIMESTAMP there: compare whole days around the literal (coarse, a superset).
        m = _DATE.match(literal)
        if not m:
            raise Untranslatable(f"the time literal {literal!r} is not a date (Lake's eventtime is a TIMESTAMP)")
        day = calendar.timegm((int(m[1]), int(m[2]), int(m[3]), 0, 0, 0))
        unparsed = _is_null(column("eventTime"))  # a time Lake could not read: jq compares its text
        if op in (">", ">="):
            bound = time.strftime("%Y-%m-%d 00:00:00", time.gmtime(day))
            return _or(exp.GTE(this=column("eventTime"), expression=exp.cast(s(bound), "timestamp")), unparsed)
        bound = time.strftime("%Y-%m-%d 00:00:00", time.gmtime(day + 2 * 86400))
        return _or(exp.LT(this=column("eventTime"), expression=exp.cast(s(bound), "timestamp")), unparsed)
    col = column("eventTime")
    cls = {"<": exp.LT, "<=": exp.LTE, ">": exp.GT, ">=": exp.GTE}[op]
    compared = cls(this=col.copy(), expression=s(literal))
    # A value that is not an ISO time string (a number, an object...) orders by jq's type rank: keep it.
    odd = _not(exp.RegexpLike(this=col.copy(), expression=s("^[0-9]{4}-[0-9]{2}-[0-9]{2}T")))
    nulls = _is_null(col) if op in ("<", "<=") else FALSE
    return _or(compared, odd, nulls)


# ---------------------------------------------------------------------------------------------------
# Plans


def coarse(plan: Plan, engine: str, notes: Notes) -> exp.Expression:
    """A predicate over the remote table keeping every row the plan keeps (TRUE: no restriction)."""
    if isinstance(plan, PAnd):
        return _and(*(coarse(p, engine, notes) for p in plan.items))
    if isinstance(plan, POr):
        return _or(*(coarse(p, engine, notes) for p in plan.items))
    try:
        return _leaf(plan, engine, notes)
    except Untranslatable as err:
        notes.add(err.reason)
        return TRUE


def _leaf(plan: Plan, engine: str, notes: Notes) -> exp.Expression:
    if isinstance(plan, PAny):
        raise Untranslatable("a condition without an indexable shape (the jq engine decides it locally)")
    if isinstance(plan, PMember):
        derived = derived_predicate(plan.index, plan.value, engine)
        if derived is not None:
            return derived
        raise Untranslatable(f"{plan.index}: a derived key, computed by trailtui, not a column")
    if isinstance(plan, PSubstr):
        raise Untranslatable("a substring of the whole record: no engine's column holds the record's JSON as trailtui writes it")
    if isinstance(plan, PTimeRange):
        return _and(*(_time_condition(op, lit, engine) for op, lit in plan.conditions))
    if isinstance(plan, (PEq, PNot)):
        eq = plan.item if isinstance(plan, PNot) else plan
        if eq.path[:1] and str(eq.path[0]).startswith("@"):
            derived = derived_predicate(eq.path[0][1:], eq.value, engine) if isinstance(plan, PEq) else None
            if derived is not None and len(eq.path) == 1:
                return derived
            raise Untranslatable(f"{eq.path[0][1:]}: a derived key, computed by trailtui, not a column")
        a = access(eq.path, engine)
        t, f = _equals(a.scalar, a.present, eq.value)
        return f if isinstance(plan, PNot) else t
    if isinstance(plan, PTruthy):
        a = access(plan.path, engine)
        return _not_null(a.present)
    if isinstance(plan, PPred):
        node = parse(plan.predicate)
        if plan.path == ("eventTime",) and not plan.has_default:
            cond = fromdate_condition(node)
            if cond is not None:
                return _time_condition(cond[0], cond[1], engine)
        a = access(plan.path, engine)
        may_true, _ = value_pair(node, a.scalar, a.present)
        if plan.has_default:
            outputs = _outputs(node, plan.predicate, plan.default)
            if True in outputs:
                fallback = _or(_is_null(a.scalar), a.scalar.copy().isin(s("false"), s("null")))
                may_true = _or(may_true, fallback)
        return may_true
    raise Untranslatable(f"{type(plan).__name__} has no remote form")
