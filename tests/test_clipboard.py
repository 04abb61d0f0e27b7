"""Clipboard routes (OSC 52, tmux, pyperclip, file fallback) with every route simulated, plus real tmux."""

from __future__ import annotations

import base64
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from trailtui import clipboard
from trailtui.clipboard import CopyResult, copy_text, human_size, osc52_sequence


class Recorder:
    """An osc52_writer that remembers what it was given."""

    def __init__(self, fail: Exception | None = None) -> None:
        self.calls: list[str] = []
        self.fail = fail

    def __call__(self, text: str) -> None:
        self.calls.append(text)
        if self.fail is not None:
            raise self.fail


class FakeRun:
    """A subprocess.run stand-in for tmux: records commands, answers with a scripted result or exception."""

    def __init__(self, *answers: Any) -> None:
        self.answers = list(answers) or [0]
        self.calls: list[tuple[list[str], bytes]] = []

    def __call__(self, command: list[str], *, input: bytes, **kwargs: Any) -> Any:
        self.calls.append((command, input))
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, BaseException):
            raise answer
        code, stderr = answer if isinstance(answer, tuple) else (answer, b"")
        return subprocess.CompletedProcess(command, code, b"", stderr)


class FakePyperclip:
    """A pyperclip stand-in: ``backend`` False means no clipboard mechanism; ``fail`` makes copy raise."""

    def __init__(self, backend: bool = True, fail: Exception | None = None) -> None:
        self.copied: list[str] = []
        self.backend = backend
        self.fail = fail
        self.asked = 0

    def determine_clipboard(self) -> tuple[Any, Any]:
        self.asked += 1

        def copy(text: str) -> None:
            if self.fail is not None:
                raise self.fail
            self.copied.append(text)

        class Unavailable:
            def __bool__(self) -> bool:
                return False

            def __call__(self, *args: Any) -> None:
                raise RuntimeError("no mechanism")

        return (copy if self.backend else Unavailable()), None


@pytest.fixture(autouse=True)
def linux(monkeypatch: pytest.MonkeyPatch) -> None:
    """Behave like the Linux jump host (the display check looks at sys.platform)."""
    monkeypatch.setattr(sys, "platform", "linux")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --- OSC 52 ---------------------------------------------------------------------------------------------


def test_osc52_sequence_encodes_utf8_base64_with_bel_or_st() -> None:
    text = "eventName\tConsoleLogin\n日本 😀"
    seq = osc52_sequence(text)
    assert seq.startswith("\x1b]52;c;") and seq.endswith("\a")
    assert base64.b64decode(seq[len("\x1b]52;c;"):-1]).decode("utf-8") == text
    st = osc52_sequence(text, terminator="\x1b\\")
    assert st.endswith("\x1b\\") and st[:-2] == seq[:-1]
    with pytest.raises(ValueError):
        osc52_sequence(text, terminator="\n")


def test_osc52_only_when_a_writer_is_given(tmp_path: Path) -> None:
    writer, pyperclip = Recorder(), FakePyperclip()
    result = copy_text("a\tb\n", osc52_writer=writer, env={}, run=FakeRun(), pyperclip_module=pyperclip,
                       cache_dir=tmp_path)
    assert writer.calls == ["a\tb\n"]
    assert result.routes == ["OSC 52"] and result.file is None and result.failures == []
    assert result.bytes == 4 and result.ok
    assert pyperclip.asked == 0  # no display: pyperclip is not even consulted
    assert list(tmp_path.iterdir()) == []
    assert result.message(rows=1) == "1 row · 4 B sent via OSC 52"


def test_textual_app_copy_to_clipboard_as_writer(tmp_path: Path) -> None:
    import asyncio

    from textual.app import App

    async def scenario() -> tuple[CopyResult, str]:
        app = App()
        async with app.run_test():
            result = copy_text("2024-01-01\tConsoleLogin\n", osc52_writer=app.copy_to_clipboard, env={},
                               cache_dir=tmp_path)
            return result, app.clipboard

    result, stored = asyncio.run(scenario())
    assert stored == "2024-01-01\tConsoleLogin\n"
    assert result.routes == ["OSC 52"]


