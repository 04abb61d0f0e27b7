"""The columnar backend: events in DuckDB, jq filters compiled to SQL where SQL means exactly what jq
means, jq on SQL-narrowed candidates in worker processes otherwise. See ``schema.py`` for the tables,
``ingest.py`` for loading, ``cache.py`` for the database files, ``backend.py`` for the protocol's methods.

``ColumnarBackend`` is imported on first use, so that reading ``cache.py`` (is there a cache of these
inputs?) does not load DuckDB and pyarrow."""

from typing import Any

__all__ = ["ColumnarBackend"]


def __getattr__(name: str) -> Any:
    if name == "ColumnarBackend":
        from .backend import ColumnarBackend

        return ColumnarBackend
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
