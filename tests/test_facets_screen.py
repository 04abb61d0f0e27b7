"""Pilot tests of the facets pane, the timeline, find and aggregate filters: state, not pixels.

Expected numbers come from the sample's records (Python over the JSON, or libjq), never from the code under
test.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import jq as refjq
from textual.widgets import DataTable, Input

from trailtui.engine import timeline
from trailtui.ui.app import TrailApp
from trailtui.ui.pilot import apply_filter, settle, type_text
from trailtui.ui.widgets.event_table import EventTable
from trailtui.ui.widgets.facets_pane import FacetsPane
from trailtui.ui.widgets.filter_bar import FilterBar
from trailtui.ui.widgets.timeline import Timeline

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "samples" / "cloudtrail_log.json"
INCIDENT = 'select(ip_key == "ip:53.94.201.69")'


def records() -> list[dict]:
    return json.loads(SAMPLE.read_text())["Records"]


def incident_records() -> list[dict]:
    return [r for r in records() if r.get("sourceIPAddress") == "53.94.201.69"]


async def _open(pilot, app, text: str = "") -> None:
    if text:
        await apply_filter(app, pilot, text)
    else:
        await settle(app, pilot)


def _choose(pane: FacetsPane, field: str, value: object) -> None:
    """Highlight the option of ``field``'s ``value`` in the pane's list."""
    for option_id, (facet_field, candidate) in pane._choices.items():
        if facet_field.name == field and candidate == value:
            pane.list.highlighted = pane.list.get_option_index(option_id)
            return
    raise AssertionError(f"{field}={value!r} is not listed")


async def test_facets_follow_the_filter_narrow_exclude_and_back() -> None:
    app = TrailApp(paths=[str(SAMPLE)])
    async with app.run_test(size=(160, 50)) as pilot:
        await _open(pilot, app, INCIDENT)
        screen = app.main_screen
        await pilot.press("f")
        await settle(app, pilot)
        pane = screen.query_one(FacetsPane)
        assert pane.display and pane.list.has_focus
        by_name = {facet.field.name: facet for facet in pane.facets}
        actors = {v.value: v.count for v in by_name["actor"].values}
        expected = Counter(f"user:{r['userIdentity']['accountId']}:{r['userIdentity']['userName']}"
                           for r in incident_records())
        assert actors == dict(expected) and len(actors) == 2  # glitch and mcskidy
        # The pane names them ("glitch  (IAM user · 123456789012)"); the key stays what narrowing compares.
        prompts = [str(pane.list.get_option_at_index(i).prompt) for i in range(pane.list.option_count)]
        for r in incident_records()[:1]:
            ident = r["userIdentity"]
            assert any(p.startswith(f"{ident['userName']}  (IAM user · {ident['accountId'][:8]}") for p in prompts)
        assert not any(p.startswith("user:") for p in prompts)
        events = {v.value: v.count for v in by_name["event"].values}
        assert events == dict(Counter(r["eventName"] for r in incident_records()))

        # Narrow to mcskidy: the filter bar holds ordinary jq, the table the one event.
        _choose(pane, "actor", "user:123456789012:mcskidy")
        await pilot.press("enter")
        await settle(app, pilot)
        assert screen.state.filter_text == INCIDENT + ' | select(actor_key == "user:123456789012:mcskidy")'
        assert screen.query_one(FilterBar).value == screen.state.filter_text
        table = screen.query_one(EventTable)
        assert table.row_count == expected["user:123456789012:mcskidy"]
        assert {v.value for v in pane.facets[0].values} == {"user:123456789012:mcskidy"}  # it followed

        await pilot.press("backspace")
        await settle(app, pilot)
        assert screen.state.filter_text == INCIDENT
        assert table.row_count == len(incident_records())

        # Exclude GetObject: the other events stay.
        await settle(app, pilot)
        pane.list.focus()
        _choose(pane, "event", "GetObject")
        await pilot.press("minus")
        await settle(app, pilot)
        assert screen.state.filter_text.endswith('select(.eventName != "GetObject")')
        assert table.row_count == sum(1 for r in incident_records() if r["eventName"] != "GetObject")
        await pilot.press("backspace")
        await settle(app, pilot)
        assert table.row_count == len(incident_records())


async def test_rarest_first_and_facet_on_a_column() -> None:
    app = TrailApp(paths=[str(SAMPLE)])
    async with app.run_test(size=(160, 50)) as pilot:
        await _open(pilot, app)
        screen = app.main_screen
        table = screen.query_one(EventTable)
        table.focus()
        await pilot.press("right")  # the Event column
        assert table.cursor_column_key == "event"
        await pilot.press("F")
        await settle(app, pilot)
        pane = screen.query_one(FacetsPane)
        assert [f.field.name for f in pane.facets][:1] == ["event"]
        counts = [v.count for v in pane.facets[0].values]
        assert counts == sorted(counts, reverse=True)
        await pilot.press("s")
        rare = pane.facets[0].sorted(ascending=True)
        assert [v.count for v in rare] == sorted(counts)
        listed = [pane._choices[o][1] for o in pane._choices if pane._choices[o][0].name == "event"]
        assert listed == [v.value for v in rare[: FacetsPane.TOP]]
        await pilot.press("f")  # hides the pane from inside it
        assert not pane.display and table.has_focus


async def test_facets_pane_is_an_overlay_at_80_columns() -> None:
    app = TrailApp(paths=[str(SAMPLE)])
    async with app.run_test(size=(80, 24)) as pilot:
        await _open(pilot, app)
        await pilot.press("f")
        await settle(app, pilot)
        pane = app.main_screen.query_one(FacetsPane)
        assert pane.region.width == 80 and pane.facets
        await pilot.press("escape")
        assert not pane.display and app.main_screen.query_one(EventTable).has_focus


async def test_timeline_buckets_and_a_range_become_an_event_time_filter() -> None:
    app = TrailApp(paths=[str(SAMPLE)])
    async with app.run_test(size=(160, 50)) as pilot:
        await _open(pilot, app, INCIDENT)
        screen = app.main_screen
        await pilot.press("T")
        await settle(app, pilot, after=0.2)
        await settle(app, pilot)
        line = screen.query_one(Timeline)
        hist = line.histogram
        assert line.has_focus and hist is not None
        assert len(hist.counts) <= line.size.width
        # The burst: 13:12 to 13:34, every incident event in it, bucketed as jq's fromdateiso8601 does.
        ref = refjq.compile(f'[.[] | .eventTime | fromdateiso8601 | . - {hist.start} | . / {hist.step} | floor]'
                            ' | group_by(.) | map([.[0], length])').input_value(incident_records()).first()
        assert {i: n for i, n in enumerate(hist.counts) if n} == {b: n for b, n in ref}
        assert timeline.format_time(hist.start) <= "2024-12-01T13:12:00Z"
        # Choose from the first bucket to the one of 13:19:40 (the last download).
        await pilot.press("home", "space")
        target = hist.bucket_of(timeline.epoch_second("2024-12-01T13:19:40Z"))
        await pilot.press(*["right"] * target)
        await pilot.press("enter")
        await settle(app, pilot)
        lo, hi = hist.bounds(0, target)
        assert screen.state.filter_text == INCIDENT + " | select(" + timeline.range_clause(lo, hi) + ")"
        table = screen.query_one(EventTable)
        within = [r for r in incident_records()
                  if lo <= timeline.epoch_second(r["eventTime"]) < hi]
        assert table.row_count == len(within) and 0 < len(within) < len(incident_records())
        await pilot.press("backspace")
        await settle(app, pilot)
        assert table.row_count == len(incident_records())


async def test_find_jumps_between_matching_rows_without_changing_the_filter() -> None:
    app = TrailApp(paths=[str(SAMPLE)])
    async with app.run_test(size=(160, 50)) as pilot:
        await _open(pilot, app, INCIDENT)
        screen = app.main_screen
        table = screen.query_one(EventTable)
        table.focus()
        await pilot.press("ctrl+f")
        box = screen.query_one("#find", Input)
        assert box.has_focus
        await type_text(pilot, "mcskidy")
        await pilot.press("enter")
        await settle(app, pilot)
        names = [table.model.cells(i)[table.model.columns.index(next(c for c in table.model.columns if c.key == "actor"))]
                 for i in range(table.row_count)]
        hits = [i for i, name in enumerate(names) if "mcskidy" in name.lower()]
        assert hits and table.cursor_row == hits[0]
        assert screen.state.filter_text == INCIDENT and table.find_text == "mcskidy"
        await pilot.press("full_stop")  # only one match: it wraps onto itself
        await settle(app, pilot)
        assert table.cursor_row == hits[0]
        await pilot.press("ctrl+f")
        box.value = ""
        await type_text(pilot, "getobject")
        await pilot.press("enter")
        await settle(app, pilot)
        gets = [i for i in range(table.row_count) if "getobject" in " ".join(table.model.cells(i)).lower()]
        assert len(gets) >= 2
        start = table.cursor_row
        assert start in gets
        await pilot.press("full_stop")
        await settle(app, pilot)
        assert table.cursor_row == gets[(gets.index(start) + 1) % len(gets)]
        await pilot.press("comma")
        await settle(app, pilot)
        assert table.cursor_row == start
        # The detail view highlights the text too.
        await pilot.press("enter")
        await pilot.pause(0.2)
        assert app.screen.query_one("#detail").find_text == "getobject"


async def test_an_aggregate_filter_shows_its_result_as_a_table_and_copies() -> None:
    program = "group_by(.userIdentity.arn) | map({who: .[0].userIdentity.arn, n: length})"
    text = f"[.Records[] | select(.sourceIPAddress == \"53.94.201.69\")] | {program}"
    app = TrailApp(paths=[str(SAMPLE)])
    async with app.run_test(size=(160, 50)) as pilot:
        await _open(pilot, app, text)
        screen = app.main_screen
        grid = screen.query_one("#aggregate", DataTable)
        assert grid.display and not screen.query_one(EventTable).display
        expected = refjq.compile(text).input_value({"Records": records()}).first()
        assert grid.row_count == len(expected) == 2
        assert [str(c.label) for c in grid.columns.values()] == ["who", "n"]
        assert [str(grid.get_row_at(i)[1]) for i in range(grid.row_count)] == [str(x["n"]) for x in expected]
        await pilot.press("y")
        await settle(app, pilot)
        assert app.clipboard.splitlines()[0] == "who\tn"
        # A scalar aggregate is one cell; back to events when the filter selects again.
        await pilot.press("slash")
        screen.query_one(FilterBar).value = ".Records | length"
        await settle(app, pilot)
        assert grid.row_count == 1 and str(grid.get_row_at(0)[0]) == str(len(records()))
        screen.query_one(FilterBar).value = INCIDENT
        await settle(app, pilot)
        assert not grid.display and screen.query_one(EventTable).row_count == len(incident_records())


async def test_hostile_values_show_escaped_in_the_facets_pane(tmp_path: Path) -> None:
    hostile = {"eventTime": "2024-12-01T00:00:00Z", "eventName": "X", "eventSource": "s3.amazonaws.com",
               "userAgent": "evil\x1b[2J\u202e[b]bold[/b]", "sourceIPAddress": "1.2.3.4", "eventID": "h1"}
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps({"Records": [hostile]}))
    app = TrailApp(paths=[str(path)])
    async with app.run_test(size=(160, 50)) as pilot:
        await _open(pilot, app)
        await pilot.press("f")
        await settle(app, pilot)
        pane = app.main_screen.query_one(FacetsPane)
        lines = [str(pane.list.get_option_at_index(i).prompt) for i in range(pane.list.option_count)]
        agent = next(line for line in lines if line.startswith("evil"))
        assert "\x1b" not in agent and "\u202e" not in agent and "\\x1b" in agent
        _choose(pane, "agent", hostile["userAgent"])
        await pilot.press("enter")
        await settle(app, pilot)
        assert "\x1b" not in app.main_screen.state.filter_text
        assert app.main_screen.query_one(EventTable).row_count == 1
