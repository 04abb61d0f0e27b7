"""Sort keys that order JSON values the way jq does.

jq orders null < false < true < numbers < strings < arrays < objects; arrays element by element; objects
by their sorted key lists first, then by values in key order. Python cannot compare mixed types, so each
value maps to a tuple whose first item is its rank.
"""

from __future__ import annotations

from typing import Any


def sort_key(value: Any) -> tuple:
    """A key such that ``sort_key(a) < sort_key(b)`` exactly when jq orders ``a`` before ``b``."""
    if value is None:
        return (0,)
    if value is False:
        return (1,)
    if value is True:
        return (2,)
    if isinstance(value, (int, float)):
        return (3, value)
    if isinstance(value, str):
        return (4, value)
    if isinstance(value, list):
        return (5, tuple(sort_key(item) for item in value))
    if isinstance(value, dict):
        keys = sorted(value)
        return (6, tuple(keys), tuple(sort_key(value[k]) for k in keys))
    return (7, repr(value))
