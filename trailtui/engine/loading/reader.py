"""Reading one source: recognise its shape from the first bytes, then parse it in bounded steps.

* JSON Lines is read line by line (a bad line costs only itself; a line over `limits.MAX_LINE` is
  skipped with a message).
* A document above `limits.limits.SPLIT_THRESHOLD` whose bulk is one array (``[...]``,
  ``{"Records"|"Events"|"events"|"results": [...]}``) is parsed `limits.limits.SLICE_TARGET` bytes at a time,
  values back to back in groups of that size; only other big documents and single huge values are parsed
  in one call, so parsing holds the GIL in short steps.
* Zip and tar archives are handed to `archives`, each member read as a source of its own.
"""

from __future__ import annotations

from typing import Iterator, Optional

import orjson

from .. import jsonvalues as jv
from ..model import LoadItem
from ..sniff import CWL_EXPORT_PREFIX, looks_like_record, sniff
from . import archives, limits
from .shapes import ShapeClassifier
from .streams import Stream, StreamError


class SourceReader(ShapeClassifier):
    """Parses one source: sniffs its shape, classifies values, batches records, reports problems."""

    def read(self, stream: Stream, fs_path: Optional[str], depth: int) -> Iterator[LoadItem]:
        """Read the stream; returns True when it was an archive (members were reported separately)."""
        head, at_eof = self.peek_content(stream)
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
            if depth >= limits.MAX_ARCHIVE_DEPTH:
                self.problem(f"{kind.kind} archive nested too deeply")
                return False
            if kind.kind == "zip":
                return (yield from archives.read_zip(self, stream, fs_path, depth))
            return (yield from archives.read_tar(self, stream, depth))
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

    def peek_content(self, stream: Stream) -> tuple[bytes, bool]:
        """The first bytes of the input, reaching `limits.HEAD_SIZE` past any leading whitespace (so
        megabytes of blanks before the JSON are not mistaken for an empty file)."""
        need = limits.HEAD_SIZE
        while True:
            head, at_eof = stream.peek(need)
            blank = jv.skip_ws(head, 3 if head.startswith(b"\xef\xbb\xbf") else 0)
            if at_eof or len(head) - blank >= limits.HEAD_SIZE // 2 or need >= limits.MAX_DOCUMENT:
                return head, at_eof
            self.loader.check_cancel()
            need = min(limits.MAX_DOCUMENT, max(2 * need, blank + limits.HEAD_SIZE))

    # JSON Lines -------------------------------------------------------------------------------

    def read_lines(self, stream: Stream, start: int, export: bool) -> Iterator[LoadItem]:
        self.container = "cwl-export" if export else "jsonl"
        if export:
            self.wrapper = "cwl-export"
        lineno = 0
        tail: list[bytes] = []
        tail_size = 0
        overlong = False
        error: Optional[StreamError] = None
        first = True
        hint = jv._BIG_INT_HINT
        while True:
            try:
                chunk = stream.read_chunk()
            except StreamError as exc:
                error = exc
                break
            if not chunk:
                break
            if first:
                chunk = chunk[start:]
                first = False
            lines = chunk.split(b"\n")
            if len(lines) == 1:
                if overlong:
                    continue
                tail.append(lines[0])
                tail_size += len(lines[0])
                if tail_size > limits.MAX_LINE:
                    overlong, tail, tail_size = True, [], 0  # dropped up to the next newline
                continue
            if overlong:
                lineno += 1
                self.skip(f"line {lineno}: longer than the {limits.mb(limits.MAX_LINE)} limit for one line; skipped",
                          line=lineno)
                lines[0] = b""
                overlong = False
            elif tail:
                tail.append(lines[0])
                lines[0] = b"".join(tail)
                tail = []
            last_piece = lines.pop()
            tail, tail_size = [last_piece], len(last_piece)
            big = hint.search(chunk) is not None or hint.search(lines[0]) is not None
            lineno = self.parse_lines(lines, lineno, export, big)
            if self.out:
                yield from self.flush()
        last = b"".join(tail)
        if overlong:
            lineno += 1
            self.skip(f"line {lineno}: longer than the {limits.mb(limits.MAX_LINE)} limit for one line; skipped",
                      line=lineno)
            last = b""
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
            self.stream_problem(error)
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
                    value, repaired = jv.loads_repairing(line)
                except decode_error as exc:
                    column = jv.error_offset(exc, line) + 1
                    self.skip(f"line {lineno}, column {column}: {jv.plain_reason(exc.msg)}", line=lineno)
                    fast = bool(self.source.shape) and not self.partial and not self.held
                    recs, locs, envs = self.recs, self.locs, self.envs
                    continue
                if repaired is not None:
                    self.note_repaired(f"line {lineno}, column {repaired[0] + 1}", repaired[1], line=lineno)
                    fast = False  # the note may have sealed the pending batch
            if len(line) > limits.HUGE_RECORD:
                self.note_huge(len(line), f"line {lineno}")
                fast = False  # the note may have sealed the pending batch
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

    def read_document(self, buf: bytearray, start: int, error: Optional[StreamError]) -> Iterator[LoadItem]:
        start = jv.skip_ws(buf, start)
        n = len(buf)
        if start >= n:
            if error is not None:
                self.problem(error.reason, offset=error.offset)
            else:
                self.source.shape = "empty"
                self.problem("empty file")
            return
        if jv.has_encoding_damage(buf):
            repaired = jv.repair_encoding(buf)
            if repaired is not None:
                data, first, count = repaired
                del buf
                buf = bytearray(data)
                del data
                n = len(buf)
                line, column = jv.line_col(buf, first)
                self.note_repaired(f"line {line}, column {column} (byte {first})", count, line=line, offset=first)
        head = jv.array_head(buf, start)
        splittable = head is not None and head[0] in (None, "Records", "Events", "events", "results")
        if splittable and n - start > limits.SPLIT_THRESHOLD:
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
        if isinstance(value, dict) and n - start > limits.HUGE_RECORD and looks_like_record(value):
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

    def stream_problem(self, error: StreamError) -> None:
        done = self.source.events + len(self.recs)
        reason = error.reason + (f"; the {done} records before it were loaded" if done else "")
        self.stream_reason = self.stream_reason or reason
        self.problem(reason, offset=error.offset)

    def json_problem(self, buf: bytearray, err: jv.JsonError, error: Optional[StreamError], note: str = "") -> None:
        if error is not None:
            return  # a consequence of the cut or corrupt stream, reported once by stream_problem
        line, column = jv.line_col(buf, err.offset)
        self.skip(f"line {line}, column {column} (byte {err.offset}): {err.reason}{note}", line=line, offset=err.offset)

    def read_array(self, buf: bytearray, key: Optional[str], open_pos: int, error: Optional[StreamError]) -> Iterator[LoadItem]:
        self.container = "array"
        reader = jv.ArrayReader(buf, open_pos, key, target=limits.SLICE_TARGET)
        index = 0
        try:
            for elements in reader:
                if key == "Records":
                    self.add_records(elements, "", index)
                else:
                    self.classify_elements(key, elements, index)
                index += len(elements)
                self.loader.check_cancel()
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

    def read_values(self, buf: bytearray, start: int, error: Optional[StreamError]) -> Iterator[LoadItem]:
        self.container = "concatenated"
        has_newlines = buf.find(b"\n", start) >= 0
        line, last = 1, 0
        for count, (offset, value, err) in enumerate(jv.iter_values(buf, start, target=limits.SLICE_TARGET)):
            if count & 4095 == 4095:
                self.loader.check_cancel()
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