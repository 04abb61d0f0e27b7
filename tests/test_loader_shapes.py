"""The loader recognises every CloudTrail input shape by content and passes records on exactly as parsed.

Reference values come from the stdlib ``json`` parser on the same bytes (an independent implementation),
and for the shared datasets from SOURCES.md.
"""

from __future__ import annotations

import copy
import gzip
import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trailtui.engine.loading import limits
from trailtui.engine.loader import load, load_all
from trailtui.engine.model import DigestSkipped, Problem, RecordBatch, SourceDone

# --------------------------------------------------------------------------------------- helpers


def record(i: int, **extra: Any) -> dict:
    """A realistic record; keys in CloudTrail's own order."""
    rec = {
        "eventVersion": "1.08",
        "userIdentity": {
            "type": "AssumedRole",
            "principalId": f"AROAEXAMPLE:session-{i}",
            "arn": f"arn:aws:sts::111122223333:assumed-role/Admin/session-{i}",
            "accountId": "111122223333",
            "sessionContext": {"attributes": {"mfaAuthenticated": "false", "creationDate": "2024-08-01T10:00:00Z"}},
        },
        "eventTime": f"2024-08-01T10:{i % 60:02d}:00Z",
        "eventSource": "s3.amazonaws.com",
        "eventName": "GetObject" if i % 2 else "PutObject",
        "awsRegion": "eu-west-1",
        "sourceIPAddress": f"198.51.100.{i % 250}",
        "userAgent": "aws-cli/2.15.0",
        "requestParameters": {"bucketName": "logs", "key": f"k/{i}", "tags": [{"k": "a"}, {"k": "b"}]},
        "responseElements": None,
        "resources": [{"ARN": "arn:aws:s3:::logs", "type": "AWS::S3::Bucket"}, {"ARN": f"arn:aws:s3:::logs/k/{i}"}],
        "eventID": f"00000000-0000-4000-8000-{i:012d}",
        "readOnly": bool(i % 2),
        "eventType": "AwsApiCall",
        "recipientAccountId": "111122223333",
        "eventCategory": "Data",
    }
    rec.update(extra)
    return rec


def records(n: int, start: int = 0) -> list[dict]:
    return [record(i) for i in range(start, start + n)]


def items(paths: list, **kw: Any) -> list:
    return list(load([str(p) for p in paths], **kw))


def batches(its: list) -> list[RecordBatch]:
    return [it for it in its if isinstance(it, RecordBatch)]


def loaded(its: list) -> list[dict]:
    return [r for b in batches(its) for r in b.records]


def problems(its: list) -> list[Problem]:
    return [it for it in its if isinstance(it, Problem)]


def done(its: list) -> list:
    return [it.source for it in its if isinstance(it, SourceDone)]


