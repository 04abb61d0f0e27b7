"""Pilot tests of the virtual EventTable over fake models (up to a million rows computed on demand)."""

from __future__ import annotations

from typing import Optional, Sequence

import pytest
from textual import events
from textual.app import App, ComposeResult
from textual.message import Message

from trailtui.ui.widgets.event_table import Column, EventTable

COLUMNS = [
    Column("time", "Time", 20),
    Column("event", "Event"),
    Column("user", "User"),
    Column("ip", "Source IP", 15),
]


class FakeModel:
    """Rows computed from their index: row ``pos`` shows event id ``ids[pos]``."""

    def __init__(self, ids: Sequence[int], columns: Sequence[Column] = COLUMNS, special: Optional[dict] = None):
        self.ids = ids
        self.columns = list(columns)
        self.special = special or {}
        self.cell_calls = 0

    def __len__(self) -> int:
        return len(self.ids)

    def cells(self, pos: int) -> list[str]:
        self.cell_calls += 1
        row_id = self.ids[pos]
        if row_id in self.special:
            return self.special[row_id]
        return [f"2024-01-01T00:{row_id % 60:02d}:00Z", f"Event{row_id}", f"user-{row_id % 97}", f"10.0.{row_id % 256}.1"]

    def row_id(self, pos: int) -> int:
        return self.ids[pos]


class IndexedModel(FakeModel):
    """A fake model that can look up an event's position (like a filter result with an index)."""

    def position_of(self, row_id: int) -> Optional[int]:
        try:
            return self.ids.index(row_id)
        except ValueError:
            return None


class TableApp(App[None]):
    """A host app that records the messages the table posts."""

    def __init__(self, model: FakeModel) -> None:
        super().__init__()
        self.model = model
        self.seen: list[Message] = []

    def compose(self) -> ComposeResult:
        yield EventTable(self.model, id="events")

    def on_event_table_cursor_moved(self, message: EventTable.CursorMoved) -> None:
        self.seen.append(message)

    def on_event_table_row_activated(self, message: EventTable.RowActivated) -> None:
        self.seen.append(message)

    def on_event_table_sort_requested(self, message: EventTable.SortRequested) -> None:
        self.seen.append(message)

    def on_event_table_marks_changed(self, message: EventTable.MarksChanged) -> None:
        self.seen.append(message)

    def of(self, kind: type) -> list:
        return [m for m in self.seen if isinstance(m, kind)]


def screen_text(table: EventTable) -> list[str]:
    """The text of every line the table draws right now."""
    return [table.render_line(y).text for y in range(table.scrollable_content_region.height)]


async def test_cursor_keys_move_cursor_row() -> None:
    app = TableApp(FakeModel(range(100)))
    async with app.run_test(size=(160, 50)) as pilot:
        table = app.query_one(EventTable)
        assert table.has_focus
        await pilot.press("j", "down", "j")
        assert table.cursor_row == 3
        await pilot.press("k", "up")
        assert table.cursor_row == 1
        await pilot.press("pagedown")
        assert table.cursor_row == 1 + 49  # a page: 50 lines minus the header
        await pilot.press("pageup")
        assert table.cursor_row == 1
        await pilot.press("G")
        assert table.cursor_row == 99
        await pilot.press("g")
        assert table.cursor_row == 0
        await pilot.press("end")
        assert table.cursor_row == 99
        await pilot.press("home", "up")
        assert table.cursor_row == 0
        await pilot.pause()
        moved = app.of(EventTable.CursorMoved)
        assert moved and moved[-1].pos == 0 and moved[-1].row_id == 0


async def test_million_rows_end_key_reaches_last_row() -> None:
    model = FakeModel(range(1_000_000))
    app = TableApp(model)
    async with app.run_test(size=(160, 50)) as pilot:
        table = app.query_one(EventTable)
        # Column widths come from a bounded sample, never from every row.
        assert model.cell_calls <= EventTable.WIDTH_SAMPLE + 100
        await pilot.press("G")
        assert table.cursor_row == 999_999
        assert table.cursor_row_id == 999_999
        assert table.scroll_y == table.max_scroll_y
        lines = screen_text(table)
        assert "Event999999" in lines[-1]
        assert lines[0].lstrip().startswith("Time")  # the header stays on top
        await pilot.press("up")
        assert table.cursor_row == 999_998
        await pilot.press("g")
        assert table.cursor_row == 0 and table.scroll_y == 0


