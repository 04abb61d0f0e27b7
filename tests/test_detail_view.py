"""Pilot tests of DetailView: cursor, copy/filter requests, escaping, and records too big to format at once."""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

import jq
import pytest
from textual.app import App, ComposeResult
from textual.message import Message

from trailtui.ui.jsonlines import getpath, pretty_lines, pretty_text
from trailtui.ui.widgets.detail_view import FIRST_SCAN, MAX_LINE_CHARS, DetailView

RECORD: dict[str, Any] = {
    "eventVersion": "1.08",
    "userIdentity": {
        "type": "IAMUser",
        "arn": "arn:aws:iam::111122223333:user/alice",
        "accountId": "111122223333",
        "sessionContext": {"attributes": {"mfaAuthenticated": "false"}},
    },
    "eventTime": "2024-03-01T12:00:00Z",
    "eventName": "GetObject",
    "requestParameters": {"bucketName": "logs", "x.y": 3, "weird-key": None, "Host": "logs.s3.amazonaws.com"},
    "resources": [{"ARN": "arn:aws:s3:::logs/key", "type": "AWS::S3::Object"}, {"ARN": "arn:aws:s3:::logs"}],
    "readOnly": True,
    "userAgent": "curl/8.0 \x1b[2J\x9b31m \u202eevil",
}


class DetailApp(App[None]):
    """A host app that records what the detail view asks for."""

    def __init__(self, record: Any = RECORD, title: str = "trail.json · line 1 · event 7f3a") -> None:
        super().__init__()
        self.record = record
        self.title_text = title
        self.seen: list[Message] = []

    def compose(self) -> ComposeResult:
        yield DetailView()

    def on_mount(self) -> None:
        if self.record is not None:
            self.query_one(DetailView).set_record(self.record, self.title_text)

    def on_detail_view_copy_requested(self, message: DetailView.CopyRequested) -> None:
        self.seen.append(message)

    def on_detail_view_filter_requested(self, message: DetailView.FilterRequested) -> None:
        self.seen.append(message)

    def on_detail_view_close_requested(self, message: DetailView.CloseRequested) -> None:
        self.seen.append(message)


def line_of(view: DetailView, path: tuple) -> int:
    return next(i for i in range(view.line_count) if view.line(i).path == path)


async def test_copy_value_path_and_filter_for_the_cursor_line() -> None:
    app = DetailApp()
    async with app.run_test(size=(160, 50)) as pilot:
        view = app.query_one(DetailView)
        target = line_of(view, ("userIdentity", "arn"))
        await pilot.press(*["j"] * target)
        assert view.cursor_line == target
        await pilot.press("v", "p", "f")
        await pilot.pause()
        value, path, flt = app.seen[-3:]
        assert isinstance(value, DetailView.CopyRequested) and value.what == "value"
        assert value.text == "arn:aws:iam::111122223333:user/alice"  # strings are copied raw
        assert isinstance(path, DetailView.CopyRequested) and (path.what, path.text) == ("path", ".userIdentity.arn")
        assert isinstance(flt, DetailView.FilterRequested)
        assert flt.path == ("userIdentity", "arn") and flt.value == RECORD["userIdentity"]["arn"]
        # The suggested filter keeps this record and drops one with another user (checked by libjq).
        other = {**RECORD, "userIdentity": {"arn": "arn:aws:iam::111122223333:user/bob"}}
        kept = jq.compile(f"[.[] | {flt.expression}]").input_value([RECORD, other]).first()
        assert kept == [RECORD]
        assert "userIdentity.arn" in view.render_line(0).text  # the title line shows the cursor's path


async def test_copy_paths_and_values_of_awkward_lines() -> None:
    app = DetailApp()
    async with app.run_test(size=(160, 50)) as pilot:
        view = app.query_one(DetailView)
        for path, expected_path in [
            (("resources", 0, "ARN"), ".resources[0].ARN"),
            (("requestParameters", "x.y"), '.requestParameters["x.y"]'),
            (("requestParameters", "weird-key"), '.requestParameters["weird-key"]'),
        ]:
            view.move_cursor(line_of(view, path))
            await pilot.press("p", "v")
            await pilot.pause()
            copied_path, copied_value = app.seen[-2:]
            assert copied_path.text == expected_path
            assert jq.compile(copied_path.text).input_value(RECORD).first() == getpath(RECORD, path)
            value = getpath(RECORD, path)
            assert copied_value.text == value if isinstance(value, str) else json.loads(copied_value.text) == value
        # A container's opening line copies the whole container as JSON.
        view.move_cursor(line_of(view, ("resources",)))
        await pilot.press("v")
        await pilot.pause()
        assert json.loads(app.seen[-1].text) == RECORD["resources"]
        # So does its closing line (it carries the container's path).
        closing = max(i for i in range(view.line_count) if view.line(i).path == ("resources",))
        view.move_cursor(closing)
        await pilot.press("p")
        await pilot.pause()
        assert app.seen[-1].text == ".resources"


