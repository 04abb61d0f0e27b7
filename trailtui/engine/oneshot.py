"""A one-shot question answered while the events are read: no store, no indexes, no cache.

``trailtui query`` normally loads every event into a backend (indexes, identity keys, DuckDB columns) and
then asks it. A script's single question whose answer is "the filter's outputs for each event, in input
order" needs none of that: :class:`EventStream` reads the inputs with the ordinary loader, drops exact
duplicates as they come, numbers the rows as the store would, and :func:`outputs` runs the compiled program
on each event right away. Nothing but the current batch of parsed records is held.

What makes the answer the same as the stored path's, byte for byte:

* rows are numbered after de-duplication, like the store's rows (runtime error messages name an event by
  its ``eventID``, else by that row number);
* a duplicate is an event whose ``eventID`` (a non-empty string) was seen before with equal content; the
  content is compared by the hash of its JSON with sorted keys (Python's keyed 64-bit SipHash: no one can
  craft a collision without the process's random key), so key order does not matter (the store
  compares parsed values; the two differ only for values equal in Python but not in JSON, such as ``1`` and
  ``1.0`` in the same field of two events sharing an eventID);
* selection (``select(...)``, an implicit select) runs the query's ``match`` program exactly as the stored
  path's filter does (:func:`~trailtui.engine.memory_filter.match_records`): an event whose match raises is
  skipped and counted, and only the first message is kept; the outputs then come from the same
  :func:`~trailtui.engine.query.event_outputs` / projection program, an error there reported per event.

Which questions qualify is decided by :func:`streamable` (the CLI adds its own conditions on options).
"""

from __future__ import annotations

import json
from typing import Any, BinaryIO, Callable, Iterator, Optional, Sequence

import orjson

from . import jq
from .memory_filter import match_records
from .model import DigestSkipped, Problem, RecordBatch
from .query import EventQuery, FilterResult, event_outputs

__all__ = ["EventStream", "outputs", "streamable", "StreamResult"]


def streamable(query: EventQuery, select: bool) -> bool:
    """True when ``query``'s answer can be given event by event, in input order.

    Not: aggregates over ``.Records`` (root mode), and a filter whose reading (selection or projection) is
    decided by running it over every event first (``reading_open`` when the events are selected).
    """
    if query.mode != "events":
        return False
    return not (select and query.reading_open)


def _canonical(record: Any) -> bytes:
    try:
        return orjson.dumps(record, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # integers beyond 64 bits
        return json.dumps(record, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


class EventStream:
    """The events of ``paths`` in load order, exact duplicates dropped, as ``(row, record, source_path)``.

    ``on_problem(problem)`` is called for each loader problem as it happens. Afterwards ``rows``,
    ``duplicates``, ``digests`` and ``fatal`` (problems that made a whole input unreadable) are final.
    """

    def __init__(self, paths: Sequence[str], *, dedupe: bool = True, stdin: Optional[BinaryIO] = None,
                 on_problem: Callable[[Problem], None] = lambda problem: None) -> None:
        self.paths = list(paths)
        self.dedupe = dedupe
        self.stdin = stdin
        self.on_problem = on_problem
        self.rows = 0
        self.duplicates = 0
        self.digests = 0
        self.fatal = 0
        self._seen: dict[str, Any] = {}
        """eventID -> content hash (or a set of them when different events share the eventID)."""

    def batches(self) -> Iterator[tuple[int, list[Any], str]]:
        """``(first_row, records, source_path)`` per loader batch, duplicates already removed."""
        from .loader import load

        for item in load(self.paths, stdin=self.stdin):
            if isinstance(item, RecordBatch):
                records = self._unique(item.records) if self.dedupe else item.records
                if records:
                    first = self.rows
                    self.rows += len(records)
                    yield first, records, item.source.path
            elif isinstance(item, Problem):
                self.fatal += item.fatal
                self.on_problem(item)
            elif isinstance(item, DigestSkipped):
                self.digests += 1

    def _unique(self, records: list[Any]) -> list[Any]:
        seen = self._seen
        kept: list[Any] = []
        canonical = _canonical
        for record in records:
            event_id = record.get("eventID") if type(record) is dict else None
            if type(event_id) is not str or not event_id:
                kept.append(record)
                continue
            digest = hash(canonical(record))
            known = seen.get(event_id)
            if known is None:
                seen[event_id] = digest
            elif type(known) is int:
                if known == digest:
                    self.duplicates += 1
                    continue
                seen[event_id] = {known, digest}
            elif digest in known:
                self.duplicates += 1
                continue
            else:
                known.add(digest)
            kept.append(record)
        return kept


class StreamResult:
    """What the stored path's filter step would have said: selection errors (their count and first message)."""

    def __init__(self) -> None:
        self.errors = 0
        self.first_error: Optional[str] = None

    def error_note(self) -> str:
        return FilterResult([], 0, self.errors, self.first_error).error_note()  # type: ignore[arg-type]


def _selected(query: EventQuery, select: bool, records: list[Any], filenames: Optional[list[str]],
              result: StreamResult) -> Sequence[int]:
    """Indices of ``records`` the query selects (all of them when nothing is to be decided)."""
    if not select or query.match is None or (query.kind == "all" and query.plan_decides):
        return range(len(records))
    hits, errors, first = match_records(query, records, filenames)
    if errors:
        result.errors += errors
        if result.first_error is None and first is not None:
            result.first_error = first[1]
    return hits


def outputs(stream: EventStream, query: EventQuery, *, select: bool, projection: bool, result: StreamResult,
            on_error: Callable[[int, Any, str], None]) -> Iterator[Any]:
    """The values the stored path prints, in order: with ``projection`` the projection's outputs (for the
    ``--format`` writers), else what ``jq -rc`` prints per event (the body's outputs, format applied).

    ``on_error(row, record, message)`` is told of a runtime error while producing an event's outputs (the
    rest of that event's outputs are skipped, as jq stops there); selection errors go to ``result``.
    """
    uses_filename = query.uses_filename
    program = query.projection if projection else None
    for first_row, records, path in stream.batches():
        filenames = [path] * len(records) if uses_filename else None
        filename = path if uses_filename else None
        for i in _selected(query, select, records, filenames, result):
            record = records[i]
            try:
                if program is not None:
                    yield from program.run(record, filename=filename)
                else:
                    yield from event_outputs(query, record, filename)
            except jq.JqRuntimeError as err:
                on_error(first_row + i, record, str(err))