def test_text_at_the_limit_goes_through_osc52_and_one_byte_more_does_not(tmp_path: Path) -> None:
    writer = Recorder()
    at_limit = copy_text("é" * 50, osc52_writer=writer, env={}, limit=100, cache_dir=tmp_path)
    assert at_limit.routes == ["OSC 52"] and not at_limit.too_big and at_limit.file is None
    above = copy_text("é" * 50 + "x", osc52_writer=writer, env={}, limit=100, cache_dir=tmp_path)
    assert len(writer.calls) == 1  # the second text was never sent
    assert above.too_big and above.routes == [] and above.file is not None
    assert above.file.read_bytes() == ("é" * 50 + "x").encode("utf-8")


def test_too_big_saves_a_private_file_and_says_so(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    text = "x\t" * 1_100_000
    result = copy_text(text, osc52_writer=Recorder(), env={}, cache_dir=cache / "trailtui", suffix=".tsv")
    assert result.file is not None and result.file.parent == cache / "trailtui"
    assert result.file.name.startswith("copy-") and result.file.suffix == ".tsv"
    assert mode(result.file) == 0o600
    assert mode(result.file.parent) == 0o700
    assert result.file.read_text(encoding="utf-8") == text
    assert result.message(rows=12) == f"12 rows · too big for the terminal clipboard (2.2 MB > 100 kB): saved to {result.file}"


def test_cache_dir_from_xdg_and_home(tmp_path: Path) -> None:
    result = copy_text("x", env={"XDG_CACHE_HOME": str(tmp_path / "xdg")})
    assert result.file == next((tmp_path / "xdg" / "trailtui").iterdir())
    result = copy_text("y", env={"HOME": str(tmp_path / "home")})
    assert result.file is not None and result.file.parent == tmp_path / "home" / ".cache" / "trailtui"
    assert mode(result.file.parent) == 0o700 and mode(result.file) == 0o600


def test_existing_loose_directory_is_tightened(tmp_path: Path) -> None:
    cache = tmp_path / "trailtui"
    cache.mkdir(mode=0o755)
    os.chmod(cache, 0o755)
    result = copy_text("x", env={}, cache_dir=cache)
    assert result.file is not None and mode(cache) == 0o700


def test_file_mode_ignores_a_permissive_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        result = copy_text("x", env={}, cache_dir=tmp_path / "c")
    finally:
        os.umask(old)
    assert result.file is not None and mode(result.file) == 0o600 and mode(result.file.parent) == 0o700


def test_copies_in_the_same_second_get_distinct_files(tmp_path: Path) -> None:
    files = [copy_text(str(i), env={}, cache_dir=tmp_path).file for i in range(3)]
    assert None not in files and len(set(files)) == 3
    assert sorted(f.read_text() for f in files if f) == ["0", "1", "2"]


@pytest.mark.parametrize(
    "setting, expected", [("10", 10), ("2k", 2000), ("1.5 MB", 1_500_000), ("250kB", 250_000), ("nonsense", 77),
                          ("-5", 77), ("", 77)]
)
def test_limit_from_environment(setting: str, expected: int, tmp_path: Path) -> None:
    result = copy_text("x", osc52_writer=Recorder(), env={"TRAILTUI_OSC52_LIMIT": setting}, limit=77,
                       cache_dir=tmp_path)
    assert result.limit == expected


def test_environment_limit_decides_the_route(tmp_path: Path) -> None:
    writer = Recorder()
    result = copy_text("12345678901", osc52_writer=writer, env={"TRAILTUI_OSC52_LIMIT": "10"}, cache_dir=tmp_path)
    assert writer.calls == [] and result.too_big and result.file is not None


def test_osc52_writer_failure_is_reported_and_falls_back_to_file(tmp_path: Path) -> None:
    result = copy_text("x", osc52_writer=Recorder(fail=OSError("driver gone")), env={}, cache_dir=tmp_path)
    assert result.routes == [] and result.failures == ["OSC 52: driver gone"]
    assert result.file is not None
    assert result.message() == f"1 B: no clipboard available, saved to {result.file} (OSC 52: driver gone)"


# --- tmux ------------------------------------------------------------------------------------------------

TMUX_ENV = {"TMUX": "/tmp/tmux-1000/default,1234,0"}


def test_tmux_buffer_gets_the_text_on_stdin_with_w(tmp_path: Path) -> None:
    run = FakeRun(0)
    result = copy_text("a\tb", osc52_writer=Recorder(), env=TMUX_ENV, run=run, cache_dir=tmp_path)
    assert run.calls == [(["tmux", "load-buffer", "-w", "-"], b"a\tb")]
    assert result.routes == ["OSC 52", "tmux buffer"]
    assert result.message(rows=12) == "12 rows · 3 B sent via OSC 52 + tmux buffer"


def test_tmux_not_consulted_outside_tmux(tmp_path: Path) -> None:
    run = FakeRun(0)
    copy_text("a", osc52_writer=Recorder(), env={"TMUX": ""}, run=run, cache_dir=tmp_path)
    assert run.calls == []


def test_tmux_missing_is_reported_never_raised(tmp_path: Path) -> None:
    run = FakeRun(FileNotFoundError(2, "No such file or directory: 'tmux'"))
    result = copy_text("a", osc52_writer=Recorder(), env=TMUX_ENV, run=run, cache_dir=tmp_path)
    assert result.routes == ["OSC 52"] and result.failures == ["tmux: tmux not found"]
    assert result.file is None
    assert result.message(rows=2) == "2 rows · 1 B sent via OSC 52 (tmux: tmux not found)"


def test_tmux_error_and_timeout_are_reported(tmp_path: Path) -> None:
    failed = copy_text("a", env=TMUX_ENV, run=FakeRun((1, b"no server running on /tmp/tmux-1000/default\n")),
                       cache_dir=tmp_path)
    assert failed.failures == ["tmux: no server running on /tmp/tmux-1000/default"]
    assert failed.file is not None  # nothing else worked
    slow = copy_text("a", env=TMUX_ENV, run=FakeRun(subprocess.TimeoutExpired(["tmux"], 5)), cache_dir=tmp_path)
    assert slow.failures == ["tmux: tmux did not answer within 5 s"]


def test_old_tmux_without_w_still_fills_the_buffer(tmp_path: Path) -> None:
    run = FakeRun((1, b"load-buffer: unknown flag -w\n"), 0)
    result = copy_text("a", env=TMUX_ENV, run=run, cache_dir=tmp_path)
    assert [c for c, _ in run.calls] == [["tmux", "load-buffer", "-w", "-"], ["tmux", "load-buffer", "-"]]
    assert result.routes == ["tmux buffer"] and result.failures == []


def test_tmux_above_the_limit_fills_the_buffer_without_forwarding(tmp_path: Path) -> None:
    run = FakeRun(0)
    result = copy_text("x" * 200, osc52_writer=Recorder(), env=TMUX_ENV, limit=100, run=run, cache_dir=tmp_path)
    assert run.calls[0][0] == ["tmux", "load-buffer", "-"]
    assert result.routes == ["tmux buffer"] and result.file is not None
    assert result.message() == (f"too big for the terminal clipboard (200 B > 100 B): saved to {result.file}; "
                                "also sent via tmux buffer")


@pytest.mark.tmux
@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux not installed")
def test_real_tmux_buffer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    socket = tmp_path / "sock"
    subprocess.run(["tmux", "-S", str(socket), "-f", "/dev/null", "new-session", "-d", "-x", "80", "-y", "24"],
                   check=True, timeout=10)
    try:
        monkeypatch.setenv("TMUX", f"{socket},{os.getpid()},0")
        text = "eventTime\teventName\n2024-01-01T00:00:00Z\tConsoleLogin\n日本\n"
        result = copy_text(text, env=os.environ, cache_dir=tmp_path / "cache")
        assert "tmux buffer" in result.routes, result.failures
        shown = subprocess.run(["tmux", "-S", str(socket), "show-buffer"], capture_output=True, timeout=10)
        assert shown.stdout.decode("utf-8") == text
    finally:
        subprocess.run(["tmux", "-S", str(socket), "kill-server"], capture_output=True, timeout=10)


# --- pyperclip ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("env", [{"DISPLAY": ":0"}, {"WAYLAND_DISPLAY": "wayland-0"}])
def test_pyperclip_used_when_a_display_and_backend_exist(env: dict[str, str], tmp_path: Path) -> None:
    pyperclip = FakePyperclip()
    result = copy_text("abc", env=env, pyperclip_module=pyperclip, cache_dir=tmp_path)
    assert pyperclip.copied == ["abc"]
    assert result.routes == ["system clipboard"] and result.file is None
    assert result.message(rows=3) == "3 rows · 3 B sent via system clipboard"


@pytest.mark.parametrize("platform", ["darwin", "win32"])
def test_pyperclip_used_on_macos_and_windows_without_display(platform: str, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", platform)
    pyperclip = FakePyperclip()
    result = copy_text("abc", env={}, pyperclip_module=pyperclip, cache_dir=tmp_path)
    assert result.routes == ["system clipboard"]


def test_pyperclip_skipped_without_display(tmp_path: Path) -> None:
    pyperclip = FakePyperclip()
    result = copy_text("abc", env={"SSH_CONNECTION": "1 2 3 4"}, pyperclip_module=pyperclip, cache_dir=tmp_path)
    assert pyperclip.asked == 0 and pyperclip.copied == []
    assert result.routes == [] and result.file is not None


def test_pyperclip_without_backend_is_reported(tmp_path: Path) -> None:
    result = copy_text("abc", osc52_writer=Recorder(), env={"DISPLAY": ":0"},
                       pyperclip_module=FakePyperclip(backend=False), cache_dir=tmp_path)
    assert result.routes == ["OSC 52"]
    assert result.failures == ["system clipboard: no clipboard backend (install xclip, xsel or wl-clipboard)"]


def test_pyperclip_raising_is_reported_never_raised(tmp_path: Path) -> None:
    import pyperclip as real

    failing = FakePyperclip(fail=real.PyperclipException("Error calling xclip: cannot open display"))
    result = copy_text("abc", env={"DISPLAY": "localhost:10.0"}, pyperclip_module=failing, cache_dir=tmp_path)
    assert result.routes == [] and result.file is not None
    assert result.failures == ["system clipboard: Error calling xclip: cannot open display"]


def test_real_pyperclip_without_display_is_not_a_route(tmp_path: Path) -> None:
    # With a bogus display and no xclip/xsel/wl-copy on this host, the real module must not count as a route.
    if any(shutil.which(tool) for tool in ("xclip", "xsel", "wl-copy", "klipper", "qdbus")):
        pytest.skip("a clipboard tool is installed here")
    result = copy_text("abc", env={"DISPLAY": ":99"}, cache_dir=tmp_path)
    assert "system clipboard" not in result.routes
    assert result.failures and result.failures[0].startswith("system clipboard:")
    assert result.file is not None


# --- everything failing ----------------------------------------------------------------------------------


def test_every_route_failing_including_the_file(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    result = copy_text(
        "abc",
        osc52_writer=Recorder(fail=RuntimeError("boom")),
        env={**TMUX_ENV, "DISPLAY": ":0"},
        run=FakeRun(FileNotFoundError()),
        pyperclip_module=FakePyperclip(fail=RuntimeError("no xclip")),
        cache_dir=blocker / "trailtui",
    )
    assert not result.ok and result.routes == [] and result.file is None
    assert [f.split(":")[0] for f in result.failures] == ["OSC 52", "tmux", "system clipboard", "file"]
    assert result.message(rows=1).startswith("1 row · 3 B: nothing could be copied (OSC 52: boom; tmux: tmux not found")


def test_message_abbreviates_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    result = copy_text("x" * 20, env={"HOME": str(tmp_path)}, limit=10)
    assert result.file is not None
    assert f"saved to ~/.cache/trailtui/{result.file.name}" in result.message()


@pytest.mark.parametrize("n, text", [(0, "0 B"), (999, "999 B"), (1000, "1.0 kB"), (3400, "3.4 kB"),
                                     (100_000, "100 kB"), (2_100_000, "2.1 MB"), (5 * 10**9, "5.0 GB")])
def test_human_size(n: int, text: str) -> None:
    assert human_size(n) == text


def test_module_is_quick_to_import_and_leaves_pyperclip_lazy() -> None:
    code = "import sys, trailtui.clipboard; print('pyperclip' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30,
                          cwd=Path(__file__).resolve().parents[1])
    assert done.stdout.strip() == "False", done.stderr
    assert clipboard.DEFAULT_LIMIT == 100_000