@pytest.mark.skipif(shutil.which("jq") is None, reason="the jq command line tool is not installed")
async def test_copy_event_is_jq_pretty_output() -> None:
    app = DetailApp()
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.press("y", "escape")
        await pilot.pause()
        copied, closed = app.seen[-2:]
        assert isinstance(copied, DetailView.CopyRequested) and copied.what == "event"
        expected = subprocess.run(["jq", "."], input=json.dumps(RECORD).encode(), capture_output=True, check=True)
        assert copied.text + "\n" == expected.stdout.decode()
        assert isinstance(closed, DetailView.CloseRequested)
        assert closed.control is app.query_one(DetailView)


async def test_control_characters_render_as_text() -> None:
    app = DetailApp()
    async with app.run_test(size=(160, 50)) as pilot:
        view = app.query_one(DetailView)
        index = line_of(view, ("userAgent",))
        await pilot.pause()
        strip = view.render_line(index + 1)
        assert "\\u001b[2J" in strip.text and "\\x9b" in strip.text and "\\u202e" in strip.text
        for segment in strip:
            assert not any(ch in segment.text for ch in "\x1b\x9b\u202e")


async def test_keys_scroll_and_clamp() -> None:
    record = {f"key{i:03d}": i for i in range(300)}
    app = DetailApp(record)
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.query_one(DetailView)
        await pilot.press("G")
        assert view.cursor_line == 301 and view.scroll_y == view.max_scroll_y
        bottom = view.scrollable_content_region.height - 1
        assert view.render_line(bottom).text.rstrip() == "}"
        assert '"key299": 299' in view.render_line(bottom - 1).text
        await pilot.press("j", "g", "k")
        assert view.cursor_line == 0 and view.scroll_y == 0
        await pilot.press("pagedown")
        assert view.cursor_line == view.scrollable_content_region.height - 1
        await pilot.click(DetailView, offset=(4, 3))
        assert view.cursor_line == round(view.scroll_y) + 2
        assert all(len(view.render_line(y).text) == view.scrollable_content_region.width for y in range(23))


async def test_long_line_is_cut_with_a_marker_but_copied_whole() -> None:
    huge = "x" * 12_000_000
    app = DetailApp({"eventName": "PutObject", "requestParameters": {"body": huge}})
    async with app.run_test(size=(160, 50)) as pilot:
        view = app.query_one(DetailView)
        index = line_of(view, ("requestParameters", "body"))
        strip = view.render_line(index + 1)
        prefix = '    "body": "'
        hidden = len(huge) - (MAX_LINE_CHARS - len(prefix))  # the string's characters not drawn
        assert f"… ({hidden:,} more chars)" not in strip.text  # the marker is beyond the screen edge…
        assert view.virtual_size.width < MAX_LINE_CHARS + 100  # …and the line is only that wide
        view.scroll_to(x=view.max_scroll_x, animate=False)
        await pilot.pause()
        assert f"… ({hidden:,} more chars)" in view.render_line(index + 1).text
        view.move_cursor(index)
        await pilot.press("v")
        await pilot.pause()
        assert app.seen[-1].text == huge


async def test_many_lines_are_counted_in_the_background() -> None:
    record = {"items": [{"id": i, "name": f"n{i}"} for i in range(FIRST_SCAN // 4 + 1000)]}
    app = DetailApp(record)
    async with app.run_test(size=(160, 50)) as pilot:
        view = app.query_one(DetailView)
        view.set_record(record, "again")
        assert view.line_count == FIRST_SCAN and not view.is_complete  # a worker counts the rest
        await pilot.press("y", "v")  # copying may start before counting has finished
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert view.is_complete
        expected = pretty_text(record)
        assert sorted((m.what, m.text == expected) for m in app.seen) == [("event", True), ("value", True)]
        reference = pretty_lines(record)
        assert view.line_count == len(reference)
        assert [view.line(i) for i in range(view.line_count)] == reference
        await pilot.press("G")
        assert view.cursor_line == len(reference) - 1
        assert view.render_line(view.scrollable_content_region.height - 1).text.rstrip() == "}"
        # A new record replaces a stale background result.
        view.set_record({"a": 1}, "other")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert [view.line(i).text for i in range(view.line_count)] == ["{", '  "a": 1', "}"]


async def test_placeholder_without_a_record() -> None:
    app = DetailApp(record=None)
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.query_one(DetailView)
        assert view.check_action("copy_event", ()) is None
        await pilot.press("y", "v", "p", "f", "j")
        await pilot.pause()
        assert app.seen == []
        assert any("No event selected" in view.render_line(y).text for y in range(24))


def test_snapshot_detail(snap_compare) -> None:
    """You should see a title line "trail.json · line 1 · event 7f3a" with `.userIdentity.arn  5/32` on
    the right, the record as jq-style JSON with keys, strings, numbers, booleans and null in different
    colours, the cursor on the "arn" line, and the user agent's control characters shown as \\u001b, \\x9b
    and \\u202e text."""
    # Four lines down: { → eventVersion → userIdentity { → type → arn.
    assert snap_compare(DetailApp(), press=["j", "j", "j", "j"], terminal_size=(100, 40))
