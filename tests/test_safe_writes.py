"""Issue #12, writing side: atomic writes keep the old file on failure, private files stay private, the
clipboard and terminals get escaped text, TSV/CSV exports of object columns never stop halfway."""

from __future__ import annotations

import io
import json
import os
import stat
from pathlib import Path

import pytest

from trailtui.clipboard import copy_text
from trailtui.engine.export import TerminalSafeJsonWriter, format_rows
from trailtui.engine.safefile import WriteError, atomic_write, atomic_writer, private_dir, write_private
from trailtui.ui.history import FilterHistory, looks_secret


def test_atomic_write_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(WriteError) as caught:
        atomic_write(target, "new")
    assert str(caught.value).startswith(f"{target}: already exists") and "\n" not in str(caught.value)
    atomic_write(target, "new", force=True)
    assert target.read_text() == "new"


def test_failure_midway_keeps_the_old_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old content")
    with pytest.raises(RuntimeError):
        with atomic_writer(target, force=True) as out:
            out.write("half of the new")
            raise RuntimeError("disk full, say")
    assert target.read_text() == "old content"
    assert sorted(os.listdir(tmp_path)) == ["out.txt"]


@pytest.mark.parametrize("where, words", [
    ("missing/dir/out.txt", "does not exist"),
    (".", "is a directory"),
])
def test_bad_targets_are_one_line_errors(tmp_path: Path, where: str, words: str) -> None:
    with pytest.raises(WriteError) as caught:
        atomic_write(tmp_path / where, "x", force=True)
    assert words in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_full_device_is_a_clear_error() -> None:
    with pytest.raises(WriteError) as caught:
        atomic_write("/dev/full", "x" * 100_000, force=True)
    assert str(caught.value).startswith("/dev/full: ") and "space" in str(caught.value).lower()


def test_dangling_symlink_target_is_not_followed(tmp_path: Path) -> None:
    link = tmp_path / "out.txt"
    os.symlink(tmp_path / "elsewhere" / "victim", link)
    (tmp_path / "elsewhere").mkdir()
    with pytest.raises(WriteError, match="does not exist; not followed"):
        atomic_write(link, "x", force=True)
    assert not (tmp_path / "elsewhere" / "victim").exists()


def test_symlink_to_an_existing_file_replaces_that_file_and_keeps_the_link(tmp_path: Path) -> None:
    real = tmp_path / "real.txt"
    real.write_text("old")
    link = tmp_path / "link.txt"
    os.symlink(real, link)
    atomic_write(link, "new", force=True)
    assert link.is_symlink() and real.read_text() == "new"


def test_private_files_and_dirs(tmp_path: Path) -> None:
    target = tmp_path / "state" / "trailtui" / "history"
    write_private(target, "x\n")
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(target.parent).st_mode) == 0o700


def test_private_dir_never_chmods_a_symlink_target(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.mkdir(mode=0o755)
    os.chmod(victim, 0o755)
    os.symlink(victim, tmp_path / "cache")
    with pytest.raises(WriteError, match="symbolic link"):
        private_dir(tmp_path / "cache")
    assert stat.S_IMODE(os.stat(victim).st_mode) == 0o755


def test_history_is_private_ignores_a_planted_tmp_symlink_and_keeps_secrets_off_disk(tmp_path: Path) -> None:
    path = tmp_path / "trailtui" / "history"
    path.parent.mkdir()
    os.chmod(path.parent, 0o755)
    victim = tmp_path / "victim"
    victim.write_text("precious")
    os.symlink(victim, path.with_name("history.tmp"))
    history = FilterHistory(path)
    secret = '.x == "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"'
    for text in ('.eventName == "ConsoleLogin"', secret, '.requestParameters.password == "hunter2"',
                 'select(.userIdentity.accessKeyId == "AKIAIOSFODNN7EXAMPLE")'):
        history.add(text)
    assert victim.read_text() == "precious"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    on_disk = path.read_text()
    assert "ConsoleLogin" in on_disk and "AKIAIOSFODNN7EXAMPLE" in on_disk
    assert "wJalr" not in on_disk and "hunter2" not in on_disk
    assert secret in history.entries  # still walkable in this session
    assert history.last_error is None


def test_looks_secret_spares_ordinary_filters() -> None:
    for text in ('has("password")', 'select(.sha1 == "da39a3ee5e6b4b0d3255bfef95601890afd80709")',
                 '.eventName == "GetSessionToken"'):
        assert not looks_secret(text), text


def test_clipboard_gets_escaped_text_unless_raw(tmp_path: Path) -> None:
    sent: list[str] = []
    text = "ua\x1b[201~\x1b]52;c;eA==\x07\u202e\tnext\n"
    copy_text(text, osc52_writer=sent.append, env={}, cache_dir=tmp_path / "c")
    copy_text(text, osc52_writer=sent.append, env={}, cache_dir=tmp_path / "c", raw=True)
    assert "\x1b" not in sent[0] and "\u202e" not in sent[0] and "\\x1b[201~" in sent[0] and "\tnext\n" in sent[0]
    assert sent[1] == text


def test_clipboard_fallback_refuses_a_symlinked_cache_dir(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.mkdir()
    os.chmod(victim, 0o755)
    os.symlink(victim, tmp_path / "cache")
    result = copy_text("x", env={}, cache_dir=tmp_path / "cache")
    assert result.file is None and any("symbolic link" in f for f in result.failures)
    assert stat.S_IMODE(os.stat(victim).st_mode) == 0o755 and os.listdir(victim) == []


@pytest.mark.parametrize("fmt, jq_format", [("tsv", "@tsv"), ("csv", "@csv")])
def test_object_columns_export_as_compact_json_like_tojson(fmt: str, jq_format: str) -> None:
    rows = [["2024", {"type": "IAMUser", "arn": "a\tb"}], ["2025", [1, {"x": None}]], ["2026", None]]
    text = format_rows(fmt, ["time", ".userIdentity"], rows)
    import jq

    program = jq.compile(f'map(if type == "object" or type == "array" then tojson else . end) | {jq_format}')
    assert text.splitlines()[1:] == [program.input_value(row).first() for row in rows]


def test_terminal_safe_json_writer_escapes_c1_and_bidi_across_writes() -> None:
    out = io.BytesIO()
    writer = TerminalSafeJsonWriter(out)
    data = json.dumps({"eventName": "a\u009b2J\u202eb\u2028"}, ensure_ascii=False).encode()
    for i in range(len(data)):  # split inside multi-byte characters too
        writer.write(data[i : i + 1])
    writer.flush()
    shown = out.getvalue().decode()
    assert not any(ch in shown for ch in "\u009b\u202e\u2028")
    assert json.loads(shown) == json.loads(data)
