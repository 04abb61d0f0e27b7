"""Lexer and recursive-descent parser for jq programs, producing ``ast`` nodes."""

from __future__ import annotations

import re
import sys
from typing import Any, List, Optional, Tuple

from . import ast as A
from .errors import JqSyntaxError, JqUnsupported
from .keywords import KEYWORDS

FORMATS = {"text", "json", "tsv", "csv", "base64", "base64d", "base32", "base32d", "uri", "urid",
           "sh", "html"}

_NUM = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_IDENT = re.compile(r"[a-zA-Z_][a-zA-Z_0-9]*(?:::[a-zA-Z_][a-zA-Z_0-9]*)*")
_FORMAT = re.compile(r"[a-zA-Z0-9_]+")  # jq lexes any such name; an unknown one fails when run
_FIELD = re.compile(r"\.[a-zA-Z_][a-zA-Z_0-9]*")
_OPS = ["|=", "+=", "-=", "*=", "/=", "%=", "//=", "==", "!=", "<=", ">=", "//", "..",
        ".", "[", "]", "{", "}", "(", ")", "|", ",", ":", ";", "=", "<", ">", "+", "-", "*", "/",
        "%", "?"]
_ASSIGN_OPS = ("=", "|=", "+=", "-=", "*=", "/=", "%=", "//=")
_DIGITS = frozenset("0123456789")
_IDSTART = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_CONSTS = {"true": True, "false": False, "null": None}
_ESC = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


class Tok:
    __slots__ = ("kind", "value", "pos")

    def __init__(self, kind: str, value: Any, pos: int) -> None:
        self.kind, self.value, self.pos = kind, value, pos

    def __repr__(self) -> str:
        return f"Tok({self.kind},{self.value!r},{self.pos})"


