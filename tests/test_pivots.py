"""Pivots select exactly the events their rule says, for every userIdentity type, and say so in plain jq.

For each event of the real datasets and the sample, and each pivot kind, three answers must agree:
the store's indexes (what the app and `--pivot` use), a brute-force scan with the Python rules, and the
pivot's jq filter run by the real jq (libjq 1.8.2) with trailtui's prelude — the filter the user sees.
"""

from __future__ import annotations

import json
from pathlib import Path

import jq as refjq
import pytest

from trailtui.engine import identity, pivots
from trailtui.engine.memory_filter import run_filter
from trailtui.engine.prelude import PRELUDE
from trailtui.engine.query import compile_query
from trailtui.engine.store import build_store

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "samples" / "cloudtrail_log.json"


def _facts(store) -> list[dict]:
    """Each event's pivot values by the Python rules, computed once per store."""
    facts = []
    for row in range(len(store)):
        record = store.record(row)
        facts.append({
            "user": identity.actor_key(record),
            "ip": identity.ip_key(record),
            "key": identity.access_keys(record),
            "session": identity.session_keys(record),
            "event": record.get("eventName"),
            "resource": identity.resources(record),
            "agent": record.get("userAgent") or identity.enriched_value(record, ("http", "useragent")),
        })
    return facts


def _brute(store, facts: list[dict], kind: str, pivot: pivots.Pivot) -> list[int]:
    rows = []
    scoped_actor = None
    if kind == "ip" and identity.ip_class(pivot.value) in ("aws-internal", "service"):
        scoped_actor = store.field("actor_key")[_origin(store, pivot)]
    for row, fact in enumerate(facts):
        value = fact[kind]
        hit = pivot.value in value if isinstance(value, list) else value == pivot.value
        if scoped_actor is not None:
            hit = hit and fact["user"] == scoped_actor
        if hit:
            rows.append(row)
    return rows


def _origin(store, pivot: pivots.Pivot) -> int:
    actor = pivot.filter.split("actor_key == ", 1)[1].rstrip(")")
    key = json.loads(actor)
    return store.field("actor_key").index(key)


def _jq_rows(store, pivot: pivots.Pivot) -> list[int]:
    program = refjq.compile(PRELUDE + f" .[] | . as [$row, $record] | $record | {pivot.filter} | $row")
    pairs = [[row, store.record(row)] for row in range(len(store))]
    return program.input_value(pairs).all()


def _check_store(store, types_seen: set[str]) -> int:
    facts = _facts(store)
    checked = 0
    seen_values: set[tuple[str, str]] = set()
    for row in range(len(store)):
        record = store.record(row)
        types_seen.add(str((record.get("userIdentity") or {}).get("type")))
        for kind, pivot in pivots.available(store, row).items():
            if pivot is None or (kind, pivot.value) in seen_values:
                continue
            seen_values.add((kind, pivot.value))
            via_index = list(pivots.pivot_rows(store, pivot))
            assert row in via_index, (kind, pivot)
            assert via_index == _brute(store, facts, kind, pivot), (kind, pivot)
            checked += 1
            if checked % 25 == 0:  # the real jq is slow per call: check a spread of pivots with it
                assert via_index == _jq_rows(store, pivot), (kind, pivot.filter)
    return checked


def test_pivots_on_the_real_datasets(datasets: Path) -> None:
    paths = [str(p) for p in sorted(datasets.rglob("*")) if p.is_file() and "index.jsonl" not in p.name and p.suffix in (".json", ".gz", ".jsonl")]
    store, _ = build_store(paths)
    types: set[str] = set()
    assert _check_store(store, types) > 100
    assert {"IAMUser", "AssumedRole", "Root", "AWSService", "FederatedUser"} <= types


def test_pivots_on_the_sample() -> None:
    if not SAMPLE.exists():
        pytest.skip("sample missing")
    store, _ = build_store([str(SAMPLE)])
    types: set[str] = set()
    assert _check_store(store, types) > 100
    assert {"IAMUser", "AssumedRole", "Root", "AWSService", "WebIdentityUser", "SAMLUser"} <= types


