"""`trailtui` without a terminal or with a mistyped command says so (exit 2) instead of starting the app."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "samples" / "cloudtrail_log.json"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "trailtui", *args], capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL, cwd=REPO)


def test_a_mistyped_command_is_a_usage_error() -> None:
    done = run("hunts", str(SAMPLE))  # `hunt` is a command; `hunts` must not open the file in the app
    assert done.returncode == 2
    assert "'hunts' is neither a command" in done.stderr
    assert done.stdout == ""


def test_no_terminal_points_to_query_and_writes_no_escape_sequences() -> None:
    done = run(str(SAMPLE))
    assert done.returncode == 2
    assert "needs a terminal" in done.stderr and "trailtui query" in done.stderr
    assert "\x1b" not in done.stdout + done.stderr


def test_version_and_query_work_without_a_terminal() -> None:
    assert run("--version").stdout.startswith("trailtui ")
    done = run("query", str(SAMPLE), "-f", '.eventName == "AttachUserPolicy"', "--format", "tsv", "--columns", "actor")
    assert done.returncode == 0 and done.stdout.splitlines() == ["Actor", "mcskidy"]


def test_every_backend_prints_the_same(tmp_path: Path) -> None:
    """`--backend memory`, `--backend duckdb --no-cache` and `auto` give byte-identical output."""
    tree = REPO / "samples" / "AWSLogs"
    program = 'select(.sourceIPAddress == "53.94.201.69") | [.eventTime, .eventName, actor_name]'
    outputs = {}
    for backend in ("memory", "duckdb", "auto"):
        done = run("query", str(tree), "--backend", backend, "--no-cache", "-f", program, "--format", "tsv")
        assert done.returncode == 0, done.stderr
        outputs[backend] = done.stdout
    assert outputs["memory"] == outputs["duckdb"] == outputs["auto"]
    assert outputs["memory"].count("\n") == 13  # header + the 12 events from the attacker's address
