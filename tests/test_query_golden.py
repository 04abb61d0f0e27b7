"""`trailtui query` output on the bundled sample, byte for byte, for every format (the public contract).

Regenerate deliberately with `TRAILTUI_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_query_golden.py`
and review the diff: a change here is a change to what scripts receive.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from trailtui.cli import main

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "samples" / "cloudtrail_log.json"
GOLDEN = Path(__file__).parent / "golden" / "query"

FILTER = 'select(.userIdentity.userName == "glitch" or .requestParameters.userName == "glitch")'
CASES = {
    "default.txt": ["-f", FILTER + " | [.eventTime, .eventName, .sourceIPAddress] | @tsv"],
    "jq-records.jsonl": ["-f", f".Records[] | {FILTER}"],
    "table.txt": ["-f", FILTER, "--format", "table"],
    "tsv.tsv": ["-f", FILTER, "--format", "tsv"],
    "csv.csv": ["-f", FILTER, "--format", "csv"],
    "md.md": ["-f", FILTER, "--format", "md"],
    "json.json": ["-f", FILTER, "--format", "json"],
    "jsonl.jsonl": ["-f", FILTER, "--format", "jsonl"],
    "records.json": ["-f", FILTER, "--format", "records"],
    "projection-table.txt": ["-f", FILTER + ' | {time: .eventTime, what: .eventName, key: (.requestParameters.key // "-")}', "--format", "table"],
    "columns-csv.csv": ["-f", FILTER, "--format", "csv", "--columns", "time,event,actor,.requestParameters.bucketName", "--sort", "event:desc"],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_query_output_is_byte_for_byte_stable(name: str, tmp_path: Path) -> None:
    if not SAMPLE.exists():
        pytest.skip("sample missing")
    out = tmp_path / name
    assert main(["query", str(SAMPLE), *CASES[name], "-o", str(out)]) == 0
    produced = out.read_bytes()
    golden = GOLDEN / name
    if os.environ.get("TRAILTUI_UPDATE_GOLDEN") == "1":
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(produced)
    assert golden.exists(), f"missing golden file {golden}"
    assert produced == golden.read_bytes()
    assert produced.count(b"\n") >= 3
