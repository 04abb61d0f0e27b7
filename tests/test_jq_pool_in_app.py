"""The columnar engine's jq fallback (worker processes) must work inside the app, in a fresh process.

Inside a Textual app ``sys.stderr`` is the app's print capture, whose ``fileno()`` is -1; multiprocessing
passes that descriptor on when it starts its resource tracker, and spawning failed with "bad value(s) in
fds_to_keep", so every filter that needed jq failed on screen (seen in tmux at 1M events). Within one test
process the tracker may already run from an earlier test, so each check runs in a new interpreter.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "samples" / "cloudtrail_log.json"

# explode has no SQL translation: every event goes through jq in the worker processes.
FILTER = "select(.eventName | explode | length > 20)"


def _run(script: str, tmp_path: Path) -> dict:
    path = tmp_path / "check.py"
    path.write_text(textwrap.dedent(script))
    proc = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=240, cwd=str(REPO),
                          env={"PYTHONPATH": str(REPO), "XDG_CACHE_HOME": str(tmp_path / "cache"),
                               "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_the_pool_starts_when_stderr_has_no_descriptor(tmp_path: Path) -> None:
    got = _run("""
        import json, sys

        class Capture:  # what Textual puts in sys.stderr while an app runs
            def write(self, text): pass
            def flush(self): pass
            def fileno(self): return -1

        if __name__ == "__main__":
            sys.stderr = Capture()
            from trailtui.engine.columnar.filtering import JqPool
            answer = JqPool.executor().submit(pow, 2, 10).result(timeout=120)
            print(json.dumps({"answer": answer, "stderr_kept": type(sys.stderr).__name__}), file=sys.__stdout__)
    """, tmp_path)
    assert got == {"answer": 1024, "stderr_kept": "Capture"}


def test_a_jq_filter_on_the_columnar_engine_answers_in_the_app(tmp_path: Path) -> None:
    if not SAMPLE.exists():
        pytest.skip("samples/cloudtrail_log.json is missing")
    records = json.loads(SAMPLE.read_text())["Records"]
    expected = sorted(r["eventID"] for r in records if len(r["eventName"]) > 20)
    assert expected, "the sample must hold long event names"
    got = _run(f"""
        import asyncio, json, sys
        from trailtui.engine.backend import make_backend
        from trailtui.engine.session import Session
        from trailtui.ui.app import TrailApp
        from trailtui.ui.pilot import settle, type_text
        from trailtui.ui.widgets.event_table import EventTable
        from trailtui.ui.widgets.filter_bar import FilterBar

        async def main():
            app = TrailApp(paths=[{str(SAMPLE)!r}], session=Session(make_backend("duckdb", cache=False)))
            async with app.run_test(size=(160, 50)) as pilot:
                await settle(app, pilot)
                await pilot.press("slash")
                await type_text(pilot, {FILTER!r})
                await settle(app, pilot)
                main = app.main_screen
                table = main.query_one(EventTable)
                session = main.session
                ids = sorted(session.record(table.model.row_id(i))["eventID"] for i in range(table.row_count))
                bar = main.query_one(FilterBar)
                return {{"ids": ids, "error": bar.has_error, "status": bar.status_text}}

        if __name__ == "__main__":
            print(json.dumps(asyncio.run(main())))
    """, tmp_path)
    assert not got["error"], got["status"]
    assert got["ids"] == expected