class _Lexer:
    def __init__(self, src: str) -> None:
        self.src = src

    def err(self, msg: str, pos: int) -> JqSyntaxError:
        return JqSyntaxError(msg, pos, self.src)

    def lex(self, i: int, in_interp: bool) -> Tuple[List[Tok], int]:
        src, n = self.src, len(self.src)
        toks: List[Tok] = []
        depth = 0
        while True:
            while i < n:
                c = src[i]
                if c in " \t\r\n":
                    i += 1
                elif c == "#":
                    # a comment ends at a newline not escaped by a backslash (\ CR LF continues it too)
                    while i < n and src[i] != "\n":
                        if src[i] == "\\" and i + 1 < n:
                            i += 2 if src.startswith("\r\n", i + 1) else 1
                        i += 1
                else:
                    break
            if i >= n:
                if in_interp:
                    raise self.err("unterminated string interpolation", n)
                toks.append(Tok("eof", None, n))
                return toks, n
            c = src[i]
            if c == '"':
                parts, j = self.string(i)
                toks.append(Tok("str", parts, i))
                i = j
                continue
            if c in _DIGITS or (c == "." and i + 1 < n and src[i + 1] in _DIGITS):
                m = _NUM.match(src, i)
                text = m.group(0)
                if re.fullmatch(r"[0-9]+", text):
                    val: Any = int(text)
                else:
                    val = float(text)
                toks.append(Tok("num", val, i))
                i = m.end()
                continue
            if c == "." and i + 1 < n and src[i + 1] in _IDSTART:
                m = _FIELD.match(src, i)
                toks.append(Tok("field", m.group(0)[1:], i))
                i = m.end()
                continue
            if c in _IDSTART:
                m = _IDENT.match(src, i)
                toks.append(Tok("ident", m.group(0), i))
                i = m.end()
                continue
            if c == "$":
                m = _IDENT.match(src, i + 1)
                if not m:
                    raise self.err("syntax error: '$' must be followed by a variable name", i)
                toks.append(Tok("var", m.group(0), i))
                i = m.end()
                continue
            if c == "@":
                m = _FORMAT.match(src, i + 1)
                if not m:
                    raise self.err("syntax error: '@' must be followed by a format name", i)
                toks.append(Tok("fmt", m.group(0), i))
                i = m.end()
                continue
            for op in _OPS:
                if src.startswith(op, i):
                    break
            else:
                raise self.err(f"syntax error: unexpected character {c!r}", i)
            if in_interp:
                if op == "(":
                    depth += 1
                elif op == ")":
                    if depth == 0:
                        toks.append(Tok("eof", None, i))
                        return toks, i + 1
                    depth -= 1
            toks.append(Tok("op", op, i))
            i += len(op)

    def string(self, start: int) -> Tuple[list, int]:
        src, n = self.src, len(self.src)
        i = start + 1
        parts: list = []
        buf: List[str] = []
        while True:
            if i >= n:
                raise self.err("syntax error: unterminated string literal", start)
            c = src[i]
            if c == '"':
                if buf or not parts:
                    parts.append("".join(buf))
                return parts, i + 1
            if c == "\\":
                if i + 1 >= n:
                    raise self.err("syntax error: unterminated string literal", start)
                e = src[i + 1]
                if e in _ESC:
                    buf.append(_ESC[e])
                    i += 2
                elif e == "u":
                    h = src[i + 2:i + 6]
                    if not re.fullmatch(r"[0-9a-fA-F]{4}", h):
                        raise self.err("syntax error: invalid \\u escape", i)
                    cp = int(h, 16)
                    i += 6
                    if 0xD800 <= cp < 0xDC00 and src.startswith("\\u", i):
                        h2 = src[i + 2:i + 6]
                        if re.fullmatch(r"[0-9a-fA-F]{4}", h2) and 0xDC00 <= int(h2, 16) < 0xE000:
                            cp = 0x10000 + ((cp - 0xD800) << 10) + (int(h2, 16) - 0xDC00)
                            i += 6
                    if 0xD800 <= cp < 0xE000:
                        cp = 0xFFFD
                    buf.append(chr(cp))
                elif e == "(":
                    if buf:
                        parts.append("".join(buf))
                        buf = []
                    toks, j = self.lex(i + 2, True)
                    parts.append((toks, i + 2))
                    i = j
                else:
                    raise self.err(f"syntax error: invalid escape \\{e}", i)
            else:
                buf.append(c)
                i += 1


