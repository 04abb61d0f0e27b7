"""HelpScreen: built from the bindings of the screen below, grouped, with the filter cheat sheet."""

from __future__ import annotations

from pathlib import Path

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import Footer, Static

from trailtui.ui.screens.help import CHEAT_SHEET, HelpEntry, HelpScreen, group_entries, section_for
from trailtui.ui.widgets.filter_bar import FilterBar

WIDGETS_TCSS = Path(__file__).resolve().parents[1] / "trailtui" / "ui" / "widgets.tcss"


class FakeTable(Widget, can_focus=True):
    """Stands in for the event table, with bindings of its own."""

    BINDINGS = [
        Binding("u", "pivot_user", "Same user", tooltip="Show events by this actor", id="pivot-user"),
        Binding("i", "pivot_ip", "Same IP", tooltip="Show events from this source IP", id="pivot-ip"),
        Binding("space", "mark", "Mark row", id="table-mark", show=False),
        Binding("home,g", "first", "First row", id="table-first", show=False),
    ]

    def action_pivot_user(self) -> None: ...
    def action_pivot_ip(self) -> None: ...
    def action_mark(self) -> None: ...
    def action_first(self) -> None: ...


class HelpHost(App[None]):
    CSS_PATH = str(WIDGETS_TCSS)
    BINDINGS = [
        Binding("question_mark,f1", "help", "Help", tooltip="Show every key", id="app-help"),
        Binding("ctrl+e", "export", "Export…", tooltip="Save rows to a file", id="export-file"),
        Binding("y", "copy", "Copy", id="export-copy", group=Binding.Group("Clipboard")),
    ]

    def __init__(self, history_path: Path) -> None:
        super().__init__()
        self.history_path = history_path

    def compose(self) -> ComposeResult:
        yield FilterBar(history_path=self.history_path)
        yield FakeTable()
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(FakeTable).focus()

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_export(self) -> None: ...
    def action_copy(self) -> None: ...


def all_host_bindings() -> list[Binding]:
    return [
        *[b for b in HelpHost.BINDINGS if isinstance(b, Binding)],
        *FakeTable.BINDINGS,
        *FilterBar.BINDINGS,
    ]


def help_text(screen: HelpScreen) -> str:
    return "\n".join(strip.text for strip in screen._compositor.render_strips())


async def test_lists_every_binding_of_the_host_with_description(tmp_path):
    app = HelpHost(tmp_path / "h")
    async with app.run_test(size=(140, 60)) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, HelpScreen)
        listed = {(entry.description, entry.tooltip) for entry in screen.entries}
        for binding in all_host_bindings():
            assert (binding.description, binding.tooltip) in listed, binding
        # Textual's own widget internals (Input cursor moves, tree toggles) are not listed.
        assert not any(entry.description == "Move cursor left" for entry in screen.entries)
        # Several keys for one action share a line, shown the way the footer shows them.
        by_description = {entry.description: entry for entry in screen.entries}
        assert by_description["Help"].keys == "? f1"
        assert by_description["First row"].keys == "home g"
        assert by_description["Export…"].keys == "^e"
        assert by_description["Quit"].keys == "^q"
        text = help_text(screen)
        for binding in all_host_bindings():
            assert binding.description in text


async def test_sections_come_from_group_id_prefix_or_widget(tmp_path):
    app = HelpHost(tmp_path / "h")
    async with app.run_test(size=(140, 60)) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        sections = group_entries(app.screen.entries)
        assert [e.description for e in sections["Pivot"]] == ["Same user", "Same IP"]
        assert [e.description for e in sections["Clipboard"]] == ["Copy"]  # Binding.group wins
        assert "Export…" in [e.description for e in sections["Export"]]
        assert "Help" in [e.description for e in sections["General"]]  # id "app-…"
        assert "Complete field" in [e.description for e in sections["Filter"]]


async def test_keymap_changes_show_in_help(tmp_path):
    app = HelpHost(tmp_path / "h")
    async with app.run_test(size=(140, 60)) as pilot:
        app.set_keymap({"pivot-user": "ctrl+u"})
        await pilot.press("f1")
        await pilot.pause()
        entry = next(e for e in app.screen.entries if e.description == "Same user")
        assert entry.keys == "^u"


async def test_cheat_sheet_and_closing_keys(tmp_path):
    app = HelpHost(tmp_path / "h")
    async with app.run_test(size=(140, 60)) as pilot:
        for key in ("escape", "q", "question_mark"):
            await pilot.press("f1")
            await pilot.pause()
            assert isinstance(app.screen, HelpScreen)
            text = help_text(app.screen)
            for fragment in ("Filter language", "select(outcome != \"Success\")", "@tsv", "actor_key", "ip_key",
                             "has_access_key(", "has_session(", "has_resource(", ".Records[] |"):
                assert fragment in text, fragment
            await pilot.press(key)
            await pilot.pause()
            assert not isinstance(app.screen, HelpScreen), key


def test_cheat_sheet_examples_are_valid_jq():
    """Every example compiles in the reference jq (with stand-ins for trailtui's extra functions)."""
    import jq

    prelude = (
        'def actor_key: "a"; def ip_key: "i"; def has_access_key($k): false; '
        "def has_session($s): false; def has_resource($r): false; def outcome: \"Success\"; "
    )
    for expression, _meaning in CHEAT_SHEET:
        jq.compile(prelude + expression.replace("…", "x"))


def test_explicit_entries_and_section_rules():
    screen = HelpScreen([HelpEntry("Keys", "x", "Do x")])
    assert screen.entries == [HelpEntry("Keys", "x", "Do x")]
    widget = FakeTable()
    assert section_for(Binding("a", "b", "c", id="pivot-user"), widget) == "Pivot"
    assert section_for(Binding("a", "b", "c"), widget) == "Fake table"
    assert section_for(Binding("a", "b", "c", group=Binding.Group("Move")), widget) == "Move"


def test_snapshot_help(snap_compare, tmp_path):
    """You should see a centred "Keys" box over a dimmed app: sections General (^q Quit, ? f1 Help,
    ^p palette), Export, Clipboard, Filter (↑ ↓ tab ^space esc), Pivot (u Same user, i Same IP) and Table
    (space, home g), keys right-aligned in bold, then descriptions and dim tooltips in aligned columns;
    then "Filter language (jq)": each example expression in bold with its meaning dimmed and indented on
    the line below; "esc · q · ? close" on the bottom border."""
    app = HelpHost(tmp_path / "h")
    assert snap_compare(app, press=["f1"], terminal_size=(120, 50))
