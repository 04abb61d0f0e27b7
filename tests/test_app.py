"""Pilot tests of the whole app on the bundled sample: they assert state, not pixels."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trailtui.engine.memory_filter import run_filter
from trailtui.engine.query import compile_query
from trailtui.ui.state import ViewState
from trailtui.ui.app import TrailApp
from trailtui.ui.widgets.event_table import EventTable
from trailtui.ui.pilot import settle, type_text
from trailtui.ui.widgets.filter_bar import FilterBar

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "samples" / "cloudtrail_log.json"


def sample_records() -> list[dict]:
    return json.loads(SAMPLE.read_text())["Records"]


@pytest.fixture
def sample() -> Path:
    if not SAMPLE.exists():
        pytest.skip("samples/cloudtrail_log.json is missing")
    return SAMPLE


async def test_loads_the_sample_and_shows_every_event(sample: Path) -> None:
    app = TrailApp(paths=[str(sample)])
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        table = app.main_screen.query_one(EventTable)
        assert len(app.main_screen.session) == len(sample_records())
        assert table.row_count == len(sample_records())
        # Default order is by event time.
        times = [table.model.cells(i)[0] for i in range(table.row_count)]
        assert times == sorted(times)


async def test_typing_a_filter_narrows_the_table_and_reports_the_count(sample: Path) -> None:
    expected = [r for r in sample_records() if (r.get("userIdentity") or {}).get("userName") == "glitch"]
    assert expected, "the sample must contain glitch's events"
    app = TrailApp(paths=[str(sample)])
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        await pilot.press("slash")
        await type_text(pilot, '.userIdentity.userName == "glitch"')
        await settle(app, pilot)
        table = app.main_screen.query_one(EventTable)
        assert table.row_count == len(expected)
        ids = {table.model.row_id(i) for i in range(table.row_count)}
        session = app.main_screen.session
        assert {session.record(r)["eventID"] for r in ids} == {r["eventID"] for r in expected}
        status = app.main_screen.query_one(FilterBar)
        assert f"{len(expected):,} of {len(session):,} events" in status.status_text


async def test_a_syntax_error_keeps_the_last_good_result(sample: Path) -> None:
    app = TrailApp(paths=[str(sample)])
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        await pilot.press("slash")
        await type_text(pilot, '.eventName == "GetObject"')
        await settle(app, pilot)
        table = app.main_screen.query_one(EventTable)
        good = table.row_count
        assert 0 < good < len(app.main_screen.session)
        await type_text(pilot, " and (")
        await settle(app, pilot)
        bar = app.main_screen.query_one(FilterBar)
        assert bar.has_class("-error")
        assert table.row_count == good


async def test_sort_by_event_name_descending(sample: Path) -> None:
    app = TrailApp(paths=[str(sample)])
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        table = app.main_screen.query_one(EventTable)
        table.focus()
        await pilot.press("right")  # cursor column: Event
        await pilot.press("S")
        await settle(app, pilot)
        names = [table.model.cells(i)[1] for i in range(table.row_count)]
        assert names == sorted(names, reverse=True)
        assert app.main_screen.state.sort.key == "event" and app.main_screen.state.sort.descending


async def test_detail_shows_the_whole_selected_event(sample: Path) -> None:
    app = TrailApp(paths=[str(sample)])
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        table = app.main_screen.query_one(EventTable)
        table.focus()
        await pilot.press("down", "down")
        row = table.cursor_row_id
        await pilot.press("enter")
        await pilot.pause(0.2)
        from trailtui.ui.screens.detail import DetailScreen
        from trailtui.ui.widgets.detail_view import DetailView

        assert isinstance(app.screen, DetailScreen)
        view = app.screen.query_one(DetailView)
        for _ in range(40):
            if view.is_complete:
                break
            await pilot.pause(0.05)
        text = "\n".join(view.line(i).text for i in range(view.line_count))
        record = app.main_screen.session.record(row)
        assert json.loads(text) == record
        await pilot.press("escape")
        await pilot.pause(0.1)
        assert app.screen is app.main_screen


async def test_pivot_on_user_then_back_restores_the_view(sample: Path) -> None:
    app = TrailApp(paths=[str(sample)])
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        screen = app.main_screen
        await pilot.press("slash")
        await type_text(pilot, '.userIdentity.userName == "glitch"')
        await settle(app, pilot)
        table = screen.query_one(EventTable)
        table.focus()
        await pilot.press("down")  # select the second event, so restoring the cursor means something
        before_filter = screen.state.filter_text
        before_rows = table.row_count
        before_view = screen.view
        selected = table.cursor_row_id
        assert table.cursor_row == 1
        await pilot.press("u")
        await settle(app, pilot)
        assert screen.state.filter_text.startswith("select(actor_key == ")
        backend = screen.session.backend
        key = backend.display("actor_key", [selected])[0]
        everyone = range(len(backend))
        expected = [r for r, k in zip(everyone, backend.display("actor_key", everyone)) if k == key]
        assert sorted(table.model.row_id(i) for i in range(table.row_count)) == expected
        assert len(screen.crumbs) == 2
        await pilot.press("end")  # move away: Back must put the cursor where it was before the pivot
        assert table.cursor_row_id != selected or table.row_count == 1
        await pilot.press("backspace")
        await settle(app, pilot)
        assert screen.state.filter_text == before_filter
        assert table.row_count == before_rows
        assert table.cursor_row_id == selected
        assert screen.view is before_view  # restored, not computed again
        assert len(screen.crumbs) == 1 and screen.crumbs[0].startswith("filter .userIdentity.userName")


async def test_copy_puts_the_view_as_tsv_with_a_header_on_the_clipboard(sample: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("TMUX", raising=False)
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    app = TrailApp(paths=[str(sample)])
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        await pilot.press("slash")
        await type_text(pilot, '.eventName == "AttachUserPolicy"')
        await settle(app, pilot)
        table = app.main_screen.query_one(EventTable)
        table.focus()
        await pilot.press("y")
        await settle(app, pilot)
        for _ in range(40):
            if app.clipboard:
                break
            await pilot.pause(0.05)
        lines = app.clipboard.splitlines()
        assert lines[0].split("\t")[:5] == ["Time", "Event", "Actor", "Source IP", "Outcome"]
        assert len(lines) == 1 + table.row_count
        assert all("AttachUserPolicy" in line for line in lines[1:])


async def test_a_newer_filter_supersedes_an_older_one(sample: Path) -> None:
    app = TrailApp(paths=[str(sample)])
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        screen = app.main_screen
        screen.state = ViewState('.eventSource == "s3.amazonaws.com"')
        screen.state = ViewState('.eventName == "AttachUserPolicy"')
        await settle(app, pilot)
        table = screen.query_one(EventTable)
        expected = run_filter(screen.session.backend, compile_query('.eventName == "AttachUserPolicy"')).rows
        assert sorted(table.model.row_id(i) for i in range(table.row_count)) == list(expected)
        assert screen.applied_generation == screen.generation


async def test_projection_filter_becomes_the_columns(sample: Path) -> None:
    app = TrailApp(paths=[str(sample)])
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        screen = app.main_screen
        bar = screen.query_one(FilterBar)
        bar.value = '.Records[] | select(.eventSource == "s3.amazonaws.com") | [.eventTime, .eventName, .userIdentity.userName // "N/A"]'
        await settle(app, pilot)
        table = screen.query_one(EventTable)
        labels = [c.label for c in table.model.columns]
        assert labels == [".eventTime", ".eventName", '.userIdentity.userName // "N/A"']
        first = table.model.cells(0)
        assert first[1].startswith(("Get", "Put", "List", "Delete", "Head", "Create"))


async def test_opens_with_nothing_loaded_and_says_what_to_do() -> None:
    app = TrailApp(paths=[])
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.2)
        table = app.main_screen.query_one(EventTable)
        assert table.row_count == 0
        assert "pick files or a directory" in table.empty_message
        from trailtui.ui.widgets.load_panel import LoadPanel

        panel = app.main_screen.query_one(LoadPanel)
        assert panel.display
        assert app.focused is not None and app.focused.id == "load-tree"


async def test_an_unreadable_file_is_reported_and_the_rest_loads(sample: Path, tmp_path: Path) -> None:
    bad = tmp_path / "broken.json.gz"
    bad.write_bytes(b"\x1f\x8b\x08\x00garbage")
    app = TrailApp(paths=[str(bad), str(sample)])
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        screen = app.main_screen
        assert len(screen.session) == len(sample_records())
        assert any("broken.json.gz" in p for p in screen.problems)


async def test_export_writes_the_view_and_copy_as_command_reproduces_it(sample: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("TMUX", raising=False)
    monkeypatch.delenv("DISPLAY", raising=False)
    app = TrailApp(paths=[str(sample)])
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        screen = app.main_screen
        screen.query_one(FilterBar).value = '.eventName == "AttachUserPolicy"'
        await settle(app, pilot)
        table = screen.query_one(EventTable)
        table.focus()
        await pilot.press("e")
        await pilot.pause(0.3)
        from textual.widgets import Input

        from trailtui.ui.screens.export_dialog import ExportDialog

        assert isinstance(app.screen, ExportDialog)
        target = tmp_path / "view.tsv"
        app.screen.query_one(Input).value = str(target)
        await pilot.press("ctrl+s")
        for _ in range(60):
            if target.exists() and target.stat().st_size:
                break
            await pilot.pause(0.05)
        lines = target.read_text().splitlines()
        assert lines[0].startswith("Time\tEvent\t")
        assert len(lines) == 1 + table.row_count
        screen.action_copy_command()
        for _ in range(60):
            if app.clipboard.startswith("jq "):
                break
            await pilot.pause(0.05)
        jq_line, trailtui_line = app.clipboard.splitlines()[:2]
        assert jq_line.startswith("jq -rc '.Records[] | select(.eventName == \"AttachUserPolicy\")'")
        assert trailtui_line.startswith("trailtui query ") and "-f '.eventName == \"AttachUserPolicy\"'" in trailtui_line


async def test_column_chooser_adds_a_jq_path_column(sample: Path) -> None:
    app = TrailApp(paths=[str(sample)])
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        screen = app.main_screen
        screen.query_one(EventTable).focus()
        await pilot.press("c")
        await pilot.pause(0.3)
        from textual.widgets import Input

        from trailtui.ui.screens.columns import ColumnsScreen

        assert isinstance(app.screen, ColumnsScreen)
        box = app.screen.query_one("#columns-path", Input)
        box.focus()
        box.value = ".requestParameters.bucketName"
        await pilot.press("enter")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        table = screen.query_one(EventTable)
        keys = [c.key for c in table.model.columns]
        assert keys[-1] == ".requestParameters.bucketName"
        for pos in range(min(table.row_count, 200)):
            record = screen.session.record(table.model.row_id(pos))
            bucket = (record.get("requestParameters") or {}).get("bucketName")
            assert table.model.cells(pos)[-1] == (bucket if isinstance(bucket, str) else "")


async def test_a_boolean_filter_selects_and_R_flips_it_to_columns(sample: Path) -> None:
    """`.readOnly` yields only booleans on the sample: the screen selects; R shows it as a column instead."""
    app = TrailApp(paths=[str(sample)])
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        screen = app.main_screen
        await pilot.press("slash")
        await type_text(pilot, ".readOnly")
        await settle(app, pilot)
        table = screen.query_one(EventTable)
        read_only = sum(1 for r in sample_records() if r.get("readOnly") is True)
        assert table.row_count == read_only < len(sample_records())
        status = str(screen.query_one("#status").render())
        assert "read as selection (auto)" in status
        table.focus()
        await pilot.press("R")
        await settle(app, pilot)
        assert table.row_count == len(sample_records())
        assert [c.label for c in table.model.columns] == [".readOnly"]
        assert "read as columns" in str(screen.query_one("#status").render())


async def test_moving_the_cursor_does_not_rebuild_the_footer(sample: Path) -> None:
    """The footer is rebuilt (every key widget remounted: tens of ms of the screen's thread) only when the
    bindings change, never because the cursor moved to an event with other pivots available."""
    app = TrailApp(paths=[str(sample)])
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        main = app.main_screen
        table = main.query_one(EventTable)
        table.focus()
        await settle(app, pilot)
        published: list[object] = []
        main.bindings_updated_signal.subscribe(main, lambda screen: published.append(screen))
        kinds_seen = set()
        for _ in range(min(40, table.row_count - 1)):
            await pilot.press("down")
            kinds_seen.add(frozenset(k for k, p in main._pivots.items() if p is not None))
        await settle(app, pilot)
        assert len(kinds_seen) > 1, "the sample's events should differ in the pivots they offer"
        assert published == []


async def test_narrowing_the_terminal_drops_the_palette_key_from_the_footer(sample: Path) -> None:
    """Below 110 columns the footer needs every cell for the keys: the palette key goes (and comes back)."""
    from textual.widgets import Footer

    app = TrailApp(paths=[str(sample)])
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        footer = app.main_screen.query_one(Footer)
        assert footer.query(".-command-palette")
        await pilot.resize_terminal(80, 24)
        await settle(app, pilot)
        assert not footer.query(".-command-palette")
        await pilot.resize_terminal(160, 50)
        await settle(app, pilot)
        assert footer.query(".-command-palette")
