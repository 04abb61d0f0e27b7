"""Spark for real (local mode, ``file://``): every hunt gives the local engine's records, in its order, on a
generated tree and on the public datasets; the CLI's output is byte-identical; a one-day filter on a
30-day tree reads only the files that can hold that day; a pull writes exactly the selected records."""

from __future__ import annotations

import argparse
import calendar
import re
import time
from pathlib import Path

import orjson
import pytest

from trailtui import cli
from trailtui.engine.remote import spark as remote_spark
from trailtui.engine.remote.partitions import list_files, partitions_of
from trailtui.engine.remote.plan import build
from trailtui.engine.remote.pull import remove_candidates, select_exact, write_candidates

from remote_fixture import generated_tree, hunts, local_matches, local_session, readable_datasets, spark_or_skip

HUNTS = hunts()

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def spark():
    return spark_or_skip()


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    return generated_tree(tmp_path_factory.mktemp("remote-spark") / "tree")


def _exact(raws: list[str], text: str, tmp_path: Path) -> list:
    """The local jq's selection among the records Spark returned, as parsed values in order."""
    candidates = write_candidates(raws)
    try:
        target = tmp_path / "exact.jsonl"
        select_exact(candidates, text, target)
    finally:
        remove_candidates(candidates)
    return [orjson.loads(line) for line in target.read_bytes().splitlines()]


def _every_hunt(spark, sources: list[str], tmp_path: Path) -> int:
    session = local_session(sources)
    first = build(HUNTS[0], "spark")
    prepared = remote_spark.inputs(sources, first.partitions)
    remote_spark.register(spark, prepared.uris, first.table)
    spark.table(first.table).cache()
    matched = 0
    try:
        for text in HUNTS:
            plan = build(text, "spark")
            result = remote_spark.scan(plan, sources, prepared=prepared, registered=True)
            want = local_matches(session, text)
            got = _exact(result.raws, text, tmp_path)
            assert got == want, text
            assert result.candidates >= len(want)
            matched += len(want)
    finally:
        spark.catalog.uncacheTable(first.table)
    return matched


def test_every_hunt_on_the_generated_tree(spark, tree, tmp_path):
    assert _every_hunt(spark, [str(tree)], tmp_path) > 0


def test_every_hunt_on_the_public_datasets(spark, datasets, tmp_path):
    assert _every_hunt(spark, readable_datasets(datasets), tmp_path) > 0


def _cli(args: list[str], capsys) -> tuple[int, str]:
    code = cli.main(args)
    out = capsys.readouterr().out
    return code, out


@pytest.mark.parametrize("fmt", [[], ["--format", "jsonl"], ["--format", "tsv", "--sort", "time:desc"]])
def test_cli_output_is_the_local_output(spark, tree, capsys, fmt):
    text = HUNTS[20]  # access-denied errors: many matches
    code, local = _cli(["query", "-f", text, str(tree), *fmt], capsys)
    assert code == 0 and local
    code, remote = _cli(["query", "--engine", "spark", "-f", text, str(tree), *fmt], capsys)
    assert code == 0
    assert remote == local


def test_explain_runs_nothing_and_shows_the_plan(tree, capsys):
    code, out = _cli(["query", "--engine", "spark", "--explain", "-f", HUNTS[0], str(tree)], capsys)
    assert code == 0
    assert "FROM cloudtrail" in out and "local residual" in out and "files to read: " in out


@pytest.mark.parametrize("engine", ["athena", "lake"])
def test_athena_and_lake_say_what_a_run_needs(tree, capsys, engine):
    code = cli.main(["query", "--engine", engine, "-f", HUNTS[0], str(tree)])
    err = capsys.readouterr().err
    assert code == 2 and f"--engine {engine} cannot run here" in err and "--explain" in err + "a run needs"


# ---------------------------------------------------------------------------------------------------
# Pruning


