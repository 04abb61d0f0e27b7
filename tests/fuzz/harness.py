"""The fuzzing harness for issue #12: hostile bytes into the loader, hostile text into the filter parser.

Properties checked for every generated input (`check_load`, `check_filter`):

* the loader never raises, whatever the bytes, shape or compression;
* every `RecordBatch` is consistent (records, positions and locations of equal length) and every record
  can be stored (compact JSON without ``Infinity``/``NaN``) — the store's invariants;
* every `Problem` message is terminal-safe (no control, C1 or bidi character);
* the filter parser returns a program or raises `JqCompileError` (a position inside the text), never
  anything else, and its message is terminal-safe once escaped.

Inputs: the seed corpus (`corpus.CASES`, every case of the issue) mutated by truncation, byte flips,
insertion of hostile characters, and wrapping in gzip/bzip2/xz/tar/zip. `tests/fuzz/test_fuzz_quick.py`
runs a few seconds of this in the normal suite; ``scripts/fuzz.py --minutes N`` runs it for longer.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import tarfile
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import orjson
from hypothesis import strategies as st

from tests.fuzz.corpus import CASES
from trailtui.engine.loader import load
from trailtui.engine.model import Problem, RecordBatch
from trailtui.engine.textsafe import safe_text

SMALL_SEEDS = {name: data for name, data in CASES.items() if len(data) <= 1 << 20}
"""Seeds cheap enough to mutate thousands of times (the multi-megabyte ones run as they are)."""

HOSTILE = [b"\x1b[2J", b"\xc2\x9b", b"\xe2\x80\xae", b"\xff", b"\\ud800", b"1e400", b"123456789012345678901234567890",
           b"[/x]", b"\x00", b"\n", b"{}", b"]", b"{", b'"', b",", b" " * 64, b'{"Records":[']


def _wrap(kind: str, data: bytes) -> bytes:
    if kind == "gzip":
        return gzip.compress(data, 1)
    if kind == "bzip2":
        return bz2.compress(data, 1)
    if kind == "xz":
        return lzma.compress(data, preset=0)
    if kind == "tar":
        out = io.BytesIO()
        with tarfile.open(fileobj=out, mode="w") as archive:
            info = tarfile.TarInfo("m/../x.json")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        return out.getvalue()
    if kind == "zip":
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            archive.writestr("a/\x1bx.json", data)
        return out.getvalue()
    return data


@st.composite
def hostile_inputs(draw: Any) -> bytes:
    """A seed, mutated a few times, maybe compressed or archived (up to twice)."""
    data = draw(st.sampled_from(sorted(SMALL_SEEDS.values(), key=len)))
    for _ in range(draw(st.integers(0, 4))):
        op = draw(st.sampled_from(["cut", "flip", "insert", "delete", "repeat"]))
        at = draw(st.integers(0, len(data)))
        if op == "cut":
            data = data[:at]
        elif op == "flip" and data:
            at = min(at, len(data) - 1)
            data = data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1 :]
        elif op == "insert":
            data = data[:at] + draw(st.sampled_from(HOSTILE) | st.binary(max_size=16)) + data[at:]
        elif op == "delete":
            data = data[:at] + data[at + draw(st.integers(1, 64)) :]
        elif op == "repeat":
            data = data[:at] + data[at : at + 256] * draw(st.integers(2, 20)) + data[at:]
    for _ in range(draw(st.integers(0, 2))):
        data = _wrap(draw(st.sampled_from(["plain", "gzip", "bzip2", "xz", "tar", "zip"])), data)
    return data


def check_load(data: bytes, directory: Path | None = None) -> tuple[int, int]:
    """Load ``data`` as a file; assert the properties above. Returns ``(records, problems)``."""
    with tempfile.TemporaryDirectory(dir=directory) as folder:
        path = Path(folder) / "input"
        path.write_bytes(data)
        records = problems = 0
        for item in load([str(path)], batch_size=7):
            if isinstance(item, RecordBatch):
                assert len(item.records) == len(item.positions) == len(item.locations)
                for record in item.records:
                    try:
                        raw = orjson.dumps(record)
                    except TypeError:  # integers beyond 64 bits: the store's stdlib fallback
                        import json

                        raw = json.dumps(record, ensure_ascii=False).encode()
                    assert b"Infinity" not in raw and b"NaN" not in raw or b'"' in raw
                records += len(item.records)
            elif isinstance(item, Problem):
                assert safe_text(item.message) == item.message, item.message
                problems += 1
        return records, problems


FILTER_PIECES = [".", "[", "]", "{", "}", "(", ")", "|", ",", '"', "\\", "$", "@", "select(", ".eventName", "==",
                 '"\x1b[2J"', "\u202e", "[/x]", "def f: ", "reduce ", "as $x", "?", "//", "..", "1e400", " ",
                 "and", "or", "not", "if ", " then ", " else ", " end", "try ", "\x00", "\\(", "\n"]


@st.composite
def hostile_filters(draw: Any) -> str:
    return "".join(draw(st.lists(st.sampled_from(FILTER_PIECES) | st.text(max_size=4), max_size=25)))


def check_filter(text: str) -> bool:
    """Compile ``text``; assert it compiles or fails with a positioned `JqCompileError`. True if it compiled."""
    from trailtui.engine.jq import JqCompileError, compile_program

    try:
        compile_program(text)
    except JqCompileError as exc:
        pos = getattr(exc, "pos", None)
        assert pos is None or 0 <= pos <= len(text), (pos, len(text))
        assert "\x1b" not in safe_text(str(exc))
        return False
    except RecursionError:
        return False  # nesting beyond Python's stack: reported by the filter bar as "too deeply nested"
    return True
