"""Field-path completion for jq expressions (pure Python, no Textual).

Three steps, each a function: `completion_context` finds the path being typed at the cursor,
`candidates` lists the next-level keys known from the loaded events (with how many events have them), and
`apply_candidate` returns the edited text with a chosen key put in place, quoted when it is not a plain
identifier (`."weird-key"`).

Paths are written the way jq writes them: `.requestParameters.bucketName`, `.resources[].ARN`,
`.requestParameters."x-amz-acl"`. The root path is the empty string.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import NamedTuple

from ..engine.jq.keywords import KEYWORDS  # `.if` is rejected by jq 1.6: such keys are written quoted

IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
ITERATE = "[]"
"""The segment standing for any array element (`[]`, `[0]`, ...)."""



class CompletionContext(NamedTuple):
    """Where a key is being typed: the path before it, the partial key, and the span to replace."""

    prefix_path: str
    """The jq path up to the last dot, normalised (`.a["b"][0]` becomes `.a.b[]`); "" is the root."""
    partial_key: str
    """What has been typed of the key so far (without quotes)."""
    start: int
    """Start of the text a candidate replaces (just after the dot; at the quote for `."…`)."""
    end: int
    """End of the text a candidate replaces (the rest of the word or quoted key after the cursor)."""


class Candidate(NamedTuple):
    """A next-level key and how many events have it."""

    key: str
    count: int


def format_key(key: str) -> str:
    """Return `key` as it follows a dot in jq: bare when an identifier, else as a JSON string."""
    if IDENTIFIER.match(key) and key not in KEYWORDS:
        return key
    return json.dumps(key, ensure_ascii=False)


def join_path(segments: Iterable[str]) -> str:
    """Write segments as a jq path (`("a", "[]", "b-c")` → `.a[]."b-c"`)."""
    parts = []
    for segment in segments:
        parts.append(ITERATE if segment == ITERATE else "." + format_key(segment))
    return "".join(parts)


_PATH_TOKEN = re.compile(
    r"""\.(?P<ident>[A-Za-z_][A-Za-z0-9_]*)
      | \.?"(?P<quoted>(?:[^"\\]|\\.)*)"
      | \.?\[\s*(?:(?P<index>-?\d*)|"(?P<bracketed>(?:[^"\\]|\\.)*)")\s*\]
      | (?P<optional>\?)""",
    re.VERBOSE,
)


def split_path(path: str) -> tuple[str, ...]:
    """Parse a jq path such as `.a."b-c"[0]["d"]` into segments (`("a", "b-c", "[]", "d")`).

    Raises:
        ValueError: if `path` is not a simple path.
    """
    if path in ("", "."):
        return ()
    segments: list[str] = []
    position = 0
    while position < len(path):
        match = _PATH_TOKEN.match(path, position)
        if match is None or match.end() == position:
            raise ValueError(f"not a simple jq path: {path!r}")
        if match["ident"] is not None:
            segments.append(match["ident"])
        elif match["quoted"] is not None:
            segments.append(json.loads(f'"{match["quoted"]}"'))
        elif match["bracketed"] is not None:
            segments.append(json.loads(f'"{match["bracketed"]}"'))
        elif match["index"] is not None:
            segments.append(ITERATE)
        position = match.end()
    return tuple(segments)


def _is_ident_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def _scan_strings(text: str, cursor: int) -> tuple[dict[int, int], int | None, bool]:
    """Scan `text[:cursor]` for string literals and comments.

    Returns (closed string end → start, start of a string still open at the cursor, cursor in a comment).
    """
    closed: dict[int, int] = {}
    index = 0
    while index < cursor:
        char = text[index]
        if char == '"':
            scan = index + 1
            while scan < cursor and text[scan] != '"':
                scan += 2 if text[scan] == "\\" else 1
            if scan >= cursor:
                return closed, index, False
            closed[scan + 1] = index
            index = scan + 1
        elif char == "#":
            newline = text.find("\n", index, cursor)
            if newline < 0:
                return closed, None, True
            index = newline + 1
        else:
            index += 1
    return closed, None, False


def _prefix_segments(text: str, dot: int, closed: dict[int, int]) -> list[str] | None:
    """Parse the path that ends just before the dot at `dot`, walking backwards; None if it is not one."""
    segments: list[str] = []
    position = dot  # always the index of a "." that starts a segment
    while True:
        before = position - 1
        if before >= 0 and text[before] == "?":
            before -= 1
        if before < 0:
            break
        char = text[before]
        if _is_ident_char(char):
            start = before
            while start > 0 and _is_ident_char(text[start - 1]):
                start -= 1
            if start == 0 or text[start - 1] != "." or text[start].isdigit():
                return None  # `$var.x`, `func.x`, `1.5`: not a path into the event
            segments.append(text[start : before + 1])
            position = start - 1
        elif char == '"':
            opening = closed.get(before + 1)
            if opening is None or opening == 0 or text[opening - 1] != ".":
                return None
            segments.append(json.loads(text[opening : before + 1]))
            position = opening - 1
        elif char == "]":
            bracket = text.rfind("[", 0, before)
            if bracket < 0:
                return None
            inner = text[bracket + 1 : before].strip()
            if inner == "" or re.fullmatch(r"-?\d+", inner):
                segments.append(ITERATE)
            else:
                try:
                    key = json.loads(inner) if inner.startswith('"') else None
                except ValueError:
                    key = None
                if not isinstance(key, str):
                    return None
                segments.append(key)
            if bracket > 0 and text[bracket - 1] == ".":
                position = bracket - 1
            elif bracket > 0 and (_is_ident_char(text[bracket - 1]) or text[bracket - 1] in '"]?'):
                # `.a[0]`: the bracket hangs off the previous segment; continue from a virtual dot.
                position = bracket
            else:
                return None  # `[1,2][0]` indexes a literal, not the event
        elif char in ".)}$":
            return None  # `..`, `(…).x`, `{…}.x`: not a plain path from the event root
        else:
            break
    if text[position] != ".":
        return None
    segments.reverse()
    return segments


def completion_context(text: str, cursor: int) -> CompletionContext | None:
    """Find the field path being typed at `cursor`, or None when the cursor is not right after one.

    `select(.requestParameters.buc` with the cursor at the end gives
    `(".requestParameters", "buc", 26, 29)`.
    """
    cursor = max(0, min(cursor, len(text)))
    closed, open_string, in_comment = _scan_strings(text, cursor)
    if in_comment:
        return None
    if open_string is not None:
        if open_string == 0 or text[open_string - 1] != ".":
            return None  # inside an ordinary string literal
        dot = open_string - 1
        partial = text[open_string + 1 : cursor]
        start = open_string
        end = cursor
        scan = cursor
        while scan < len(text) and text[scan] != '"':
            scan += 2 if text[scan] == "\\" else 1
        if scan < len(text):
            end = scan + 1
        try:
            partial = json.loads(f'"{partial}"')
        except ValueError:
            pass  # a half-typed escape: match on the raw text
    else:
        start = cursor
        while start > 0 and _is_ident_char(text[start - 1]):
            start -= 1
        if start == 0 or text[start - 1] != ".":
            return None
        partial = text[start:cursor]
        if partial[:1].isdigit():
            return None
        dot = start - 1
        end = cursor
        while end < len(text) and _is_ident_char(text[end]):
            end += 1
    if dot > 0 and text[dot - 1] == ".":
        return None  # `..`
    segments = _prefix_segments(text, dot, closed)
    if segments is None:
        return None
    return CompletionContext(join_path(segments), partial, start, end)


class _Node:
    __slots__ = ("children", "count", "best")

    def __init__(self) -> None:
        self.children: dict[str, _Node] = {}
        self.count: int | None = None
        self.best = 0


class PathIndex:
    """A tree of known paths, built once per `set_paths`, to list a path's children quickly."""

    def __init__(self, paths: Mapping[str, int]) -> None:
        self.root = _Node()
        for path, count in paths.items():
            try:
                segments = split_path(path)
            except ValueError:
                continue
            node = self.root
            node.best = max(node.best, count)
            for segment in segments:
                node = node.children.setdefault(segment, _Node())
                node.best = max(node.best, count)
            node.count = count if node.count is None else max(node.count, count)

    def children(self, prefix_path: str) -> list[Candidate]:
        """The keys directly under `prefix_path`, each with its event count (array steps left out).

        A key's count is its own path's count when known, else the largest count below it.
        """
        node = self.root
        try:
            segments = split_path(prefix_path)
        except ValueError:
            return []
        for segment in segments:
            found = node.children.get(segment)
            if found is None:
                return []
            node = found
        return [
            Candidate(key, child.count if child.count is not None else child.best)
            for key, child in node.children.items()
            if key != ITERATE
        ]


def candidates(
    paths: PathIndex | Mapping[str, int], prefix_path: str, partial_key: str = "", limit: int = 100
) -> list[Candidate]:
    """Keys under `prefix_path` matching `partial_key`, best first.

    Exact-case prefix matches come first, then case-insensitive prefix matches, then keys merely
    containing the text; within each, more events first, then alphabetical.
    """
    index = paths if isinstance(paths, PathIndex) else PathIndex(paths)
    folded = partial_key.casefold()
    ranked: list[tuple[int, int, str, Candidate]] = []
    for candidate in index.children(prefix_path):
        key = candidate.key
        if key.startswith(partial_key):
            rank = 0
        elif key.casefold().startswith(folded):
            rank = 1
        elif folded in key.casefold():
            rank = 2
        else:
            continue
        ranked.append((rank, -candidate.count, key, candidate))
    ranked.sort()
    return [item[3] for item in ranked[:limit]]


def apply_candidate(text: str, context: CompletionContext, key: str) -> tuple[str, int]:
    """Replace the partial key of `context` with `key`; return the new text and cursor position."""
    replacement = format_key(key)
    new_text = text[: context.start] + replacement + text[context.end :]
    return new_text, context.start + len(replacement)
