"""JSON value helpers with jq semantics: printing, type names, truthiness, ordering, equality."""

from __future__ import annotations

import math
from json.encoder import encode_basestring as _json_str  # C-accelerated, keeps non-ASCII
from typing import Any

from .errors import JqRuntimeError

DBL_MAX_TEXT = "1.7976931348623157e+308"
INT_SAFE = 1 << 53


def _fmt_float(f: float) -> str:
    """Format a double like jq's jvp_dtoa_fmt: shortest round-trip digits, %g-like layout."""
    if f != f:
        return "null"
    if f == math.inf:
        return DBL_MAX_TEXT
    if f == -math.inf:
        return "-" + DBL_MAX_TEXT
    if f == 0:
        return "-0" if math.copysign(1.0, f) < 0 else "0"
    r = repr(f)
    sign = ""
    if r[0] == "-":
        sign, r = "-", r[1:]
    if "e" in r:
        mant, _, e = r.partition("e")
        exp = int(e)
    else:
        mant, exp = r, 0
    ip, _, fp = mant.partition(".")
    digits = ip + fp
    decpt = len(ip) + exp
    stripped = digits.lstrip("0")
    decpt -= len(digits) - len(stripped)
    digits = stripped.rstrip("0") or "0"
    nd = len(digits)
    if decpt <= -4 or decpt > nd + 15:
        e = decpt - 1
        m = digits[0] + ("." + digits[1:] if nd > 1 else "")
        return f"{sign}{m}e{'-' if e < 0 else '+'}{abs(e):02d}"
    if decpt <= 0:
        return sign + "0." + "0" * (-decpt) + digits
    if decpt >= nd:
        return sign + digits + "0" * (decpt - nd)
    return sign + digits[:decpt] + "." + digits[decpt:]


def num_str(n: Any) -> str:
    """jq's text for a number."""
    if type(n) is int:
        return str(n)
    if n.is_integer() and abs(n) < 1e16 and n != 0:
        return str(int(n))
    return _fmt_float(n)


def dump_str(s: str) -> str:
    """A JSON string literal as jq prints it (DEL escaped, non-ASCII kept, ``/`` bare)."""
    r = _json_str(s)
    if "\x7f" in r:
        r = r.replace("\x7f", "\\u007f")
    return r


def dumps(v: Any) -> str:
    """Compact JSON exactly as ``jq -c`` prints it."""
    t = type(v)
    if t is str:
        return dump_str(v)
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if t is int:
        return str(v)
    if t is float:
        return num_str(v)
    if t is dict:
        return "{" + ",".join(dump_str(k) + ":" + dumps(x) for k, x in v.items()) + "}"
    if t is list or t is tuple:
        return "[" + ",".join(dumps(x) for x in v) + "]"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(int(v))
    if isinstance(v, float):
        return num_str(float(v))
    if isinstance(v, str):
        return dump_str(str(v))
    if isinstance(v, dict):
        return dumps(dict(v))
    if isinstance(v, (list, tuple)):
        return dumps(list(v))
    raise TypeError(f"not a JSON value: {v!r}")


def dumps_raw(v: Any) -> str:
    """One output as ``jq -r -c`` prints it: strings raw, everything else as ``dumps``."""
    if type(v) is str:
        return v
    return dumps(v)


def type_name(v: Any) -> str:
    """jq's ``type`` of a value."""
    if v is None:
        return "null"
    t = type(v)
    if t is str:
        return "string"
    if t is bool:
        return "boolean"
    if t is int or t is float:
        return "number"
    if t is dict:
        return "object"
    if t is list:
        return "array"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, dict):
        return "object"
    if isinstance(v, (list, tuple)):
        return "array"
    raise TypeError(f"not a JSON value: {v!r}")


def trunc_dump(v: Any, limit: int = 30) -> str:
    """jq's truncated dump used inside error messages (at most ``limit - 1`` bytes)."""
    s = dumps(v)
    b = s.encode("utf-8", "surrogatepass")
    if len(b) < limit:
        return s
    closer = {str: '"', list: "]", dict: "}"}.get(type(v), "")
    keep = limit - 4 - len(closer)
    return b[:keep].decode("utf-8", "ignore") + "..." + closer


