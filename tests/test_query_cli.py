"""`trailtui query` prints exactly what `jq -rc PROGRAM FILE` prints (libjq 1.8.2 via PyPI jq is the reference).

For a `{"Records": [...]}` file the jq program is run as given; for a top-level array the reference runs
`.[] | BODY` where trailtui runs `.Records[] | BODY` (trailtui reads every shape as "the loaded events");
for JSON Lines both run the per-record body. Output bytes must be equal.
"""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import jq as refjq
import pytest

from trailtui.cli import main

REPO = Path(__file__).resolve().parents[1]

LITERAL_NUMBERS = (
    "documented difference: jq 1.8 prints an input number as written (1666275403000.0 in the Panther file); "
    "trailtui stores parsed numbers and prints 1666275403000"
)

VERBATIM = [
    '.Records[] | select(.eventSource == "s3.amazonaws.com" and .requestParameters.bucketName=="wareville-care4wares")',
    '.Records[] | select(.eventSource == "s3.amazonaws.com" and .requestParameters.bucketName=="wareville-care4wares") | [.eventTime, .eventName, .userIdentity.userName // "N/A",.requestParameters.bucketName // "N/A", .requestParameters.key // "N/A", .sourceIPAddress // "N/A"]',
    '["Event_Time", "Event_Name", "User_Name", "Bucket_Name", "Key", "Source_IP"],(.Records[] | select(.eventSource == "s3.amazonaws.com" and .requestParameters.bucketName=="wareville-care4wares") | [.eventTime, .eventName, .userIdentity.userName // "N/A",.requestParameters.bucketName // "N/A", .requestParameters.key // "N/A", .sourceIPAddress // "N/A"]) | @tsv',
    '["Event_Time", "Event_Source", "Event_Name", "User_Name", "Source_IP"],(.Records[] | select(.userIdentity.userName == "glitch") | [.eventTime, .eventSource, .eventName, .userIdentity.userName // "N/A", .sourceIPAddress // "N/A"]) | @tsv',
    '.Records[] |select(.eventSource=="iam.amazonaws.com" and .eventName== "AttachUserPolicy" )',
]

BODIES = [
    'select(.eventSource == "iam.amazonaws.com")',
    '[.eventTime, .eventName, .userIdentity.userName // "N/A", .sourceIPAddress // "N/A"] | @tsv',
    '[.eventTime, .eventName, (.errorCode // "-")] | @csv',
    '{time: .eventTime, who: .userIdentity.arn, what: .eventName}',
    '.userIdentity.arn',
    '.eventName == "ConsoleLogin"',
    'select((.errorCode // "") | test("AccessDenied|Unauthorized"; "i")) | .eventName',
    'select(.userAgent | contains("aws-cli")?) | [.eventName, .userAgent]',
    'select(.readOnly == false) | .eventID',
    'select(.userIdentity.type == "AssumedRole") | .userIdentity.sessionContext.sessionIssuer.userName',
    '.requestParameters | keys? // []',
    'select(.eventTime >= "2024-08-01") | [.eventTime, .awsRegion]',
    '.eventTime | fromdateiso8601? // "bad-time"',
    '[.. | strings | select(test("Admin"))] | length > 0',
    pytest.param(
        'select(.sourceIPAddress | IN("AWS Internal", "ec2.amazonaws.com"))',
        marks=pytest.mark.xfail(strict=True, reason=LITERAL_NUMBERS),
    ),
    '.resources[]? | objects | .ARN',
    'select(.eventName | strings | startswith("Get")) | .eventName',
    pytest.param('(.responseElements // {}) | tojson | length', marks=pytest.mark.xfail(strict=True, reason=LITERAL_NUMBERS)),
]

HUNTS_FILE = None


def _hunts() -> list[str]:
    guide = Path("/work/shared/guides/cloudtrail.md")
    if not guide.exists():
        guide = REPO.parent / "shared" / "guides" / "cloudtrail.md"
    if not guide.exists():
        return []
    hunts = []
    for line in guide.read_text(encoding="utf-8").splitlines():
        if len(line) > 4 and line[0] == "Q" and line[1:3].isdigit() and "\t" in line:
            hunts.append(line.split("\t", 1)[1])
    return hunts


