"""Hostile log content on the screen: markup in a user agent, a user name or a JSON key never acts as markup.

Issue #12: `curl [/x]` as a user agent then "filter on this value" crashed with a MarkupError; a key `"[/x]"`
crashed the "could not read" notification; a user name `[@click=app.quit]CLICKME[/]` put a working link in
the breadcrumb. Each case runs the real app (Pilot) and checks it is still running and shows the text.
"""

from __future__ import annotations

import json
from pathlib import Path

from trailtui.ui.app import TrailApp
from trailtui.ui.pilot import settle
from trailtui.ui.widgets.detail_view import DetailView
from trailtui.ui.widgets.event_table import EventTable

BASE = {"eventVersion": "1.08", "eventTime": "2024-01-01T00:00:00Z", "eventSource": "s3.amazonaws.com",
        "eventName": "GetObject", "awsRegion": "us-east-1", "sourceIPAddress": "203.0.113.9",
        "recipientAccountId": "111122223333"}


def _write(tmp_path: Path, records: list[dict]) -> Path:
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps({"Records": records}))
    return path


def _screen_text(app: TrailApp) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def test_markup_in_a_user_agent_filtered_on_from_the_detail_view(tmp_path: Path) -> None:
    path = _write(tmp_path, [dict(BASE, eventID="1", userAgent="curl [/x] [bold]b[/bold]",
                                  userIdentity={"type": "IAMUser", "userName": "[@click=app.quit]CLICKME[/]",
                                                "accountId": "111122223333",
                                                "arn": "arn:aws:iam::111122223333:user/x"})])
    app = TrailApp(paths=[str(path)])
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        screen = app.main_screen
        screen.query_one(EventTable).focus()
        await pilot.press("enter")
        await pilot.pause(0.3)
        view = app.screen.query_one(DetailView)
        line = next(i for i in range(view.line_count) if view.line(i).path == ("userAgent",))
        view.move_cursor(line)
        await pilot.press("f")
        await settle(app, pilot)
        assert app.is_running and app.screen is screen
        assert 'select(.userAgent == "curl [/x] [bold]b[/bold]")' in screen.state.filter_text
        assert "[/x]" in _screen_text(app)
        await pilot.press("u")  # the breadcrumb now holds the user name: text, not a link
        await settle(app, pilot)
        assert app.is_running
        assert "CLICKME[/]" in _screen_text(app) or "[@click" in _screen_text(app)


async def test_markup_in_a_json_key_of_an_unreadable_file(tmp_path: Path) -> None:
    good = _write(tmp_path, [dict(BASE, eventID="1")])
    odd = tmp_path / "odd.json"
    odd.write_text(json.dumps({"[/x]": {"[@click=app.quit]": 1}}))
    app = TrailApp(paths=[str(good), str(odd)])
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        assert app.is_running
        assert len(app.main_screen.session) == 1


async def test_control_characters_in_a_filter_show_as_visible_glyphs(tmp_path: Path) -> None:
    """A filter from -f (or history, or a paste) holding ESC, BEL and a bidi override is drawn with one
    visible glyph per character; the raw characters never reach the terminal."""
    from trailtui.ui.widgets.filter_bar import FilterBar

    path = _write(tmp_path, [dict(BASE, eventID="1")])
    evil = '.eventName == "a\x1b[2J\x07\u202eb"'
    app = TrailApp(paths=[str(path)], initial_filter=evil)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        assert app.main_screen.query_one(FilterBar).value == evil  # the filter itself is exact
        text = _screen_text(app)
        assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
        assert '"a\u241b[2J' in text and '\ufffdb"' in text
