"""Find highlighting for Line-API widgets: restyle the parts of a line's segments that match a search text.

Matching is case-insensitive on the text as drawn (already escaped by ``safe_text``), across segment
boundaries; the table and the detail view both call :func:`highlight` on the segments of one line.
"""

from __future__ import annotations

from typing import Iterable

from rich.segment import Segment
from rich.style import Style


def match_spans(text: str, term: str) -> list[tuple[int, int]]:
    """Character spans of every non-overlapping, case-insensitive occurrence of ``term`` in ``text``."""
    if not term:
        return []
    folded, needle = text.casefold(), term.casefold()
    if len(folded) != len(text):  # casefold changed lengths (ß → ss): fall back to lower()
        folded, needle = text.lower(), term.lower()
        if len(folded) != len(text):
            return []
    spans = []
    start = folded.find(needle)
    while start != -1 and needle:
        spans.append((start, start + len(needle)))
        start = folded.find(needle, start + len(needle))
    return spans


def highlight(segments: Iterable[Segment], term: str, style: Style) -> list[Segment]:
    """``segments`` with the characters that match ``term`` drawn in ``style`` on top of their own."""
    segments = list(segments)
    spans = match_spans("".join(s.text for s in segments), term)
    if not spans:
        return segments
    out: list[Segment] = []
    offset = 0
    span_index = 0
    for segment in segments:
        text, own = segment.text, segment.style
        end = offset + len(text)
        position = offset
        while position < end:
            while span_index < len(spans) and spans[span_index][1] <= position:
                span_index += 1
            if span_index < len(spans) and spans[span_index][0] <= position:
                stop = min(end, spans[span_index][1])
                out.append(Segment(text[position - offset : stop - offset], (own or Style()) + style))
            else:
                stop = min(end, spans[span_index][0]) if span_index < len(spans) else end
                out.append(Segment(text[position - offset : stop - offset], own))
            position = stop
        offset = end
    return out
