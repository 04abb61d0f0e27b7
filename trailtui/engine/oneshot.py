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
* selection (``select(...)``, an implicit select) runs the query's ``match`` program as the stored path's
  filter does (``memory_filter``): an event whose match raises is skipped, and counted when the stored
  path would have run the match on it (see :func:`decide`); only the first message is kept; the outputs
  then come from the same
  :func:`~trailtui.engine.query.event_outputs` / projection program, an error there reported per event.

Which questions qualify is decided by :func:`streamable` (the CLI adds its own conditions on options).
"""

from __future__ import annotations

import json
import os
from typing import Any, BinaryIO, Callable, Iterator, Optional, Sequence

import orjson

from . import jq
from .memory_filter import _matches
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


def canonical(record: Any) -> bytes:
    """The record's JSON with sorted keys (equal content, equal bytes, whatever the key order)."""
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
        kept: list[Any] = []
        for record in records:
            event_id = record.get("eventID") if type(record) is dict else None
            if type(event_id) is not str or not event_id:
                kept.append(record)
                continue
            if not self.seen_before(event_id, hash(canonical(record))):
                kept.append(record)
        return kept

    def seen_before(self, event_id: str, digest: Any) -> bool:
        """True (and counted) when an event with this eventID and content digest came before."""
        seen = self._seen
        known = seen.get(event_id)
        if known is None:
            seen[event_id] = digest
        elif type(known) is not set:
            if known == digest:
                self.duplicates += 1
                return True
            seen[event_id] = {known, digest}
        elif digest in known:
            self.duplicates += 1
            return True
        else:
            known.add(digest)
        return False

    def single_file(self) -> Optional[tuple[str, str, int]]:
        """``(fs_path, shown_path, size)`` when the inputs are exactly one regular file, else None."""
        from .loader import expand_paths

        try:
            items = expand_paths(self.paths)
        except Exception:  # noqa: BLE001 - the loader reports it
            return None
        if len(items) != 1 or isinstance(items[0], Problem) or items[0].fs_path is None:
            return None
        item = items[0]
        return item.fs_path, item.path, item.size

    def split(self, query: EventQuery, select: bool, projection: bool) -> Any:
        """Both halves' results (a ``oneshot_split.Split``) when one big Records file could be read by two
        workers, else None."""
        from . import oneshot_split

        single = self.single_file()
        if single is None:
            return None
        fs_path, shown, size = single
        ranges = oneshot_split.plan(fs_path, size)
        if ranges is None:
            return None
        try:
            return oneshot_split.Split(fs_path, shown, ranges, query.text, select, projection)
        except (oneshot_split.SplitFailed, OSError):  # OSError: a worker could not be started
            return None


class StreamResult:
    """What the stored path's filter step would have said: selection errors (their count and first message)."""

    def __init__(self) -> None:
        self.errors = 0
        self.first_error: Optional[str] = None

    def count(self, message: str) -> None:
        """One more event whose selection raised ``message``."""
        self.errors += 1
        if self.first_error is None:
            self.first_error = message

    def error_note(self) -> str:
        return FilterResult([], 0, self.errors, self.first_error).error_note()  # type: ignore[arg-type]


def decides(query: EventQuery, select: bool) -> bool:
    """True when the query's ``match`` program decides which events are selected (else every one is)."""
    return select and query.match is not None and not (query.kind == "all" and query.plan_decides)


def decide(query: EventQuery, record: Any, filename: Optional[str]) -> Any:
    """Whether the stored path selects ``record``: True, False, or the message of a runtime error it counts.

    The stored path runs ``match`` on the plan's candidates only (``memory_filter.run_filter``), so an
    event that raises counts only when the plan leaves it a candidate; that is asked of a store holding
    this one event (the plan's candidates are a property of each event: the store's path indexes are fixed).
    """
    try:
        return _matches(query, record, filename)
    except jq.JqRuntimeError as err:
        message = str(err)
    except RecursionError:
        message = "recursion too deep"
    return message if _candidate(query, record) else False


def _candidate(query: EventQuery, record: Any) -> bool:
    from .memory_filter import evaluate_plan
    from .model import Source
    from .planner import plan_complete
    from .store import EventStore

    store = EventStore()
    store.add_batch(RecordBatch(Source(path=""), [record], [0], [""]))
    rows, exact = evaluate_plan(query.plan, store, 1)
    if exact and query.selection_only and plan_complete(query.plan):
        return False  # the plan alone answered: match never ran
    return rows is None or 0 in rows


