"""Write query results and records out: TSV, CSV, JSON, JSON Lines, ``{"Records":[...]}``, Markdown, table.

One implementation behind ``trailtui query``, the app's copy and its file export.

Rows (:func:`write_rows`, :func:`format_rows`) are sequences of JSON values as a jq projection yields them.

- ``tsv`` / ``csv``: each line is byte for byte what jq 1.8's ``@tsv`` / ``@csv`` prints for the row as an
  array (see :func:`tsv_line`, :func:`csv_line`); with headers the first line is the header names in the same
  encoding. :func:`tsv_line` / :func:`csv_line` raise :class:`ExportError` with jq's message for a nested
  array or object; :func:`write_rows` instead writes such a cell as its compact JSON text (what
  ``[.. | tojson] | @tsv`` prints for it), so an object column exports whole and never stops halfway.
- ``jsonl``: one row per line. Without headers a row is a JSON array (what ``jq -c '[...]'`` prints); with
  headers it is an object keyed by the header names, in column order (a repeated name gets ``_2``, ``_3``…).
- ``json``: the same rows as one JSON array, one row per line.
- ``md``: a GitHub Markdown table (header, ``---`` row, one line per row). Cells are escaped so they render
  as their text: newlines become ``<br>``, other control characters become visible escapes, and
  ``\\ | * _ ` [ ] < > ~ &`` are backslash-escaped (``_`` only at a word's edge: inside a word it is text).
- ``table``: aligned columns like ``column -t`` (two spaces between columns, widths from the data, header
  row first); every cell goes through :func:`~trailtui.engine.textsafe.safe_text` and, only when
  ``max_width`` is given, is cut to that many terminal cells ending in ``…``. It reads all rows first.

In ``md`` and ``table`` a cell renders as: a string as itself, a number as jq prints it,
``true``/``false``, null as empty, an array or object as compact JSON.

An optional provenance column (one string per row, e.g. ``"logs/a.json: Records[3]"``) is added last.

Records (:func:`write_records`) are the compact JSON bytes of original events, written unchanged: ``jsonl``
(one per line), ``json`` (one array), ``records`` (``{"Records":[...]}``, which jq and trailtui load back) or
``pretty`` (each record indented like ``jq .``, for reading).

Terminal rule: files and pipes get the exact bytes above, so ``tsv`` / ``csv`` output is identical to jq's.
jq's escaping does not cover ESC and the other control characters, so when the destination is a terminal
the CLI wraps it in :class:`TerminalSafeWriter`, which escapes every control or reordering character except
newline and tab (``table`` output is already safe; ``md`` is too).
"""

from __future__ import annotations

import codecs
import functools
import io
import itertools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any, BinaryIO, TextIO

from trailtui.engine.errors import TrailError
from trailtui.engine.textsafe import safe_block, safe_text, terminal_safe_json

from trailtui.engine.jq import dumps as _dumps  # one printer for numbers and JSON across the app

__all__ = [
    "EXTENSIONS",
    "RECORD_FORMATS",
    "ROW_FORMATS",
    "ExportError",
    "TerminalSafeJsonWriter",
    "TerminalSafeWriter",
    "csv_line",
    "format_records",
    "format_rows",
    "tsv_line",
    "write_records",
    "write_rows",
]

ROW_FORMATS = ("tsv", "csv", "jsonl", "json", "md", "table")
"""Formats :func:`write_rows` accepts."""
RECORD_FORMATS = ("jsonl", "json", "records")
"""Formats :func:`write_records` accepts."""
EXTENSIONS = {
    "tsv": ".tsv",
    "csv": ".csv",
    "jsonl": ".jsonl",
    "json": ".json",
    "md": ".md",
    "table": ".txt",
    "records": ".json",
}
"""The usual file name extension for each format."""


class ExportError(TrailError, ValueError):
    """A row cannot be written in the requested format (the message is jq's where jq has one)."""


# --- jq's @tsv and @csv --------------------------------------------------------------------------------

def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _trunc_dump(value: Any) -> str:
    # jq 1.8 shortens the dump in error messages above 29 bytes to 25 bytes (at a UTF-8 boundary), "..." and
    # the closing bracket of an array or object.
    text = _dumps(value)
    raw = text.encode("utf-8", "surrogatepass")
    if len(raw) <= 29:
        return text
    closer = {"[": "]", "{": "}"}.get(text[0], "")
    return raw[:25].decode("utf-8", "ignore") + "..." + closer


