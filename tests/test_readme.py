"""The README stays true: its test command is the one CI runs, and its key table covers every binding."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")

KEY_NAMES = {
    "slash": "/",
    "greater_than_sign": ">",
    "less_than_sign": "<",
    "ctrl+c": "Ctrl+C",
    "question_mark": "?",
    "backspace": "Backspace",
    "escape": "Esc",
    "enter": "Enter",
    "space": "Space",
    "down": "↓",
    "up": "↑",
    "left": "←",
    "right": "→",
    "pagedown": "PgDn",
    "pageup": "PgUp",
    "home": "Home",
    "end": "End",
    "tab": "Tab",
    "ctrl+space": "Ctrl+Space",
    "ctrl+f": "Ctrl+F",
    "full_stop": ".",
    "comma": ",",
    "minus": "-",
    "ctrl+s": "Ctrl+S",
}


def test_ci_runs_the_readme_test_command() -> None:
    blocks = re.findall(r"```sh\n(.*?)\n```", README, flags=re.S)
    assert len(blocks) >= 2
    test_command = blocks[1].strip()
    assert "pytest" in test_command
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command in ci.splitlines()


def _keys_section() -> str:
    start = README.index("## Keys")
    return README[start : README.index("\n## ", start + 1)]


@pytest.mark.parametrize("owner", ["MainScreen", "EventTable", "DetailView", "FilterBar"])
def test_every_binding_is_in_the_key_table(owner: str) -> None:
    from trailtui.ui.screens.main import MainScreen
    from trailtui.ui.widgets.detail_view import DetailView
    from trailtui.ui.widgets.event_table import EventTable
    from trailtui.ui.widgets.filter_bar import FilterBar

    cls = {"MainScreen": MainScreen, "EventTable": EventTable, "DetailView": DetailView, "FilterBar": FilterBar}[owner]
    section = _keys_section()
    missing = []
    for binding in cls.BINDINGS:
        for key in binding.key.split(","):
            shown = KEY_NAMES.get(key, key)
            if f"`{shown}`" not in section and f" `{shown}` " not in section and f"`{shown}`/" not in section:
                # keys listed together, e.g. `u` `i` `a`, or `j`/`k`
                if not re.search(rf"`{re.escape(shown)}`", section):
                    missing.append(f"{key} ({binding.description})")
    assert not missing, f"README key table lacks: {missing}"
