"""Read CloudTrail logs in every shape they come in, incrementally, and never raise.

`load(paths)` is a generator of `RecordBatch`, `Problem`, `DigestSkipped`, `SourceDone` and `Progress`
messages (see `trailtui.engine.model`). It is meant to run in a worker thread while the UI stays responsive:

* Shapes are recognised by content (gzip/bzip2/xz by magic bytes, never by file name): S3 delivery
  ``{"Records": [...]}``, top-level arrays, JSON Lines, concatenated or pretty-printed values back to back,
  ``lookup-events`` output and items, EventBridge envelopes, CloudWatch Logs (``filter-log-events``, export
  lines, subscription payloads, Logs Insights results), CloudTrail Lake ``QueryResultRows`` (partial
  records), Elastic ``event.original``, single records. Digest files yield `DigestSkipped`. Zip and tar
  archives are read member by member.
* Parsing holds the GIL in short steps: a document above `SPLIT_THRESHOLD` whose bulk is one array
  (``[...]``, ``{"Records"|"Events"|"events"|"results": [...]}``) is parsed `SLICE_TARGET` bytes at a
  time, values back to back in groups of that size, JSON Lines line by line. Only other big documents
  and single huge values are parsed in one call.
* Bad input becomes one clear `Problem` naming the file and the reason; the other files still load, and a
  bad line in JSON Lines costs only that line.
* The garbage collector is paused while loading (it would otherwise rescan every parsed record many times
  over); its previous state is restored when the generator finishes or is closed.

Inside directories, hidden files and folders (names starting with ``.``), ``Thumbs.db``, ``desktop.ini``,
CloudTrail Lake's ``result_sign.json``, and files with an obviously non-log extension (`SKIPPED_SUFFIXES`:
documents, images, scripts, checksums) are skipped. Files named explicitly are always read.
"""

from __future__ import annotations

import bz2
import gc
import glob
import io
import lzma
import os
import stat
import sys
import tarfile
import threading
import time
import zipfile
import zlib
from dataclasses import dataclass
from typing import Any, BinaryIO, Callable, Iterator, Optional, Sequence, Union

import orjson

from . import jsonvalues as jv
from .model import DigestSkipped, LoadItem, Problem, Progress, RecordBatch, Source, SourceDone
from .sniff import CWL_EXPORT_PREFIX, describe, is_digest, looks_like_record, s3_meta, sniff

__all__ = ["load", "load_all", "count_inputs", "expand_paths"]

SPLIT_THRESHOLD = 4 << 20
"""Documents larger than this are parsed in slices (when their bulk is one array)."""
SLICE_TARGET = 1 << 20
"""Approximate size of one parsed slice of a big document."""
HEAD_SIZE = 1 << 20
"""How much decompressed content is looked at to recognise the shape."""
READ_CHUNK = 1 << 20
MAX_EMBEDDED = 8 << 20
"""Largest JSON string inside a record wrapper (``CloudTrailEvent``, log ``message``) that is parsed.
CloudTrail records are at most 256 KB (1 MB in Lake)."""
HUGE_RECORD = 4 << 20
"""A record larger than this is loaded, with a warning: it cannot be a genuine CloudTrail record."""
MAX_PROBLEMS_SHOWN = 10
"""Per source; further problems are summarised in one message."""

SKIPPED_NAMES = frozenset({"Thumbs.db", "desktop.ini", "result_sign.json"})
SKIPPED_SUFFIXES = (
    ".md", ".rst", ".pdf", ".doc", ".docx", ".xls", ".xlsx", ".png", ".jpg", ".jpeg", ".gif", ".svg",
    ".ico", ".py", ".pyc", ".sh", ".exe", ".dll", ".so", ".sha256", ".sha1", ".md5", ".sig", ".asc",
)

_ENVELOPE_LOOKUP = ("EventId", "Username", "EventTime")
_ENVELOPE_EVENTBRIDGE = ("id", "detail-type", "source", "time")


# ---------------------------------------------------------------------------------------------- paths

@dataclass
class _Input:
    path: str
    """As shown to the user."""
    fs_path: Optional[str]
    """None for stdin."""
    size: int


def _is_glob(path: str) -> bool:
    return any(ch in path for ch in "*?[")


def _sort_key(path: str) -> tuple[str, ...]:
    return tuple(path.replace("\\", "/").split("/"))


def _skipped_in_directory(name: str) -> bool:
    return name.startswith(".") or name in SKIPPED_NAMES or name.lower().endswith(SKIPPED_SUFFIXES)


def _walk(root: str) -> list[Union[_Input, Problem]]:
    found: list[tuple[tuple[str, ...], Union[_Input, Problem]]] = []
    seen: set[tuple[int, int]] = set()

    def on_error(exc: OSError) -> None:
        where = exc.filename or root
        found.append((_sort_key(where), Problem(where, f"{where}: cannot read directory: {exc.strerror}")))

    for dirpath, dirnames, filenames in os.walk(root, onerror=on_error, followlinks=True):
        try:
            st = os.stat(dirpath)
            ident = (st.st_dev, st.st_ino)
        except OSError:
            ident = None
        if ident is not None:
            if ident in seen:  # a symlink loop
                dirnames[:] = []
                continue
            seen.add(ident)
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            if _skipped_in_directory(name):
                continue
            full = os.path.join(dirpath, name)
            try:
                size = os.stat(full).st_size
            except OSError as exc:
                reason = "broken symbolic link" if os.path.islink(full) else exc.strerror
                found.append((_sort_key(full), Problem(full, f"{full}: {reason}")))
                continue
            found.append((_sort_key(full), _Input(full, full, size)))
    found.sort(key=lambda pair: pair[0])
    return [item for _, item in found]


