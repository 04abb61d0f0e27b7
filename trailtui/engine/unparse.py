"""Turn a jq syntax tree back into jq text.

Used to compile parts of a program on their own (the selection and the projection of a filter), to label
table columns with the expression that fills them, and to write the ``jq`` one-liner that reproduces a view.
Parentheses are added only where jq's precedence needs them, so labels read like what the user typed:
``.userIdentity.userName // "N/A"``.
"""

from __future__ import annotations

import json
from typing import Any

from .jq import ast
from .jq.keywords import KEYWORDS

# Binding strength, loosest first, as in jq's grammar.
_PIPE, _COMMA, _ALT, _ASSIGN, _OR, _AND, _CMP, _ADD, _MUL, _UNARY, _POSTFIX = range(11)

_BINARY_PREC = {
    "==": _CMP, "!=": _CMP, "<": _CMP, "<=": _CMP, ">": _CMP, ">=": _CMP,
    "+": _ADD, "-": _ADD, "*": _MUL, "/": _MUL, "%": _MUL,
}


class UnparseError(ValueError):
    """The tree holds something this module cannot write back."""


def unparse(node: Any) -> str:
    """jq text for ``node`` (re-parsing it gives an equal tree)."""
    return _expr(node, _PIPE)


def _literal(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise UnparseError("non-finite number literal")
        text = repr(value)
        return text
    if isinstance(value, int):
        return str(value)
    raise UnparseError(f"literal of type {type(value).__name__}")


def literal(value: Any) -> str:
    """jq text for any JSON value (arrays and objects too), safe to show in a terminal: control and bidi
    characters inside strings become ``\\uXXXX`` escapes, which jq reads back as the same characters."""
    from .textsafe import terminal_safe_json

    if isinstance(value, list):
        return "[" + ", ".join(literal(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{literal(str(key))}: {literal(item)}" for key, item in value.items()) + "}"
    text = _literal(value)
    return terminal_safe_json(text) if isinstance(value, str) else text


def _wrap(text: str, prec: int, need: int) -> str:
    return f"({text})" if prec < need else text


def _is_ident(name: str) -> bool:
    return name.isidentifier() and name.isascii()


def _postfix_target(node: ast.Node) -> str:
    """Text of the thing a suffix (``.a``, ``[0]``, ``[]``) attaches to; ``""`` for ``.``."""
    if isinstance(node, ast.Identity):
        return ""
    return _expr(node, _POSTFIX)


def _suffix_index(node: ast.Index) -> str:
    target = _postfix_target(node.target)
    key = node.index
    opt = "?" if node.optional else ""
    if isinstance(key, ast.Literal) and isinstance(key.value, str) and _is_ident(key.value):
        return f"{target}.{key.value}{opt}"
    if isinstance(key, ast.Literal) and isinstance(key.value, str):
        return f"{target}.{_literal(key.value)}{opt}"
    inner = _expr(key, _PIPE)
    prefix = target if target else "."
    return f"{prefix}[{inner}]{opt}"


def _expr(node: Any, need: int) -> str:  # noqa: C901 - a flat dispatch over node types
    if isinstance(node, ast.Identity):
        return "."
    if isinstance(node, ast.RecurseAll):
        return ".."
    if isinstance(node, ast.Literal):
        text = _literal(node.value)
        if isinstance(node.value, (int, float)) and not isinstance(node.value, bool) and node.value < 0:
            return _wrap(text, _UNARY, need)
        return text
    if isinstance(node, ast.Index):
        return _suffix_index(node)
    if isinstance(node, ast.Slice):
        target = _postfix_target(node.target) or "."
        start = "" if node.start is None else _expr(node.start, _PIPE)
        end = "" if node.end is None else _expr(node.end, _PIPE)
        return f"{target}[{start}:{end}]" + ("?" if node.optional else "")
    if isinstance(node, ast.Iterate):
        target = _postfix_target(node.target) or "."
        return f"{target}[]" + ("?" if node.optional else "")
    if isinstance(node, ast.StringInterp):
        return _string_interp(node)
    if isinstance(node, ast.Format):
        return f"@{node.name}"
    if isinstance(node, ast.ArrayCons):
        return "[]" if node.body is None else f"[{_expr(node.body, _PIPE)}]"
    if isinstance(node, ast.ObjectCons):
        return "{" + ", ".join(_object_entry(e) for e in node.entries) + "}"
    if isinstance(node, ast.Pipe):
        return _wrap(f"{_expr(node.left, _COMMA)} | {_expr(node.right, _PIPE)}", _PIPE, need)
    if isinstance(node, ast.Comma):
        return _wrap(f"{_expr(node.left, _COMMA)}, {_expr(node.right, _ALT)}", _COMMA, need)
    if isinstance(node, ast.Neg):
        return _wrap(f"-{_expr(node.expr, _POSTFIX)}", _UNARY, need)
    if isinstance(node, ast.Binary):
        prec = _BINARY_PREC[node.op]
        if prec == _CMP:  # non-associative
            text = f"{_expr(node.left, prec + 1)} {node.op} {_expr(node.right, prec + 1)}"
        else:  # left-associative
            text = f"{_expr(node.left, prec)} {node.op} {_expr(node.right, prec + 1)}"
        return _wrap(text, prec, need)
    if isinstance(node, ast.And):
        return _wrap(f"{_expr(node.left, _AND)} and {_expr(node.right, _AND + 1)}", _AND, need)
    if isinstance(node, ast.Or):
        return _wrap(f"{_expr(node.left, _OR)} or {_expr(node.right, _OR + 1)}", _OR, need)
    if isinstance(node, ast.Alt):  # right-associative
        return _wrap(f"{_expr(node.left, _ALT + 1)} // {_expr(node.right, _ALT)}", _ALT, need)
    if isinstance(node, ast.Update):
        return _wrap(f"{_expr(node.lhs, _ASSIGN + 1)} {node.op} {_expr(node.rhs, _ALT)}", _ASSIGN, need)
    if isinstance(node, ast.If):
        text = f"if {_expr(node.cond, _PIPE)} then {_expr(node.then, _PIPE)}"
        for cond, then in node.elifs:
            text += f" elif {_expr(cond, _PIPE)} then {_expr(then, _PIPE)}"
        if node.else_ is not None:
            text += f" else {_expr(node.else_, _PIPE)}"
        return text + " end"
    if isinstance(node, ast.Try):
        text = f"try {_expr(node.body, _POSTFIX)}"
        if node.catch is not None:
            text += f" catch {_expr(node.catch, _POSTFIX)}"
        return _wrap(text, _UNARY, need)
    if isinstance(node, ast.TryOpt):
        return f"{_expr(node.body, _POSTFIX)}?"
    if isinstance(node, ast.As):
        patterns = " ?// ".join(_pattern(p) for p in node.patterns)
        text = f"{_expr(node.source, _POSTFIX)} as {patterns} | {_expr(node.body, _PIPE)}"
        return _wrap(text, _PIPE, need)
    if isinstance(node, ast.Reduce):
        return (
            f"reduce {_expr(node.source, _POSTFIX)} as {_pattern(node.pattern)} "
            f"({_expr(node.init, _PIPE)}; {_expr(node.update, _PIPE)})"
        )
    if isinstance(node, ast.Foreach):
        parts = [_expr(node.init, _PIPE), _expr(node.update, _PIPE)]
        if node.extract is not None:
            parts.append(_expr(node.extract, _PIPE))
        return f"foreach {_expr(node.source, _POSTFIX)} as {_pattern(node.pattern)} ({'; '.join(parts)})"
    if isinstance(node, ast.FuncDef):
        params = f"({'; '.join(node.params)})" if node.params else ""
        text = f"def {node.name}{params}: {_expr(node.body, _PIPE)}; {_expr(node.rest, _PIPE)}"
        return _wrap(text, _PIPE, need)
    if isinstance(node, ast.FuncCall):
        if not node.args:
            return node.name
        return f"{node.name}({'; '.join(_expr(a, _PIPE) for a in node.args)})"
    if isinstance(node, ast.Var):
        return f"${node.name}"
    if isinstance(node, ast.Label):
        return _wrap(f"label ${node.name} | {_expr(node.body, _PIPE)}", _PIPE, need)
    if isinstance(node, ast.Break):
        return f"break ${node.name}"
    raise UnparseError(f"cannot write {type(node).__name__} back as jq")


def _string_interp(node: ast.StringInterp) -> str:
    out = []
    for part in node.parts:
        if isinstance(part, str):
            out.append(json.dumps(part, ensure_ascii=False)[1:-1])
        else:
            out.append(f"\\({_expr(part, _PIPE)})")
    text = '"' + "".join(out) + '"'
    return f"@{node.fmt} {text}" if node.fmt else text


def _object_key(key: ast.Node) -> str:
    if isinstance(key, ast.Literal) and isinstance(key.value, str):
        return key.value if _is_ident(key.value) and key.value not in KEYWORDS else _literal(key.value)
    if isinstance(key, ast.Var):
        return f"${key.name}"
    if isinstance(key, ast.StringInterp):
        return _string_interp(key)
    return f"({_expr(key, _PIPE)})"




def _object_entry(entry: ast.ObjectEntry) -> str:
    key = _object_key(entry.key)
    if entry.value is None:
        return key
    return f"{key}: {_expr(entry.value, _ALT + 1) if not _needs_paren_in_object(entry.value) else '(' + _expr(entry.value, _PIPE) + ')'}"


def _needs_paren_in_object(value: ast.Node) -> bool:
    # Object values are ExpD in jq's grammar: a pipe of terms; anything looser than a postfix term is
    # safest in parentheses.
    return not isinstance(
        value,
        (ast.Identity, ast.RecurseAll, ast.Literal, ast.Index, ast.Slice, ast.Iterate, ast.StringInterp,
         ast.Format, ast.ArrayCons, ast.ObjectCons, ast.FuncCall, ast.Var, ast.TryOpt),
    )


def _pattern(pattern: Any) -> str:
    if isinstance(pattern, ast.VarPattern):
        return f"${pattern.name}"
    if isinstance(pattern, ast.ArrayPattern):
        return "[" + ", ".join(_pattern(p) for p in pattern.items) + "]"
    if isinstance(pattern, ast.ObjectPattern):
        parts = []
        for entry in pattern.entries:
            if entry.pattern is None:
                parts.append(_object_key(entry.key))
            else:
                parts.append(f"{_object_key(entry.key)}: {_pattern(entry.pattern)}")
        return "{" + ", ".join(parts) + "}"
    raise UnparseError(f"cannot write pattern {type(pattern).__name__}")
