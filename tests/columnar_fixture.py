"""A DuckDB database of the columnar schema filled from an in-memory ``EventStore``, row for row.

It follows ``trailtui/engine/columnar/schema.py`` literally (raw text, ``d_`` display fields, ``v_`` path
values with JSON null for null/missing and SQL NULL where jq would raise, ``keys`` from ``identity``), so
the query half of the columnar backend can be tested without the ingest half, and the ingest can be
compared with it.
"""

from __future__ import annotations

from typing import Any

import duckdb
import orjson
import pyarrow as pa

from trailtui.engine import identity
from trailtui.engine.columnar import schema
from trailtui.engine.store import EventStore, _MISSING, walk


def _json_text(value: Any) -> str:
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        import json

        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class FixtureBackend:
    """Just enough of ``ColumnarBackend`` for the filter runner: ``con``, ``len()``, ``name``."""

    name = "duckdb"

    def __init__(self, con: duckdb.DuckDBPyConnection, count: int):
        self.con = con
        self._count = count

    def __len__(self) -> int:
        return self._count

    def close(self) -> None:
        self.con.close()


def build(store: EventStore, path: str = ":memory:") -> FixtureBackend:
    con = duckdb.connect(path)
    for statement in schema.create_statements():
        con.execute(statement)
    n = len(store)
    raws = [store.raw(i).decode() for i in range(n)]
    records = [orjson.loads(r) for r in raws]
    columns: dict[str, list] = {"row": list(range(n)), "raw": raws}
    for name, column in schema.DISPLAY_COLUMNS.items():
        columns[column] = list(store.fields[name][:n])
    for path, column in schema.PATH_COLUMNS.items():
        values = []
        for record in records:
            value = walk(record, path)
            values.append(None if value is _MISSING else _json_text(value))
        columns[column] = values
    columns["is_object"] = [type(r) is dict for r in records]
    columns["src"] = list(store.row_source[:n])
    columns["position"] = list(store.row_position[:n])
    columns["location"] = list(store.row_location[:n])
    columns["partial"] = [i in store.partial_rows for i in range(n)]
    event_table = pa.table(columns)  # noqa: F841 (scanned by name below)
    order = ", ".join(f'"{c}"' for c in columns)
    con.execute(f"INSERT INTO events ({order}) SELECT {order} FROM event_table")
    kinds, keys, rows = [], [], []
    functions = {"has_access_key": identity.access_keys, "has_session": identity.session_keys,
                 "has_resource": identity.resources}
    for row, record in enumerate(records):
        for kind, fn in functions.items():
            for key in fn(record):
                kinds.append(kind)
                keys.append(key)
                rows.append(row)
    key_table = pa.table({"kind": pa.array(kinds, pa.string()), "key": pa.array(keys, pa.string()),
                          "row": pa.array(rows, pa.uint64())})  # noqa: F841
    con.execute("INSERT INTO keys SELECT * FROM key_table")
    return FixtureBackend(con, n)


def store_of(records: list[Any]) -> EventStore:
    """An in-memory store holding ``records`` (no de-duplication: every record is a row)."""
    from trailtui.engine.model import RecordBatch, Source

    records = list(records)
    store = EventStore(dedupe=False)
    source = Source(path="<test>", shape="jsonl")
    store.add_batch(RecordBatch(source=source, records=list(records), positions=list(range(len(records))),
                                locations=[f"line {i + 1}" for i in range(len(records))]))
    return store