def _expand_one(path: str) -> list[Union[_Input, Problem]]:
    if path == "-":
        return [_Input("-", None, 0)]
    try:
        st = os.stat(path)
    except OSError as exc:
        if isinstance(exc, FileNotFoundError) and _is_glob(path):
            matches = sorted(glob.glob(path, recursive=True), key=_sort_key)
            if not matches:
                return [Problem(path, f"{path}: no files match this pattern")]
            out: list[Union[_Input, Problem]] = []
            for match in matches:
                out.extend(_walk(match) if os.path.isdir(match) else _expand_one(match))
            return out
        if os.path.islink(path):
            return [Problem(path, f"{path}: broken symbolic link")]
        if isinstance(exc, FileNotFoundError):
            return [Problem(path, f"{path}: no such file or directory")]
        return [Problem(path, f"{path}: {exc.strerror or exc}")]
    if stat.S_ISDIR(st.st_mode):
        return _walk(path)
    return [_Input(path, path, st.st_size)]


def expand_paths(paths: Sequence[str]) -> list[Union[_Input, Problem]]:
    """The inputs ``paths`` name, in the order given: directories walked recursively in sorted path
    order, glob patterns expanded (sorted), ``-`` kept for stdin; a `Problem` for each missing path."""
    if isinstance(paths, (str, bytes, os.PathLike)):
        paths = [paths]  # one path, not a sequence of characters
    out: list[Union[_Input, Problem]] = []
    for path in paths:
        out.extend(_expand_one(os.fsdecode(path)))
    return out


def count_inputs(paths: Sequence[str]) -> tuple[int, int]:
    """``(files, bytes)`` that `load` would read (stat only; stdin counts as one file of 0 bytes)."""
    files = size = 0
    for item in expand_paths(paths):
        if isinstance(item, _Input):
            files += 1
            size += item.size
    return files, size


def _open_input(path: str) -> BinaryIO:
    """Open a file for reading without ever blocking on a FIFO that has no writer."""
    st = os.stat(path)
    if stat.S_ISDIR(st.st_mode):
        raise IsADirectoryError(21, "is a directory", path)
    if stat.S_ISREG(st.st_mode):
        return open(path, "rb")
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        import fcntl

        flags = fcntl.fcntl(fd, fcntl.F_GETFL)
        fcntl.fcntl(fd, fcntl.F_SETFL, flags & ~os.O_NONBLOCK)
    except (ImportError, OSError):  # pragma: no cover - non-POSIX
        pass
    return os.fdopen(fd, "rb")


# ----------------------------------------------------------------------------------------- streams

