"""The sample generator: determinism, realism, every output shape, and the committed samples/ investigation."""

from __future__ import annotations

import calendar
import collections
import gzip
import importlib
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import jq
import orjson
import pytest

from trailtui.engine import identity
from trailtui.tools import samplegen

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples"
SAMPLE_EVENTS = 1700
SAMPLE_COMMANDS = (
    f"python -m trailtui.tools.samplegen --events {SAMPLE_EVENTS} --shape records --out samples/cloudtrail_log.json "
    "--incident",
    f"python -m trailtui.tools.samplegen --events {SAMPLE_EVENTS} --shape tree --out samples --incident "
    "--file-minutes 720",
)


@pytest.fixture(scope="module")
def day() -> list[dict]:
    return list(samplegen.generate(6000, seed=3, incident=True))


# -- the generator -------------------------------------------------------------------------------------


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    a = samplegen.write(tmp_path / "a.jsonl", 800, "jsonl", seed=5, incident=True)[0].read_bytes()
    b = samplegen.write(tmp_path / "b.jsonl", 800, "jsonl", seed=5, incident=True)[0].read_bytes()
    c = samplegen.write(tmp_path / "c.jsonl", 800, "jsonl", seed=6, incident=True)[0].read_bytes()
    assert a == b
    assert a != c
    gz1 = samplegen.write(tmp_path / "a.json.gz", 300, "records-gz", seed=5)[0].read_bytes()
    gz2 = samplegen.write(tmp_path / "b.json.gz", 300, "records-gz", seed=5)[0].read_bytes()
    assert gz1 == gz2 and gz1[:2] == b"\x1f\x8b"


def test_count_ids_and_sizes(day: list[dict]) -> None:
    assert len(day) == 6000
    assert len({r["eventID"] for r in day}) == 6000
    sizes = [len(orjson.dumps(r)) for r in day]
    mean = sum(sizes) / len(sizes)
    assert 1000 <= mean <= 1500, mean
    assert max(sizes) < 8000


def test_time_increases_with_some_late_events(day: list[dict]) -> None:
    times = [r["eventTime"] for r in day]
    assert times[0].startswith("2024-12-01T00:")
    assert times[-1] < "2024-12-02T01:00:00Z"
    late = sum(1 for a, b in zip(times, times[1:]) if b < a)
    assert 5 <= late <= len(times) * 0.05
    # a late record is at most 5 minutes (plus a second for a minting call) behind the one before it
    epochs = [calendar.timegm(time.strptime(t, "%Y-%m-%dT%H:%M:%SZ")) for t in times]
    assert max(a - b for a, b in zip(epochs, epochs[1:])) <= 301


def test_principals_of_every_kind(day: list[dict]) -> None:
    types = collections.Counter(r.get("userIdentity", {}).get("type", "<none>") for r in day)
    for kind in ("IAMUser", "AssumedRole", "Root", "AWSService", "FederatedUser", "SAMLUser", "WebIdentityUser",
                 "IdentityCenterUser", "AWSAccount", "Unknown", "<none>"):
        assert types[kind] > 0, (kind, types)
    keys = collections.Counter(identity.actor_key(r) for r in day)
    assert len(keys) > 25
    assert any(k.startswith("sso-user:") for k in keys if k)
    assert any(k.endswith(":aws:ec2-instance") for k in keys if k)
    names = {identity.actor_name(r) for r in day}
    assert any("[AdministratorAccess]" in n for n in names)
    assert any(n.startswith("web-server-role/i-0") for n in names)


def test_services_errors_addresses_agents(day: list[dict]) -> None:
    sources = collections.Counter(r["eventSource"] for r in day)
    assert len(sources) >= 20
    assert len({r["eventName"] for r in day}) >= 80
    read_only = sum(1 for r in day if r.get("readOnly") is True) / len(day)
    assert 0.5 < read_only < 0.95
    errors = collections.Counter(r.get("errorCode") for r in day if "errorCode" in r)
    assert errors["AccessDenied"] > 10 and errors["Client.UnauthorizedOperation"] > 0
    classes = collections.Counter(identity.ip_class(identity.ip_key(r)) for r in day)
    assert set(classes) >= {"ip", "private", "aws-internal", "service"}
    assert any(":" in r["sourceIPAddress"] for r in day)  # IPv6
    assert len({r["awsRegion"] for r in day}) >= 4
    assert len({r["recipientAccountId"] for r in day}) >= 3
    agents = [r.get("userAgent", "") for r in day]
    assert any(any(ord(c) < 32 for c in a) for a in agents)
    assert sum(1 for r in day if r.get("resources")) > 1000
    assert any(r.get("eventType") == "AwsServiceEvent" for r in day)
    assert any(r.get("eventType") == "AwsConsoleSignIn" for r in day)


