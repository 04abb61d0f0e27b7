"""Messages between a parent and its ``python -m`` worker processes: length-prefixed pickles over pipes.

Used by the columnar ingest (``columnar/ingest.py``) and the one-shot split (``oneshot_split.py``); kept
apart so a worker that only needs the pipes does not import the columnar engine (pyarrow, DuckDB).
"""

from __future__ import annotations

import os
import pickle
import struct
import subprocess
import sys
from typing import Any


def send(out: Any, message: Any) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    out.write(struct.pack("<Q", len(data)))
    out.write(data)
    out.flush()


def read_exactly(stream: Any, size: int) -> bytearray:
    """``size`` bytes from a (possibly unbuffered) stream, read in place into one buffer (messages carry
    megabytes of rows: no chunk list, no join); EOFError when it ends first."""
    buf = bytearray(size)
    view = memoryview(buf)
    got = 0
    while got < size:
        n = stream.readinto(view[got:])
        if not n:
            raise EOFError
        got += n
    return buf


def recv(stream: Any) -> Any:
    (size,) = struct.unpack("<Q", read_exactly(stream, 8))
    return pickle.loads(read_exactly(stream, size))


def start_worker(module: str) -> subprocess.Popen:
    """``python -m module`` with pipes for stdin and stdout (unbuffered), importing this checkout's
    ``trailtui`` whatever the caller's working directory. Unlike ``multiprocessing``'s spawn, the worker never
    re-imports the caller's ``__main__`` (an app, a test runner). Raises OSError when it cannot start."""
    package_root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ)
    env["PYTHONPATH"] = package_root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return subprocess.Popen([sys.executable, "-m", module], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            env=env, bufsize=0)
