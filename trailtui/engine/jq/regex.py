"""Oniguruma (jq's regex engine) patterns translated to Python ``re``; match/test/capture/scan/sub."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Iterator, Optional

from .errors import JqRuntimeError
from .values import desc

_POSIX = {
    "alpha": "a-zA-Z", "digit": "0-9", "alnum": "a-zA-Z0-9", "upper": "A-Z", "lower": "a-z",
    "space": r" \t\n\r\f\v", "blank": r" \t", "punct": r"!-/:-@\[-`{-~", "xdigit": "0-9A-Fa-f",
    "word": r"\w", "cntrl": r"\x00-\x1f\x7f", "print": r"\x20-\x7e", "graph": r"\x21-\x7e",
    "ascii": r"\x00-\x7f",
}


def translate(pat: str) -> str:
    """Rewrite the Oniguruma constructs that differ from Python's syntax (raises ValueError)."""
    out = []
    i, n = 0, len(pat)
    in_class = False
    while i < n:
        c = pat[i]
        if c == "\\" and i + 1 < n:
            e = pat[i + 1]
            if e == "h":
                out.append("[0-9a-fA-F]" if not in_class else "0-9a-fA-F")
            elif e == "H":
                out.append("[^0-9a-fA-F]")
            elif e == "z":
                out.append(r"\Z")
            elif e == "Z":
                out.append(r"(?=\n?\Z)")
            elif e in "pP" and i + 2 < n and pat[i + 2] == "{":
                raise ValueError("unicode property classes are not supported")
            elif e == "k" and i + 2 < n and pat[i + 2] == "<":
                j = pat.index(">", i)
                out.append(f"(?P={pat[i + 3:j]})")
                i = j + 1
                continue
            elif e == "g":
                raise ValueError("subexpression calls are not supported")
            else:
                out.append(c + e)
            i += 2
            continue
        if in_class:
            if c == "[" and pat.startswith("[:", i):
                j = pat.find(":]", i)
                if j > 0:
                    name = pat[i + 2:j]
                    neg = name.startswith("^")
                    cls = _POSIX.get(name.lstrip("^"))
                    if cls is None or neg:
                        raise ValueError(f"unknown POSIX class {name}")
                    out.append(cls)
                    i = j + 2
                    continue
            if c == "[":
                raise ValueError("nested character classes are not supported")
            if c == "&" and pat.startswith("&&", i):
                raise ValueError("character class intersection is not supported")
            if c == "]":
                in_class = False
            out.append(c)
            i += 1
            continue
        if c == "[":
            in_class = True
            out.append(c)
            i += 1
            if i < n and pat[i] == "^":
                out.append("^")
                i += 1
            if i < n and pat[i] == "]":
                out.append(r"\]")
                i += 1
            continue
        if c == "(" and pat.startswith("(?<", i) and i + 3 < n and pat[i + 3] not in "=!":
            out.append("(?P<")
            i += 3
            continue
        out.append(c)
        i += 1
    return "".join(out)


_MESSAGES = (
    ("unterminated character set", "premature end of char-class"),
    ("missing ), unterminated subpattern", "end pattern with unmatched parenthesis"),
    ("unbalanced parenthesis", "unmatched close parenthesis"),
    ("nothing to repeat", "target of repeat operator is not specified"),
    ("multiple repeat", "nested repeat operator"),
    ("bad escape (end of pattern)", "end pattern at escape"),
    ("min repeat greater than max repeat", "upper is smaller than lower in repeat range"),
)


def _onig_message(py: str) -> str:
    """Oniguruma's wording for the common syntax errors Python's ``re`` reports differently."""
    for frag, onig in _MESSAGES:
        if py.startswith(frag):
            return onig
    return py


@lru_cache(maxsize=512)
def compile_re(pat: str, flags: Optional[str]) -> tuple:
    g = False
    noempty = False
    f = 0
    for ch in flags or "":
        if ch == "g":
            g = True
        elif ch == "i":
            f |= re.IGNORECASE
        elif ch == "x":
            f |= re.VERBOSE
        elif ch == "n":
            noempty = True
        elif ch == "s":
            pass  # Oniguruma's single-line mode: ^ and $ anchor the whole text, Python's default
        elif ch == "m" or ch == "p":  # Oniguruma's "multiline" is Python's DOTALL
            f |= re.DOTALL
        elif ch == "l":
            pass
        else:
            raise JqRuntimeError(f"{flags} is not a valid modifier string")
    try:
        rx = re.compile(translate(pat), f)
    except (re.error, ValueError, IndexError) as e:
        raise JqRuntimeError(f"Regex failure: {_onig_message(str(e))}")
    names = {idx: name for name, idx in rx.groupindex.items()}
    return rx, g, noempty, names


