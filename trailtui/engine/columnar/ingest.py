"""Ingest for the columnar backend: the existing loader runs in worker processes, each record becomes one
row of Arrow columns there, and the parent only numbers rows, drops duplicates and inserts into DuckDB.

Why processes: parsing JSON and computing the display fields is Python work per event; in the caller's
process it would hold the GIL the screen needs. Two workers (the machine's cores) each read whole input
files with :func:`trailtui.engine.loader.load` and ship Arrow IPC bytes through a pipe.

Order: inputs are numbered in the order :func:`~trailtui.engine.loader.expand_paths` gives them. Workers
finish out of order; the parent consumes file ``k`` (streaming its messages as they arrive, so the first
rows of a huge file show early) and buffers later files until ``k`` is done. Rows are numbered in the
parent, so they follow load order whatever the workers did. The parent hands out at most ``WINDOW`` files
ahead of the one it consumes, which bounds the buffered messages.

Stdin (``-``) is read in the parent's process at its turn (a pipe cannot be handed to a worker).

Encoding (:class:`Encoder`) fills the columns that need Python: ``raw`` is the in-memory store's bytes,
``d_*`` is ``identity.extract_row``, ``keys`` holds the multi-valued derived keys, ``envelopes`` the wrapper
facts. The ``v_*`` path columns are computed by DuckDB from ``raw`` when the parent inserts
(``pathvalues.py``): per-event Python work stays in the workers and is kept to what only Python can do.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import time
from multiprocessing import connection as mpc
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Optional

import orjson
import pyarrow as pa

from .. import identity
from ..model import Problem, Progress, RecordBatch, Source, SourceDone
from ..pipes import recv as _recv, send as _send, start_worker
from ..store import MULTI_INDEXES, _dumps_exact
from .schema import DISPLAY_COLUMNS

LOCAL_FIRST_MAX = 4 << 20
"""The first input is read in the parent when it is at most this big (and more inputs follow)."""
WINDOW = 8
"""Files handed to workers beyond the one the parent is consuming."""
SEND_ROWS = 16384
"""A worker ships its encoded rows once it holds this many (or after ``SEND_SECONDS``)."""
SEND_SECONDS = 0.2
POLL_SECONDS = 0.05
"""How often the parent wakes to poll ``cancelled()`` while it waits for workers."""

_DISPLAY_NAMES = list(DISPLAY_COLUMNS.values())


# ------------------------------------------------------------------------------------------ encoding

class Encoder:
    """Accumulates encoded rows of one input (possibly several sources: archives hold members)."""

    def __init__(self) -> None:
        self.source_ids: dict[int, int] = {}
        self.sources: list[Source] = []
        self.reset()

    def reset(self) -> None:
        self.raw: list[bytes] = []
        self.display: list[list[str]] = [[] for _ in _DISPLAY_NAMES]
        self.is_object: list[bool] = []
        self.srcl: list[int] = []
        self.position: list[int] = []
        self.location: list[str] = []
        self.partial: list[bool] = []
        self.key_kind: list[str] = []
        self.key_value: list[str] = []
        self.key_row: list[int] = []
        self.env_row: list[int] = []
        self.env_json: list[bytes] = []

    def __len__(self) -> int:
        return len(self.raw)

    def source_index(self, source: Source) -> tuple[int, bool]:
        """(local index, new?) of a source object."""
        index = self.source_ids.get(id(source))
        if index is not None:
            return index, False
        index = self.source_ids[id(source)] = len(self.sources)
        self.sources.append(source)
        return index, True

    def add(self, batch: RecordBatch, srcl: int) -> None:
        """Encode a loader batch. Hot: runs per event (the ``v_`` columns are DuckDB's work, see
        ``pathvalues.py``)."""
        dumps = orjson.dumps
        extract = identity.extract_row
        display = self.display
        raws = self.raw
        multi = list(MULTI_INDEXES.items())
        envelopes = batch.envelopes
        is_object = self.is_object
        key_kind, key_value, key_row = self.key_kind, self.key_value, self.key_row
        for i, record in enumerate(batch.records):
            local = len(raws)
            try:
                raws.append(dumps(record))
            except TypeError:
                raws.append(_dumps_exact(dumps, record))
            for column, value in zip(display, extract(record)):
                column.append(value)
            is_object.append(type(record) is dict)
            for kind, fn in multi:
                for key in fn(record):
                    key_kind.append(kind)
                    key_value.append(key)
                    key_row.append(local)
            if envelopes is not None and envelopes[i]:
                self.env_row.append(local)
                self.env_json.append(_dumps_exact(dumps, envelopes[i]))
        n = len(batch.records)
        self.srcl.extend([srcl] * n)
        self.position.extend(batch.positions)
        self.location.extend(batch.locations)
        self.partial.extend([bool(batch.partial)] * n)

    def take(self) -> tuple[int, bytes, bytes, bytes]:
        """(rows, events IPC, keys IPC, envelopes IPC) for what was added since the last take."""
        n = len(self.raw)
        columns: dict[str, pa.Array] = {
            "lrow": pa.array(range(n), pa.uint32()),
            "raw": _text(self.raw),
        }
        for name, column in zip(_DISPLAY_NAMES, self.display):
            columns[name] = pa.array(column, pa.string())
        columns["is_object"] = pa.array(self.is_object, pa.bool_())
        columns["srcl"] = pa.array(self.srcl, pa.uint32())
        columns["position"] = pa.array(self.position, pa.uint32())
        columns["location"] = pa.array(self.location, pa.string())
        columns["partial"] = pa.array(self.partial, pa.bool_())
        events = _ipc(pa.table(columns))
        keys = _ipc(pa.table({
            "kind": pa.array(self.key_kind, pa.string()),
            "key": pa.array(self.key_value, pa.string()),
            "lrow": pa.array(self.key_row, pa.uint32()),
        }))
        envs = _ipc(pa.table({"lrow": pa.array(self.env_row, pa.uint32()), "envelope": _json(self.env_json)}))
        self.reset()
        return n, events, keys, envs


def _text(values: list[Optional[bytes]]) -> pa.Array:
    """UTF-8 byte strings (orjson output: always valid UTF-8) as an Arrow string array, no re-validation."""
    return pa.array(values, pa.binary()).view(pa.string())


_JSON_TYPE = pa.json_(pa.string())


def _json(values: list[Optional[bytes]]) -> pa.Array:
    """JSON texts as Arrow's ``arrow.json`` extension type: DuckDB takes it as its JSON type without parsing
    every value again (a VARCHAR -> JSON cast validates each one; orjson's output needs no validation)."""
    return pa.ExtensionArray.from_storage(_JSON_TYPE, _text(values))


def _ipc(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def read_ipc(data: bytes) -> pa.Table:
    return pa.ipc.open_stream(pa.py_buffer(data)).read_all()


# ------------------------------------------------------------------------------------------ one input

def encode_input(k: int, path: str, stdin: Any = None,
                 cancelled: Optional[Callable[[], bool]] = None) -> Iterator[tuple]:
    """Messages for input ``k``: ``("source", k, local, Source)``, ``("rows", k, n, events, keys, envs)``,
    ``("item", k, local_or_None, item)`` (Problem, DigestSkipped, SourceDone) and ``("bytes", k, done)``.
    Rows are shipped before any later item, so the parent sees everything in the loader's order."""
    from ..loader import load

    encoder = Encoder()
    first = True
    last_send = time.monotonic()
    for item in load([path], stdin=stdin, cancelled=cancelled):
        if isinstance(item, RecordBatch):
            srcl, new = encoder.source_index(item.source)
            if new:
                if len(encoder):
                    yield ("rows", k, *encoder.take())
                yield ("source", k, srcl, item.source)
            encoder.add(item, srcl)
            now = time.monotonic()
            if first or len(encoder) >= SEND_ROWS or now - last_send >= SEND_SECONDS:
                first = False
                last_send = now
                yield ("rows", k, *encoder.take())
        elif isinstance(item, Progress):
            yield ("bytes", k, item.bytes_done)
        else:
            if len(encoder):
                yield ("rows", k, *encoder.take())
            local = None
            if isinstance(item, SourceDone):
                local = encoder.source_ids.get(id(item.source))
            yield ("item", k, local, item)
    if len(encoder):
        yield ("rows", k, *encoder.take())


def worker_main() -> None:
    """A worker process (``python -m trailtui.engine.columnar.worker``): read ``(k, path)`` tasks from stdin,
    write messages to stdout, until a None task or the end of stdin."""
    tasks, out = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing else may write into the message stream
    while True:
        try:
            task = _recv(tasks)
        except EOFError:
            return
        if task is None:
            return
        k, path = task
        try:
            for message in encode_input(k, path):
                _send(out, message)
        except BaseException as exc:  # noqa: BLE001 - reported to the parent as a problem of that input
            _send(out, ("item", k, None, Problem(path, f"{path}: internal error while reading ({exc!r})")))
        _send(out, ("done", k))


# ------------------------------------------------------------------------------------------ the parent

@dataclass
class InputSlot:
    """One entry of ``expand_paths``: an input to read (``path``/``size``) or a Problem to report."""

    path: str
    size: int = 0
    stdin: bool = False
    """Read in the parent's process (a pipe cannot be handed to a worker)."""
    problem: Optional[Problem] = None
    local: bool = False
    """Read in the parent's process: the first input when it is small and more follow, so the first rows do
    not wait for the workers to start (~0.5-1.5 s of interpreter and library start-up)."""


class WorkerPool:
    """Worker processes reading inputs, with a window of tasks ahead of the consumer.

    Workers are plain ``python -m`` subprocesses talking length-prefixed pickles over pipes
    (``pipes.start_worker``)."""

    def __init__(self, slots: list[InputSlot], workers: int) -> None:
        self.files = [k for k, slot in enumerate(slots) if slot.problem is None and not slot.stdin and not slot.local]
        self.slots = slots
        self.next_task = 0
        self.stopped = False
        count = max(1, min(workers, len(self.files))) if self.files else 0
        self.procs = [start_worker("trailtui.engine.columnar.worker") for _ in range(count)]
        self.idle = list(self.procs)
        self.busy: dict[int, subprocess.Popen] = {}
        self.buffered: dict[int, list[tuple]] = {}
        self.done: set[int] = set()

    def feed(self, current: int) -> None:
        """Hand out inputs up to ``WINDOW`` beyond ``current`` (each worker holds at most two)."""
        while self.next_task < len(self.files) and self.files[self.next_task] <= current + WINDOW:
            loads = {id(p): 0 for p in self.procs}
            for proc in self.busy.values():
                loads[id(proc)] += 1
            proc = min(self.procs, key=lambda p: loads[id(p)])
            if loads[id(proc)] >= 2:
                return
            k = self.files[self.next_task]
            try:
                _send(proc.stdin, (k, self.slots[k].path))
            except OSError:
                return
            self.busy[k] = proc
            self.next_task += 1

    def _receive(self, timeout: float) -> list[tuple]:
        streams = {proc.stdout: proc for proc in set(self.busy.values())}
        if not streams:
            return []
        ready = mpc.wait(list(streams), timeout=timeout)
        out = []
        for stream in ready:
            try:
                out.append(_recv(stream))
            except (EOFError, OSError, pickle.UnpicklingError):
                proc = streams[stream]
                for k, owner in list(self.busy.items()):
                    if owner is proc:
                        out.append(("item", k, None, Problem(self.slots[k].path,
                                                             f"{self.slots[k].path}: the reading process stopped")))
                        out.append(("done", k))
                        del self.busy[k]
        return out

    def messages(self, k: int, cancelled: Optional[Callable[[], bool]]) -> Iterator[tuple]:
        """Input ``k``'s messages in order, as they arrive; stops early when cancelled."""
        while True:
            self.feed(k)
            pending = self.buffered.pop(k, None)
            if pending:
                for message in pending:
                    yield message
            if k in self.done:
                return
            if cancelled is not None and cancelled():
                return
            for message in self._receive(POLL_SECONDS):
                if message[0] == "done":
                    self.done.add(message[1])
                    self.busy.pop(message[1], None)
                elif message[1] == k:
                    yield message
                else:
                    self.buffered.setdefault(message[1], []).append(message)

    def close(self) -> None:
        for proc in self.procs:
            try:
                _send(proc.stdin, None)
                proc.stdin.close()
            except OSError:
                pass
            if proc.poll() is None and self.busy:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()


def worker_count() -> int:
    """Worker processes to use: the machine's cores, at most 2 unless ``TRAILTUI_WORKERS`` says."""
    text = os.environ.get("TRAILTUI_WORKERS", "")
    if text.isdigit() and int(text) > 0:
        return int(text)
    return max(1, min(2, os.cpu_count() or 1))

