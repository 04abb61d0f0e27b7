"""The engine facade: a Session answers the same on every backend, and what it says matches libjq.

Every test here runs once per backend (the ``session`` fixture), so the backends check each other against
one reference: libjq 1.8.2 (PyPI ``jq``) running ``.Records[] | select(F)`` on the same file.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import jq as refjq
import pytest

from trailtui.engine.backend import make_backend
from trailtui.engine.columns import Column, resolve
from trailtui.engine.errors import QueryError, UsageError
from trailtui.engine.prelude import PRELUDE
from trailtui.engine.session import Session, Sort
from trailtui.engine.sortkey import sort_key

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "samples" / "cloudtrail_log.json"


def _backends() -> list[str]:
    names = ["memory"]
    try:
        from trailtui.engine.columnar import ColumnarBackend  # noqa: F401
    except ImportError:
        return names
    return names + ["duckdb"]


@pytest.fixture(params=_backends())
def session(request: pytest.FixtureRequest) -> Session:
    options = {"cache": False} if request.param == "duckdb" else {}
    s = Session(make_backend(request.param, **options))
    problems = [item for item in s.load([str(SAMPLE)]) if type(item).__name__ == "Problem"]
    assert not problems
    yield s
    s.close()


@pytest.fixture(scope="module")
def records() -> list[dict]:
    return json.loads(SAMPLE.read_text())["Records"]


def _jq_event_ids(program: str, records: list[dict]) -> list[str]:
    """eventIDs of the records libjq's ``.Records[] | select(PROGRAM)`` prints, in order (with repeats)."""
    return refjq.compile(f"{PRELUDE}\n.Records[] | select({program}) | .eventID").input_value({"Records": records}).all()


FILTERS = [
    '.eventName == "AttachUserPolicy"',
    '.userIdentity.userName == "glitch"',
    '.sourceIPAddress == "53.94.201.69" and .eventSource == "s3.amazonaws.com"',
    '(.errorCode // "") | test("Denied")',
    'outcome == "Failure"',
    '.userAgent | contains("aws-cli")',
    '.eventTime >= "2024-12-01T13:12:00Z" and .eventTime < "2024-12-01T13:34:00Z"',
    '[.. | strings | select(test("Admin"))] | length > 0',
]


@pytest.mark.parametrize("program", FILTERS)
def test_view_selects_what_jq_selects(session: Session, records: list[dict], program: str) -> None:
    view = session.view(program, sort=None)
    ids = [session.record(row)["eventID"] for row in view.rows]
    assert ids == list(dict.fromkeys(_jq_event_ids(program, records)))
    assert ids, "every filter here matches something in the sample"


def test_cells_are_the_display_fields_and_values_keep_types(session: Session) -> None:
    view = session.view('.eventName == "ConsoleLogin"', columns=[resolve("time"), resolve("actor"),
                                                                    Column(".additionalEventData.MFAUsed", "MFA"),
                                                                    Column(".eventVersion | tonumber", "v")])
    assert len(view) > 0
    for pos in range(len(view)):
        record = session.record(view.row_id(pos))
        assert view.cells(pos)[0] == record["eventTime"]
        assert view.values(pos)[2] == record.get("additionalEventData", {}).get("MFAUsed")
        assert view.values(pos)[3] == float(record["eventVersion"])  # a number stays a number
    assert view.headers == ["Time", "Actor", "MFA", "v"]


def test_sort_by_a_field_and_by_a_projected_column_is_stable(session: Session) -> None:
    by_event = session.view(".", sort=Sort("event", True))
    names = [by_event.cells(p)[1] for p in range(len(by_event))]
    assert names == sorted(names, reverse=True)
    # Stable: within one name, load order.
    firsts = {}
    for pos, name in enumerate(names):
        firsts.setdefault(name, []).append(by_event.row_id(pos))
    assert all(rows == sorted(rows) for rows in firsts.values())
    projected = session.view("[.eventName, (.requestParameters | length)]", sort=Sort("#1"))
    keys = [sort_key(projected.values(p)[1]) for p in range(len(projected))]
    assert keys == sorted(keys)


def test_a_projection_names_its_columns_and_yields_every_output_headless(session: Session) -> None:
    view = session.view('select(.userIdentity.userName == "glitch") | (.eventName, .sourceIPAddress)', sort=None)
    pairs = list(session.projection_rows(view, lambda row, message: pytest.fail(message)))
    assert len(pairs) == 2 * len(view)
    assert [row for row, _ in pairs[::2]] == list(view.rows)


def test_copy_as_command_runs_in_jq_with_the_prelude_when_needed(session: Session, records: list[dict]) -> None:
    """`outcome` is a prelude function: the jq command must define it (the old hard-coded list did not)."""
    session.paths = [str(SAMPLE)]
    for text in ['outcome == "Failure"', 'select(actor_key | startswith("user:")) | .eventName', ".eventName"]:
        view = session.view(text, sort=None)
        jq_cmd, tt_cmd = session.command_line(text)
        argv = shlex.split(jq_cmd)
        assert argv[:2] == ["jq", "-rc"] and argv[-1] == str(SAMPLE)
        outputs = refjq.compile(argv[2]).input_value({"Records": records}).all()
        if view.query.is_projection:
            assert len(outputs) == len(view)
        else:
            assert [o["eventID"] for o in outputs] == [session.record(r)["eventID"] for r in view.rows]
        assert shlex.split(tt_cmd)[:3] == ["trailtui", "query", str(SAMPLE)]


def test_errors_have_a_message_and_a_hint(session: Session) -> None:
    with pytest.raises(QueryError) as caught:
        session.view('.eventName == "X" and (')
    assert caught.value.caret().splitlines()[1].endswith("^")
    with pytest.raises(UsageError) as usage:
        session.view("[.Records[] | .eventName] | unique")
    assert "trailtui query" in usage.value.hint
    with pytest.raises(UsageError):
        resolve("nonsense")


def test_select_false_keeps_every_event(session: Session) -> None:
    view = session.view(".Records[] | .readOnly == true", select=False, sort=None)
    assert list(view.rows) == list(range(len(session)))


def test_input_filename_is_the_events_source_file(tmp_path: Path) -> None:
    """In a filter, a projection and headless output, `input_filename` names the file the event came from."""
    records = json.loads(SAMPLE.read_text())["Records"]
    (tmp_path / "a.json").write_text(json.dumps({"Records": records[:10]}))
    (tmp_path / "b.json").write_text(json.dumps({"Records": records[10:15]}))
    for name in _backends():
        s = Session(make_backend(name, **({"cache": False} if name == "duckdb" else {})))
        list(s.load([str(tmp_path)]))
        view = s.view('input_filename | endswith("b.json")', sort=None)
        assert len(view) == 5 and all(s.provenance(r).startswith(str(tmp_path / "b.json")) for r in view.rows)
        names = [v for _, v in s.projection_rows(s.view("input_filename", sort=None), pytest.fail)]
        assert names == [str(tmp_path / "a.json")] * 10 + [str(tmp_path / "b.json")] * 5
        s.close()
