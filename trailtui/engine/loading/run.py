"""The load loop: expand the paths, read each input with a `SourceReader`, report progress, honour
cancellation, and never raise for bad input.

The garbage collector is paused while loading (it would otherwise rescan every parsed record many times
over); its previous state is restored when the generator finishes or is closed.
"""

from __future__ import annotations

import gc
import sys
import threading
import time
from typing import Any, BinaryIO, Callable, Iterator, Optional, Sequence

from ..model import LoadItem, Problem, Progress, RecordBatch, Source, SourceDone
from ..sniff import s3_meta
from . import limits, paths as input_paths
from .reader import SourceReader
from .streams import Stream, StreamError

class Cancelled(Exception):
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


class Loader:
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
        self.stopped = False
        """Out of memory: no further source is read."""
        self.reserve: Optional[bytearray] = bytearray(limits.MEMORY_RESERVE)
        self.stream: Optional[Stream] = None
        self.position: Optional[int] = None
        """Raw bytes of the current input accounted for, when that is not simply what was read
        (a whole document is read first and parsed afterwards)."""

    # progress and cancellation -------------------------------------------------------------------

    def check_cancel(self) -> None:
        if self.stopped or self.cancelled is not None and self.cancelled():
            raise Cancelled

    def out_of_memory(self) -> None:
        """Free the reserve so the problem can still be reported, and stop the load after this source."""
        self.reserve = None
        self.stopped = True

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
                inputs = input_paths.expand_paths(paths)
            except Exception as exc:  # noqa: BLE001 - never raise out of load()
                yield Problem("", f"cannot list the inputs: {exc!r}")
                return
            for item in inputs:
                if isinstance(item, input_paths.Input):
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
        except Cancelled:
            if self.stopped:
                yield self.stop_problem()
            return
        except MemoryError:  # between sources (listing the inputs, progress)
            self.out_of_memory()
            yield self.stop_problem()
        finally:
            _resume_gc()

    def stop_problem(self) -> Problem:
        left = self.files_total - self.files_done
        return Problem(
            "",
            f"out of memory after {self.events} records: loading stopped ({left} of {self.files_total} files "
            "not read or not finished); the records loaded are kept. Load fewer files, or filter with "
            "`trailtui query`, which streams.",
        )

    def read_input(self, item: input_paths.Input) -> Iterator[LoadItem]:
        source = Source(path=item.path, size=item.size, meta=s3_meta(item.path))
        try:
            raw: Any = (self.stdin or sys.stdin.buffer) if item.fs_path is None else input_paths.open_input(item.fs_path)
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
        reader = SourceReader(self, source)
        archive = False
        self.position = None
        try:
            stream = Stream(raw, self.check_cancel)
            self.stream = stream
            source.compressed = stream.compression is not None
            archive = yield from reader.read(stream, fs_path, depth)
        except Cancelled:
            raise
        except StreamError as exc:
            reader.problem(exc.reason, offset=exc.offset)
        except MemoryError:
            self.out_of_memory()
            done = source.events + len(reader.recs)
            kept = f"; the {done} records before it were kept" if done else ""
            reader.problem(f"out of memory while reading{kept}; loading stopped here")
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
    loader = Loader(cancelled, stdin, batch_size, progress_interval)
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