def reference(program: str, text: str) -> str:
    """What `jq -rc PROGRAM` prints for the JSON text (every input value in turn)."""
    compiled = refjq.compile(f"({program}) | tojson")
    out = []
    for dumped in compiled.input_text(text).all():
        value = json.loads(dumped)
        out.append(value if isinstance(value, str) else dumped)
    return "".join(line + "\n" for line in out)


def ours(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["query", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return data.decode("utf-8")


def _dataset_cases(datasets: Path):
    files = {
        "records": [
            datasets / "panther-analysis" / "panther_cloudtrail_rule_tests.json.gz",
            datasets / "awsdocs-cloudtrail-user-guide" / "doc_examples_records.json",
            *sorted((datasets / "trailscraper").glob("*")),
        ],
        "array": sorted((datasets / "stratus-red-team").glob("*.json")),
        "jsonl": [datasets / "otrf-security-datasets" / "ec2_proxy_s3_exfiltration_2020-09-14011940.json"],
    }
    return files


@pytest.mark.parametrize("body", BODIES + VERBATIM)
def test_query_matches_jq_on_real_datasets(datasets: Path, capsys: pytest.CaptureFixture[str], body: str) -> None:
    compared = 0
    for shape, paths in _dataset_cases(datasets).items():
        for path in paths:
            text = _read_text(path)
            if ".Records[]" in body:
                program = body
                if shape == "array":
                    ref_program = body.replace(".Records[]", ".[]")
                elif shape == "jsonl":
                    continue
                else:
                    ref_program = body
            else:
                program = f".Records[] | {body}"
                ref_program = body if shape == "jsonl" else (f".[] | {body}" if shape == "array" else program)
            expected = reference(ref_program, text)
            code, out, err = ours(capsys, str(path), "-f", program, "--keep-duplicates")
            assert code == 0, err
            assert out == expected, f"{path.name}: {program}"
            compared += 1
    assert compared > 0


def test_hunts_match_jq_on_stratus_logs(datasets: Path, capsys: pytest.CaptureFixture[str]) -> None:
    hunts = _hunts()
    if not hunts:
        pytest.skip("the CloudTrail guide with the hunts is not available")
    assert len(hunts) == 28
    files = sorted((datasets / "stratus-red-team").glob("*.json"))
    text = "".join(_read_text(p) for p in files)
    hits = 0
    for hunt in hunts:
        expected = reference(f".[] | {hunt}", text)
        code, out, err = ours(capsys, *map(str, files), "-f", f".Records[] | {hunt}", "--keep-duplicates")
        assert code == 0, err
        assert out == expected, hunt
        hits += out.count("\n")
    assert hits > 50  # the guide reports dozens of hits on this set


def test_default_output_is_compact_records(datasets: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = datasets / "trailscraper" / "111111111111_CloudTrail_eu-central-1_20171211T1505Z_A6kvhMoVeCsc7v8U.json.gz"
    code, out, _ = ours(capsys, str(path))
    assert code == 0
    assert out == reference(".Records[]", _read_text(path))


def test_filter_error_exit_code_and_caret(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "one.json"
    path.write_text(json.dumps({"Records": [{"eventVersion": "1.08", "eventTime": "2024-01-01T00:00:00Z", "eventName": "X"}]}))
    code, out, err = ours(capsys, str(path), "-f", '.eventName == "X" and (')
    assert code == 2
    assert out == ""
    assert "position" in err and "^" in err


def test_nothing_readable_exits_1(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(b"\x00\x01garbage")
    code, out, err = ours(capsys, str(bad))
    assert code == 1
    assert out == ""
    assert "bad.json" in err


def test_zero_matches_is_success(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "one.json"
    path.write_text(json.dumps([{"eventVersion": "1.08", "eventTime": "2024-01-01T00:00:00Z", "eventName": "X"}]))
    code, out, err = ours(capsys, str(path), "-f", '.eventName == "nope"')
    assert (code, out) == (0, "")


def test_corrupt_member_in_a_tree_is_reported_and_the_rest_loads(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    tree = tmp_path / "AWSLogs" / "111122223333" / "CloudTrail" / "us-east-1" / "2024" / "01" / "01"
    tree.mkdir(parents=True)
    good = {"Records": [{"eventVersion": "1.08", "eventTime": "2024-01-01T00:00:0%dZ" % i, "eventName": "E%d" % i,
                         "eventID": "id-%d" % i} for i in range(3)]}
    (tree / "a.json.gz").write_bytes(gzip.compress(json.dumps(good).encode()))
    (tree / "b.json.gz").write_bytes(gzip.compress(b'{"Records": [')[:-6])
    code, out, err = ours(capsys, str(tmp_path), "-f", ".Records[] | .eventName")
    assert code == 0
    assert out == "E0\nE1\nE2\n"
    assert "b.json.gz" in err


def test_stdout_carries_only_results(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    record = {"eventVersion": "1.08", "eventTime": "2024-01-01T00:00:00Z", "eventName": "X", "eventID": "1"}
    path.write_text(json.dumps(record) + "\n{not json\n" + json.dumps(record) + "\n")
    code, out, err = ours(capsys, str(path), "-f", ".Records[] | .eventName")
    assert code == 0
    assert out == "X\n"  # the exact duplicate is dropped, the bad line skipped
    assert "line 2" in err and "duplicate" in err


class _TTY(io.TextIOWrapper):
    """A stdout that says it is a terminal, keeping what was written (text and bytes)."""

    def __init__(self) -> None:
        super().__init__(io.BytesIO(), encoding="utf-8", newline="")

    def isatty(self) -> bool:
        return True

    def written(self) -> str:
        self.flush()
        return self.buffer.getvalue().decode("utf-8")


EVIL = "x\x1b]52;c;AAAA\x07\x1b[2J\x08\r\u009b31m\u202egnp.exe\u2028y"


@pytest.mark.parametrize("args", [[], ["-f", ".eventName"], ["-f", ".userAgent"], ["--format", "table"],
                                  ["--format", "tsv"], ["--format", "json"], ["--format", "jsonl"],
                                  ["--format", "records"], ["-f", "{a: .eventName}", "--format", "jsonl"],
                                  ["-f", "[.Records[] | .eventName]"]])
def test_nothing_from_a_log_reaches_a_terminal_as_a_control(tmp_path: Path, args: list[str]) -> None:
    path = tmp_path / "evil.json"
    record = {"eventVersion": "1.08", "eventTime": "2024-01-01T00:00:00Z", "eventName": EVIL, "userAgent": EVIL}
    path.write_text(json.dumps({"Records": [record]}))
    import sys

    fake = _TTY()
    old = sys.stdout
    sys.stdout = fake
    try:
        code = main(["query", str(path), *args])
    finally:
        sys.stdout = old
    assert code == 0
    text = fake.written()
    unsafe = [c for c in text if (ord(c) < 32 and c not in "\n\t") or 0x7f <= ord(c) <= 0x9f
              or c in "\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"]
    assert unsafe == [], repr(text)
    assert "52;c;AAAA" in text  # shown, escaped, not dropped


def test_provenance_follows_every_output_of_a_multi_output_projection(capsys: pytest.CaptureFixture[str]) -> None:
    """Each event yields two values here: each printed row carries its own event's provenance (no traceback)."""
    sample = REPO / "samples" / "cloudtrail_log.json"
    program = 'select(.userIdentity.userName == "glitch") | (.eventName, .eventTime)'
    code, out, err = ours(capsys, str(sample), "-f", program, "--format", "tsv", "--provenance")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == f"{program.split(' | ', 1)[1][1:-1]}\tprovenance"
    document = json.loads(sample.read_text())
    expected = []
    for i, record in enumerate(document["Records"]):
        if (record.get("userIdentity") or {}).get("userName") == "glitch":
            where = f"{sample} (Records[{i}])"
            expected += [f"{record['eventName']}\t{where}", f"{record['eventTime']}\t{where}"]
    assert lines[1:] == expected
