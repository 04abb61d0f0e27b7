"""jq predicates compiled to SQL over the columnar backend's ``events`` table (see
:mod:`trailtui.engine.columnar.schema`), with jq's exact meaning or not at all.

:func:`compile_predicate` turns the condition of a filter (the ``select(...)`` stages, or an implicit-select
boolean expression) into a :class:`Predicate` of two SQL expressions:

* ``cond`` — TRUE where jq's condition holds, FALSE where it does not, SQL NULL where jq raises;
* ``unsure`` — TRUE on the rows where the SQL may not mean what jq means (a number too big for a double,
  a regex subject with characters where RE2 and Oniguruma could differ, ``tostring`` of a number …).

On the rows where ``unsure`` is FALSE, ``cond`` is exact, errors included; the caller runs jq on the unsure
rows (and on one error row, for jq's message). A construct whose SQL meaning could differ on *every* row
raises :class:`Untranslatable` instead.

Every translated value is a :class:`Val` of one of these kinds, SQL NULL always meaning "jq raised":

* ``json`` — JSON text (a ``v_`` column, ``raw``, a ``json_extract``); ``canonical`` when the text is orjson's
  encoding, so equality with a string literal is a text comparison;
* ``str`` / ``num`` / ``bool`` — a SQL VARCHAR / DOUBLE / BOOLEAN holding a jq string / number / boolean;
* ``key`` — a derived-key VARCHAR column where ``''`` stands for null (``actor_key``, ``ip_key``).

Comparisons follow jq's order of types (null < false < true < numbers < strings < arrays < objects), and
``and``/``or``/``//`` follow jq's short-circuits, so an error on a branch jq never evaluates does not count.

**Each sub-expression is written once.** jq's semantics need a value several times (its type, then its
string; a condition's truth in both ``cond`` and ``unsure``), and DuckDB expands ``CASE x WHEN a … WHEN b``
into one copy of ``x`` per branch, so inlining would make the SQL text (and the work) grow exponentially
with nesting. A value used more than once is *bound* instead (:class:`Lets`): it becomes a named column
``_lN`` computed in a projection layer below its users (layer = 1 + the highest layer it reads), and
:meth:`Predicate.relation` stacks the layers over ``events``. Short expressions stay inline (so ``CASE``
still skips work on rows a branch does not reach); ``json_type`` of a value is always bound (it parses the
JSON text). The text of a predicate therefore grows linearly with the filter. Callers must not put a
``WHERE`` over a layered relation: DuckDB's filter pushdown substitutes the layers' expressions back into
the filter (exponential again); :meth:`Predicate.decided` filters a ``MATERIALIZED`` CTE instead.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Optional, Sequence

import re
import threading

import orjson

from ..columnar.schema import PATH_COLUMNS
from . import ast


class Untranslatable(Exception):
    """The filter (or a part of it) has no SQL translation with jq's exact meaning."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Val:
    kind: str
    """``json``, ``str``, ``num``, ``bool`` or ``key`` (see the module docstring)."""
    sql: str
    unsure: str = "FALSE"
    canonical: bool = False
    loose: str = "FALSE"
    """(``str`` only) rows where the text is ``tostring`` of a non-string: it may differ from jq's text in
    number spellings and in the escape of DEL, nowhere else (see :func:`text_safe`)."""
    integral: str = "NULL"
    """(``num`` only) TRUE where the in-memory engine holds the number as a Python ``int``, FALSE where as a
    ``float``, NULL where the translation cannot tell (a projected cell then leaves the row to Python)."""


@dataclass(frozen=True)
class Predicate:
    cond: str
    unsure: str
    lets: tuple[tuple[str, str, int], ...] = ()
    """Named sub-expressions ``(name, sql, layer)`` that ``cond`` and ``unsure`` read (see the module
    docstring); empty when both are plain expressions over ``events``."""
    values: tuple[tuple[str, str], ...] = ()
    """More outputs ``(name, sql)`` of :meth:`relation` (a sort cell's number and string)."""

    def relation(self, where: str = "TRUE", columns: str = "row") -> str:
        """SQL query: ``columns`` of ``events`` plus ``_cond`` and ``_unsure`` for the rows ``where`` selects.
        Do not filter on ``_cond``/``_unsure`` in a ``WHERE`` over it (see the module docstring)."""
        outputs = f"{columns}, ({self.cond}) AS _cond, ({self.unsure}) AS _unsure" + "".join(
            f", ({sql}) AS {name}" for name, sql in self.values)
        if not self.lets:
            return f"SELECT {outputs} FROM events WHERE {where}"
        query = f"SELECT * FROM events WHERE {where}"
        top = max(layer for _, _, layer in self.lets)
        for layer in range(1, top + 1):
            named = ", ".join(f"{sql} AS {name}" for name, sql, at in self.lets if at == layer)
            query = f"SELECT *, {named} FROM ({query})"
        return f"SELECT {outputs} FROM ({query})"

    def decided(self, where: str = "TRUE", columns: str = "row") -> str:
        """SQL query: ``columns`` plus the BOOLEANs ``match`` (jq selects the row, SQL is sure), ``error``
        (jq raises, SQL is sure) and ``unsure`` (jq must decide), for the rows ``where`` selects on which
        one of them holds."""
        flags = ("coalesce(_cond, FALSE) AND NOT coalesce(_unsure, TRUE) AS match, "
                 "_cond IS NULL AND NOT coalesce(_unsure, TRUE) AS error, coalesce(_unsure, TRUE) AS unsure")
        if not self.lets:
            return (f"SELECT {columns}, {flags} FROM ({self.relation(where, columns)}) "
                    f"WHERE coalesce(_cond, TRUE) OR coalesce(_unsure, TRUE)")
        return (f"WITH _p AS MATERIALIZED ({self.relation(where, columns)}) SELECT {columns}, {flags} FROM _p "
                f"WHERE coalesce(_cond, TRUE) OR coalesce(_unsure, TRUE)")


_SIMPLE = re.compile(r'"?[A-Za-z_][A-Za-z0-9_]*"?')
_NAME = re.compile(r"\b_l\d+\b")
_INLINE = 80
"""Expressions up to this many characters are repeated inline rather than bound."""


