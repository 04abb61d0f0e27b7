"""Both cores on one big ``{"Records": [...]}`` file: two worker processes each parse and evaluate half.

The file is cut between two records near the middle, where ``},`` is followed by the bytes that open the
first record (``{"eventVersion"``). In valid JSON that cannot lie inside a string (its ``"`` would end the
string, and a letter cannot follow a string); it could open a nested object that happens to start with the
same key, and then the halves do not parse. Each worker reads its
byte range as a JSON array (``jsonvalues.ArrayReader``, as the loader does), so a cut in the wrong place, or
a file that is not valid JSON, fails to parse; so does anything the loader would treat specially
(encoding damage, an element that is not a CloudTrail record). Then the caller reads the file the ordinary
way (``oneshot.EventStream``): nothing was printed yet, because the parent keeps the workers' results
(ids, content digests, outputs — not the records) until both halves are known good.

A worker runs the same selection and output code as the single-process stream and sends, per slice of
records: each record's eventID, the selection errors, the outputs, and the output errors by index. Only an
eventID that occurs more than once can make a duplicate, so the parent then asks for the content digests of
those records alone (a worker finds them by parsing its half again, which costs nothing when every eventID
is unique) and de-duplicates as the single-process stream does.

Workers are ``python -m trailtui.engine.oneshot_split`` processes talking length-prefixed pickles
(``pipes.py``, shared with the columnar ingest).
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import threading
from typing import Any, Optional

from .pipes import recv as _recv, send as _send, start_worker

MIN_BYTES = 32 << 20
"""Smaller files are read in one process (starting two workers costs ~0.5 s)."""

_HEAD = re.compile(rb'\s*\{\s*"Records"\s*:\s*\[')
_TAIL = re.compile(rb'\]\s*\}\s*\Z')
_FIRST_KEY = re.compile(rb'\{"[A-Za-z]+"')


def plan(path: str, size: int) -> Optional[list[tuple[int, int]]]:
    """Two byte ranges (the array's elements, without the brackets) when ``path`` can be cut, else None."""
    if size < MIN_BYTES or (os.cpu_count() or 1) < 2:
        return None
    try:
        with open(path, "rb") as f:
            head = f.read(256)
            match = _HEAD.match(head)
            first = _FIRST_KEY.match(head, match.end()) if match is not None else None
            if first is None:
                return None
            f.seek(max(0, size - 256))
            tail = f.read()
            end = _TAIL.search(tail)
            if end is None:
                return None
            close = size - len(tail) + end.start()
            middle = size // 2
            f.seek(middle)
            window = f.read(4 << 20)
    except OSError:
        return None
    cut = window.find(b"}," + first.group())
    if cut < 0:
        return None
    split = middle + cut
    return [(match.end(), split + 1), (split + 2, close)]


class SplitFailed(Exception):
    """A half did not parse as records (or a worker stopped): read the file in one process instead."""


class Split:
    """Two workers' results (``halves``: per half, its slices in order); :meth:`digests` asks for content
    digests of given records afterwards; :meth:`close` ends the workers."""

    def __init__(self, path: str, shown_path: str, ranges: list[tuple[int, int]], text: str, select: bool,
                 projection: bool) -> None:
        self.procs: list[subprocess.Popen] = []
        try:
            for _ in ranges:
                self.procs.append(start_worker("trailtui.engine.oneshot_split"))
        except OSError as exc:
            self.close()
            raise SplitFailed(f"cannot start a worker: {exc}") from None
        self.halves: list[list[tuple]] = [[] for _ in ranges]
        verdicts: list[Optional[str]] = [None] * len(ranges)

        def drain(k: int) -> None:
            try:
                while True:
                    message = _recv(self.procs[k].stdout)
                    if message[0] == "slice":
                        self.halves[k].append(message[1:])
                    else:
                        verdicts[k] = message[1]
                        return
            except (EOFError, OSError, ValueError) as exc:
                verdicts[k] = f"worker stopped: {exc}"

        threads = [threading.Thread(target=drain, args=(k,), daemon=True) for k in range(len(ranges))]
        try:
            for k, (start, end) in enumerate(ranges):
                _send(self.procs[k].stdin, (path, shown_path, start, end, text, select, projection))
                threads[k].start()
            for thread in threads:
                thread.join()
        except BaseException:
            self.close()
            raise
        bad = [v for v in verdicts if v != "ok"]
        if bad:
            self.close()
            raise SplitFailed(bad[0])

    def digests(self, wanted: list[dict[int, list[int]]]) -> list[dict[tuple[int, int], bytes]]:
        """Per half, ``{(slice, index): digest}`` of the records asked for (``{slice: [index, ...]}``):
        a keyed hash of each record's JSON with sorted keys (equal content, equal digest)."""
        key = os.urandom(16)
        try:
            for proc, asked in zip(self.procs, wanted):
                _send(proc.stdin, (key, asked))
            return [_recv(proc.stdout) if asked else {} for proc, asked in zip(self.procs, wanted)]
        except (EOFError, OSError, ValueError) as exc:
            raise SplitFailed(f"worker stopped: {exc}") from None

    def close(self) -> None:
        for proc in self.procs:
            try:
                proc.stdin.close()
            except OSError:
                pass
            if proc.poll() is None:
                proc.kill()
            proc.wait()


def _read_half(path: str, start: int, end: int) -> bytearray:
    with open(path, "rb") as f:
        f.seek(start)
        buf = bytearray(b"[")
        buf += f.read(end - start)
        buf += b"]"
    return buf


def _half(path: str, shown_path: str, start: int, end: int, text: str, select: bool, projection: bool,
          out: Any) -> str:
    from . import jq
    from . import jsonvalues as jv
    from .loading import limits
    from . import oneshot
    from .query import compile_query

    query = compile_query(text)
    buf = _read_half(path, start, end)
    if jv.has_encoding_damage(buf):
        return "encoding damage"
    filename = shown_path if query.uses_filename else None
    program = query.projection if projection else None
    dumps_raw = jq.dumps_raw
    runtime_error = jq.JqRuntimeError
    try:
        for records in jv.ArrayReader(buf, 0, None, target=limits.SLICE_TARGET):
            if not all(type(r) is dict and "eventVersion" in r for r in records):
                return "an element that is not a record"
            ids: list[Optional[str]] = [r.get("eventID") for r in records]
            for i, event_id in enumerate(ids):
                if type(event_id) is not str or not event_id:
                    ids[i] = None
            match_errors: dict[int, str] = {}
            outputs: dict[int, list[Any]] = {}
            output_errors: dict[int, str] = {}
            for i, verdict in oneshot.verdicts(query, select, records, filename):
                if verdict is not True:
                    match_errors[i] = verdict
                    continue
                values: list[Any] = []
                try:
                    for value in oneshot.event_values(query, program, records[i], filename):
                        values.append(value if program is not None else dumps_raw(value))
                except runtime_error as err:
                    output_errors[i] = str(err)
                if values:
                    outputs[i] = values
            _send(out, ("slice", ids, match_errors, outputs, output_errors))
    except jv.JsonError as err:
        return f"not valid JSON: {err.reason}"
    return "ok"


def _digests(path: str, start: int, end: int, key: bytes, asked: dict[int, list[int]]) -> dict[tuple[int, int], bytes]:
    """Digests of the records asked for, found by reading the half again the same way."""
    from . import jsonvalues as jv
    from .loading import limits
    from .oneshot import canonical

    found: dict[tuple[int, int], bytes] = {}
    for k, records in enumerate(jv.ArrayReader(_read_half(path, start, end), 0, None, target=limits.SLICE_TARGET)):
        for i in asked.get(k, ()):
            found[(k, i)] = hashlib.blake2b(canonical(records[i]), key=key, digest_size=16).digest()
    return found


def worker_main() -> None:
    """A worker: a task from stdin, its results to stdout, ``("end", verdict)``; then, if asked, digests."""
    tasks, out = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr
    import gc

    gc.disable()
    try:
        task = _recv(tasks)
        verdict = _half(*task, out=out)
    except Exception as exc:  # noqa: BLE001 - the parent falls back to one process
        verdict = f"{type(exc).__name__}: {exc}"
    _send(out, ("end", verdict))
    if verdict != "ok":
        return
    try:
        key, asked = _recv(tasks)
    except EOFError:
        return
    if asked:
        path, _shown, start, end = task[:4]
        _send(out, _digests(path, start, end, key, asked))


if __name__ == "__main__":
    worker_main()
