"""The streaming path of `trailtui query` (cli_stream.py, engine/oneshot.py) says exactly what the stored path says.

Differential: for many filters, formats and input shapes (a Records file, JSON Lines with odd events, a
gzip S3 tree with digest files, lookup-events output, duplicates, a corrupt file), the same command is
run with ``TRAILTUI_STREAM=1`` (answered while reading) and ``TRAILTUI_STREAM=0`` (loaded into the
in-memory store first); stdout, stderr and the exit code must be equal. Where the reference can say, the
streamed output is also compared with the jq CLI (``jq -rc``) and with libjq (PyPI ``jq``).
"""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jq as refjq
import pytest

from trailtui import cli

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "samples" / "cloudtrail_log.json"
TREE = REPO / "samples" / "AWSLogs"

FILTERS = [
    ".",
    '.eventName == "ConsoleLogin"',
    '.Records[] | .eventName == "ConsoleLogin"',
    'select(.eventSource == "s3.amazonaws.com")',
    '.Records[] | select(.eventSource == "s3.amazonaws.com") | [.eventTime, .eventName, .userIdentity.userName // "N/A"] | @tsv',
    '["Time", "Name"], (.Records[] | [.eventTime, .eventName]) | @csv',
    '.requestParameters.bucketName == "x"',
    # raising events that the stored path never runs the filter on (its plan leaves them out): not counted
    '.requestParameters.foo == "zz-nowhere"',
    'select(.requestParameters.foo.bar == 1 and .eventName == "ConsoleLogin")',
    '.requestParameters.foo.bar == 1 or .eventName == "ConsoleLogin"',
    '.Records[] | .requestParameters.bucketName',
    'select(.requestParameters.bucketName != null) | .eventName',
    '.Records[] | (.eventName, .requestParameters.bucketName)',
    '[actor_key, ip_key]',
    '.Records[] | actor_key, ip_key',
    '.Records[] | empty',
    '.Records[] | .resources[]?.ARN',
    'select(.readOnly) | .eventID',
    '.Records[] | input_filename',
    '{who: actor_key, what: .eventName}',
    'select(.eventName | test("^Get")) | [.eventName, .awsRegion]',
    '.Records[] | .eventName',
    '.eventName',  # its reading is decided over every event: the stored path answers both ways
    '.Records | length',  # an aggregate: not streamed
]

NOT_STREAMED = {
    ".eventName",  # selection or projection: only running it over every event tells
    "select(.requestParameters.bucketName != null) | .eventName",  # the same after its selects
    "select(.readOnly) | .eventID",
    ".Records | length",  # an aggregate
}

FORMATS = [
    ("tsv", "[.eventTime, .eventName, .userIdentity.userName // \"N/A\"]"),
    ("csv", "{t: .eventTime, bucket: .requestParameters.bucketName}"),
    ("jsonl", "[.eventName, actor_key]"),
    ("tsv", "select(.readOnly == false) | [.eventName, (.errorCode // \"-\")]"),
    ("table", "[.eventName]"),  # not streamed (column widths)
]