def test_minted_credentials_are_used(day: list[dict]) -> None:
    """Role keys appear first in the AssumeRole* response that minted them (so R3/R4 pivots link them)."""
    minted = {}
    for i, r in enumerate(day):
        key = ((r.get("responseElements") or {}).get("credentials") or {}).get("accessKeyId")
        if key:
            minted.setdefault(key, i)
    used = collections.Counter(r["userIdentity"].get("accessKeyId") for r in day if "userIdentity" in r)
    linked = [k for k in minted if used[k] > 0]
    assert len(linked) > 20
    sessions = collections.Counter(s for r in day for s in identity.session_keys(r))
    assert sum(1 for k in linked if sessions["key:" + k] >= 2) > 20


def test_small_and_edge_counts() -> None:
    assert list(samplegen.generate(0)) == []
    assert len(list(samplegen.generate(1))) == 1
    assert len(list(samplegen.generate(20, incident=True))) == 20


# -- shapes --------------------------------------------------------------------------------------------


def _values(data: bytes) -> list:
    """Every JSON value in a (possibly concatenated, possibly line-separated) text."""
    text = data.decode("utf-8")
    decoder = json.JSONDecoder()
    out, pos = [], 0
    while True:
        while pos < len(text) and text[pos] in " \t\r\n":
            pos += 1
        if pos >= len(text):
            return out
        value, pos = decoder.raw_decode(text, pos)
        out.append(value)


def read_shape(path: Path, shape: str) -> list[dict]:
    """A minimal reader per shape, independent of trailtui's loader."""
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    if shape == "cwl-export":
        return [json.loads(line.split(" ", 1)[1]) for line in data.decode().splitlines()]
    values = _values(data)
    if shape in ("records", "records-gz"):
        return values[0]["Records"]
    if shape in ("jsonl", "array"):
        return values if shape == "jsonl" else values[0]
    if shape == "lookup":
        return [json.loads(e["CloudTrailEvent"]) for e in values[0]["Events"]]
    if shape == "eventbridge":
        return [v["detail"] for v in values]
    if shape == "cwl":
        return [json.loads(e["message"]) for e in values[0]["events"]]
    if shape == "subscription":
        return [json.loads(e["message"]) for v in values if v["messageType"] == "DATA_MESSAGE" for e in v["logEvents"]]
    raise AssertionError(shape)


@pytest.mark.parametrize("shape", [s for s in samplegen.SHAPES if s not in ("tree", "lake")])
def test_every_shape_round_trips(tmp_path: Path, shape: str) -> None:
    expected = list(samplegen.generate(400, seed=9, incident=True))
    path = samplegen.write(tmp_path / f"out.{shape}", 400, shape, seed=9, incident=True)[0]
    assert path.stat().st_size > (50_000 if shape == "records-gz" else 300_000)
    assert read_shape(path, shape) == expected


def test_lake_rows_are_projections(tmp_path: Path) -> None:
    expected = list(samplegen.generate(300, seed=9))
    path = samplegen.write(tmp_path / "lake.json", 300, "lake", seed=9)[0]
    doc = json.loads(path.read_text())
    rows = doc["QueryResultRows"]
    assert doc["QueryStatistics"]["ResultsCount"] == 300
    assert [dict(kv for cell in row for kv in cell.items())["eventID"] for row in rows] == \
        [r["eventID"] for r in expected]
    assert all(isinstance(v, str) for row in rows for cell in row for v in cell.values())