async def test_sort_keys_post_sort_requests() -> None:
    app = TableApp(FakeModel(range(10)))
    async with app.run_test(size=(160, 50)) as pilot:
        table = app.query_one(EventTable)
        await pilot.press("s")
        await pilot.press("l")
        assert table.cursor_column_key == "event"
        await pilot.press("S")
        await pilot.pause()
        requests = app.of(EventTable.SortRequested)
        assert [(r.column_key, r.descending) for r in requests] == [("time", False), ("event", True)]
        # Once the app sorted descending, S toggles back to ascending; the header shows the arrow.
        table.sort_indicator = ("event", True)
        await pilot.pause()
        assert "Event ▼" in table.render_line(0).text
        await pilot.press("S")
        await pilot.press("h", "h")
        assert table.cursor_column == 0
        await pilot.pause()
        assert (app.of(EventTable.SortRequested)[-1].column_key, app.of(EventTable.SortRequested)[-1].descending) == (
            "event",
            False,
        )


async def test_header_click_requests_sort_and_toggles() -> None:
    app = TableApp(FakeModel(range(10)))
    async with app.run_test(size=(160, 50)) as pilot:
        table = app.query_one(EventTable)
        user_x = table._offsets[2] + 1
        await pilot.click(EventTable, offset=(user_x, 0))
        await pilot.pause()
        request = app.of(EventTable.SortRequested)[-1]
        assert (request.column_key, request.descending) == ("user", False)
        assert table.cursor_column == 2
        table.sort_indicator = ("user", False)
        await pilot.click(EventTable, offset=(user_x, 0))
        await pilot.pause()
        request = app.of(EventTable.SortRequested)[-1]
        assert (request.column_key, request.descending) == ("user", True)
        assert table.cursor_row == 0  # a header click is not a row click


async def test_row_click_and_activation() -> None:
    app = TableApp(FakeModel(range(100)))
    async with app.run_test(size=(160, 50)) as pilot:
        table = app.query_one(EventTable)
        await pilot.click(EventTable, offset=(5, 4))
        assert table.cursor_row == 3
        await pilot.press("enter")
        await pilot.double_click(EventTable, offset=(5, 6))
        await pilot.pause()
        activated = app.of(EventTable.RowActivated)
        assert [(m.pos, m.row_id) for m in activated] == [(3, 3), (5, 5)]
        assert activated[0].control is table


async def test_space_marks_and_unmarks() -> None:
    app = TableApp(FakeModel(list(range(500, 600))))
    async with app.run_test(size=(160, 50)) as pilot:
        table = app.query_one(EventTable)
        await pilot.press("j", "space", "j", "space")  # space marks and moves down
        assert table.marked == {501, 503}
        assert table.cursor_row == 4
        assert table.render_line(2).text.startswith("•")
        assert not table.render_line(3).text.startswith("•")
        await pilot.press("k", "space")
        assert table.marked == {501}
        await pilot.pause()
        assert [m.count for m in app.of(EventTable.MarksChanged)] == [1, 2, 1]


async def test_bookmarked_rows_show_their_sign_over_the_mark() -> None:
    app = TableApp(FakeModel(list(range(500, 600))))
    async with app.run_test(size=(160, 50)) as pilot:
        table = app.query_one(EventTable)
        await pilot.press("j", "space", "j", "space")  # marks 501 and 503
        table.show_bookmarks(frozenset({503, 505}))
        await pilot.pause()
        lines = {row: table.render_line(row - 500 + 1) for row in (500, 501, 503, 505)}  # line 0 is the header
        assert lines[500].text.startswith("  ") and lines[501].text.startswith("• ")
        assert lines[503].text.startswith("◆ ") and lines[505].text.startswith("◆ ")
        sign = table.get_component_rich_style("eventtable--bookmark", partial=True)
        assert list(lines[505])[0].style.color == sign.color
        marked = table.get_component_rich_style("eventtable--marked", partial=True)
        assert any(seg.style.color == marked.color for seg in list(lines[503])[1:])  # still shown as marked
        table.show_bookmarks(frozenset())
        await pilot.pause()
        assert table.render_line(6).text.startswith("  ")


