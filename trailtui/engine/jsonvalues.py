"""Exact JSON readers over byte buffers, built on orjson, for the loader.

* `loads` parses one document. It falls back to the stdlib ``json`` when orjson would lose or refuse data
  that is still recoverable: integers beyond 64 bits (orjson 3.13 silently turns them into floats), numbers
  orjson refuses (``1e999``), and raw control characters inside strings.
* `iter_values` walks a buffer holding JSON values one after another — JSON Lines, pretty-printed documents
  back to back, or Firehose-style ``{...}{...}`` with no separator — and re-synchronises after a broken value.
* `iter_array` yields the elements of one huge top-level array (``[...]`` or ``{"Records": [...]}``) a
  slice of a few MB at a time, so no single ``orjson.loads`` holds the GIL for long.

Offsets are byte offsets into the buffer. orjson reports character positions; they are converted.
"""

from __future__ import annotations

import codecs
import json
import math
import re
import sys
from itertools import islice
from typing import Any, Iterator, Optional, Union

import orjson

Buffer = Union[bytes, bytearray, memoryview]

_BIG_INT_HINT = re.compile(rb":[0-9 \-]{2}[0-9]{17}")
_BIG_INT_HINT_STR = re.compile(r":[0-9 \-]{2}[0-9]{17}")
"""A cheap necessary condition for an object value that overflows 64 bits: ``:`` then 19+ digits, with an
optional space and sign (``"k":123…``, ``"k": -123…``). Searching costs ~15–20% of an orjson parse.

Integers inside arrays are not looked for (they would need a scan of every digit run, which costs more
than the parse itself; CloudTrail has none), so such an element beyond 64 bits still becomes a float."""

_U64_MAX = 2**64 - 1
_I64_MIN = -(2**63)
_WS = b" \t\r\n"
_RESCUABLE = ("control character", "number")
"""orjson error messages the stdlib parser may still accept (``strict=False`` takes raw control chars)."""

TRAILING = "unexpected content after document"


class JsonError(ValueError):
    """A JSON syntax error at a byte ``offset`` of the buffer that was being read."""

    def __init__(self, reason: str, offset: int) -> None:
        reason = plain_reason(reason)
        super().__init__(f"{reason} at byte {offset}")
        self.reason = reason
        self.offset = offset


def plain_reason(message: str) -> str:
    """orjson's error message, minus its confusing wording for bad UTF-8."""
    return "invalid UTF-8 (not a UTF-8 text file?)" if "not valid UTF-8" in message else message


def _has_big_int(buf: Any, text: bool) -> bool:
    """True when a hint of `_BIG_INT_HINT` really is an integer outside orjson's 64-bit range."""
    pattern = _BIG_INT_HINT_STR if text else _BIG_INT_HINT
    for match in pattern.finditer(buf):
        token = match.group()[1:]
        token = token.decode() if isinstance(token, bytes) else token
        end = match.end()
        # extend to the whole digit run
        while end < len(buf):
            ch = buf[end]
            ch = chr(ch) if isinstance(ch, int) else ch
            if not ch.isdigit():
                if ch in ".eE":
                    token = ""  # a float: orjson and json agree
                break
            token += ch
            end += 1
        token = token.strip()
        if not token or token == "-":
            continue
        try:
            number = int(token)
        except ValueError:
            continue
        if number > _U64_MAX or number < _I64_MIN:
            return True
    return False


_DBL_MAX = sys.float_info.max


def _finite_float(text: str) -> float:
    """A JSON number as a float; beyond the double range it becomes ±DBL_MAX, as jq 1.8 does (never
    ``inf``, which would be written back as ``Infinity``, not JSON)."""
    value = float(text)
    if math.isinf(value):
        return math.copysign(_DBL_MAX, value)
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _std_loads(buf: Any) -> Any:
    data = buf.encode("utf-8", "surrogatepass") if isinstance(buf, str) else bytes(buf)
    if _LONE_SURROGATE_HINT.search(data) is not None:
        # the stdlib would keep "\ud800" as a lone surrogate, which no UTF-8 writer can store
        repaired = repair_encoding(data)
        if repaired is not None:
            data = repaired[0]
    return json.loads(data.decode("utf-8"), strict=False, parse_float=_finite_float, parse_constant=_no_constant)


def is_encoding_error(message: str) -> bool:
    """True for an orjson error about the text's encoding (bad UTF-8, a lone surrogate escape)."""
    return "UTF-8" in message or "surrogate" in message


