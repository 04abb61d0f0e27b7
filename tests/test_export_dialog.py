"""ExportDialog through Pilot: availability, keyboard-only choices, file names and overwrite confirmation."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from textual.app import App, ComposeResult
from textual.widgets import Checkbox, Input, RadioButton, RadioSet, Static

from trailtui.ui.screens.export_dialog import (
    ConfirmScreen,
    ExportChoice,
    ExportDialog,
    default_export_path,
)

WIDGETS_TCSS = Path(__file__).resolve().parents[1] / "trailtui" / "ui" / "widgets.tcss"
NOW = datetime(2024, 5, 6, 7, 8, 9)


class DialogHost(App[None]):
    CSS_PATH = str(WIDGETS_TCSS)

    def __init__(self, dialog: ExportDialog) -> None:
        super().__init__()
        self.dialog = dialog
        self.results: list[ExportChoice | None] = []

    def compose(self) -> ComposeResult:
        yield Static("table")

    def on_mount(self) -> None:
        self.push_screen(self.dialog, self.results.append)


def test_default_path():
    assert default_export_path("tsv", Path("/w"), NOW) == Path("/w/trailtui-export-20240506-070809.tsv")
    assert default_export_path("records", Path("/w"), NOW).suffix == ".json"
    assert default_export_path("md", Path("/w"), NOW).suffix == ".md"


async def test_copy_defaults_and_disabled_entries():
    dialog = ExportDialog("copy", has_row=True, marked=0, view=120)
    app = DialogHost(dialog)
    async with app.run_test(size=(100, 44)) as pilot:
        await pilot.pause()
        assert dialog.query_one("#what-marked", RadioButton).disabled
        assert not dialog.query_one("#what-view", RadioButton).disabled
        assert "The whole view (120 rows)" in str(dialog.query_one("#what-view", RadioButton).label)
        assert not dialog.query(Input)  # no path for a copy
        assert "records" not in [fmt for fmt, _ in dialog.formats]
        await pilot.press("enter")  # RadioSet focused: Enter selects the highlighted "selected row"
        await pilot.press("tab", "tab", "enter")  # → format → Copy button
        await pilot.pause()
    assert app.results == [ExportChoice("row", "tsv", None, False)]


async def test_keyboard_only_file_export(tmp_path):
    dialog = ExportDialog("file", has_row=True, marked=3, view=1200, directory=tmp_path, now=NOW)
    app = DialogHost(dialog)
    async with app.run_test(size=(100, 44)) as pilot:
        await pilot.pause()
        assert dialog.what == "marked"  # marked rows preferred when there are some
        assert "The marked rows (3)" in str(dialog.query_one("#what-marked", RadioButton).label)
        await pilot.press("tab", "down", "down", "enter")  # format: TSV → CSV → JSON Lines
        await pilot.pause()
        path_input = dialog.query_one("#export-path", Input)
        assert path_input.value == str(tmp_path / "trailtui-export-20240506-070809.jsonl")
        await pilot.press("tab", "tab", "space")  # → path → provenance checkbox, tick it
        await pilot.press("tab", "enter")  # → Export
        await pilot.pause()
    assert app.results == [ExportChoice("marked", "jsonl", tmp_path / "trailtui-export-20240506-070809.jsonl", True)]


async def test_event_json_disables_formats_and_provenance(tmp_path):
    dialog = ExportDialog("file", has_row=True, marked=0, view=10, what="event", directory=tmp_path, now=NOW)
    app = DialogHost(dialog)
    async with app.run_test(size=(100, 44)) as pilot:
        await pilot.pause()
        assert dialog.query_one("#export-format", RadioSet).disabled
        assert dialog.query_one("#export-provenance", Checkbox).disabled
        assert dialog.fmt == "json"
        dialog.query_one("#export-path", Input).value = "event.json"
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert app.results == [ExportChoice("event", "json", tmp_path / "event.json", False)]


async def test_records_format_only_for_files_and_extension_follows(tmp_path):
    dialog = ExportDialog("file", has_row=False, marked=0, view=5, directory=tmp_path, now=NOW)
    app = DialogHost(dialog)
    async with app.run_test(size=(100, 44)) as pilot:
        await pilot.pause()
        assert dialog.what == "view"
        assert dialog.query_one("#what-row", RadioButton).disabled
        assert dialog.query_one("#what-event", RadioButton).disabled
        dialog.query_one("#format-records", RadioButton).value = True
        await pilot.pause()
        assert dialog.query_one("#export-path", Input).value.endswith("070809.json")
        assert dialog.query_one("#export-provenance", Checkbox).disabled
        dialog.query_one("#format-md", RadioButton).value = True
        await pilot.pause()
        assert dialog.query_one("#export-path", Input).value.endswith("070809.md")


async def test_existing_file_needs_confirmation(tmp_path):
    target = tmp_path / "out.tsv"
    target.write_text("keep me")
    dialog = ExportDialog("file", has_row=True, view=5, directory=tmp_path, now=NOW)
    app = DialogHost(dialog)
    async with app.run_test(size=(100, 44)) as pilot:
        await pilot.pause()
        dialog.query_one("#export-path", Input).value = "out.tsv"
        dialog.query_one("#export-path", Input).focus()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert app.results == []
        await pilot.press("enter")  # Cancel has the focus: Enter alone never overwrites
        await pilot.pause()
        assert app.screen is dialog and app.results == []
        assert "exists" in dialog.warning_text
        await pilot.press("enter")  # asks again
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await pilot.pause()
    assert app.results == [ExportChoice("view", "tsv", target, False)]
    assert target.read_text() == "keep me"  # the dialog itself writes nothing


async def test_bad_paths_are_refused_with_a_reason(tmp_path):
    dialog = ExportDialog("file", view=5, directory=tmp_path, now=NOW)
    app = DialogHost(dialog)
    async with app.run_test(size=(100, 44)) as pilot:
        await pilot.pause()
        path_input = dialog.query_one("#export-path", Input)
        for text, reason in (("", "Type a file name."), ("missing/dir/x.tsv", "No such directory"), (".", "is a directory")):
            path_input.value = text
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert reason in dialog.warning_text
            assert app.results == []
        await pilot.press("escape")
        await pilot.pause()
    assert app.results == [None]


async def test_nothing_to_export():
    dialog = ExportDialog("copy", has_row=False, marked=0, view=0)
    app = DialogHost(dialog)
    async with app.run_test(size=(100, 44)) as pilot:
        await pilot.pause()
        assert dialog.query_one("#export-ok").disabled
        assert "Nothing to export" in dialog.warning_text
        await pilot.press("enter")  # Cancel is focused
        await pilot.pause()
    assert app.results == [None]
