"""The reading rule: a filter selects when it yields only booleans, whatever its syntax.

For every per-record filter of the corpus (``tests/jq_corpus/filters.jq``) that the session reads as a
selection, the events shown must be exactly those ``jq '.Records[] | select(F)'`` prints (libjq 1.8.2), and
``trailtui query -f F`` must print each once per ``true`` as ``select`` does. A filter read as a projection
must yield at least one value that is not a boolean (so the rule, not the syntax, decided).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jqref import RefCompileError, RefProgram, load_corpus
from trailtui.engine.errors import QueryError, UsageError
from trailtui.engine.prelude import PRELUDE
from trailtui.engine.session import Session

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "samples" / "cloudtrail_log.json"
WINDOW = slice(900, 1150)
"""Sample records around the Wareville incident (logins, policy changes, S3 reads): a varied, fast slice."""

ISSUE_FILTERS = [
    'if .errorCode then (.errorCode|test("Denied")) else false end',
    'try (.errorCode | test("Denied")) catch false',
    '.eventName as $n | ["GetObject"] | index($n) != null',
    'def f: .eventName == "ConsoleLogin"; f',
    ".readOnly",
    "(.errorCode != null) // false",
    'reduce (.resources[]?.type) as $t (false; . or ($t == "AWS::S3::Object"))',
    'first(.resources[]?.type == "AWS::S3::Object")',
    'select(.eventSource == "s3.amazonaws.com") | .readOnly == false',
    '.eventName == ("ConsoleLogin","ConsoleLogin")',
]


@pytest.fixture(scope="module")
def window(tmp_path_factory: pytest.TempPathFactory) -> tuple[Session, list[dict], Path]:
    records = json.loads(SAMPLE.read_text())["Records"][WINDOW]
    path = tmp_path_factory.mktemp("reading") / "window.json"
    path.write_text(json.dumps({"Records": records}))
    session = Session()
    list(session.load([str(path)]))
    assert len(session) == len(records)
    return session, records, path


def _filters() -> list[str]:
    return ISSUE_FILTERS + [f.source for f in load_corpus() if f.mode == "record"]


def _jq_select_ids(program: str, records: list[dict]) -> list[str]:
    """eventIDs printed by `select(F) | .eventID` per record (an event erroring in jq counts as no match)."""
    ref = RefProgram(f"{PRELUDE}\n\nselect({program}) | .eventID")
    ids: list[str] = []
    for result in ref.run_many(records):
        if not result.errored:
            ids.extend(result.outputs)
    return ids


def test_the_rule_agrees_with_jq_select_over_the_corpus(window: tuple[Session, list[dict], Path]) -> None:
    session, records, _ = window
    read_as_select = 0
    for text in _filters():
        try:
            view = session.view(text, sort=None)
        except (QueryError, UsageError):
            continue
        if view.reading == "project":
            outputs = [v for r in session.backend.records(range(len(session))) for v in _safe(view.query.projection, r)]
            assert any(v is not True and v is not False for v in outputs) or not outputs, text
            continue
        try:
            expected = _jq_select_ids(text, records)
        except RefCompileError:
            continue
        ours = [session.record(row)["eventID"] for row in view.rows]
        assert ours == list(dict.fromkeys(expected)), text
        read_as_select += 1
    assert read_as_select >= 40  # the hunts and the issue's filters at least


def _safe(program, record):
    try:
        return list(program.run(record))
    except Exception:
        return []


@pytest.mark.parametrize("text", ISSUE_FILTERS)
def test_query_prints_an_event_once_per_true(window: tuple[Session, list[dict], Path], text: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    from trailtui.cli import main

    session, records, path = window
    assert main(["query", str(path), "-f", text, "--format", "jsonl"]) == 0
    printed = [json.loads(line)["eventID"] for line in capsys.readouterr().out.splitlines()]
    assert printed == list(dict.fromkeys(_jq_select_ids(text, records)))
    assert main(["query", str(path), "-f", text]) == 0
    once_per_true = [json.loads(line)["eventID"] for line in capsys.readouterr().out.splitlines()]
    assert once_per_true == _jq_select_ids(text, records)
    assert main(["query", str(path), "-f", ".Records[] | " + text, "--format", "jsonl"]) == 0
    same_rows = [json.loads(line)["eventID"] for line in capsys.readouterr().out.splitlines()]
    assert same_rows == printed