_ESCAPE = re.compile(rb"\\(?:u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}|(u[dD][89a-fA-F][0-9a-fA-F]{2})|.)", re.S)
"""Every backslash escape, left to right: a surrogate pair (kept), a lone surrogate (group 1), or other."""
_LONE_SURROGATE_HINT = re.compile(rb"\\u[dD][89a-fA-F]")


def has_encoding_damage(buf: Buffer, chunk: int = 16 << 20) -> bool:
    """True when `repair_encoding` would change ``buf`` (checked in chunks: no copy of the whole)."""
    if isinstance(buf, (bytes, bytearray)) and buf.isascii():
        return _LONE_SURROGATE_HINT.search(buf) is not None and repair_encoding(buf) is not None
    decoder = codecs.getincrementaldecoder("utf-8")()
    mv = memoryview(buf)
    try:
        for at in range(0, len(buf), chunk):
            decoder.decode(mv[at : at + chunk], final=at + chunk >= len(buf))
    except UnicodeDecodeError:
        return True
    return _LONE_SURROGATE_HINT.search(buf) is not None and repair_encoding(buf) is not None


def loads_repairing(buf: Any) -> tuple[Any, Optional[tuple[int, int]]]:
    """`loads`, but text with invalid UTF-8 or lone surrogates is repaired (`repair_encoding`) instead
    of refused: returns the value and ``(first_offset, count)`` of the repairs, or None if there were none.
    Raises ``orjson.JSONDecodeError`` for invalid JSON."""
    try:
        return loads(buf), None
    except orjson.JSONDecodeError as exc:
        if not is_encoding_error(exc.msg):
            raise
        data = buf.encode("utf-8", "surrogatepass") if isinstance(buf, str) else buf
        repaired = repair_encoding(data)
        if repaired is None:
            raise
        return loads(repaired[0]), repaired[1:]


def repair_encoding(buf: Buffer) -> Optional[tuple[bytes, int, int]]:
    """``(repaired, first_offset, count)`` when ``buf`` holds invalid UTF-8 or a lone surrogate escape
    (``"\\ud800"``), else None. Each invalid byte sequence becomes U+FFFD (as jq reads it), each lone
    surrogate escape ``\\ufffd`` (the same length, so offsets stay). ``first_offset`` is in ``buf``."""
    data = bytes(buf)
    first = -1
    count = 0
    if _LONE_SURROGATE_HINT.search(data) is not None:
        spots: list[int] = []

        def fix(match: re.Match[bytes]) -> bytes:
            if match.group(1) is None:
                return match.group()
            spots.append(match.start())
            return b"\\ufffd"

        data = _ESCAPE.sub(fix, data)
        if spots:
            first, count = spots[0], len(spots)
    bad = utf8_error_offset(data)
    if bad is not None:
        text = decode_utf8(data)  # as jq's parser replaces bad bytes inside strings
        count += text.count("\ufffd") - data.count(b"\xef\xbf\xbd")
        first = bad if first < 0 else min(first, bad)
        data = text.encode("utf-8")
    if first < 0:
        return None
    return data, first, max(count, 1)


def loads(buf: Any) -> Any:
    """Parse one JSON document (bytes-like or str) exactly; raise ``orjson.JSONDecodeError`` if invalid.

    Uses orjson, and the stdlib parser only for the rare inputs orjson would mangle or refuse (see module
    docstring). Callers convert errors to byte offsets with `error_offset`.
    """
    try:
        value = orjson.loads(buf)
    except orjson.JSONDecodeError as exc:
        if any(word in exc.msg for word in _RESCUABLE):
            try:
                return _std_loads(buf)
            except (ValueError, RecursionError):
                pass
        raise
    is_text = isinstance(buf, str)
    if (_BIG_INT_HINT_STR if is_text else _BIG_INT_HINT).search(buf) is not None and _has_big_int(buf, is_text):
        try:
            return _std_loads(buf)
        except (ValueError, RecursionError):
            pass
    return value


def char_to_byte(buf: Buffer, start: int, chars: int) -> int:
    """The byte offset of the character ``chars`` characters after byte ``start`` (UTF-8)."""
    prefix = bytes(memoryview(buf)[start : start + chars])
    if prefix.isascii():
        return start + chars
    wide = bytes(memoryview(buf)[start : start + 4 * chars])
    return start + len(wide.decode("utf-8", "ignore")[:chars].encode("utf-8"))


