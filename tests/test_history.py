"""FilterHistory: ordering, duplicates, the walking cursor, persistence and a hostile file system."""

from __future__ import annotations

import os

import pytest

from trailtui.ui.history import (
    MAX_ENTRIES,
    FilterHistory,
    default_history_path,
    escape_entry,
    unescape_entry,
)


def test_add_keeps_most_recent_first_and_skips_consecutive_duplicates(tmp_path):
    history = FilterHistory(tmp_path / "history")
    assert history.add(".a")
    assert history.add(".b")
    assert not history.add(".b")
    assert history.add(".a")  # not consecutive: recorded again
    assert not history.add("   ")
    assert history.entries == [".a", ".b", ".a"]


def test_persisted_one_per_line_oldest_first_and_reloaded(tmp_path):
    path = tmp_path / "state" / "trailtui" / "history"
    history = FilterHistory(path)
    history.add('select(.eventName == "A")')
    history.add("def f:\n  .x;\nf")
    assert path.read_text(encoding="utf-8").splitlines() == [
        'select(.eventName == "A")',
        "def f:\\n  .x;\\nf",
    ]
    assert FilterHistory(path).entries == ["def f:\n  .x;\nf", 'select(.eventName == "A")']


@pytest.mark.parametrize("text", ["plain", "a\nb", "back\\slash", "\\n literal", "cr\r\nlf", "\\", "end\\"])
def test_escape_round_trip(text):
    line = escape_entry(text)
    assert "\n" not in line and "\r" not in line
    assert unescape_entry(line) == text


def test_capped(tmp_path):
    history = FilterHistory(tmp_path / "h", limit=5)
    for number in range(8):
        history.add(f".n{number}")
    assert history.entries == [".n7", ".n6", ".n5", ".n4", ".n3"]
    assert len(FilterHistory(tmp_path / "h").entries) == 5
    assert MAX_ENTRIES == 500


def test_walk_older_and_newer_restores_the_draft(tmp_path):
    history = FilterHistory(tmp_path / "h")
    for text in (".one", ".two", ".three"):
        history.add(text)
    assert history.older("draft") == ".three"
    assert history.older(".three") == ".two"
    assert history.older(".two") == ".one"
    assert history.older(".one") is None  # nothing older: caller keeps its text
    assert history.newer() == ".two"
    assert history.newer() == ".three"
    assert history.newer() == "draft"
    assert history.newer() is None
    assert not history.walking


def test_older_skips_an_entry_equal_to_the_current_text(tmp_path):
    history = FilterHistory(tmp_path / "h")
    history.add(".one")
    history.add(".two")
    # Just submitted ".two" and it is still in the input: up should show ".one".
    assert history.older(".two") == ".one"


def test_add_resets_the_walk(tmp_path):
    history = FilterHistory(tmp_path / "h")
    history.add(".one")
    history.add(".two")
    history.older("")
    history.add(".three")
    assert history.older("") == ".three"


def test_unreadable_and_garbage_files_do_not_raise(tmp_path):
    directory_instead_of_file = tmp_path / "dir"
    directory_instead_of_file.mkdir()
    history = FilterHistory(directory_instead_of_file)
    assert history.entries == []
    assert history.last_error is not None
    history.add(".x")  # cannot write either; still usable in memory
    assert history.entries == [".x"]

    garbage = tmp_path / "garbage"
    garbage.write_bytes(b"\xff\xfe.a\n\n.b\n")
    assert FilterHistory(garbage).entries[0] == ".b"


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read a mode-000 file")
def test_permission_denied(tmp_path):
    path = tmp_path / "h"
    path.write_text(".a\n")
    path.chmod(0)
    try:
        assert FilterHistory(path).entries == []
    finally:
        path.chmod(0o600)


def test_default_path_follows_xdg_state_home(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert default_history_path() == tmp_path / "trailtui" / "history"
    assert FilterHistory().path == tmp_path / "trailtui" / "history"
    monkeypatch.setenv("XDG_STATE_HOME", "relative/ignored")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_history_path() == tmp_path / "home" / ".local" / "state" / "trailtui" / "history"