def write(path: Path, data: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    path.write_bytes(data)
    return path


def assert_same(got: list[dict], want: list[dict]) -> None:
    """Equal values and identical key order at every level."""
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g == w
        assert json.dumps(g) == json.dumps(w)  # key order preserved


# ------------------------------------------------------------------------------ shared datasets

STRATUS_PER_FILE = re.compile(r"([a-z0-9-]+(?:\.[a-z0-9-]+)?) (\d+)")


def _stratus_counts(sources_md: str) -> dict[str, int]:
    section = sources_md.split("## stratus-red-team per-file event counts", 1)[1].split("##", 1)[0]
    return {name: int(n) for name, n in re.findall(r"([a-z0-9][a-z0-9.-]*) (\d+)", section)}


def test_stratus_arrays_match_sources_md_and_stdlib(datasets: Path) -> None:
    files = sorted((datasets / "stratus-red-team").glob("*.json"))
    assert len(files) == 35
    per_file = _stratus_counts((datasets / "SOURCES.md").read_text())
    its = items([datasets / "stratus-red-team"])
    sources = {Path(s.path).name: s for s in done(its)}
    assert not problems(its)
    total = 0
    for f in files:
        want = json.loads(f.read_bytes())
        src = sources[f.name]
        assert src.shape == "array"
        assert src.events == len(want)
        technique = f.name.split(".", 2)[2].removesuffix(".json")
        assert per_file[technique] == len(want)
        total += len(want)
    # SOURCES.md's summary row says 313, but its own per-file table and the files hold 310.
    assert total == sum(per_file.values()) == 310
    assert_same(loaded(its), [r for f in files for r in json.loads(f.read_bytes())])


@pytest.mark.parametrize(
    "rel, shape, count",
    [
        ("otrf-security-datasets/ec2_proxy_s3_exfiltration_2020-09-14011940.json", "jsonl", 103),
        ("panther-analysis/panther_cloudtrail_rule_tests.json.gz", "records", 464),
        ("plaso/aws_cloudtrail_lookup_events.jsonl", "lookup-events", 6),
        ("awsdocs-cloudtrail-user-guide/doc_examples_records.json", "records", 22),
        ("awsdocs-cloudtrail-user-guide/insights_lookup_events_output.json", "lookup-events", 2),
        ("awsdocs-step-functions/eventbridge_cloudtrail_s3_putobject.json", "eventbridge", 1),
        ("trailscraper/111111111111_CloudTrail_eu-central-1_20171211T1505Z_A6kvhMoVeCsc7v8U.json", "records", 2),
        ("trailscraper/111111111111_CloudTrail_eu-central-1_20171211T1505Z_A6kvhMoVeCsc7v8U.json.gz", "records", 2),
    ],
)
def test_dataset_shapes(datasets: Path, rel: str, shape: str, count: int) -> None:
    path = datasets / rel
    its = items([path])
    assert not problems(its)
    (src,) = done(its)
    assert (src.shape, src.events) == (shape, count)
    assert src.compressed == rel.endswith(".gz")
    raw = path.read_bytes()
    text = gzip.decompress(raw) if src.compressed else raw
    # the stdlib parser is the reference for what each record must be
    if shape == "jsonl":
        want = [json.loads(line) for line in text.splitlines() if line.strip()]
    elif shape == "records":
        want = json.loads(text)["Records"]
    elif rel.endswith(".jsonl"):
        want = [json.loads(json.loads(line)["CloudTrailEvent"]) for line in text.splitlines() if line.strip()]
    elif shape == "lookup-events":
        want = json.loads(text)["Events"]
    else:
        want = [json.loads(text)["detail"]]
    assert_same(loaded(its), want)


def test_dataset_extras_kept(datasets: Path) -> None:
    """SIEM keys (@timestamp/@version) and Panther enrichment keys survive untouched."""
    otrf, _ = load_all([str(datasets / "otrf-security-datasets")])
    assert all("@timestamp" in r and "@version" in r for r in otrf)
    panther, _ = load_all([str(datasets / "panther-analysis/panther_cloudtrail_rule_tests.json.gz")])
    assert any(any(k.startswith("p_") for k in r) for r in panther)


def test_dataset_lookup_envelopes(datasets: Path) -> None:
    its = items([datasets / "plaso/aws_cloudtrail_lookup_events.jsonl"])
    lines = [json.loads(line) for line in (datasets / "plaso/aws_cloudtrail_lookup_events.jsonl").read_text().splitlines()]
    (batch,) = batches(its)
    assert batch.envelopes == [{k: item[k] for k in ("EventId", "Username", "EventTime") if k in item} for item in lines]
    assert any("Username" not in item for item in lines) and any("Username" in e for e in batch.envelopes)
    assert [r["eventID"] for r in batch.records] == [item["EventId"] for item in lines]
    assert batch.locations == [f"line {i}" for i in range(1, 7)]


def test_dataset_eventbridge_envelope(datasets: Path) -> None:
    path = datasets / "awsdocs-step-functions/eventbridge_cloudtrail_s3_putobject.json"
    (batch,) = batches(items([path]))
    env = json.loads(path.read_bytes())
    assert batch.envelopes == [{k: env[k] for k in ("id", "detail-type", "source", "time")}]
    assert batch.locations == ["detail"]


def test_dataset_digest_skipped(datasets: Path) -> None:
    its = items([datasets / "awsdocs-cloudtrail-user-guide/digest_file_example_NOT_EVENTS.json"])
    assert [type(it) for it in its if not hasattr(it, "files_done")] == [DigestSkipped, SourceDone]
    assert done(its)[0].shape == "digest" and done(its)[0].events == 0


def test_dataset_insights_records_load(datasets: Path) -> None:
    recs, probs = load_all([str(datasets / "awsdocs-cloudtrail-user-guide")])
    assert sum(r.get("eventType") == "AwsCloudTrailInsight" for r in recs) == 3 + 2
    assert not probs


def test_whole_dataset_directory(datasets: Path) -> None:
    """Everything at once: every event file loads; the Panther metadata sidecar is one clear problem."""
    its = items([datasets])
    probs = problems(its)
    assert len(probs) == 1 and probs[0].fatal
    assert probs[0].path.endswith("panther_cloudtrail_rule_tests.index.jsonl")
    assert "not CloudTrail" in probs[0].message
    assert len(loaded(its)) == 310 + 103 + 464 + 6 + 22 + 2 + 1 + 2 + 2
    assert sum(isinstance(it, DigestSkipped) for it in its) == 1


# ------------------------------------------------------------------------- S3 delivery (shape 1)


def test_records_plain_and_gzip_and_renamed(tmp_path: Path) -> None:
    recs = records(5)
    doc = json.dumps({"Records": recs}).encode()
    plain = write(tmp_path / "a.json", doc)
    gz = write(tmp_path / "b.json.gz", gzip.compress(doc))
    renamed = write(tmp_path / "c.json", gzip.compress(doc))  # gzip with a misleading name
    no_ext = write(tmp_path / "d", gzip.compress(doc))
    its = items([plain, gz, renamed, no_ext])
    assert not problems(its)
    srcs = done(its)
    assert [s.compressed for s in srcs] == [False, True, True, True]
    assert all(s.shape == "records" and s.events == 5 for s in srcs)
    assert_same(loaded(its), recs * 4)
    assert batches(its)[0].locations == [f"Records[{i}]" for i in range(5)]


def test_org_trail_tree_meta(tmp_path: Path) -> None:
    root = tmp_path / "bucket" / "AWSLogs" / "o-a1b2c3d4e5" / "111122223333" / "CloudTrail"
    made = []
    for region, day, start in [("us-east-1", "02", 0), ("eu-west-1", "01", 10), ("us-east-1", "01", 20)]:
        name = f"111122223333_CloudTrail_{region}_202408{day}T1005Z_AbCdEfGhIjKlMnOp.json.gz"
        made.append(write(root / region / "2024" / "08" / day / name, gzip.compress(json.dumps({"Records": records(3, start)}).encode())))
    digest_dir = tmp_path / "bucket" / "AWSLogs" / "o-a1b2c3d4e5" / "111122223333" / "CloudTrail-Digest" / "us-east-1" / "2024" / "08" / "01"
    write(digest_dir / "111122223333_CloudTrail-Digest_us-east-1_org_us-east-1_20240801T110000Z.json.gz",
          gzip.compress(json.dumps({"awsAccountId": "111122223333", "digestS3Object": "x", "logFiles": []}).encode()))
    its = items([tmp_path / "bucket"])
    assert not problems(its)
    srcs = done(its)
    # sorted path order: CloudTrail/ before CloudTrail-Digest/ (component-wise), eu-west-1 before us-east-1
    assert [Path(s.path).parts[-5] for s in srcs] == ["eu-west-1", "us-east-1", "us-east-1", "us-east-1"]
    assert srcs[0].meta == {"account": "111122223333", "org": "o-a1b2c3d4e5", "region": "eu-west-1",
                            "kind": "CloudTrail", "date": "2024-08-01"}
    assert srcs[-1].meta["kind"] == "CloudTrail-Digest" and srcs[-1].shape == "digest"
    assert [r["eventID"][-2:] for r in loaded(its)] == ["10", "11", "12", "20", "21", "22", "00", "01", "02"]
    assert sum(isinstance(it, DigestSkipped) for it in its) == 1


# --------------------------------------------------------------------- arrays, lines, concatenated


def test_top_level_array(tmp_path: Path) -> None:
    recs = records(4)
    its = items([write(tmp_path / "x.json", json.dumps(recs, indent=2))])
    assert done(its)[0].shape == "array"
    assert_same(loaded(its), recs)
    assert batches(its)[0].locations == ["[0]", "[1]", "[2]", "[3]"]


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize("compress", [False, True])
def test_json_lines(tmp_path: Path, newline: str, compress: bool) -> None:
    recs = records(7)
    text = newline.join(json.dumps(r) for r in recs) + newline
    data = gzip.compress(text.encode()) if compress else text.encode()
    its = items([write(tmp_path / "x.log", data)])
    assert not problems(its)
    src = done(its)[0]
    assert (src.shape, src.compressed) == ("jsonl", compress)
    assert_same(loaded(its), recs)


def test_concatenated_no_separator(tmp_path: Path) -> None:
    recs = records(6)
    text = "".join(json.dumps(r, separators=(",", ":")) for r in recs)
    its = items([write(tmp_path / "firehose", text)])
    assert not problems(its)
    assert done(its)[0].shape == "concatenated"
    assert_same(loaded(its), recs)
    assert batches(its)[0].locations[0] == "byte 0"


def test_pretty_values_back_to_back(tmp_path: Path) -> None:
    recs = records(3)
    text = "\n".join(json.dumps(r, indent=4) for r in recs) + "\n"
    its = items([write(tmp_path / "pretty.json", text)])
    assert not problems(its)
    assert_same(loaded(its), recs)
    starts = [i + 1 for i, line in enumerate(text.splitlines()) if line == "{"]
    assert batches(its)[0].locations == [f"line {n}" for n in starts]


def test_concatenated_records_documents(tmp_path: Path) -> None:
    """``cat`` of several S3 objects."""
    docs = [json.dumps({"Records": records(2, k * 10)}) for k in range(3)]
    its = items([write(tmp_path / "cat.json", "".join(docs))])
    assert_same(loaded(its), [r for d in docs for r in json.loads(d)["Records"]])
    assert done(its)[0].shape == "records"


# ------------------------------------------------------------------------------ lookup-events (4)


def test_lookup_events_output_and_items(tmp_path: Path) -> None:
    recs = records(3)
    events = [
        {"EventId": r["eventID"], "EventName": r["eventName"], "ReadOnly": "true", "EventTime": "2024-08-01T12:00:00+02:00",
         "Username": f"session-{i}", "Resources": [], "CloudTrailEvent": json.dumps(r)}
        for i, r in enumerate(recs)
    ]
    out = write(tmp_path / "lookup.json", json.dumps({"Events": events, "NextToken": "abc"}, indent=2))
    lines = write(tmp_path / "lookup.jsonl", "\n".join(json.dumps(e) for e in events))
    its = items([out, lines])
    assert not problems(its)
    assert [s.shape for s in done(its)] == ["lookup-events", "lookup-events"]
    assert_same(loaded(its), recs * 2)
    first, second = batches(its)
    assert first.locations == ["Events[0]", "Events[1]", "Events[2]"]
    assert first.envelopes == [{"EventId": e["EventId"], "Username": e["Username"], "EventTime": e["EventTime"]} for e in events]
    assert second.locations == ["line 1", "line 2", "line 3"]


# ----------------------------------------------------------------------------------- EventBridge (5)


def _eventbridge(r: dict, n: int) -> dict:
    return {"version": "0", "id": f"eb-{n}", "detail-type": "AWS API Call via CloudTrail", "source": "aws.s3",
            "account": "111122223333", "time": r.get("eventTime"), "region": "eu-west-1", "resources": [], "detail": r}


def test_eventbridge_single_array_lines(tmp_path: Path) -> None:
    recs = records(3)
    envs = [_eventbridge(r, i) for i, r in enumerate(recs)]
    single = write(tmp_path / "one.json", json.dumps(envs[0], indent=2))
    array = write(tmp_path / "arr.json", json.dumps(envs))
    lines = write(tmp_path / "eb.jsonl", "\n".join(json.dumps(e) for e in envs))
    other = dict(envs[0], **{"detail-type": "Object Created", "detail": {"bucket": {"name": "x"}}})
    its = items([single, array, lines])
    assert not problems(its)
    assert [s.shape for s in done(its)] == ["eventbridge"] * 3
    assert_same(loaded(its), recs[:1] + recs + recs)
    assert batches(its)[1].envelopes[2] == {"id": "eb-2", "detail-type": "AWS API Call via CloudTrail", "source": "aws.s3",
                                           "time": recs[2]["eventTime"]}
    # a non-CloudTrail EventBridge event is one clear problem
    its = items([write(tmp_path / "s3event.json", json.dumps(other))])
    (prob,) = problems(its)
    assert "Object Created" in prob.message and prob.fatal


# -------------------------------------------------------------------------------- CloudWatch (6)


def test_cloudwatch_filter_log_events(tmp_path: Path) -> None:
    recs = records(3)
    out = {"events": [{"logStreamName": "111122223333_CloudTrail_eu-west-1", "timestamp": 1722506400000 + i,
                       "message": json.dumps(r), "ingestionTime": 1722506401000, "eventId": f"3{i}"}
                      for i, r in enumerate(recs)], "searchedLogStreams": []}
    its = items([write(tmp_path / "fle.json", json.dumps(out, indent=2))])
    assert not problems(its)
    assert done(its)[0].shape == "cwl-events"
    assert_same(loaded(its), recs)
    assert batches(its)[0].envelopes[1] == {"logStreamName": "111122223333_CloudTrail_eu-west-1",
                                           "timestamp": 1722506400001, "eventId": "31"}


def test_cloudwatch_export_lines(tmp_path: Path) -> None:
    recs = records(4)
    text = "".join(f"2024-08-01T10:0{i}:00.123Z {json.dumps(r)}\n" for i, r in enumerate(recs))
    path = write(tmp_path / "export" / "task-1" / "111122223333_CloudTrail_eu-west-1" / "000000.gz", gzip.compress(text.encode()))
    its = items([path])
    assert not problems(its)
    src = done(its)[0]
    assert (src.shape, src.compressed) == ("cwl-export", True)
    assert_same(loaded(its), recs)
    assert batches(its)[0].envelopes[3] == {"timestamp": "2024-08-01T10:03:00.123Z"}


def _subscription(recs: list[dict], group: str = "ct-group") -> dict:
    return {"messageType": "DATA_MESSAGE", "owner": "111122223333", "logGroup": group,
            "logStream": "111122223333_CloudTrail_eu-west-1", "subscriptionFilters": ["f"],
            "logEvents": [{"id": f"id{i}", "timestamp": 1722506400000, "message": json.dumps(r)} for i, r in enumerate(recs)]}


def test_cloudwatch_subscription_concatenated(tmp_path: Path) -> None:
    recs = records(5)
    control = {"messageType": "CONTROL_MESSAGE", "owner": "CloudwatchLogs", "logGroup": "", "logStream": "",
               "subscriptionFilters": [], "logEvents": [{"id": "", "timestamp": 1, "message": "CWL CONTROL MESSAGE"}]}
    text = json.dumps(control) + json.dumps(_subscription(recs[:2])) + json.dumps(_subscription(recs[2:]))
    its = items([write(tmp_path / "firehose-object", gzip.compress(text.encode()))])
    assert not problems(its)
    assert done(its)[0].shape == "cwl-subscription"
    assert_same(loaded(its), recs)
    assert batches(its)[0].envelopes[0] == {"logGroup": "ct-group", "logStream": "111122223333_CloudTrail_eu-west-1",
                                           "id": "id0", "timestamp": 1722506400000}


def test_cloudwatch_control_only_is_one_problem(tmp_path: Path) -> None:
    control = {"messageType": "CONTROL_MESSAGE", "logEvents": [{"id": "", "message": "CWL CONTROL MESSAGE"}]}
    its = items([write(tmp_path / "ctl.json", json.dumps(control))])
    (prob,) = problems(its)
    assert "CONTROL_MESSAGE" in prob.message and "ctl.json" in prob.message


def test_cloudwatch_insights_results(tmp_path: Path) -> None:
    recs = records(2)
    out = {"results": [[{"field": "@timestamp", "value": "2024-08-01 10:00:00.000"},
                        {"field": "@message", "value": json.dumps(r)},
                        {"field": "@ptr", "value": "xyz"}] for r in recs],
           "statistics": {"recordsMatched": 2.0}, "status": "Complete"}
    its = items([write(tmp_path / "insights.json", json.dumps(out))])
    assert not problems(its)
    assert done(its)[0].shape == "cwl-insights"
    assert_same(loaded(its), recs)
    assert batches(its)[0].envelopes[0] == {"@timestamp": "2024-08-01 10:00:00.000"}


# -------------------------------------------------------------------------------- Lake rows (7)


def test_lake_rows_partial_and_dotted(tmp_path: Path) -> None:
    full = record(99)
    out = {"QueryStatus": "FINISHED", "QueryStatistics": {"ResultsCount": 3},
           "QueryResultRows": [
               [{"eventTime": "2024-08-01 10:00:00.000"}, {"eventName": "GetObject"},
                {"userIdentity.arn": "arn:aws:iam::111122223333:user/alice"}, {"userIdentity.type": "IAMUser"}],
               [{"eventTime": "2024-08-01 10:01:00.000"}, {"requestParameters": '{"bucketName":"logs"}'}],
               [{"eventJson": json.dumps(full)}, {"eventName": "GetObject"}],
           ]}
    its = items([write(tmp_path / "lake.json", json.dumps(out))])
    assert not problems(its)
    assert done(its)[0].shape == "lake"
    bs = batches(its)
    assert [b.partial for b in bs] == [True, False]
    assert bs[0].records == [
        {"eventTime": "2024-08-01 10:00:00.000", "eventName": "GetObject",
         "userIdentity": {"arn": "arn:aws:iam::111122223333:user/alice", "type": "IAMUser"}},
        {"eventTime": "2024-08-01 10:01:00.000", "requestParameters": {"bucketName": "logs"}},
    ]
    assert_same(bs[1].records, [full])  # a column holding a whole record is used as the record
    assert bs[1].positions == [2] and bs[1].locations == ["QueryResultRows[2]"]


# ------------------------------------------------------------------------------ single record (8)


@pytest.mark.parametrize("indent", [None, 2])
def test_single_record(tmp_path: Path, indent: Any) -> None:
    rec = record(1, **{"@timestamp": "2024-08-01T10:00:00.000Z"})
    its = items([write(tmp_path / "ticket.txt", json.dumps(rec, indent=indent))])
    assert not problems(its)
    assert done(its)[0].shape == "single"
    assert_same(loaded(its), [rec])
    assert batches(its)[0].locations == ["document"]


def test_insight_record_loads_like_any_record(tmp_path: Path) -> None:
    insight = {"eventVersion": "1.07", "eventTime": "2019-11-14T00:51:00Z", "awsRegion": "us-east-1", "eventID": "e1",
               "eventType": "AwsCloudTrailInsight", "insightDetails": {"state": "Start"}, "eventCategory": "Insight"}
    assert load_all([str(write(tmp_path / "i.json", json.dumps({"Records": [insight]})))]) == ([insight], [])


def test_elastic_event_original(tmp_path: Path) -> None:
    rec = record(3)
    doc = {"@timestamp": "x", "event": {"original": json.dumps(rec), "kind": "event"}, "aws": {"cloudtrail": {}}}
    its = items([write(tmp_path / "ecs.jsonl", json.dumps(doc) + "\n" + json.dumps(doc) + "\n")])
    assert_same(loaded(its), [rec, rec])


def test_zip_members(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "logs.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("b/2.json", json.dumps({"Records": records(2, 2)}))
        zf.writestr("a/1.json.gz", gzip.compress(json.dumps({"Records": records(2)}).encode()))
        zf.writestr("__MACOSX/a/._1.json.gz", b"\x00\x05\x16\x07")
    its = items([path])
    assert not problems(its)
    assert [s.path for s in done(its)] == [f"{path}!/a/1.json.gz", f"{path}!/b/2.json"]
    assert_same(loaded(its), records(4))


def test_tar_gz_members(tmp_path: Path) -> None:
    import io
    import tarfile

    path = tmp_path / "logs.tar.gz"
    with tarfile.open(path, "w:gz") as tf:
        for name, recs in [("x/1.json", records(2)), ("x/2.jsonl", records(2, 2))]:
            data = (json.dumps({"Records": recs}) if name.endswith(".json") else "\n".join(map(json.dumps, recs))).encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    its = items([path])
    assert not problems(its)
    assert [s.shape for s in done(its)] == ["records", "jsonl"]
    assert_same(loaded(its), records(4))


# --------------------------------------------------------------------------- exactness of values


def test_big_integers_and_control_characters_kept(tmp_path: Path) -> None:
    text = ('{"eventVersion":"1.08","eventTime":"2024-08-01T10:00:00Z","n":123456789012345678901234567890,'
            '"neg":-9223372036854775809,"f":1.5,"ctl":"a\\u0001b\\u001b[31m","raw":"tab\there"}')
    for name, data in [("one.json", text), ("lines.jsonl", text + "\n" + text + "\n"),
                       ("rec.json", '{"Records":[' + text + "]}")]:
        recs, probs = load_all([str(write(tmp_path / name, data))])
        assert not probs
        assert recs[0] == json.loads(text, strict=False)
        assert recs[0]["n"] == 123456789012345678901234567890 and recs[0]["neg"] == -9223372036854775809
        assert recs[0]["ctl"] == "a\x01b\x1b[31m" and recs[0]["raw"] == "tab\there"


def test_utf8_bom_tolerated(tmp_path: Path) -> None:
    recs = records(2)
    its = items([write(tmp_path / "bom.json", b"\xef\xbb\xbf" + json.dumps({"Records": recs}).encode()),
                 write(tmp_path / "bom.jsonl", b"\xef\xbb\xbf" + "\n".join(map(json.dumps, recs)).encode())])
    assert not problems(its)
    assert_same(loaded(its), recs * 2)


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_is_converted_with_a_clear_note(tmp_path: Path, codec: str) -> None:
    recs = records(2)
    its = items([write(tmp_path / "ps.json", json.dumps({"Records": recs}, indent=2).encode(codec))])
    assert_same(loaded(its), recs)
    (prob,) = problems(its)
    assert not prob.fatal and "UTF-16" in prob.message and "ps.json" in prob.message


# --------------------------------------------------------------------- big documents are sliced


@pytest.fixture
def small_slices(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the slicing path run on small test files."""
    monkeypatch.setattr(limits, "SPLIT_THRESHOLD", 20_000)
    monkeypatch.setattr(limits, "SLICE_TARGET", 4_000)


def _tricky(n: int) -> list[dict]:
    """Records whose strings contain the very byte patterns the slicer looks for."""
    out = records(n)
    for i in range(0, n, 3):
        out[i]["requestParameters"]["policy"] = '},{"eventVersion":"1.08"},{"x":[{}],"y":"\\"},{"}'
    for i in range(1, n, 5):
        out[i]["note"] = "naïve ünïcödé ✓ " * 5
    return out


@pytest.mark.parametrize("indent", [None, 1])
@pytest.mark.parametrize("wrapper", ["Records", None])
def test_big_document_slices_exactly(tmp_path: Path, small_slices: None, indent: Any, wrapper: Any) -> None:
    recs = _tricky(120)
    doc = {wrapper: recs} if wrapper else recs
    path = write(tmp_path / "big.json", json.dumps(doc, indent=indent, ensure_ascii=False))
    its = items([path], batch_size=50)
    assert not problems(its)
    got = loaded(its)
    assert_same(got, recs)  # every record once, in order
    positions = [p for b in batches(its) for p in b.positions]
    assert positions == list(range(120))
    prefix = "Records" if wrapper else ""
    assert [loc for b in batches(its) for loc in b.locations] == [f"{prefix}[{i}]" for i in range(120)]
    assert all(len(b.records) <= 50 for b in batches(its))


def test_big_document_scrambled_keys_and_tail(tmp_path: Path, small_slices: None) -> None:
    """Key order differs per record (no common first key) and other keys follow the array."""
    recs = _tricky(90)
    scrambled = [dict(reversed(list(r.items()))) if i % 2 else r for i, r in enumerate(recs)]
    events = [{"EventId": r["eventID"], "Username": "u", "CloudTrailEvent": json.dumps(r)} for r in scrambled]
    path = write(tmp_path / "lookup.json", json.dumps({"Events": events, "NextToken": "tok"}))
    its = items([path])
    assert not problems(its)
    assert_same(loaded(its), scrambled)
    path = write(tmp_path / "arr.json", json.dumps(scrambled))
    assert_same(loaded(items([path])), scrambled)


def test_slicer_keeps_gil_slices_small(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_slices: None) -> None:
    """No single parse call sees much more than a slice."""
    from trailtui.engine import jsonvalues

    seen: list[int] = []
    real = jsonvalues.loads

    def spy(buf: Any) -> Any:
        seen.append(len(buf))
        return real(buf)

    monkeypatch.setattr(jsonvalues, "loads", spy)
    recs = records(200)
    path = write(tmp_path / "big.json", json.dumps({"Records": recs}))
    assert_same(loaded(items([path])), recs)
    assert len(seen) > 5
    assert max(seen) < 4 * 4_000 + 2_000


# ----------------------------------------------------------- property: any records, any shape


# (integers beyond 64 bits are recovered in object values only; see jsonvalues._BIG_INT_HINT)
_json_scalars = st.one_of(st.none(), st.booleans(), st.integers(-(2**63), 2**64 - 1),
                          st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=20))
_json_values = st.recursive(_json_scalars, lambda kids: st.one_of(st.lists(kids, max_size=3),
                                                                  st.dictionaries(st.text(max_size=8), kids, max_size=3)),
                            max_leaves=8)
_record_values = st.one_of(_json_values, st.integers(-(2**70), 2**70))
_records = st.lists(
    st.dictionaries(st.text(max_size=10), _record_values, max_size=5).map(
        lambda d: {"eventVersion": "1.08", **{k: v for k, v in d.items() if k != "eventVersion"}}),
    min_size=1, max_size=8)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(recs=_records, shape=st.sampled_from(["records", "array", "jsonl", "concat", "pretty", "gz-jsonl", "eventbridge"]))
def test_any_records_roundtrip(tmp_path: Path, recs: list[dict], shape: str) -> None:
    if shape == "records":
        data = json.dumps({"Records": recs})
    elif shape == "array":
        data = json.dumps(recs)
    elif shape in ("jsonl", "gz-jsonl"):
        data = "\n".join(json.dumps(r) for r in recs)
    elif shape == "concat":
        data = "".join(json.dumps(r) for r in recs)
    elif shape == "pretty":
        data = "\n".join(json.dumps(r, indent=2) for r in recs)
    else:
        data = "\n".join(json.dumps(_eventbridge(r, i)) for i, r in enumerate(recs))
    raw = gzip.compress(data.encode()) if shape == "gz-jsonl" else data.encode()
    path = write(tmp_path / "h.json", raw)
    got, probs = load_all([str(path)])
    assert not probs
    assert got == json.loads(json.dumps(recs))
    assert [json.dumps(r) for r in got] == [json.dumps(r) for r in recs]


def _raw_decode_all(text: str) -> list[Any]:
    """The stdlib's own reading of values back to back (the reference)."""
    decoder, out, pos = json.JSONDecoder(), [], 0
    while True:
        while pos < len(text) and text[pos] in " \t\r\n":
            pos += 1
        if pos >= len(text):
            return out
        value, pos = decoder.raw_decode(text, pos)
        out.append(value)


@pytest.mark.parametrize("sep, indent", [("", None), ("\n", None), ("\n", 2), (" \r\n  ", 1)])
def test_concatenated_tricky_values_match_stdlib(tmp_path: Path, sep: str, indent: Any) -> None:
    """Probe bytes inside strings, changing first keys, unicode, big values: read exactly like raw_decode."""
    values: list[Any] = []
    for i, rec in enumerate(_tricky(300)):
        if i % 7 == 0:
            rec = dict(reversed(list(rec.items())))  # a different first key
        if i % 50 == 0:
            rec["blob"] = '{"eventVersion":"1.08"}' * 20_000  # a value far larger than the parse window
        if i % 11 == 0:
            rec["nested"] = {"eventVersion": "9", "inner": [{"eventVersion": "8"}]}  # probe inside nested objects
        values.append(rec)
    text = sep.join(json.dumps(v, ensure_ascii=False, indent=indent) for v in values)
    started = time.monotonic()
    its = items([write(tmp_path / "concat.json", text.encode())])
    assert time.monotonic() - started < 10  # ~0.3 s; guessed boundaries inside strings must not go quadratic
    assert not problems(its)
    assert_same(loaded(its), _raw_decode_all(text))
    assert done(its)[0].shape == ("jsonl" if sep and indent is None else "concatenated")
