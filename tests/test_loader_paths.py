"""Provenance and inputs: positions/locations, input order, directory order, globs, stdin, S3 key metadata."""

from __future__ import annotations

import gc
import gzip
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from trailtui.engine.loader import count_inputs, expand_paths, load, load_all
from trailtui.engine.model import Problem, RecordBatch, SourceDone
from trailtui.engine.sniff import s3_meta

REPO = Path(__file__).resolve().parents[1]


def record(i: int) -> dict:
    return {"eventVersion": "1.09", "eventTime": f"2024-08-01T10:00:{i % 60:02d}Z", "eventName": "AssumeRole",
            "eventSource": "sts.amazonaws.com", "eventID": f"ev-{i}", "requestParameters": {"roleSessionName": f"s{i}"}}


def records(n: int, start: int = 0) -> list[dict]:
    return [record(i) for i in range(start, start + n)]


def write(path: Path, data: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def sources(its: list) -> list:
    return [it.source for it in its if isinstance(it, SourceDone)]


def batches(its: list) -> list[RecordBatch]:
    return [it for it in its if isinstance(it, RecordBatch)]


# -------------------------------------------------------------------------------- provenance


def test_jsonl_positions_and_line_numbers(tmp_path: Path) -> None:
    lines = []
    want_lines = []
    for i, rec in enumerate(records(25)):
        if i % 4 == 0:
            lines.append("")  # blank lines still count
        lines.append(json.dumps(rec))
        want_lines.append(len(lines))
    path = write(tmp_path / "x.jsonl", "\n".join(lines))
    its = list(load([str(path)], batch_size=7))
    bs = batches(its)
    assert [len(b.records) for b in bs] == [7, 7, 7, 4]
    assert all(b.source is bs[0].source for b in bs)
    assert [p for b in bs for p in b.positions] == list(range(25))
    assert [loc for b in bs for loc in b.locations] == [f"line {n}" for n in want_lines]
    text_lines = path.read_text().split("\n")
    for b in bs:
        for rec, loc in zip(b.records, b.locations):
            assert json.loads(text_lines[int(loc.split()[1]) - 1]) == rec
    assert all(b.envelopes is None for b in bs)


def test_records_positions_across_batches_and_documents(tmp_path: Path) -> None:
    text = json.dumps({"Records": records(5)}) + "\n" + json.dumps({"Records": records(4, 5)})
    its = list(load([str(write(tmp_path / "two.json", text))], batch_size=3))
    bs = batches(its)
    assert [p for b in bs for p in b.positions] == list(range(9))
    assert [loc for b in bs for loc in b.locations] == (
        [f"line 1, Records[{i}]" for i in range(5)] + [f"line 2, Records[{i}]" for i in range(4)])
    assert [r for b in bs for r in b.records] == records(9)


def test_concatenated_byte_offsets_point_at_the_value(tmp_path: Path) -> None:
    recs = records(6)
    text = "".join(json.dumps(r) for r in recs)
    path = write(tmp_path / "blob", text)
    (batch,) = batches(list(load([str(path)])))
    data = path.read_bytes()
    for rec, loc in zip(batch.records, batch.locations):
        offset = int(loc.split()[1])
        assert data[offset : offset + 1] == b"{"
        assert json.JSONDecoder().raw_decode(data[offset:].decode())[0] == rec


def test_source_counts_and_sizes(tmp_path: Path) -> None:
    data = gzip.compress(json.dumps({"Records": records(4)}).encode())
    path = write(tmp_path / "a.gz", data)
    (src,) = sources(list(load([str(path)])))
    assert (src.events, src.skipped, src.size, src.compressed, src.shape) == (4, 0, len(data), True, "records")


# ------------------------------------------------------------------------------------ inputs


def test_inputs_keep_the_order_given(tmp_path: Path) -> None:
    a = write(tmp_path / "a.json", json.dumps({"Records": records(1, 0)}))
    b = write(tmp_path / "b.json", json.dumps({"Records": records(1, 1)}))
    d = tmp_path / "d"
    write(d / "2.json", json.dumps({"Records": records(1, 2)}))
    write(d / "1.json", json.dumps({"Records": records(1, 3)}))
    its = list(load([str(b), str(d), str(tmp_path / "missing.json"), str(a)]))
    order = [it.source.path if isinstance(it, SourceDone) else it.message for it in its
             if isinstance(it, (SourceDone, Problem))]
    assert order == [str(b), str(d / "1.json"), str(d / "2.json"),
                     f"{tmp_path / 'missing.json'}: no such file or directory", str(a)]
    recs, _ = load_all([str(b), str(d), str(a)])
    assert [r["eventID"] for r in recs] == ["ev-1", "ev-3", "ev-2", "ev-0"]


def test_directory_sorted_path_order_and_skips(tmp_path: Path) -> None:
    names = ["a/b/c.json", "a/b.json", "a/z.json", "a-b/x.json", "B/upper.json", "a/b/a.jsonl.gz",
             "2024/08/10/x.json", "2024/08/09/y.json", "2024/10/01/z.json"]
    for i, name in enumerate(names):
        data = json.dumps({"Records": [record(i)]}).encode()
        write(tmp_path / "root" / name, gzip.compress(data) if name.endswith(".gz") else data)
    for skipped in [".hidden.json", ".git/HEAD", "a/.DS_Store", "README.md", "a/Thumbs.db", "lake/result_sign.json"]:
        write(tmp_path / "root" / skipped, "{}")
    its = list(load([str(tmp_path / "root")]))
    got = [os.path.relpath(s.path, tmp_path / "root") for s in sources(its)]
    assert got == sorted(names, key=lambda n: tuple(n.split("/")))
    assert got[:3] == ["2024/08/09/y.json", "2024/08/10/x.json", "2024/10/01/z.json"]
    assert not [it for it in its if isinstance(it, Problem)]
    # a hidden file named explicitly is read
    recs, probs = load_all([str(write(tmp_path / ".explicit.json", json.dumps({"Records": records(1)})))])
    assert recs == records(1) and not probs


def test_globs(tmp_path: Path) -> None:
    for name in ["a.json", "b.json", "c.jsonl", "sub/d.json", "sub/deeper/e.json", "x1.json", "x2.json"]:
        write(tmp_path / name, json.dumps({"Records": [record(ord(name[-6]))]}))

    def names(pattern: str) -> list[str]:
        return [os.path.relpath(s.path, tmp_path) for s in sources(list(load([str(tmp_path / pattern)])))]

    assert names("*.json") == ["a.json", "b.json", "x1.json", "x2.json"]
    assert names("**/*.json") == ["a.json", "b.json", "sub/d.json", "sub/deeper/e.json", "x1.json", "x2.json"]
    assert names("x?.json") == ["x1.json", "x2.json"]
    assert names("[ab].json") == ["a.json", "b.json"]
    assert names("su*") == ["sub/d.json", "sub/deeper/e.json"]  # a matched directory is walked


def test_stdin_plain_and_gzip(tmp_path: Path) -> None:
    a = write(tmp_path / "a.json", json.dumps({"Records": records(2)}))
    piped = "\n".join(json.dumps(r) for r in records(3, 10)).encode()
    its = list(load([str(a), "-"], stdin=io.BytesIO(piped)))
    assert [s.path for s in sources(its)] == [str(a), "-"]
    stdin_src = sources(its)[1]
    assert (stdin_src.shape, stdin_src.events, stdin_src.size) == ("jsonl", 3, len(piped))
    assert [r for b in batches(its) for r in b.records] == records(2) + records(3, 10)
    gz = gzip.compress(json.dumps({"Records": records(2)}).encode())
    recs, probs = load_all(["-"], stdin=io.BytesIO(gz))
    assert recs == records(2) and not probs


def test_stdin_defaults_to_sys_stdin(tmp_path: Path) -> None:
    code = ("import sys; from trailtui.engine.loader import load_all; "
            "r, p = load_all(['-']); print(len(r), len(p), r[0]['eventID'])")
    out = subprocess.run([sys.executable, "-c", code], input=json.dumps({"Records": records(3)}).encode(),
                         capture_output=True, cwd=REPO, timeout=60, check=True)
    assert out.stdout.split() == [b"3", b"0", b"ev-0"]


def test_count_inputs_and_expand(tmp_path: Path) -> None:
    files = [write(tmp_path / "d" / f"{i}.json", "x" * (10 + i)) for i in range(4)]
    write(tmp_path / "d" / ".hidden", "xxxx")
    assert count_inputs([str(tmp_path / "d"), "-", str(tmp_path / "none")]) == (5, sum(10 + i for i in range(4)))
    expanded = expand_paths([str(tmp_path / "none"), str(tmp_path / "d")])
    assert isinstance(expanded[0], Problem) and [x.path for x in expanded[1:]] == [str(f) for f in files]


def test_load_is_lazy_and_restores_gc(tmp_path: Path) -> None:
    path = write(tmp_path / "a.jsonl", "\n".join(json.dumps(r) for r in records(50)))
    assert gc.isenabled()
    gen = load([str(path)], batch_size=10)
    assert gc.isenabled()  # nothing runs before iteration
    first = next(gen)
    assert isinstance(first, RecordBatch) and not gc.isenabled()
    gen.close()  # abandoned early
    assert gc.isenabled()
    list(load([str(path)]))
    assert gc.isenabled()


# ---------------------------------------------------------------------------------- metadata


@pytest.mark.parametrize(
    "path, meta",
    [
        ("bucket/AWSLogs/111122223333/CloudTrail/us-east-2/2015/08/01/111122223333_CloudTrail_us-east-2_20150801T0210Z_Mu0KsOhtH1ar15ZZ.json.gz",
         {"account": "111122223333", "region": "us-east-2", "kind": "CloudTrail", "date": "2015-08-01"}),
        ("/data/prefix/AWSLogs/o-exampleorgid/111122223333/CloudTrail-Insight/eu-west-1/2024/02/29/x.json.gz",
         {"account": "111122223333", "org": "o-exampleorgid", "region": "eu-west-1", "kind": "CloudTrail-Insight",
          "date": "2024-02-29"}),
        ("AWSLogs/o-aa11bb22cc/123456789012/CloudTrail-Digest/us-east-1/2024/08/01/123456789012_CloudTrail-Digest_us-east-1_my-trail_us-east-1_20240801T120000Z.json.gz",
         {"account": "123456789012", "org": "o-aa11bb22cc", "region": "us-east-1", "kind": "CloudTrail-Digest",
          "date": "2024-08-01"}),
        ("downloads/123456789012_CloudTrail_us-west-1_20140620T1255ZHdkvFTXOA3Vnhbc.json.gz",
         {"account": "123456789012", "region": "us-west-1", "kind": "CloudTrail", "date": "2014-06-20"}),
        ("C:\\logs\\AWSLogs\\111122223333\\CloudTrail\\ap-south-1\\2023\\12\\31\\f.json",
         {"account": "111122223333", "region": "ap-south-1", "kind": "CloudTrail", "date": "2023-12-31"}),
        ("logs/events.jsonl", {}),
        ("AWSLogs/11112222333/CloudTrail/us-east-1/2024/01/01/short-account.json", {}),
    ],
)
def test_s3_meta(path: str, meta: dict) -> None:
    assert s3_meta(path) == meta


def test_meta_is_never_a_gate(tmp_path: Path) -> None:
    """A file in an S3 layout that holds JSON Lines still loads by content."""
    path = write(tmp_path / "AWSLogs/111122223333/CloudTrail/us-east-1/2024/08/01/odd-name.txt",
                 "\n".join(json.dumps(r) for r in records(2)))
    its = list(load([str(path)]))
    (src,) = sources(its)
    assert src.shape == "jsonl" and src.meta["account"] == "111122223333"


# ---------------------------------------------------------------------------------- hygiene


def test_engine_loader_imports_no_ui_modules() -> None:
    code = ("import sys, trailtui.engine.loader, trailtui.engine.sniff, trailtui.engine.jsonvalues; "
            "print(sorted(m for m in ('textual', 'rich', 'pyperclip') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, cwd=REPO, timeout=60, check=True)
    assert out.stdout.strip() == b"[]"