def verdicts(query: EventQuery, select: bool, records: list[Any], filename: Optional[str]) -> Iterator[tuple[int, Any]]:
    """``(index, True)`` for each of ``records`` the query selects and ``(index, message)`` for each whose
    selection raised an error the stored path counts (every index is selected when nothing is decided)."""
    if not decides(query, select):
        for i in range(len(records)):
            yield i, True
        return
    for i, record in enumerate(records):
        verdict = decide(query, record, filename)
        if verdict is not False:
            yield i, verdict


def event_values(query: EventQuery, program: Any, record: Any, filename: Optional[str]) -> Iterator[Any]:
    """One selected event's outputs: ``program``'s (a projection's, for the ``--format`` writers) when given,
    else those ``jq -rc`` prints before formatting. Raises ``JqRuntimeError`` where jq would stop."""
    if program is not None:
        return program.run(record, filename=filename)
    return event_outputs(query, record, filename)


def outputs(stream: EventStream, query: EventQuery, *, select: bool, projection: bool, result: StreamResult,
            on_error: Callable[[int, Optional[str], str], None]) -> Iterator[Any]:
    """The values the stored path prints, in order: with ``projection`` the projection's outputs (for the
    ``--format`` writers), else what ``jq -rc`` prints per event (the body's outputs, format applied).

    One big Records file is read by two worker processes when it can be (``oneshot_split``;
    ``TRAILTUI_STREAM_WORKERS=0`` keeps one process).

    ``on_error(row, event_id, message)`` is told of a runtime error while producing an event's outputs (the
    rest of that event's outputs are skipped, as jq stops there); selection errors go to ``result``.
    """
    if os.environ.get("TRAILTUI_STREAM_WORKERS", "") != "0":
        split = stream.split(query, select, projection)
        if split is not None:
            try:
                kept = _unique_rows(split) if stream.dedupe else None
            finally:
                split.close()
            if kept is not None or not stream.dedupe:
                yield from _merged(stream, split.halves, kept, result, on_error)
                return
    program = query.projection if projection else None
    for first_row, records, path in stream.batches():
        filename = path if query.uses_filename else None
        for i, verdict in list(verdicts(query, select, records, filename)):  # a batch's selection, then its outputs
            if verdict is not True:
                result.count(verdict)
                continue
            record = records[i]
            try:
                yield from event_values(query, program, record, filename)
            except jq.JqRuntimeError as err:
                event_id = record.get("eventID") if type(record) is dict else None
                on_error(first_row + i, event_id if type(event_id) is str and event_id else None, str(err))


def _unique_rows(split: Any) -> Optional[list[bytearray]]:
    """Per slice, a mask of the records that are not duplicates; None when the workers could not tell.

    Only records whose eventID occurs more than once need their content compared: their digests are asked
    of the workers, then the first of equal contents is kept (as :meth:`EventStream.seen_before` does)."""
    from collections import Counter

    from .oneshot_split import SplitFailed

    counts = Counter(event_id for half in split.halves for ids, *_rest in half for event_id in ids if event_id)
    wanted: list[dict[int, list[int]]] = []
    for half in split.halves:
        asked: dict[int, list[int]] = {}
        for k, (ids, *_rest) in enumerate(half):
            picks = [i for i, event_id in enumerate(ids) if event_id is not None and counts[event_id] > 1]
            if picks:
                asked[k] = picks
        wanted.append(asked)
    try:
        digests = split.digests(wanted)
    except SplitFailed:
        return None
    seen = EventStream([], dedupe=True)
    masks: list[bytearray] = []
    for half, asked, found in zip(split.halves, wanted, digests):
        for k, (ids, *_rest) in enumerate(half):
            mask = bytearray(b"\x01") * len(ids)
            for i in asked.get(k, ()):
                if seen.seen_before(ids[i], found[(k, i)]):
                    mask[i] = 0
            masks.append(mask)
    return masks


def _merged(stream: EventStream, halves: list[list[tuple]], kept: Optional[list[bytearray]],
            result: StreamResult, on_error: Callable[[int, Optional[str], str], None]) -> Iterator[Any]:
    """The workers' results in file order, numbered here (see ``oneshot_split``); ``kept`` masks out the
    duplicates (None: keep every record)."""
    k = 0
    for half in halves:
        for ids, match_errors, values, output_errors in half:
            mask = kept[k] if kept is not None else None
            k += 1
            for i, event_id in enumerate(ids):
                if mask is not None and not mask[i]:
                    stream.duplicates += 1
                    continue
                row = stream.rows
                stream.rows += 1
                message = match_errors.get(i)
                if message is not None:
                    result.count(message)
                outputs = values.get(i)
                if outputs:
                    yield from outputs
                message = output_errors.get(i)
                if message is not None:
                    on_error(row, event_id, message)
