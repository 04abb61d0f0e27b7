"""The decompressed bytes of one input: compression recognised by magic bytes, inflated in bounded steps.

gzip (including concatenated members), bzip2 and xz are inflated `limits.limits.READ_CHUNK` at a time, never
all at once, so a decompression bomb is recognised by its ratio (`limits.MAX_RATIO`) after a few chunks
and a cancelled load stops between chunks. A corrupt or truncated stream keeps what came before the
damage and reports the raw byte offset.
"""

from __future__ import annotations

import bz2
import io
import lzma
import tarfile
import zipfile
import zlib
from typing import Any, Callable, Iterator, Optional

from . import limits

class StreamError(Exception):
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


def _never() -> None:
    return None


class Stream:
    """The decompressed bytes of one input, in chunks; counts the raw bytes consumed."""

    def __init__(self, raw: Any, check: Optional[Callable[[], None]] = None) -> None:
        self.raw = raw
        self.raw_pos = 0
        self.inflated = 0
        """Decompressed bytes produced so far (for the bomb check)."""
        self._check = check or _never
        self.compression: Optional[str] = None
        self._factory: Optional[Callable[[], Any]] = None
        self._magic = b""
        self._pending: list[bytes] = []
        first = self._raw_read(limits.COMPRESSED_READ)
        while 0 < len(first) < 6:
            more = self._raw_read(limits.READ_CHUNK)
            if not more:
                break
            first += more
        for magic, name, factory in _COMPRESSIONS:
            if first.startswith(magic) and (name != "bzip2" or first[3:4].isdigit()):
                self.compression, self._factory, self._magic = name, factory, magic
                break
        self._first = first
        self._chunks = self._decompressed() if self.compression else self._plain()
        self.error: Optional[StreamError] = None
        self._error_raised = False

    def _raw_read(self, n: int) -> bytes:
        self._check()
        try:
            data = self.raw.read(n)
        except OSError as exc:
            raise StreamError(f"read error at byte {self.raw_pos}: {exc.strerror or exc}", self.raw_pos) from None
        except (zipfile.BadZipFile, EOFError, tarfile.TarError, zlib.error) as exc:
            raise StreamError(f"cannot read archive member: {exc}", self.raw_pos) from None
        if data is None:  # pragma: no cover - non-blocking stream without data
            return b""
        self.raw_pos += len(data)
        return data

    def _plain(self) -> Iterator[bytes]:
        if self._first:
            yield self._first
        while True:
            data = self._raw_read(limits.READ_CHUNK)
            if not data:
                return
            yield data

    def _steps(self, decomp: Any, data: bytes) -> Iterator[bytes]:
        """Feed ``data`` to ``decomp``, yielding its output at most `limits.READ_CHUNK` at a time (one call
        never inflates a bomb whole)."""
        limit = limits.READ_CHUNK
        if hasattr(decomp, "unconsumed_tail"):  # zlib
            out = decomp.decompress(data, limit)
            yield out
            while not decomp.eof and (decomp.unconsumed_tail or len(out) >= limit):
                self._check()
                out = decomp.decompress(decomp.unconsumed_tail, limit)
                if not out and not decomp.unconsumed_tail:
                    break
                yield out
            return
        out = decomp.decompress(data, limit)  # bz2, lzma
        yield out
        while not decomp.eof and not decomp.needs_input:
            self._check()
            yield decomp.decompress(b"", limit)

    def _salvage(self, snapshot: Any, data: bytes, base: int, emitted: int) -> tuple[bytes, int]:
        """Re-run a failed zlib chunk in small pieces from a copy of the decompressor taken before it:
        the output before the bad piece not yet ``emitted``, and the bad piece's raw offset."""
        step = 256
        out: list[bytes] = []
        produced = 0
        for i in range(0, len(data), step):
            try:
                piece = snapshot.decompress(data[i : i + step])
            except zlib.error:
                return b"".join(out), base + i
            if produced + len(piece) > emitted:
                out.append(piece[max(0, emitted - produced) :])
            produced += len(piece)
            if snapshot.eof or produced > emitted + 4 * limits.READ_CHUNK:
                break
        return b"".join(out), base

    def _count(self, out: bytes) -> None:
        """Account for inflated bytes; a ratio beyond `limits.MAX_RATIO` is a decompression bomb."""
        self.inflated += len(out)
        if self.inflated > limits.RATIO_GRACE and self.inflated > limits.MAX_RATIO * max(1, self.raw_pos):
            raise StreamError(
                f"{self.compression} data inflates more than {limits.MAX_RATIO} times "
                f"({limits.mb(self.inflated)} from {limits.mb(self.raw_pos)}): a decompression bomb? "
                f"stopped at byte {self.raw_pos}",
                self.raw_pos,
            )

    def _decompressed(self) -> Iterator[bytes]:
        name = self.compression
        decomp = self._factory()  # type: ignore[misc]
        fed = False
        data = self._first
        base = 0
        while True:
            if not data:
                data = self._raw_read(limits.COMPRESSED_READ)
                base = self.raw_pos - len(data)
                if not data:
                    break
            if decomp.eof:
                # another member (concatenated gzip) or padding after the end
                if len(data) < len(self._magic):
                    more = self._raw_read(limits.READ_CHUNK)
                    data += more
                if data.startswith(self._magic):
                    decomp = self._factory()  # type: ignore[misc]
                    fed = False
                elif not data.strip(b"\x00"):
                    data = b""
                    continue
                else:
                    raise StreamError(f"unexpected data after the end of the {name} stream at byte {base}", base)
            snapshot = decomp.copy() if name == "gzip" else None
            emitted = 0
            try:
                for out in self._steps(decomp, data):
                    if out:
                        self._count(out)
                        emitted += len(out)
                        yield out
            except (zlib.error, OSError, EOFError, lzma.LZMAError, ValueError) as exc:
                where = base
                if snapshot is not None:
                    before, where = self._salvage(snapshot, data, base, emitted)
                    if before:
                        yield before
                if "check" in str(exc):  # zlib only notices the damage at the trailer's checksum
                    raise StreamError(f"corrupt {name} data: checksum mismatch at byte {where} ({exc})", where) from None
                raise StreamError(f"corrupt {name} data at byte {where}: {exc}", where) from None
            fed = True
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
            raise StreamError(f"truncated {name} stream at byte {self.raw_pos}", self.raw_pos)

    def _next(self) -> bytes:
        if self.error is not None:
            return b""
        try:
            return next(self._chunks, b"")
        except StreamError as exc:
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
        """The next chunk of content, ``b""`` at the end; raises `StreamError` once if reading failed."""
        if self._pending:
            return self._pending.pop(0)
        chunk = self._next()
        if not chunk and self.error is not None and not self._error_raised:
            self._error_raised = True
            raise self.error
        return chunk

    def read_all(self) -> tuple[bytearray, Optional[StreamError]]:
        """All remaining content (at most `limits.MAX_DOCUMENT` bytes), and the error that cut it short."""
        pending = self._pending
        self._pending = []
        buf = bytearray()
        while True:
            chunk = pending.pop(0) if pending else self._next()
            if not chunk:
                break
            buf += chunk
            if len(buf) > limits.MAX_DOCUMENT:
                del buf[limits.MAX_DOCUMENT :]
                self.error = StreamError(
                    f"larger than the {limits.mb(limits.MAX_DOCUMENT)} limit for one document; "
                    f"read up to byte {limits.MAX_DOCUMENT} of its content only",
                    self.raw_pos,
                )
                break
        self._error_raised = True
        return buf, self.error


class StreamFile(io.RawIOBase):
    """A `Stream`'s content as a file object (for tarfile's streaming mode)."""

    def __init__(self, stream: Stream) -> None:
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