class Parser:
    """Parses one token stream (the program, or one string interpolation)."""

    def __init__(self, src: str, toks: List[Tok]) -> None:
        self.src = src
        self.toks = toks
        self.i = 0

    # -- token helpers
    @property
    def tok(self) -> Tok:
        return self.toks[self.i]

    def peek(self, k: int = 1) -> Tok:
        return self.toks[min(self.i + k, len(self.toks) - 1)]

    def next(self) -> Tok:
        t = self.toks[self.i]
        if t.kind != "eof":
            self.i += 1
        return t

    def is_op(self, *ops: str) -> bool:
        t = self.tok
        return t.kind == "op" and t.value in ops

    def is_kw(self, *kws: str) -> bool:
        t = self.tok
        return t.kind == "ident" and t.value in kws

    def err(self, msg: str, tok: Optional[Tok] = None) -> JqSyntaxError:
        t = tok or self.tok
        return JqSyntaxError(msg, t.pos, self.src)

    def unexpected(self) -> JqSyntaxError:
        t = self.tok
        if t.kind == "eof":
            return self.err("syntax error, unexpected end of file")
        what = t.value if t.kind in ("op", "ident") else t.kind
        if t.kind == "str":
            what = "string"
        return self.err(f"syntax error, unexpected {what!s}")

    def expect_op(self, op: str) -> Tok:
        if not self.is_op(op):
            raise self.err(f"syntax error, expected '{op}'" + (
                "" if self.tok.kind != "eof" else " before end of file"))
        return self.next()

    def expect_kw(self, kw: str) -> Tok:
        if not self.is_kw(kw):
            raise self.err(f"syntax error, expected '{kw}'")
        return self.next()

    # -- grammar
    def parse_program(self) -> A.Node:
        if self.is_kw("import", "include"):
            raise JqUnsupported("modules (import/include)", self.tok.pos, self.src)
        if self.is_kw("module"):
            raise JqUnsupported("modules", self.tok.pos, self.src)
        node = self.parse_pipe()
        if self.tok.kind != "eof":
            raise self.unexpected()
        return node

    def parse_defs_only(self) -> List[Tuple[str, Tuple[str, ...], A.Node, int]]:
        defs = []
        while self.is_kw("def"):
            defs.append(self.parse_def())
        if self.tok.kind != "eof":
            raise self.err("syntax error: a prelude may contain only definitions")
        return defs

    def parse_def(self) -> Tuple[str, Tuple[str, ...], A.Node, int]:
        t = self.expect_kw("def")
        nt = self.next()
        if nt.kind != "ident" or "::" in nt.value:
            raise self.err("syntax error, expected a function name", nt)
        if nt.value in KEYWORDS:
            raise self.err(f"syntax error, unexpected {nt.value}", nt)
        params: List[str] = []
        if self.is_op("("):
            self.next()
            while True:
                p = self.next()
                if p.kind == "var":
                    params.append("$" + p.value)
                elif p.kind == "ident" and p.value not in KEYWORDS:
                    params.append(p.value)
                else:
                    raise self.err("syntax error, expected a parameter name", p)
                if self.is_op(";"):
                    self.next()
                    continue
                self.expect_op(")")
                break
        self.expect_op(":")
        body = self.parse_pipe()
        self.expect_op(";")
        return nt.value, tuple(params), body, t.pos

    def parse_pipe(self) -> A.Node:
        if self.is_kw("def"):
            name, params, body, pos = self.parse_def()
            rest = self.parse_pipe()
            return A.FuncDef(name, params, body, rest, pos=pos)
        left = self.parse_comma()
        if self.is_op("|"):
            t = self.next()
            right = self.parse_pipe()
            return A.Pipe(left, right, pos=t.pos)
        return left

    def parse_comma(self) -> A.Node:
        left = self.parse_alt_as()
        while self.is_op(","):
            # an unparenthesised `as` body extends to the end, so no comma can follow it here
            t = self.next()
            right = self.parse_alt_as()
            left = A.Comma(left, right, pos=t.pos)
        return left

    def parse_alt_as(self) -> A.Node:
        node = self.parse_alt()
        if self.is_kw("as"):
            t = self.next()
            patterns = [self.parse_pattern()]
            while self._at_altpat():
                self.next()
                self.next()
                patterns.append(self.parse_pattern())
            self.expect_op("|")
            body = self.parse_pipe()
            return A.As(node, tuple(patterns), body, pos=t.pos)
        return node

    def parse_alt(self) -> A.Node:
        left = self.parse_assign()
        if self.is_op("//"):
            t = self.next()
            right = self.parse_alt()
            return A.Alt(left, right, pos=t.pos)
        return left

    def parse_assign(self) -> A.Node:
        # jq: `//` binds looser than the (non-associative) assignments, so `.a = x // y` is
        # `(.a = x) // y`, and `. += 1 -= 2` is a syntax error
        left = self.parse_or()
        if self.is_op(*_ASSIGN_OPS):
            t = self.next()
            right = self.parse_or()
            if self.is_op(*_ASSIGN_OPS):
                raise self.unexpected()
            return A.Update(t.value, left, right, pos=t.pos)
        return left

    def parse_or(self) -> A.Node:
        left = self.parse_and()
        while self.is_kw("or"):
            t = self.next()
            left = A.Or(left, self.parse_and(), pos=t.pos)
        return left

    def parse_and(self) -> A.Node:
        left = self.parse_cmp()
        while self.is_kw("and"):
            t = self.next()
            left = A.And(left, self.parse_cmp(), pos=t.pos)
        return left

    def parse_cmp(self) -> A.Node:
        left = self.parse_add()
        if self.is_op("==", "!=", "<", "<=", ">", ">="):
            t = self.next()
            right = self.parse_add()
            if self.is_op("==", "!=", "<", "<=", ">", ">="):
                raise self.unexpected()
            return A.Binary(t.value, left, right, pos=t.pos)
        return left

    def parse_add(self) -> A.Node:
        left = self.parse_mul()
        while self.is_op("+", "-"):
            t = self.next()
            left = A.Binary(t.value, left, self.parse_mul(), pos=t.pos)
        return left

    def parse_mul(self) -> A.Node:
        left = self.parse_unary()
        while self.is_op("*", "/", "%"):
            t = self.next()
            left = A.Binary(t.value, left, self.parse_unary(), pos=t.pos)
        return left

    def parse_unary(self) -> A.Node:
        if self.is_op("-"):
            t = self.next()
            return A.Neg(self.parse_unary(), pos=t.pos)
        return self.parse_postfix(allow_as=True)

    def parse_postfix(self, allow_as: bool) -> A.Node:
        node = self.parse_primary()
        while True:
            t = self.tok
            if t.kind == "field":
                self.next()
                node = A.Index(node, A.Literal(t.value, pos=t.pos), pos=t.pos)
                node = self._maybe_opt(node)
            elif t.kind == "op" and t.value == "." and self.peek().kind == "str":
                self.next()
                key = self.parse_string_tok(self.next())
                node = self._maybe_opt(A.Index(node, key, pos=t.pos))
            elif t.kind == "op" and t.value == "." and self.peek().kind == "op" and self.peek().value == "[":
                self.next()
                node = self.parse_bracket(node, dotted=True)
            elif t.kind == "op" and t.value == "[":
                node = self.parse_bracket(node)
            elif t.kind == "op" and t.value == "?":
                self.next()
                node = A.TryOpt(node, pos=t.pos)
            else:
                return node

    def _at_altpat(self) -> bool:
        nt = self.peek()
        return (self.is_op("?") and nt.kind == "op" and nt.value == "//"
                and nt.pos == self.tok.pos + 1)

    def _maybe_opt(self, node: A.Node) -> A.Node:
        if self.is_op("?"):
            self.next()
            if isinstance(node, A.Index):
                return A.Index(node.target, node.index, True, pos=node.pos)
            if isinstance(node, A.Slice):
                return A.Slice(node.target, node.start, node.end, True, pos=node.pos)
            if isinstance(node, A.Iterate):
                return A.Iterate(node.target, True, pos=node.pos)
        return node

    def parse_bracket(self, target: A.Node, dotted: bool = False) -> A.Node:
        """``[]``, ``[e]`` or a slice after ``target``; jq's grammar has no slice after ``term.``."""
        t = self.expect_op("[")
        if self.is_op("]"):
            self.next()
            return self._maybe_opt(A.Iterate(target, pos=t.pos))
        if dotted and self.is_op(":"):
            raise self.unexpected()
        if self.is_op(":"):
            self.next()
            end = self.parse_pipe()
            self.expect_op("]")
            return self._maybe_opt(A.Slice(target, None, end, pos=t.pos))
        idx = self.parse_pipe()
        if dotted and self.is_op(":"):
            raise self.unexpected()
        if self.is_op(":"):
            self.next()
            if self.is_op("]"):
                self.next()
                return self._maybe_opt(A.Slice(target, idx, None, pos=t.pos))
            end = self.parse_pipe()
            self.expect_op("]")
            return self._maybe_opt(A.Slice(target, idx, end, pos=t.pos))
        self.expect_op("]")
        return self._maybe_opt(A.Index(target, idx, pos=t.pos))

    def parse_string_tok(self, t: Tok, fmt: Optional[str] = None) -> A.Node:
        parts: list = []
        for p in t.value:
            if isinstance(p, str):
                parts.append(p)
            else:
                toks, ppos = p
                sub = Parser(self.src, toks)
                node = sub.parse_pipe()
                if sub.tok.kind != "eof":
                    raise sub.unexpected()
                parts.append(node)
        if fmt is None and all(isinstance(p, str) for p in parts):
            return A.Literal("".join(parts), pos=t.pos)
        return A.StringInterp(tuple(parts), fmt, pos=t.pos)

    def parse_primary(self) -> A.Node:
        t = self.tok
        k = t.kind
        if k == "num":
            self.next()
            return A.Literal(t.value, pos=t.pos)
        if k == "str":
            self.next()
            return self.parse_string_tok(t)
        if k == "field":
            self.next()
            return self._maybe_opt(A.Index(A.Identity(pos=t.pos), A.Literal(t.value, pos=t.pos), pos=t.pos))
        if k == "var":
            self.next()
            if t.value == "__prog_args":
                raise JqUnsupported("$__prog_args", t.pos, self.src)
            if "::" in t.value:
                raise JqUnsupported("module variables", t.pos, self.src)
            return A.Var(t.value, pos=t.pos)
        if k == "fmt":
            self.next()
            if self.tok.kind == "str":
                st = self.next()
                return self.parse_string_tok(st, t.value)
            return A.Format(t.value, pos=t.pos)
        if k == "op":
            v = t.value
            if v == ".":
                self.next()
                if self.tok.kind == "str":
                    key = self.parse_string_tok(self.next())
                    return self._maybe_opt(A.Index(A.Identity(pos=t.pos), key, pos=t.pos))
                if self.is_op("["):
                    return self.parse_bracket(A.Identity(pos=t.pos))
                return A.Identity(pos=t.pos)
            if v == "..":
                self.next()
                return A.RecurseAll(pos=t.pos)
            if v == "(":
                self.next()
                e = self.parse_pipe()
                self.expect_op(")")
                return e
            if v == "[":
                self.next()
                if self.is_op("]"):
                    self.next()
                    return A.ArrayCons(None, pos=t.pos)
                e = self.parse_pipe()
                self.expect_op("]")
                return A.ArrayCons(e, pos=t.pos)
            if v == "{":
                return self.parse_object()
            if v == "-":
                self.next()
                return A.Neg(self.parse_postfix(allow_as=False), pos=t.pos)
            raise self.unexpected()
        if k == "ident":
            v = t.value
            if v == "if":
                return self.parse_if()
            if v == "try":
                self.next()
                body = self.parse_try_body()
                catch = None
                if self.is_kw("catch"):
                    self.next()
                    catch = self.parse_try_body()
                return A.Try(body, catch, pos=t.pos)
            if v == "reduce":
                self.next()
                src = self.parse_alt()
                self.expect_kw("as")
                pat = self.parse_pattern()
                if self._at_altpat():
                    raise JqUnsupported("?// in reduce", self.tok.pos, self.src)
                self.expect_op("(")
                init = self.parse_pipe()
                self.expect_op(";")
                upd = self.parse_pipe()
                self.expect_op(")")
                return A.Reduce(src, pat, init, upd, pos=t.pos)
            if v == "foreach":
                self.next()
                src = self.parse_alt()
                self.expect_kw("as")
                pat = self.parse_pattern()
                if self._at_altpat():
                    raise JqUnsupported("?// in foreach", self.tok.pos, self.src)
                self.expect_op("(")
                init = self.parse_pipe()
                self.expect_op(";")
                upd = self.parse_pipe()
                ext = None
                if self.is_op(";"):
                    self.next()
                    ext = self.parse_pipe()
                self.expect_op(")")
                return A.Foreach(src, pat, init, upd, ext, pos=t.pos)
            if v == "label":
                self.next()
                nt = self.next()
                if nt.kind != "var":
                    raise self.err("syntax error, expected $name after label", nt)
                self.expect_op("|")
                body = self.parse_pipe()
                return A.Label(nt.value, body, pos=t.pos)
            if v == "def":
                name, params, body, pos = self.parse_def()
                rest = self.parse_pipe()
                return A.FuncDef(name, params, body, rest, pos=pos)
            if v in ("import", "include"):
                raise JqUnsupported("modules (import/include)", t.pos, self.src)
            if v in KEYWORDS:
                raise self.unexpected()
            if "::" in v:
                raise JqUnsupported("module function calls", t.pos, self.src)
            self.next()
            if v in _CONSTS and not self.is_op("("):
                return A.Literal(_CONSTS[v], pos=t.pos)
            if v == "break":
                nt = self.tok
                if nt.kind == "var":
                    self.next()
                    return A.Break(nt.value, pos=t.pos)
            args: List[A.Node] = []
            if self.is_op("("):
                self.next()
                while True:
                    args.append(self.parse_pipe())
                    if self.is_op(";"):
                        self.next()
                        continue
                    self.expect_op(")")
                    break
            return A.FuncCall(v, tuple(args), pos=t.pos)
        raise self.unexpected()

    def parse_try_body(self) -> A.Node:
        if self.is_op("-"):
            t = self.next()
            return A.Neg(self.parse_try_body(), pos=t.pos)
        return self.parse_postfix(allow_as=False)

    def parse_if(self) -> A.Node:
        t = self.expect_kw("if")
        cond = self.parse_pipe()
        self.expect_kw("then")
        then = self.parse_pipe()
        elifs = []
        else_ = None
        while self.is_kw("elif"):
            self.next()
            c = self.parse_pipe()
            self.expect_kw("then")
            elifs.append((c, self.parse_pipe()))
        if self.is_kw("else"):
            self.next()
            else_ = self.parse_pipe()
        self.expect_kw("end")
        return A.If(cond, then, tuple(elifs), else_, pos=t.pos)

    def parse_objval(self) -> A.Node:
        # an object value is any expression without a top-level comma
        left = self.parse_alt()
        if self.is_op("|"):
            t = self.next()
            return A.Pipe(left, self.parse_objval(), pos=t.pos)
        return left

    def parse_objval_term(self) -> A.Node:
        return self.parse_postfix(allow_as=False)

    def parse_object(self) -> A.Node:
        t = self.expect_op("{")
        entries: List[A.ObjectEntry] = []
        if self.is_op("}"):
            self.next()
            return A.ObjectCons((), pos=t.pos)
        while True:
            kt = self.tok
            if kt.kind == "var":
                self.next()
                key: A.Node = A.Var(kt.value, pos=kt.pos)
                if self.is_op(":"):
                    self.next()
                    entries.append(A.ObjectEntry(key, self.parse_objval()))
                else:
                    entries.append(A.ObjectEntry(key, None))
            elif kt.kind == "ident":
                self.next()
                if "::" in kt.value:
                    raise self.err("syntax error, unexpected IDENT", kt)
                key = A.Literal(kt.value, pos=kt.pos)
                if self.is_op(":"):
                    self.next()
                    entries.append(A.ObjectEntry(key, self.parse_objval()))
                else:
                    entries.append(A.ObjectEntry(key, None))
            elif kt.kind == "num":
                raise self.err("syntax error, unexpected number as object key", kt)
            elif kt.kind == "str" or kt.kind == "fmt":
                self.next()
                if kt.kind == "fmt":
                    if self.tok.kind == "str":
                        key = self.parse_string_tok(self.next(), kt.value)
                    else:
                        key = A.Format(kt.value, pos=kt.pos)
                else:
                    key = self.parse_string_tok(kt)
                if self.is_op(":"):
                    self.next()
                    entries.append(A.ObjectEntry(key, self.parse_objval()))
                else:
                    entries.append(A.ObjectEntry(key, None))
            elif kt.kind == "op" and kt.value == "(":
                self.next()
                key = self.parse_pipe()
                self.expect_op(")")
                self.expect_op(":")
                entries.append(A.ObjectEntry(key, self.parse_objval()))
            else:
                raise self.unexpected()
            if self.is_op(","):
                self.next()
                if self.is_op("}"):  # jq 1.7+ accepts one trailing comma
                    self.next()
                    return A.ObjectCons(tuple(entries), pos=t.pos)
                continue
            self.expect_op("}")
            return A.ObjectCons(tuple(entries), pos=t.pos)

    def parse_pattern(self) -> A.Pattern:
        t = self.tok
        if t.kind == "var":
            self.next()
            return A.VarPattern(t.value)
        if self.is_op("["):
            self.next()
            items = []
            if self.is_op("]"):
                raise self.unexpected()
            while True:
                items.append(self.parse_pattern())
                if self.is_op(","):
                    self.next()
                    continue
                self.expect_op("]")
                return A.ArrayPattern(tuple(items))
        if self.is_op("{"):
            self.next()
            entries = []
            while True:
                kt = self.tok
                if kt.kind == "var":
                    self.next()
                    key: A.Node = A.Var(kt.value, pos=kt.pos)
                    pat = None
                    if self.is_op(":"):
                        self.next()
                        pat = self.parse_pattern()
                    entries.append(A.ObjectPatternEntry(key, pat))
                elif kt.kind == "ident" and "::" not in kt.value:
                    self.next()
                    self.expect_op(":")
                    entries.append(A.ObjectPatternEntry(A.Literal(kt.value, pos=kt.pos), self.parse_pattern()))
                elif kt.kind == "str":
                    self.next()
                    key = self.parse_string_tok(kt)
                    self.expect_op(":")
                    entries.append(A.ObjectPatternEntry(key, self.parse_pattern()))
                elif kt.kind == "op" and kt.value == "(":
                    self.next()
                    key = self.parse_pipe()
                    self.expect_op(")")
                    self.expect_op(":")
                    entries.append(A.ObjectPatternEntry(key, self.parse_pattern()))
                else:
                    raise self.unexpected()
                if self.is_op(","):
                    self.next()
                    continue
                self.expect_op("}")
                return A.ObjectPattern(tuple(entries))
        raise self.unexpected()