def desc(v: Any) -> str:
    """``type (value)`` as jq writes it in error messages."""
    return f"{type_name(v)} ({trunc_dump(v)})"


def is_num(v: Any) -> bool:
    t = type(v)
    return t is int or t is float


def norm_num(x: Any) -> Any:
    """Normalise an arithmetic result: ints beyond 2**53 become doubles, as in jq."""
    if type(x) is int and (x >= INT_SAFE or x <= -INT_SAFE):
        return float(x)
    return x


def _num_key(v: Any) -> tuple:
    # nan sorts below every number; Python compares ints and floats exactly, as jq 1.8 compares
    # number literals (9007199254740993 > 9007199254740992.0)
    return (0,) if v != v else (1, v)


def sort_key(v: Any) -> tuple:
    """The one implementation of jq's order: ``sort_key(a) < sort_key(b)`` exactly when jq orders ``a``
    before ``b`` (and equal keys for values jq considers equal in order).

    null < false < true < numbers < strings < arrays < objects; arrays element by element; objects by
    their sorted key lists first, then by their values in key order. Keys are plain tuples, so Python's
    C-level tuple comparison does the work when sorting."""
    t = type(v)
    if t is str:
        return (4, v)
    if t is int or t is float:
        return (3, _num_key(v))
    if v is None:
        return (0,)
    if v is False:
        return (1,)
    if v is True:
        return (2,)
    if t is list:
        return (5, tuple(sort_key(x) for x in v))
    if t is dict:
        keys = sorted(v)
        return (6, tuple(keys), tuple(sort_key(v[k]) for k in keys))
    return sort_key(_plain(v))


def _plain(v: Any) -> Any:
    """A JSON value given as a subclass (bool, int, str, list, dict) as its plain type."""
    for t in (bool, int, float, str, list, dict):
        if isinstance(v, t):
            return t(v)
    if isinstance(v, tuple):
        return list(v)
    raise TypeError(f"not a JSON value: {v!r}")


def compare(a: Any, b: Any) -> int:
    """jq's total order as -1, 0 or 1 (by `sort_key`)."""
    ta, tb = type(a), type(b)
    if ta is tb and (ta is str or ta is int):
        return -1 if a < b else (0 if a == b else 1)
    if ta is float and a != a and (tb is int or tb is float):
        return -1  # jq: nan < every number, itself included
    if ta is tb and ta is list:
        for x, y in zip(a, b):
            c = compare(x, y)
            if c:
                return c
        return -1 if len(a) < len(b) else (0 if len(a) == len(b) else 1)
    if ta is tb and ta is dict:
        ka, kb = sorted(a), sorted(b)
        if ka != kb:
            return -1 if ka < kb else 1
        for k in ka:
            c = compare(a[k], b[k])
            if c:
                return c
        return 0
    ka, kb = sort_key(a), sort_key(b)
    return -1 if ka < kb else (0 if ka == kb else 1)


def sorted_values(values: list) -> list:
    """Sort a list of values in jq's order (stable)."""
    return sorted(values, key=sort_key)


def equal(a: Any, b: Any) -> bool:
    """jq's deep equality (1 == 1.0, true != 1)."""
    ta, tb = type(a), type(b)
    if ta is tb:
        if ta is dict:
            if len(a) != len(b):
                return False
            for k, x in a.items():
                if k not in b or not equal(x, b[k]):
                    return False
            return True
        if ta is list:
            return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b))
        return a == b
    if (ta is int and tb is float) or (ta is float and tb is int):
        return float(a) == float(b)
    return False


def truthy(v: Any) -> bool:
    return not (v is None or v is False)


def err(msg: Any) -> JqRuntimeError:
    return JqRuntimeError(msg)


def to_index(v: Any) -> int:
    """A number used as an array index (truncated toward -inf like jq)."""
    if type(v) is int:
        return v
    return int(math.floor(v))
