"""Bad input: each bad file is exactly one clear Problem naming it and the reason; the rest still loads;
nothing raises out of ``load()``. Also cancellation and progress throttling."""

from __future__ import annotations

import gzip
import json
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trailtui.engine.loading import limits, paths as paths_mod, reader as reader_mod
from trailtui.engine.loader import load, load_all
from trailtui.engine.model import Problem, Progress, RecordBatch, SourceDone


def record(i: int) -> dict:
    return {"eventVersion": "1.08", "eventTime": "2024-08-01T10:00:00Z", "eventSource": "iam.amazonaws.com",
            "eventName": "CreateUser", "eventID": f"id-{i}", "requestParameters": {"userName": f"u{i}"},
            "pad": f"{i:08d}" * 30}


def records(n: int) -> list[dict]:
    return [record(i) for i in range(n)]


def write(path: Path, data: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def run(paths: list, **kw: Any) -> tuple[list[dict], list[Problem], list]:
    its = list(load([str(p) for p in paths], **kw))
    recs = [r for it in its if isinstance(it, RecordBatch) for r in it.records]
    return recs, [it for it in its if isinstance(it, Problem)], its


@pytest.fixture
def good(tmp_path: Path) -> Path:
    return write(tmp_path / "good" / "ok.json", json.dumps({"Records": records(5)}))


def one_problem(tmp_path: Path, good: Path, bad: Path, *words: str, fatal: bool = True) -> Problem:
    """Load ``[bad, good]``: exactly one problem, naming ``bad`` and containing ``words``; good loads."""
    recs, probs, its = run([bad, good])
    assert len(probs) == 1, [p.message for p in probs]
    prob = probs[0]
    assert prob.path == str(bad)
    assert prob.message.startswith(f"{bad}: ")
    for word in words:
        assert word in prob.message, prob.message
    assert prob.fatal is fatal
    assert recs[-5:] == records(5)
    assert [type(it) for it in its].count(SourceDone) == 2
    return prob


# ------------------------------------------------------------------------------------- the cases


def test_corrupt_records_document_keeps_records_before_the_error(tmp_path: Path, good: Path) -> None:
    doc = json.dumps({"Records": records(30)})
    cut = doc.index(', {"eventVersion"', 4000)
    bad = write(tmp_path / "corrupt.json", doc[:cut] + " @" + doc[cut + 1 :])
    line_col = f"line 1, column {cut + 2}"
    prob = one_problem(tmp_path, good, bad, line_col, f"byte {cut + 1}", "after an array element", fatal=False)
    assert prob.offset == cut + 1
    recs, _, _ = run([bad])
    assert recs == records(30)[: len(recs)] and 0 < len(recs) < 30


def test_syntax_error_in_single_document(tmp_path: Path, good: Path) -> None:
    bad = write(tmp_path / "broken.json", '{\n  "eventVersion": "1.08",\n  "eventTime": ,\n}')
    one_problem(tmp_path, good, bad, "line 3, column 16", "unexpected character")


def test_truncated_gzip(tmp_path: Path, good: Path) -> None:
    data = gzip.compress(json.dumps({"Records": records(400)}).encode())
    bad = write(tmp_path / "cut.json.gz", data[: len(data) // 2])
    prob = one_problem(tmp_path, good, bad, f"truncated gzip stream at byte {len(data) // 2}", "records before it were loaded",
                       fatal=False)
    assert prob.offset == len(data) // 2
    recs, _, _ = run([bad])
    assert 0 < len(recs) < 400 and recs == records(400)[: len(recs)]


def test_truncated_gzip_json_lines(tmp_path: Path, good: Path) -> None:
    data = gzip.compress("\n".join(json.dumps(r) for r in records(400)).encode())
    bad = write(tmp_path / "cut.jsonl.gz", data[: len(data) * 2 // 3])
    one_problem(tmp_path, good, bad, "truncated gzip stream at byte", fatal=False)
    recs, _, _ = run([bad])
    assert 0 < len(recs) < 400 and recs == records(400)[: len(recs)]


def test_truncated_gzip_tiny_is_fatal(tmp_path: Path, good: Path) -> None:
    bad = write(tmp_path / "tiny.gz", gzip.compress(b'{"Records": [')[:12])
    one_problem(tmp_path, good, bad, "truncated gzip stream at byte 12")


@pytest.mark.parametrize("where", [0.5, 0.1])
def test_corrupt_gzip_data(tmp_path: Path, good: Path, where: float) -> None:
    rnd = random.Random(5)
    doc = json.dumps({"Records": [dict(record(i), noise="%x" % rnd.getrandbits(3000)) for i in range(60)]}).encode()
    data = bytearray(gzip.compress(doc))
    middle = int(len(data) * where)
    for k in range(middle, middle + 64):
        data[k] ^= 0x5A
    bad = write(tmp_path / "bitrot.json.gz", bytes(data))
    recs, _, _ = run([bad])
    prob = one_problem(tmp_path, good, bad, "corrupt gzip data", fatal=not recs)
    assert prob.offset is not None
    if "checksum mismatch" in prob.message:  # damage only noticed at the trailer
        assert len(data) - 300 <= prob.offset <= len(data)
    else:
        assert middle - 256 <= prob.offset <= middle + 256
    assert recs[:5] == [dict(record(i), noise=r["noise"]) for i, r in enumerate(recs[:5])]


def test_binary_garbage(tmp_path: Path, good: Path) -> None:
    rnd = random.Random(7)
    bad = write(tmp_path / "garbage.json", bytes(rnd.randrange(256) for _ in range(20_000)))
    one_problem(tmp_path, good, bad, "binary data, not JSON text")


@pytest.mark.parametrize(
    "name, content, words",
    [
        ("foo.json", '{"foo": 1}', ("not CloudTrail", "keys foo")),
        ("package.json", json.dumps({"name": "x", "version": "1.0.0", "scripts": {}, "dependencies": {}}, indent=2),
         ("not CloudTrail", "keys name, version, scripts, dependencies")),
        ("numbers.json", "[1, 2, 3]", ("[0]", "a number, not a CloudTrail record")),
        ("meta.jsonl", '{"file": "a", "id": 1}\n{"file": "b", "id": 2}\n', ("line 1", "not CloudTrail", "2 problems")),
        ("readme.txt", "hello\nthis is not JSON\n", ("line 1, column 1", "unexpected character")),
        ("sign.json", json.dumps({"hashList": [], "signature": "abc"}), ("not CloudTrail",)),
    ],
)
def test_json_that_is_not_cloudtrail(tmp_path: Path, good: Path, name: str, content: str, words: tuple) -> None:
    one_problem(tmp_path, good, write(tmp_path / name, content), *words)


@pytest.mark.parametrize("content", ["", "   \n\n\t ", "\ufeff"])
def test_empty_file(tmp_path: Path, good: Path, content: str) -> None:
    prob = one_problem(tmp_path, good, write(tmp_path / "empty.json", content), "empty file")
    assert prob.fatal


def test_empty_gzip(tmp_path: Path, good: Path) -> None:
    one_problem(tmp_path, good, write(tmp_path / "e.gz", gzip.compress(b"")), "empty gzip-compressed file")


def test_parquet_zstd_and_utf32(tmp_path: Path, good: Path) -> None:
    one_problem(tmp_path, good, write(tmp_path / "lake.parquet", b"PAR1" + bytes(200) + b"PAR1"),
                "Parquet (Security Lake/OCSF) is not supported")
    one_problem(tmp_path, good, write(tmp_path / "x.json.zst", b"\x28\xb5\x2f\xfd" + bytes(50)), "zstd")


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root can read mode-000 files")
def test_unreadable_file_chmod(tmp_path: Path, good: Path) -> None:
    bad = write(tmp_path / "secret.json", json.dumps({"Records": records(1)}))
    bad.chmod(0)
    try:
        one_problem(tmp_path, good, bad, "cannot open", "Permission denied")
    finally:
        bad.chmod(0o600)


def test_unreadable_file_simulated(tmp_path: Path, good: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = write(tmp_path / "secret.json", json.dumps({"Records": records(1)}))
    real = paths_mod.open_input

    def deny(path: str) -> Any:
        if path == str(bad):
            raise PermissionError(13, "Permission denied", path)
        return real(path)

    monkeypatch.setattr(paths_mod, "open_input", deny)
    one_problem(tmp_path, good, bad, "cannot open: Permission denied")


def test_read_error_midway(tmp_path: Path, good: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An I/O error while reading (e.g. a vanished network share) is a problem for that file only."""
    bad = write(tmp_path / "flaky.jsonl", "\n".join(json.dumps(r) for r in records(3000)))
    real = paths_mod.open_input

    class Flaky:
        def __init__(self, inner: Any) -> None:
            self.inner, self.calls = inner, 0

        def read(self, n: int = -1) -> bytes:
            self.calls += 1
            if self.calls > 1:
                raise OSError(5, "Input/output error")
            data = self.inner.read(min(n, 300_000))
            given.append(len(data))
            return data

        def close(self) -> None:
            self.inner.close()

    given: list[int] = []
    monkeypatch.setattr(paths_mod, "open_input", lambda p: Flaky(real(p)) if p == str(bad) else real(p))
    prob = one_problem(tmp_path, good, bad, "Input/output error", fatal=False)
    assert f"read error at byte {sum(given)}:" in prob.message and sum(given) > 0


def test_fifo_without_writer_does_not_block(tmp_path: Path, good: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    started = time.monotonic()
    one_problem(tmp_path, good, fifo, "empty file")
    assert time.monotonic() - started < 5


def test_directory_with_thousands_of_files(tmp_path: Path) -> None:
    root = tmp_path / "many"
    root.mkdir()
    for i in range(2500):
        body = json.dumps({"Records": [record(i)]}) if i % 500 else "not json at all"
        (root / f"f{i:05d}.json").write_text(body)
    (root / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    started = time.monotonic()
    recs, probs, its = run([root])
    assert time.monotonic() - started < 20
    assert len(recs) == 2500 - 5
    assert sorted(p.path for p in probs) == [str(root / f"f{i:05d}.json") for i in range(0, 2500, 500)]
    assert sum(isinstance(it, SourceDone) for it in its) == 2500  # .DS_Store skipped


def test_huge_single_event(tmp_path: Path, good: Path) -> None:
    rec = dict(record(0), requestParameters={"policy": "x" * 50_000_000})
    bad = write(tmp_path / "huge.json", json.dumps(rec))
    prob = one_problem(tmp_path, good, bad, "record of 50.0 MB", "loaded anyway", fatal=False)
    recs, _, _ = run([bad])
    assert recs == [rec]
    del prob


def test_huge_json_lines_record(tmp_path: Path, good: Path) -> None:
    big = dict(record(1), requestParameters={"policy": "y" * 6_000_000})
    bad = write(tmp_path / "huge.jsonl", "\n".join(json.dumps(r) for r in [record(0), big, record(2)]) + "\n")
    one_problem(tmp_path, good, bad, "line 2", "record of 6.0 MB", fatal=False)
    recs, _, _ = run([bad])
    assert recs == [record(0), big, record(2)]


def test_malformed_jsonl_line_skips_only_that_line(tmp_path: Path, good: Path) -> None:
    lines = [json.dumps(r) for r in records(12)]
    lines[6] = '{"eventVersion": "1.08", "eventTime": oops}'
    lines[9] = lines[9][:40]  # cut short
    bad = write(tmp_path / "events.jsonl", "\n".join(lines) + "\n")
    recs, probs, its = run([bad])
    assert recs == [r for i, r in enumerate(records(12)) if i not in (6, 9)]
    assert [p.line for p in probs] == [7, 10]
    assert all(not p.fatal and p.message.startswith(f"{bad}: line ") for p in probs)
    assert "line 7, column 39: unexpected character" in probs[0].message
    (src,) = [it.source for it in its if isinstance(it, SourceDone)]
    assert (src.events, src.skipped) == (10, 2)


def test_bad_first_line_is_still_json_lines(tmp_path: Path) -> None:
    lines = ["garbage line"] + [json.dumps(r) for r in records(5)]
    recs, probs, _ = run([write(tmp_path / "x.jsonl", "\n".join(lines))])
    assert recs == records(5)
    assert len(probs) == 1 and probs[0].line == 1 and not probs[0].fatal


def test_many_bad_lines_are_summarised(tmp_path: Path) -> None:
    lines = [json.dumps(r) if i % 2 else "{oops" for i, r in enumerate(records(60))]
    recs, probs, _ = run([write(tmp_path / "x.jsonl", "\n".join(lines))])
    assert len(recs) == 30
    assert len(probs) == limits.MAX_PROBLEMS_SHOWN + 1
    assert "20 more problems not shown (30 values skipped in all)" in probs[-1].message


def test_bad_embedded_json(tmp_path: Path) -> None:
    events = [{"EventId": "a", "CloudTrailEvent": json.dumps(record(0))},
              {"EventId": "b", "CloudTrailEvent": '{"eventVersion": '},
              {"EventId": "c", "CloudTrailEvent": json.dumps(record(2))}]
    recs, probs, _ = run([write(tmp_path / "lookup.json", json.dumps({"Events": events}))])
    assert recs == [record(0), record(2)]
    (prob,) = probs
    assert "Events[1]: CloudTrailEvent is not valid JSON" in prob.message and not prob.fatal


def test_embedded_json_size_guard(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_EMBEDDED", 1000)
    big = dict(record(1), pad="z" * 2000)
    out = {"events": [{"message": json.dumps(record(0))}, {"message": json.dumps(big)}]}
    recs, probs, _ = run([write(tmp_path / "fle.json", json.dumps(out))])
    assert recs == [record(0)]
    assert "events[1]: message of" in probs[0].message and "limit" in probs[0].message


def test_deeply_nested_value(tmp_path: Path, good: Path) -> None:
    bad = write(tmp_path / "deep.json", "[" * 5000 + "]" * 5000)
    one_problem(tmp_path, good, bad, "depth")


def test_control_characters_passed_unchanged(tmp_path: Path) -> None:
    rec = dict(record(0), userAgent="evil\x1b[2J\x07\u202e\x00agent")
    recs, probs, _ = run([write(tmp_path / "ctl.json", json.dumps({"Records": [rec]}))])
    assert recs == [rec] and not probs


def test_trailing_garbage_after_gzip(tmp_path: Path) -> None:
    data = gzip.compress(json.dumps({"Records": records(3)}).encode())
    recs, probs, _ = run([write(tmp_path / "x.gz", data + b"NOT GZIP")])
    assert recs == records(3)
    assert "unexpected data after the end of the gzip stream" in probs[0].message and not probs[0].fatal
    recs, probs, _ = run([write(tmp_path / "y.gz", data + bytes(512))])  # zero padding is fine
    assert recs == records(3) and not probs


def test_concatenated_gzip_members(tmp_path: Path) -> None:
    data = gzip.compress(b'{"Records": [' + json.dumps(record(0)).encode()) + gzip.compress(b"]}")
    assert load_all([str(write(tmp_path / "m.gz", data))]) == ([record(0)], [])


def test_missing_paths_and_empty_globs(tmp_path: Path, good: Path) -> None:
    recs, probs, _ = run([tmp_path / "nope.json", good, tmp_path / "*.nothing"])
    assert recs == records(5)
    assert [p.message for p in probs] == [f"{tmp_path / 'nope.json'}: no such file or directory",
                                          f"{tmp_path / '*.nothing'}: no files match this pattern"]
    assert all(p.fatal for p in probs)


def test_broken_symlink_in_directory(tmp_path: Path, good: Path) -> None:
    os.symlink(tmp_path / "missing-target", good.parent / "link.json")
    recs, probs, _ = run([good.parent])
    assert recs == records(5)
    assert [p.message for p in probs] == [f"{good.parent / 'link.json'}: broken symbolic link"]


def test_internal_error_is_contained(tmp_path: Path, good: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = write(tmp_path / "x.json", json.dumps({"Records": records(2)}))
    real = reader_mod.SourceReader.read_document

    def boom(self: Any, *args: Any) -> Any:
        if self.path == str(bad):
            raise RuntimeError("kaboom")
        return real(self, *args)

    monkeypatch.setattr(reader_mod.SourceReader, "read_document", boom)
    one_problem(tmp_path, good, bad, "internal error", "kaboom")


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.one_of(
    st.binary(max_size=300),
    st.text(alphabet='{}[]":,0123456789 \n\tabcdeRcorsEvent-\\', max_size=200).map(str.encode),
    st.binary(max_size=200).map(gzip.compress).map(lambda b: b[: max(1, len(b) - 3)]),
))
def test_nothing_raises(tmp_path: Path, data: bytes) -> None:
    path = write(tmp_path / "fuzz", data)
    its = list(load([str(path)]))
    assert sum(isinstance(it, SourceDone) for it in its) == 1
    assert isinstance(its[-1], Progress)
    for it in its:
        if isinstance(it, Problem):
            assert it.message.startswith(f"{path}: ")


# ---------------------------------------------------------------------- cancellation, progress


def test_cancellation_stops_early(tmp_path: Path) -> None:
    for k in range(20):
        write(tmp_path / "d" / f"{k:02d}.jsonl", "\n".join(json.dumps(r) for r in records(300)))
    seen = {"batches": 0}

    def cancelled() -> bool:
        return seen["batches"] >= 3

    got = []
    for it in load([str(tmp_path / "d")], cancelled=cancelled, batch_size=100):
        got.append(it)
        if isinstance(it, RecordBatch):
            seen["batches"] += 1
    assert seen["batches"] == 3  # stopped right after the batch that tripped it
    assert not any(isinstance(it, Progress) for it in got[-1:])


def test_cancellation_between_files(tmp_path: Path) -> None:
    paths = [write(tmp_path / f"{k}.json", json.dumps({"Records": records(2)})) for k in range(5)]
    done = []

    def cancelled() -> bool:
        return len(done) >= 2

    for it in load([str(p) for p in paths], cancelled=cancelled):
        if isinstance(it, SourceDone):
            done.append(it)
    assert len(done) == 2


def test_progress_is_throttled_and_final(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    paths = [write(tmp_path / f"{k:03d}.json", json.dumps({"Records": records(3)})) for k in range(200)]
    clock = {"t": 0.0}
    monkeypatch.setattr(time, "monotonic", lambda: clock["t"])
    progress = []
    for it in load([str(tmp_path)], progress_interval=1.0):
        clock["t"] += 0.05  # every item "takes" 50 ms
        if isinstance(it, Progress):
            progress.append(it)
    # 200 sources x (batch + done) = 400 items = 20 simulated seconds -> at most ~20 ticks + the final one
    assert 10 <= len(progress) <= 22
    times = [p.elapsed for p in progress[:-1]]
    assert all(b - a >= 1.0 - 1e-9 for a, b in zip(times, times[1:]))
    final = progress[-1]
    total = sum(p.stat().st_size for p in paths)
    assert (final.files_done, final.files_total, final.bytes_done, final.bytes_total, final.events) == (200, 200, total, total, 600)


def test_broken_value_among_concatenated_values(tmp_path: Path) -> None:
    """One broken value costs only itself: reading resumes at the next value."""
    vals = [json.dumps(r) for r in records(40)]
    vals[17] = vals[17].replace('", "eventName"', '" @ "eventName"')
    recs, probs, its = run([write(tmp_path / "x.json", "\n".join(json.dumps(json.loads(v), indent=1) if i != 17 else v
                                                                 for i, v in enumerate(vals)))])
    assert recs == [r for i, r in enumerate(records(40)) if i != 17]
    assert len(probs) == 1 and not probs[0].fatal and "unexpected character" in probs[0].message
    recs, probs, _ = run([write(tmp_path / "y.json", "".join(vals))])  # no separators at all
    assert recs == [r for i, r in enumerate(records(40)) if i != 17] and len(probs) == 1


def test_invalid_utf8(tmp_path: Path, good: Path) -> None:
    """Latin-1 text is repaired (U+FFFD, as jq reads it) and reported where it broke; no record is lost."""
    rec = json.dumps(record(0)).encode()
    latin = write(tmp_path / "latin1.json", b'{"Records":[' + rec[:-1] + b',"x":"caf\xe9"}]}')
    prob = one_problem(tmp_path, good, latin, "invalid UTF-8", "line 1, column", "U+FFFD", fatal=False)
    assert prob.offset == len(b'{"Records":[' + rec[:-1] + b',"x":"caf')
    assert run([latin])[0] == [dict(record(0), x="caf\ufffd")]
    lines = write(tmp_path / "latin1.jsonl", rec + b'\n{"eventVersion":"1.0","x":"caf\xe9"}\n')
    prob = one_problem(tmp_path, good, lines, "line 2, column 31: invalid UTF-8", fatal=False)
    assert prob.line == 2
    assert run([lines])[0] == [record(0), {"eventVersion": "1.0", "x": "caf\ufffd"}]
    junk = write(tmp_path / "junk.json", rec + b"\xff\xfe\x00 trailing junk")
    recs, probs, _ = run([junk])
    assert recs == [record(0)]
    assert any("invalid UTF-8" in p.message for p in probs) and not any(p.fatal for p in probs)


def test_progress_inside_one_big_document(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "SPLIT_THRESHOLD", 20_000)
    monkeypatch.setattr(limits, "SLICE_TARGET", 4_000)
    path = write(tmp_path / "big.json", json.dumps({"Records": records(300)}))
    clock = {"t": 0.0}
    monkeypatch.setattr(time, "monotonic", lambda: clock["t"])
    done = []
    for it in load([str(path)], batch_size=20, progress_interval=1.0):
        clock["t"] += 1.0
        if isinstance(it, Progress):
            done.append(it.bytes_done)
    size = path.stat().st_size
    assert len(done) > 5 and done == sorted(done)
    assert 0 < done[0] < size // 2 and done[-1] == size  # advances with the parse, not with the read


def test_csv_and_missing_stdin(tmp_path: Path, good: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    csv = "Event name,Event time,User name,Event source,Resource type,Resource name\nConsoleLogin,2024-08-01,alice,signin,,\n"
    one_problem(tmp_path, good, write(tmp_path / "history.csv", csv), "CSV is not supported")
    monkeypatch.setattr(sys, "stdin", None)
    recs, probs, _ = run(["-", good])
    assert recs == records(5) and len(probs) == 1 and probs[0].message.startswith("-: cannot open")


@pytest.mark.skipif(__import__("shutil").which("jq") is None, reason="the jq command line tool is not installed")
def test_invalid_utf8_is_replaced_as_the_jq_cli_replaces_it(tmp_path: Path) -> None:
    """One U+FFFD per bad sequence as jq delimits them: an encoded surrogate (CESU-8), an overlong form or a
    code point past U+10FFFF is one replacement where Python's ``errors="replace"`` made three or four."""
    import subprocess

    values = [b"a\xed\xa0\x80b", b"\xe0\x80\x80x\xf4\x90\x80\x80", b"caf\xe9", b"\xf0\x9f\x98", b"\xc0\x80z", b"ok"]
    body = b",".join(b'{"eventID":"%d","eventName":"%s"}' % (i, v) for i, v in enumerate(values))
    path = write(tmp_path / "bad.json", b'{"Records":[' + body + b"]}")
    program = ".Records[] | [.eventName, (.eventName | length)]"
    want = subprocess.run(["jq", "-c", program, str(path)], capture_output=True, check=True).stdout.decode()
    recs = run([path])[0]
    got = "".join(json.dumps([r["eventName"], len(r["eventName"])], ensure_ascii=False, separators=(",", ":")) + "\n"
                  for r in recs)
    assert got == want