class _StreamError(Exception):
    """The bytes of an input could not be read or decompressed (``offset``: in the raw input)."""

    def __init__(self, reason: str, offset: Optional[int] = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.offset = offset


_COMPRESSIONS: tuple[tuple[bytes, str, Callable[[], Any]], ...] = (
    (b"\x1f\x8b", "gzip", lambda: zlib.decompressobj(31)),
    (b"BZh", "bzip2", bz2.BZ2Decompressor),
    (b"\xfd7zXZ\x00", "xz", lzma.LZMADecompressor),
)


class _Stream:
    """The decompressed bytes of one input, in chunks; counts the raw bytes consumed."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw
        self.raw_pos = 0
        self.compression: Optional[str] = None
        self._factory: Optional[Callable[[], Any]] = None
        self._magic = b""
        self._pending: list[bytes] = []
        first = self._raw_read(READ_CHUNK)
        while 0 < len(first) < 6:
            more = self._raw_read(READ_CHUNK)
            if not more:
                break
            first += more
        for magic, name, factory in _COMPRESSIONS:
            if first.startswith(magic) and (name != "bzip2" or first[3:4].isdigit()):
                self.compression, self._factory, self._magic = name, factory, magic
                break
        self._first = first
        self._chunks = self._decompressed() if self.compression else self._plain()
        self.error: Optional[_StreamError] = None
        self._error_raised = False

    def _raw_read(self, n: int) -> bytes:
        try:
            data = self.raw.read(n)
        except OSError as exc:
            raise _StreamError(f"read error at byte {self.raw_pos}: {exc.strerror or exc}", self.raw_pos) from None
        except (zipfile.BadZipFile, EOFError, tarfile.TarError, zlib.error) as exc:
            raise _StreamError(f"cannot read archive member: {exc}", self.raw_pos) from None
        if data is None:  # pragma: no cover - non-blocking stream without data
            return b""
        self.raw_pos += len(data)
        return data

    def _plain(self) -> Iterator[bytes]:
        if self._first:
            yield self._first
        while True:
            data = self._raw_read(READ_CHUNK)
            if not data:
                return
            yield data

    def _salvage(self, snapshot: Any, data: bytes, base: int) -> tuple[bytes, int]:
        """Re-run a failed zlib chunk in small pieces: the output before the bad piece, and its offset."""
        step = 256
        out = []
        for i in range(0, len(data), step):
            try:
                out.append(snapshot.decompress(data[i : i + step]))
            except zlib.error:
                return b"".join(out), base + i
            if snapshot.eof:
                break
        return b"".join(out), base

    def _decompressed(self) -> Iterator[bytes]:
        name = self.compression
        decomp = self._factory()  # type: ignore[misc]
        fed = False
        data = self._first
        base = 0
        while True:
            if not data:
                data = self._raw_read(READ_CHUNK)
                base = self.raw_pos - len(data)
                if not data:
                    break
            if decomp.eof:
                # another member (concatenated gzip) or padding after the end
                if len(data) < len(self._magic):
                    more = self._raw_read(READ_CHUNK)
                    data += more
                if data.startswith(self._magic):
                    decomp = self._factory()  # type: ignore[misc]
                    fed = False
                elif not data.strip(b"\x00"):
                    data = b""
                    continue
                else:
                    raise _StreamError(f"unexpected data after the end of the {name} stream at byte {base}", base)
            snapshot = decomp.copy() if name == "gzip" else None
            try:
                out = decomp.decompress(data)
            except (zlib.error, OSError, EOFError, lzma.LZMAError, ValueError) as exc:
                where = base
                if snapshot is not None:
                    before, where = self._salvage(snapshot, data, base)
                    if before:
                        yield before
                if "check" in str(exc):  # zlib only notices the damage at the trailer's checksum
                    raise _StreamError(f"corrupt {name} data: checksum mismatch at byte {where} ({exc})", where) from None
                raise _StreamError(f"corrupt {name} data at byte {where}: {exc}", where) from None
            fed = True
            if out:
                yield out
            if decomp.eof:
                rest = decomp.unused_data
                base += len(data) - len(rest)
                data = rest
            else:
                data = b""
        if fed and not decomp.eof:
            rest = decomp.flush() if hasattr(decomp, "flush") else b""
            if rest:
                yield rest
            raise _StreamError(f"truncated {name} stream at byte {self.raw_pos}", self.raw_pos)

    def _next(self) -> bytes:
        if self.error is not None:
            return b""
        try:
            return next(self._chunks, b"")
        except _StreamError as exc:
            self.error = exc
            return b""

    def peek(self, size: int) -> tuple[bytes, bool]:
        """At least ``size`` bytes of content (fewer at the end); True when that is all there is.

        A read error is kept for later: what came before it is still returned."""
        have = sum(len(c) for c in self._pending)
        while have < size:
            chunk = self._next()
            if not chunk:
                return b"".join(self._pending), True
            self._pending.append(chunk)
            have += len(chunk)
        return b"".join(self._pending), False

    def read_chunk(self) -> bytes:
        """The next chunk of content, ``b""`` at the end; raises `_StreamError` once if reading failed."""
        if self._pending:
            return self._pending.pop(0)
        chunk = self._next()
        if not chunk and self.error is not None and not self._error_raised:
            self._error_raised = True
            raise self.error
        return chunk

    def read_all(self) -> tuple[bytearray, Optional[_StreamError]]:
        """All remaining content, and the error that cut it short (if any)."""
        pending = self._pending
        self._pending = []
        buf = bytearray()
        for chunk in pending:
            buf += chunk
        while True:
            chunk = self._next()
            if not chunk:
                break
            buf += chunk
        self._error_raised = True
        return buf, self.error


class _StreamFile(io.RawIOBase):
    """A `_Stream`'s content as a file object (for tarfile's streaming mode)."""

    def __init__(self, stream: _Stream) -> None:
        self._stream = stream
        self._buf = b""

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        if not self._buf:
            self._buf = self._stream.read_chunk()
            if not self._buf:
                return 0
        n = min(len(b), len(self._buf))
        b[:n] = self._buf[:n]
        self._buf = self._buf[n:]
        return n


# ------------------------------------------------------------------------------------------ loader

class _Cancelled(Exception):
    pass


_gc_lock = threading.Lock()
_gc_holders = 0
_gc_was_enabled = True


def _pause_gc() -> None:
    global _gc_holders, _gc_was_enabled
    with _gc_lock:
        if _gc_holders == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_holders += 1


def _resume_gc() -> None:
    global _gc_holders
    with _gc_lock:
        _gc_holders -= 1
        if _gc_holders == 0 and _gc_was_enabled:
            gc.enable()


def _mb(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


def _at(outer: str, inner: str) -> str:
    if outer and inner:
        return f"{outer}, {inner}"
    return outer or inner


def _where(loc: str) -> str:
    return f"{loc}: " if loc else ""


def _envelope(obj: dict, keys: Sequence[str]) -> Optional[dict[str, Any]]:
    env = {k: obj[k] for k in keys if k in obj and obj[k] is not None}
    return env or None


def _set_dotted(record: dict, column: str, value: Any) -> None:
    """``userIdentity.arn`` → ``record["userIdentity"]["arn"]`` (kept flat on a conflict)."""
    parts = column.split(".")
    if len(parts) == 1 or not all(parts):
        record[column] = value
        return
    node = record
    for part in parts[:-1]:
        child = node.get(part)
        if child is None:
            child = node[part] = {}
        elif not isinstance(child, dict):
            record[column] = value
            return
        node = child
    node[parts[-1]] = value


class _Loader:
    def __init__(
        self,
        cancelled: Optional[Callable[[], bool]],
        stdin: Optional[BinaryIO],
        batch_size: int,
        progress_interval: float,
    ) -> None:
        self.cancelled = cancelled
        self.stdin = stdin
        self.batch_size = max(1, int(batch_size))
        self.interval = progress_interval
        self.started = time.monotonic()
        self.last_progress = self.started
        self.files_total = self.bytes_total = 0
        self.files_done = self.bytes_done = 0
        self.events = 0
        self.stream: Optional[_Stream] = None
        self.position: Optional[int] = None
        """Raw bytes of the current input accounted for, when that is not simply what was read
        (a whole document is read first and parsed afterwards)."""

    # progress and cancellation -------------------------------------------------------------------

    def check_cancel(self) -> None:
        if self.cancelled is not None and self.cancelled():
            raise _Cancelled

    def progress(self, final: bool = False) -> Optional[Progress]:
        now = time.monotonic()
        if not final and now - self.last_progress < self.interval:
            return None
        self.last_progress = now
        current = self.stream.raw_pos if self.stream is not None else 0
        if self.position is not None:
            current = min(current, self.position)
        done = self.bytes_done + current
        return Progress(
            files_done=self.files_done,
            files_total=self.files_total,
            bytes_done=min(done, self.bytes_total) if self.bytes_total else done,
            bytes_total=self.bytes_total,
            events=self.events,
            elapsed=now - self.started,
        )

    # the run ------------------------------------------------------------------------------------

    def run(self, paths: Sequence[str]) -> Iterator[LoadItem]:
        _pause_gc()
        try:
            try:
                inputs = expand_paths(paths)
            except Exception as exc:  # noqa: BLE001 - never raise out of load()
                yield Problem("", f"cannot list the inputs: {exc!r}")
                return
            for item in inputs:
                if isinstance(item, _Input):
                    self.files_total += 1
                    self.bytes_total += item.size
            for item in inputs:
                self.check_cancel()
                if isinstance(item, Problem):
                    yield item
                    continue
                yield from self.read_input(item)
                self.files_done += 1
                self.bytes_done += item.size
                self.stream = None
                tick = self.progress()
                if tick is not None:
                    yield tick
            final = self.progress(final=True)
            if final is not None:
                yield final
        except _Cancelled:
            return
        finally:
            _resume_gc()

    def read_input(self, item: _Input) -> Iterator[LoadItem]:
        source = Source(path=item.path, size=item.size, meta=s3_meta(item.path))
        try:
            raw: Any = (self.stdin or sys.stdin.buffer) if item.fs_path is None else _open_input(item.fs_path)
        except Exception as exc:  # noqa: BLE001 - e.g. no stdin at all (sys.stdin is None)
            reason = "is a directory" if isinstance(exc, IsADirectoryError) else (
                getattr(exc, "strerror", None) or str(exc) or type(exc).__name__)
            yield Problem(item.path, f"{item.path}: cannot open: {reason}")
            yield SourceDone(source)
            return
        try:
            yield from self.read_raw(source, raw, item.fs_path, depth=0)
        finally:
            if item.fs_path is not None:
                try:
                    raw.close()
                except OSError:  # pragma: no cover
                    pass

    def read_raw(self, source: Source, raw: Any, fs_path: Optional[str], depth: int) -> Iterator[LoadItem]:
        """Read one source from an open binary file object; always ends with its `SourceDone`
        (archives instead yield one per member)."""
        reader = _SourceReader(self, source)
        archive = False
        self.position = None
        try:
            stream = _Stream(raw)
            self.stream = stream
            source.compressed = stream.compression is not None
            archive = yield from reader.read(stream, fs_path, depth)
        except _Cancelled:
            raise
        except _StreamError as exc:
            reader.problem(exc.reason, offset=exc.offset)
        except Exception as exc:  # noqa: BLE001 - one bad file must not stop the load
            reader.problem(f"internal error while reading ({type(exc).__name__}: {exc})")
        if archive:
            # the members were reported as sources of their own; only the archive's problems remain
            reader.seal()
            yield from reader.held
            yield from reader.out
            return
        yield from reader.finish()
        if not source.size and self.stream is not None:
            source.size = self.stream.raw_pos  # stdin: what was read
        yield SourceDone(source)


class _SourceReader:
    """Parses one source: sniffs its shape, classifies values, batches records, reports problems."""

    def __init__(self, loader: _Loader, source: Source) -> None:
        self.loader = loader
        self.source = source
        self.path = source.path
        self.batch_size = loader.batch_size
        self.recs: list[dict] = []
        self.locs: list[str] = []
        self.envs: list[Optional[dict]] = []
        self.n_env = 0
        self.partial = False
        self.out: list[LoadItem] = []
        self.held: list[Problem] = []
        self.problems = 0
        self.first_reason = ""
        self.first_where: tuple[Optional[int], Optional[int]] = (None, None)
        self.digest = False
        self.controls = 0
        self.container = ""
        self.wrapper = ""
        self.huge_noted = False

    # output -----------------------------------------------------------------------------------

    def add(self, record: dict, loc: str, env: Optional[dict] = None, partial: bool = False) -> None:
        if partial is not self.partial:
            self.seal()
            self.partial = partial
        if not self.source.shape:
            self.source.shape = self.wrapper or self.container
        if self.held:  # problems met before the first record: now they are not the whole story
            self.seal()
            self.out.extend(self.held)
            self.held = []
        self.recs.append(record)
        self.locs.append(loc)
        self.envs.append(env)
        if env is not None:
            self.n_env += 1
        if len(self.recs) >= self.batch_size:
            self.seal()

    def add_records(self, records: list, outer: str, base: int) -> None:
        """The elements of a ``Records`` array (fast path: no per-record checks beyond "is an object")."""
        if not self.wrapper:
            self.wrapper = "records"
        prefix = f"{outer}, Records[" if outer else "Records["
        if not records:
            return
        if self.partial or not self.source.shape or self.held:
            first = records[0]
            if type(first) is dict:
                self.add(first, f"{prefix}{base}]")
            else:
                self.skip(f"{prefix}{base}] is {describe(first)}, not a record object")
            records, base = records[1:], base + 1
        if all(type(r) is dict for r in records):
            i = 0
            while i < len(records):
                room = self.batch_size - len(self.recs)
                part = records[i : i + room]
                self.recs.extend(part)
                self.locs.extend([f"{prefix}{k}]" for k in range(base + i, base + i + len(part))])
                self.envs.extend([None] * len(part))
                i += len(part)
                if len(self.recs) >= self.batch_size:
                    self.seal()
            return
        for k, record in enumerate(records, base):
            if type(record) is dict:
                self.add(record, f"{prefix}{k}]")
            else:
                self.skip(f"{prefix}{k}] is {describe(record)}, not a record object")

    def seal(self) -> None:
        if not self.recs:
            return
        n = len(self.recs)
        start = self.source.events
        batch = RecordBatch(
            source=self.source,
            records=self.recs,
            positions=list(range(start, start + n)),
            locations=self.locs,
            envelopes=self.envs if self.n_env else None,
            partial=self.partial,
        )
        self.source.events += n
        self.loader.events += n
        self.out.append(batch)
        self.recs, self.locs, self.envs, self.n_env = [], [], [], 0

    def flush(self) -> Iterator[LoadItem]:
        """Yield what is ready; checks for cancellation and gives progress between batches."""
        if not self.out:
            return
        out, self.out = self.out, []
        for item in out:
            yield item
            if isinstance(item, RecordBatch):
                self.loader.check_cancel()
                tick = self.loader.progress()
                if tick is not None:
                    yield tick

    def _message(self, reason: str) -> str:
        return f"{self.path}: {reason}"

    def problem(
        self, reason: str, line: Optional[int] = None, offset: Optional[int] = None, skipped: bool = False
    ) -> None:
        """Record a problem. Held back until the first record, so a file with no records at all ends up
        as exactly one fatal `Problem`."""
        if skipped:
            self.source.skipped += 1
        self.problems += 1
        if not self.first_reason:
            self.first_reason = reason
            self.first_where = (line, offset)
        if self.problems > MAX_PROBLEMS_SHOWN:
            return
        item = Problem(self.path, self._message(reason), fatal=False, line=line, offset=offset)
        if self.source.events or self.recs:
            self.seal()
            self.out.append(item)
        else:
            self.held.append(item)

    def skip(self, reason: str, line: Optional[int] = None, offset: Optional[int] = None) -> None:
        """A value or line that could not be used (counted in ``Source.skipped``)."""
        self.problem(reason, line=line, offset=offset, skipped=True)

    def note_huge(self, size: int, loc: str) -> None:
        if size > HUGE_RECORD and not self.huge_noted:
            self.huge_noted = True
            where = f"{loc}: " if loc else ""
            self.problem(
                f"{where}record of {_mb(size)} is far larger than any real CloudTrail record (at most 1 MB); "
                "loaded anyway"
            )

    def finish(self) -> Iterator[LoadItem]:
        self.seal()
        source = self.source
        if self.digest and not source.events:
            source.shape = source.shape or "digest"
            self.held = []
        elif not source.events:
            if not source.shape:
                source.shape = self.wrapper or self.container or "empty"
            if self.first_reason:
                reason = self.first_reason
                if self.problems > 1:
                    reason += f" ({self.problems} problems in this file; no CloudTrail records found)"
            elif self.controls:
                reason = "only CloudWatch Logs CONTROL_MESSAGE payloads; no CloudTrail records"
            elif self.wrapper:
                reason = f"no CloudTrail records (an empty {self.wrapper} document)"
            else:
                reason = "no CloudTrail records found"
            self.held = []
            line, offset = self.first_where
            self.out.append(Problem(self.path, self._message(reason), fatal=True, line=line, offset=offset))
        else:
            self.out.extend(self.held)
            self.held = []
        if self.problems > MAX_PROBLEMS_SHOWN and source.events:
            hidden = self.problems - MAX_PROBLEMS_SHOWN
            self.out.append(
                Problem(
                    self.path,
                    self._message(f"{hidden} more problems not shown ({source.skipped} values skipped in all)"),
                    fatal=False,
                )
            )
        yield from self.flush()

    # reading ----------------------------------------------------------------------------------

    def read(self, stream: _Stream, fs_path: Optional[str], depth: int) -> Iterator[LoadItem]:
        """Read the stream; returns True when it was an archive (members were reported separately)."""
        head, at_eof = stream.peek(HEAD_SIZE)
        kind = sniff(head, at_eof)
        what = f"{stream.compression}-compressed " if stream.compression else ""
        if kind.kind == "empty" and stream.error is not None:
            self.problem(stream.error.reason, offset=stream.error.offset)
            return False
        if kind.kind == "empty":
            self.source.shape = "empty"
            self.problem(f"empty {what}file" if what or not at_eof else "empty file")
            return False
        if kind.kind in ("unsupported", "binary"):
            self.problem(kind.detail if not what else f"{kind.detail} (inside {stream.compression})")
            return False
        if kind.kind in ("zip", "tar"):
            if depth >= 2:
                self.problem(f"{kind.kind} archive nested too deeply")
                return False
            if kind.kind == "zip":
                return (yield from self.read_zip(stream, fs_path, depth))
            return (yield from self.read_tar(stream, depth))
        if kind.kind in ("lines", "cwl-export"):
            yield from self.read_lines(stream, kind.start, kind.kind == "cwl-export")
            return False
        buf, error = stream.read_all()
        self.loader.position = 0
        start = kind.start
        if kind.kind in ("utf16", "utf32"):
            try:
                text = bytes(buf).decode(kind.detail)
            except UnicodeDecodeError as exc:
                self.problem(f"invalid {kind.detail} text at byte {exc.start}")
                return False
            buf = bytearray(text.lstrip("\ufeff").encode("utf-8", "surrogatepass"))
            start = 0
            self.problem(f"converted from {kind.detail.upper()} to UTF-8 (byte offsets refer to the UTF-8 text)")
        yield from self.read_document(buf, start, error)
        return False

    # JSON Lines -------------------------------------------------------------------------------

    def read_lines(self, stream: _Stream, start: int, export: bool) -> Iterator[LoadItem]:
        self.container = "cwl-export" if export else "jsonl"
        if export:
            self.wrapper = "cwl-export"
        lineno = 0
        tail: list[bytes] = []
        error: Optional[_StreamError] = None
        first = True
        hint = jv._BIG_INT_HINT
        while True:
            try:
                chunk = stream.read_chunk()
            except _StreamError as exc:
                error = exc
                break
            if not chunk:
                break
            if first:
                chunk = chunk[start:]
                first = False
            lines = chunk.split(b"\n")
            if len(lines) == 1:
                tail.append(lines[0])
                continue
            if tail:
                tail.append(lines[0])
                lines[0] = b"".join(tail)
                tail = []
            tail.append(lines.pop())
            big = hint.search(chunk) is not None or hint.search(lines[0]) is not None
            lineno = self.parse_lines(lines, lineno, export, big)
            if self.out:
                yield from self.flush()
        last = b"".join(tail)
        if error is None:
            if last:
                self.parse_lines([last], lineno, export, True)
        elif last.strip():
            # the line the stream was cut in: keep it only if it happens to be whole
            try:
                value = jv.loads(last)
            except (ValueError, RecursionError):
                value = None
            if type(value) is dict and looks_like_record(value):
                self.add(value, f"line {lineno + 1}")
        if error is not None:
            done = self.source.events + len(self.recs)
            reason = error.reason + (f"; the {done} records before it were loaded" if done else "")
            self.problem(reason, offset=error.offset)
        yield from self.flush()

    def parse_lines(self, lines: list[bytes], lineno: int, export: bool, big: bool) -> int:
        """Parse and classify complete lines; returns the number of the last line."""
        loads = jv.loads if big else orjson.loads
        decode_error = orjson.JSONDecodeError
        batch_size = self.batch_size
        # plain records go straight into the pending batch; anything else takes the general path
        fast = bool(self.source.shape) and not self.partial and not self.held
        recs, locs, envs = self.recs, self.locs, self.envs
        for line in lines:
            lineno += 1
            if not line or line.isspace():
                continue
            env = None
            if export and 48 <= line[0] <= 57:
                match = CWL_EXPORT_PREFIX.match(line)
                if match is not None:
                    env = {"timestamp": match.group(1).decode("ascii", "replace")}
                    line = line[match.end() :]
            try:
                value = loads(line)
            except decode_error:
                try:
                    value = jv.loads(line)
                except decode_error as exc:
                    column = jv.error_offset(exc, line) + 1
                    self.skip(f"line {lineno}, column {column}: {jv.plain_reason(exc.msg)}", line=lineno)
                    fast = bool(self.source.shape) and not self.partial and not self.held
                    recs, locs, envs = self.recs, self.locs, self.envs
                    continue
            if len(line) > HUGE_RECORD:
                self.note_huge(len(line), f"line {lineno}")
            if fast and type(value) is dict and "eventVersion" in value:
                recs.append(value)
                locs.append(f"line {lineno}")
                envs.append(env)
                if env is not None:
                    self.n_env += 1
                if len(recs) >= batch_size:
                    self.seal()
                    recs, locs, envs = self.recs, self.locs, self.envs
                continue
            if type(value) is dict and "eventVersion" in value:
                self.add(value, f"line {lineno}", env)
            else:
                self.classify(value, f"line {lineno}", env)
            fast = bool(self.source.shape) and not self.partial and not self.held
            recs, locs, envs = self.recs, self.locs, self.envs
        return lineno

    # whole documents --------------------------------------------------------------------------

    def read_document(self, buf: bytearray, start: int, error: Optional[_StreamError]) -> Iterator[LoadItem]:
        start = jv.skip_ws(buf, start)
        n = len(buf)
        if start >= n:
            if error is not None:
                self.problem(error.reason, offset=error.offset)
            else:
                self.source.shape = "empty"
                self.problem("empty file")
            return
        head = jv.array_head(buf, start)
        splittable = head is not None and head[0] in (None, "Records", "Events", "events", "results")
        if splittable and error is None and n - start > SPLIT_THRESHOLD:
            yield from self.read_array(buf, head[0], head[1], error)  # type: ignore[index]
            return
        try:
            value = jv.loads(buf if start == 0 else memoryview(buf)[start:])
        except orjson.JSONDecodeError as exc:
            if exc.msg.startswith(jv.TRAILING):
                yield from self.read_values(buf, start, error)
            elif splittable:
                yield from self.read_array(buf, head[0], head[1], error)  # type: ignore[index]
            else:
                yield from self.read_values(buf, start, error)
            return
        self.container = "array" if isinstance(value, list) else "single"
        if isinstance(value, dict) and n - start > HUGE_RECORD and looks_like_record(value):
            self.note_huge(n - start, "")
        self.classify(value, "")
        if error is not None:
            self.stream_problem(error)
        yield from self.flush()

    def parsed_to(self, offset: int, size: int) -> None:
        """Progress inside a document that was read whole: scale the parse position to raw bytes."""
        stream = self.loader.stream
        if stream is not None and size:
            self.loader.position = int(stream.raw_pos * offset / size)

    def stream_problem(self, error: _StreamError) -> None:
        done = self.source.events + len(self.recs)
        reason = error.reason + (f"; the {done} records before it were loaded" if done else "")
        self.problem(reason, offset=error.offset)

    def json_problem(self, buf: bytearray, err: jv.JsonError, error: Optional[_StreamError], note: str = "") -> None:
        if error is not None:
            return  # a consequence of the cut or corrupt stream, reported once by stream_problem
        line, column = jv.line_col(buf, err.offset)
        self.skip(f"line {line}, column {column} (byte {err.offset}): {err.reason}{note}", line=line, offset=err.offset)

    def read_array(self, buf: bytearray, key: Optional[str], open_pos: int, error: Optional[_StreamError]) -> Iterator[LoadItem]:
        self.container = "array"
        reader = jv.ArrayReader(buf, open_pos, key, target=SLICE_TARGET)
        index = 0
        try:
            for elements in reader:
                if key == "Records":
                    self.add_records(elements, "", index)
                else:
                    self.classify_elements(key, elements, index)
                index += len(elements)
                self.parsed_to(reader.position, len(buf))
                if self.out:
                    yield from self.flush()
        except jv.JsonError as err:
            loaded = self.source.events + len(self.recs)
            note = f"; the {loaded} records before it were loaded" if loaded else ""
            self.json_problem(buf, err, error, note)
        if error is not None:
            self.stream_problem(error)
        yield from self.flush()

    def classify_elements(self, key: Optional[str], elements: list, base: int) -> None:
        if key is None:
            for i, value in enumerate(elements, base):
                self.classify(value, f"[{i}]", depth=1)
        elif key == "Events":
            self.wrapper = self.wrapper or "lookup-events"
            for i, value in enumerate(elements, base):
                self.lookup_item(value, f"Events[{i}]")
        elif key == "events":
            self.wrapper = self.wrapper or "cwl-events"
            for i, value in enumerate(elements, base):
                self.log_event(value, f"events[{i}]", ("logStreamName", "timestamp", "eventId"), {})
        elif key == "results":
            self.wrapper = self.wrapper or "cwl-insights"
            for i, value in enumerate(elements, base):
                self.insights_row(value, f"results[{i}]")

    def read_values(self, buf: bytearray, start: int, error: Optional[_StreamError]) -> Iterator[LoadItem]:
        self.container = "concatenated"
        has_newlines = buf.find(b"\n", start) >= 0
        line, last = 1, 0
        for offset, value, err in jv.iter_values(buf, start, target=SLICE_TARGET):
            if has_newlines:
                line += buf.count(b"\n", last, offset)
                last = offset
                loc = f"line {line}"
            else:
                loc = f"byte {offset}"
            if err is not None:
                self.json_problem(buf, err, error)
            elif type(value) is dict and "eventVersion" in value:
                self.add(value, loc)
            else:
                self.classify(value, loc)
            if self.out:
                self.parsed_to(offset, len(buf))
                yield from self.flush()
        if error is not None:
            self.stream_problem(error)
        yield from self.flush()

    # archives ---------------------------------------------------------------------------------

    def read_zip(self, stream: _Stream, fs_path: Optional[str], depth: int) -> Iterator[LoadItem]:
        """Read each member as a source of its own; returns False when no member could be reached."""
        loader = self.loader
        try:
            if fs_path is not None and stream.compression is None:
                archive = zipfile.ZipFile(fs_path)
            else:
                data, error = stream.read_all()
                if error is not None:
                    self.problem(error.reason, offset=error.offset)
                    return False
                archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            self.problem(f"not a readable zip archive: {exc}")
            return False
        with archive:
            members = sorted(
                (
                    info
                    for info in archive.infolist()
                    if not info.is_dir()
                    and not any(part.startswith(".") or part == "__MACOSX" for part in info.filename.split("/"))
                ),
                key=lambda info: _sort_key(info.filename),
            )
            if not members:
                self.problem("zip archive has no files")
                return False
            for info in members:
                loader.check_cancel()
                member = Source(path=f"{self.path}!/{info.filename}", size=info.compress_size, meta=s3_meta(info.filename))
                try:
                    handle = archive.open(info)
                except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError, ValueError) as exc:
                    yield Problem(member.path, f"{member.path}: cannot read archive member: {exc}")
                    yield SourceDone(member)
                    continue
                with handle:
                    saved = loader.stream
                    yield from loader.read_raw(member, handle, None, depth + 1)
                    loader.stream = saved
        return True

    def read_tar(self, stream: _Stream, depth: int) -> Iterator[LoadItem]:
        """Read each member (streaming, archive order); returns False when no member could be reached."""
        loader = self.loader
        count = 0
        try:
            archive = tarfile.open(fileobj=io.BufferedReader(_StreamFile(stream)), mode="r|")
            for info in archive:
                if not info.isfile():
                    continue
                name = info.name
                if any(part.startswith(".") for part in name.split("/") if part not in ("", ".")):
                    continue
                handle = archive.extractfile(info)
                if handle is None:
                    continue
                count += 1
                loader.check_cancel()
                member = Source(path=f"{self.path}!/{name}", size=info.size, meta=s3_meta(name))
                yield from loader.read_raw(member, handle, None, depth + 1)
                loader.stream = stream
        except (tarfile.TarError, _StreamError, OSError, EOFError) as exc:
            reason = exc.reason if isinstance(exc, _StreamError) else f"cannot read tar archive: {exc}"
            self.problem(reason)
            return count > 0
        if count == 0:
            self.problem("tar archive has no files")
            return False
        return True

    # classification ---------------------------------------------------------------------------

    def digest_found(self) -> None:
        if not self.digest:
            self.digest = True
            self.wrapper = self.wrapper or "digest"
            if not self.source.shape:
                self.source.shape = "digest"
            self.seal()
            self.out.append(DigestSkipped(self.path))

    def embedded(self, text: Any, loc: str, what: str) -> Optional[Any]:
        """Parse a JSON string found inside a wrapper, guarded by size (depth is bounded by the parsers)."""
        if not isinstance(text, str):
            self.skip(f"{loc}: {what} is {describe(text)}, not a JSON string")
            return None
        if len(text) > MAX_EMBEDDED:
            self.skip(f"{loc}: {what} of {_mb(len(text))} is over the {_mb(MAX_EMBEDDED)} limit; skipped")
            return None
        try:
            return jv.loads(text)
        except orjson.JSONDecodeError as exc:
            self.skip(f"{loc}: {what} is not valid JSON ({exc.msg} at character {exc.pos})")
        except (ValueError, RecursionError) as exc:
            self.skip(f"{loc}: {what} is not valid JSON ({exc})")
        return None

    def embedded_record(self, text: Any, loc: str, what: str, env: Optional[dict]) -> None:
        value = self.embedded(text, loc, what)
        if value is None:
            return
        if isinstance(value, dict) and looks_like_record(value):
            self.add(value, loc, env)
        else:
            self.skip(f"{loc}: {what} holds {describe(value)}, not a CloudTrail record")

    def lookup_item(self, item: Any, loc: str) -> None:
        if type(item) is not dict:
            self.skip(f"{loc}: {describe(item)}, not a lookup-events item")
            return
        if "CloudTrailEvent" in item:
            self.embedded_record(item["CloudTrailEvent"], loc, "CloudTrailEvent", _envelope(item, _ENVELOPE_LOOKUP))
        elif looks_like_record(item):
            self.add(item, loc)
        else:
            self.skip(f"{loc}: {describe(item)}, not a lookup-events item")

    def log_event(self, event: Any, loc: str, keys: Sequence[str], extra: dict) -> None:
        if type(event) is not dict or "message" not in event:
            self.skip(f"{loc}: {describe(event)}, not a log event with a message")
            return
        env = dict(extra)
        env.update({k: event[k] for k in keys if k in event and event[k] is not None})
        self.embedded_record(event["message"], loc, "message", env or None)

    def insights_row(self, row: Any, loc: str) -> None:
        if type(row) is not list:
            self.skip(f"{loc}: {describe(row)}, not a Logs Insights result row")
            return
        fields: dict[str, Any] = {}
        for cell in row:
            if isinstance(cell, dict) and "field" in cell:
                fields[str(cell["field"])] = cell.get("value")
        if "@message" in fields:
            env = {k: fields[k] for k in ("@logStream", "@timestamp", "@log") if k in fields}
            self.embedded_record(fields["@message"], loc, "@message", env or None)
            return
        record: dict[str, Any] = {}
        for name, value in fields.items():
            if not name.startswith("@"):
                _set_dotted(record, name, value)
        if record:
            self.add(record, loc, None, partial=True)
        else:
            self.skip(f"{loc}: Logs Insights row without @message or CloudTrail fields")

    def lake_row(self, row: Any, loc: str) -> None:
        if type(row) is not list:
            self.skip(f"{loc}: {describe(row)}, not a CloudTrail Lake result row")
            return
        record: dict[str, Any] = {}
        whole = None
        for cell in row:
            if not isinstance(cell, dict):
                continue
            for column, value in cell.items():
                if isinstance(value, str) and value[:1] in ("{", "[") and len(value) <= MAX_EMBEDDED:
                    try:
                        parsed = jv.loads(value)
                    except (ValueError, RecursionError):
                        parsed = value
                    if whole is None and isinstance(parsed, dict) and looks_like_record(parsed):
                        whole = parsed
                        continue
                    value = parsed
                _set_dotted(record, str(column), value)
        if whole is not None:
            self.add(whole, loc, record or None)
        elif record:
            self.add(record, loc, None, partial=True)
        else:
            self.skip(f"{loc}: empty CloudTrail Lake row")

    def classify(self, value: Any, outer: str, env: Optional[dict] = None, depth: int = 0) -> None:
        """Find the CloudTrail record(s) in one parsed value (§1.9 of the CloudTrail guide)."""
        if type(value) is list:
            if depth >= 2:
                self.skip(f"{outer}: nested arrays are not CloudTrail")
                return
            for i, item in enumerate(value):
                self.classify(item, _at(outer, f"[{i}]"), env, depth + 1)
            return
        if type(value) is not dict:
            self.skip(f"{_where(outer)}{describe(value)}, not a CloudTrail record")
            return
        if "eventVersion" in value:
            self.add(value, outer or "document", env)
            return
        records = value.get("Records")
        if type(records) is list:
            self.add_records(records, outer, 0)
            return
        if is_digest(value):
            self.digest_found()
            return
        events = value.get("Events")
        if type(events) is list:
            self.wrapper = self.wrapper or "lookup-events"
            for i, item in enumerate(events):
                self.lookup_item(item, _at(outer, f"Events[{i}]"))
            return
        events = value.get("events")
        if type(events) is list and all(type(e) is dict and "message" in e for e in events[:3]):
            self.wrapper = self.wrapper or "cwl-events"
            for i, item in enumerate(events):
                self.log_event(item, _at(outer, f"events[{i}]"), ("logStreamName", "timestamp", "eventId"), {})
            return
        if "messageType" in value and ("logEvents" in value or value.get("messageType") == "CONTROL_MESSAGE"):
            self.wrapper = self.wrapper or "cwl-subscription"
            kind = value.get("messageType")
            if kind == "CONTROL_MESSAGE":
                self.controls += 1
                return
            log_events = value.get("logEvents")
            if kind != "DATA_MESSAGE" or type(log_events) is not list:
                self.skip(f"{_where(outer)}CloudWatch Logs payload of type {kind!r} without logEvents")
                return
            extra = {k: value[k] for k in ("logGroup", "logStream") if isinstance(value.get(k), str)}
            for i, item in enumerate(log_events):
                self.log_event(item, _at(outer, f"logEvents[{i}]"), ("id", "timestamp"), extra)
            return
        results = value.get("results")
        if type(results) is list and all(type(r) is list for r in results[:3]) and (
            not results or any(isinstance(c, dict) and "field" in c for c in results[0])
        ):
            self.wrapper = self.wrapper or "cwl-insights"
            for i, row in enumerate(results):
                self.insights_row(row, _at(outer, f"results[{i}]"))
            return
        rows = value.get("QueryResultRows")
        if type(rows) is list:
            self.wrapper = self.wrapper or "lake"
            for i, row in enumerate(rows):
                self.lake_row(row, _at(outer, f"QueryResultRows[{i}]"))
            return
        if "detail-type" in value and "detail" in value:
            self.wrapper = self.wrapper or "eventbridge"
            detail = value["detail"]
            loc = _at(outer, "detail")
            if type(detail) is dict and looks_like_record(detail):
                self.add(detail, loc, _envelope(value, _ENVELOPE_EVENTBRIDGE))
            else:
                self.skip(f"{loc}: EventBridge event {value.get('detail-type')!r} does not carry a CloudTrail record")
            return
        ecs = value.get("event")
        if type(ecs) is dict and isinstance(ecs.get("original"), str):
            self.embedded_record(ecs["original"], _at(outer, "event.original"), "event.original", env)
            return
        if looks_like_record(value):
            self.add(value, outer or "document", env)
            return
        if "CloudTrailEvent" in value:
            self.wrapper = self.wrapper or "lookup-events"
            self.lookup_item(value, outer or "document")
            return
        if type(ecs) is dict or "aws" in value and isinstance(value.get("aws"), dict) and "cloudtrail" in value["aws"]:
            self.skip(f"{_where(outer)}an Elastic document without event.original (its record was not kept)")
            return
        self.skip(f"{_where(outer)}not CloudTrail: {describe(value)}")


def load(
    paths: Sequence[str],
    *,
    cancelled: Optional[Callable[[], bool]] = None,
    stdin: Optional[BinaryIO] = None,
    batch_size: int = 2048,
    progress_interval: float = 0.25,
) -> Iterator[LoadItem]:
    """Load CloudTrail records from ``paths``; a generator that never raises for bad input.

    ``paths`` holds files, directories (read recursively, files in sorted path order), glob patterns
    (``*``, ``**``, ``?``, ``[..]``; expanded and sorted) and ``-`` for ``stdin`` (default
    ``sys.stdin.buffer``), read in the order given. Yields, per source: `RecordBatch` (at most
    ``batch_size`` records, in file order), `Problem`, `DigestSkipped`, then `SourceDone`; a `Problem`
    for each missing path; `Progress` at most every ``progress_interval`` seconds and once at the end.
    ``cancelled()`` is polled between batches and between files; once it returns True the generator
    stops (everything already yielded stays valid). Inside directories, hidden entries and obvious
    non-log files are skipped (see the module docstring); files named explicitly are always read.
    """
    loader = _Loader(cancelled, stdin, batch_size, progress_interval)
    yield from loader.run(paths)


def load_all(paths: Sequence[str], **options: Any) -> tuple[list[dict], list[Problem]]:
    """All records of ``paths`` as a list of dicts, and the problems met (for tests and the CLI)."""
    records: list[dict] = []
    problems: list[Problem] = []
    for item in load(paths, **options):
        if isinstance(item, RecordBatch):
            records.extend(item.records)
        elif isinstance(item, Problem):
            problems.append(item)
    return records, problems