def _coding_length(byte: int) -> int:
    """Bytes in the UTF-8 sequence ``byte`` starts, as libjq's table has it: 1 ASCII, -1 a continuation
    byte, 0 a byte that never starts a sequence (0xC0, 0xC1, 0xF5-0xFF)."""
    if byte < 0x80:
        return 1
    if byte < 0xC0:
        return -1
    if byte < 0xC2:
        return 0
    if byte < 0xE0:
        return 2
    if byte < 0xF0:
        return 3
    if byte < 0xF5:
        return 4
    return 0


_FIRST_CODEPOINT = (0, 0, 0x80, 0x800, 0x10000)


def decode_utf8(data: bytes) -> str:
    """Bytes as jq makes a string of them: invalid UTF-8 becomes U+FFFD, one per bad sequence as libjq's
    ``jvp_utf8_next`` delimits them. That differs from Python's ``errors="replace"``: a sequence cut short
    by the end of the data is ONE replacement however many bytes remain, and a well-formed sequence that
    encodes a surrogate, an overlong form or a code point past U+10FFFF is one replacement, not several."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    out: list[str] = []
    i, end = 0, len(data)
    while i < end:
        first = data[i]
        length = _coding_length(first)
        codepoint = -1
        if length == 1:
            codepoint = first
        elif length <= 0:
            length = 1
        elif i + length > end:
            length = end - i
        else:
            codepoint = first & (0xFF >> (length + 1))
            for k in range(1, length):
                byte = data[i + k]
                if _coding_length(byte) != -1:
                    codepoint, length = -1, k
                    break
                codepoint = (codepoint << 6) | (byte & 0x3F)
            if codepoint != -1 and (codepoint < _FIRST_CODEPOINT[length] or 0xD800 <= codepoint <= 0xDFFF
                                    or codepoint > 0x10FFFF):
                codepoint = -1
        out.append("\ufffd" if codepoint == -1 else chr(codepoint))
        i += length
    return "".join(out)


def utf8_error_offset(buf: Buffer, start: int = 0, end: Optional[int] = None) -> Optional[int]:
    """Byte offset of the first invalid UTF-8 sequence in ``buf[start:end]``, or None."""
    try:
        bytes(memoryview(buf)[start:end]).decode("utf-8")
    except UnicodeDecodeError as exc:
        return start + exc.start
    return None


def error_offset(exc: orjson.JSONDecodeError, buf: Buffer, start: int = 0, end: Optional[int] = None) -> int:
    """Byte offset in ``buf`` of an orjson error raised while parsing ``buf[start:end]``."""
    if "UTF-8" in exc.msg:
        bad = utf8_error_offset(buf, start, end)
        if bad is not None:
            return bad
    return char_to_byte(buf, start, exc.pos)


def line_col(buf: Buffer, offset: int) -> tuple[int, int]:
    """1-based (line, column) of a byte offset; the column counts bytes."""
    data = buf if not isinstance(buf, memoryview) else buf.obj  # type: ignore[union-attr]
    if not isinstance(data, (bytes, bytearray)):
        data = bytes(buf)
    line = data.count(b"\n", 0, offset) + 1
    line_start = data.rfind(b"\n", 0, offset) + 1
    return line, offset - line_start + 1


_WS_RUN = re.compile(rb"[ \t\r\n]*")


def skip_ws(buf: Buffer, pos: int) -> int:
    """The first offset at or after ``pos`` that is not JSON whitespace (a regex: megabytes of blanks
    are skipped at C speed)."""
    if pos < len(buf) and buf[pos] not in _WS:
        return pos
    match = _WS_RUN.match(buf, pos)
    return match.end() if match is not None else pos


def _char_boundary(buf: Buffer, end: int) -> int:
    """Move ``end`` back so it does not split a UTF-8 sequence (orjson validates the whole input)."""
    n = len(buf)
    while 0 < end < n and (buf[end] & 0xC0) == 0x80:
        end -= 1
    return end


def parse_prefix(buf: Buffer, start: int, window: int = 1 << 16) -> tuple[Any, int]:
    """Parse the JSON value that starts at ``start``; return it and the offset where the next content begins.

    orjson has no "parse one value and stop" mode, and it validates its whole input first, so the value is
    parsed from a growing window: a parse that ends in "unexpected content after document" tells where
    the value ended. Raises `JsonError` for invalid JSON.
    """
    mv = memoryview(buf)
    n = len(buf)
    while True:
        end = _char_boundary(buf, min(n, start + window))
        if end <= start:
            end = min(n, start + window)
        try:
            value = loads(mv[start:end])
        except orjson.JSONDecodeError as exc:
            if exc.msg.startswith(TRAILING):
                nxt = char_to_byte(buf, start, exc.pos)
                try:
                    return loads(mv[start:nxt]), nxt
                except orjson.JSONDecodeError as exc2:  # pragma: no cover - orjson said it was complete
                    raise JsonError(exc2.msg, error_offset(exc2, buf, start, nxt)) from None
            at_window_end = end < n and (
                "end of data" in exc.msg or "EOF" in exc.msg or char_to_byte(buf, start, exc.pos) >= end - 4
            )
            if at_window_end:
                window *= 4
                continue
            at = error_offset(exc, buf, start, end)
            if "UTF-8" in exc.msg and at > start:
                # the bad bytes may lie after the value: read up to them only
                try:
                    return parse_prefix(memoryview(buf)[:at], start, window)
                except JsonError:
                    pass
            raise JsonError(exc.msg, at) from None
        if end < n:
            # A complete value filled the window exactly (e.g. a number cut short): widen and re-check.
            if end - start >= window:
                window *= 4
                continue
        return value, end


_KEY_AFTER_BRACE = re.compile(rb'\{[ \t\r\n]*"[^"\\]{1,64}"')
"""An object's opening bytes up to its first key: what the next element or value probably begins with."""


