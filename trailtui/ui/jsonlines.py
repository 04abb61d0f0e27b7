"""Pretty-print a JSON value the way ``jq .`` does, one entry per output line, each with its jq path.

The detail view draws these lines lazily and uses each line's path to copy the value under the cursor,
copy its jq path (``.resources[0].ARN``) or filter on it. This module is pure Python: it imports no
Textual or Rich, so it is testable on its own.

Layout and string escaping follow jq exactly (2-space indent, ``"key": value``, ``{}``/``[]`` for empty
containers, key order kept, ``"``, ``\\``, ``\\b \\f \\n \\r \\t`` and other C0 controls and DEL as
``\\u00XX``, everything else raw UTF-8). Numbers are printed as Python's ``json`` module prints them:
integers exactly, floats by their shortest round-trip repr. That equals jq 1.6's output for integers
below 2**53 and for floats such as ``0.5`` or ``1e-07``; jq 1.6 prints ``1.0`` as ``1`` and rounds big
integers, jq 1.7+ keeps the literal (``1.0``, exact big integers) but writes exponents as ``1E-7``.
"""

from __future__ import annotations

import json
import re
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable, Iterator, NamedTuple, Optional, Union

from ..engine.jq.keywords import KEYWORDS
from ..engine.jq.values import dump_str as json_string

PathElement = Union[str, int]
Path = tuple[PathElement, ...]

INDENT = "  "

KINDS = ("open", "close", "empty", "string", "number", "boolean", "null")
"""Line kinds: ``open`` ends with ``{``/``[``, ``close`` holds ``}``/``]``, ``empty`` holds ``{}``/``[]``,
the others hold a scalar of that type."""


class Line(NamedTuple):
    """One line of pretty-printed JSON.

    ``path`` is the jq path of the value the line shows (a closing brace carries the path of its
    container); ``depth`` is the nesting level (indent is ``2 * depth`` spaces); ``key_len`` is how many
    characters after the indent hold the ``"key": `` prefix (0 when the line has no key). ``cut`` is
    non-zero only in lines a :class:`LineIndex` shortened for display: that many characters of a long
    string were left out of ``text`` (which then lacks the closing quote and comma).
    """

    text: str
    path: Path
    kind: str
    depth: int
    key_len: int = 0
    cut: int = 0

    @property
    def value_start(self) -> int:
        """Index in ``text`` where the value (or brace) starts."""
        return self.depth * len(INDENT) + self.key_len