def _odd_events() -> list[dict[str, Any]]:
    """Events that make a filter raise, share eventIDs, or lack one."""
    base = json.loads(SAMPLE.read_text())["Records"][:40]
    odd = [dict(base[0], requestParameters="a string, not an object", eventID="odd-string-params")]
    no_id = dict(base[1])
    no_id.pop("eventID", None)
    no_id["requestParameters"] = "raises, and has no eventID: named by its row"
    odd.append(no_id)
    odd.append(dict(base[2], eventName="SameIdOtherContent"))  # shares base[2]'s eventID, different content
    odd.append(dict(reversed(list(base[3].items()))))  # base[3] with its keys in another order: a duplicate
    odd.append(dict(base[4], eventID=12345, requestParameters=[1]))  # a non-string eventID
    return base + odd


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    root = tmp_path_factory.mktemp("stream-inputs")
    records = root / "records.json"
    shutil.copy(SAMPLE, records)
    jsonl = root / "events.jsonl"
    jsonl.write_text("".join(json.dumps(e) + "\n" for e in _odd_events()) + "{not json\n")
    again = root / "again.json"  # every event a duplicate of records.json's
    shutil.copy(SAMPLE, again)
    corrupt = root / "corrupt.json.gz"
    corrupt.write_bytes(gzip.compress(SAMPLE.read_bytes())[:5000])  # a few events, then a cut stream
    garbage = root / "garbage.json"
    garbage.write_bytes(b"\x00\x01 not a log at all")
    lookup = root / "lookup.json"
    events = json.loads(SAMPLE.read_text())["Records"][100:130]
    lookup.write_text(json.dumps({"Events": [
        {"EventId": e["eventID"], "EventName": e["eventName"], "CloudTrailEvent": json.dumps(e)} for e in events]}))
    cases = {
        "records": [str(records)],
        "mixed": [str(jsonl), str(records), str(corrupt), str(again), str(lookup)],
        "nothing": [str(garbage)],
        "empty-jsonl": [str(_write(root / "blank.jsonl", ""))],
    }
    if TREE.exists():
        cases["tree"] = [str(TREE)]
    return cases


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def _run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, stream: str,
         args: list[str]) -> tuple[int, str, str]:
    monkeypatch.setenv("TRAILTUI_STREAM", stream)
    capsys.readouterr()
    code = cli.main(["query", "--backend", "memory", *args])
    out, err = capsys.readouterr()
    return code, out, err


def _both(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, args: list[str],
          expect_stream: bool | None = None) -> tuple[int, str, str]:
    stored = _run(capsys, monkeypatch, "0", args)
    sessions: list[Any] = []
    real = cli._session
    monkeypatch.setattr(cli, "_session", lambda *a, **k: sessions.append(1) or real(*a, **k))
    streamed = _run(capsys, monkeypatch, "1", args)
    monkeypatch.setattr(cli, "_session", real)
    assert streamed == stored
    if expect_stream is not None:
        assert (not sessions) == expect_stream, "streamed" if not sessions else "stored"
    return streamed


@pytest.mark.parametrize("text", FILTERS)
@pytest.mark.parametrize("case", ["records", "mixed", "tree", "nothing", "empty-jsonl"])
def test_streamed_equals_stored(capsys, monkeypatch, inputs, case: str, text: str) -> None:
    if case not in inputs:
        pytest.skip("samples/AWSLogs is absent")
    expect = text not in NOT_STREAMED
    code, out, err = _both(capsys, monkeypatch, ["-f", text, *inputs[case]], expect_stream=expect)
    if case == "nothing":
        assert code == 1 and "nothing could be read" in err
    elif case != "empty-jsonl":
        assert code == 0


@pytest.mark.parametrize("text", FILTERS[:12])
def test_streamed_equals_stored_keeping_duplicates(capsys, monkeypatch, inputs, text: str) -> None:
    _both(capsys, monkeypatch, ["--keep-duplicates", "-f", text, *inputs["mixed"]])


@pytest.mark.parametrize(("fmt", "text"), FORMATS)
@pytest.mark.parametrize("case", ["records", "mixed", "nothing"])
def test_streamed_formats_equal_stored(capsys, monkeypatch, inputs, case: str, fmt: str, text: str) -> None:
    _both(capsys, monkeypatch, ["--format", fmt, "-f", text, *inputs[case]], expect_stream=fmt != "table")
    _both(capsys, monkeypatch, ["--no-header", "--format", fmt, "-f", text, *inputs[case]])