class Lets:
    """The named sub-expressions of one predicate (see the module docstring)."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str, int]] = []
        self._layer: dict[str, int] = {}
        self._by_sql: dict[str, str] = {}

    def bind(self, sql: str, force: bool = False) -> str:
        if _SIMPLE.fullmatch(sql) or sql in ("TRUE", "FALSE") or (not force and len(sql) <= _INLINE):
            return sql
        name = self._by_sql.get(sql)
        if name is None:
            layer = 1 + max((self._layer.get(m, 0) for m in _NAME.findall(sql)), default=0)
            name = self._by_sql[sql] = f"_l{len(self.items)}"
            self._layer[name] = layer
            self.items.append((name, sql, layer))
        return name


_ACTIVE = threading.local()


def _bind(sql: str, force: bool = False) -> str:
    """``sql`` as a name the caller may repeat freely (inline when short or when no predicate is being
    compiled)."""
    lets = getattr(_ACTIVE, "lets", None)
    return sql if lets is None else lets.bind(sql, force)


def _bound(v: Val) -> Val:
    return replace(v, sql=_bind(v.sql), unsure=_bind(v.unsure), loose=_bind(v.loose), integral=_bind(v.integral))


# ---------------------------------------------------------------------------------------------------
# SQL text helpers


def lit(text: str) -> str:
    """A SQL string literal."""
    if "\x00" in text:
        raise Untranslatable("a NUL character in a literal")
    return "'" + text.replace("'", "''") + "'"


def _or(*parts: str) -> str:
    parts = tuple(p for p in parts if p != "FALSE")
    if not parts:
        return "FALSE"
    if "TRUE" in parts:
        return "TRUE"
    return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"


def _and(*parts: str) -> str:
    parts = tuple(p for p in parts if p != "TRUE")
    if not parts:
        return "TRUE"
    if "FALSE" in parts:
        return "FALSE"
    return parts[0] if len(parts) == 1 else "(" + " AND ".join(parts) + ")"


_NUMERIC = "('BIGINT','UBIGINT','DOUBLE')"
_BIG = "9007199254740992"
"""2**53: beyond it a double no longer holds every integer, and Python compares ints exactly."""

_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _safe_key(key: str) -> str:
    if not key or any(c in key for c in "\"\\") or any(ord(c) < 0x20 or ord(c) == 0x7F for c in key):
        raise Untranslatable(f"the key {key!r} in a JSON path")
    return "'$.\"" + key.replace("'", "''") + "\"'"


# ---------------------------------------------------------------------------------------------------
# Typed views of a value: its jq type, and its string / number / boolean content when of that type


def _jtype(sql: str) -> str:
    """``json_type`` of JSON text, bound (it parses the text; see :class:`Lets`)."""
    return _bind(f"json_type({sql})", force=True)


def type_of(v: Val) -> str:
    """SQL expression: 'null', 'boolean', 'number', 'string', 'array', 'object' (NULL where jq raised)."""
    if v.kind == "json":
        return (f"CASE {_jtype(v.sql)} WHEN 'NULL' THEN 'null' WHEN 'BOOLEAN' THEN 'boolean' "
                f"WHEN 'VARCHAR' THEN 'string' WHEN 'ARRAY' THEN 'array' WHEN 'OBJECT' THEN 'object' "
                f"WHEN 'BIGINT' THEN 'number' WHEN 'UBIGINT' THEN 'number' WHEN 'DOUBLE' THEN 'number' END")
    if v.kind == "key":
        return f"CASE WHEN {v.sql} IS NULL THEN NULL WHEN {v.sql} = '' THEN 'null' ELSE 'string' END"
    name = {"str": "string", "num": "number", "bool": "boolean"}[v.kind]
    return f"CASE WHEN {v.sql} IS NULL THEN NULL ELSE '{name}' END"


def as_str(v: Val) -> str:
    """SQL VARCHAR: the string when the value is a string, else NULL."""
    if v.kind == "str":
        return v.sql
    if v.kind == "key":
        return f"NULLIF({v.sql}, '')"
    if v.kind == "json":
        return f"CASE WHEN {_jtype(v.sql)} = 'VARCHAR' THEN ({v.sql} ->> '$') END"
    return "CAST(NULL AS VARCHAR)"


def as_num(v: Val) -> str:
    if v.kind == "num":
        return v.sql
    if v.kind == "json":
        return f"CASE WHEN {_jtype(v.sql)} IN {_NUMERIC} THEN TRY_CAST({v.sql} AS DOUBLE) END"
    return "CAST(NULL AS DOUBLE)"


def big_number(v: Val) -> str:
    """Rows where the value is a number a double does not compare like Python (and jq 1.8) would."""
    if v.kind not in ("json", "num"):
        return "FALSE"
    number = as_num(v)
    return f"coalesce(NOT (abs({number}) < {_BIG}), FALSE)"


def truthy(v: Val) -> str:
    """SQL BOOLEAN: jq truthiness (neither null nor false); NULL where jq raised."""
    if v.kind == "bool":
        return v.sql
    if v.kind == "json":
        return f"(CAST({v.sql} AS VARCHAR) NOT IN ('null', 'false'))"
    if v.kind == "key":
        return f"({v.sql} <> '')"
    return f"CASE WHEN {v.sql} IS NULL THEN NULL ELSE TRUE END"


_RANK = {"null": 0, "boolean": None, "number": 3, "string": 4, "array": 5, "object": 6}


def _rank(v: Val) -> str:
    """SQL INTEGER: jq's order of types, false (1) and true (2) apart."""
    t = _bind(type_of(v))
    boolean = "2" if v.kind == "bool" else None
    if v.kind == "bool":
        return f"CASE WHEN {v.sql} THEN 2 WHEN NOT {v.sql} THEN 1 END"
    if v.kind == "json":
        boolean = f"CASE WHEN CAST({v.sql} AS VARCHAR) = 'true' THEN 2 ELSE 1 END"
    else:
        boolean = "1"
    return (f"CASE {t} WHEN 'null' THEN 0 WHEN 'boolean' THEN {boolean} WHEN 'number' THEN 3 "
            f"WHEN 'string' THEN 4 WHEN 'array' THEN 5 WHEN 'object' THEN 6 END")


def _literal_rank(value: Any) -> int:
    if value is None:
        return 0
    if value is False:
        return 1
    if value is True:
        return 2
    if isinstance(value, (int, float)):
        return 3
    if isinstance(value, str):
        return 4
    raise Untranslatable("a comparison with an array or object")


def _num_lit(value: Any) -> str:
    if isinstance(value, int) and abs(value) >= 2**53 or value != value or value in (float("inf"), float("-inf")):
        raise Untranslatable("a number literal beyond a double's exact integers")
    return repr(float(value))


