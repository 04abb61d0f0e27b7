"""A small modal to pick one of several values (``r`` on an S3 object: the object or its bucket)."""

from __future__ import annotations

from typing import Sequence

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from ...engine.textsafe import safe_text


class ChoiceScreen(ModalScreen[int | None]):
    """Lists ``options`` (plain text); dismisses with the chosen index, or None on Esc."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", tooltip="Close without choosing", id="choice-cancel")]

    def __init__(self, title: str, options: Sequence[str]) -> None:
        super().__init__()
        self.title_text = title
        self.options = list(options)

    def compose(self) -> ComposeResult:
        with Vertical(id="choice-dialog"):
            yield Label(safe_text(self.title_text), id="choice-title", markup=False)
            yield OptionList(*(Option(safe_text(text)) for text in self.options), id="choice-list")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option_index)

    def action_cancel(self) -> None:
        self.dismiss(None)