def _bad_cell(value: Any) -> ExportError:
    # jq 1.8 uses the csv wording for @tsv too.
    return ExportError(f"{_kind(value)} ({_trunc_dump(value)}) is not valid in a csv row")


_TSV_SPECIAL = re.compile(r"[\\\t\n\r\x00]")
_TSV_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\0": "\\0"}


def _tsv_escape_char(match: re.Match[str]) -> str:
    return _TSV_ESCAPES[match.group()]


def _scalar_text(value: Any) -> str | None:
    """Text of a non-string scalar cell as @tsv/@csv print it; None for arrays/objects."""
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float)):
        if isinstance(value, float) and value != value:
            return ""  # jq renders NaN as an empty field
        return _dumps(value)
    return None


def tsv_line(values: Sequence[Any]) -> str:
    """One row as jq 1.8's ``@tsv`` prints it (no trailing newline); raises :class:`ExportError`."""
    parts = []
    for value in values:
        if isinstance(value, str):
            parts.append(_TSV_SPECIAL.sub(_tsv_escape_char, value))
            continue
        text = _scalar_text(value)
        if text is None:
            raise _bad_cell(value)
        parts.append(text)
    return "\t".join(parts)


def csv_line(values: Sequence[Any]) -> str:
    """One row as jq 1.8's ``@csv`` prints it (no trailing newline); raises :class:`ExportError`."""
    parts = []
    for value in values:
        if isinstance(value, str):
            # jq escapes NUL as \0 in every @format
            parts.append('"' + value.replace('"', '""').replace("\0", "\\0") + '"')
            continue
        text = _scalar_text(value)
        if text is None:
            raise _bad_cell(value)
        parts.append(text)
    return ",".join(parts)


# --- cells for people: Markdown and aligned tables ------------------------------------------------------


def _cell_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    text = _scalar_text(value)
    return _dumps(value) if text is None else text


_MD_SPECIAL = re.compile(r"([\\|*`\[\]<>~&]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9]))")
"""Characters Markdown would read as markup. An underscore inside a word (``botocore_1.2``, ``user_name``)
is plain text in GitHub Markdown, so it stays as it is: a copied user agent reads as itself."""
_NEWLINES = re.compile(r"\r\n|\n|\r|\u2028|\u2029")


_MD_ANY = re.compile(r"[\\|*_`\[\]<>~&\r\n\u2028\u2029]")


def _md_cell(value: Any) -> str:
    text = _cell_text(value)
    if _MD_ANY.search(text) is None and safe_text(text) is text:
        return text
    text = _NEWLINES.sub("\n", text)
    lines = [_MD_SPECIAL.sub(r"\\\1", safe_text(line)) for line in text.split("\n")]
    return "<br>".join(lines)


@functools.lru_cache(maxsize=4096)
def _char_width(char: str) -> int:
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def _width(text: str) -> int:
    """Terminal cells ``text`` takes (wide East Asian characters 2, combining marks 0)."""
    if text.isascii():
        return len(text)
    return sum(_char_width(c) for c in text)


def _clip(text: str, max_width: int) -> tuple[str, int]:
    """``text`` cut to ``max_width`` cells ending in ``…``, and its width."""
    room = max(max_width - 1, 0)
    if text.isascii():
        return text[:room] + "…", room + 1
    used = 0
    out = []
    for char in text:
        w = _char_width(char)
        if used + w > room:
            break
        out.append(char)
        used += w
    return "".join(out) + "…", used + 1


# --- writers ----------------------------------------------------------------------------------------------


def _with_provenance(
    rows: Iterable[Sequence[Any]], provenance: Iterable[str] | None
) -> Iterable[Sequence[Any]]:
    if provenance is None:
        yield from rows
        return
    marks = iter(provenance)
    sentinel = object()
    for row in rows:
        mark = next(marks, sentinel)
        if mark is sentinel:
            raise ExportError("fewer provenance entries than rows")
        yield [*row, mark]
    if next(marks, sentinel) is not sentinel:
        raise ExportError("more provenance entries than rows")


def _object_keys(headers: Sequence[str]) -> list[str]:
    seen: dict[str, int] = {}
    keys = []
    taken = set(headers)
    for name in headers:
        count = seen.get(name, 0) + 1
        seen[name] = count
        key = name
        if count > 1:
            key = f"{name}_{count}"
            while key in taken:
                count += 1
                key = f"{name}_{count}"
            seen[name] = count
            taken.add(key)
        keys.append(key)
    return keys


def _json_row(row: Sequence[Any], keys: list[str] | None) -> str:
    if keys is None:
        return _dumps(list(row))
    if len(row) != len(keys):
        raise ExportError(f"row has {len(row)} cells but there are {len(keys)} headers")
    return _dumps(dict(zip(keys, row)))