def scalar_text(value: Any) -> str:
    """The JSON text of a scalar (string, number, boolean or null) as the record holds it.

    Unlike ``jq.dumps`` (jq's output after computing), a float keeps Python's shortest round-trip form
    (``1.0`` stays ``1.0``, as jq 1.8 shows an input literal), since the detail view shows the record.
    """
    if isinstance(value, str):
        return json_string(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        return json.dumps(value)
    raise TypeError(f"not a JSON value: {type(value).__name__}")


def _scalar_kind(value: Any) -> str:
    if isinstance(value, str):
        return "string"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    return "number"


def iter_lines(value: Any) -> Iterator[Line]:
    """Yield the lines of ``value`` pretty-printed like ``jq .`` (see :func:`pretty_lines`)."""
    first = _line(value, (), 0, "", "")
    yield first
    if first.kind != "open":
        return
    # An explicit stack instead of recursion: records can nest deeper than Python's recursion limit.
    # Each frame: [entries, next index, path, depth, is_dict, text after the closing brace].
    stack: list[list[Any]] = [_frame(value, (), 0, "")]
    while stack:
        frame = stack[-1]
        entries, start, path, depth, is_dict, trailer = frame
        child_depth = depth + 1
        indent = INDENT * child_depth
        last = len(entries) - 1
        descended = False
        for index in range(start, last + 1):
            if is_dict:
                step, child = entries[index]
                prefix = json_string(step) + ": "
            else:
                step, child = index, entries[index]
                prefix = ""
            comma = "," if index < last else ""
            child_type = type(child)
            if child_type is str:
                text = indent + prefix + json_string(child) + comma
                yield Line(text, path + (step,), "string", child_depth, len(prefix))
                continue
            line = _line(child, path + (step,), child_depth, prefix, comma)
            yield line
            if line.kind == "open":
                frame[1] = index + 1
                stack.append(_frame(child, line.path, child_depth, comma))
                descended = True
                break
        if not descended:
            stack.pop()
            yield Line(INDENT * depth + ("}" if is_dict else "]") + trailer, path, "close", depth)


def _line(value: Any, path: Path, depth: int, prefix: str, comma: str, max_string: Optional[int] = None) -> Line:
    indent = INDENT * depth
    if max_string is not None and isinstance(value, str) and len(value) > max_string:
        shown = json_string(value[:max_string])[:-1]  # without the closing quote: the string goes on
        return Line(indent + prefix + shown, path, "string", depth, len(prefix), len(value) - max_string)
    if isinstance(value, dict):
        if value:
            return Line(indent + prefix + "{", path, "open", depth, len(prefix))
        return Line(indent + prefix + "{}" + comma, path, "empty", depth, len(prefix))
    if isinstance(value, (list, tuple)):
        if value:
            return Line(indent + prefix + "[", path, "open", depth, len(prefix))
        return Line(indent + prefix + "[]" + comma, path, "empty", depth, len(prefix))
    return Line(indent + prefix + scalar_text(value) + comma, path, _scalar_kind(value), depth, len(prefix))


def _frame(value: Any, path: Path, depth: int, trailer: str) -> list[Any]:
    is_dict = isinstance(value, dict)
    entries = list(value.items()) if is_dict else value
    return [entries, 0, path, depth, is_dict, trailer]


def pretty_lines(value: Any) -> list[Line]:
    """``value`` pretty-printed like ``jq .``: one :class:`Line` per output line, in order.

    ``"\\n".join(line.text for line in pretty_lines(v))`` is the text jq prints (without the final
    newline), and ``getpath(v, line.path)`` is the value each line shows.
    """
    return list(iter_lines(value))


def pretty_text(value: Any) -> str:
    """``value`` as ``jq .`` prints it, without the trailing newline."""
    return "\n".join(line.text for line in iter_lines(value))


def compact_text(value: Any) -> str:
    """``value`` as one line of compact JSON (``jq -c``), with jq's string escaping."""
    if isinstance(value, dict):
        return "{" + ",".join(json_string(k) + ":" + compact_text(v) for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(compact_text(v) for v in value) + "]"
    return scalar_text(value)


# ----- random access for very large values -------------------------------------------------------

ResumePoint = tuple[bool, tuple[tuple[Any, ...], ...]]
"""Where line formatting can resume: (root line done, frozen frames of the walk's stack)."""


@dataclass
class ScanProgress:
    """What one stretch of :func:`scan` learned: lines counted so far, new resume points, widest line."""

    count: int
    resume_points: list[ResumePoint]
    width: int
    done: bool


def scan(value: Any, block: int = 256, report_every: int = 50_000) -> Iterator[ScanProgress]:
    """Walk ``value`` once without formatting it, counting its ``jq .`` lines.

    Every ``report_every`` lines (and at the end) yields a :class:`ScanProgress` holding the resume
    points recorded since the last one (one before line 0, ``block``, ``2 * block``…) and the widest
    line so far. Widths are estimates (characters before escaping). Nothing per line is kept, so this
    works on values with millions of lines.
    """
    new_points: list[ResumePoint] = [(False, ())]
    width = _estimate_width(value, 0, 0)
    count = 1
    stack: list[list[Any]] = []
    if isinstance(value, (dict, list, tuple)) and value:
        stack.append(_frame(value, (), 0, ""))
    next_report = report_every
    while stack:
        if count % block == 0:
            new_points.append((True, tuple(tuple(frame) for frame in stack)))
        if count >= next_report:
            yield ScanProgress(count, new_points, width, False)
            new_points = []
            next_report += report_every
        frame = stack[-1]
        entries, index, path, depth, is_dict, trailer = frame
        if index == len(entries):
            stack.pop()
            count += 1
            continue
        frame[1] = index + 1
        if is_dict:
            step, child = entries[index]
            key_width = len(step) + 4
        else:
            step, child = index, entries[index]
            key_width = 0
        count += 1
        line_width = _estimate_width(child, depth + 1, key_width)
        if line_width > width:
            width = line_width
        if type(child) in (dict, list, tuple) and child:
            stack.append(_frame(child, path + (step,), depth + 1, "," if index < len(entries) - 1 else ""))
    yield ScanProgress(count, new_points, width, True)


def _estimate_width(value: Any, depth: int, key_width: int) -> int:
    if isinstance(value, str):
        return 2 * depth + key_width + len(value) + 3
    if isinstance(value, (dict, list, tuple)):
        return 2 * depth + key_width + 3
    if isinstance(value, float):
        return 2 * depth + key_width + 25
    return 2 * depth + key_width + (len(str(value)) if isinstance(value, int) else 5) + 1


def format_from(value: Any, point: ResumePoint, limit: int, max_string: Optional[int] = None) -> list[Line]:
    """Up to ``limit`` lines of ``value``, starting at a resume point recorded by :func:`scan`.

    With ``max_string``, a string longer than that is escaped only up to that many characters and
    the line records how many were left out (``Line.cut``): a 50 MB string costs no more than a short one.
    """
    root_done, frames = point
    stack = [list(frame) for frame in frames]
    out: list[Line] = []
    if not root_done:
        first = _line(value, (), 0, "", "", max_string)
        out.append(first)
        if first.kind == "open":
            stack.append(_frame(value, (), 0, ""))
    while stack and len(out) < limit:
        frame = stack[-1]
        entries, index, path, depth, is_dict, trailer = frame
        if index == len(entries):
            stack.pop()
            out.append(Line(INDENT * depth + ("}" if is_dict else "]") + trailer, path, "close", depth))
            continue
        frame[1] = index + 1
        if is_dict:
            step, child = entries[index]
            prefix = json_string(step) + ": "
        else:
            step, child = index, entries[index]
            prefix = ""
        comma = "," if index < len(entries) - 1 else ""
        line = _line(child, path + (step,), depth + 1, prefix, comma, max_string)
        out.append(line)
        if line.kind == "open":
            stack.append(_frame(child, line.path, depth + 1, comma))
    return out


class LineIndex:
    """Random access to the ``jq .`` lines of a value, formatting only the blocks that are read.

    Feed it the :class:`ScanProgress` items of :func:`scan` (possibly produced in another thread)
    with :meth:`add`; ``index[i]`` then formats the block holding line ``i`` from its resume point and
    keeps the last few blocks. ``len(index)`` is the number of lines counted so far.
    """

    def __init__(self, value: Any, block: int = 256, max_string: Optional[int] = None, cached_blocks: int = 64):
        self.value = value
        self.block = block
        self.max_string = max_string
        self.width = 0
        """The widest line seen so far (estimated while scanning, exact for formatted blocks)."""
        self.complete = False
        """Whether the scan has counted every line."""
        self._count = 0
        self._points: list[ResumePoint] = []
        self._blocks: OrderedDict[int, list[Line]] = OrderedDict()
        self._cached_blocks = cached_blocks
        self.on_block: Optional[Callable[[list[Line]], None]] = None
        """Called with each newly formatted block (the detail view measures exact widths there)."""

    def add(self, progress: ScanProgress) -> None:
        """Take in what the scan learned."""
        self._points.extend(progress.resume_points)
        self._count = progress.count
        self.width = max(self.width, progress.width)
        self.complete = progress.done

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index: int) -> Line:
        if index < 0:
            index += self._count
        if not 0 <= index < self._count:
            raise IndexError(index)
        number, offset = divmod(index, self.block)
        lines = self._blocks.get(number)
        if lines is None:
            lines = format_from(self.value, self._points[number], self.block, self.max_string)
            self._blocks[number] = lines
            if len(self._blocks) > self._cached_blocks:
                self._blocks.popitem(last=False)
            if self.on_block is not None:
                self.on_block(lines)
        else:
            self._blocks.move_to_end(number)
        return lines[offset]

    def build(self) -> "LineIndex":
        """Scan the whole value now (for small values, or off the UI thread)."""
        for progress in scan(self.value, self.block):
            self.add(progress)
        return self


def getpath(value: Any, path: Path) -> Any:
    """The value at ``path`` inside ``value`` (like jq's ``getpath``; raises on a missing step)."""
    for step in path:
        value = value[step]
    return value


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def jq_path(path: Path) -> str:
    """Render a path in jq syntax: ``.userIdentity.arn``, ``.resources[0].ARN``, ``.["weird-key"]``.

    Keys that are not plain identifiers (or are jq keywords) are quoted, so the result always parses
    as a jq path expression; the empty path is ``.``.
    """
    if not path:
        return "."
    parts: list[str] = []
    for step in path:
        if isinstance(step, int) and not isinstance(step, bool):
            parts.append(f"[{step}]")
        elif _IDENTIFIER.match(step) and step not in KEYWORDS:
            parts.append(f".{step}")
        else:
            parts.append(f"[{json_string(step)}]")
    text = "".join(parts)
    return text if text.startswith(".") else "." + text