def _check(v: Any, pat: Any, flags: Any) -> tuple:
    if type(v) is not str:
        raise JqRuntimeError(f"{desc(v)} cannot be matched, as it is not a string")
    if type(pat) is not str:
        raise JqRuntimeError(f"{desc(pat)} is not a string")
    if flags is not None and type(flags) is not str:
        raise JqRuntimeError(f"{desc(flags)} is not a string")
    return compile_re(pat, flags)


def _finditer(v: str, rx) -> Iterator[re.Match]:
    """Global matching as jq does it: after an empty match the search resumes one character later
    (Python's ``finditer`` would also try a non-empty match at the same position)."""
    pos, n = 0, len(v)
    while pos <= n:
        m = rx.search(v, pos)
        if m is None:
            return
        yield m
        pos = m.end() + 1 if m.end() == m.start() else m.end()


def _iter(v: str, rx, g: bool, noempty: bool) -> Iterator[re.Match]:
    if g:
        for m in _finditer(v, rx):
            if noempty and m.end() == m.start():
                continue
            yield m
    else:
        if noempty:
            for m in rx.finditer(v):
                if m.end() != m.start():
                    yield m
                    return
            return
        m = rx.search(v)
        if m is not None:
            yield m


def _match_obj(m: re.Match, names: dict) -> dict:
    caps = []
    for gi in range(1, (m.re.groups or 0) + 1):
        s = m.group(gi)
        if s is None:
            caps.append({"offset": -1, "string": None, "length": 0, "name": names.get(gi)})
        else:
            caps.append({"offset": m.start(gi), "length": len(s), "string": s, "name": names.get(gi)})
    return {"offset": m.start(), "length": m.end() - m.start(), "string": m.group(0), "captures": caps}


def _one_arg(pat: Any, flags: Any) -> tuple:
    """The 1-argument forms accept ``"re"`` or ``["re", "flags"]``."""
    if type(pat) is list:
        return (pat + [None, None])[0], (pat + [None, None])[1]
    if type(pat) is not str:
        from .values import type_name
        raise JqRuntimeError(f"{type_name(pat)} not a string or array")
    return pat, flags


def match_gen(v: Any, pat: Any, flags: Any, one_arg: bool = False) -> Iterator[dict]:
    if one_arg:
        pat, flags = _one_arg(pat, flags)
    rx, g, noempty, names = _check(v, pat, flags)
    for m in _iter(v, rx, g, noempty):
        yield _match_obj(m, names)


def test(v: Any, pat: Any, flags: Any, one_arg: bool = False) -> bool:
    if one_arg:
        pat, flags = _one_arg(pat, flags)
    rx, g, noempty, names = _check(v, pat, flags)
    for _ in _iter(v, rx, False, noempty):
        return True
    return False


def capture_obj(m: dict) -> dict:
    return {c["name"]: c["string"] for c in m["captures"] if c["name"] is not None}


def scan_gen(v: Any, pat: Any, flags: Any) -> Iterator[Any]:
    rx, g, noempty, names = _check(v, pat, (flags or "") + "g")
    for m in _iter(v, rx, True, noempty):
        if rx.groups:
            yield [m.group(i) for i in range(1, rx.groups + 1)]
        else:
            yield m.group(0)


def split_re(v: Any, pat: Any, flags: Any) -> Iterator[str]:
    rx, g, noempty, names = _check(v, pat, (flags or "") + "g")
    prev = 0
    for m in _iter(v, rx, True, noempty):
        if m.end() == m.start() and (m.start() == 0 or m.start() == len(v)):
            pass
        yield v[prev:m.start()]
        prev = m.end()
    yield v[prev:]


def sub_gen(v: Any, pat: Any, repl: Any, flags: Any, env: dict, glob: bool) -> Iterator[str]:
    """jq 1.8's ``sub``: the i-th output of the replacement for every match builds the i-th result
    (not a product over matches); a match whose replacement yields nothing adds nothing; no result
    at all gives the input unchanged."""
    fl = (flags or "") + ("g" if glob else "")
    rx, g, noempty, names = _check(v, pat, fl)
    results: list = []
    prev = 0
    for m in _iter(v, rx, g, noempty):
        gap = v[prev:m.start()]
        capobj = capture_obj(_match_obj(m, names))
        for ix, r in enumerate(repl.run(capobj, env)):
            if r is not None and type(r) is not str:
                raise JqRuntimeError(f"{desc(gap)} and {desc(r)} cannot be added")
            piece = gap + (r or "")
            if ix < len(results):
                results[ix] += piece
            else:
                results.append(piece)
        prev = m.end()
    if not results:
        yield v
        return
    tail = v[prev:]
    for r in results:
        yield r + tail