def _flat_cells(row: Sequence[Any]) -> Sequence[Any]:
    """A row with each array or object cell replaced by its compact JSON text (jq's ``tojson``), so a
    ``tsv``/``csv`` export of an object column is a valid file, never an error halfway through."""
    if all(not isinstance(v, (dict, list, tuple)) for v in row):
        return row
    return [_dumps(v) if isinstance(v, (dict, list, tuple)) else v for v in row]


def write_rows(
    fmt: str,
    headers: Sequence[str] | None,
    rows: Iterable[Sequence[Any]],
    out: TextIO,
    *,
    max_width: int | None = None,
    provenance: Iterable[str] | None = None,
    provenance_header: str = "provenance",
) -> int:
    """Write ``rows`` to ``out`` in ``fmt`` (see the module docstring); return the number of rows written.

    ``headers`` (or None) names the columns; ``provenance`` adds a last column headed ``provenance_header``.
    ``max_width`` only applies to ``table``. Raises :class:`ExportError` for an unknown format, a cell jq
    cannot format, or provenance of a different length than the rows.
    """
    if fmt not in ROW_FORMATS:
        raise ExportError(f"unknown row format {fmt!r} (expected one of {', '.join(ROW_FORMATS)})")
    if headers is not None and provenance is not None:
        headers = [*headers, provenance_header]
    all_rows = _with_provenance(rows, provenance)
    count = 0
    if fmt in ("tsv", "csv"):
        line = tsv_line if fmt == "tsv" else csv_line
        if headers is not None:
            out.write(line(headers) + "\n")
        for row in all_rows:
            out.write(line(_flat_cells(row)) + "\n")
            count += 1
    elif fmt == "jsonl":
        keys = None if headers is None else _object_keys(headers)
        for row in all_rows:
            out.write(_json_row(row, keys) + "\n")
            count += 1
    elif fmt == "json":
        keys = None if headers is None else _object_keys(headers)
        out.write("[")
        for row in all_rows:
            out.write(("\n" if count == 0 else ",\n") + _json_row(row, keys))
            count += 1
        out.write("\n]\n" if count else "]\n")
    elif fmt == "md":
        first = next(iter(all_rows), None) if headers is None else None
        columns = headers if headers is not None else [str(i + 1) for i in range(len(first or ()))]
        if not columns:
            return 0
        out.write("| " + " | ".join(_md_cell(h) for h in columns) + " |\n")
        out.write("|" + "|".join(" --- " for _ in columns) + "|\n")
        for row in all_rows if first is None else itertools.chain([first], all_rows):
            out.write("| " + " | ".join(_md_cell(c) for c in row) + " |\n")
            count += 1
    else:
        count = _write_table(headers, all_rows, out, max_width)
    return count


def _table_cell(value: Any, max_width: int | None) -> tuple[str, int]:
    text = safe_text(value if isinstance(value, str) else _cell_text(value))
    width = len(text) if text.isascii() else _width(text)
    if max_width is not None and width > max_width:
        return _clip(text, max_width)
    return text, width


def _write_table(
    headers: Sequence[str] | None, rows: Iterable[Sequence[Any]], out: TextIO, max_width: int | None
) -> int:
    grid = [[_table_cell(c, max_width) for c in row] for row in rows]
    count = len(grid)
    if headers is not None:
        grid.insert(0, [_table_cell(h, max_width) for h in headers])
    widths: list[int] = []
    for row in grid:
        if len(row) > len(widths):
            widths.extend([0] * (len(row) - len(widths)))
        for i, (_, width) in enumerate(row):
            if width > widths[i]:
                widths[i] = width
    for row in grid:
        line = "  ".join(text + " " * (widths[i] - width) for i, (text, width) in enumerate(row))
        out.write(line.rstrip(" ") + "\n")
    return count


def format_rows(
    fmt: str,
    headers: Sequence[str] | None,
    rows: Iterable[Sequence[Any]],
    **options: Any,
) -> str:
    """:func:`write_rows` into a string (for the clipboard)."""
    buffer = io.StringIO()
    write_rows(fmt, headers, rows, buffer, **options)
    return buffer.getvalue()


_JSON_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"|[{}\[\],:]|[^\s{}\[\],:"]+')
_CLOSER = {b"{": b"}", b"[": b"]"}


