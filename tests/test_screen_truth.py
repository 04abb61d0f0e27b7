"""The screen tells the truth at any size (issue 13): Pilot tests on the sample and on enriched events.

Each test drives the app as a person would and asserts state or drawn text: nothing cut without `…`,
failures visible, every key acts or says why not, nothing silent.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trailtui.ui.app import TrailApp
from trailtui.ui.pilot import settle, type_text
from trailtui.ui.screens.main import fit_crumbs
from trailtui.ui.widgets.event_table import EventTable
from trailtui.ui.widgets.filter_bar import FilterBar
from trailtui.ui.widgets.load_panel import LoadPanel

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "samples" / "cloudtrail_log.json"
SIZES = [(160, 50), (80, 24)]


@pytest.fixture
def sample() -> Path:
    if not SAMPLE.exists():
        pytest.skip("samples/cloudtrail_log.json is missing")
    return SAMPLE


def table_text(table: EventTable) -> list[str]:
    return [table.render_line(y).text for y in range(table.scrollable_content_region.height)]


def said(app: TrailApp) -> list[str]:
    return [notification.message for notification in app._notifications]


@pytest.mark.parametrize("size", SIZES)
async def test_first_columns_fit_and_no_value_is_a_bare_prefix(sample: Path, size: tuple[int, int]) -> None:
    records = json.loads(sample.read_text())["Records"]
    app = TrailApp(paths=[str(sample)])
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        table = app.main_screen.query_one(EventTable)
        header = table.render_line(0).text
        for label in ("Time", "Event", "Actor", "Source IP", "Outcome"):
            assert label in header, header
        # Every IP drawn is a whole address or ends in … (never "53.94.201.6" for .69).
        addresses = {r.get("sourceIPAddress") for r in records if isinstance(r.get("sourceIPAddress"), str)}
        for line in table_text(table)[1:]:
            for word in line.split():
                if word[:1].isdigit() and word.count(".") == 3 and not word.endswith("…") and "T" not in word:
                    assert word in addresses, (word, line)


async def test_failed_console_login_shows_its_outcome_and_colour(sample: Path) -> None:
    app = TrailApp(paths=[str(sample)])
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        bar = app.main_screen.query_one(FilterBar)
        bar.value = 'select(.eventName == "ConsoleLogin" and .responseElements.ConsoleLogin == "Failure")'
        await settle(app, pilot)
        table = app.main_screen.query_one(EventTable)
        if not table.row_count:
            pytest.skip("the sample has no failed console login")
        keys = [c.key for c in table.model.columns]
        assert table.model.cells(0)[keys.index("outcome")] == "Failure"
        table.move_cursor(min(1, table.row_count - 1))
        await pilot.pause()
        line = table.render_line(1)
        assert any(seg.style.color is not None and "Failure" in seg.text for seg in line)
        await pilot.press("enter")
        await pilot.pause(0.3)
        from trailtui.ui.widgets.detail_view import DetailView

        detail = app.screen.query_one(DetailView)
        assert detail.title.startswith("Failure · ")
        assert detail.has_class("-failed")


async def test_keys_on_an_empty_view_say_why(sample: Path) -> None:
    app = TrailApp(paths=[str(sample)])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        app.main_screen.query_one(FilterBar).value = 'select(.eventName == "NoSuchEvent")'
        await settle(app, pilot)
        app.main_screen.query_one(EventTable).focus()
        for key in ("i", "u", "y", "enter", "e", "backspace"):
            await pilot.press(key)
        await pilot.pause(0.2)
        messages = " | ".join(said(app))
        assert "Nothing to pivot to the same source IP" in messages
        assert "Nothing to copy" in messages and "Nothing to open" in messages and "Nothing to export" in messages
        assert "the view is empty" in messages


def _enriched(tmp_path: Path) -> Path:
    records = [
        {"eventTime": f"2024-01-01T00:00:0{i}Z", "eventName": "GetObject", "eventSource": "s3.amazonaws.com",
         "eventID": f"e{i}", "requestParameters": {"bucketName": "b1", "key": f"k{i}"},
         "network": {"client": {"ip": ip}}, "http": {"useragent": "curl/8.4_x", "request_id": f"r{i}"}}
        for i, ip in enumerate(["198.51.100.7", "198.51.100.7", "203.0.113.9"])
    ]
    path = tmp_path / "datadog.json"
    path.write_text(json.dumps({"Records": records}))
    return path


async def test_enriched_fallbacks_are_shown_marked_and_pivot(tmp_path: Path) -> None:
    app = TrailApp(paths=[str(_enriched(tmp_path))])
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        table = app.main_screen.query_one(EventTable)
        assert "198.51.100.7 (enriched)" in table.render_line(1).text
        await pilot.press("i")
        await settle(app, pilot)
        assert app.main_screen.query_one(FilterBar).value == 'select(.network.client.ip == "198.51.100.7")'
        assert table.row_count == 2
        assert "ip 198.51.100.7 (enriched)" in app.main_screen.crumbs[-1]
        await pilot.press("backspace")
        await settle(app, pilot)
        await pilot.press("b")  # the user agent pivot
        await settle(app, pilot)
        assert app.main_screen.query_one(FilterBar).value == 'select(.http.useragent == "curl/8.4_x")'
        assert table.row_count == 3


async def test_r_on_an_s3_object_offers_its_bucket(tmp_path: Path) -> None:
    app = TrailApp(paths=[str(_enriched(tmp_path))])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("r")
        await pilot.pause(0.3)
        from trailtui.ui.screens.choose import ChoiceScreen

        assert isinstance(app.screen, ChoiceScreen)
        assert app.screen.options == ["s3://b1", "s3://b1/k0"]
        await pilot.press("enter")  # the bucket
        await settle(app, pilot)
        assert app.main_screen.query_one(EventTable).row_count == 3
        assert 'has_resource("s3://b1")' in app.main_screen.query_one(FilterBar).value


async def test_loader_pane_lets_go_of_the_keyboard(sample: Path) -> None:
    app = TrailApp(paths=[str(sample)])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        panel = app.main_screen.query_one(LoadPanel)
        await pilot.press("o")
        await pilot.pause(0.2)
        assert panel.display and panel.has_focus_within
        await pilot.press("tab")
        await pilot.pause(0.1)
        assert app.focused is not None and app.focused.id == "load-path"
        await type_text(pilot, "a/o")  # "/" and "o" are text in a path
        assert app.focused.value == "a/o"
        await pilot.press("escape")
        await pilot.pause(0.2)
        assert isinstance(app.focused, EventTable) and not panel.display


async def test_slash_then_typing_fills_the_bar_q_is_text_and_ctrl_c_quits(sample: Path) -> None:
    app = TrailApp(paths=[str(sample)])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        # Keys queued right behind "/" (no pause between them) all reach the bar.
        await pilot.press("slash", *list(".eventName"), "space", "=", "=", "space", '"', "q", '"')
        bar = app.main_screen.query_one(FilterBar)
        assert bar.value == '.eventName == "q"'
        assert app.is_running
        await pilot.press("escape")
        await pilot.pause(0.1)
        assert '.eventName == "q"' in bar.history.entries  # left with Esc, still remembered
        await pilot.press("ctrl+c")
        await pilot.pause(0.2)
    assert app.return_code is not None or not app.is_running


async def test_a_cancelled_load_stays_partial_and_one_file_is_singular(sample: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    app = TrailApp(paths=[str(sample), str(bad)])
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        message = app.main_screen.query_one(LoadPanel).message_text
        assert "1 file unreadable" in message
        screen = app.main_screen
        screen.load_partial = True  # as after Esc during a load (the sample loads too fast to catch)
        screen.update_status()
        status = str(screen.query_one("#status").render())
        assert "partial" in status


def test_breadcrumb_keeps_its_newest_crumb() -> None:
    crumbs = ["all", "user glitch", "ip 53.94.201.69", "resource s3://wareville-care4wares/secret.txt"]
    for width in (20, 40, 60, 200):
        text = fit_crumbs(crumbs, width)
        assert len(text) <= max(width, 1)
        assert text.endswith(crumbs[-1]) or (text.endswith("…") and crumbs[-1].startswith(text[:-1].lstrip("… ›")))
    assert fit_crumbs(crumbs, 60).startswith("… › ")


async def test_filter_progress_and_stale_rows_are_visible(sample: Path) -> None:
    app = TrailApp(paths=[str(sample)])
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        screen = app.main_screen
        from trailtui.ui.messages import FilterProgressed

        screen.generation += 1  # a filter that is running and has not answered yet
        screen.post_message(FilterProgressed(screen.generation, 40_000, 200_000))
        screen._mark_stale()
        await pilot.pause(0.1)
        status = str(screen.query_one("#status").render())
        assert "filtering 40,000/200,000 events (20%)" in status
        assert "rows not yet updated" in status
        assert screen.query_one(EventTable).has_class("-stale")
        assert "20% of 200,000" in str(screen.query_one("#filter-running").render())


def test_status_tail_gives_way_by_rank_and_keeps_the_counts() -> None:
    from trailtui.ui.screens.main import status_tail

    parts = [("1,700 loaded", 0), ("450 shown", 0), ("filter 4 ms", 4), ("read as selection (auto)", 2), ("R flips", 5)]
    assert status_tail(parts, 200) == " · 1,700 loaded · 450 shown · filter 4 ms · read as selection (auto) · R flips"
    # The key hint goes first, then the timing, then the reading; the counts never.
    assert status_tail(parts, 66) == " · 1,700 loaded · 450 shown · read as selection (auto)"
    assert status_tail(parts, 40) == " · 1,700 loaded · 450 shown"
    assert status_tail(parts, 5) == " · 1,700 loaded · 450 shown"
    for room in range(5, 120):
        got = status_tail(parts, room)
        assert len(got) <= room or got == " · 1,700 loaded · 450 shown"