def test_the_mixed_inputs_exercise_every_message(capsys, monkeypatch, inputs) -> None:
    """The differential above means something only if these inputs raise, drop and report."""
    code, out, err = _both(capsys, monkeypatch, ["-f", ".Records[] | (.eventName, .requestParameters.bucketName)",
                                                 *inputs["mixed"]], expect_stream=True)
    assert code == 0
    import re

    dropped = re.search(r"dropped (\d+) exact duplicate events", err)
    # again.json (1700), lookup (30), reordered keys (1), and the events before the cut in corrupt.json.gz
    assert dropped is not None and int(dropped.group(1)) > 1731
    assert "corrupt.json.gz" in err
    assert "event odd-string-params: Cannot index string with" in err
    assert re.search(r"event 41: Cannot index string with", err)  # the event without an eventID, by row
    assert re.search(r"event 43: Cannot index array with", err)  # eventID 12345 is not a string: by row
    code, out, err = _both(capsys, monkeypatch, ["-f", '.requestParameters.bucketName == "x"', *inputs["mixed"]])
    assert "3 events raised: Cannot index string" in err
    assert out.count("SameIdOtherContent") == 0
    code, out, err = _both(capsys, monkeypatch, ["-f", 'select(.eventName == "SameIdOtherContent")', *inputs["mixed"]])
    assert out.count("\n") == 1  # same eventID, other content: kept


def test_stdin_streams(capsys, monkeypatch, inputs) -> None:
    import io
    import sys

    data = Path(inputs["records"][0]).read_bytes()
    results = []
    for stream in ("0", "1"):
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
        results.append(_run(capsys, monkeypatch, stream, ["-f", ".Records[] | [.eventName, actor_key] | @tsv", "-"]))
    assert results[0] == results[1] and results[0][1].count("\n") == 1700


@pytest.mark.parametrize("text", [
    '.Records[] | select(.eventSource == "s3.amazonaws.com") | [.eventTime, .eventName, .sourceIPAddress] | @tsv',
    '.Records[] | .userIdentity.arn // "N/A"',
    '.Records[] | select(.readOnly == false) | .eventID',
    '["T", "N"], (.Records[] | [.eventTime, .eventName]) | @csv',
    '.Records[] | .resources[]?.ARN',
])
def test_streamed_equals_the_jq_cli(capsys, monkeypatch, inputs, text: str) -> None:
    jq_cli = shutil.which("jq")
    path = inputs["records"][0]
    code, out, _err = _run(capsys, monkeypatch, "1", ["-f", text, path])
    reference = refjq.compile(text).input_text(Path(path).read_text()).all()
    assert out == "".join((v if isinstance(v, str) else json.dumps(v, separators=(",", ":"))) + "\n" for v in reference)
    if jq_cli is not None:
        assert out == subprocess.run([jq_cli, "-rc", text, path], capture_output=True, text=True, check=True).stdout


def test_auto_answers_from_an_existing_cache_and_streams_otherwise(capsys, monkeypatch, inputs) -> None:
    """`auto` streams a first question; once a cache of the inputs exists it answers from the cache."""
    from trailtui import cli_stream
    from trailtui.engine import backend

    monkeypatch.delenv("TRAILTUI_STREAM", raising=False)
    monkeypatch.setattr(backend, "AUTO_COLUMNAR_BYTES", 0)  # the sample counts as big
    args = cli.build_query_parser().parse_args(["-f", ".eventName == \"ConsoleLogin\"", *inputs["records"]])
    from trailtui.engine.query import compile_query

    query = compile_query(args.program)
    assert cli_stream.wants_stream(args, query, args.paths, True)
    assert cli.main(["query", "--backend", "duckdb", "-f", ".", *inputs["records"]]) == 0  # builds the cache
    assert not cli_stream.wants_stream(args, query, args.paths, True)
    args.no_cache = True
    assert cli_stream.wants_stream(args, query, args.paths, True)
    args.no_cache = False
    for named in ("memory", "duckdb"):  # an engine named answers as before
        args.backend = named
        assert not cli_stream.wants_stream(args, query, args.paths, True)
    args.backend = "auto"
    for forced, expected in (("0", False), ("1", True)):
        monkeypatch.setenv("TRAILTUI_STREAM", forced)
        assert cli_stream.wants_stream(args, query, args.paths, True) is expected


