"""Messages between a parent and its ``python -m`` worker processes: length-prefixed pickles over pipes.

Used by the columnar ingest (``columnar/ingest.py``) and the one-shot split (``oneshot_split.py``); kept
apart so a worker that only needs the pipes does not import the columnar engine (pyarrow, DuckDB).
"""

from __future__ import annotations

import pickle
import struct
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
