"""The event store: every loaded record, compact, with the table's fields and pivot indexes.

Memory is the design constraint (a day of an organisation's CloudTrail is ~1M events, ~1.3 GB of JSON; as
parsed dicts that costs ~4.3 GB). So the store keeps:

* each record's compact JSON bytes (``orjson.dumps`` of the parsed record: key order, Unicode and values
  exactly as loaded), packed per batch into one ``bytes`` blob with an offsets array — the detail view,
  export and slow-path filters decode a record on demand in microseconds;
* the table's display fields, extracted once at load (`identity.extract_row`), as lists of interned strings;
* inverted indexes ``value -> array of rows`` for the fields filters and pivots hit most: raw paths such as
  ``.eventName`` or ``.requestParameters.bucketName`` and the derived keys of rules R1–R5 (actor, source IP,
  access keys, sessions, resources). A pivot or an equality filter on these costs O(matches).

Rows are numbered in load order (files in the order given, records in file order). Exact duplicates — same
``eventID`` and equal content, as CloudTrail redelivers — are dropped and counted; different records that
share an ``eventID`` are kept.

Thread safety: one loader thread appends while the UI thread reads. Readers take ``len(store)`` once and only
look at rows below it; every structure is appended before the row count moves, so that snapshot is consistent.
"""

from __future__ import annotations

import bisect
from array import array
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Optional, Sequence

import orjson

from . import identity
from .model import RecordBatch, Source

FIELDS = identity.ROW_FIELDS
"""The display fields extracted for every event, in `identity.extract_row` order."""

INTERNED_FIELDS = frozenset(FIELDS) - {"time", "event_id", "request_id"}
"""Fields with few distinct values: one string object per value keeps a million rows small."""

PATH_INDEXES: tuple[tuple[str, ...], ...] = (
    ("eventName",),
    ("eventSource",),
    ("eventType",),
    ("awsRegion",),
    ("sourceIPAddress",),
    ("errorCode",),
    ("recipientAccountId",),
    ("userAgent",),
    ("userIdentity", "type"),
    ("userIdentity", "userName"),
    ("userIdentity", "arn"),
    ("userIdentity", "accessKeyId"),
    ("requestParameters", "bucketName"),
)
"""Raw record paths with an equality index (the planner turns ``.path == "x"`` into a lookup)."""

DERIVED_INDEXES = identity.DERIVED_KEYS
"""Single-valued derived keys (prelude functions of the same names compute them in jq)."""

MULTI_INDEXES = identity.MULTI_KEYS
"""Multi-valued derived keys: prelude predicate name -> function listing an event's values."""

_MISSING = object()


class PathIndex:
    """Rows by the value found at one path.

    ``values`` maps each string value to the rows holding it; ``nulls`` holds rows where the path gives
    null (absent keys included, as in jq); ``others`` holds rows with a non-string, non-null value
    (numbers, booleans, arrays, objects); ``errors`` holds rows where walking the path would raise in jq
    (indexing a string or number). Equality with a string is exact unless ``errors`` is non-empty.
    """

    __slots__ = ("values", "nulls", "others", "errors")

    def __init__(self) -> None:
        self.values: dict[str, array] = {}
        self.nulls = array("I")
        self.others = array("I")
        self.errors = array("I")

    def add(self, row: int, value: Any) -> None:
        if type(value) is str:
            rows = self.values.get(value)
            if rows is None:
                rows = self.values[value] = array("I")
            rows.append(row)
        elif value is None:
            self.nulls.append(row)
        elif value is _MISSING:
            self.errors.append(row)
        else:
            self.others.append(row)

    def rows(self, value: Any) -> Sequence[int]:
        """Rows whose value is exactly the string ``value`` (or null when ``value`` is None)."""
        if value is None:
            return self.nulls
        return self.values.get(value, _EMPTY)


_EMPTY = array("I")


def walk(record: Any, path: tuple[str, ...]) -> Any:
    """The value of ``.a.b.c`` in ``record`` with jq's rules; ``_MISSING`` where jq would raise."""
    value = record
    for key in path:
        if value is None:
            return None
        if type(value) is not dict:
            return _MISSING
        value = value.get(key)
    return value


def _group_paths(indexes: dict[tuple[str, ...], "PathIndex"]) -> tuple[list, list]:
    """Split path indexes into top-level keys and (first key, [(rest, index)]) groups."""
    top = [(path[0], index) for path, index in indexes.items() if len(path) == 1]
    nested: dict[str, list] = {}
    for path, index in indexes.items():
        if len(path) > 1:
            nested.setdefault(path[0], []).append((path[1:], index))
    return top, list(nested.items())


