"""The DuckDB backend: the tables of ``schema.py`` in one database file, answering every method of
:class:`trailtui.engine.backend.Backend` exactly as the in-memory :class:`~trailtui.engine.store.EventStore`
does (the tests compare them).

Database file: a finished cache database (``cache.py``, opened read-only and shareable between processes),
or a file being built (the cache's build file, or a private temporary file with ``cache=False``, stdin, a
busy lock or too little disk space). A load appends to a writable file; when a load over cacheable inputs
completes, the file is checkpointed, renamed into the cache and reopened read-only.

Threads: the load runs in one thread (its inserts use the main connection). Any other thread reads through
``backend.con``, which gives the calling thread its own cursor (DuckDB cursors on one database may run
concurrently). Wrap queries in ``with backend.reading():`` — the end of a load swaps the connection (closing
the old one), and waits for readers inside ``reading()`` to leave first. Rows below ``len(backend)`` are
committed and never change, as the protocol says.

Reads: the table view asks for ~50-200 rows at a time, so ``display``/``raws`` fetch aligned blocks and keep
the last ones (only blocks entirely below ``len()``, which cannot change); large requests join a registered
Arrow table of the wanted rows instead of one query per block.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
from array import array
from collections import OrderedDict
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Optional, Sequence

import orjson
import pyarrow as pa
import pyarrow.compute as pc

from .. import jsonvalues
from ..rowarrays import row_array, uint_rows
from ..model import DigestSkipped, Problem, Progress, Source, SourceDone, StoredBatch
from . import cache as cachefs
from . import pathvalues
from .ingest import LOCAL_FIRST_MAX, InputSlot, WorkerPool, encode_input, read_ipc, worker_count
from .schema import DISPLAY_COLUMNS, SCHEMA_VERSION, create_statements

Cancelled = Optional[Callable[[], bool]]

DISPLAY_BLOCK = 512
RAW_BLOCK = 64
CACHED_BLOCKS = 96
BULK = 2048
"""Requests of more rows than this join a registered row table instead of reading blocks."""
SCATTERED = 8
"""Requests touching more blocks than this (rows spread over the store: a width sample, a sorted view's page)
are read in one query too: a query per block would run hundreds of queries."""
CELLS_IN_SQL = 2048
"""Requests for fewer rows than this compute a projection's cells with jq (``projected_cells``): one SQL
query costs 20-40 ms whatever its size (measured at 200,000 events), jq about 15 µs a row once the
records are read."""
ROW_GROUP = 122880
"""DuckDB's row group: an insert of at least this many rows is written straight to the database file;
smaller ones go through the write-ahead log and are written again at each checkpoint (measured: ~10x
the cost per row)."""
SHIPPED_COLUMNS = ["row", "raw", *DISPLAY_COLUMNS.values(), "is_object", "src", "position", "location", "partial"]
"""``events`` columns that arrive from the workers; the ``v_`` columns are computed at insert (``pathvalues``)."""
_INSERT_COLUMNS = ", ".join(f'"{c}"' for c in [*SHIPPED_COLUMNS, *pathvalues.NAMES])
_DISPLAY_SELECT = ", ".join(DISPLAY_COLUMNS.values())


def memory_limit() -> str:
    """DuckDB's memory cap: ``TRAILTUI_DUCKDB_MEMORY`` (a DuckDB size like ``800MB``), else 40 % of RAM up to
    1 GB (the 2 GB budget at a million events also holds the workers and the Python side); beyond it DuckDB
    spills to its temporary directory."""
    text = os.environ.get("TRAILTUI_DUCKDB_MEMORY", "").strip()
    if text:
        return text
    try:
        ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        ram = 4 << 30
    return f"{min(int(ram * 0.4), 1 << 30) >> 20}MB"


class _Gate:
    """Many readers at once, or the connection swap alone (per-thread re-entrant for readers)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._swapping = False
        self._local = threading.local()

    @contextmanager
    def reading(self) -> Iterator[None]:
        depth = getattr(self._local, "depth", 0)
        if depth == 0:
            with self._cond:
                while self._swapping:
                    self._cond.wait()
                self._readers += 1
        self._local.depth = depth + 1
        try:
            yield
        finally:
            self._local.depth = depth
            if depth == 0:
                with self._cond:
                    self._readers -= 1
                    self._cond.notify_all()

    @contextmanager
    def swapping(self) -> Iterator[None]:
        with self._cond:
            while self._swapping:
                self._cond.wait()
            self._swapping = True
            while self._readers:
                self._cond.wait()
        try:
            yield
        finally:
            with self._cond:
                self._swapping = False
                self._cond.notify_all()


class ColumnarBackend:
    """Events in DuckDB (see the module docstring)."""

    name = "duckdb"

    def __init__(self, dedupe: bool = True, cache: bool = True, workers: Optional[int] = None) -> None:
        self.dedupe = dedupe
        self.use_cache = cache
        self.workers = workers or worker_count()
        self._count = 0
        self._next_row = 0
        self._duplicates = 0
        self._sources: list[Source] = []
        self._items: list[dict[str, Any]] = []
        """Non-row load items (problems, digests, finished sources), replayed when the cache is reopened."""
        self._parts: list[Any] = []
        self._complete = True
        self._seen: Optional[set[int]] = None
        self._tmp = Path(tempfile.mkdtemp(prefix="trailtui-duckdb-"))
        self._db_path: Optional[Path] = None
        self._owned = False
        """The database file is ours to delete on close (not a finished cache database)."""
        self._read_only = False
        self._con: Any = None
        self._epoch = 0
        self._local = threading.local()
        self._gate = _Gate()
        self._display_cache: OrderedDict[int, tuple[int, list[list[str]]]] = OrderedDict()
        self._raw_cache: OrderedDict[int, tuple[int, list[bytes]]] = OrderedDict()
        """Block number -> (rows held up to, the block's values): see ``_block``."""
        self._cache_lock = threading.Lock()
        self._pending: list[tuple[pa.Table, pa.Table, pa.Table]] = []
        self._pending_rows = self._pending_bytes = 0
        self._flush_rows = 0
        self._flush_bytes = _size_bytes(memory_limit()) // 2
        """Insert before the staged rows' Arrow size reaches this: an insert's rows must fit in DuckDB's memory."""
        self._insert_rows = max(256, _size_bytes(memory_limit()) // (16 << 10))
        """Most rows per INSERT statement: one row per 16 KB of DuckDB's cap from the start (65,536 at 1 GB),
        lowered further when DuckDB runs out of memory (see ``_insert``). Starting small matters: under a tiny
        cap an out-of-memory error can arrive as a fatal one that invalidates the database, with nothing left to
        retry on (seen at 40 MB under a loaded machine)."""
        self.cache_path: Optional[Path] = None
        """The finished cache database in use, if any."""

    # -- connections -------------------------------------------------------------------------------

    def _connect(self, path: Path, read_only: bool) -> Any:
        import duckdb

        spill = self._tmp / "spill"
        spill.mkdir(exist_ok=True)
        # DuckDB's JSON functions hold a buffer of ~16 MB per thread: under a cap of a few hundred MB one thread
        # leaves the rest of the cap to the data.
        small = _size_bytes(memory_limit()) < (256 << 20)
        config = {"threads": "1" if small else "2", "memory_limit": memory_limit(), "temp_directory": str(spill),
                  "preserve_insertion_order": "true"}
        if small and not read_only:
            # An automatic checkpoint at a COMMIT must pin blocks while the insert's buffers are still held;
            # under a tiny cap that fails as a fatal error that invalidates the database. The load's own
            # CHECKPOINT at the end runs with nothing else held.
            config["checkpoint_threshold"] = "16GB"
        con = duckdb.connect(str(path), read_only=read_only, config=config)
        _quiet(con)
        return con

    def _use(self, path: Path, read_only: bool, owned: bool) -> None:
        """Switch to the database at ``path`` (the caller holds the gate or no reader can exist yet)."""
        self._con = self._connect(path, read_only)
        self._db_path = path
        self._read_only = read_only
        self._owned = owned
        self._epoch += 1

    def _ensure_db(self) -> None:
        if self._con is None:
            path = self._tmp / "empty.duckdb"
            self._use(path, False, True)
            for statement in create_statements():
                self._con.execute(statement)

    @property
    def con(self) -> Any:
        """A DuckDB cursor for the calling thread (see the module docstring: use it inside ``reading()``)."""
        self._ensure_db()
        local = self._local
        if getattr(local, "epoch", None) != self._epoch:
            local.cursor = _quiet(self._con.cursor())
            local.epoch = self._epoch
        return local.cursor

    def reading(self) -> Any:
        """Context manager: the connection is not swapped while inside (see the module docstring)."""
        return self._gate.reading()

    def _fetch(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        with self.reading():
            return self.con.execute(sql, list(params)).fetchall()

    # -- the protocol's counters -------------------------------------------------------------------

    def __len__(self) -> int:
        return self._count

    @property
    def duplicates(self) -> int:
        return self._duplicates

    # -- loading -----------------------------------------------------------------------------------

    def load(self, paths: Sequence[str], *, cancelled: Cancelled = None, stdin: Any = None) -> Iterator[Any]:
        """Read ``paths`` in worker processes into the database (see ``ingest.py``), reopening a cached
        database instead when these inputs were loaded before."""
        from ..loader import expand_paths

        if isinstance(paths, (str, bytes, os.PathLike)):
            paths = [paths]
        slots: list[InputSlot] = []
        for item in expand_paths(paths):
            if isinstance(item, Problem):
                slots.append(InputSlot(item.path, problem=item))
            else:
                slots.append(InputSlot(item.path, item.size, stdin=item.fs_path is None))
        readable = [s for s in slots if s.problem is None and not s.stdin]
        if len(readable) > 1 and readable[0].size <= LOCAL_FIRST_MAX:
            readable[0].local = True
        parts = [cachefs.input_part(s.path, s.problem is not None) for s in slots]
        root: Optional[Path] = None
        if self.use_cache and self._complete and not any(s.stdin for s in slots):
            try:
                root = cachefs.private_dir(cachefs.cache_root())
            except (cachefs.CacheUnavailable, OSError) as exc:
                yield Problem("", f"{exc}; loading without the cache", fatal=False)
        key = cachefs.fingerprint(self._parts + parts, self.dedupe) if root is not None else ""
        if root is not None and self._count == 0 and not self._parts:
            final = root / (key + cachefs.SUFFIX)
            if final.exists():
                reason = self._open_cached(final, key)
                if reason is None:
                    self._parts = parts
                    yield from self._replay()
                    return
                yield Problem(str(final), f"the cache {final} could not be read ({reason}); rebuilding it",
                              fatal=False)
                try:
                    final.unlink()
                except OSError:
                    pass
        lock: Optional[cachefs.BuildLock] = None
        target = self._tmp / f"db{self._epoch + 1}.duckdb"
        if root is not None:
            cachefs.remove_stale_builds(root)
            lock = cachefs.BuildLock(root, key)
            files = [s.path for s in slots if s.problem is None]
            if not lock.held:
                lock = None  # another process is building these inputs: build privately
            elif cachefs.free_bytes(root) < cachefs.estimated_size(files):
                yield Problem("", f"not enough free disk space for the cache in {root}; loading without it",
                              fatal=False)
                lock.close()
                lock = None
            else:
                target = root / f"{key}.{os.getpid()}.building"
        self._parts = self._parts + parts
        completed = False
        try:
            self._start_build(target)
            yield from self._ingest(slots, cancelled, stdin)
            completed = not (cancelled is not None and cancelled())
        except Exception as exc:  # noqa: BLE001 - a database error (disk full) ends the load cleanly
            yield Problem("", f"loading stopped: {_one_line(exc)}", fatal=True)
        finally:
            self._end_build(completed, lock is not None, root, key)
            if lock is not None:
                lock.close()

    def _open_cached(self, final: Path, key: str) -> Optional[str]:
        """Open a finished cache database; None when it is good, else why not."""
        import duckdb

        try:
            con = self._connect(final, True)
        except duckdb.Error as exc:
            return _one_line(exc)
        try:
            meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
            if meta.get("schema_version") != str(SCHEMA_VERSION) or meta.get("fingerprint") != key:
                return "it belongs to other inputs or another version"
            if meta.get("complete") != "1":
                return "it is incomplete"
            count = con.execute("SELECT count(*) FROM events").fetchone()[0]
            if str(count) != meta.get("count"):
                return "its row count does not match"
            sources = con.execute(
                "SELECT id, path, shape, compressed, size, meta, events, skipped FROM sources ORDER BY id").fetchall()
            items = orjson.loads(meta.get("items", "[]"))
            duplicates = int(meta.get("duplicates", "0"))
        except (duckdb.Error, ValueError, orjson.JSONDecodeError) as exc:
            con.close()
            return _one_line(exc)
        self._con = con
        self._db_path = final
        self._read_only = True
        self._owned = False
        self._epoch += 1
        self.cache_path = final
        self._sources = [Source(path=p, shape=shape or "", compressed=bool(c), size=size or 0,
                                meta=orjson.loads(m) if m else {}, events=ev or 0, skipped=sk or 0)
                         for _id, p, shape, c, size, m, ev, sk in sources]
        self._items = items
        self._duplicates = duplicates
        self._count = self._next_row = int(count)
        cachefs.touch(final)
        return None

    def _replay(self) -> Iterator[Any]:
        started = time.monotonic()
        for entry in self._items:
            item = _item_from_json(entry, self._sources)
            if item is not None:
                yield item
        if self._count:
            yield StoredBatch(self._sources[0] if self._sources else Source("-"), [], [], [], first_row=0,
                              count=self._count)
        files = sum(1 for e in self._items if e["type"] == "done")
        size = sum(e.get("size", 0) for e in self._items if e["type"] == "done")
        yield Progress(files, files, size, size, self._count, time.monotonic() - started)

    def _start_build(self, target: Path) -> None:
        """Make ``target`` the writable database, carrying over the rows already loaded."""
        if self._con is not None and self._db_path == target:
            return
        with self._gate.swapping():
            if self._con is None:
                self._use(target, False, True)
                for statement in create_statements():
                    self._con.execute(statement)
                return
            old, owned = self._db_path, self._owned
            if not self._read_only:
                self._con.execute("CHECKPOINT")
            self._con.close()
            assert old is not None
            if owned:
                shutil.move(str(old), str(target))
            else:
                shutil.copyfile(old, target)
            self._use(target, False, True)
            self.cache_path = None

    def _end_build(self, completed: bool, cacheable: bool, root: Optional[Path], key: str) -> None:
        """Record sources and meta; on a complete cacheable load, move the file into the cache."""
        if not completed:
            self._complete = False
        con = self._con
        if con is None:
            return
        try:
            self._flush()
            con.execute("BEGIN")
            con.execute("DELETE FROM sources")
            if self._sources:
                con.executemany("INSERT INTO sources VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [
                    (i, s.path, s.shape, s.compressed, s.size, orjson.dumps(s.meta).decode(), s.events, s.skipped)
                    for i, s in enumerate(self._sources)])
            meta = {"schema_version": str(SCHEMA_VERSION), "fingerprint": key,
                    "complete": "1" if self._complete else "0", "count": str(self._count),
                    "duplicates": str(self._duplicates), "dedupe": "1" if self.dedupe else "0",
                    "items": orjson.dumps(self._items).decode()}
            con.execute("DELETE FROM meta")
            con.executemany("INSERT INTO meta VALUES (?, ?)", list(meta.items()))
            con.execute("COMMIT")
        except Exception:  # noqa: BLE001 - the rows stay readable; only the cache is given up
            self._complete = False
            try:
                con.execute("ROLLBACK")
            except Exception:  # noqa: BLE001
                pass
            return
        if not (cacheable and self._complete and root is not None and self._db_path is not None):
            return
        final = root / (key + cachefs.SUFFIX)
        with self._gate.swapping():
            building = self._db_path
            try:
                con.execute("CHECKPOINT")
                con.close()
                os.replace(building, final)
            except Exception:  # noqa: BLE001 - keep working on the build file
                self._use(building, False, True)
                return
            self._use(final, True, False)
            self.cache_path = final
        cachefs.evict(root, keep=final)

    def _ingest(self, slots: list[InputSlot], cancelled: Cancelled, stdin: Any) -> Iterator[Any]:
        started = time.monotonic()
        files_total = sum(1 for s in slots if s.problem is None)
        bytes_total = sum(s.size for s in slots if s.problem is None)
        files_done = bytes_done = current = events = 0
        last_tick = started
        self._announced = self._count
        pool = WorkerPool(slots, self.workers)
        try:
            for k, slot in enumerate(slots):
                if cancelled is not None and cancelled():
                    break
                if slot.problem is not None:
                    self._items.append(_item_to_json(slot.problem, None))
                    yield slot.problem
                    continue
                if slot.stdin or slot.local:
                    import sys

                    messages = encode_input(k, slot.path, stdin=(stdin or sys.stdin.buffer) if slot.stdin else None,
                                            cancelled=cancelled)
                else:
                    messages = pool.messages(k, cancelled)
                local_ids: list[int] = []
                for message in messages:
                    kind = message[0]
                    if kind == "rows":
                        events += message[2]
                        self._stage(read_ipc(message[3]), read_ipc(message[4]), read_ipc(message[5]), local_ids)
                        if self._pending_rows >= self._flush_rows or self._pending_bytes >= self._flush_bytes \
                                or self._count == 0:
                            yield from self._flush_batch()
                    elif kind == "source":
                        local_ids.append(len(self._sources))
                        self._sources.append(message[3])
                    elif kind == "item":
                        item = message[3]
                        gid = local_ids[message[2]] if message[2] is not None else None
                        if gid is not None:
                            self._sources[gid] = item.source
                        self._items.append(_item_to_json(item, gid))
                        yield item
                    elif kind == "bytes":
                        current = message[2]
                    now = time.monotonic()
                    if now - last_tick >= 0.25:
                        last_tick = now
                        yield Progress(files_done, files_total, min(bytes_done + current, bytes_total),
                                       bytes_total, events, now - started)
                    if cancelled is not None and cancelled():
                        break
                else:
                    files_done += 1
                    bytes_done += slot.size
                    current = 0
                    continue
                break
            yield from self._flush_batch()
            yield Progress(files_done, files_total, bytes_done, bytes_total, events, time.monotonic() - started)
        finally:
            pool.close()

    # -- staging rows ------------------------------------------------------------------------------

    def _stage(self, events: pa.Table, keys: pa.Table, envs: pa.Table, local_ids: list[int]) -> None:
        """Number a worker's rows, drop duplicates, and queue them for the next insert."""
        n = events.num_rows
        if n == 0:
            return
        drop = self._duplicate_positions(events) if self.dedupe else []
        first = self._next_row
        if drop:
            dropped = set(drop)
            new_pos = []
            kept = 0
            for i in range(n):
                if i in dropped:
                    new_pos.append(None)
                else:
                    new_pos.append(first + kept)
                    kept += 1
            mapping = pa.array(new_pos, pa.uint64())
            events = events.filter(pa.array([p is not None for p in new_pos]))
            self._duplicates += len(drop)
            keys = _remap(keys, mapping)
            envs = _remap(envs, mapping)
        else:
            kept = n
            keys = keys.append_column("row", pc.add(keys["lrow"].cast(pa.uint64()), pa.scalar(first, pa.uint64())))
            envs = envs.append_column("row", pc.add(envs["lrow"].cast(pa.uint64()), pa.scalar(first, pa.uint64())))
        src = pc.take(pa.array(local_ids, pa.uint32()), events["srcl"])
        events = events.append_column("row", pa.array(range(first, first + kept), pa.uint64()))
        events = events.append_column("src", src)
        self._next_row = first + kept
        self._pending.append((events, keys, envs))
        self._pending_rows += kept
        self._pending_bytes += 2 * events.nbytes  # the v_ columns computed at insert hold about raw's size again

    def _duplicate_positions(self, events: pa.Table) -> list[int]:
        """Positions in ``events`` that exactly duplicate a stored row or an earlier row of ``events``."""
        seen = self._seen_ids()
        eids = events["d_event_id"].to_pylist()
        hashes = {hash(e) for e in eids if e}
        present = sum(1 for e in eids if e)
        if len(hashes) == present and seen.isdisjoint(hashes):
            seen.update(hashes)
            return []
        prior = {e for e in eids if e and hash(e) in seen}
        stored: dict[str, list[str]] = {}
        if prior:
            self._flush()
            table = pa.table({"eid": pa.array(sorted(prior), pa.string())})
            con = self._con
            con.register("trailtui_prior", table)
            try:
                for eid, raw in con.execute(
                        "SELECT d_event_id, raw FROM events WHERE d_event_id IN (SELECT eid FROM trailtui_prior)"
                        " ORDER BY row").fetchall():
                    stored.setdefault(eid, []).append(raw)
            finally:
                con.unregister("trailtui_prior")
        raws = events["raw"]
        here: dict[str, list[int]] = {}
        drop: list[int] = []
        for i, e in enumerate(eids):
            if not e:
                continue
            earlier = stored.get(e)
            mine = here.get(e)
            if earlier or mine:
                raw = raws[i].as_py()
                if any(_same(other, raw) for other in earlier or ()) or any(
                        _same(raws[j].as_py(), raw) for j in mine or ()):
                    drop.append(i)
                    continue
            seen.add(hash(e))
            here.setdefault(e, []).append(i)
        return drop

    def _seen_ids(self) -> set[int]:
        if self._seen is None:
            self._seen = set()
            if self._count:
                for (eid,) in self._con.execute("SELECT DISTINCT d_event_id FROM events WHERE d_event_id <> ''").fetchall():
                    self._seen.add(hash(eid))
        return self._seen

    def _flush(self) -> None:
        """Insert the staged rows (one transaction); ``len()`` moves after it commits."""
        if not self._pending:
            return
        events = pa.concat_tables([e for e, _, _ in self._pending])
        keys = pa.concat_tables([k for _, k, _ in self._pending])
        envs = pa.concat_tables([v for _, _, v in self._pending])
        con = self._con
        con.register("trailtui_events", events)
        con.register("trailtui_keys", keys)
        con.register("trailtui_envs", envs)
        names = ["trailtui_events", "trailtui_keys", "trailtui_envs"]
        try:
            self._insert(con, events, keys.num_rows > 0, envs.num_rows > 0, names)
        except Exception:
            try:
                con.execute("ROLLBACK")
            except Exception:  # noqa: BLE001
                pass
            self._pending = []
            self._next_row = self._count
            self._pending_rows = 0
            raise
        finally:
            for name in names:
                con.unregister(name)
        self._pending = []
        self._pending_rows = self._pending_bytes = 0
        self._count = self._next_row
        # The first rows show at once; later inserts double in size up to a row group.
        self._flush_rows = min(ROW_GROUP, max(4096, 2 * self._count))

    def _insert(self, con: Any, events: pa.Table, keys: bool, envs: bool, names: list[str]) -> None:
        """One transaction inserting ``events`` (their ``v_`` columns computed by DuckDB, see ``_fix_inexact``)
        and the registered keys and envelopes. DuckDB's JSON functions take memory per row of a vector: under
        a small memory cap the work is retried in slices a quarter the size (remembered for later inserts)."""
        import duckdb

        names.append("trailtui_slice")
        while True:
            size = min(self._insert_rows, events.num_rows) or 1
            try:
                con.execute("BEGIN")
                for start in range(0, events.num_rows, size):
                    con.register("trailtui_slice", events.slice(start, size))
                    table, fixed = self._fix_inexact(con, events.slice(start, size))
                    if fixed:
                        con.register("trailtui_slice", table)
                    con.execute(f"INSERT INTO events ({_INSERT_COLUMNS}) "
                                + pathvalues.insert_select("trailtui_slice", SHIPPED_COLUMNS, fixed=fixed))
                if keys:
                    con.execute("INSERT INTO keys SELECT kind, key, row FROM trailtui_keys")
                if envs:
                    con.execute("INSERT INTO envelopes SELECT row, envelope FROM trailtui_envs")
                con.execute("COMMIT")
                return
            except duckdb.OutOfMemoryException:
                con.execute("ROLLBACK")
                if size <= 64:
                    raise
                self._insert_rows = max(64, size // 4)

    @staticmethod
    def _fix_inexact(con: Any, events: pa.Table) -> tuple[pa.Table, bool]:
        """The rows to insert (``events``, registered as ``trailtui_slice``), and whether they carry fixes: when
        DuckDB's JSON text of some records differs from ``raw`` (``pathvalues.INEXACT``: rare number spellings,
        control characters), a ``fix`` flag and ``fix_<v_ column>`` columns holding those rows' ``v_`` values
        as Python encodes them."""
        found = con.execute(f"SELECT row, raw FROM trailtui_slice WHERE {pathvalues.INEXACT}").fetchall()
        if not found:
            return events, False
        fixes = {row: pathvalues.python_values(jsonvalues.loads(raw)) for row, raw in found}
        position = {row: j for j, row in enumerate(events["row"].to_pylist())}
        n = events.num_rows
        flags = [False] * n
        for row in fixes:
            flags[position[row]] = True
        fixed = events.append_column("fix", pa.array(flags, pa.bool_()))
        for i, name in enumerate(pathvalues.NAMES):
            values: list[Optional[bytes]] = [None] * n
            for row, cells in fixes.items():
                values[position[row]] = cells[i]
            fixed = fixed.append_column(f"fix_{name}", pa.array(values, pa.binary()).view(pa.string()))
        return fixed, True

    def _flush_batch(self) -> Iterator[Any]:
        """Insert staged rows and announce every row not announced yet (a dedupe lookup may have inserted)."""
        self._flush()
        before = self._announced
        if self._count > before:
            self._announced = self._count
            source = self._sources[-1] if self._sources else Source("-")
            yield StoredBatch(source, [], [], [], first_row=before, count=self._count - before)

    # -- reading -----------------------------------------------------------------------------------

    def raw(self, row: int) -> bytes:
        return next(self.raws([row]))

    def raws(self, rows: Sequence[int]) -> Iterator[bytes]:
        rows = rows if isinstance(rows, (list, range, array, tuple)) else list(rows)
        if len(rows) > BULK or _scattered(rows, RAW_BLOCK):
            for start in range(0, len(rows), 8 * BULK):
                yield from self._bulk_raws(rows[start : start + 8 * BULK])
            return
        for row in rows:
            block = self._block(self._raw_cache, row // RAW_BLOCK, RAW_BLOCK, self._load_raw_block, row)
            yield block[row % RAW_BLOCK]

    def _load_raw_block(self, lo: int, hi: int) -> list[bytes]:
        return [r.encode() for (r,) in self._fetch(
            "SELECT raw FROM events WHERE row >= ? AND row < ? ORDER BY row", (lo, hi))]

    def _bulk_raws(self, rows: Sequence[int]) -> list[bytes]:
        lo, hi = min(rows), max(rows) + 1
        if hi - lo <= 2 * len(rows):
            found = self._load_raw_block(lo, hi)
            return [found[row - lo] for row in rows]
        return [r.encode() for (r,) in self._fetch_joined("e.raw", rows)]

    def _fetch_joined(self, select: str, rows: Sequence[int]) -> list[tuple]:
        """``select`` over ``events e`` for ``rows``, in the order given (one join, not one query per row)."""
        wanted = pa.table({"pos": row_array(range(len(rows))), "row": row_array(rows)})
        with self.reading():
            con = self.con
            con.register("trailtui_wanted", wanted)
            try:
                return con.execute(f"SELECT {select} FROM trailtui_wanted w JOIN events e ON e.row = w.row"
                                   " ORDER BY w.pos").fetchall()
            finally:
                con.unregister("trailtui_wanted")

    def records(self, rows: Iterable[int]) -> Iterator[Any]:
        loads = orjson.loads
        if not isinstance(rows, (list, range, array, tuple)):
            rows = list(rows)
        for start in range(0, len(rows), 8 * BULK):
            for raw in self.raws(rows[start : start + 8 * BULK]):
                yield _loads(loads, raw)

    def record(self, row: int) -> Any:
        return _loads(orjson.loads, self.raw(row))

    def display(self, field: str, rows: Sequence[int]) -> list[str]:
        index = list(DISPLAY_COLUMNS).index(field)  # ValueError for an unknown field
        if len(rows) > BULK or _scattered(rows, DISPLAY_BLOCK):
            return self._display_bulk([field], rows)[0]
        out = []
        for row in rows:
            block = self._block(self._display_cache, row // DISPLAY_BLOCK, DISPLAY_BLOCK, self._load_display_block, row)
            out.append(block[index][row % DISPLAY_BLOCK])
        return out

    def display_fields(self, fields: Sequence[str], rows: Sequence[int]) -> list[list[str]]:
        """``display(field, rows)`` for each of ``fields``; rows spread over the store (a sorted view's page)
        are read in one query for every field rather than one per field."""
        if not (len(rows) > BULK or _scattered(rows, DISPLAY_BLOCK)):
            return [self.display(field, rows) for field in fields]
        return self._display_bulk(fields, rows)

    def _display_bulk(self, fields: Sequence[str], rows: Sequence[int]) -> list[list[str]]:
        """The display ``fields`` of many or scattered ``rows`` in one query: a range scan when the rows are
        dense in their span, else a join on the wanted rows."""
        columns = [DISPLAY_COLUMNS[field] for field in fields]  # KeyError for an unknown field
        lo, hi = min(rows), max(rows) + 1
        if hi - lo <= 2 * len(rows):
            found = self._fetch(f"SELECT {', '.join(columns)} FROM events WHERE row >= ? AND row < ? ORDER BY row", (lo, hi))
            picked = [found[row - lo] for row in rows]
        else:
            picked = self._fetch_joined(", ".join(f"e.{c}" for c in columns), rows)
        return [list(values) for values in zip(*picked)] if picked else [[] for _ in fields]

    def _load_display_block(self, lo: int, hi: int) -> list[list[str]]:
        fetched = self._fetch(f"SELECT {_DISPLAY_SELECT} FROM events WHERE row >= ? AND row < ? ORDER BY row", (lo, hi))
        return [list(column) for column in zip(*fetched)] if fetched else [[] for _ in DISPLAY_COLUMNS]

    def _block(self, store: OrderedDict, block: int, size: int, load: Callable[[int, int], Any], row: int) -> Any:
        """Block ``block`` (rows ``block * size`` onwards) holding ``row``, from ``store`` when a cached copy holds
        it. A block read while a load runs may be partial (it ends at ``len()``); it is cached too, since
        committed rows never change, and read again only for a row past its end. (Not caching partial blocks
        made every painted cell a query while a small input loaded: seconds per key.)"""
        with self._cache_lock:
            cached = store.get(block)
            if cached is not None and row < cached[0]:
                store.move_to_end(block)
                return cached[1]
        lo = block * size
        hi = min(lo + size, self._count)
        found = load(lo, hi)
        with self._cache_lock:
            store[block] = (hi, found)
            store.move_to_end(block)
            while len(store) > CACHED_BLOCKS:
                store.popitem(last=False)
        return found

    def source_of(self, row: int) -> Source:
        (src,) = self._fetch("SELECT src FROM events WHERE row = ?", (row,))[0]
        return self._sources[src]

    def provenance(self, row: int) -> str:
        src, location, partial = self._fetch("SELECT src, location, partial FROM events WHERE row = ?", (row,))[0]
        text = f"{self._sources[src].path} ({location})"
        found = self._fetch("SELECT envelope FROM envelopes WHERE row = ?", (row,))
        envelope = orjson.loads(found[0][0]) if found else None
        if envelope:
            extra = ", ".join(f"{k}={v}" for k, v in envelope.items() if isinstance(v, (str, int)))
            if extra:
                text += f" [{extra}]"
        if partial:
            text += " [partial: CloudTrail Lake row]"
        return text

    def row_of_event_id(self, event_id: str) -> Optional[int]:
        if type(event_id) is not str or not event_id:
            return None
        (row,) = self._fetch("SELECT min(row) FROM events WHERE d_event_id = ? AND row < ?",
                             (event_id, self._count))[0]
        return None if row is None else int(row)

    def path_counts(self, sample: int = 20000) -> dict[str, int]:
        from ..store import count_paths

        n = self._count
        if n == 0:
            return {}
        step = max(1, n // sample)
        raws = self._fetch("SELECT raw FROM events WHERE row < ? AND row % ? = 0 ORDER BY row", (n, step))
        return count_paths((_loads(orjson.loads, r) for (r,) in raws), step)

    # -- questions ---------------------------------------------------------------------------------

    def filter(self, query: Any, *, n: Optional[int] = None, cancelled: Cancelled = None,
               within: Optional[Sequence[int]] = None, progress: Optional[Callable[[int, int], None]] = None) -> Any:
        """SQL where it means what jq means, jq on candidates otherwise (``filtering.run_filter``);
        ``progress(done, todo)`` follows jq's part."""
        from .filtering import run_filter

        return run_filter(self, query, n=n, cancelled=cancelled, within=within, progress=progress)

    def order_projection(self, rows: Sequence[int], query: Any, index: int, descending: bool = False) -> Any:
        """``rows`` sorted by the projection's cell ``index`` in one SQL query, in jq's order; None when SQL
        could order them differently (the session then sorts in Python)."""
        from .sorting import order_projection

        with self.reading():
            return order_projection(self, rows, query, index, descending)

    def projected_cells(self, query: Any, rows: Sequence[int]) -> Any:
        """For each of ``rows``, the cells ``query.cells_of`` gives, computed in one SQL query, or None where
        jq must compute that row (``cells.py``); None for the whole request when SQL cannot answer: a
        projection other than ``[e0, e1, …]`` (whose cells are then its one output), an item without an
        exact translation, or fewer than ``CELLS_IN_SQL`` rows (a page of the table: jq is quicker)."""
        if len(rows) < CELLS_IN_SQL:
            return None
        from .cells import projected_cells

        with self.reading():
            return projected_cells(self, query, rows)

    # -- facets and timeline (optional backend methods, see engine/facets.py and engine/timeline.py) --------

    def facet_counts(self, fields: Sequence[str], rows: Sequence[int]) -> list[dict[str, int]]:
        """Each display field's value counts over ``rows``, in one grouped scan."""
        from .facets import facet_counts

        return facet_counts(self, fields, rows)

    def path_counts_json(self, keys: tuple, rows: Sequence[int]) -> Any:
        """A stored jq path's values (JSON text) with counts over ``rows``, and the rows raising; None if not stored."""
        from .facets import path_counts_json

        return path_counts_json(self, keys, rows)

    def rows_containing(self, fields: Sequence[str], text: str, rows: Sequence[int]) -> Any:
        """The rows among ``rows`` whose display ``fields`` contain ``text`` (case-insensitive), as Arrow."""
        from .facets import rows_containing

        return rows_containing(self, fields, text, rows)

    def time_seconds(self, lo: int, hi: int) -> tuple:
        """Rows ``lo`` to ``hi``: each one's counted second (an Arrow int64 array, null when untimed) and
        whether it failed (an Arrow boolean array)."""
        from .facets import time_seconds

        return time_seconds(self, lo, hi)

    def order(self, rows: Sequence[int], field: str, descending: bool = False) -> Sequence[int]:
        column = DISPLAY_COLUMNS[field]
        direction = "DESC" if descending else "ASC"
        if not len(rows):
            return array("I")
        if isinstance(rows, range) and rows.step == 1:
            result = self._arrow(f"SELECT row FROM events WHERE row >= ? AND row < ? ORDER BY {column} {direction}, row",
                                 (rows.start, rows.stop))
        else:
            wanted = pa.table({"pos": row_array(range(len(rows))), "row": row_array(rows)})
            with self.reading():
                con = self.con
                con.register("trailtui_order", wanted)
                try:
                    result = con.sql(f"SELECT w.row FROM trailtui_order w JOIN events e ON e.row = w.row"
                                     f" ORDER BY e.{column} {direction}, w.pos").to_arrow_reader().read_all()
                finally:
                    con.unregister("trailtui_order")
        return uint_rows(result.column(0).cast(pa.uint32()))

    def _arrow(self, sql: str, params: Sequence[Any]) -> pa.Table:
        with self.reading():
            return self.con.sql(sql, params=list(params)).to_arrow_reader().read_all()

    def close(self) -> None:
        with self._gate.swapping():
            if self._con is not None:
                try:
                    self._con.close()
                except Exception:  # noqa: BLE001
                    pass
                self._con = None
                self._epoch += 1
            if self._owned and self._db_path is not None:
                for path in (self._db_path, Path(str(self._db_path) + ".wal")):
                    try:
                        path.unlink()
                    except OSError:
                        pass
            shutil.rmtree(self._tmp, ignore_errors=True)

    def __del__(self) -> None:  # pragma: no cover - best effort for forgotten backends
        try:
            if self._con is not None:
                self.close()
        except Exception:  # noqa: BLE001
            pass


# ---------------------------------------------------------------------------------------------------

def _scattered(rows: Sequence[int], block: int) -> bool:
    """Whether ``rows`` fall in more than :data:`SCATTERED` blocks of ``block`` rows."""
    if len(rows) <= SCATTERED:
        return False
    seen: set[int] = set()
    for row in rows:
        seen.add(row // block)
        if len(seen) > SCATTERED:
            return True
    return False


def _size_bytes(text: str) -> int:
    """``1536MB`` -> bytes (DuckDB size syntax: B, KB, MB, GB, TB; KiB... accepted too)."""
    units = {"": 1, "B": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
    text = text.strip().upper().replace("I", "")
    number = text.rstrip("KMGTB ")
    unit = text[len(number):].strip().rstrip("B")
    try:
        return int(float(number) * units.get(unit, 1))
    except ValueError:
        return 1536 << 20


def _quiet(con: Any) -> Any:
    """No progress bar: DuckDB would draw it on the terminal the screen owns."""
    con.execute("SET enable_progress_bar = false")
    return con


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _loads(loads: Callable[[Any], Any], raw: bytes) -> Any:
    try:
        return loads(raw)
    except orjson.JSONDecodeError:  # integers beyond 64 bits were stored by the stdlib encoder
        import json

        return json.loads(raw)


def _same(stored: str, raw: str) -> bool:
    """The in-memory store's duplicate test: equal bytes, or equal parsed content."""
    return stored == raw or _loads(orjson.loads, stored) == _loads(orjson.loads, raw)


def _remap(table: pa.Table, mapping: pa.Array) -> pa.Table:
    """Give ``table`` (with ``lrow``) the kept rows' numbers, dropping entries of dropped rows."""
    if table.num_rows == 0:
        return table.append_column("row", pa.array([], pa.uint64()))
    rows = pc.take(mapping, table["lrow"])
    table = table.append_column("row", rows)
    return table.filter(pc.is_valid(table["row"]))


def _item_to_json(item: Any, gid: Optional[int]) -> dict[str, Any]:
    if isinstance(item, Problem):
        return {"type": "problem", "path": item.path, "message": item.message, "fatal": item.fatal,
                "line": item.line, "offset": item.offset}
    if isinstance(item, DigestSkipped):
        return {"type": "digest", "path": item.path}
    s = item.source
    return {"type": "done", "src": gid, "path": s.path, "shape": s.shape, "compressed": s.compressed,
            "size": s.size, "meta": s.meta, "events": s.events, "skipped": s.skipped}


def _item_from_json(entry: dict[str, Any], sources: list[Source]) -> Any:
    kind = entry.get("type")
    if kind == "problem":
        return Problem(entry["path"], entry["message"], entry["fatal"], entry.get("line"), entry.get("offset"))
    if kind == "digest":
        return DigestSkipped(entry["path"])
    if kind == "done":
        gid = entry.get("src")
        if gid is not None and gid < len(sources):
            return SourceDone(sources[gid])
        return SourceDone(Source(entry["path"], entry["shape"], entry["compressed"], entry["size"], entry["meta"],
                                 entry["events"], entry["skipped"]))
    return None