@pytest.fixture
def split_everything(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Two workers for any Records file (the sample is far below the size that pays for them); the verdicts."""
    from trailtui.engine import oneshot, oneshot_split

    monkeypatch.setattr(oneshot_split, "MIN_BYTES", 0)
    verdicts: list[str] = []
    real = oneshot_split.Split
    merged = oneshot._merged

    def merge(*args: Any) -> Any:
        verdicts.append("merged")
        return merged(*args)

    monkeypatch.setattr(oneshot, "_merged", merge)

    def run(*args: Any) -> Any:
        try:
            found = real(*args)
        except oneshot_split.SplitFailed as exc:
            verdicts.append(f"failed: {exc}")
            raise
        verdicts.append("split")
        return found

    monkeypatch.setattr(oneshot_split, "Split", run)
    return verdicts


@pytest.fixture(scope="module")
def doubled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A Records file holding every sample event twice (the second copies fall in the other half), with odd
    events, and the same file with a bad byte (not valid JSON: the workers give up, one process reads it)."""
    root = tmp_path_factory.mktemp("split-inputs")
    odd = [e for i, e in enumerate(_odd_events()[40:]) if i in (0, 1, 4)]  # raising, no eventID, numeric ID
    events = odd[:1] + json.loads(SAMPLE.read_text())["Records"] + odd[1:]
    events = events + events[::-1]
    whole = root / "doubled.json"
    whole.write_text(json.dumps({"Records": events}, separators=(",", ":")))
    ambiguous = root / "ambiguous.json"  # an eventID again with other content, and keys in another order
    ambiguous.write_text(json.dumps({"Records": events + _odd_events()[40:]}, separators=(",", ":")))
    data = whole.read_bytes()
    broken = root / "broken.json"  # head and tail intact, a bad byte in the first half
    at = data.index(b',"eventTime"', len(data) // 4)
    broken.write_bytes(data[:at] + b"@" + data[at + 1 :])
    return {"whole": str(whole), "broken": str(broken), "ambiguous": str(ambiguous)}


@pytest.mark.parametrize("text", FILTERS)
def test_two_workers_say_what_one_process_says(capsys, monkeypatch, doubled, split_everything, text: str) -> None:
    results = {}
    for workers in ("0", "2"):
        monkeypatch.setenv("TRAILTUI_STREAM_WORKERS", workers)
        results[workers] = _run(capsys, monkeypatch, "1", ["-f", text, doubled["whole"]])
    assert results["0"] == results["2"]
    if text not in NOT_STREAMED:
        assert split_everything == ["split", "merged"]
        monkeypatch.delenv("TRAILTUI_STREAM_WORKERS")
        assert results["2"] == _run(capsys, monkeypatch, "0", ["-f", text, doubled["whole"]])


@pytest.mark.parametrize(("fmt", "text"), FORMATS[:4])
def test_two_workers_formats(capsys, monkeypatch, doubled, split_everything, fmt: str, text: str) -> None:
    streamed = _run(capsys, monkeypatch, "1", ["--format", fmt, "-f", text, doubled["whole"]])
    assert split_everything == ["split", "merged"]
    assert streamed == _run(capsys, monkeypatch, "0", ["--format", fmt, "-f", text, doubled["whole"]])


def test_a_file_the_workers_cannot_read_is_read_by_one_process(capsys, monkeypatch, doubled, split_everything) -> None:
    text = ".Records[] | [.eventName, .requestParameters.bucketName] | @tsv"
    streamed = _run(capsys, monkeypatch, "1", ["-f", text, doubled["broken"]])
    assert split_everything and split_everything[0].startswith("failed")
    stored = _run(capsys, monkeypatch, "0", ["-f", text, doubled["broken"]])
    assert streamed == stored and "records before it were loaded" in stored[2]


@pytest.mark.parametrize("keep", [False, True])
def test_two_workers_tell_other_content_and_other_key_order(capsys, monkeypatch, doubled, split_everything,
                                                            keep: bool) -> None:
    """An eventID again with other content is kept; with the same content in another key order, dropped."""
    args = ["--keep-duplicates"] * keep + ["-f", ".Records[] | [.eventID, .eventName] | @tsv", doubled["ambiguous"]]
    streamed = _run(capsys, monkeypatch, "1", args)
    assert split_everything == ["split", "merged"]
    stored = _run(capsys, monkeypatch, "0", args)
    assert streamed == stored
    assert ("dropped" in stored[2]) is not keep and "SameIdOtherContent" in stored[1]
