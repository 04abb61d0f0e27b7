"""Pilot tests of the evidence keys: the hunts screen (H), bookmarks (m, M), saving and restoring an
investigation (ctrl+s, --session) and the report key (E). They assert state and files, not pixels."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trailtui.engine import hunts, sessionfile
from trailtui.engine.session import Session
from trailtui.ui.app import TrailApp
from trailtui.ui.pilot import apply_filter, settle, type_text
from trailtui.ui.screens.bookmarks import BookmarkDialog, BookmarksScreen, PathDialog
from trailtui.ui.screens.hunts import HuntsScreen
from trailtui.ui.widgets.event_table import EventTable

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "samples" / "cloudtrail_log.json"


@pytest.fixture(autouse=True)
def private_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Autosaved bookmarks and user hunts go to a temporary home, never the real one."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    if not SAMPLE.exists():
        pytest.skip("samples/cloudtrail_log.json is missing")
    copy = tmp_path / "cloudtrail_log.json"
    copy.write_bytes(SAMPLE.read_bytes())
    return copy


def expected_rows(path: Path, text: str) -> set[str]:
    """eventIDs the engine (checked against libjq elsewhere) selects for a filter, on a fresh session."""
    session = Session()
    for _ in session.load([str(path)]):
        pass
    view = session.view(text, sort=None, reading="select")
    return {session.record(r)["eventID"] for r in view.rows}


def shown_ids(app: TrailApp) -> set[str]:
    table = app.main_screen.query_one(EventTable)
    session = app.main_screen.session
    return {session.record(table.model.row_id(i))["eventID"] for i in range(table.row_count)}


async def wait_counts(app: TrailApp, pilot, screen: HuntsScreen) -> None:
    for _ in range(400):
        if all(h.id in screen.cache for h in screen.library.hunts):
            break
        await pilot.pause(0.05)
    await pilot.pause()


async def test_hunts_screen_counts_every_hunt_and_enter_applies_one(sample: Path) -> None:
    app = TrailApp(paths=[str(sample)])
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        before = app.main_screen.query_one(EventTable).row_count
        await pilot.press("H")
        screen = app.screen
        assert isinstance(screen, HuntsScreen)
        await wait_counts(app, pilot, screen)
        library = hunts.load_library(include_user=False)
        assert [h.id for h in screen.library.hunts] == [h.id for h in library.hunts]
        q09 = screen.cache["Q09"]
        assert q09.count == len(expected_rows(sample, library.get("Q09").filter)) == 1
        # Move to Q09 and apply it.
        from textual.widgets import DataTable

        table = screen.query_one(DataTable)
        table.move_cursor(row=table.get_row_index("Q09"))
        await pilot.press("enter")
        await settle(app, pilot)
        main = app.main_screen
        assert app.screen is main
        assert main.state.filter_text == library.get("Q09").filter
        assert main.state.crumb == "hunt Q09"
        assert shown_ids(app) == expected_rows(sample, library.get("Q09").filter)
        # The view before the hunt is on the back stack.
        assert len(main.stack) == 1
        await pilot.press("backspace")
        await settle(app, pilot)
        assert main.query_one(EventTable).row_count == before
        # Counts are kept: reopening shows them without recounting.
        await pilot.press("H")
        assert isinstance(app.screen, HuntsScreen) and "Q09" in app.screen.cache
        await pilot.press("escape")


async def test_aggregate_hunt_applies_the_events_of_the_groups_that_fired(sample: Path) -> None:
    app = TrailApp(paths=[str(sample)])
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        await pilot.press("H")
        screen = app.screen
        await wait_counts(app, pilot, screen)
        result = screen.cache["A03"]
        assert result.groups
        from textual.widgets import DataTable

        table = screen.query_one(DataTable)
        table.move_cursor(row=table.get_row_index("A03"))
        await pilot.press("enter")
        await settle(app, pilot)
        session = app.main_screen.session
        assert shown_ids(app) == {session.record(r)["eventID"] for r in result.rows}


async def test_bookmark_dialog_saves_a_note_and_tags_that_survive_a_restart(sample: Path) -> None:
    app = TrailApp(paths=[str(sample)])
    async with app.run_test(size=(160, 50)) as pilot:
        main = app.main_screen
        await apply_filter(app, pilot, '.eventName == "AttachUserPolicy"')
        await pilot.press("m")
        await pilot.pause()
        assert isinstance(app.screen, BookmarkDialog)
        await type_text(pilot, "admin to glitch")
        await pilot.press("tab")
        await type_text(pilot, "privesc T1098")
        await pilot.press("enter")
        await settle(app, pilot)
        assert len(main.bookmarks) == 1
        (bookmark,) = list(main.bookmarks)
        assert bookmark.note == "admin to glitch" and bookmark.tags == ("privesc", "T1098")
        assert bookmark.filter == '.eventName == "AttachUserPolicy"'
        event_id = bookmark.ref.event_id
        # The table shows it: ◆ in the gutter of that row, and only there.
        table = main.query_one(EventTable)
        assert table.bookmarked == {table.cursor_row_id}
        assert main.session.record(table.cursor_row_id)["eventID"] == event_id
        shown = [line.text for line in (table._row_strip(pos)[0] for pos in range(table.row_count))]
        assert [text[0] for text in shown].count("◆") == 1 and shown[table.cursor_row][0] == "◆"
    # A new app on the same file finds the bookmark again.
    app = TrailApp(paths=[str(sample)])
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        main = app.main_screen
        assert [b.ref.event_id for b in main.bookmarks] == [event_id]
        await pilot.press("M")
        await pilot.pause()
        assert isinstance(app.screen, BookmarksScreen)
        await pilot.press("enter")  # jump: the event is in the (unfiltered) view
        await settle(app, pilot)
        table = main.query_one(EventTable)
        assert main.session.record(table.cursor_row_id)["eventID"] == event_id
        await pilot.press("M")
        await pilot.pause()
        assert table.bookmarked == {table.cursor_row_id}  # found again after the restart
        await pilot.press("d")
        await settle(app, pilot)
        assert len(main.bookmarks) == 0
        assert table.bookmarked == frozenset()


async def test_save_and_restore_an_investigation(sample: Path, tmp_path: Path) -> None:
    target = tmp_path / "case.json"
    app = TrailApp(paths=[str(sample)])
    async with app.run_test(size=(160, 50)) as pilot:
        main = app.main_screen
        await apply_filter(app, pilot, '.userIdentity.userName == "glitch"')
        await pilot.press("space")  # mark the first row
        await pilot.press("m")
        await pilot.pause()
        await type_text(pilot, "first glitch event")
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("u")  # pivot: the back stack grows
        await settle(app, pilot)
        await pilot.press("down")
        saved_state = main.state
        selected_id = main.session.record(main.selected_row())["eventID"]
        marked_ids = {main.session.record(r)["eventID"] for r in main.query_one(EventTable).marked}
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, PathDialog)
        path_input = app.screen.query_one("#path-input")
        path_input.value = str(target)
        await pilot.press("enter")
        await settle(app, pilot)
    data = json.loads(target.read_text())
    assert data["format"] == "trailtui-session" and data["version"] == 1
    assert data["inputs"][0]["sha256"] == sessionfile.sha256_file(str(sample))
    investigation = sessionfile.load(str(target))
    assert len(investigation.back) == 1 and investigation.view.filter == saved_state.filter_text

    app = TrailApp(paths=investigation.paths)
    app.investigation = investigation
    app.investigation_path = str(target)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        await settle(app, pilot)
        main = app.main_screen
        assert main.state.filter_text == saved_state.filter_text
        assert main.state.crumb == saved_state.crumb
        assert [s.state.filter_text for s in main.stack] == ['.userIdentity.userName == "glitch"']
        assert main.session.record(main.selected_row())["eventID"] == selected_id
        assert {main.session.record(r)["eventID"] for r in main.query_one(EventTable).marked} == marked_ids
        assert [b.note for b in main.bookmarks] == ["first glitch event"]
        await pilot.press("backspace")
        await settle(app, pilot)
        assert main.state.filter_text == '.userIdentity.userName == "glitch"'


async def test_saving_over_an_existing_file_asks_first(sample: Path, tmp_path: Path) -> None:
    target = tmp_path / "case.json"
    target.write_text("keep me")
    app = TrailApp(paths=[str(sample)])
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+s")
        await pilot.pause()
        app.screen.query_one("#path-input").value = str(target)
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("n")  # do not replace
        await pilot.pause()
        assert isinstance(app.screen, PathDialog)
        await pilot.press("escape")
        await settle(app, pilot)
    assert target.read_text() == "keep me"


async def test_report_key_writes_a_report_of_the_bookmarks(sample: Path, tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    app = TrailApp(paths=[str(sample)])
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        await pilot.press("E")  # no bookmarks: says so, no dialog
        await pilot.pause()
        assert not isinstance(app.screen, PathDialog)
        await pilot.press("m")
        await pilot.pause()
        await type_text(pilot, "<b>x</b>")
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("E")
        await pilot.pause()
        app.screen.query_one("#path-input").value = str(target)
        await pilot.press("enter")
        await settle(app, pilot)
    text = target.read_text()
    assert text.startswith("<!DOCTYPE html>")
    assert "&lt;b&gt;x&lt;/b&gt;" in text and "<b>x</b>" not in text
    assert sessionfile.sha256_file(str(sample)) in text


async def test_notes_go_into_the_saved_session(sample: Path, tmp_path: Path) -> None:
    from textual.widgets import TextArea

    from trailtui.ui.screens.bookmarks import NotesDialog

    target = tmp_path / "case.json"
    app = TrailApp(paths=[str(sample)])
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        app.main_screen.edit_notes()
        await pilot.pause()
        assert isinstance(app.screen, NotesDialog)
        app.screen.query_one(TextArea).text = "ticket 42\nglitch's laptop"
        await pilot.click("#notes-save")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        app.screen.query_one("#path-input").value = str(target)
        await pilot.press("enter")
        await settle(app, pilot)
    assert sessionfile.load(str(target)).notes == "ticket 42\nglitch's laptop"


async def test_a_big_aggregate_is_counted_when_asked(sample: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hunts, "AGGREGATE_BACKGROUND_LIMIT", 10)
    app = TrailApp(paths=[str(sample)])
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        await pilot.press("H")
        screen = app.screen
        await wait_counts(app, pilot, screen)
        deferred = screen.cache["A03"]
        assert deferred.deferred > 10 and not deferred.fired
        assert screen.cache["Q09"].count == 1  # per-event hunts are never deferred
        from textual.widgets import DataTable

        table = screen.query_one(DataTable)
        table.move_cursor(row=table.get_row_index("A03"))
        await pilot.press("enter")  # count it
        await settle(app, pilot)
        await wait_counts(app, pilot, screen)
        assert app.screen is screen and screen.cache["A03"].groups and not screen.cache["A03"].deferred
        await pilot.press("enter")  # apply it
        await settle(app, pilot)
        assert app.main_screen.state.crumb == "hunt A03"
