"""The backend protocol: what an event store must offer so the session (and so the screen and the CLI) can
use it, whatever keeps the events.

Two backends implement it:

* ``memory`` (:class:`trailtui.engine.store.EventStore`): records as compact JSON bytes in Python, display
  fields in lists, inverted indexes; filters run the jq compiler per event after an index/substring plan.
  It is the oracle the tests check other backends against.
* ``duckdb`` (:mod:`trailtui.engine.columnar`): a columnar table in DuckDB; filters are compiled to SQL
  where the SQL means exactly what jq means, and fall back to jq on SQL-narrowed candidates otherwise.

Rows are numbered from 0 in load order (files in the order given, records in file order), after exact
duplicates are dropped. Every method that returns rows returns them in load order unless it says it sorts.
Row numbers below ``len(backend)`` never change meaning, so a reader may take ``len()`` once and read below
it while a load appends (the in-memory backend) or after the load finished.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Iterator, Optional, Protocol, Sequence, runtime_checkable

from .model import LoadItem, Source

Cancelled = Optional[Callable[[], bool]]
"""A callable polled during long work; True means stop (the result is then marked cancelled)."""


@runtime_checkable
class Backend(Protocol):
    """An event store with a query engine. See the module docstring for the row-number contract."""

    name: str
    """``memory`` or ``duckdb``: shown in ``--explain``-style notes and benchmarks."""

    dedupe: bool
    """Drop exact duplicates (same eventID and equal content) while loading."""

    # -- loading -----------------------------------------------------------------------------------

    def load(
        self, paths: Sequence[str], *, cancelled: Cancelled = None, stdin: Any = None
    ) -> Iterator[LoadItem]:
        """Read ``paths`` into the store, yielding the loader's items as they happen.

        Yields :class:`~trailtui.engine.model.RecordBatch` (already stored when yielded — a consumer only
        counts it), ``Progress``, ``Problem``, ``SourceDone`` and ``DigestSkipped``. Rows added become visible
        (``len()`` grows) no later than the batch is yielded. Cancelling keeps what was stored.
        """
        ...

    def __len__(self) -> int:
        """How many events are stored."""
        ...

    @property
    def duplicates(self) -> int:
        """Exact duplicates dropped so far."""
        ...

    # -- reading -----------------------------------------------------------------------------------

    def raw(self, row: int) -> bytes:
        """The record's compact JSON (UTF-8 bytes, key order as loaded)."""
        ...

    def raws(self, rows: Sequence[int]) -> Iterator[bytes]:
        """:meth:`raw` for many rows, in the order given (batched: cheaper than one call each)."""
        ...

    def records(self, rows: Iterable[int]) -> Iterator[Any]:
        """The parsed records of ``rows`` in the order given (fresh objects, safe to modify)."""
        ...

    def display(self, field: str, rows: Sequence[int]) -> list[str]:
        """One display field (``identity.ROW_FIELDS``: time, event, source, actor, account, region, ip, error,
        agent, read_only, event_id, actor_key, ip_key) for ``rows``, in the order given; "" where absent."""
        ...

    def source_of(self, row: int) -> Source:
        """The input the row came from."""
        ...

    def provenance(self, row: int) -> str:
        """One line: ``path (location)``, plus envelope ids and a partial-row note where they apply."""
        ...

    def row_of_event_id(self, event_id: str) -> Optional[int]:
        """The first row holding this eventID, or None."""
        ...

    def path_counts(self, sample: int = 20000) -> dict[str, int]:
        """How many events hold each jq path (for completion); exact up to ``sample`` rows, then scaled."""
        ...

    # -- questions ---------------------------------------------------------------------------------

    def filter(
        self,
        query: Any,
        *,
        n: Optional[int] = None,
        cancelled: Cancelled = None,
        within: Optional[Sequence[int]] = None,
    ) -> Any:
        """The rows (below ``n``, default all) a compiled :class:`~trailtui.engine.query.EventQuery` selects,
        as a :class:`~trailtui.engine.query.FilterResult` (rows in load order, runtime errors counted).
        ``within`` restricts to the given rows. Must equal the in-memory backend's answer exactly.
        A backend may also accept ``progress=callable(scanned, total)`` and call it while it scans
        (:meth:`Session.view` passes it only to backends whose ``filter`` has that parameter)."""
        ...

    def order(self, rows: Sequence[int], field: str, descending: bool = False) -> Sequence[int]:
        """``rows`` sorted by a display field; stable (ties keep load order) in both directions."""
        ...

    def close(self) -> None:
        """Release files and connections (the backend is unusable after)."""
        ...


BACKENDS = ("auto", "memory", "duckdb")
"""Names a user may choose (``--backend``, ``TRAILTUI_BACKEND``)."""

AUTO_COLUMNAR_BYTES = 64 * 1024 * 1024
"""``auto`` picks the columnar backend from this much input on disk (compressed size for gzip), the
in-memory one below it: a small file opens fastest in memory (no worker processes to start), a day of an
organisation's trail is answered fastest, and reopened instantly from the cache, by DuckDB."""


def choose_backend(name: str, paths: Sequence[str]) -> str:
    """Resolve ``auto`` to ``memory`` or ``duckdb`` by the size of ``paths``; other names pass through."""
    if name != "auto":
        return name
    if any(p == "-" for p in paths):
        return "memory"
    from .loader import count_inputs

    _files, size = count_inputs(paths)
    return "duckdb" if size >= AUTO_COLUMNAR_BYTES else "memory"


def make_backend(name: str = "memory", **options: Any) -> Backend:
    """A backend by name: ``memory`` or ``duckdb`` (options go to its constructor)."""
    if name == "memory":
        from .store import EventStore

        return EventStore(**options)
    if name == "duckdb":
        from .columnar import ColumnarBackend

        return ColumnarBackend(**options)
    raise ValueError(f"unknown backend {name!r} (memory or duckdb)")
