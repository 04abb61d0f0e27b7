"""The full selected event: pretty, highlighted, scrollable; copy the event, a value or its jq path."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer

from ..widgets.detail_view import DetailView


class DetailScreen(Screen):
    """Shows one record; Esc returns to the table where it was."""

    BINDINGS = [
        Binding("escape,q", "close", "Close", tooltip="Back to the event table", id="detail-close"),
    ]

    def __init__(self, record: Any, provenance: str, outcome: str = "", find_text: str = "") -> None:
        super().__init__()
        self.find_text = find_text
        """The main screen's find text, highlighted in the event ("" for none)."""
        self.record = record
        self.provenance = provenance
        self.outcome = outcome
        """The event's outcome (Success, Failure or the error code), shown first in the header."""

    def compose(self) -> ComposeResult:
        yield DetailView(id="detail")
        yield Footer()

    def on_mount(self) -> None:
        view = self.query_one(DetailView)
        view.find_text = self.find_text
        title = f"{self.outcome} · {self.provenance}" if self.outcome else self.provenance
        view.set_record(self.record, title)
        if self.outcome and self.outcome not in ("Success", "no outcome (Insight)"):
            view.add_class("-failed")
        view.focus()

    def action_close(self) -> None:
        self.app.pop_screen()

    @on(DetailView.CloseRequested)
    def _on_close(self) -> None:
        self.app.pop_screen()

    @on(DetailView.CopyRequested)
    def _on_copy(self, message: DetailView.CopyRequested) -> None:
        self.app.deliver_copy(message.text, 1, what=message.what)

    @on(DetailView.FilterRequested)
    def _on_filter(self, message: DetailView.FilterRequested) -> None:
        from ...engine import jq as jqlib
        from ..jsonlines import jq_path

        clause = f"select({jq_path(message.path)} == {jqlib.dumps(message.value)})"
        self.app.pop_screen()
        main = self.app.screen
        if hasattr(main, "narrow_with"):
            main.narrow_with(clause)