def compare(v: Val, op: str, value: Any) -> Val:
    """``v OP literal`` with jq's semantics, as a ``bool`` Val."""
    sql_op = {"==": "=", "!=": "<>"}.get(op, op)
    rank = _literal_rank(value)
    unsure = v.unsure
    if op in ("==", "!=") and isinstance(value, str):
        if v.kind == "json" and v.canonical:
            return Val("bool", f"({v.sql} {sql_op} {lit(orjson.dumps(value).decode())})", unsure)
        if v.kind == "str":
            return Val("bool", f"({v.sql} {sql_op} {lit(value)})", _or(unsure, v.loose))
        if v.kind == "key":
            if value == "":
                return Val("bool", f"CASE WHEN {v.sql} IS NULL THEN NULL ELSE {'FALSE' if op == '==' else 'TRUE'} END", unsure)
            return Val("bool", f"({v.sql} {sql_op} {lit(value)})", unsure)
    if v.kind == "bool" and isinstance(value, bool):
        return Val("bool", f"({v.sql} {sql_op} {'TRUE' if value else 'FALSE'})", unsure)
    if v.kind == "num" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return Val("bool", f"({v.sql} {sql_op} {_num_lit(value)})", _or(unsure, big_number(v)))
    ranks = _bind(_rank(v))
    by_rank = f"({ranks} {sql_op} {rank})"
    if rank == 3:
        same = f"({as_num(v)} {sql_op} {_num_lit(value)})"
        unsure = _or(unsure, big_number(v))
    elif rank == 4:
        same = f"({as_str(v)} {sql_op} {lit(value)})"
        if v.kind == "str":
            unsure = _or(unsure, v.loose)
    else:
        return Val("bool", by_rank, unsure)
    return Val("bool", f"CASE WHEN {ranks} = {rank} THEN {same} ELSE {by_rank} END", unsure)


# ---------------------------------------------------------------------------------------------------
# Regular expressions RE2 and Oniguruma read alike


_SAFE_ESCAPES = set(".^$*+?()[]{}|\\/-")
_CLASS_ESCAPES = {"d", "w"}


@dataclass(frozen=True)
class Regex:
    pattern: str
    plain: bool
    """Only literal characters and ``|``: the same on any subject."""
    literals: tuple[str, ...]
    """For a plain pattern, its alternatives."""


def check_regex(pattern: str, flags: str) -> Regex:
    """The pattern when RE2 (and Python ``re``) match it like Oniguruma on an ASCII subject without newlines;
    raises :class:`Untranslatable` otherwise."""
    if set(flags) - set("gi"):
        raise Untranslatable(f"regex flags {flags!r}")
    if not pattern:
        raise Untranslatable("an empty regex")
    plain = True
    depth = 0
    i, n = 0, len(pattern)
    prev_quantifiable = False
    while i < n:
        c = pattern[i]
        if c == "\\":
            if i + 1 >= n:
                raise Untranslatable("a regex ending in a backslash")
            e = pattern[i + 1]
            if e in _CLASS_ESCAPES:
                plain = False
            elif e not in _SAFE_ESCAPES:
                raise Untranslatable(f"the regex escape \\{e}")
            i += 2
            prev_quantifiable = True
            continue
        if c == "[":
            plain = False
            j = i + 1
            if j < n and pattern[j] == "^":
                j += 1
            if j < n and pattern[j] == "]":
                raise Untranslatable("a regex class starting with ]")
            while j < n and pattern[j] != "]":
                d = pattern[j]
                if d == "[" or (d == "&" and pattern[j : j + 2] == "&&"):
                    raise Untranslatable("a nested regex class")
                if d == "\\":
                    if j + 1 >= n or not (pattern[j + 1] in _CLASS_ESCAPES or pattern[j + 1] in _SAFE_ESCAPES):
                        raise Untranslatable("a regex class escape")
                    j += 2
                    continue
                if ord(d) > 0x7E or ord(d) < 0x20:
                    raise Untranslatable("a non-ASCII regex class")
                j += 1
            if j >= n:
                raise Untranslatable("an unterminated regex class")
            i = j + 1
            prev_quantifiable = True
            continue
        if c == "(":
            if pattern.startswith("(?:", i):
                i += 3
            elif pattern.startswith("(?", i):
                raise Untranslatable("a regex group option")
            else:
                i += 1
            depth += 1
            prev_quantifiable = False
            continue
        if c == ")":
            depth -= 1
            if depth < 0:
                raise Untranslatable("unbalanced regex parentheses")
            i += 1
            prev_quantifiable = True
            continue
        if c in "*+?":
            plain = False
            if not prev_quantifiable:
                raise Untranslatable("a regex quantifier without an operand")
            i += 1
            if i < n and pattern[i] == "?":
                i += 1
            if i < n and pattern[i] in "*+?{":
                raise Untranslatable("a possessive or doubled regex quantifier")
            prev_quantifiable = False
            continue
        if c == "{":
            plain = False
            j = pattern.find("}", i)
            body = pattern[i + 1 : j] if j > 0 else ""
            parts = body.split(",")
            if not prev_quantifiable or not (1 <= len(parts) <= 2) or not parts[0].isdigit() or not all(
                p.isdigit() or (k == 1 and p == "") for k, p in enumerate(parts)
            ) or any(p and int(p) > 1000 for p in parts):
                raise Untranslatable("a regex brace that is not a plain repetition")
            i = j + 1
            if i < n and pattern[i] == "?":
                i += 1
            if i < n and pattern[i] in "*+?{":
                raise Untranslatable("a possessive or doubled regex quantifier")
            prev_quantifiable = False
            continue
        if c in ".^$":
            plain = False
            i += 1
            prev_quantifiable = c == "."
            continue
        if c == "|":
            i += 1
            prev_quantifiable = False
            continue
        if c == "}" or c == "]":
            raise Untranslatable("a stray regex bracket")
        if ord(c) < 0x20 or ord(c) == 0x7F:
            raise Untranslatable("a control character in a regex")
        if "i" in flags and ord(c) > 0x7E:
            raise Untranslatable("a non-ASCII character in a case-insensitive regex")
        i += 1
        prev_quantifiable = True
    if depth:
        raise Untranslatable("unbalanced regex parentheses")
    literals: tuple[str, ...] = ()
    if plain:
        if any(ch in pattern for ch in "()\\"):
            plain = False
        else:
            literals = tuple(pattern.split("|"))
            if "" in literals:
                plain = False
    return Regex(pattern, plain, literals)


def _regex_options(flags: str) -> str:
    return ", 'i'" if "i" in flags else ""


def _ascii_oneline(text_sql: str) -> str:
    """SQL: the string is ASCII and holds no newline (where the regex dialects agree)."""
    return f"(strlen({text_sql}) = length({text_sql}) AND strpos({text_sql}, chr(10)) = 0)"


def regex_unsure(rx: Regex, flags: str, text_sql: str) -> str:
    if rx.plain and "i" not in flags:
        return "FALSE"
    return f"coalesce(NOT {_ascii_oneline(text_sql)}, FALSE)"


_NUMBER_CHARS = set(".eE+-")
_STRUCTURAL = set(":,[]{}")


def text_safe(needle: str) -> bool:
    """True when ``needle`` occurs in jq's ``tostring`` text exactly where it occurs in orjson's text.

    The two texts differ only inside number tokens (spelling) and in DEL (jq writes ``\\u007f``). A needle
    without digits, quotes, backslashes or control characters can only overlap a number token through a
    run of ``.eE+-`` at its own edge or beside a structural character, and an escape only by starting with
    ``f``; such needles are refused.
    """
    if not needle or needle[0] in "fF" or needle[0] in _NUMBER_CHARS or needle[-1] in _NUMBER_CHARS:
        return False
    for i, c in enumerate(needle):
        if c.isdigit() or c in "\"\\" or ord(c) < 0x20 or ord(c) == 0x7F:
            return False
        if c in _NUMBER_CHARS:
            around = needle[max(0, i - 1) : i] + needle[i + 1 : i + 2]
            if any(a in _STRUCTURAL for a in around):
                return False
    return True


