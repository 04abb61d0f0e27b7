#!/usr/bin/env python3
"""``W`` on the screen: from Spark's return to the widened rows drawn, under Textual's Pilot.

Usage::

    python scripts/bench_widen.py [--events 30000] [--days 2] [--where FILTER] [--widen FILTER] [--repeat 1]

Generates an S3 delivery tree (``trailtui generate``'s sample, seed 7) under ``$TMPDIR`` once, opens the app
on the exact local selection of ``--where`` (what ``trailtui --engine spark --where`` pulls), types the
``--widen`` filter, presses ``W`` then ``y``, and waits for the widened view. It prints the rows, the whole
widen's time, and the seconds from the remote engine's return (``WidenResult.returned_at``) to the first
widened rows on screen (``MainScreen.widen_timing``: exact selection, cache file, load, filter, draw). Needs
pyspark and Java; Spark runs in local mode (``$TRAILTUI_SPARK_MASTER``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


async def _run(tree: Path, where: str, widen: str) -> tuple[int, float, float]:
    from trailtui.engine.backend import make_backend
    from trailtui.engine.remote.partitions import DEFAULT_SLACK
    from trailtui.engine.remote.pull import select_exact
    from trailtui.engine.remote.widen import RemoteSource
    from trailtui.engine.session import Session
    from trailtui.ui.app import TrailApp

    pulled = Path(tempfile.mkdtemp(prefix="bench-widen-")) / "pulled.jsonl"
    select_exact([str(tree)], where, pulled)
    app = TrailApp(paths=[str(pulled)], session=Session(make_backend("memory")))
    app.remote_source = RemoteSource.of("spark", [str(tree)], where, None, DEFAULT_SLACK)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = app.main_screen
        while screen.is_loading or screen.view is None:
            await pilot.pause(0.1)
        screen.query_one("#filter").value = widen
        while screen.applied_generation != screen.generation or screen.state.filter_text != widen:
            await pilot.pause(0.1)
        started = time.perf_counter()
        await pilot.press("W")
        while type(app.screen).__name__ != "WidenDialog":
            await pilot.pause(0.05)
        await pilot.press("y")
        while screen.widen_timing is None:
            await pilot.pause(0.02)
        return len(screen.view), time.perf_counter() - started, screen.widen_timing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=30000)
    parser.add_argument("--days", type=float, default=2.0)
    parser.add_argument("--where", default='select(.eventName == "ConsoleLogin")')
    parser.add_argument("--widen", default='select(.eventName == "GetObject")')
    parser.add_argument("--repeat", type=int, default=1)
    options = parser.parse_args()
    from trailtui.tools import samplegen

    tree = Path(tempfile.gettempdir()) / f"trailtui-bench-widen-{options.events}-{options.days}"
    if not tree.exists():
        samplegen.write(str(tree), options.events, shape="tree", seed=7, incident=True, days=options.days)
    print(f"load average before: {os.getloadavg()[0]:.1f}")
    for _ in range(options.repeat):
        rows, total, first = asyncio.run(_run(tree, options.where, options.widen))
        print(f"{options.events:,} events: {rows:,} rows widened in {total:.1f} s; "
              f"first rows {first:.2f} s after Spark returned")
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