def _pretty(raw: bytes) -> bytes:
    """Re-indent one JSON value the way ``jq .`` lays it out, keeping every string and number byte for byte."""
    tokens = _JSON_TOKEN.findall(raw)
    out: list[bytes] = []
    depth = 0
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token in _CLOSER:
            if i + 1 < len(tokens) and tokens[i + 1] == _CLOSER[token]:
                out.append(token + tokens[i + 1])
                i += 2
                continue
            depth += 1
            out.append(token + b"\n" + b"  " * depth)
        elif token in (b"}", b"]"):
            depth -= 1
            out.append(b"\n" + b"  " * depth + token)
        elif token == b",":
            out.append(b",\n" + b"  " * depth)
        elif token == b":":
            out.append(b": ")
        else:
            out.append(token)
        i += 1
    return b"".join(out)


def write_records(fmt: str, raw_records: Iterable[bytes], out: BinaryIO) -> int:
    """Write original records (compact JSON bytes each) as ``jsonl``, ``json``, ``records`` or ``pretty``.

    The bytes are copied unchanged, so numbers, key order and text survive exactly; raw line breaks (only
    possible as whitespace in valid JSON) are removed so each record stays on one line. ``pretty`` writes
    each record indented like ``jq .`` (one value after another, as jq would print them). Returns the count.
    """
    if fmt not in RECORD_FORMATS and fmt != "pretty":
        raise ExportError(f"unknown record format {fmt!r} (expected one of {', '.join(RECORD_FORMATS)})")
    opening, separator, closing, empty = {
        "jsonl": (b"", b"\n", b"\n", b""),
        "pretty": (b"", b"\n", b"\n", b""),
        "json": (b"[\n", b",\n", b"\n]\n", b"[]\n"),
        "records": (b'{"Records":[\n', b",\n", b"\n]}\n", b'{"Records":[]}\n'),
    }[fmt]
    count = 0
    for raw in raw_records:
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        raw = bytes(raw)
        if fmt == "pretty":
            raw = _pretty(raw)
        elif b"\n" in raw or b"\r" in raw:
            raw = raw.replace(b"\r", b"").replace(b"\n", b"")
        out.write((opening if count == 0 else separator) + raw)
        count += 1
    out.write(closing if count else empty)
    return count


def format_records(fmt: str, raw_records: Iterable[bytes]) -> str:
    """:func:`write_records` into a string (for the clipboard)."""
    buffer = io.BytesIO()
    write_records(fmt, raw_records, buffer)
    return buffer.getvalue().decode("utf-8")


# --- terminals ---------------------------------------------------------------------------------------------


class TerminalSafeWriter:
    """A text stream wrapper for terminals: escapes every control or reordering character except ``\\n``/``\\t``.

    Wrap ``sys.stdout`` with it when it is a TTY, so a cell holding ``\\x1b[2J`` prints as text.
    """

    def __init__(self, out: TextIO) -> None:
        self._out = out

    def write(self, text: str) -> int:
        """Write ``text`` with controls made visible; return the length of the text given."""
        self._out.write(safe_block(text))
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        """Write each string of ``lines``."""
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        """Flush the wrapped stream."""
        self._out.flush()

    def isatty(self) -> bool:
        """Whether the wrapped stream is a terminal."""
        return self._out.isatty()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._out, name)


class TerminalSafeJsonWriter:
    """A binary stream wrapper for JSON output to a terminal (``--format json/jsonl/records``, or the
    default jq-style output of JSON values): decodes UTF-8 across writes and applies
    :func:`~trailtui.engine.textsafe.terminal_safe_json`, so U+009B, U+202E, ESC… print as ``\\u009b``-style
    JSON escapes and the output still parses to the same values. Wrap ``sys.stdout.buffer`` when it is a TTY.
    """

    def __init__(self, out: BinaryIO) -> None:
        self._out = out
        self._decoder = codecs.getincrementaldecoder("utf-8")("surrogateescape")

    def write(self, data: bytes) -> int:
        """Write ``data`` with terminal-unsafe characters JSON-escaped; return ``len(data)``."""
        text = self._decoder.decode(bytes(data))
        if text:
            self._out.write(terminal_safe_json(text).encode("utf-8", "backslashreplace"))
        return len(data)

    def flush(self) -> None:
        """Write out a pending partial character (as an escape) and flush the wrapped stream."""
        rest = self._decoder.decode(b"", final=True)
        if rest:
            self._out.write(terminal_safe_json(rest).encode("utf-8", "backslashreplace"))
        self._out.flush()

    def isatty(self) -> bool:
        """Whether the wrapped stream is a terminal."""
        return self._out.isatty()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._out, name)
