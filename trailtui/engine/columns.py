"""Columns of a view: which exist, what they are called, and how a value shows in a cell.

A column's ``key`` says where its values come from:

* a display field name (``time``, ``event``, ``actor`` … — ``identity.ROW_FIELDS``), extracted once at load;
* ``#n``: the n-th cell of the filter's projection (``[.eventTime, .eventName]`` gives ``#0`` and ``#1``);
* a jq path or any jq expression starting with ``.`` (``.requestParameters.bucketName``), run per event
  with the prelude in scope.

The screen, the CLI (``--columns``, ``--sort``) and export all resolve names here, so a column means the same
everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Sequence

from .errors import UsageError


@dataclass(frozen=True)
class Column:
    """One column: ``key`` (see the module docstring), the header ``label``, a fixed ``width`` or None.

    ``priority`` (lower first) decides which columns a narrow terminal keeps; ``min_width`` is the least
    a column is squeezed to before it is dropped from the screen (both only matter to the screen).
    """

    key: str
    label: str
    width: Optional[int] = None
    priority: int = 50
    min_width: int = 8

    @property
    def is_field(self) -> bool:
        return not self.key.startswith(("#", "."))

    @property
    def is_projected(self) -> bool:
        return self.key.startswith("#")

    @property
    def is_path(self) -> bool:
        return self.key.startswith(".")


DEFAULT_COLUMNS: tuple[Column, ...] = (
    Column("time", "Time", 20),
    Column("event", "Event", 28),
    Column("source", "Source", 22),
    Column("actor", "Actor", 30),
    Column("account", "Account", 12),
    Column("region", "Region", 14),
    Column("ip", "Source IP", 16),
    Column("error", "Error", 16),
    Column("agent", "User agent", 40),
)
"""The columns of ``trailtui query`` when the filter has no projection (rule R2 for the actor)."""

SCREEN_COLUMNS: tuple[Column, ...] = (
    Column("time", "Time", 20, priority=0, min_width=20),
    Column("event", "Event", None, priority=1, min_width=14),
    Column("actor", "Actor", None, priority=2, min_width=12),
    Column("origin_ip", "Source IP", None, priority=3, min_width=15),
    Column("outcome", "Outcome", None, priority=4, min_width=12),
    Column("source", "Source", None, priority=5, min_width=10),
    Column("region", "Region", None, priority=6, min_width=9),
    Column("account", "Account", None, priority=7, min_width=12),
    Column("client", "User agent", None, priority=8, min_width=12),
)
"""The screen's columns when the filter has no projection, in display order; a narrow terminal keeps the
lowest ``priority`` ones (Time, Event, Actor, Source IP, Outcome) and drops the rest from view.
Source IP and User agent fall back to enrichment fields, marked (``identity.ENRICHED_MARK``)."""

EXTRA_COLUMNS: tuple[Column, ...] = (
    Column("read_only", "Read only"),
    Column("event_id", "Event ID"),
    Column("actor_key", "Actor key"),
    Column("ip_key", "IP key"),
    Column("outcome", "Outcome"),
    Column("origin_ip", "Source IP or enriched"),
    Column("client", "User agent or enriched"),
    Column("request_id", "Request ID"),
)
"""Other extracted fields the column chooser and ``--columns`` offer."""

FIELD_COLUMNS: dict[str, Column] = {column.key: column for column in DEFAULT_COLUMNS + EXTRA_COLUMNS}
"""Every display-field column by name."""


def default_columns() -> list[Column]:
    return list(DEFAULT_COLUMNS)


def screen_columns() -> list[Column]:
    return list(SCREEN_COLUMNS)


def projection_columns(labels: Optional[Sequence[str]]) -> list[Column]:
    """Columns ``#0``, ``#1`` … for a projection's labels (one ``value`` column when it has none)."""
    return [Column(f"#{i}", label) for i, label in enumerate(labels or ["value"])]


def resolve(name: str) -> Column:
    """A column from a user's name: a display field (``actor``) or a jq path (``.requestParameters.key``).

    Raises :class:`UsageError` for anything else. A jq path is checked when it is first evaluated.
    """
    name = name.strip()
    column = FIELD_COLUMNS.get(name)
    if column is not None:
        return column
    if name.startswith("."):
        return Column(name, name)
    raise UsageError(
        f"unknown column {name!r}",
        f"use one of {', '.join(FIELD_COLUMNS)} or a jq path starting with '.'",
    )


def cell_text(value: Any) -> str:
    """How a JSON value shows in a cell: strings raw, null empty, everything else as compact JSON."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    from .jq import dumps

    return dumps(value)


def value_cells(value: Any) -> list[Any]:
    """One projection output as cells: an array's elements, an object's values, anything else one cell."""
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        return list(value.values())
    return [value]