DAY = "2024-12-11"
ONE_DAY = f'select(.eventTime >= "{DAY}T00:00:00Z" and .eventTime < "2024-12-12T00:00:00Z")'
_STAMP = re.compile(r"_([0-9]{8}T[0-9]{4})Z_")


@pytest.fixture(scope="module")
def month(tmp_path_factory) -> Path:
    return generated_tree(tmp_path_factory.mktemp("remote-month") / "tree", events=6000, days=30)


def _event_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*.json.gz") if "/CloudTrail/" in p.as_posix()]


def test_one_day_filter_reads_only_that_days_files(month):
    from trailtui.engine.query import compile_query

    parts = partitions_of(compile_query(ONE_DAY).plan)
    listing = list_files(str(month), parts)
    every = _event_files(month)
    day_folder = [p for p in every if "/2024/12/11/" in p.as_posix()]
    # the next day's files delivered within the slack (2 h after midnight) may hold the day's last events
    cutoff = calendar.timegm(time.strptime("2024-12-12T02:00", "%Y-%m-%dT%H:%M"))
    late = [p for p in every if "/2024/12/12/" in p.as_posix()
            and calendar.timegm(time.strptime(_STAMP.search(p.name)[1], "%Y%m%dT%H%M")) <= cutoff]
    assert sorted(map(str, listing.files)) == sorted(map(str, day_folder + late))
    assert len(every) > 20 * len(listing.files)
    # and no file left out holds an event of that day
    import gzip

    chosen = set(map(str, listing.files))
    for path in every:
        if str(path) not in chosen:
            records = orjson.loads(gzip.decompress(path.read_bytes()))["Records"]
            assert not any(r["eventTime"].startswith(DAY) for r in records), path


def test_one_day_filter_on_spark_gives_the_local_records(spark, month, tmp_path):
    plan = build(ONE_DAY, "spark")
    result = remote_spark.scan(plan, [str(month)])
    want = local_matches(local_session([str(month)]), ONE_DAY)
    assert want and _exact(result.raws, ONE_DAY, tmp_path) == want
    assert result.files == len(list_files(str(month), plan.partitions).files) < len(_event_files(month)) / 20


# ---------------------------------------------------------------------------------------------------
# Pull


def test_pull_writes_the_selected_records_to_the_cache(spark, tree, capsys):
    text = HUNTS[9]  # AssumeRole by humans or keys
    options = argparse.Namespace(engine="spark", where=text, paths=[str(tree)], table=None, delivery_slack="120")
    path = cli._pull(options)
    assert "/trailtui/remote/pull-" in path
    got = [orjson.loads(line) for line in Path(path).read_bytes().splitlines()]
    assert got and got == local_matches(local_session([str(tree)]), text)
    assert "pulled" in capsys.readouterr().err


SAMPLES = Path(__file__).resolve().parents[1] / "samples"
SEED_PROGRAMS = [
    (["samples/cloudtrail_log.json"],
     '["Event_Time", "Event_Source", "Event_Name", "User_Name", "Source_IP"],(.Records[] | select(.userIdentity.userName '
     '== "glitch") | [.eventTime, .eventSource, .eventName, .userIdentity.userName // "N/A", .sourceIPAddress // "N/A"]) | @tsv',
     []),
    (["samples/AWSLogs"], '.eventName == "AttachUserPolicy"',
     ["--format", "table", "--columns", "time,actor,ip,.requestParameters.policyArn,.requestParameters.userName"]),
    (["samples/AWSLogs"], '.Records[] | select(.sourceIPAddress == "53.94.201.69") | {eventName, user: .userIdentity.userName}', []),
]


@pytest.mark.parametrize("paths, program, extra", SEED_PROGRAMS)
def test_the_readme_programs_on_the_sample(spark, capsys, paths, program, extra):
    paths = [str(SAMPLES.parent / p) for p in paths]
    code, local = _cli(["query", "-f", program, *paths, *extra], capsys)
    assert code == 0 and local
    code, remote = _cli(["query", "--engine", "spark", "-f", program, *paths, *extra], capsys)
    assert code == 0 and remote == local