async def test_set_model_keeps_selected_row_id() -> None:
    app = TableApp(IndexedModel(list(range(100))))
    async with app.run_test(size=(160, 50)) as pilot:
        table = app.query_one(EventTable)
        table.move_cursor(50)
        await pilot.pause()
        # A filter keeps even ids only: event 50 is now at position 25 and stays selected.
        table.set_model(IndexedModel(list(range(0, 100, 2))))
        assert (table.cursor_row, table.cursor_row_id) == (25, 50)
        assert table.placement == "kept selection"
        # A filter without event 50: the new view starts at its first row, scrolled to the top.
        table.set_model(IndexedModel(list(range(1, 21, 2))))
        assert (table.cursor_row, table.cursor_row_id, table.scroll_y) == (0, 1, 0)
        assert table.placement == "first row"
        table.move_cursor(3)
        # A model without position_of still keeps the event when it sits at the same position.
        table.set_model(FakeModel(list(range(1, 21, 2)) + [99]))
        assert table.cursor_row_id == 7
        table.set_model(FakeModel(list(range(40, 60))), keep_cursor_row_id=False)
        assert (table.cursor_row, table.cursor_row_id) == (0, 40)
        await pilot.pause()
        last = app.of(EventTable.CursorMoved)[-1]
        assert (last.pos, last.row_id) == (0, 40)


async def test_growing_view_keeps_earlier_rows_visible() -> None:
    """A view that grows while loading (earlier events sorted in above) never hides rows above the top."""
    app = TableApp(IndexedModel(list(range(10, 20))))
    async with app.run_test(size=(160, 50)) as pilot:
        table = app.query_one(EventTable)
        table.set_model(IndexedModel(list(range(0, 20))))  # untouched cursor: stays on the first row
        assert (table.cursor_row, table.scroll_y) == (0, 0)
        table.move_cursor(12)
        table.set_model(IndexedModel(list(range(-5, 20))))  # the user's event stays selected and visible
        await pilot.pause()
        assert table.cursor_row_id == 12 and table.scroll_y == 0


async def test_set_model_at_million_rows_keeps_event_and_screen_line() -> None:
    app = TableApp(FakeModel(range(1_000_000)))
    async with app.run_test(size=(160, 50)) as pilot:
        table = app.query_one(EventTable)
        table.move_cursor(600_009)
        await pilot.pause()
        line_before = table.cursor_row - round(table.scroll_y)
        table.set_model(IndexedModel(range(1, 1_000_000, 2)))  # range.index is O(1)
        assert (table.cursor_row, table.cursor_row_id) == (300_004, 600_009)
        await pilot.pause()
        assert table.cursor_row - round(table.scroll_y) == line_before


async def test_empty_message_shows() -> None:
    app = TableApp(FakeModel(range(5)))
    async with app.run_test(size=(160, 50)) as pilot:
        table = app.query_one(EventTable)
        table.empty_message = "No events match · Esc clears the filter"
        table.set_model(FakeModel([]))
        await pilot.pause()
        assert table.cursor_row_id is None
        lines = screen_text(table)
        hits = [line for line in lines if "No events match · Esc clears the filter" in line]
        assert len(hits) == 1
        assert lines[0].lstrip().startswith("Time")
        text = hits[0]
        left = len(text) - len(text.lstrip())
        right = len(text) - len(text.rstrip())
        assert abs(left - right) <= 1
        await pilot.press("j", "G", "space", "enter", "s")  # nothing to act on: each key says why
        assert table.marked == set()
        await pilot.pause()
        said = [n.message for n in app._notifications]
        assert any("Nothing to mark" in m for m in said) and any("Nothing to open" in m for m in said)
        assert any("Nothing to sort" in m for m in said)
        last = app.of(EventTable.CursorMoved)[-1]
        assert last.row_id is None
        table.set_model(FakeModel(range(5)))
        assert table.check_action("sort", ()) is True


