"""Choose the table's columns: the extracted fields, the projection's columns, and any jq path."""

from __future__ import annotations

from typing import Optional

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, SelectionList
from textual.widgets.selection_list import Selection

from ...engine import jq
from ...engine.columns import DEFAULT_COLUMNS, EXTRA_COLUMNS, FIELD_COLUMNS, Column, default_columns
from ...engine.prelude import PRELUDE


class ColumnsScreen(ModalScreen[Optional[list[Column]]]):
    """A checklist of columns plus an input that adds a jq path as a column."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="columns-cancel"),
        Binding("ctrl+s", "apply", "Apply", id="columns-apply"),
    ]

    def __init__(self, current: Optional[list[Column]], path_counts: dict[str, int]) -> None:
        super().__init__()
        self.current = current or default_columns()
        self.path_counts = path_counts

    def compose(self) -> ComposeResult:
        chosen = {c.key for c in self.current}
        options: list[Selection] = []
        seen: set[str] = set()
        for column in self.current:
            options.append(Selection(column.label, column.key, True))
            seen.add(column.key)
        for column in DEFAULT_COLUMNS + EXTRA_COLUMNS:
            if column.key not in seen:
                options.append(Selection(column.label, column.key, column.key in chosen))
                seen.add(column.key)
        with Vertical(id="columns-dialog"):
            yield Label("Columns · space toggles · Enter in the box adds a jq path · Ctrl+S applies")
            yield SelectionList[str](*options, id="columns-list")
            yield Input(placeholder=".requestParameters.bucketName", id="columns-path")

    @on(Input.Submitted, "#columns-path")
    def _add_path(self, event: Input.Submitted) -> None:
        path = event.value.strip()
        if not path:
            self.action_apply()
            return
        try:
            jq.compile_program(path, prelude=PRELUDE)
        except jq.JqCompileError as err:
            self.notify(f"Not a jq expression: {err.reason}", severity="error", markup=False)
            return
        self.query_one(SelectionList).add_option(Selection(path, path, True))
        event.input.value = ""

    def action_apply(self) -> None:
        selection = self.query_one(SelectionList)
        known = {**FIELD_COLUMNS, **{c.key: c for c in self.current}}
        self.dismiss([known.get(key) or Column(key, key) for key in selection.selected])

    def action_cancel(self) -> None:
        self.dismiss(None)
