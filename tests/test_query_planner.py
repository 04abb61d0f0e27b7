"""The planner's shortcuts (indexes, per-value predicates, the time column, substring prefilters) never
change an answer: for many filters over real and sample events, `run_filter` selects exactly the events
the real jq (libjq 1.8.2) selects with `select(FILTER)`, in the same order."""

from __future__ import annotations

import random
from pathlib import Path

import jq as refjq
import pytest

from trailtui.engine.memory_filter import run_filter
from trailtui.engine.prelude import PRELUDE
from trailtui.engine.query import compile_query
from trailtui.engine.store import build_store

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "samples" / "cloudtrail_log.json"

TEMPLATES = [
    '.eventName == {s}',
    '.eventName != {s}',
    'select(.eventSource == {s} and .awsRegion == {r})',
    'select(.eventSource == {s} or .errorCode == {e})',
    '.sourceIPAddress | IN({ip}, "AWS Internal")',
    '(.errorCode // "") | test("Denied|Unauthorized"; "i")',
    '(.errorCode // "none") | startswith("none")',
    '.userAgent | contains("aws-cli")',
    'select((.userAgent // "") | test("^Boto3"))',
    '.awsRegion | endswith("-1")',
    '.eventTime >= {t} and .eventTime < {t2}',
    '.eventTime < {t}',
    'select(.userIdentity.type == "AssumedRole" and (.eventName | startswith("Get")))',
    'select(.errorCode)',
    'select(.errorCode == null)',
    '.requestParameters.bucketName == {b}',
    'select(actor_key == {a})',
    'select(ip_key == {k} and .readOnly == true)',
    'select(.userIdentity.userName == {u} or .userIdentity.arn == {arn})',
    '.recipientAccountId == {acct} and (.eventName | test("^(List|Describe)"))',
    'select(.eventName | IN({s}, "ConsoleLogin", "AttachUserPolicy"))',
    '(.userIdentity.sessionContext.sessionIssuer.userName // "") | length > 10',
    'select(.responseElements == null)',
    '.readOnly == false and .eventSource != {s}',
]


def _values(store, rng: random.Random) -> dict[str, str]:
    def pick(field: str) -> str:
        values = [v for v in store.field(field) if v]
        return rng.choice(values) if values else "x"

    import json

    record = store.record(rng.randrange(len(store)))
    times = sorted(t for t in store.field("time") if t)
    t1, t2 = sorted(rng.sample(times, 2)) if len(times) > 1 else ("a", "b")
    ui = record.get("userIdentity") or {}
    params = record.get("requestParameters") or {}
    return {
        key: json.dumps(value)
        for key, value in {
            "s": pick("source") if rng.random() < 0.3 else pick("event"),
            "r": pick("region"),
            "e": pick("error") or "AccessDenied",
            "ip": pick("ip"),
            "t": t1,
            "t2": t2,
            "b": params.get("bucketName") if isinstance(params, dict) and isinstance(params.get("bucketName"), str) else "wareville-care4wares",
            "a": pick("actor_key"),
            "k": pick("ip_key"),
            "u": ui.get("userName") if isinstance(ui, dict) and isinstance(ui.get("userName"), str) else "glitch",
            "arn": ui.get("arn") if isinstance(ui, dict) and isinstance(ui.get("arn"), str) else "arn:x",
            "acct": pick("account"),
        }.items()
    }


def _reference_rows(store, text: str, kind: str) -> list[int]:
    condition = f"select({text})" if kind == "boolean" else text
    program = refjq.compile(PRELUDE + f" .[] | . as [$row, $record] | $record | (try ({condition} | $row) catch empty)")
    return program.input_value([[row, store.record(row)] for row in range(len(store))]).all()


def _check(store, seed: int, rounds: int) -> int:
    rng = random.Random(seed)
    checked = 0
    for _ in range(rounds):
        for template in TEMPLATES:
            text = template.format(**_values(store, rng))
            query = compile_query(text)
            assert query.kind in ("boolean", "select"), text
            result = run_filter(store, query)
            got = sorted(set(result.rows))
            assert list(result.rows) == got, f"rows out of order: {text}"
            expected = _reference_rows(store, text, query.kind)
            assert got == sorted(set(expected)), text
            checked += 1
    return checked


def test_planner_matches_jq_on_the_sample() -> None:
    if not SAMPLE.exists():
        pytest.skip("sample missing")
    store, _ = build_store([str(SAMPLE)])
    assert _check(store, seed=11, rounds=3) == 3 * len(TEMPLATES)


def test_planner_matches_jq_on_real_datasets(datasets: Path) -> None:
    paths = [str(p) for p in sorted(datasets.rglob("*")) if p.is_file() and p.suffix in (".json", ".gz", ".jsonl") and "index" not in p.name]
    store, _ = build_store(paths)
    assert _check(store, seed=5, rounds=2) == 2 * len(TEMPLATES)


def test_indexed_questions_decode_no_record() -> None:
    if not SAMPLE.exists():
        pytest.skip("sample missing")
    store, _ = build_store([str(SAMPLE)])
    for text in (
        '.eventName == "AttachUserPolicy"',
        'select(.eventSource == "s3.amazonaws.com" and .requestParameters.bucketName == "wareville-care4wares")',
        '(.errorCode // "") | test("AccessDenied")',
        '.eventTime >= "2024-12-01T13:00:00Z" and .eventTime < "2024-12-01T14:00:00Z"',
        'select(actor_key == "user:123456789012:glitch")',
    ):
        result = run_filter(store, compile_query(text))
        assert result.decoded == 0, text
        assert len(result.rows) > 0, text