# ---------------------------------------------------------------------------------------------------
# The compiler


def _json_null_if_missing(parent: str, key: str) -> str:
    """``.key`` on JSON text: the member (null when absent), null on null, NULL (error) otherwise."""
    return (f"CASE {_jtype(parent)} WHEN 'OBJECT' THEN coalesce(json_extract({parent}, {_safe_key(key)}), "
            f"'null'::JSON) WHEN 'NULL' THEN 'null'::JSON END")


def record_path(path: Sequence[str]) -> Val:
    """``.a.b.c`` on the record: its ``v_`` column, or JSON steps from the nearest stored parent."""
    path = tuple(path)
    if path in PATH_COLUMNS:
        return Val("json", f'"{PATH_COLUMNS[path]}"', canonical=True)
    for cut in range(len(path) - 1, 0, -1):
        if path[:cut] in PATH_COLUMNS:
            base = Val("json", f'"{PATH_COLUMNS[path[:cut]]}"', canonical=True)
            return index_steps(base, path[cut:])
    first = path[0]
    sql = (f"CASE WHEN is_object THEN coalesce(json_extract(raw, {_safe_key(first)}), 'null'::JSON) "
           f"WHEN raw = 'null' THEN 'null'::JSON END")
    return index_steps(Val("json", sql), path[1:])


def index_steps(v: Val, keys: Sequence[str]) -> Val:
    for key in keys:
        if v.kind == "json":
            v = _bound(Val("json", _json_null_if_missing(v.sql, key), v.unsure))
        elif v.kind == "key":
            v = Val("json", f"CASE WHEN {v.sql} = '' THEN 'null'::JSON END", v.unsure)
        else:
            v = Val("json", "CAST(NULL AS JSON)", v.unsure)
    return v


_PRELUDE_KEYS = {"actor_key": "d_actor_key", "ip_key": "d_ip_key"}

_OUTCOME = (
    "CASE WHEN NOT is_object OR \"v_eventType\" = '\"AwsCloudTrailInsight\"' OR \"v_eventCategory\" = '\"Insight\"' "
    "THEN '' "
    "WHEN (json_type(\"v_errorCode\") = 'VARCHAR' AND \"v_errorCode\" <> '\"\"') "
    "OR (json_type(\"v_errorMessage\") = 'VARCHAR' AND \"v_errorMessage\" <> '\"\"') THEN 'Failure' "
    "WHEN json_type(\"v_responseElements__ConsoleLogin\") = 'VARCHAR' AND \"v_responseElements__ConsoleLogin\" <> '\"\"' "
    "THEN \"v_responseElements__ConsoleLogin\" ->> '$' ELSE 'Success' END")
"""The prelude's ``outcome`` (never an error): "" for a non-object or an Insight record, "Failure" when
``errorCode`` or ``errorMessage`` is a non-empty string, else ``.responseElements.ConsoleLogin`` when that is a
non-empty string (``field`` gives null, not an error, when ``responseElements`` is not an object: the column
is SQL NULL there, which falls to the ``ELSE``), else "Success". Canonical text makes ``= '"Insight"'`` exact."""
MEMBERSHIP = ("has_access_key", "has_session", "has_resource")


