"""The remote SQL (Athena, CloudTrail Lake, Spark) without the remote engines: every hunt compiles, parses in
its engine's dialect, and — transpiled by sqlglot to DuckDB and run over the same records shaped like the
engine's table — keeps every record the local engine selects (the local jq then decides exactly), while
actually narrowing for the hunts it translates."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import orjson
import pytest
import sqlglot
from sqlglot import exp

from trailtui.engine.errors import UsageError
from trailtui.engine.remote.partitions import partitions_of
from trailtui.engine.remote.plan import ENGINES, build
from trailtui.engine.remote.table import ATHENA_DDL, JSON_TEXT, SCALARS
from trailtui.engine.sniff import s3_meta

from remote_fixture import generated_tree, hunts, local_session, readable_datasets

HUNTS = hunts()


def test_the_28_hunts_are_read():
    assert len(HUNTS) == 28


@pytest.mark.parametrize("engine", ENGINES)
def test_every_hunt_parses_in_its_dialect(engine):
    for text in HUNTS:
        plan = build(text, engine)
        sql = plan.sql()
        tree = sqlglot.parse_one(sql, read=plan.dialect)
        assert isinstance(tree, exp.Select)
        # the tree survives a round trip through the dialect unchanged
        assert tree.sql(dialect=plan.dialect) == sql


def test_athena_ddl_parses():
    assert "storage.location.template" in ATHENA_DDL and "${region}" in ATHENA_DDL
    for name in SCALARS + JSON_TEXT:
        assert f"    {name.lower()} STRING" in ATHENA_DDL


def test_root_mode_is_refused_with_the_reason():
    with pytest.raises(UsageError, match="root mode"):
        build(".Records | length", "spark")


def _string(path: str) -> str:
    return f"json_extract_string(raw, '{path}')"


def _json_text(key: str) -> str:
    j = f"json_extract(raw, '$.{key}')"
    return f"CASE WHEN {j} IS NULL OR json_type({j}) = 'NULL' THEN NULL ELSE CAST({j} AS VARCHAR) END"


def _map(key: str) -> str:
    j = f"json_extract(raw, '$.{key}')"
    entry = (f"lambda k: struct_pack(k := k, v := CASE WHEN json_type({j}->k) = 'VARCHAR' THEN {j}->>k "
             f"ELSE CAST({j}->k AS VARCHAR) END)")
    return (f"CASE WHEN json_type({j}) = 'OBJECT' THEN map_from_entries(list_transform(json_keys({j}), {entry})) "
            f"END")


def _identity() -> str:
    def f(path: str) -> str:
        return _string("$.userIdentity." + path)

    attributes = "struct_pack(mfaauthenticated := {}, creationdate := {})".format(
        f("sessionContext.attributes.mfaAuthenticated"), f("sessionContext.attributes.creationDate"))
    issuer = "struct_pack(" + ", ".join(f"{k.lower()} := {f('sessionContext.sessionIssuer.' + k)}"
                                        for k in ("type", "principalId", "arn", "accountId", "userName")) + ")"
    fields = ", ".join(f"{k.lower()} := {f(k)}" for k in ("type", "principalId", "arn", "accountId", "invokedBy",
                                                           "accessKeyId", "userName"))
    return f"struct_pack({fields}, sessioncontext := struct_pack(attributes := {attributes}, sessionissuer := {issuer}))"


def duck_tables(session) -> duckdb.DuckDBPyConnection:
    """The records as Athena's table (``cloudtrail_logs``) and Lake's (``lake``), in DuckDB."""
    con = duckdb.connect()
    rows = []
    for row in range(len(session)):
        meta = s3_meta(session.provenance(row))
        rows.append((row, session.raw(row).decode("utf-8", "surrogatepass"), meta.get("account"), meta.get("region"),
                     meta.get("date", "").replace("-", "/") or None))
    con.execute("CREATE TABLE src (_row INTEGER, raw VARCHAR, account VARCHAR, region VARCHAR, ts VARCHAR)")
    con.executemany("INSERT INTO src VALUES (?, ?, ?, ?, ?)", rows)
    scalars = ", ".join(f"{_string('$.' + name)} AS {name.lower()}" for name in SCALARS)
    texts = ", ".join(f"{_json_text(name)} AS {name.lower()}" for name in JSON_TEXT)
    con.execute(f"CREATE TABLE cloudtrail_logs AS SELECT _row, {scalars}, {texts}, {_identity()} AS useridentity, "
                f"account, region, ts AS \"timestamp\" FROM src")
    lake_scalars = ", ".join(
        (f"coalesce(try_strptime({_string('$.eventTime')}, '%Y-%m-%dT%H:%M:%SZ'), "
          f"TRY_CAST({_string('$.eventTime')} AS TIMESTAMP)) AS eventtime"
         if name == "eventTime" else f"{_string('$.' + name)} AS {name.lower()}") for name in SCALARS)
    maps = ", ".join(f"{_map(name)} AS {name.lower()}" for name in JSON_TEXT)
    con.execute(f"CREATE TABLE lake AS SELECT _row, {lake_scalars}, {maps}, {_identity()} AS useridentity FROM src")
    return con


def _rows(con, plan, table: str) -> set[int]:
    query = plan.select()
    query.set("expressions", [exp.column("_row")])
    query = query.from_(exp.to_table(table))
    sql = query.sql(dialect=plan.dialect)
    duck = sqlglot.transpile(sql, read=plan.dialect, write="duckdb")[0]
    return {r[0] for r in con.execute(duck).fetchall()}


def _check_engines(session, texts, require_narrowing=True):
    con = duck_tables(session)
    narrowed = 0
    for text in texts:
        query = session.compile(text)
        wanted = set(session.view(query, select=True).rows)
        for engine, table in (("athena", "cloudtrail_logs"), ("lake", "lake")):
            plan = build(text, engine)
            got = _rows(con, plan, table)
            assert wanted <= got, (engine, text, sorted(wanted - got)[:5])
            narrowed += len(got) < len(session)
    if require_narrowing:
        assert narrowed >= len(texts)  # most hunts narrow on both engines


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    return generated_tree(tmp_path_factory.mktemp("remote-sql") / "tree")


def test_athena_and_lake_sql_keep_every_match_on_the_generated_tree(tree):
    _check_engines(local_session([str(tree)]), HUNTS)


def test_athena_and_lake_sql_keep_every_match_on_the_public_datasets(datasets):
    _check_engines(local_session(readable_datasets(datasets)), HUNTS)


TIME_REGION = ('select(.eventTime >= "2024-12-01T06:00:00Z" and .eventTime < "2024-12-01T09:30:00Z" '
               'and (.awsRegion == "us-east-1" or .awsRegion == "eu-west-1") and .recipientAccountId == "{acct}")')


def test_athena_partition_predicates_keep_every_match(tree):
    session = local_session([str(tree)])
    account = orjson.loads(session.raw(0))["recipientAccountId"]
    text = TIME_REGION.format(acct=account)
    plan = build(text, "athena")
    assert '"timestamp" >=' in plan.sql() and "region IN" in plan.sql() and "account IN" in plan.sql()
    con = duck_tables(session)
    wanted = set(session.view(session.compile(text), select=True).rows)
    got = _rows(con, plan, "cloudtrail_logs")
    assert wanted and wanted <= got < set(range(len(session)))


@pytest.mark.parametrize("text, bounds", [
    ('select(.eventTime >= "2024-12-05T00:00:00Z" and .eventTime < "2024-12-06T00:00:00Z")', ("2024/12/05", "2024/12/06")),
    ('select((.eventTime | fromdate) >= 1733356800)', ("2024/12/05", None)),
    ('select(.eventTime | fromdate < 1733356800)', (None, "2024/12/05")),
    ('select(.eventName == "X" or .eventTime > "2024-12-05")', (None, None)),
])
def test_time_bounds_from_the_filter(text, bounds):
    from trailtui.engine.query import compile_query

    parts = partitions_of(compile_query(text).plan)
    assert parts.day_range() == bounds


@pytest.mark.parametrize("text", [
    'select((.eventTime | fromdate) >= 1733356800)',
    'select(.eventTime | fromdate < 1733356800)',
    'select((.errorCode // "") | test("denied"; "i") | not)',
    'select(.userIdentity.type != "Root" and (.requestParameters.bucketName // "x" | startswith("x")))',
    'select(.requestParameters.a.b == null or .responseElements.x != null)',
])
def test_more_shapes_keep_every_match(tree, text):
    _check_engines(local_session([str(tree)]), [text], require_narrowing=False)


def test_remote_modules_import_no_ui_and_no_optional_engines():
    import subprocess
    import sys

    code = ("import sys, trailtui.engine.remote.plan, trailtui.engine.remote.spark, trailtui.engine.remote.cloud, "
            "trailtui.engine.remote.pull, trailtui.engine.remote.widen, trailtui.engine.remote.derived; "
            "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich', 'pyspark', 'boto3'))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""


@pytest.mark.parametrize("engine", ENGINES)
def test_values_from_the_filter_reach_the_sql_only_as_literals(engine):
    hostile = "x' OR 1=1 --\\\\"
    plan = build('select(.eventName == "%s" and (.userAgent // "" | startswith("%s")))' % (hostile, hostile), engine)
    tree = sqlglot.parse_one(plan.sql(), read=plan.dialect)
    literals = [lit.this for lit in tree.find_all(exp.Literal) if lit.is_string]
    assert literals.count(hostile.replace("\\\\", "\\")) == 2


def test_the_readme_shows_the_athena_table_the_sql_expects():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert ATHENA_DDL in readme


@pytest.mark.parametrize("extra", [["--pivot", "user:x"], ["--provenance"], ["-"]])
def test_remote_runs_refuse_what_needs_every_local_event(extra, capsys):
    from trailtui import cli

    paths = [] if extra == ["-"] else ["."]
    code = cli.main(["query", "--engine", "spark", "-f", "select(.eventName == \"X\")", *paths, *extra])
    assert code == 2 and capsys.readouterr().err.startswith("trailtui: ")


def test_the_app_opens_on_the_pulled_file(monkeypatch, tmp_path):
    from trailtui import cli
    import trailtui.ui.app as app_module

    pulled = tmp_path / "pull.jsonl"
    seen = {}

    def fake_pull(options):
        seen["where"], seen["sources"] = options.where, list(options.paths)
        return str(pulled)

    class FakeApp:
        return_code = 0

        def __init__(self, paths, session, **kwargs):
            seen["paths"], seen["backend"] = paths, type(session.backend).__name__

        def run(self):
            seen["remote"] = self.remote_source

    monkeypatch.setattr(cli, "_pull", fake_pull)
    monkeypatch.setattr(app_module, "TrailApp", FakeApp)
    assert cli.app_main(["--engine", "spark", "--where", ".eventName == \"X\"", "SOURCE"]) == 0
    remote = seen.pop("remote")  # what W widens to: the engine, the source, the pull's filter and options
    assert (remote.engine, remote.sources, remote.where, remote.slack) == (
        "spark", (os.path.abspath("SOURCE"),), '.eventName == "X"', 7200)
    assert seen == {"where": '.eventName == "X"', "sources": ["SOURCE"], "paths": [str(pulled)],
                    "backend": seen["backend"]}
    assert "Memory" in seen["backend"] or "Store" in seen["backend"]


@pytest.mark.parametrize("content, shape", [
    ('{"Records":[{"eventVersion":"1.08"}]}', "records"),
    ('{\n  "Records": [\n {"eventVersion": "1.08"}]}', "records"),
    ('[{"eventVersion":"1.08"}]', "array"),
    ('{"eventVersion":"1.08"}\n{"eventVersion":"1.09"}\n', "lines"),
    ('{"Records":[]}\n{"Records":[]}\n', "several"),
    ('{"Events":[{"CloudTrailEvent":"{}"}]}', "envelope"),
    ('{"version":"0","detail-type":"AWS API Call via CloudTrail","detail":{}}', "envelope"),
    ('{"file":"x","test":1}\n', "not a CloudTrail record"),
    ('{"awsAccountId":"1","digestStartTime":"x"}', "digest"),
    ('hello', "not JSON"),
])
def test_the_remote_reader_takes_only_shapes_it_reads_like_the_loader(tmp_path, content, shape):
    from trailtui.engine.remote.spark import file_shape

    path = tmp_path / "input.json"
    path.write_text(content, encoding="utf-8")
    got = file_shape(str(path))
    assert got == shape if shape in ("records", "array", "lines", "digest") else shape in got