def test_service_caller_pivot_is_scoped_to_the_actor() -> None:
    if not SAMPLE.exists():
        pytest.skip("sample missing")
    store, _ = build_store([str(SAMPLE)])
    row = store.field("ip").index("AWS Internal")
    pivot = pivots.pivot_for(store, row, "ip")
    assert pivot is not None and "actor_key ==" in pivot.filter
    assert "not a network origin" in pivot.note
    rows = pivots.pivot_rows(store, pivot)
    everyone = run_filter(store, compile_query('select(.sourceIPAddress == "AWS Internal")')).rows
    assert 0 < len(rows) < len(everyone)


def test_insight_records_have_no_user_or_ip_pivot(datasets: Path) -> None:
    store, _ = build_store([str(datasets / "awsdocs-cloudtrail-user-guide" / "doc_examples_records.json")])
    insights = [r for r in range(len(store)) if store.record(r).get("eventType") == "AwsCloudTrailInsight"]
    assert insights
    for row in insights:
        assert pivots.pivot_for(store, row, "user") is None
        assert pivots.pivot_for(store, row, "ip") is None


def test_headless_pivot_gives_the_same_events(capsys: pytest.CaptureFixture[str]) -> None:
    if not SAMPLE.exists():
        pytest.skip("sample missing")
    from trailtui.cli import main

    store, _ = build_store([str(SAMPLE)])
    row = store.field("actor").index("glitch")
    event_id = store.field("event_id")[row]
    for kind in ("user", "ip", "key", "session", "event", "resource"):
        pivot = pivots.pivot_for(store, row, kind)
        if pivot is None:
            continue
        capsys.readouterr()
        assert main(["query", str(SAMPLE), "--pivot", f"{kind}:{event_id}", "-f", ".Records[] | .eventID"]) == 0
        printed = capsys.readouterr().out.split()
        assert printed == [store.field("event_id")[r] for r in pivots.pivot_rows(store, pivot)]


def _enriched_store(tmp_path: Path):
    """Datadog-style events: no sourceIPAddress/userAgent, the values in network.client.ip / http.useragent."""
    records = [
        {"eventTime": "2024-01-01T00:00:0%dZ" % i, "eventName": "GetObject", "eventID": f"e{i}",
         "network": {"client": {"ip": ip}}, "http": {"useragent": agent, "request_id": f"r{i}"}}
        for i, (ip, agent) in enumerate([("1.2.3.4", "curl/8"), ("1.2.3.4", "aws-cli/2"), ("5.6.7.8", "curl/8")])
    ]
    records.append({"eventTime": "2024-01-01T00:00:09Z", "eventName": "GetObject", "eventID": "flat",
                    "network.client.ip": "5.6.7.8"})
    path = tmp_path / "enriched.json"
    path.write_text(json.dumps({"Records": records}))
    return build_store([str(path)])[0]


def test_enriched_fallbacks_pivot_and_say_so(tmp_path: Path):
    store = _enriched_store(tmp_path)
    first = pivots.available(store, 0)
    assert first["ip"] is not None and first["ip"].value == "1.2.3.4"
    assert "enriched" in first["ip"].label and "network.client.ip" in first["ip"].note
    assert list(pivots.pivot_rows(store, first["ip"])) == [0, 1]
    assert list(pivots.pivot_rows(store, first["agent"])) == [0, 2]
    # a flattened dotted key is read too, and its pivot filter is real jq
    flat = pivots.available(store, 3)["ip"]
    assert flat is not None and list(pivots.pivot_rows(store, flat)) == [3]
    pairs = [store.record(row) for row in range(len(store))]
    assert refjq.compile(f"[.[] | {flat.filter} | .eventID]").input_value(pairs).first() == ["flat"]
    # the display fields carry the mark; CloudTrail's own fields stay empty
    assert store.display("origin_ip", [0]) == ["1.2.3.4" + identity.ENRICHED_MARK]
    assert store.display("ip", [0]) == [""]
    assert store.display("request_id", [2]) == ["r2" + identity.ENRICHED_MARK]


def test_resource_choices_offer_the_object_and_its_bucket(tmp_path: Path):
    record = {"eventName": "GetObject", "eventTime": "2024-01-01T00:00:00Z",
              "requestParameters": {"bucketName": "b1", "key": "secret.txt"}}
    path = tmp_path / "s3.json"
    path.write_text(json.dumps({"Records": [record]}))
    store = build_store([str(path)])[0]
    values = [p.value for p in pivots.choices(store, 0, "resource")]
    assert values == ["s3://b1", "s3://b1/secret.txt"]
