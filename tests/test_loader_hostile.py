"""Issue #12, loading side: hostile or broken inputs never crash, never lose a recoverable record, and
each gets one clear message. Inputs come from the fuzz seed corpus (`tests/fuzz/corpus.py`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.fuzz.corpus import CASES, record
from trailtui.engine import jsonvalues as jv
from trailtui.engine.loader import load, load_all
from trailtui.engine.loading import limits, reader as reader_mod
from trailtui.engine.model import Problem, RecordBatch
from trailtui.engine.store import build_store


def case(tmp_path: Path, name: str) -> str:
    path = tmp_path / name
    path.write_bytes(CASES[name])
    return str(path)


def good_file(tmp_path: Path) -> str:
    path = tmp_path / "good.json"
    path.write_text(json.dumps({"Records": [record(100), record(101)]}))
    return str(path)


def test_huge_line_after_the_first_keeps_every_batch_consistent(tmp_path: Path) -> None:
    path = case(tmp_path, "huge-line-not-first.jsonl")
    for item in load([path, good_file(tmp_path)], batch_size=2):
        if isinstance(item, RecordBatch):
            assert len(item.records) == len(item.positions) == len(item.locations)
    store, other = build_store([path, good_file(tmp_path)])  # the IndexError of issue #12 was here
    assert len(store) == 5
    assert [p for p in other if isinstance(p, Problem) and "far larger" in p.message]


def test_numbers_beyond_double_range_clamp_like_jq_and_store_back_as_json(tmp_path: Path) -> None:
    import jq

    store, _ = build_store([case(tmp_path, "inf-and-bigint.json"), case(tmp_path, "inf-alone.jsonl")])
    assert len(store) == 2
    first = json.loads(store.raw(0))  # "Infinity" would make this fail: it is not JSON
    assert b"Infinity" not in store.raw(0)
    reference = jq.compile(".").input_text("[1e400, -1e400]").first()
    assert [first["a"], first["b"]] == reference
    assert first["c"] == 123456789012345678901234567890  # big integers stay exact
    assert json.loads(store.raw(1))["a"] == reference[0]  # not silently null


@pytest.mark.parametrize("name", ["invalid-utf8.json", "lone-surrogate.json"])
def test_bad_text_inside_records_loses_no_record(tmp_path: Path, name: str) -> None:
    recs, probs = load_all([case(tmp_path, name)])
    assert [r["eventID"] for r in recs] == [f"id-{i}" for i in range(5)]
    assert "\ufffd" in recs[2]["bad"]
    assert len(probs) == 1 and not probs[0].fatal and "U+FFFD" in probs[0].message


def test_lone_surrogate_in_json_lines_keeps_the_line(tmp_path: Path) -> None:
    recs, probs = load_all([case(tmp_path, "lone-low-surrogate.jsonl")])
    assert [r["eventID"] for r in recs] == ["a", "b"] and recs[0]["x"] == "\ufffd"
    assert len(probs) == 1 and probs[0].line == 1


def test_megabytes_of_whitespace_before_json_are_not_an_empty_file(tmp_path: Path) -> None:
    recs, probs = load_all([case(tmp_path, "whitespace-first.json")])
    assert [r["eventID"] for r in recs] == ["id-0"] and probs == []


def test_tar_member_leaving_the_archive_is_reported_and_read(tmp_path: Path) -> None:
    recs, probs = load_all([case(tmp_path, "tar-climbing.tar")])
    assert len(recs) == 1
    assert len(probs) == 1 and "../../etc/x" in probs[0].message and "leads out of the archive" in probs[0].message


def test_symlink_loops_are_called_loops(tmp_path: Path) -> None:
    os.symlink("self", tmp_path / "self")
    (tmp_path / "d").mkdir()
    os.symlink("..", tmp_path / "d" / "up")
    _, probs = load_all([str(tmp_path / "self")])
    assert len(probs) == 1 and "symbolic link loop" in probs[0].message and "broken" not in probs[0].message
    _, probs = load_all([str(tmp_path)])
    messages = [p.message for p in probs]
    assert any("self: symbolic link loop" in m for m in messages), messages
    assert any("up: symbolic link loop" in m for m in messages), messages


def test_empty_objects_in_records_are_not_loaded_as_blank_events(tmp_path: Path) -> None:
    recs, probs = load_all([case(tmp_path, "empty-objects.json")])
    assert recs == []
    assert len(probs) == 1 and probs[0].fatal and "not a CloudTrail record" in probs[0].message
    assert "1000 problems" in probs[0].message


def test_records_with_some_cloudtrail_fields_still_load(tmp_path: Path) -> None:
    path = tmp_path / "trimmed.json"
    path.write_text(json.dumps({"Records": [{"eventName": "A", "eventID": "1"}, {}, {"userIdentity": {}}]}))
    recs, probs = load_all([str(path)])
    assert len(recs) == 2 and len(probs) == 1 and "Records[1]" in probs[0].message


@pytest.fixture
def small_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "RATIO_GRACE", 1 << 20)


@pytest.mark.parametrize("name, reason", [
    ("gzip-records-spaces.json.gz", "decompression bomb"),
    ("gzip-records-empties.json.gz", "decompression bomb"),
    ("gzip-bomb.gz", "binary data"),  # judged by its first megabyte, never inflated further
])
def test_gzip_bombs_are_recognised_early(tmp_path: Path, small_limits: None, name: str, reason: str) -> None:
    path = case(tmp_path, name)
    started = time.monotonic()
    recs, probs = load_all([path, good_file(tmp_path)])
    assert len(recs) == 2  # the good file after it still loads
    assert len(probs) == 1 and probs[0].fatal and reason in probs[0].message, probs
    assert time.monotonic() - started < 20


def test_inflating_is_cancellable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_RATIO", 10**9)  # not a bomb: only cancelling can stop it
    path = case(tmp_path, "gzip-records-spaces.json.gz")
    calls = {"n": 0}

    def cancelled() -> bool:
        calls["n"] += 1
        return calls["n"] > 5

    items = list(load([path, good_file(tmp_path)], cancelled=cancelled))
    assert not any(isinstance(i, RecordBatch) for i in items)  # stopped before the second file
    assert calls["n"] == 6


def test_out_of_memory_keeps_what_loaded_and_stops(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = good_file(tmp_path)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"Records": [record(1)]}))
    third = tmp_path / "third.json"
    third.write_text(json.dumps({"Records": [record(3)]}))
    real = reader_mod.SourceReader.read_document

    def exhausted(self: Any, *args: Any) -> Any:
        if self.path == str(bad):
            raise MemoryError
        return (yield from real(self, *args))

    monkeypatch.setattr(reader_mod.SourceReader, "read_document", exhausted)
    recs, probs = load_all([first, str(bad), str(third)])
    assert [r["eventID"] for r in recs] == ["id-100", "id-101"]
    messages = [p.message for p in probs]
    assert any("bad.json: out of memory" in m for m in messages), messages
    assert any("loading stopped" in m and "records loaded are kept" in m for m in messages), messages


def test_a_line_over_the_limit_costs_only_itself(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_LINE", 3 << 20)
    monkeypatch.setattr(limits, "READ_CHUNK", 1 << 16)
    recs, probs = load_all([case(tmp_path, "huge-line-not-first.jsonl")])
    assert [r["eventID"] for r in recs] == ["id-1", "id-3"]
    assert len(probs) == 1 and "line 2: longer than" in probs[0].message and probs[0].line == 2


def test_a_document_over_the_limit_keeps_the_records_before_the_cut(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_DOCUMENT", 60_000)
    monkeypatch.setattr(limits, "READ_CHUNK", 1 << 14)
    path = tmp_path / "big.json"
    path.write_text(json.dumps({"Records": [record(i) for i in range(1000)]}))
    recs, probs = load_all([str(path)])
    assert 100 < len(recs) < 1000
    assert [r["eventID"] for r in recs] == [f"id-{i}" for i in range(len(recs))]
    assert any("limit for one document" in p.message for p in probs)


def test_problem_messages_are_terminal_safe(tmp_path: Path) -> None:
    path = tmp_path / "evil\x1b]0;pwned\x07\u202ename.json"
    path.write_text("not json at all, , , ,")
    _, probs = load_all([str(path)])
    assert probs and all(not any(ch in p.message for ch in "\x1b\x07\u202e") for p in probs)
    assert probs[0].path == str(path)  # the exact path is still there for programs


def test_repair_encoding_keeps_valid_pairs_and_escaped_backslashes() -> None:
    fixed, first, count = jv.repair_encoding(rb'{"a":"\ud800 \\ud800 \ud83d\ude00"}')  # type: ignore[misc]
    assert json.loads(fixed)["a"] == "\ufffd \\ud800 \U0001F600"
    assert (first, count) == (6, 1)
    assert jv.repair_encoding(b'{"a":"fine \\u00e9"}') is None


def test_query_prints_records_that_load_again(tmp_path: Path) -> None:
    src = case(tmp_path, "inf-and-bigint.json")
    run = subprocess.run([sys.executable, "-m", "trailtui", "query", src, "--format", "records"],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr
    again = tmp_path / "again.json"
    again.write_text(run.stdout)
    recs, probs = load_all([str(again)])
    assert probs == [] and len(recs) == 1 and recs[0]["c"] == 123456789012345678901234567890


def test_lone_surrogate_next_to_a_big_integer_is_storable(tmp_path: Path) -> None:
    """Found by scripts/fuzz.py: the stdlib fallback (taken for the big integer) kept the lone surrogate,
    and storing the record failed with UnicodeEncodeError."""
    path = tmp_path / "x.jsonl"
    path.write_bytes(b'{"eventVersion":"1.08","eventID":"a","x":"\\udc00","n":123456789012345678901234567890}\n')
    store, _ = build_store([str(path)])
    assert len(store) == 1 and json.loads(store.raw(0))["x"] == "\ufffd"