@dataclass
class Chunk:
    """A batch of consecutive rows: their JSON bytes packed into one blob."""

    first_row: int
    blob: bytes
    offsets: array  # len(rows) + 1 offsets into blob


@dataclass
class StoreStats:
    """Counters a status line or a CLI warning reports."""

    duplicates: int = 0
    sources: int = 0


@dataclass
class EventStore:
    """All loaded events. Append with :meth:`add_batch`; read by row number."""

    chunks: list[Chunk] = field(default_factory=list)
    _chunk_starts: list[int] = field(default_factory=list)
    fields: dict[str, list[str]] = field(default_factory=lambda: {name: [] for name in FIELDS})
    path_indexes: dict[tuple[str, ...], PathIndex] = field(
        default_factory=lambda: {path: PathIndex() for path in PATH_INDEXES}
    )
    derived_indexes: dict[str, PathIndex] = field(
        default_factory=lambda: {name: PathIndex() for name in DERIVED_INDEXES}
    )
    multi_indexes: dict[str, dict[str, array]] = field(
        default_factory=lambda: {name: {} for name in MULTI_INDEXES}
    )
    sources: list[Source] = field(default_factory=list)
    row_source: array = field(default_factory=lambda: array("I"))
    row_position: array = field(default_factory=lambda: array("I"))
    row_location: list[str] = field(default_factory=list)
    envelopes: dict[int, dict[str, Any]] = field(default_factory=dict)
    partial_rows: set[int] = field(default_factory=set)
    stats: StoreStats = field(default_factory=StoreStats)
    _by_event_id: dict[str, int] = field(default_factory=dict)
    _shared_event_ids: dict[str, list[int]] = field(default_factory=dict)
    _source_ids: dict[int, int] = field(default_factory=dict)
    _intern: dict[str, dict[str, str]] = field(
        default_factory=lambda: {name: {} for name in INTERNED_FIELDS}
    )
    dedupe: bool = True
    """Drop exact duplicates (same eventID, equal content). ``trailtui query --keep-duplicates`` turns it off."""
    _count: int = 0
    _path_groups: Any = None

    name = "memory"
    """The backend's name (see :mod:`trailtui.engine.backend`)."""

    def __len__(self) -> int:
        return self._count

    @property
    def duplicates(self) -> int:
        return self.stats.duplicates

    # -- loading -----------------------------------------------------------------------------------

    def load(self, paths: Sequence[str], *, cancelled: Optional[Callable[[], bool]] = None,
             stdin: Any = None) -> Iterator[Any]:
        """Read ``paths`` with the loader in this thread, storing each batch before yielding it."""
        from .loader import load

        for item in load(paths, cancelled=cancelled, stdin=stdin):
            if isinstance(item, RecordBatch):
                self.add_batch(item)
            yield item

    def add_batch(self, batch: RecordBatch) -> int:
        """Append a batch of parsed records; returns how many rows were added (after de-duplication)."""
        source_id = self._source_ids.get(id(batch.source))
        if source_id is None:
            source_id = len(self.sources)
            self.sources.append(batch.source)
            self._source_ids[id(batch.source)] = source_id
            self.stats.sources = len(self.sources)
        dumps = orjson.dumps
        raws: list[bytes] = []
        offsets = array("Q", [0])
        end = 0
        row = self._count
        first_row = row
        fields = self.fields
        field_lists = [fields[name] for name in FIELDS]
        interns = [self._intern.get(name) for name in FIELDS]
        extract = identity.extract_row
        index_record = self._index_record
        derived_actor = self.derived_indexes["actor_key"]
        derived_ip = self.derived_indexes["ip_key"]
        multi = [(self.multi_indexes[name], fn) for name, fn in MULTI_INDEXES.items()]
        envelopes = batch.envelopes
        for i, record in enumerate(batch.records):
            raw = _dumps_exact(dumps, record)
            event_id = record.get("eventID") if type(record) is dict else None
            if self.dedupe and type(event_id) is str and event_id:
                if self._is_duplicate(event_id, raw, record, first_row, raws):
                    self.stats.duplicates += 1
                    continue
            raws.append(raw)
            end += len(raw)
            offsets.append(end)
            values = extract(record)
            for lst, intern, value in zip(field_lists, interns, values):
                if intern is not None:
                    value = intern.setdefault(value, value)
                lst.append(value)
            index_record(record, row)
            derived_actor.add(row, values[11] or None)
            derived_ip.add(row, values[12] or None)
            for table, fn in multi:
                for key in fn(record):
                    rows = table.get(key)
                    if rows is None:
                        rows = table[key] = array("I")
                    rows.append(row)
            self.row_source.append(source_id)
            self.row_position.append(batch.positions[i])
            self.row_location.append(batch.locations[i])
            if envelopes is not None and envelopes[i]:
                self.envelopes[row] = envelopes[i]
            if batch.partial:
                self.partial_rows.add(row)
            if type(event_id) is str and event_id and event_id not in self._by_event_id:
                self._by_event_id[event_id] = row
            elif type(event_id) is str and event_id:
                self._shared_event_ids.setdefault(event_id, [self._by_event_id[event_id]]).append(row)
            row += 1
        if raws:
            self.chunks.append(Chunk(first_row, b"".join(raws), offsets))
            self._chunk_starts.append(first_row)
        added = row - self._count
        self._count = row
        return added

    def _index_record(self, record: Any, row: int) -> None:
        """Add one record to every path index (paths grouped by their first key, walked once).

        This runs for every loaded event, so :meth:`PathIndex.add` is inlined for the common string case.
        """
        groups = self._path_groups
        if groups is None:
            groups = self._path_groups = _group_paths(self.path_indexes)
        top, nested = groups
        if type(record) is not dict:
            for _key, index in top:
                index.add(row, _MISSING)
            for _first, subs in nested:
                for _rest, index in subs:
                    index.add(row, _MISSING)
            return
        get = record.get
        for key, index in top:
            value = get(key)
            if type(value) is str:
                rows = index.values.get(value)
                if rows is None:
                    rows = index.values[value] = array("I")
                rows.append(row)
            else:
                index.add(row, value)
        for first, subs in nested:
            sub = get(first)
            if type(sub) is dict:
                sub_get = sub.get
                for rest, index in subs:
                    value = sub_get(rest[0]) if len(rest) == 1 else walk(sub, rest)
                    if type(value) is str:
                        rows = index.values.get(value)
                        if rows is None:
                            rows = index.values[value] = array("I")
                        rows.append(row)
                    else:
                        index.add(row, value)
            else:
                value = None if sub is None else _MISSING
                for _rest, index in subs:
                    index.add(row, value)

    def _is_duplicate(
        self, event_id: str, raw: bytes, record: dict[str, Any], pending_from: int, pending: list[bytes]
    ) -> bool:
        """True when a record with this eventID and equal content is already stored.

        Rows at or after ``pending_from`` belong to the batch being added; their bytes are in ``pending``.
        """
        first = self._by_event_id.get(event_id)
        if first is None:
            return False
        for row in self._shared_event_ids.get(event_id, (first,)):
            stored = pending[row - pending_from] if row >= pending_from else self.raw(row)
            if stored == raw or orjson.loads(stored) == record:
                return True
        return False

    # -- reading -----------------------------------------------------------------------------------

    def _locate(self, row: int) -> tuple[Chunk, int]:
        k = bisect.bisect_right(self._chunk_starts, row) - 1
        chunk = self.chunks[k]
        return chunk, row - chunk.first_row

    def raw(self, row: int) -> bytes:
        """The record's compact JSON bytes."""
        chunk, j = self._locate(row)
        offsets = chunk.offsets
        return chunk.blob[offsets[j] : offsets[j + 1]]

    def record(self, row: int) -> Any:
        """The record as a fresh parsed value (safe to modify)."""
        return orjson.loads(self.raw(row))

    def records(self, rows: Iterable[int]) -> Iterator[Any]:
        """Parse the given rows in order (faster than :meth:`record` per row for runs of rows)."""
        loads = orjson.loads
        chunks = self.chunks
        starts = self._chunk_starts
        chunk: Optional[Chunk] = None
        lo = hi = -1
        for row in rows:
            if not (lo <= row < hi):
                chunk = chunks[bisect.bisect_right(starts, row) - 1]
                lo = chunk.first_row
                hi = lo + len(chunk.offsets) - 1
            assert chunk is not None
            j = row - lo
            offsets = chunk.offsets
            yield loads(chunk.blob[offsets[j] : offsets[j + 1]])

    def raws(self, rows: Sequence[int]) -> Iterator[bytes]:
        """:meth:`raw` for many rows, in the order given."""
        raw = self.raw
        for row in rows:
            yield raw(row)

    def display(self, field: str, rows: Sequence[int]) -> list[str]:
        """One display field for ``rows``, in the order given."""
        column = self.fields[field]
        return [column[row] for row in rows]

    def filter(self, query: Any, *, n: Optional[int] = None, cancelled: Optional[Callable[[], bool]] = None,
               within: Optional[Sequence[int]] = None,
               progress: Optional[Callable[[int, int], None]] = None) -> Any:
        """Plan over the indexes, then jq per candidate event (see :mod:`trailtui.engine.memory_filter`)."""
        from .memory_filter import run_filter

        return run_filter(self, query, n=n, cancelled=cancelled, within=within, progress=progress)

    def order(self, rows: Sequence[int], field: str, descending: bool = False) -> Sequence[int]:
        """``rows`` sorted by a display field (stable both ways)."""
        return self.sorted_rows(rows, key=field, descending=descending)

    def close(self) -> None:
        """Nothing to release: the events live in this process's memory."""

    def field(self, name: str) -> list[str]:
        """One display field for every row (index by row number)."""
        return self.fields[name]

    def row_of_event_id(self, event_id: str) -> Optional[int]:
        """The first row holding this eventID, or None."""
        return self._by_event_id.get(event_id)

    def source_of(self, row: int) -> Source:
        """The source a row came from."""
        return self.sources[self.row_source[row]]

    def provenance(self, row: int) -> str:
        """A one-line provenance: ``path (location)``, plus any envelope id."""
        source = self.source_of(row)
        text = f"{source.path} ({self.row_location[row]})"
        envelope = self.envelopes.get(row)
        if envelope:
            extra = ", ".join(f"{k}={v}" for k, v in envelope.items() if isinstance(v, (str, int)))
            if extra:
                text += f" [{extra}]"
        if row in self.partial_rows:
            text += " [partial: CloudTrail Lake row]"
        return text

    # -- ordering ----------------------------------------------------------------------------------

    def sorted_rows(
        self,
        rows: Optional[Sequence[int]] = None,
        key: str = "time",
        descending: bool = False,
        key_func: Optional[Callable[[int], Any]] = None,
    ) -> array:
        """Rows ordered by a display field (stable: ties keep load order), as an array.

        ``rows`` defaults to every row. ``key_func`` (row -> sortable) overrides ``key``.
        """
        if rows is None:
            rows = range(self._count)
        getter = key_func if key_func is not None else self.fields[key].__getitem__
        # sorted(reverse=True) keeps ties in their original (load) order too: the sort is stable both ways.
        return array("I", sorted(rows, key=getter, reverse=descending))

    def path_counts(self, sample: int = 20000) -> dict[str, int]:
        """How many events hold each jq path (objects only), counted over up to ``sample`` rows.

        Used for completion in the filter bar. Counts are exact when the store has at most ``sample``
        rows; otherwise they are scaled from an even sample and rounded.
        """
        n = self._count
        if n == 0:
            return {}
        step = max(1, n // sample)
        return count_paths(self.records(range(0, n, step)), step)


def count_paths(records: Iterable[Any], step: int) -> dict[str, int]:
    """How many of ``records`` hold each jq path, times ``step`` (the sampling stride) when above 1."""
    counts: dict[str, int] = {}
    for record in records:
        seen: set[str] = set()
        _collect_paths(record, "", seen, 0)
        for path in seen:
            counts[path] = counts.get(path, 0) + 1
    if step > 1:
        counts = {path: count * step for path, count in counts.items()}
    return counts


def _collect_paths(value: Any, prefix: str, out: set[str], depth: int) -> None:
    if type(value) is not dict or depth > 6:
        return
    for key, child in value.items():
        path = f"{prefix}.{key}" if key.isidentifier() else f'{prefix}."{key}"'
        out.add(path)
        _collect_paths(child, path, out, depth + 1)


def _dumps_exact(dumps: Callable[[Any], bytes], record: Any) -> bytes:
    """orjson.dumps, falling back to the stdlib for values orjson refuses (integers beyond 64 bits)."""
    try:
        return dumps(record)
    except TypeError:
        import json

        return json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode()


def build_store(paths: Sequence[str], **load_options: Any) -> tuple[EventStore, list[Any]]:
    """Load ``paths`` into a new store; returns the store and the non-batch loader items (problems etc.)."""
    from .loader import load

    store = EventStore()
    other: list[Any] = []
    for item in load(paths, **load_options):
        if isinstance(item, RecordBatch):
            store.add_batch(item)
        else:
            other.append(item)
    return store, other