def test_tree_layout_digests_and_org(tmp_path: Path) -> None:
    expected = list(samplegen.generate(5000, seed=4))
    files = samplegen.write(tmp_path, 5000, "tree", seed=4, org="o-a1b2c3d4e5", file_minutes=180)
    logs = [f for f in files if "/CloudTrail/" in f.as_posix()]
    digests = [f for f in files if "/CloudTrail-Digest/" in f.as_posix()]
    assert logs and digests and len(logs) + len(digests) == len(files)
    pattern = re.compile(r"AWSLogs/o-a1b2c3d4e5/(\d{12})/CloudTrail/([a-z0-9-]+)/(\d{4})/(\d\d)/(\d\d)/"
                         r"\1_CloudTrail_\2_\3\4\5T\d{4}Z_[A-Za-z0-9]{16}\.json\.gz$")
    got = []
    regions = set()
    for f in logs:
        m = pattern.search(f.as_posix())
        assert m, f
        regions.add(m.group(2))
        records = json.loads(gzip.decompress(f.read_bytes()))["Records"]
        assert 1 <= len(records) <= 2000
        assert all(r["recipientAccountId"] == m.group(1) and r["awsRegion"] == m.group(2) for r in records)
        got += records
    assert len(regions) >= 3
    assert sorted(r["eventID"] for r in got) == sorted(r["eventID"] for r in expected)
    listed = set()
    for f in digests:
        digest = json.loads(gzip.decompress(f.read_bytes()))
        assert digest["digestSignatureAlgorithm"] == "SHA256withRSA"
        for entry in digest["logFiles"]:
            listed.add(entry["s3Object"])
    assert listed == {f.relative_to(tmp_path).as_posix() for f in logs}
    again = samplegen.write(tmp_path / "again", 5000, "tree", seed=4, org="o-a1b2c3d4e5", file_minutes=180)
    assert [f.relative_to(tmp_path / "again") for f in again] == [f.relative_to(tmp_path) for f in files]
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(files, again))


def test_big_tree_files_hold_500_to_2000(tmp_path: Path) -> None:
    files = samplegen.write(tmp_path, 6000, "tree", seed=2, days=0.01)
    counts = [len(json.loads(gzip.decompress(f.read_bytes()))["Records"]) for f in files if "/CloudTrail/" in str(f)]
    assert max(counts) <= 2000
    assert max(counts) >= 500


def _loader():
    try:
        return importlib.import_module("trailtui.engine.loader")
    except ImportError:
        return None


@pytest.mark.parametrize("shape", samplegen.SHAPES)
def test_loader_reads_every_shape(tmp_path: Path, shape: str) -> None:
    loader = _loader()
    if loader is None or not hasattr(loader, "load"):
        pytest.skip("trailtui.engine.loader.load is not available yet (written by another helper)")
    from trailtui.engine.model import RecordBatch

    expected = list(samplegen.generate(600, seed=12, incident=True))
    target = tmp_path / "tree" if shape == "tree" else tmp_path / f"sample.{shape}.json"
    samplegen.write(target, 600, shape, seed=12, incident=True)
    records = [r for msg in loader.load([str(target)]) if isinstance(msg, RecordBatch) for r in msg.records]
    if shape == "lake":
        assert sorted(r.get("eventID") for r in records) == sorted(r["eventID"] for r in expected)
    else:
        key = lambda r: r["eventID"]  # noqa: E731
        assert sorted(records, key=key) == sorted(expected, key=key)


# -- the committed samples -----------------------------------------------------------------------------


def _sample_records() -> list[dict]:
    path = SAMPLES / "cloudtrail_log.json"
    if not path.exists():
        pytest.skip("samples/cloudtrail_log.json is missing")
    return json.loads(path.read_text(encoding="utf-8"))["Records"]


def test_samples_are_what_the_readme_says(tmp_path: Path) -> None:
    records = _sample_records()
    assert len(records) == SAMPLE_EVENTS
    readme = (SAMPLES / "README.md").read_text(encoding="utf-8")
    for command in SAMPLE_COMMANDS:
        assert command in readme
    fresh = samplegen.write(tmp_path / "cloudtrail_log.json", SAMPLE_EVENTS, "records", incident=True)[0]
    assert fresh.read_bytes() == (SAMPLES / "cloudtrail_log.json").read_bytes()
    tree = samplegen.write(tmp_path / "tree", SAMPLE_EVENTS, "tree", incident=True, file_minutes=720)
    committed = sorted(p for p in (SAMPLES / "AWSLogs").rglob("*") if p.is_file())
    assert [p.relative_to(SAMPLES) for p in committed] == sorted(p.relative_to(tmp_path / "tree") for p in tree)
    for p in tree:
        assert p.read_bytes() == (SAMPLES / p.relative_to(tmp_path / "tree")).read_bytes()
    total = sum(p.stat().st_size for p in SAMPLES.rglob("*") if p.is_file())
    assert total < 3_000_000


