"""The ``v_`` path columns of ``events`` (see ``schema.py``), computed by DuckDB from ``raw`` at insert, with
Python's encoding kept for the rows where DuckDB's JSON text would differ.

Meaning (unchanged from the schema): the column of ``.a.b`` holds the compact JSON text of what jq's ``.a.b``
yields on the record, encoded as ``raw`` is (orjson's text); JSON ``null`` where jq yields null (an absent
key, a null parent, a null record); SQL NULL where jq raises (a parent, or the record, that is a string,
number, boolean or array).

How DuckDB computes it (:func:`insert_select`): one ``json_transform`` of ``raw`` into a struct of the
top-level keys as JSON (one parse of the record, in DuckDB's threads), then one ``json_transform`` per
nested group (``userIdentity``, ``requestParameters`` …) over that member's own text, and ``json_extract`` for
deeper steps. A key that is absent and a key that holds ``null`` both come back as SQL NULL from the
transform, and both mean jq's null, so ``coalesce(…, 'null')`` is exact. A parent's type is read from the
first character of its compact text (``{`` is an object).

Exactness: DuckDB re-serialises the values it extracts (yyjson). Its compact text equals orjson's except
for some number spellings (``1e100`` vs orjson's ``1e+100``, ``1e16`` written out in full) and the hex case
of control-character escapes (``\\u001F`` vs ``\\u001f``); it also refuses lone surrogates. Serialisation is
compositional (an object's text is its members' texts joined), and ``raw`` is orjson's text of the record
(no duplicate keys), so when DuckDB's re-serialisation of the whole record (``json_transform(raw, '"JSON"')``;
``json()`` and ``json_extract`` want a 16 MB buffer per thread, too much under a small memory cap) equals
``raw`` byte for byte, every value it extracts is orjson's text of that value. :data:`INEXACT` selects the rows where it does
not; for them :func:`python_values` (the reference encoding, which the tests compare with the SQL one)
supplies the columns instead.
"""

from __future__ import annotations

import json
from typing import Any, Optional

import orjson

from ..store import _MISSING, _dumps_exact, walk
from .schema import PATH_COLUMNS

NAMES = list(PATH_COLUMNS.values())
"""``v_`` column names in ``PATH_COLUMNS`` order."""

INEXACT = "is_object AND NOT coalesce(CAST(try(json_transform(raw, '\"JSON\"')) AS VARCHAR) = raw, FALSE)"
"""SQL condition (over a relation with ``raw`` and ``is_object``): DuckDB's JSON text of the record differs
from ``raw``, so its extracted values may differ from orjson's; :func:`python_values` encodes these rows."""

_NULL = b"null"


def python_values(record: Any) -> list[Optional[bytes]]:
    """The ``v_`` columns of one parsed record, in ``NAMES`` order (``None`` = SQL NULL, jq raises)."""
    if type(record) is not dict:
        cell = _NULL if record is None else None  # jq: null.a is null; .a of a number/string/array raises
        return [cell] * len(NAMES)
    out: list[Optional[bytes]] = []
    for path in PATH_COLUMNS:
        value = walk(record, path)
        if value is _MISSING:
            out.append(None)
        elif value is None:
            out.append(_NULL)
        else:
            out.append(_dumps_exact(orjson.dumps, value))
    return out


def _key_path(keys: tuple[str, ...]) -> str:
    """A JSONPath literal for ``keys`` (quoted members; keys here are plain identifiers)."""
    return "'$." + ".".join(json.dumps(k) for k in keys) + "'"


def _spec(keys: list[str]) -> str:
    return "'" + json.dumps({k: "JSON" for k in keys}, separators=(",", ":")) + "'"


def _step(parent: str, member: str) -> str:
    """jq's ``.key`` on a JSON text ``parent`` (SQL NULL = error): ``member`` (the key's JSON, SQL NULL when
    absent or null) when the parent is an object, null on null, error otherwise."""
    return (f"CASE WHEN {parent} IS NULL THEN NULL WHEN {parent} = 'null' THEN 'null'::JSON "
            f"WHEN left({parent}, 1) = '{{' THEN coalesce({member}, 'null'::JSON) END")


def insert_select(source: str, passthrough: list[str], fixed: bool = False) -> str:
    """A ``SELECT`` over ``source`` (a relation with ``raw``, ``is_object`` and ``passthrough``) giving
    ``passthrough`` then every ``v_`` column computed from ``raw``. With ``fixed``, ``source`` also has a
    BOOLEAN ``fix`` and ``fix_<v_ column>`` JSON columns: rows where ``fix`` holds take those instead."""
    top = [path[0] for path in PATH_COLUMNS if len(path) == 1]
    groups: dict[str, list[tuple[str, ...]]] = {}
    for path in PATH_COLUMNS:
        if len(path) > 1:
            groups.setdefault(path[0], []).append(path[1:])
    for first in groups:
        if (first,) not in PATH_COLUMNS:
            raise ValueError(f"nested paths need their top-level column: {first}")
    pass_cols = ", ".join(f'"{c}"' for c in passthrough)
    carry = pass_cols + (", fix, " + ", ".join(f'"fix_{n}"' for n in NAMES) if fixed else "")
    # Layer 1: the record's top-level members, one parse of raw.
    members = ", ".join(f'_t."{k}" AS "_m_{k}"' for k in top)
    layer1 = (f"SELECT {carry}, raw, is_object, {members} FROM "
              f"(SELECT *, try(json_transform(raw, {_spec(top)})) AS _t FROM {source})")
    # Layer 2: top-level v_ columns; one transform per nested group over its parent's text.
    top_cols = [f"CASE WHEN is_object THEN coalesce(\"_m_{k}\", 'null'::JSON) "
                f"WHEN raw = 'null' THEN 'null'::JSON END AS \"{PATH_COLUMNS[(k,)]}\"" for k in top]
    group_cols = []
    for first, rests in groups.items():
        seconds = list(dict.fromkeys(rest[0] for rest in rests))
        group_cols.append(f"CASE WHEN left(\"_m_{first}\", 1) = '{{' THEN "
                          f"try(json_transform(\"_m_{first}\", {_spec(seconds)})) END AS \"_g_{first}\"")
    layer2 = f"SELECT {carry}, raw, is_object, {', '.join(top_cols + group_cols)} FROM ({layer1})"
    # Layer 3: nested columns.
    nested_cols = []
    for first, rests in groups.items():
        parent = f'"{PATH_COLUMNS[(first,)]}"'
        for rest in rests:
            value = _step(parent, f'"_g_{first}"."{rest[0]}"')
            for depth in range(1, len(rest)):
                value = _step(f"({value})", f"json_extract(({value}), {_key_path(rest[depth:depth + 1])})")
            nested_cols.append(f"{value} AS \"{PATH_COLUMNS[(first, *rest)]}\"")
    layer3 = f"SELECT {carry}, {', '.join(f'{chr(34)}{PATH_COLUMNS[(k,)]}{chr(34)}' for k in top)}, " \
             f"{', '.join(nested_cols)} FROM ({layer2})"
    if not fixed:
        return f"SELECT {pass_cols}, {', '.join(f'{chr(34)}{n}{chr(34)}' for n in NAMES)} FROM ({layer3})"
    picks = ", ".join(f'CASE WHEN fix THEN "fix_{n}" ELSE "{n}" END AS "{n}"' for n in NAMES)
    return f"SELECT {pass_cols}, {picks} FROM ({layer3})"
