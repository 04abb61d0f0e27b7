"""End to end in a real terminal: tmux runs trailtui on the bundled sample; we type and read the screen."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "samples" / "cloudtrail_log.json"

pytestmark = [
    pytest.mark.tmux,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


class Terminal:
    """A private tmux server with one 160x50 window running a command."""

    def __init__(self, command: str, width: int = 160, height: int = 50) -> None:
        self.socket = f"trailtui-test-{uuid.uuid4().hex[:8]}"
        self.base = ["tmux", "-L", self.socket, "-f", str(REPO / "tests" / "tmux.conf")]
        env = dict(os.environ, TERM="xterm-256color", TEXTUAL_ANIMATIONS="none", COLORTERM="truecolor")
        env.pop("TMUX", None)
        # Textual obeys COLUMNS/LINES over the real terminal size; test runners (xdist workers) set them.
        env.pop("COLUMNS", None)
        env.pop("LINES", None)
        subprocess.run(
            [*self.base, "new-session", "-d", "-s", "t", "-x", str(width), "-y", str(height), command],
            check=True, env=env, cwd=REPO,
        )
        # Pin the size: with no client attached, tmux may otherwise shrink the window to 80 columns.
        subprocess.run([*self.base, "set-option", "-w", "-t", "t", "window-size", "manual"], check=False)
        subprocess.run([*self.base, "resize-window", "-t", "t", "-x", str(width), "-y", str(height)], check=False)

    def screen(self) -> str:
        done = subprocess.run([*self.base, "capture-pane", "-p", "-t", "t"], capture_output=True, text=True)
        return done.stdout

    def type(self, text: str, delay: float = 0.03) -> None:
        """Type like a person: one character at a time."""
        for char in text:
            self.keys(char, literal=True)
            time.sleep(delay)

    def paste(self, text: str) -> None:
        """Paste like a person pasting a saved pipeline (bracketed paste)."""
        subprocess.run([*self.base, "set-buffer", "-b", "t", text], check=True)
        subprocess.run([*self.base, "paste-buffer", "-p", "-b", "t", "-t", "t"], check=True)

    def keys(self, *keys: str, literal: bool = False) -> None:
        args = [*self.base, "send-keys", "-t", "t"]
        if literal:
            args.append("-l")
        subprocess.run([*args, *keys], check=True)

    def wait_for(self, text: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{text!r} did not appear on screen:\n{screen}")

    def settled(self, timeout: float = 10.0) -> str:
        """The screen once two captures 0.3 s apart agree (a capture can land while a frame is half drawn)."""
        deadline = time.monotonic() + timeout
        last = self.screen()
        while time.monotonic() < deadline:
            time.sleep(0.3)
            now = self.screen()
            if now == last:
                return now
            last = now
        return last

    def wait_gone(self, text: str, timeout: float = 20.0) -> str:
        """The screen once ``text`` is no longer on it (e.g. a toast that overlays rows has timed out)."""
        deadline = time.monotonic() + timeout
        screen = self.screen()
        while time.monotonic() < deadline:
            if text not in screen:
                return screen
            time.sleep(0.1)
            screen = self.screen()
        raise AssertionError(f"{text!r} stayed on screen:\n{screen}")

    def wait_for_re(self, pattern: str, timeout: float = 20.0) -> str:
        import re

        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if re.search(pattern, screen):
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{pattern!r} did not appear on screen:\n{screen}")

    def close(self) -> None:
        subprocess.run([*self.base, "kill-server"], capture_output=True)


def _command(*paths: Path) -> str:
    # `python -m trailtui` from the repository (the terminal's working directory) runs this checkout's code;
    # an installed `trailtui` script may point at another one.
    return " ".join([sys.executable, "-m", "trailtui", *(str(p) for p in paths)])


@pytest.fixture
def terminal():
    if not SAMPLE.exists():
        pytest.skip("samples/cloudtrail_log.json is missing")
    term = Terminal(_command(SAMPLE))
    try:
        yield term
    finally:
        term.close()


@pytest.fixture(params=[(160, 50), (80, 24)], ids=["160x50", "80x24"])
def sized_terminal(request):
    if not SAMPLE.exists():
        pytest.skip("samples/cloudtrail_log.json is missing")
    width, height = request.param
    term = Terminal(_command(SAMPLE), width, height)
    term.width, term.height = width, height
    try:
        yield term
    finally:
        term.close()


def _wait_quit(terminal: Terminal) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        done = subprocess.run([*terminal.base, "list-sessions"], capture_output=True, text=True)
        if done.returncode != 0:
            return
        time.sleep(0.1)
    raise AssertionError("trailtui did not quit:\n" + terminal.screen())


def test_filter_pivot_detail_and_quit_in_a_real_terminal(terminal: Terminal) -> None:
    terminal.wait_for_re(r"[1-9][0-9,]* shown · filter")
    screen = terminal.wait_for("Source IP")
    assert "Time" in screen and "Event" in screen and "Actor" in screen and "Source IP" in screen

    # Type a filter: the table narrows to glitch's events and the bar shows the count.
    time.sleep(1.0)
    terminal.keys("/")
    terminal.wait_for("Leave filter")  # the footer shows the filter's keys: the cursor is in the bar
    time.sleep(0.3)
    terminal.paste('.userIdentity.userName == "glitch"')
    import json

    records = json.loads(SAMPLE.read_text())["Records"]
    glitch = sum(1 for r in records if (r.get("userIdentity") or {}).get("userName") == "glitch")
    screen = terminal.wait_for(f"{glitch:,} of {len(records):,} events")
    rows = [line for line in screen.splitlines() if "glitch" in line]
    assert rows, screen
    assert "AttachUserPolicy" in screen or "GetObject" in screen

    # Leave the filter, open the detail of the selected event, and come back.
    terminal.keys("Escape")
    time.sleep(0.3)
    terminal.keys("Enter")
    screen = terminal.wait_for('"eventVersion"')
    assert '"userIdentity"' in screen
    terminal.keys("Escape")
    terminal.wait_for("Source IP")
    time.sleep(0.3)

    # Pivot on the source IP, then go back.
    terminal.keys("i")
    screen = terminal.wait_for("› ip 53.94.201.69")
    assert 'select(ip_key == "ip:53.94.201.69")' in screen
    terminal.keys("BSpace")
    terminal.wait_for('userName == "glitch"')

    terminal.keys("q")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        done = subprocess.run([*terminal.base, "list-sessions"], capture_output=True, text=True)
        if done.returncode != 0:
            break
        time.sleep(0.1)
    else:
        raise AssertionError("trailtui did not quit on q:\n" + terminal.screen())


def test_the_screen_tells_the_truth_at_both_sizes(sized_terminal: Terminal) -> None:
    """Issue 13 in a real terminal, at 160x50 and 80x24: the first columns fit, cut values end in …, the
    footer shows the important keys, keys right after / land in the bar, q there is text, the pivot's
    actors are whole or marked, t shows the time zone, Ctrl+C quits."""
    terminal = sized_terminal
    terminal.wait_for_re(r"[1-9][0-9,]* shown")
    screen = terminal.wait_for("Outcome")
    header = next(line for line in screen.splitlines() if "Time" in line and "Outcome" in line)
    for label in ("Event", "Actor", "Source IP", "Outcome"):
        assert label in header, screen
    footer = screen.splitlines()[-1]
    for key in ("/ Filter", "y Copy", "e Export", "o Open", "? Help", "q Quit"):
        assert key in footer, footer

    # "/" then the filter typed at once: every key lands in the bar ("q" too), nothing is lost.
    terminal.keys("/")
    terminal.keys('.eventName == "AttachUserPolicy" and .eventSource != "q"', literal=True)
    attach = sum(1 for r in json.loads(SAMPLE.read_text())["Records"] if r.get("eventName") == "AttachUserPolicy")
    screen = terminal.wait_for(f"{attach:,} of ")
    assert '.eventName == "AttachUserPolicy" and .eventSource != "q"' in screen
    terminal.keys("Escape")
    time.sleep(0.3)

    # The pivot on the AttachUserPolicy row: every actor is a whole name or ends in … (no "glitc").
    terminal.keys("u")
    terminal.wait_for("› user")
    # The "Loaded" toast overlays the right of the last rows for a few seconds (at 80x24 it covers the
    # actor column): judge the rows once it has gone.
    terminal.wait_gone("Loaded")
    screen = terminal.settled()
    records = json.loads(SAMPLE.read_text())["Records"]
    names = {(r.get("userIdentity") or {}).get("userName") for r in records}
    for line in screen.splitlines()[4:-3]:
        cells = line.split()
        if len(cells) > 2 and cells[0][:4].isdigit():
            actor = cells[2]
            assert actor.endswith("…") or actor in names or "/" in actor or "@" in actor, (actor, line)

    # t: the time zone is on screen; a second t shows the gaps.
    terminal.keys("t")
    terminal.wait_for_re(r"Time (\S+ )?UTC")
    terminal.keys("t")
    terminal.wait_for("Gap to row above")

    terminal.keys("C-c")
    _wait_quit(terminal)


def test_facets_pane_narrows_and_goes_back_at_both_sizes(sized_terminal: Terminal) -> None:
    """The facets pane of the incident's address lists glitch and mcskidy with counts (beside the table at
    160 columns, over it at 80); Enter narrows to glitch with jq in the filter bar, Backspace goes back."""
    term = sized_terminal
    term.wait_for("1,700 loaded")
    term.keys("/")
    term.type('select(ip_key == "ip:53.94.201.69")')
    term.wait_for("12 shown")
    term.keys("Enter")  # back to the table: its keys work again
    time.sleep(0.5)  # (the filter applies as typed: "12 shown" can come before Enter is read)
    term.keys("f")
    term.wait_for("mcskidy  (IAM user")  # identities by name, then kind and account (as wide as the pane allows)
    screen = term.settled()
    lines = screen.splitlines()
    glitch = next(line for line in lines if "glitch  (IAM user" in line)
    mcskidy = next(line for line in lines if "mcskidy  (IAM user" in line)
    assert "11" in glitch.split("glitch  (IAM user", 1)[1] and "91.7%" in glitch
    assert "8.3%" in mcskidy
    if term.width >= 120:
        assert "Time UTC" in screen  # the table is still there, beside the pane
    else:
        assert "Time UTC" not in screen  # the pane covers it
    term.keys("Enter")  # the first value: glitch
    term.wait_for("Facets · 11 events")  # the pane follows the narrowed view
    term.keys("Escape")
    time.sleep(0.3)  # Esc then Backspace within the escape delay reads as Alt+Backspace
    screen = term.wait_for("11 shown")  # at 80 columns Esc put the overlay away: the table is back
    assert 'select(actor_key == "user:123456789012:glitch")' in screen  # editable jq in the filter bar
    term.keys("BSpace")
    term.wait_for("12 shown")
    term.keys("q")
    _wait_quit(term)
