"""The columnar backend: events in DuckDB, jq filters compiled to SQL where SQL means exactly what jq
means, jq on SQL-narrowed candidates in worker processes otherwise. See ``schema.py`` for the tables,
``ingest.py`` for loading, ``cache.py`` for the database files, ``backend.py`` for the protocol's methods."""

from .backend import ColumnarBackend

__all__ = ["ColumnarBackend"]