class Compiler:
    """Translates one predicate. ``at_record`` tracks whether ``.`` is still the record itself."""

    def predicate(self, node: ast.Node) -> Predicate:
        v = self.value(node, record=True)
        return Predicate(truthy(v), v.unsure)

    # Values --------------------------------------------------------------------------------------

    def value(self, node: ast.Node, record: bool, input_val: Optional[Val] = None) -> Val:
        """Translate ``node`` applied to the record (``record``) or to ``input_val`` (bound: its users may
        repeat it)."""
        return _bound(self._value(node, record, input_val))

    def _value(self, node: ast.Node, record: bool, input_val: Optional[Val] = None) -> Val:
        if isinstance(node, ast.Literal):
            return self.literal(node.value)
        if isinstance(node, ast.Neg) and isinstance(node.expr, ast.Literal) and _is_number(node.expr.value):
            return self.literal(-node.expr.value)
        if isinstance(node, ast.Identity):
            if record:
                return Val("json", "raw", canonical=True)
            assert input_val is not None
            return input_val
        path = ast.path_of(node)
        if path is not None and path and all(isinstance(p, str) for p in path):
            if record:
                return record_path(path)
            assert input_val is not None
            return index_steps(input_val, path)
        if isinstance(node, ast.Pipe):
            left = self.value(node.left, record, input_val)
            return self.value(node.right, False, left)
        if isinstance(node, ast.And) or isinstance(node, ast.Or):
            a = self.value(node.left, record, input_val)
            b = self.value(node.right, record, input_val)
            ta, tb = _bind(truthy(a)), truthy(b)
            if isinstance(node, ast.And):
                sql = f"CASE {ta} WHEN TRUE THEN {tb} WHEN FALSE THEN FALSE END"
                unsure = _or(a.unsure, _and(f"({ta} IS TRUE)", b.unsure))
            else:
                sql = f"CASE {ta} WHEN TRUE THEN TRUE WHEN FALSE THEN {tb} END"
                unsure = _or(a.unsure, _and(f"({ta} IS FALSE)", b.unsure))
            return Val("bool", sql, unsure)
        if isinstance(node, ast.Alt):
            return self.alternative(node, record, input_val)
        if isinstance(node, ast.Binary) and node.op in ("==", "!=", "<", "<=", ">", ">="):
            flip = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
            right, left = _literal_of(node.right), _literal_of(node.left)
            if right is not None:
                return compare(self.value(node.left, record, input_val), node.op, right[0])
            if left is not None:
                return compare(self.value(node.right, record, input_val), flip[node.op], left[0])
            raise Untranslatable("a comparison of two computed values")
        if isinstance(node, ast.FuncCall):
            return self.call(node, record, input_val)
        if isinstance(node, ast.ArrayCons):
            return self.array_cons(node, record, input_val)
        if isinstance(node, ast.ObjectCons) and not node.entries:
            return Val("json", "'{}'::JSON", canonical=True)
        raise Untranslatable(f"{type(node).__name__} expressions")

    def literal(self, value: Any) -> Val:
        if isinstance(value, bool):
            return Val("bool", "TRUE" if value else "FALSE")
        if isinstance(value, str):
            return Val("str", lit(value))
        if isinstance(value, (int, float)):
            return Val("num", _num_lit(value), integral="TRUE" if isinstance(value, int) else "FALSE")
        if value is None:
            return Val("json", "'null'::JSON", canonical=True)
        raise Untranslatable("a literal of this type")

    def alternative(self, node: ast.Alt, record: bool, input_val: Optional[Val]) -> Val:
        """``a // b``: ``a`` when truthy, else ``b``. An error in ``a`` propagates (libjq 1.8 and the
        in-memory engine both raise on ``"s" | .a // 1``)."""
        a = self.value(node.left, record, input_val)
        b = self.value(node.right, record, input_val)
        t = _bind(truthy(a))
        unsure = _or(a.unsure, _and(f"({t} IS FALSE)", b.unsure))

        def pick(x: str, y: str) -> str:
            return f"CASE {t} WHEN TRUE THEN {x} WHEN FALSE THEN {y} END"

        if a.kind == b.kind and a.kind in ("str", "num", "bool"):
            return Val(a.kind, pick(a.sql, b.sql), unsure, loose=pick(a.loose, b.loose),
                       integral=pick(a.integral, b.integral))
        a_json, b_json = self.to_json(a), self.to_json(b)
        if a_json is None or b_json is None:
            raise Untranslatable("an alternative mixing computed types")
        return Val("json", pick(a_json.sql, b_json.sql), unsure, canonical=a_json.canonical and b_json.canonical)

    def to_json(self, v: Val) -> Optional[Val]:
        """The value as canonical JSON text when that can be written in SQL exactly."""
        if v.kind == "json":
            return v
        if v.kind == "bool":
            return Val("json", f"CASE WHEN {v.sql} THEN 'true'::JSON WHEN NOT {v.sql} THEN 'false'::JSON END",
                       v.unsure, canonical=True)
        if v.kind == "str" and v.sql.startswith("'"):
            text = v.sql[1:-1].replace("''", "'")
            return Val("json", lit(orjson.dumps(text).decode()) + "::JSON", v.unsure, canonical=True)
        if v.kind == "num" and _is_plain_number(v.sql):
            # A literal: its JSON text keeps its Python type (1 is an int, 1.0 a float; see Val.integral).
            number = float(v.sql)
            whole = number.is_integer() and abs(number) < 2**53 and v.integral != "FALSE"
            text = orjson.dumps(int(number) if whole else number).decode()
            return Val("json", f"'{text}'::JSON", v.unsure, canonical=False)
        return None

    def array_cons(self, node: ast.ArrayCons, record: bool, input_val: Optional[Val]) -> Val:
        if node.body is None:
            return Val("json", "'[]'::JSON", canonical=True)
        raise Untranslatable("an array constructor")

    # Functions -----------------------------------------------------------------------------------

    def call(self, node: ast.FuncCall, record: bool, input_val: Optional[Val]) -> Val:
        name, args = node.name, node.args
        if name == "select":
            raise Untranslatable("select inside an expression")
        if name in _PRELUDE_KEYS and not args:
            if not record:
                raise Untranslatable(f"{name} on something other than the record")
            return Val("key", _PRELUDE_KEYS[name])
        if name == "outcome" and not args:
            if not record:
                raise Untranslatable(f"{name} on something other than the record")
            return Val("str", _OUTCOME)
        if name == "event_display_name" and not args:
            if not record:
                raise Untranslatable(f"{name} on something other than the record")
            return Val("str", "d_event")
        if name in MEMBERSHIP and len(args) == 1:
            if not record:
                raise Untranslatable(f"{name} on something other than the record")
            arg = args[0]
            if not (isinstance(arg, ast.Literal) and isinstance(arg.value, str)):
                raise Untranslatable(f"{name} of a computed value")
            return Val("bool", f"(row IN (SELECT row FROM keys WHERE kind = '{name}' AND key = {lit(arg.value)}))")
        if name == "IN" and len(args) == 1:
            return self.in_(node, record, input_val)
        if name == "any" and len(args) == 2 and isinstance(args[0], ast.RecurseAll):
            return self.any_string(args[1], record, input_val)
        subject = self.value(ast.Identity(), record, input_val)
        if name == "not" and not args:
            t = truthy(subject)
            return Val("bool", f"(NOT {t})", subject.unsure)
        if name == "length" and not args:
            return self.length(subject)
        if name == "tostring" and not args:
            return self.tostring(subject)
        if name in ("ascii_downcase", "ascii_upcase") and not args:
            src, dst = (_UPPER, _UPPER.lower()) if name == "ascii_downcase" else (_UPPER.lower(), _UPPER)
            return Val("str", f"translate({as_str(subject)}, '{src}', '{dst}')", _or(subject.unsure, subject.loose))
        if name in ("startswith", "endswith", "contains") and len(args) == 1:
            arg = args[0]
            if not (isinstance(arg, ast.Literal) and isinstance(arg.value, str)):
                raise Untranslatable(f"{name} of a non-string literal")
            return self.string_test(name, subject, arg.value)
        if name == "test" and 1 <= len(args) <= 2:
            return self.test(subject, args)
        if name == "has" and len(args) == 1:
            arg = args[0]
            if not (isinstance(arg, ast.Literal) and isinstance(arg.value, str)):
                raise Untranslatable("has of a non-string literal")
            if subject.kind != "json":
                return Val("bool", "CAST(NULL AS BOOLEAN)", subject.unsure)
            jt = _jtype(subject.sql)
            sql = (f"CASE WHEN {jt} = 'OBJECT' THEN "
                   f"json_exists({subject.sql}, {_safe_key(arg.value)}) WHEN {jt} = 'NULL' THEN FALSE END")
            return Val("bool", sql, subject.unsure)
        raise Untranslatable(f"the function {name}/{len(args)}")

    def in_(self, node: ast.FuncCall, record: bool, input_val: Optional[Val]) -> Val:
        items = [_literal_of(i) for i in _comma_items(node.args[0])]
        if not all(i is not None for i in items):
            raise Untranslatable("IN over computed values")
        subject = self.value(ast.Identity(), record, input_val)
        tests = [compare(subject, "==", i[0]) for i in items]
        sql = "(" + " OR ".join(t.sql for t in tests) + ")"
        return Val("bool", sql, _or(*(t.unsure for t in tests)))

    def length(self, v: Val) -> Val:
        if v.kind == "str":
            return Val("num", f"CAST(length({v.sql}) AS DOUBLE)", _or(v.unsure, v.loose), integral="TRUE")
        if v.kind == "key":
            return Val("num", f"CAST(length({v.sql}) AS DOUBLE)", v.unsure, integral="TRUE")
        if v.kind == "num":
            return Val("num", f"abs({v.sql})", v.unsure, integral=v.integral)
        if v.kind == "bool":
            return Val("num", "CAST(NULL AS DOUBLE)", v.unsure)
        e = v.sql
        sql = (f"CASE {_jtype(e)} WHEN 'VARCHAR' THEN CAST(length({e} ->> '$') AS DOUBLE) WHEN 'NULL' THEN 0.0 "
               f"WHEN 'ARRAY' THEN CAST(json_array_length({e}) AS DOUBLE) "
               f"WHEN 'OBJECT' THEN CAST(len(json_keys({e})) AS DOUBLE) "
               f"WHEN 'BIGINT' THEN abs(TRY_CAST({e} AS DOUBLE)) WHEN 'UBIGINT' THEN abs(TRY_CAST({e} AS DOUBLE)) "
               f"WHEN 'DOUBLE' THEN abs(TRY_CAST({e} AS DOUBLE)) END")
        # Python's len() is an int, and abs() keeps a number's type.
        return Val("num", sql, _or(v.unsure, big_number(v)), integral=f"({_jtype(e)} <> 'DOUBLE')")

    def tostring(self, v: Val) -> Val:
        if v.kind in ("str",):
            return v
        if v.kind == "key":
            return Val("str", f"CASE WHEN {v.sql} = '' THEN 'null' ELSE {v.sql} END", v.unsure)
        if v.kind == "bool":
            return Val("str", f"CASE WHEN {v.sql} THEN 'true' WHEN NOT {v.sql} THEN 'false' END", v.unsure)
        if v.kind == "num":
            raise Untranslatable("tostring of a computed number")
        e = v.sql
        t = _jtype(e)
        sql = f"CASE WHEN {t} = 'VARCHAR' THEN ({e} ->> '$') ELSE CAST({e} AS VARCHAR) END"
        loose = f"coalesce({t} NOT IN ('VARCHAR', 'NULL', 'BOOLEAN'), FALSE)"
        if v.canonical:
            return Val("str", sql, v.unsure, loose=loose)
        return Val("str", sql, _or(v.unsure, loose))

    def string_test(self, name: str, subject: Val, needle: str) -> Val:
        s = as_str(subject)
        if name == "startswith":
            sql = f"starts_with({s}, {lit(needle)})"
        elif name == "endswith":
            sql = f"suffix({s}, {lit(needle)})"
        else:
            sql = f"(strpos({s}, {lit(needle)}) > 0)" if needle else f"CASE WHEN {s} IS NULL THEN NULL ELSE TRUE END"
        unsure = subject.unsure
        if subject.kind == "str" and subject.loose != "FALSE":
            if name != "contains" or not text_safe(needle):
                unsure = _or(unsure, subject.loose)
        return Val("bool", sql, unsure)

    def test(self, subject: Val, args: Sequence[ast.Node]) -> Val:
        pattern = args[0]
        flags = args[1] if len(args) == 2 else ast.Literal(None)
        if not (isinstance(pattern, ast.Literal) and isinstance(pattern.value, str)):
            raise Untranslatable("test with a computed regex")
        if not (isinstance(flags, ast.Literal) and (flags.value is None or isinstance(flags.value, str))):
            raise Untranslatable("test with computed flags")
        flag_text = flags.value or ""
        rx = check_regex(pattern.value, flag_text)
        s = as_str(subject)
        sql = f"regexp_matches({s}, {lit(rx.pattern)}{_regex_options(flag_text)})"
        unsure = _or(subject.unsure, regex_unsure(rx, flag_text, s))
        if subject.kind == "str" and subject.loose != "FALSE":
            variants = [w for lit_ in rx.literals for w in ((lit_.lower(), lit_.upper()) if "i" in flag_text else (lit_,))]
            if not (rx.plain and all(text_safe(w) for w in variants)):
                unsure = _or(unsure, subject.loose)
            elif "i" in flag_text:
                unsure = _or(unsure, f"coalesce({subject.loose} AND strlen({s}) <> length({s}), FALSE)")
        return Val("bool", sql, unsure)

    def any_string(self, cond: ast.Node, record: bool, input_val: Optional[Val]) -> Val:
        """``any(..; type == "string" and test(R))`` — see :meth:`strings_match`."""
        raise Untranslatable("any over a generator")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _literal_of(node: ast.Node) -> Optional[tuple[Any]]:
    """(value,) for a literal or a negated number literal."""
    if isinstance(node, ast.Literal):
        return (node.value,)
    if isinstance(node, ast.Neg) and isinstance(node.expr, ast.Literal) and _is_number(node.expr.value):
        return (-node.expr.value,)
    return None