async def test_control_characters_render_escaped() -> None:
    evil = ["\x1b[2J\x07\x1b]52;c;aGk=", "Get\u202eObject", "line\nbreak", "\x9b31m"]
    model = FakeModel(range(3), special={1: evil})
    app = TableApp(model)
    async with app.run_test(size=(250, 20)) as pilot:
        table = app.query_one(EventTable)
        await pilot.pause()
        row = table.render_line(2)
        text = row.text
        assert "\\x1b[2J" in text and "\\x07" in text and "\\u202e" in text and "\\n" in text and "\\x9b" in text
        for segment in row:
            assert not any(ch in segment.text for ch in "\x1b\x07\n\u202e\x9b")
        widths = table.column_widths
        assert widths[0] == 20  # fixed width honoured
        assert widths[1] >= len("Get\\u202eObject")  # sampled width measures the escaped text


async def test_small_terminal_scrolls_horizontally_with_sticky_header() -> None:
    wide = [Column(f"c{i}", f"Column {i}", 12) for i in range(12)]
    model = FakeModel(range(1000), columns=wide, special={})
    model.cells = lambda pos: [f"r{pos}c{i}" for i in range(12)]  # type: ignore[method-assign]
    app = TableApp(model)
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(EventTable)
        assert table.virtual_size.width > 80
        for _ in range(11):
            await pilot.press("right")
        assert table.cursor_column == 11
        assert table.scroll_x > 0
        assert "Column 11" in table.render_line(0).text
        await pilot.press("pagedown", "pagedown")
        assert table.scroll_y > 0
        header = table.render_line(0).text
        assert "Column 11" in header  # the header did not scroll away
        assert "r" + str(table.cursor_row) + "c11" in " ".join(screen_text(table))
        await pilot.press("G")
        assert table.cursor_row == 999
        assert len(table.render_line(1).text) == table.scrollable_content_region.width
        await pilot.press("home", "h")
        assert table.cursor_column == 10


async def test_mouse_wheel_scrolls_without_moving_the_cursor() -> None:
    app = TableApp(FakeModel(range(1000)))
    async with app.run_test(size=(160, 50)) as pilot:
        table = app.query_one(EventTable)
        for _ in range(3):
            table.post_message(events.MouseScrollDown(table, 5, 5, 0, 1, 0, False, False, False))
        await pilot.pause()
        assert table.scroll_y > 0 and table.cursor_row == 0
        top = round(table.scroll_y)
        assert f"Event{top}" in table.render_line(1).text  # row `top` is drawn right under the header
        assert table.render_line(0).text.lstrip().startswith("Time")


def test_cursor_moved_can_replace_only_its_own_kind() -> None:
    first = EventTable.CursorMoved(1, 1)
    assert first.can_replace(EventTable.CursorMoved(2, 2))
    assert not first.can_replace(EventTable.MarksChanged(1))


@pytest.mark.parametrize("size", [(80, 24), (250, 60)])
async def test_draws_at_any_size(size: tuple[int, int]) -> None:
    app = TableApp(FakeModel(range(100_000)))
    async with app.run_test(size=size) as pilot:
        table = app.query_one(EventTable)
        await pilot.press("pagedown")
        lines = screen_text(table)
        assert all(len(line) == table.scrollable_content_region.width for line in lines)
        assert f"Event{table.cursor_row}" in " ".join(lines)


def test_snapshot_table(snap_compare) -> None:
    """You should see a header (Time UTC, Event ▼, User, Source IP) with the Event column highlighted, rows
    Event0…Event47 with zebra stripes, rows 2 and 4 marked with • in the gutter, the cursor on row 4,
    and row 1 holding `\\x1b[2J` and `\\u202e` as visible text."""

    class SnapApp(TableApp):
        def on_mount(self) -> None:
            self.query_one(EventTable).sort_indicator = ("event", True)

    model = FakeModel(range(10_000), special={1: ["\x1b[2J", "Get\u202eObject", "evil", "1.2.3.4"]})
    # j j space: mark row 2 (space moves down); j space: mark row 4; k: back on row 4; l: cursor column on Event.
    assert snap_compare(SnapApp(model), press=["j", "j", "space", "j", "space", "k", "l"], terminal_size=(160, 50))