def _resync(buf: Buffer, start: int) -> int:
    """Where the next top-level value probably starts after a broken one that began at ``start``."""
    data = buf if isinstance(buf, (bytes, bytearray)) else bytes(buf)
    best = -1
    for needle, shift in ((b"\n{", 1), (b"\n[", 1), (b"}{", 1)):
        found = data.find(needle, start + 1)
        if found >= 0 and (best < 0 or found + shift < best):
            best = found + shift
    return best


_MAX_GROUP = 4096
"""Most values parsed in one group (CloudTrail records are rarely under 500 bytes)."""

_BOUNDARY = re.compile(rb"\}[ \t\r\n]*\{")
"""Where one object may end and the next begin. In valid JSON a ``}`` followed (after whitespace) by ``{``
occurs only between values back to back, or inside a string."""


def _parse_guessed(buf: Buffer, start: int, reach: int = 4 << 20) -> Optional[tuple[Any, int]]:
    """Parse the object at ``start`` by guessing that it ends at the next `_BOUNDARY`. A guess is right
    exactly when the span parses, because the span starts at a true value start; a cut inside a string
    fails with an error at the cut, and the next boundary is tried. None when guessing does not work out
    within ``reach`` bytes (the caller falls back to `parse_prefix`). Raises `JsonError` for an error that
    is not caused by the cut."""
    mv = memoryview(buf)
    n = len(buf)
    limit = min(n, start + reach)
    found = _BOUNDARY.search(buf, start + 1, limit)
    for _ in range(8):
        if found is None and limit < n:
            return None  # never parse an unbounded remainder: orjson reads all of its input first
        end = n if found is None else found.end() - 1
        try:
            return loads(mv[start:end]), end
        except orjson.JSONDecodeError as exc:
            if exc.msg.startswith(TRAILING):
                nxt = char_to_byte(buf, start, exc.pos)
                return loads(mv[start:nxt]), nxt
            if "UTF-8" in exc.msg:
                return None  # parse_prefix tells bad bytes after the value from bad bytes inside it
            at = error_offset(exc, buf, start, end)
            if found is None or at < end - 4:
                raise JsonError(exc.msg, at) from None
        found = _BOUNDARY.search(buf, end + 1, limit)
    return None


def _parse_group(buf: Buffer, starts: list[int]) -> tuple[Optional[list[Any]], int]:
    """Parse the values that begin at ``starts`` (the last entry only ends the group) in one call, by
    joining them with commas into an array (one copy).

    Returns ``(values, -1)`` only when every guessed start was right: a start inside a nested value makes
    the join a syntax error, and one inside a string merges two pieces into one element, so the count
    would not match. Otherwise ``(None, k)``, where ``k`` is the piece the syntax error fell in (the
    pieces before it are probably fine), or -1 when that is unknown.
    """
    mv = memoryview(buf)
    pieces = [mv[a:b] for a, b in zip(starts, starts[1:])]
    joined = b"[" + b",".join(pieces) + b"]"
    try:
        values = loads(joined)
    except orjson.JSONDecodeError as exc:
        at = error_offset(exc, joined)
        offset, k = 1, 0
        for k, piece in enumerate(pieces):
            offset += len(piece) + 1
            if at < offset:
                break
        return None, k
    except (ValueError, RecursionError):
        return None, -1
    if not isinstance(values, list) or len(values) != len(pieces):
        return None, -1
    return values, -1