def test_sample_tree_holds_the_same_events() -> None:
    records = _sample_records()
    from_tree = [r for f in sorted((SAMPLES / "AWSLogs").rglob("*.json.gz")) if "/CloudTrail/" in f.as_posix()
                 for r in json.loads(gzip.decompress(f.read_bytes()))["Records"]]
    key = lambda r: r["eventID"]  # noqa: E731
    assert sorted(from_tree, key=key) == sorted(records, key=key)


def test_incident_is_in_the_samples() -> None:
    records = _sample_records()
    glitch = [r for r in records if r.get("userIdentity", {}).get("userName") == "glitch"]
    names = [r["eventName"] for r in glitch]
    assert names[:2] == ["ConsoleLogin", "ConsoleLogin"]
    assert glitch[1]["additionalEventData"]["MFAUsed"] == "No"
    assert glitch[1]["responseElements"] == {"ConsoleLogin": "Success"}
    assert names.count("GetObject") == 3 and names.count("PutObject") == 2 and "ListObjects" in names
    assert {r["sourceIPAddress"] for r in glitch} == {"53.94.201.69"}
    attach = [r for r in records if r["eventName"] == "AttachUserPolicy"]
    assert len(attach) == 1
    assert attach[0]["userIdentity"]["userName"] == "mcskidy"
    assert attach[0]["sourceIPAddress"] == "53.94.201.69"
    assert glitch[1]["eventTime"] < attach[0]["eventTime"] < glitch[-1]["eventTime"]
    actors = {identity.actor_key(r) for r in records}
    assert "user:123456789012:glitch" in actors and len(actors) > 20


JQ_S3 = ('.Records[] | select(.eventSource == "s3.amazonaws.com" and '
         '.requestParameters.bucketName=="wareville-care4wares")')
JQ_IAM = '.Records[] |select(.eventSource=="iam.amazonaws.com" and .eventName== "AttachUserPolicy" )'


def test_real_jq_finds_the_incident() -> None:
    records = _sample_records()
    doc = json.loads((SAMPLES / "cloudtrail_log.json").read_text(encoding="utf-8"))
    s3 = jq.compile(JQ_S3).input_value(doc).all()
    expected = [r for r in records if r["eventSource"] == "s3.amazonaws.com"
                and (r.get("requestParameters") or {}).get("bucketName") == "wareville-care4wares"]
    assert s3 == expected
    by_glitch = [r for r in s3 if r["userIdentity"].get("userName") == "glitch"]
    assert [r["eventName"] for r in by_glitch] == ["GetBucketAcl", "ListObjects", "GetObject", "GetObject", "GetObject",
                                                   "PutObject", "PutObject", "ListObjects"]
    iam = jq.compile(JQ_IAM).input_value(doc).all()
    assert len(iam) == 1
    assert iam[0]["requestParameters"] == {"userName": "glitch",
                                           "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}
    tsv = jq.compile('.Records[] | select(.userIdentity.userName == "glitch") | [.eventTime, .eventSource, '
                     '.eventName, .userIdentity.userName // "N/A", .sourceIPAddress // "N/A"] | @tsv') \
        .input_value(doc).all()
    assert len(tsv) == len(by_glitch) + 3 and all(line.endswith("\tglitch\t53.94.201.69") for line in tsv)


# -- command line --------------------------------------------------------------------------------------


def test_cli(tmp_path: Path) -> None:
    out = tmp_path / "cli.jsonl"
    result = subprocess.run(
        [sys.executable, "-m", "trailtui.tools.samplegen", "--events", "250", "--shape", "jsonl", "--out", str(out),
         "--seed", "5", "--incident"],
        cwd=REPO, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "events/s" in result.stderr and result.stdout == ""
    assert out.read_bytes() == samplegen.write(tmp_path / "api.jsonl", 250, "jsonl", seed=5, incident=True)[0] \
        .read_bytes()
    bad = subprocess.run([sys.executable, "-m", "trailtui.tools.samplegen", "--events", "5", "--shape", "nope",
                          "--out", str(out)], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert bad.returncode != 0