class OutcomeModel(FakeModel):
    """Rows with outcomes: every third event failed, every fifth denied."""

    def outcome(self, pos: int) -> str:
        row_id = self.ids[pos]
        return "AccessDenied" if row_id % 5 == 0 else "Failure" if row_id % 3 == 0 else "Success"


NARROW_COLUMNS = [
    Column("time", "Time", 20, priority=0, min_width=20),
    Column("event", "Event", None, priority=1, min_width=10),
    Column("user", "User", None, priority=2, min_width=10),
    Column("ip", "Source IP", None, priority=3, min_width=15),
]


async def test_narrow_terminal_squeezes_columns_and_marks_every_cut() -> None:
    """At 50 columns no value is cut silently: a squeezed cell ends in …, the screen's edge shows … or ›."""
    model = FakeModel(range(50), columns=NARROW_COLUMNS, special={0: ["2024-01-01T00:00:00Z", "AttachUserPolicy" * 2,
                                                                     "glitch-the-long-user-name", "53.94.201.69"]})
    app = TableApp(model)
    async with app.run_test(size=(50, 12)) as pilot:
        table = app.query_one(EventTable)
        await pilot.pause()
        widths = table.column_widths
        assert widths[0] == 20 and widths[1] >= 10 and widths[2] >= 10  # squeezed, time never cut
        first = table.render_line(1).text
        assert "AttachUserPo" in first and "…" in first
        assert "glitch-the-long-user-name" not in first
        # The Source IP column lies past the edge: the header says more columns follow.
        assert table.render_line(0).text.rstrip().endswith("›")
        assert table.columns_off_screen == ["Source IP"]
        # Widening a column with > squeezes what follows; < gives it back.
        await pilot.press("l", ">")
        assert table.column_widths[1] == widths[1] + 4
        await pilot.press("<", "<")
        assert table.column_widths[1] == widths[1] - 4
        # Scrolled to the last column, a value cut by the left edge starts with …, never a bare prefix.
        await pilot.press("l", "l")
        for y in range(1, 5):
            line = table.render_line(y).text
            assert "53.94.201.6" not in line or "53.94.201.69" in line


async def test_failed_and_denied_rows_are_coloured() -> None:
    app = TableApp(OutcomeModel(range(20)))
    async with app.run_test(size=(160, 20)) as pilot:
        table = app.query_one(EventTable)
        await pilot.pause()
        ok, failed, denied = table.render_line(3), table.render_line(4), table.render_line(6)  # ids 2, 3, 5
        colour = lambda strip: {seg.style.color for seg in strip if seg.text.strip()}  # noqa: E731
        bold = lambda strip: any(seg.style.bold for seg in strip if seg.text.strip())  # noqa: E731
        assert colour(ok) != colour(failed) and colour(failed) != colour(denied)
        assert bold(denied) and not bold(ok)


async def test_time_key_cycles_utc_local_and_gaps(monkeypatch) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    import time as _time

    _time.tzset()
    try:
        app = TableApp(FakeModel(range(5)))
        async with app.run_test(size=(160, 20)) as pilot:
            table = app.query_one(EventTable)
            assert "Time UTC" in table.render_line(0).text
            assert "2024-01-01T00:01:00Z" in table.render_line(2).text
            await pilot.press("t")
            assert "EST UTC-05:00" in table.render_line(0).text
            assert "2023-12-31 19:01:00" in table.render_line(2).text
            await pilot.press("t")
            assert "Gap to row above" in table.render_line(0).text
            assert "2024-01-01T00:00:00Z" in table.render_line(1).text  # the first row: where gaps start
            assert "+1m00s" in table.render_line(2).text
            await pilot.press("t")
            assert "Time UTC" in table.render_line(0).text
    finally:
        monkeypatch.delenv("TZ")
        _time.tzset()