def iter_values(
    buf: Buffer, start: int = 0, target: int = 2 << 20
) -> Iterator[tuple[int, Any, Optional[JsonError]]]:
    """Yield ``(offset, value, None)`` for each JSON value in ``buf`` from ``start`` on.

    Objects back to back are split at guessed boundaries (`_BOUNDARY`) and about ``target`` bytes of them
    are parsed at once (`_parse_group`, which verifies every guess); values that do not fit are read one
    by one (`_parse_guessed`, `parse_prefix`). A broken value yields
    ``(offset, None, JsonError)`` and reading resumes at the next line that starts with ``{``/``[`` or the
    next ``}{`` — so one bad value costs only itself.
    """
    n = len(buf)
    pos = skip_ws(buf, start)
    single_until = pos  # values before this offset are read one by one (after a failed group)
    while pos < n:
        is_object = buf[pos] == 0x7B  # {
        if is_object and pos >= single_until:
            found = islice(_BOUNDARY.finditer(buf, pos + 1, min(n, pos + target)), _MAX_GROUP)
            starts = [pos] + [m.end() - 1 for m in found]
            if len(starts) > 2:
                window_end = starts[-1]
                values, bad = _parse_group(buf, starts)
                if values is None and bad > 1:
                    # the values before the piece that broke the join are read together after all
                    starts = starts[: bad + 1]
                    values, _ = _parse_group(buf, starts)
                if values is None or starts[-1] != window_end:
                    single_until = window_end  # the rest of this window one by one, never re-guessed
                if values is not None:
                    for offset, value in zip(starts, values):
                        yield offset, value, None
                    pos = starts[-1]
                    continue
        try:
            found = _parse_guessed(buf, pos) if is_object else None
            if found is None:
                found = parse_prefix(buf, pos)
            value, nxt = found
        except JsonError as err:
            yield pos, None, err
            nxt = _resync(buf, pos)
            if nxt < 0:
                return
            pos = skip_ws(buf, nxt)
            continue
        yield pos, value, None
        pos = skip_ws(buf, nxt)


ARRAY_HEAD = re.compile(rb'[ \t\r\n]*(?:\{[ \t\r\n]*"([^"\\]{1,64})"[ \t\r\n]*:[ \t\r\n]*)?\[')
"""A document whose bulk is one array: ``[`` or ``{"<first key>": [``."""



def array_head(buf: Buffer, start: int = 0) -> Optional[tuple[Optional[str], int]]:
    """``(key, offset of "[")`` when the document at ``start`` is ``[...`` or ``{"key": [...``."""
    match = ARRAY_HEAD.match(buf, start)
    if match is None:
        return None
    key = match.group(1)
    return (key.decode("utf-8", "replace") if key is not None else None), match.end() - 1


def _parse_patched(buf: bytearray, sep: int, cut: int) -> list[Any]:
    """Parse ``buf[sep+1:cut]`` as the elements of an array by briefly writing ``[`` and ``]`` over the
    separators at ``sep`` and ``cut`` (no copy of the slice)."""
    old_open, old_close = buf[sep], buf[cut]
    buf[sep] = 0x5B  # [
    buf[cut] = 0x5D  # ]
    try:
        with memoryview(buf) as mv:
            value = loads(mv[sep : cut + 1])
    finally:
        buf[sep] = old_open
        buf[cut] = old_close
    if not isinstance(value, list):  # pragma: no cover - brackets guarantee a list
        raise orjson.JSONDecodeError("not an array", "", 0)
    return value


