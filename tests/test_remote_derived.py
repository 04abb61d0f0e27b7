"""Derived keys (what pivots select on) narrow on Spark and stay supersets: for every actor, IP, access key,
session and resource of the generated tree, the public datasets and hostile records, the Spark predicate —
transpiled to DuckDB and run over the record's JSON text written three ways (compact like Spark's writer,
with ``\\u`` escapes for non-ASCII, and with letters and slashes escaped) — keeps every record the local
engine selects."""

from __future__ import annotations

import json

import duckdb
import orjson
import pytest
import sqlglot
from sqlglot import exp

from trailtui.engine import identity
from trailtui.engine.remote.derived import needles
from trailtui.engine.remote.plan import build
from trailtui.engine.remote.translate import TRUE

from remote_fixture import generated_tree, local_session, readable_datasets

HOSTILE = [
    {"eventID": "h1", "eventName": "GetObject", "sourceIPAddress": "::FFFF:0102:0304", "recipientAccountId": "1",
     "userIdentity": {"type": "Foo:Bar", "accountId": "acct:x", "arn": "arn:aws:iam::1:user/p\u00e9ter"},
     "requestParameters": {"bucketName": "b/with/slash", "key": "k\u00e9y"}},
    {"eventID": "h2", "eventName": "GetObject", "sourceIPAddress": " EC2.AmazonAWS.com ",
     "userIdentity": {"type": "IAMUser", "userName": "na:me", "accountId": "123456789012",
                      "accessKeyId": "AKIAABCDEFGHIJKLMNOP"}},
    {"eventID": "h3", "eventName": "AssumeRole", "sourceIPAddress": "1.2.3.4",
     "userIdentity": {"type": "AssumedRole", "arn": "arn:aws:sts::1:assumed-role/R/s@x.com",
                      "sessionContext": {"attributes": {"creationDate": "2024-01-01T00:00:00Z"}}},
     "responseElements": {"credentials": {"accessKeyId": "ASIAABCDEFGHIJKLMNOP"}},
     "eventSource": "iam.amazonaws.com", "requestParameters": {"roleName": "r\"q"}},
    {"eventID": "h4", "eventName": "X", "sourceIPAddress": "AWS Internal", "userIdentity": {"type": "Root"}},
    {"eventID": "h5", "eventName": "X", "sourceIPAddress": "10.0.0.1", "recipientAccountId": "222233334444",
     "userIdentity": {"type": "AWSService", "invokedBy": "lambda.amazonaws.com"}},
    {"eventID": "h6", "eventName": "X", "sourceIPAddress": "2001:DB8::1", "userIdentity": {"type": "SAMLUser"}},
]


def _escaped_everywhere(value) -> str:
    """JSON text with every ``a`` as ``\\u0061`` and every ``/`` as ``\\/`` (valid, and unlike any writer)."""
    return json.dumps(value, ensure_ascii=True).replace("a", "\\u0061").replace("/", "\\/")


WRITERS = {
    "compact": lambda v: orjson.dumps(v).decode(),
    "ascii": lambda v: json.dumps(v, ensure_ascii=True),
    "escaped": _escaped_everywhere,
}


def _table(session) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("CREATE TABLE t (_row INTEGER, writer VARCHAR, _raw VARCHAR, sourceipaddress VARCHAR)")
    rows = []
    for row in range(len(session)):
        record = session.record(row)
        ip = record.get("sourceIPAddress") if isinstance(record, dict) else None
        for name, write in WRITERS.items():
            rows.append((row, name, write(record), ip if isinstance(ip, str) else None))
    con.executemany("INSERT INTO t VALUES (?, ?, ?, ?)", rows)
    return con


def _filters(session) -> list[str]:
    seen: dict[str, list[str]] = {}
    for row in range(len(session)):
        record = session.record(row)
        values = {
            "actor_key": [session.backend.display("actor_key", [row])[0]],
            "ip_key": [session.backend.display("ip_key", [row])[0]],
            "has_access_key": identity.access_keys(record),
            "has_session": identity.session_keys(record),
            "has_resource": identity.resources(record),
        }
        for key, found in values.items():
            for value in found:
                if not value:
                    continue
                lit = json.dumps(value)
                text = f"select({key} == {lit})" if key in ("actor_key", "ip_key") else f"select({key}({lit}))"
                listed = seen.setdefault(key, [])
                if text not in listed and len(listed) < 40:
                    listed.append(text)
    return [text for texts in seen.values() for text in texts]


def _check(session) -> int:
    con = _table(session)
    narrowed = 0
    for text in _filters(session):
        plan = build(text, "spark")
        wanted = set(session.view(session.compile(text), select=True).rows)
        if plan.predicate is TRUE:
            continue
        query = exp.select("_row", "writer").from_("t").where(plan.predicate.copy())
        duck = sqlglot.transpile(query.sql(dialect="spark"), read="spark", write="duckdb")[0]
        got: dict[str, set[int]] = {name: set() for name in WRITERS}
        for row, writer in con.execute(duck).fetchall():
            got[writer].add(row)
        for writer, rows in got.items():
            assert wanted <= rows, (text, writer, sorted(wanted - rows)[:5])
        narrowed += len(got["compact"]) < len(session)
    return narrowed


def test_derived_keys_keep_every_match_on_the_generated_tree(tmp_path):
    session = local_session([str(generated_tree(tmp_path / "tree", events=600))])
    assert _check(session) > 40  # and most of them narrow


def test_derived_keys_keep_every_match_on_the_public_datasets(datasets):
    assert _check(local_session(readable_datasets(datasets))) > 0


def test_derived_keys_keep_every_match_on_hostile_records(tmp_path):
    base = {"eventVersion": "1.08", "eventTime": "2024-01-01T00:00:00Z", "eventSource": "s3.amazonaws.com",
            "awsRegion": "us-east-1"}
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps({"Records": [{**base, **r} for r in HOSTILE]}), encoding="utf-8")
    session = local_session([str(path)])
    assert len(session) == len(HOSTILE)
    _check(session)


@pytest.mark.parametrize("key, value, expected", [
    ("actor_key", "role:111122223333:Admin", ["Admin"]),
    ("actor_key", "user:111122223333:?", []),          # the fallback is not in the record
    ("actor_key", "root", []),                          # no piece after a kind
    ("has_session", "arn:arn:aws:sts::1:assumed-role/R/s@x.com@2024-01-01T00:00:00Z",
     ["arn:aws:sts::1:assumed-role/R/s@x.com", "2024-01-01T00:00:00Z"]),
    ("has_resource", "s3://bucket/some/key", ["bucket"]),
    ("has_resource", "iam-role:1:Name", ["Name"]),
    ("has_access_key", 'AKIA"', []),                    # a quote is escaped in JSON text
    ("has_access_key", "caf\u00e9", []),                # non-ASCII: not matched as text
])
def test_needles(key, value, expected):
    assert needles(key, value) == expected


def test_a_pivot_on_spark_now_narrows(tmp_path):
    plan = build('select(actor_key == "role:111122223333:Admin")', "spark")
    assert "LOCATE('Admin', _raw)" in plan.sql() and not plan.notes
    assert build('select(actor_key == "role:111122223333:Admin")', "athena").predicate is TRUE
