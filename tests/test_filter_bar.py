"""FilterBar through Pilot: the messages it posts, history, the error caret and field completion."""

from __future__ import annotations

from pathlib import Path

from textual.app import App, ComposeResult
from textual.message import Message
from textual.widgets import OptionList, Static

from trailtui.ui.widgets.filter_bar import FilterBar, caret_line, format_result

WIDGETS_TCSS = Path(__file__).resolve().parents[1] / "trailtui" / "ui" / "widgets.tcss"

PATHS = {
    ".eventName": 5000,
    ".requestParameters.bucketName": 1234,
    ".requestParameters.key": 99,
    '.requestParameters."x-amz-acl"': 7,
    ".userIdentity.arn": 4000,
}


class FilterHost(App[None]):
    """A filter bar above a stand-in table, recording the bar's messages."""

    CSS_PATH = str(WIDGETS_TCSS)

    def __init__(self, history_path: Path, value: str = "") -> None:
        super().__init__()
        self.history_path = history_path
        self.value = value
        self.seen: list[Message] = []

    def compose(self) -> ComposeResult:
        yield FilterBar(self.value, history_path=self.history_path)
        yield Static("\n".join(f"row {n}" for n in range(40)), id="table")

    def on_mount(self) -> None:
        bar = self.query_one(FilterBar)
        bar.input.cursor_blink = False
        bar.set_paths(PATHS)
        bar.focus()

    @property
    def bar(self) -> FilterBar:
        return self.query_one(FilterBar)

    def on_filter_bar_changed(self, message: FilterBar.Changed) -> None:
        self.seen.append(message)

    def on_filter_bar_submitted(self, message: FilterBar.Submitted) -> None:
        self.seen.append(message)

    def on_filter_bar_dismissed(self, message: FilterBar.Dismissed) -> None:
        self.seen.append(message)


def screen_lines(app: App) -> list[str]:
    return [strip.text for strip in app.screen._compositor.render_strips()]


def test_format_result():
    assert format_result(1234, 1_000_000, 38.2) == "1,234 of 1,000,000 events · 38 ms"
    assert format_result(0, 5, 0.44, "12 events raised:\nnumber (3) cannot be matched") == (
        "0 of 5 events · 0.4 ms · 12 events raised: number (3) cannot be matched"
    )
    assert format_result(1, 1, 2500) == "1 of 1 events · 2.50 s"


def test_caret_line_places_and_clamps():
    assert caret_line(4, "bad", 40) == "    ^ bad"
    assert caret_line(-3, "bad", 40) == "◂ bad"
    assert caret_line(50, "bad", 40).endswith("▸")
    right = caret_line(35, "a long reason here", 40)
    assert right.index("^") == 35 and "a long reason" in right


async def test_typing_posts_changed_and_enter_submits_and_records(tmp_path):
    history_file = tmp_path / "history"
    app = FilterHost(history_file)
    async with app.run_test(size=(100, 20)) as pilot:
        await pilot.press(*".a", "b")
        await pilot.pause()
        changed = [m.text for m in app.seen if isinstance(m, FilterBar.Changed)]
        # Changed may coalesce under load, but the last one always carries the full text.
        assert changed and changed[-1] == ".ab"
        assert set(changed) <= {".", ".a", ".ab"}
        await pilot.press("enter")
        await pilot.pause()
        submitted = [m for m in app.seen if isinstance(m, FilterBar.Submitted)]
        assert [m.text for m in submitted] == [".ab"]
        assert submitted[0].control is app.bar
    assert history_file.read_text() == ".ab\n"


async def test_up_and_down_walk_history(tmp_path):
    history_file = tmp_path / "history"
    history_file.write_text('.one\nselect(.two)\n.three\n')
    app = FilterHost(history_file)
    async with app.run_test(size=(100, 20)) as pilot:
        await pilot.press(*"draft")
        await pilot.press("up")
        assert app.bar.value == ".three"
        await pilot.press("up", "up")
        assert app.bar.value == ".one"
        await pilot.press("up")  # nothing older
        assert app.bar.value == ".one"
        await pilot.press("down", "down")
        assert app.bar.value == ".three"
        await pilot.press("down")
        assert app.bar.value == "draft"
        await pilot.pause()
        # Recalling a filter is an edit like any other: the app is told.
        assert [m.text for m in app.seen if isinstance(m, FilterBar.Changed)][-1] == "draft"
        assert not app.bar.completing  # history recall never pops the field list


async def test_escape_posts_dismissed(tmp_path):
    app = FilterHost(tmp_path / "h")
    async with app.run_test(size=(100, 20)) as pilot:
        await pilot.press("escape")
        await pilot.pause()
        assert any(isinstance(m, FilterBar.Dismissed) for m in app.seen)


async def test_status_line_result_running_and_error_states(tmp_path):
    app = FilterHost(tmp_path / "h", value=".eventName")
    async with app.run_test(size=(100, 20)) as pilot:
        bar = app.bar
        bar.show_result(1234, 1_000_000, 38)
        bar.show_running()
        await pilot.pause()
        assert bar.has_class("-running")
        assert "1,234 of 1,000,000 events · 38 ms" in screen_lines(app)[1]
        assert "filtering…" in screen_lines(app)[1]
        bar.show_error(".eventName", 3, "boom")
        await pilot.pause()
        assert bar.has_class("-error") and not bar.has_class("-running")
        bar.clear_error()
        await pilot.pause()
        assert not bar.has_class("-error")
        assert bar.status_text == "1,234 of 1,000,000 events · 38 ms"