class ArrayReader:
    """Yield the elements of the array whose ``[`` is at ``open_pos``, in slices of about ``target`` bytes.

    Fast path: guess element boundaries (``,`` followed by the same bytes that begin the first element, e.g.
    ``,{"eventVersion"``) and parse each slice on its own. A guess is right exactly when its slice parses —
    the slice starts at a true boundary, so the parser's state at the guessed cut equals the real one.
    A wrong guess is retried at the next candidate; after a few misses, or when boundaries cannot be
    guessed, the remaining elements are read one by one with `parse_prefix` (exact, slower). The last
    slice is parsed together with the document's head and tail, which checks the rest of the document.

    After iteration, ``tail`` holds the fully parsed last part (the document with only its final elements),
    and an invalid document raises `JsonError` after every element before the error was yielded.
    """

    def __init__(self, buf: bytearray, open_pos: int, key: Optional[str], target: int = 4 << 20) -> None:
        self.buf = buf
        self.open_pos = open_pos
        self.key = key
        self.target = max(1024, target)
        self.tail: Any = None
        self.exact_fallbacks = 0
        self.position = open_pos
        """Offset up to which elements have been yielded."""

    def _probe(self) -> Optional[bytes]:
        buf = self.buf
        first = skip_ws(buf, self.open_pos + 1)
        match = _KEY_AFTER_BRACE.match(buf, first)
        if match is None:
            return None
        return b"," + bytes(buf[self.open_pos + 1 : match.end()])

    def __iter__(self) -> Iterator[list[Any]]:
        buf = self.buf
        n = len(buf)
        sep = self.open_pos  # the "[" or "," just before the next unread element
        probe = self._probe()
        weak = b"},"
        while True:
            remaining = n - sep
            if remaining <= 2 * self.target:
                break
            cut = -1
            tries = 0
            elements = None
            search_from = sep + self.target
            while tries < 4:
                cut = buf.find(probe, search_from) if probe is not None else -1
                if cut < 0 or cut - sep > 4 * self.target:
                    cut = buf.find(weak, search_from, sep + 4 * self.target)
                    cut = cut + 1 if cut >= 0 else -1
                if cut < 0:
                    break
                try:
                    elements = _parse_patched(buf, sep, cut)
                    break
                except (orjson.JSONDecodeError, ValueError, RecursionError):
                    tries += 1
                    search_from = cut + 1
                    elements = None
            if elements is None:
                break
            self.position = cut
            yield elements
            sep = cut
        if n - sep <= 2 * self.target or probe is None and n - sep <= 4 * self.target:
            head = bytes(buf[: self.open_pos + 1])
            try:
                whole = loads(head + bytes(buf[sep + 1 :]))
            except orjson.JSONDecodeError:
                whole = None
            if whole is not None:
                items = whole.get(self.key) if isinstance(whole, dict) and self.key is not None else whole
                if isinstance(items, list):
                    self.tail = whole
                    self.position = n
                    yield items
                    return
        # a document cut short or broken near its end: the elements up to the last likely boundary in
        # one slice (verified by parsing), then the rest exactly
        cut = buf.rfind(b"},", sep, n) + 1
        if cut > sep + 1:
            try:
                elements = _parse_patched(buf, sep, cut)
            except (orjson.JSONDecodeError, ValueError, RecursionError):
                elements = None
            if elements is not None:
                self.position = cut
                yield elements
                sep = cut
        # exact, element by element
        self.exact_fallbacks += 1
        yield from self._exact(sep)

    def _exact(self, sep: int) -> Iterator[list[Any]]:
        buf = self.buf
        n = len(buf)
        pos = skip_ws(buf, sep + 1)
        if sep == self.open_pos and pos < n and buf[pos] == 0x5D:  # "[]"
            self.tail = self._finish(pos)
            return
        group: list[Any] = []
        group_start = pos
        while True:
            if pos >= n:
                if group:
                    yield group
                raise JsonError("unexpected end of data", n)
            try:
                value, nxt = parse_prefix(buf, pos)
            except JsonError:
                if group:
                    yield group
                raise
            group.append(value)
            pos = skip_ws(buf, nxt)
            if pos - group_start >= self.target:
                self.position = pos
                yield group
                group, group_start = [], pos
            if pos >= n:
                continue
            ch = buf[pos]
            if ch == 0x2C:  # ,
                pos = skip_ws(buf, pos + 1)
                continue
            if ch == 0x5D:  # ]
                if group:
                    yield group
                self.tail = self._finish(pos)
                return
            if group:
                yield group
            raise JsonError("expected ',' or ']' after an array element", pos)

    def _finish(self, close_pos: int) -> Any:
        """Parse the document around an emptied array, checking what follows it."""
        head = bytes(self.buf[: self.open_pos + 1])
        rest = bytes(self.buf[close_pos:])
        try:
            return loads(head + rest)
        except orjson.JSONDecodeError as exc:
            raise JsonError(exc.msg, close_pos + max(0, exc.pos - len(head))) from None