literal_of = _literal_of
"""Public name of :func:`_literal_of` (the remote-SQL translator reads literals the same way)."""


def _is_plain_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _comma_items(node: ast.Node) -> list[ast.Node]:
    if isinstance(node, ast.Comma):
        return _comma_items(node.left) + _comma_items(node.right)
    return [node]


# ---------------------------------------------------------------------------------------------------
# ``[.. | strings | select(test(R))] | length > 0``: some string anywhere in the record matches


def _strings_regex(node: ast.Node) -> Optional[tuple[str, str]]:
    """(pattern, flags) when ``node`` is ``[.. | strings | select(test(R; F))] | length > 0`` (or ``!= 0``,
    ``>= 1``), else None."""
    if not (isinstance(node, ast.Pipe) and isinstance(node.right, ast.Binary)):
        return None
    test_ = node.right
    if not (isinstance(test_.left, ast.FuncCall) and test_.left.name == "length" and not test_.left.args
            and isinstance(test_.right, ast.Literal)):
        return None
    bound = test_.right.value
    if not ((test_.op == ">" and bound == 0) or (test_.op == ">=" and bound == 1) or (test_.op == "!=" and bound == 0)):
        return None
    if not (isinstance(node.left, ast.ArrayCons) and node.left.body is not None):
        return None
    body = node.left.body
    stages = _pipe_items(body)
    if len(stages) != 3 or not isinstance(stages[0], ast.RecurseAll):
        return None
    if not (isinstance(stages[1], ast.FuncCall) and stages[1].name == "strings" and not stages[1].args):
        return None
    sel = stages[2]
    if not (isinstance(sel, ast.FuncCall) and sel.name == "select" and len(sel.args) == 1):
        return None
    t = sel.args[0]
    if not (isinstance(t, ast.FuncCall) and t.name == "test" and 1 <= len(t.args) <= 2):
        return None
    if not all(isinstance(a, ast.Literal) and isinstance(a.value, str) for a in t.args):
        return None
    return t.args[0].value, (t.args[1].value if len(t.args) == 2 else "")


def _pipe_items(node: ast.Node) -> list[ast.Node]:
    if isinstance(node, ast.Pipe):
        return _pipe_items(node.left) + _pipe_items(node.right)
    return [node]


_ESCAPE_TAIL = set('"\\nrtbfu0123456789abcdef')
"""Characters that can follow a backslash in orjson's (and ``json.dumps``'s) string escapes."""
_STRUCTURE = set("{}[],:0123456789-+.eEtruefalsn")
"""Every character JSON text can hold outside strings (compact, so no whitespace)."""
_CHARS = '(?:[^"\\\\]|\\\\.)*'
"""RE2: characters of a JSON string token (escapes whole)."""


