"""An aggregate filter's result as a table: what the screen shows for ``group_by(...) | map({...})``.

A root-mode program (one that uses ``.Records`` as a whole) yields JSON values, not events. The screen shows
them read-only, laid out by :func:`result_table`: a single array output is read as its elements; then
objects become rows with a column per key (in first-seen order), anything else one ``value`` column.
"""

from __future__ import annotations

from typing import Any, Sequence


def result_table(values: Sequence[Any]) -> tuple[list[str], list[list[Any]]]:
    """Headers and rows (JSON values; None where an object lacks a key) for a root program's outputs."""
    items: Sequence[Any] = values[0] if len(values) == 1 and isinstance(values[0], list) else values
    if items and all(isinstance(item, dict) for item in items):
        headers: dict[str, None] = {}
        for item in items:
            for key in item:
                headers.setdefault(key, None)
        keys = list(headers)
        return keys, [[item.get(key) for key in keys] for item in items]
    return ["value"], [[item] for item in items]
