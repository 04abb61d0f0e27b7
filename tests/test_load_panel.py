"""LoadPanel through Pilot: load requests from the tree and the path input, progress, cancel, the list."""

from __future__ import annotations

from pathlib import Path

from textual.app import App, ComposeResult
from textual.message import Message
from textual.widgets import DirectoryTree, Input, OptionList, ProgressBar, Static

from trailtui.ui.widgets.load_panel import LoadPanel, format_progress, resolve_input

WIDGETS_TCSS = Path(__file__).resolve().parents[1] / "trailtui" / "ui" / "widgets.tcss"


def make_tree(root: Path) -> Path:
    (root / "logs" / "2024").mkdir(parents=True)
    for name in ("logs/a.json", "logs/b.json.gz", "logs/2024/c.json", "logs/notes.txt"):
        (root / name).write_text("{}")
    return root


class LoadHost(App[None]):
    CSS_PATH = str(WIDGETS_TCSS)

    def __init__(self, root: Path) -> None:
        super().__init__()
        self.root = root
        self.seen: list[Message] = []

    def compose(self) -> ComposeResult:
        yield LoadPanel(self.root)
        yield Static("table", id="table")

    @property
    def panel(self) -> LoadPanel:
        return self.query_one(LoadPanel)

    def on_load_panel_load_requested(self, message: LoadPanel.LoadRequested) -> None:
        self.seen.append(message)

    def on_load_panel_cancel_requested(self, message: LoadPanel.CancelRequested) -> None:
        self.seen.append(message)


def test_resolve_input(tmp_path, monkeypatch):
    root = make_tree(tmp_path)
    monkeypatch.setenv("HOME", str(root))
    assert resolve_input("logs/**/*.json", root) == ([root / "logs/2024/c.json", root / "logs/a.json"], "")
    assert resolve_input("~/logs/a.json", Path("/elsewhere")) == ([root / "logs/a.json"], "")
    assert resolve_input(f"'{root}/logs'", Path("/")) == ([root / "logs"], "")
    assert resolve_input("nothing*.json", root)[1] == "nothing matches nothing*.json"
    assert resolve_input("missing.json", root)[1].startswith("no such file")
    assert resolve_input("  ", root)[0] == []


def test_format_progress():
    assert format_progress(12, 2034, 340_000, 120_000.4) == (
        "12/2,034 files · 340,000 events · 120,000 ev/s · Esc cancels"
    )


async def test_typed_glob_posts_load_requested(tmp_path):
    root = make_tree(tmp_path)
    app = LoadHost(root)
    async with app.run_test(size=(120, 36)) as pilot:
        app.query_one("#load-path", Input).focus()
        await pilot.press(*"logs/*.json*", "enter")
        await pilot.pause()
        requests = [m for m in app.seen if isinstance(m, LoadPanel.LoadRequested)]
        assert [m.paths for m in requests] == [[root / "logs/a.json", root / "logs/b.json.gz"]]
        assert requests[0].control is app.panel


async def test_typed_path_that_matches_nothing_shows_why_and_posts_nothing(tmp_path):
    app = LoadHost(make_tree(tmp_path))
    async with app.run_test(size=(120, 36)) as pilot:
        app.query_one("#load-path", Input).focus()
        await pilot.press(*"nope/*.json", "enter")
        await pilot.pause()
        assert app.seen == []
        assert app.panel.message_text == "nothing matches nope/*.json"


async def test_enter_on_tree_nodes_requests_directories_and_files(tmp_path):
    root = make_tree(tmp_path)
    app = LoadHost(root)
    async with app.run_test(size=(120, 36)) as pilot:
        tree = app.query_one(DirectoryTree)
        tree.focus()
        await pilot.pause()
        await pilot.press("down", "enter")  # root → "logs": Enter loads the whole directory
        await pilot.pause()
        assert app.seen[-1].paths == [root / "logs"]
        await pilot.press("space")  # space opens it
        logs_node = tree.cursor_node
        for _ in range(100):  # the tree reads directories in a long-lived worker: poll its state
            if logs_node is not None and len(logs_node.children) == 4:
                break
            await pilot.pause(0.02)
        assert logs_node is not None and len(logs_node.children) == 4
        await pilot.press("down")  # the "2024" folder comes first
        await pilot.press("down", "enter")
        await pilot.pause()
        assert app.seen[-1].paths == [root / "logs" / "a.json"]


async def test_progress_cancel_and_finish(tmp_path):
    app = LoadHost(make_tree(tmp_path))
    async with app.run_test(size=(120, 36)) as pilot:
        panel = app.panel
        panel.query_one(Input).focus()
        await pilot.press("escape")  # not loading: Esc is not the panel's
        await pilot.pause()
        assert app.seen == []
        panel.show_progress(12, 2034, 1_000_000, 4_000_000, 340_000, 120_000)
        await pilot.pause()
        assert panel.has_class("-loading")
        assert panel.progress_text == "12/2,034 files · 340,000 events · 120,000 ev/s · Esc cancels"
        bar = panel.query_one(ProgressBar)
        assert (bar.progress, bar.total) == (1_000_000, 4_000_000)
        assert panel.query_one("#load-progress-area").display
        await pilot.press("escape")
        await pilot.pause()
        assert [type(m) for m in app.seen] == [LoadPanel.CancelRequested]
        panel.finish("cancelled after 340,000 events")
        await pilot.pause()
        assert not panel.has_class("-loading")
        assert not panel.query_one("#load-progress-area").display
        assert panel.message_text == "cancelled after 340,000 events"


async def test_sources_and_problems_listed(tmp_path):
    root = make_tree(tmp_path)
    app = LoadHost(root)
    async with app.run_test(size=(120, 36)) as pilot:
        panel = app.panel
        panel.add_source(root / "logs/a.json", 12345, "Records")
        panel.add_problem(root / "logs/notes.txt", "not JSON")
        await pilot.pause()
        listing = panel.query_one("#load-sources", OptionList)
        prompts = [str(listing.get_option_at_index(i).prompt) for i in range(listing.option_count)]
        assert prompts == ["logs/a.json  12,345 events · Records", "⚠ logs/notes.txt  not JSON"]
        assert panel.problems == [(root / "logs/notes.txt", "not JSON")]
        panel.clear()
        await pilot.pause()
        assert listing.option_count == 0 and panel.sources == []


async def test_hostile_file_names_and_messages_show_escaped(tmp_path):
    root = make_tree(tmp_path)
    evil = "evil\x1b]0;pwned\x07\u202ename.json"
    (root / evil).write_text("{}")
    app = LoadHost(root)
    async with app.run_test() as pilot:
        panel = app.panel
        panel.add_source(root / evil, 3, "records\x1b[2J")
        panel.add_problem(root / evil, "bad \x9b2J key [/x]")
        panel._set_message("no such file or directory: x\x1b[H")
        await pilot.pause()
        options = app.query_one("#load-sources", OptionList)
        shown = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        shown.append(panel.message_text)
        tree = app.query_one(DirectoryTree)
        await pilot.pause()
        labels = [tree.render_label(node, tree.rich_style, tree.rich_style).plain
                  for node in tree.root.children]
        for text in shown + labels:
            assert not any(ch in text for ch in "\x1b\x07\u202e\x9b"), repr(text)
        assert any("evil\\x1b]0;pwned" in text for text in labels)
        assert "[/x]" in shown[1]