def raw_text_safe(literal: str) -> bool:
    """True when ``literal`` occurs in a decoded string exactly where it occurs in that string's JSON text in
    ``raw``, and cannot occur in ``raw`` outside string tokens: no quote, backslash or control character (they
    are escaped), a first character that cannot continue an escape, and some character that no number,
    ``true``/``false``/``null`` or punctuation holds."""
    return (bool(literal) and literal[0] not in _ESCAPE_TAIL
            and not any(c in '"\\' or ord(c) < 0x20 or ord(c) == 0x7F for c in literal)
            and any(c not in _STRUCTURE for c in literal))


def strings_match(pattern: str, flags: str) -> Val:
    """Some string value anywhere in the record (``..`` includes the record itself) matches the regex.

    A plain case-sensitive literal must appear in ``raw`` (orjson escapes a string per character), so
    records without it are decided without parsing. When every alternative is :func:`raw_text_safe`, one
    RE2 search over ``raw`` decides: a string token holding the literal and followed by ``,``, ``]``, ``}``
    or the end is a value, not a key. A search starting at another quote either covers text between tokens
    (which cannot hold the literal) or the tail of a real string (after an escaped quote), which holds the
    literal only if that string does.
    """
    rx = check_regex(pattern, flags)
    opts = _regex_options(flags)
    if rx.plain and "i" not in flags and all(raw_text_safe(w) for w in rx.literals):
        gate = " OR ".join(f"contains(raw, {lit(w)})" for w in rx.literals)
        value = '"' + _CHARS + "(?:" + "|".join(rx.literals) + ")" + _CHARS + '"(?:[,\\]}]|$)'
        return Val("bool", f"CASE WHEN NOT ({gate}) THEN FALSE ELSE regexp_matches(raw, {lit(value)}) END")
    each = f"json_type(x) = 'VARCHAR' AND regexp_matches(x ->> '$', {lit(pattern)}{opts})"
    root = f"(json_type(raw) = 'VARCHAR' AND regexp_matches(raw ->> '$', {lit(pattern)}{opts}))"
    exact = f"(len(list_filter(json_extract(raw, '$..*'), lambda x: {each})) > 0 OR {root})"
    unsure = "FALSE"
    if not (rx.plain and "i" not in flags):
        odd = "NOT (strlen(x ->> '$') = length(x ->> '$') AND strpos(x ->> '$', chr(10)) = 0)"
        root_odd = f"(json_type(raw) = 'VARCHAR' AND NOT {_ascii_oneline(chr(40) + 'raw ->> ' + lit('$') + ')')})"
        unsure = (f"coalesce(len(list_filter(json_extract(raw, '$..*'), lambda x: json_type(x) = 'VARCHAR' AND {odd})) > 0"
                  f" OR {root_odd}, FALSE)")
    needles = [orjson.dumps(w).decode()[1:-1] for w in rx.literals] if rx.plain and "i" not in flags else []
    if needles and all(needles):
        gate = " OR ".join(f"contains(raw, {lit(w)})" for w in needles)
        sql = f"CASE WHEN NOT ({gate}) THEN FALSE ELSE {exact} END"
        unsure = "FALSE"
    else:
        sql = exact
        if unsure != "FALSE":
            unsure = f"CASE WHEN NOT is_object AND json_type(raw) <> 'VARCHAR' THEN FALSE ELSE {unsure} END"
    return Val("bool", sql, unsure)


# ---------------------------------------------------------------------------------------------------
# Entry points


def _with_lets(build: Any) -> Predicate:
    """Run ``build()`` (returning ``(cond, unsure)`` or a :class:`Predicate`) with a fresh :class:`Lets`
    active; the predicate carries the names it bound."""
    outer = getattr(_ACTIVE, "lets", None)
    lets = _ACTIVE.lets = Lets()
    try:
        built = build()
    finally:
        _ACTIVE.lets = outer
    if isinstance(built, Predicate):
        return replace(built, lets=tuple(lets.items))
    cond, unsure = built
    return Predicate(cond, unsure, tuple(lets.items))


def _condition(node: ast.Node) -> Predicate:
    """``compile_condition`` inside an active :class:`Lets` (its names stay in the caller's)."""
    _check_pure(node)
    special = _strings_regex(node)
    if special is not None:
        v = strings_match(*special)
        return Predicate(v.sql, v.unsure)
    return Compiler().predicate(node)


def compile_condition(node: ast.Node) -> Predicate:
    """A predicate (jq truthiness of ``node``'s single output on the record) as SQL; raises
    :class:`Untranslatable`."""
    def build() -> tuple[str, str]:
        p = _condition(node)
        return p.cond, p.unsure

    return _with_lets(build)


def compile_conditions(nodes: Sequence[ast.Node]) -> Predicate:
    """``select(c1) | select(c2) | …`` on the record: each stage runs only where the previous ones held."""
    if not nodes:
        return Predicate("TRUE", "FALSE")

    def build() -> tuple[str, str]:
        result = _condition(nodes[0])
        for node in nodes[1:]:
            nxt = _condition(node)
            a = _bind(result.cond)
            result = Predicate(
                f"CASE {a} WHEN TRUE THEN {nxt.cond} WHEN FALSE THEN FALSE END",
                _or(result.unsure, _and(f"({a} IS TRUE)", nxt.unsure)),
            )
        return result.cond, result.unsure

    return _with_lets(build)


def compile_boolean(node: ast.Node) -> Predicate:
    """An implicit select: the event matches when ``node``'s output is exactly ``true``."""
    _check_pure(node)

    def build() -> tuple[str, str]:
        special = _strings_regex(node)
        if special is not None:
            v = strings_match(*special)
            return v.sql, v.unsure
        v = Compiler().value(node, record=True)
        if v.kind == "bool":
            return v.sql, v.unsure
        if v.kind == "json":
            return f"(CAST({v.sql} AS VARCHAR) = 'true')", v.unsure
        return f"CASE WHEN {v.sql} IS NULL THEN NULL ELSE FALSE END", v.unsure

    return _with_lets(build)


def compile_cell(node: ast.Node) -> Predicate:
    """A projected cell for sorting: ``cond`` is jq's type rank (0 null, 1 false, 2 true, 3 number,
    4 string, 5 array, 6 object; NULL where jq raises), ``values`` give ``_num`` and ``_str``; ``unsure`` holds
    where SQL could order the row differently from jq (an array or object, a big number, -0, a loose
    text)."""
    _check_pure(node)
    outer = getattr(_ACTIVE, "lets", None)
    lets = _ACTIVE.lets = Lets()
    try:
        v = Compiler().value(node, record=True)
        rank = _bind(_rank(v))
        number = _bind(as_num(v))
        bad = _or(v.unsure, v.loose, big_number(v), f"coalesce({rank} >= 5, FALSE)",
                  f"coalesce({number} = 0 AND starts_with(CAST({number} AS VARCHAR), '-'), FALSE)")
        values = (("_num", number), ("_str", as_str(v)))
    finally:
        _ACTIVE.lets = outer
    return Predicate(rank, bad, tuple(lets.items), values)