def tokenize(src: str) -> List[Tok]:
    toks, _ = _Lexer(src).lex(0, False)
    return toks


def parse(src: str) -> A.Node:
    """Parse a jq program into an AST (raises JqSyntaxError / JqUnsupported)."""
    with deep_recursion():
        try:
            return Parser(src, tokenize(src)).parse_program()
        except RecursionError:
            raise JqSyntaxError("program too deeply nested", 0, src) from None


RUNTIME_RECURSION_LIMIT = 12000
"""Deep enough for jq's 10,000-level JSON values; deeper recursion re-runs in a thread with a 1 GB stack
(``program._run_deep``). Measured: a recursive jq function reaching this limit uses ~4.5 MB of C stack at
12,000 and 6-8 MB at 20,000, which overflowed the main thread's 8 MB now and then (a crashed test worker)
when the caller already sat deep in the stack."""
_COMPILE_RECURSION_LIMIT = 100000


class deep_recursion:
    """Raise the recursion limit while parsing/compiling (pure-Python recursion only), then settle it
    at ``RUNTIME_RECURSION_LIMIT``, which deep values can reach without exhausting the C stack."""

    def __enter__(self) -> None:
        if sys.getrecursionlimit() < _COMPILE_RECURSION_LIMIT:
            sys.setrecursionlimit(_COMPILE_RECURSION_LIMIT)

    def __exit__(self, *exc: object) -> None:
        sys.setrecursionlimit(RUNTIME_RECURSION_LIMIT)


def parse_defs(src: str) -> List[Tuple[str, Tuple[str, ...], A.Node, int]]:
    """Parse a prelude made only of ``def``s: a list of (name, params, body, pos)."""
    return Parser(src, tokenize(src)).parse_defs_only()
