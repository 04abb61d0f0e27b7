"""``@format`` string filters (@text, @json, @csv, @tsv, @html, @uri, @sh, @base64, @base32 ...)."""

from __future__ import annotations

import base64
import binascii
from typing import Any, Callable, Dict
from urllib.parse import quote, unquote

from ..jsonvalues import decode_utf8
from .errors import JqRuntimeError
from .values import desc, dumps


def tostring(v: Any) -> str:
    return v if type(v) is str else dumps(v)


def _text(v: Any) -> str:
    return tostring(v)


def _json(v: Any) -> str:
    return dumps(v)


def _nul(s: str) -> str:
    """jq's escaping formats (@csv, @tsv, @sh, @html) write a NUL character as the two characters ``\\0``."""
    return s.replace("\x00", "\\0") if "\x00" in s else s


def _csv_field(x: Any, fmt: str) -> str:
    t = type(x)
    if t is int or t is float:
        return dumps(x) if x == x else ""  # jq writes nan as an empty field, like null
    if x is True:
        return "true"
    if x is False:
        return "false"
    if x is None:
        return ""
    if t is str:
        if fmt == "csv":
            return '"' + _nul(x.replace('"', '""')) + '"'
        return _nul(x.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r"))
    raise JqRuntimeError(f"{desc(x)} is not valid in a csv row")


def _csv(v: Any) -> str:
    if type(v) is not list:
        raise JqRuntimeError(f"{desc(v)} cannot be csv-formatted, only array")
    return ",".join(_csv_field(x, "csv") for x in v)


def _tsv(v: Any) -> str:
    if type(v) is not list:
        raise JqRuntimeError(f"{desc(v)} cannot be tsv-formatted, only array")
    return "\t".join(_csv_field(x, "tsv") for x in v)


_HTML = {"<": "&lt;", ">": "&gt;", "&": "&amp;", "'": "&apos;", '"': "&quot;"}


def _html(v: Any) -> str:
    s = tostring(v)
    return _nul("".join(_HTML.get(c, c) for c in s))


def _uri(v: Any) -> str:
    return quote(tostring(v).encode("utf-8", "surrogatepass"), safe="-_.~")


def _urid(v: Any) -> str:
    s = tostring(v)
    try:
        return unquote(s, errors="strict")
    except UnicodeDecodeError:
        raise JqRuntimeError(f"{desc(v)} is not a valid uri encoding")


def _sh_one(x: Any) -> str:
    t = type(x)
    if t is str:
        return "'" + _nul(x.replace("'", "'\\''")) + "'"
    if t is list or t is dict:
        raise JqRuntimeError(f"{desc(x)} can not be escaped for shell")
    return dumps(x)


def _sh(v: Any) -> str:
    if type(v) is list:
        return " ".join(_sh_one(x) for x in v)
    return _sh_one(v)


def _b64(v: Any) -> str:
    return base64.b64encode(tostring(v).encode("utf-8", "surrogatepass")).decode("ascii")


_B64 = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")


def _b64d(v: Any) -> str:
    s = tostring(v)
    data = s.rstrip("=")
    if any(c not in _B64 for c in data):
        raise JqRuntimeError(f"{desc(s)} is not valid base64 data")
    if len(data) % 4 == 1:
        raise JqRuntimeError(f"{desc(s)} trailing base64 byte found")
    raw = data.encode("ascii")
    out = base64.b64decode(raw + b"=" * (-len(raw) % 4))
    return decode_utf8(out)


def _b32(v: Any) -> str:
    return base64.b32encode(tostring(v).encode("utf-8", "surrogatepass")).decode("ascii")


def _b32d(v: Any) -> str:
    s = tostring(v).rstrip("=")
    try:
        out = base64.b32decode(s + "=" * (-len(s) % 8))
    except (binascii.Error, ValueError):
        raise JqRuntimeError(f"{desc(v)} is not valid base32 data")
    return decode_utf8(out)


FORMAT_FUNCS: Dict[str, Callable[[Any], str]] = {
    "text": _text, "json": _json, "csv": _csv, "tsv": _tsv, "html": _html, "uri": _uri,
    "urid": _urid, "sh": _sh, "base64": _b64, "base64d": _b64d,
}
# @base32/@base32d exist in jq's manual but libjq 1.8.2 rejects them ("base32 is not a valid format");
# they stay unregistered so programs fail exactly as in jq.


def get_format(name: str) -> Callable[[Any], str]:
    f = FORMAT_FUNCS.get(name)
    if f is None:
        raise JqRuntimeError(f"{name} is not a valid format")
    return f
