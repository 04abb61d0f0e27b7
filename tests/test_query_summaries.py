"""`trailtui query --top` and `--histogram`: the same numbers as libjq's group_by on the same file."""

from __future__ import annotations

import json
from pathlib import Path

import jq as refjq
import pytest

from trailtui.cli import main
from trailtui.engine.prelude import PRELUDE

REPO = Path(__file__).resolve().parents[1]
SAMPLE = str(REPO / "samples" / "cloudtrail_log.json")


def _records() -> list:
    return json.loads(Path(SAMPLE).read_text())["Records"]


def _jq(program: str) -> object:
    return refjq.compile(f"{PRELUDE}\n{program}").input_value({"Records": _records()}).first()


@pytest.mark.parametrize("backend", ["memory", "duckdb"])
def test_top_counts_match_jq_group_by(capsys: pytest.CaptureFixture[str], backend: str) -> None:
    code = main(["query", SAMPLE, "--backend", backend, "--no-cache", "-f", '.eventSource == "s3.amazonaws.com"',
                 "--top", "ip,.userIdentity.type", "--format", "jsonl"])
    assert code == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    for field, expression in (("ip", '((.sourceIPAddress? | strings) // "")'), (".userIdentity.type", ".userIdentity.type")):
        ours = [(d["value"], d["count"]) for d in lines if d["field"] == field]
        ref = _jq(f'[.Records[] | select(.eventSource == "s3.amazonaws.com") | {expression}] | group_by(.)'
                  " | map([.[0], length]) | sort_by(-.[1], .[0])")
        assert ours == [tuple(x) for x in ref]
        counts = [n for _, n in ours]
        assert counts == sorted(counts, reverse=True)


def test_histogram_counts_match_jq_and_include_empty_buckets(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["query", SAMPLE, "-f", 'select(ip_key == "ip:53.94.201.69")', "--histogram", "5m"])
    assert code == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "bucket\tcount\tfailures"
    rows = [line.split("\t") for line in out[1:]]
    ref = _jq('[.Records[] | select(ip_key == "ip:53.94.201.69") | .eventTime | fromdateiso8601 | . / 300 | floor'
              ' | . * 300 | todate] | group_by(.) | map([.[0], length])')
    assert [(b, int(n)) for b, n, _ in rows if n != "0"] == [tuple(x) for x in ref]
    assert any(n == "0" for _, n, _ in rows)  # the gap between the sign-in and the downloads
    times = [b for b, _, _ in rows]
    assert times == sorted(times) and len(set(times)) == len(times)


def test_top_with_an_aggregate_or_a_bad_field_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", SAMPLE, "-f", ".Records | length", "--top", "ip"]) == 2
    assert main(["query", SAMPLE, "--top", "nosuch"]) == 2
    assert main(["query", SAMPLE, "--histogram", "5 parsecs"]) == 2
    err = capsys.readouterr().err
    assert "unknown facet field" in err and "bad interval" in err
