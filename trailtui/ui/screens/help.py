"""The help screen: every key binding of the screen below, grouped by section, plus a filter cheat sheet.

Nothing here is written by hand: the key table is read from the `BINDINGS` of the app, the screen and
every widget on it (with the user's keymap applied), so the footer, this screen and the code cannot
disagree.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widgets import Static


@dataclass(frozen=True)
class HelpEntry:
    """One line of the key table."""

    section: str
    keys: str
    """Key names as the footer shows them, e.g. `^f` or `up down`."""
    description: str
    tooltip: str = ""


CHEAT_SHEET: tuple[tuple[str, str], ...] = (
    ('.eventName == "ConsoleLogin"', "events whose name is ConsoleLogin (a bare condition keeps the true ones)"),
    ('select(outcome != "Success")', "failed or denied calls, failed console logins included (no errorCode there)"),
    ('select(.errorCode == "AccessDenied")', "one error code (the Outcome column shows it)"),
    ('select(.sourceIPAddress | startswith("10."))', "string tests: startswith, endswith, contains, test(regex)"),
    ('.Records[] | select(.eventSource == "s3.amazonaws.com")', "pipelines pasted from jq work on each file as-is"),
    ("[.eventTime, .eventName, .userIdentity.arn] | @tsv", "a projection: the table shows these columns instead"),
    ('select(actor_key == "role:111122223333:Admin")', "actor_key: who acted (the key the same-user pivot uses)"),
    ('select(ip_key == "ip:203.0.113.7")', "ip_key: the canonical source address (same-IP pivot)"),
    ('select(has_access_key("AKIAIOSFODNN7EXAMPLE"))', "events that use, mint or change this access key"),
    ('select(has_session("…"))', "events in this session or using credentials it minted"),
    ('select(has_resource("arn:aws:s3:::my-bucket"))', "events that name this resource"),
)
"""Example filters shown under "Filter language": (expression, what it does)."""

_SECTION_SPLIT = re.compile(r"[-.:/]")

SECTION_TITLES = {
    "eventtable": "Moving in the table",
    "detail": "Detail view",
    "narrow": "Pivot",
    "back": "Pivot",
    "quit": "General",
    "help": "General",
    "escape": "General",
    "open": "Files",
    "columns": "View",
    "choice": "Choice",
}
"""Headings a new user understands, for binding id prefixes that would read as code names."""


def _humanize(name: str) -> str:
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).split()
    return " ".join(words).capitalize() if words else name


def section_for(binding: Binding, node: DOMNode) -> str:
    """The section a binding is listed under.

    Its `group` description if it has one, else the prefix of its `id` (`pivot-user` → "Pivot"),
    else the declaring node's `BINDING_GROUP_TITLE`, else a name derived from the node.
    """
    if binding.group is not None and binding.group.description:
        return binding.group.description
    if binding.id:
        prefix = _SECTION_SPLIT.split(binding.id, maxsplit=1)[0]
        if prefix.lower() in ("app", "global", "general"):
            return "General"
        if prefix.lower() in SECTION_TITLES:
            return SECTION_TITLES[prefix.lower()]
        if prefix:
            return _humanize(prefix)
    title = getattr(node, "BINDING_GROUP_TITLE", None)
    if title:
        return title
    if isinstance(node, App):
        return "General"
    if isinstance(node, Screen):
        return "Screen"
    return _humanize(type(node).__name__)


def _own_actions(node: DOMNode) -> set[str]:
    """Actions bound by the project's own classes (not by Textual's built-in widgets)."""
    actions: set[str] = set()
    for cls in type(node).__mro__:
        if cls.__module__.split(".")[0] == "textual":
            continue
        for binding in cls.__dict__.get("BINDINGS", ()):
            if isinstance(binding, Binding):
                actions.add(binding.action)
            elif isinstance(binding, tuple) and len(binding) >= 2:
                actions.add(binding[1])
    return actions


def collect_help_entries(screen: Screen) -> list[HelpEntry]:
    """Read the help table from the bindings of `screen`'s app, `screen` itself and its widgets.

    Listed: bindings with a description that are not `system`, and that are either shown in the footer,
    declared by the project's own classes, or belong to the app (such as ^q quit). Keys bound to the
    same action in the same place are merged onto one line.
    """
    app = screen.app
    nodes: list[DOMNode] = [app, screen, *screen.walk_children(with_self=False)]
    merged: dict[tuple[str, type, str], tuple[list[str], Binding]] = {}
    keymap = getattr(app, "_keymap", None)
    for node in nodes:
        bindings_map = node._bindings.copy()
        if keymap:
            bindings_map.apply_keymap(keymap)
        own = _own_actions(node)
        for _key, binding in bindings_map:
            if binding.system or not binding.description:
                continue
            if not (binding.show or binding.action in own or node is app):
                continue
            section = section_for(binding, node)
            slot = (section, type(node), binding.action)
            display = app.get_key_display(binding)
            if slot not in merged:
                merged[slot] = ([], binding)
            keys = merged[slot][0]
            if display not in keys:
                keys.append(display)
    return [
        HelpEntry(section, " ".join(keys), binding.description, binding.tooltip)
        for (section, _cls, _action), (keys, binding) in merged.items()
    ]


def group_entries(entries: Iterable[HelpEntry]) -> dict[str, list[HelpEntry]]:
    """Entries by section, sections in order of first appearance, duplicates dropped."""
    sections: dict[str, list[HelpEntry]] = {}
    for entry in entries:
        listed = sections.setdefault(entry.section, [])
        if entry not in listed:
            listed.append(entry)
    return sections


class HelpScreen(ModalScreen[None]):
    """A modal listing the key bindings of the screen it was opened over, and filter examples."""

    BINDINGS = [
        Binding("escape,q,question_mark", "dismiss", "Close help", tooltip="Back to where you were.", id="help-close"),
    ]

    def __init__(self, entries: Sequence[HelpEntry] | None = None) -> None:
        """Create the screen.

        Args:
            entries: The key table; by default it is read from the screen below when the help opens.
        """
        super().__init__()
        self.entries: list[HelpEntry] = list(entries) if entries is not None else []
        """The key table shown (filled on compose when not given)."""
        self._entries_given = entries is not None

    def _screen_below(self) -> Screen | None:
        stack = self.app.screen_stack
        if self in stack:
            index = stack.index(self)
            return stack[index - 1] if index > 0 else None
        return stack[-1] if stack else None

    def compose(self) -> ComposeResult:
        if not self._entries_given:
            below = self._screen_below()
            self.entries = collect_help_entries(below) if below is not None else []
        with VerticalScroll(id="help-body") as body:
            body.border_title = "Keys"
            body.border_subtitle = "esc · q · ? close"
            key_width = max((len(entry.keys) for entry in self.entries), default=4)
            description_width = min(max((len(entry.description) for entry in self.entries), default=10), 30)
            for section, entries in group_entries(self.entries).items():
                yield Static(section, classes="help--section", markup=False)
                yield Static(
                    self._key_table(entries, key_width, description_width), classes="help--table"
                )
            yield Static("Filter language (jq)", classes="help--section", markup=False)
            yield Static(self._cheat_sheet(), classes="help--cheatsheet")

    def on_mount(self) -> None:
        self.query_one("#help-body").focus()

    @staticmethod
    def _key_table(entries: Sequence[HelpEntry], key_width: int, description_width: int) -> Table:
        table = Table.grid(padding=(0, 2))
        table.add_column(justify="right", no_wrap=True, width=key_width)
        table.add_column(width=description_width)
        table.add_column(ratio=1)
        for entry in entries:
            table.add_row(
                Text(entry.keys, style="bold"),
                Text(entry.description),
                Text(entry.tooltip, style="dim"),
            )
        return table

    @staticmethod
    def _cheat_sheet() -> Table:
        table = Table.grid(padding=(0, 0))
        table.add_column()
        for expression, meaning in CHEAT_SHEET:
            table.add_row(Text(expression, style="bold"))
            table.add_row(Text("    " + meaning, style="dim"))
        return table