CELL_NULL, CELL_FALSE, CELL_TRUE, CELL_INT, CELL_STRING, CELL_FLOAT, CELL_JQ = 0, 1, 2, 3, 4, 7, 8
"""What :func:`compile_cells` says a cell is: a Python None, False, True, ``int`` (of the number), ``str``,
``float``, or "jq must compute this row"."""


def _display(v: Val) -> tuple[str, str, str]:
    """``(code, string, number)`` SQL of one value for :func:`compile_cells`."""
    exact = f"abs({{}}) < {_BIG}"
    null_text, null_number = "CAST(NULL AS VARCHAR)", "CAST(NULL AS DOUBLE)"
    if v.kind == "json":
        t = _jtype(v.sql)
        number = _bind(f"CASE WHEN {t} IN {_NUMERIC} THEN TRY_CAST({v.sql} AS DOUBLE) END")
        code = (f"CASE {t} WHEN 'VARCHAR' THEN {CELL_STRING} WHEN 'NULL' THEN {CELL_NULL} "
                f"WHEN 'BOOLEAN' THEN CASE WHEN CAST({v.sql} AS VARCHAR) = 'true' THEN {CELL_TRUE} ELSE {CELL_FALSE} END "
                f"WHEN 'BIGINT' THEN CASE WHEN {exact.format(number)} THEN {CELL_INT} ELSE {CELL_JQ} END "
                f"WHEN 'UBIGINT' THEN CASE WHEN {exact.format(number)} THEN {CELL_INT} ELSE {CELL_JQ} END "
                f"WHEN 'DOUBLE' THEN CASE WHEN {exact.format(number)} THEN {CELL_FLOAT} ELSE {CELL_JQ} END "
                f"ELSE {CELL_JQ} END")  # an array, an object, or jq raised (NULL)
        text = f"CASE WHEN {t} = 'VARCHAR' THEN ({v.sql} ->> '$') END"
        doubt = v.unsure
    elif v.kind == "str":
        code, text, number = f"CASE WHEN {v.sql} IS NULL THEN {CELL_JQ} ELSE {CELL_STRING} END", v.sql, null_number
        doubt = _or(v.unsure, v.loose)
    elif v.kind == "key":
        code = f"CASE WHEN {v.sql} IS NULL THEN {CELL_JQ} WHEN {v.sql} = '' THEN {CELL_NULL} ELSE {CELL_STRING} END"
        text, number, doubt = f"NULLIF({v.sql}, '')", null_number, v.unsure
    elif v.kind == "bool":
        code = f"CASE WHEN {v.sql} THEN {CELL_TRUE} WHEN NOT {v.sql} THEN {CELL_FALSE} ELSE {CELL_JQ} END"
        text, number, doubt = null_text, null_number, v.unsure
    else:  # num: an int or a float only where the translation knows which (Val.integral)
        number = _bind(f"CAST({v.sql} AS DOUBLE)")  # a literal is a DECIMAL in DuckDB
        code = (f"CASE WHEN {number} IS NULL OR NOT ({exact.format(number)}) THEN {CELL_JQ} "
                f"WHEN {v.integral} THEN {CELL_INT} WHEN NOT {v.integral} THEN {CELL_FLOAT} ELSE {CELL_JQ} END")
        text, doubt = null_text, v.unsure
    if doubt != "FALSE":
        code = f"CASE WHEN coalesce({doubt}, TRUE) THEN {CELL_JQ} ELSE {code} END"
    return code, text, number


def compile_cells(nodes: Sequence[ast.Node]) -> Predicate:
    """The cells of a projection ``[e0, e1, …]`` as values, for showing them. For each item ``i``,
    ``values`` hold ``_k{i}`` (what the cell is: ``CELL_NULL`` … ``CELL_FLOAT``, or ``CELL_JQ``), ``_s{i}``
    (the string) and ``_n{i}`` (the number, a DOUBLE within a double's exact integers). ``unsure`` holds on
    the rows where a cell is ``CELL_JQ``: it raises (jq writes the message), is an array or object, a number
    SQL cannot give exactly or cannot type, a loose text, or anything the translation doubts. ``cond`` is
    TRUE."""
    def build() -> Predicate:
        values: list[tuple[str, str]] = []
        codes: list[str] = []
        for i, node in enumerate(nodes):
            _check_pure(node)
            code, text, number = _display(Compiler().value(node, record=True))
            code = _bind(code, force=True)
            codes.append(f"{code} = {CELL_JQ}")
            values += [(f"_k{i}", code), (f"_s{i}", text), (f"_n{i}", number)]
        return Predicate("TRUE", _or(*codes), values=tuple(values))

    return _with_lets(build)


_IMPURE = frozenset({"now", "input", "inputs", "env", "input_filename", "debug", "stderr", "halt", "halt_error",
                     "error", "getpath", "path", "paths", "limit", "first", "last", "range", "recurse", "empty"})


def _check_pure(node: Any) -> None:
    """Refuse user definitions, variables and generators anywhere in the tree (they could shadow the
    prelude or yield several outputs)."""
    if isinstance(node, (ast.FuncDef, ast.Var, ast.Reduce, ast.Foreach, ast.As, ast.Label, ast.Comma,
                         ast.Iterate, ast.Try, ast.TryOpt, ast.Update)):
        if isinstance(node, ast.Comma):
            return  # only IN's literal lists reach the compiler with a comma; it checks them itself
        raise Untranslatable(f"{type(node).__name__} expressions")
    if isinstance(node, ast.FuncCall) and node.name in _IMPURE:
        if node.name != "recurse":
            raise Untranslatable(f"the function {node.name}")
    if isinstance(node, (list, tuple)):
        for item in node:
            _check_pure(item)
    elif hasattr(node, "__dataclass_fields__"):
        for name in node.__dataclass_fields__:
            if name != "pos":
                _check_pure(getattr(node, name))


def explain(pred: Predicate) -> str:
    """One line for ``--explain``-style notes."""
    lets = "".join(f"LET {name} = {sql}; " for name, sql, _ in pred.lets)
    return lets + f"WHERE {pred.cond}" + ("" if pred.unsure == "FALSE" else f"  (jq decides where {pred.unsure})")


__all__ = ["Untranslatable", "Predicate", "Lets", "Val", "compile_condition", "compile_conditions", "compile_boolean", "compile_cell",
           "compile_cells",
           "check_regex", "text_safe", "explain", "replace", "literal_of"]
