"""The event table's data: a view (rows of the store in display order) and how to draw each row.

The table widget asks only for the rows on screen, so a view of a million rows costs nothing until drawn.
Default columns read the store's extracted fields; a projection filter (``[.eventTime, .eventName]``)
evaluates the projection for visible rows only, with a small cache.
"""

from __future__ import annotations

from array import array
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Optional, Sequence

from ..engine import jq
from ..engine.query import EventQuery, cells_of
from ..engine.store import EventStore

DEFAULT_COLUMNS: tuple[tuple[str, str, Optional[int]], ...] = (
    ("time", "Time", 20),
    ("event", "Event", 28),
    ("source", "Source", 22),
    ("actor", "Actor", 30),
    ("account", "Account", 12),
    ("region", "Region", 14),
    ("ip", "Source IP", 16),
    ("error", "Error", 16),
    ("agent", "User agent", 40),
)
"""(field, label, width) of the default columns (rule R2 for the actor)."""

EXTRA_FIELDS: dict[str, str] = {
    "read_only": "Read only",
    "event_id": "Event ID",
    "actor_key": "Actor key",
    "ip_key": "IP key",
}
"""Other extracted fields the column chooser offers."""


@dataclass(frozen=True)
class Column:
    """One table column: ``key`` is a field name, ``#n`` for projection cell n, or a jq path."""

    key: str
    label: str
    width: Optional[int] = None


def cell_text(value: Any) -> str:
    """How a JSON value shows in a cell: strings raw, null empty, everything else as compact JSON."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    return jq.dumps(value)


class StoreTableModel:
    """A view over the store for :class:`~trailtui.ui.widgets.event_table.EventTable`."""

    def __init__(
        self,
        store: EventStore,
        rows: Sequence[int],
        columns: Sequence[Column],
        query: Optional[EventQuery] = None,
    ) -> None:
        self.store = store
        self.rows = rows
        self.columns = list(columns)
        self.query = query
        self._cache: OrderedDict[int, list[str]] = OrderedDict()
        self._path_programs: dict[str, Any] = {}

    def __len__(self) -> int:
        return len(self.rows)

    def row_id(self, pos: int) -> int:
        return self.rows[pos]

    def position_of(self, row_id: int) -> Optional[int]:
        """The view position of a store row, or None (a C-speed scan: ~1 ms per million rows)."""
        try:
            return self.rows.index(row_id)
        except ValueError:
            return None

    def cells(self, pos: int) -> list[str]:
        row = self.rows[pos]
        cached = self._cache.get(row)
        if cached is not None:
            return cached
        cells = self._compute(row)
        self._cache[row] = cells
        if len(self._cache) > 4096:
            self._cache.popitem(last=False)
        return cells

    def _compute(self, row: int) -> list[str]:
        store = self.store
        projected: Optional[list[Any]] = None
        record: Any = None
        out = []
        for column in self.columns:
            key = column.key
            if key.startswith("#"):
                if projected is None:
                    record = store.record(row) if record is None else record
                    projected = cells_of(self.query, record) or [] if self.query is not None else []
                index = int(key[1:])
                out.append(cell_text(projected[index]) if index < len(projected) else "")
            elif key.startswith("."):
                record = store.record(row) if record is None else record
                out.append(self._path_value(key, record))
            else:
                out.append(store.fields[key][row])
        return out

    def _path_value(self, path: str, record: Any) -> str:
        program = self._path_programs.get(path)
        if program is None:
            from ..engine.query import PRELUDE

            program = self._path_programs[path] = jq.compile_program(path, prelude=PRELUDE or None)
        try:
            return cell_text(next(iter(program.run(record)), None))
        except jq.JqRuntimeError as err:
            return f"error: {err}"

    def values(self, pos: int) -> list[Any]:
        """The row's cells as JSON values (for export: numbers stay numbers)."""
        row = self.rows[pos]
        if self.query is not None and any(c.key.startswith("#") for c in self.columns):
            projected = cells_of(self.query, self.store.record(row)) or []
            return [projected[int(c.key[1:])] if int(c.key[1:]) < len(projected) else None
                    for c in self.columns if c.key.startswith("#")]
        return list(self.cells(pos))


def default_columns() -> list[Column]:
    return [Column(key, label, width) for key, label, width in DEFAULT_COLUMNS]


def projection_columns(query: EventQuery) -> list[Column]:
    labels = query.columns or ["value"]
    return [Column(f"#{i}", label) for i, label in enumerate(labels)]


def as_array(rows: Sequence[int]) -> array:
    return rows if isinstance(rows, array) else array("I", rows)