async def test_error_caret_sits_under_the_offending_character(tmp_path):
    expression = 'select(.eventName == "x") | .a ] | .b'
    app = FilterHost(tmp_path / "h", value=expression)
    async with app.run_test(size=(100, 20)) as pilot:
        position = expression.index("]")
        app.bar.show_error(expression, position, "syntax error, unexpected ']'")
        await pilot.pause()
        input_line, status_line = screen_lines(app)[0], screen_lines(app)[1]
        caret_column = status_line.index("^")
        assert input_line[caret_column] == "]"
        assert "syntax error, unexpected ']'" in status_line


async def test_error_caret_follows_horizontal_scrolling(tmp_path):
    expression = "." + "a" * 150 + " | ]"
    app = FilterHost(tmp_path / "h", value=expression)
    async with app.run_test(size=(80, 20)) as pilot:
        bar = app.bar
        bar.input.cursor_position = len(expression)  # scrolls the input to the end
        await pilot.pause()
        assert bar.input.scroll_x > 0
        bar.show_error(expression, len(expression) - 1, "unexpected ]")
        await pilot.pause()
        input_line, status_line = screen_lines(app)[0], screen_lines(app)[1]
        assert input_line[status_line.index("^")] == "]"
        # An offending character scrolled out of view on the left gets an edge marker instead.
        bar.show_error(expression, 0, "at the start")
        await pilot.pause()
        assert "◂ at the start" in screen_lines(app)[1]


async def test_completion_dropdown_lists_keys_with_counts_and_tab_inserts(tmp_path):
    app = FilterHost(tmp_path / "h")
    async with app.run_test(size=(100, 20)) as pilot:
        await pilot.press(*"select(.requestParameters.")
        await pilot.pause()
        bar = app.bar
        assert bar.completing
        dropdown = bar.query_one("#filter-completions", OptionList)
        assert dropdown.display
        prompts = [str(dropdown.get_option_at_index(i).prompt) for i in range(dropdown.option_count)]
        assert [p.split()[0] for p in prompts] == ["bucketName", "key", "x-amz-acl"]
        assert prompts[0].split()[1] == "1,234"
        assert any("bucketName  1,234" in line for line in screen_lines(app))
        await pilot.press("tab")
        await pilot.pause()
        assert bar.value == "select(.requestParameters.bucketName"
        assert bar.input.cursor_position == len(bar.value)
        assert not bar.completing


async def test_completion_arrow_keys_pick_and_quote_odd_keys(tmp_path):
    app = FilterHost(tmp_path / "h")
    async with app.run_test(size=(100, 20)) as pilot:
        await pilot.press(*".requestParameters.")
        await pilot.press("down", "down", "enter")  # third candidate, picked with Enter
        await pilot.pause()
        assert app.bar.value == '.requestParameters."x-amz-acl"'
        assert not any(isinstance(m, FilterBar.Submitted) for m in app.seen)
        await pilot.press("enter")  # list closed now: Enter submits
        await pilot.pause()
        assert [m.text for m in app.seen if isinstance(m, FilterBar.Submitted)] == [
            '.requestParameters."x-amz-acl"'
        ]


async def test_completion_narrows_while_typing_and_escape_closes_first(tmp_path):
    app = FilterHost(tmp_path / "h")
    async with app.run_test(size=(100, 20)) as pilot:
        await pilot.press(*".requestParameters.ke")
        await pilot.pause()
        # A prefix match ranks above a key merely containing the text (bucKEtName).
        assert [c.key for c in app.bar.completion_options] == ["key", "bucketName"]
        await pilot.press("backspace", "backspace", "x")
        await pilot.pause()
        assert [c.key for c in app.bar.completion_options] == ["x-amz-acl"]
        await pilot.press("escape")
        await pilot.pause()
        assert not app.bar.completing
        assert not any(isinstance(m, FilterBar.Dismissed) for m in app.seen)
        await pilot.press("escape")
        await pilot.pause()
        assert any(isinstance(m, FilterBar.Dismissed) for m in app.seen)


async def test_tab_without_a_path_moves_focus(tmp_path):
    class TwoInputs(FilterHost):
        def compose(self) -> ComposeResult:
            yield from super().compose()
            from textual.widgets import Input

            yield Input(id="other")

    app = TwoInputs(tmp_path / "h")
    async with app.run_test(size=(100, 20)) as pilot:
        await pilot.press(*"select(1)", "tab")
        await pilot.pause()
        assert app.focused is not None and app.focused.id == "other"


def test_bindings_have_descriptions_and_ids():
    for binding in FilterBar.BINDINGS:
        assert binding.description and binding.id and binding.tooltip


def test_snapshot_filter_error(snap_compare, tmp_path):
    """You should see the expression `select(.eventName == "GetObject") | .requestParameters.]` (not
    selected, cursor at the end) after a red "jq" prompt, and under it, in bold error red, a caret exactly
    below the stray `]` followed by "syntax error, unexpected ']'"; the bar's bottom rule is red."""

    async def show_error(pilot):
        bar = pilot.app.bar
        bar.input.action_end()  # focusing selects the whole expression; show it plainly
        text = bar.value
        bar.show_error(text, text.index("]"), "syntax error, unexpected ']'")
        await pilot.pause()

    app = FilterHost(tmp_path / "h", value='select(.eventName == "GetObject") | .requestParameters.]')
    assert snap_compare(app, run_before=show_error, terminal_size=(100, 12))
