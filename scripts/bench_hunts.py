"""Hunt hit counts on a loaded set: each hunt's time through Session (the screen's background count).

    python scripts/bench_hunts.py /work/benchdata/n1000000-seed7/events.jsonl --backend duckdb --runs 5

Loads the inputs once (the columnar cache makes a second load quick), then runs every hunt of the built-in
library ``--runs`` times and prints each hunt's median, its hit count, whether the columnar backend answered
it in SQL, and the median total of the per-event hunts (the figure the hunts screen waits for) and of all.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from trailtui.engine import hunts  # noqa: E402
from trailtui.engine.backend import make_backend  # noqa: E402
from trailtui.engine.query import compile_query  # noqa: E402
from trailtui.engine.session import Session  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--backend", default="duckdb", choices=("duckdb", "memory"))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--event-only", action="store_true", help="skip the aggregate hunts")
    args = parser.parse_args()
    session = Session(make_backend(args.backend))
    started = time.perf_counter()
    for _ in session.load(args.paths):
        pass
    print(f"loaded {len(session):,} events on {args.backend} in {time.perf_counter() - started:.1f} s")
    library = hunts.load_library(include_user=False).hunts
    if args.event_only:
        library = [h for h in library if not h.is_aggregate]
    translate = None
    if args.backend == "duckdb":
        from trailtui.engine.columnar import filtering

        translate = filtering.translate
    times: dict[str, list[float]] = {h.id: [] for h in library}
    counts: dict[str, int] = {}
    totals_event, totals_all = [], []
    print(f"load average before: {os.getloadavg()[0]:.1f}")
    for _ in range(args.runs):
        event_total = all_total = 0.0
        for result in hunts.run_hunts(session, library):
            times[result.hunt.id].append(result.elapsed)
            counts[result.hunt.id] = result.count
            all_total += result.elapsed
            if not result.hunt.is_aggregate:
                event_total += result.elapsed
        totals_event.append(event_total)
        totals_all.append(all_total)
    for hunt in sorted(library, key=lambda h: h.id):
        how = ""
        if translate is not None:
            how = "sql" if translate(compile_query(hunt.filter, "select")) is not None else "jq-fallback"
        median = statistics.median(times[hunt.id]) * 1000
        print(f"{hunt.id}  {median:9.1f} ms  {how:11}  {counts[hunt.id]:9,} hits  {hunt.title}")
    print(f"per-event hunts ({sum(not h.is_aggregate for h in library)}): median total "
          f"{statistics.median(totals_event):.2f} s (runs: {', '.join(f'{t:.2f}' for t in totals_event)})")
    print(f"all hunts ({len(library)}): median total {statistics.median(totals_all):.2f} s")
    print(f"load average after: {os.getloadavg()[0]:.1f} (2 cores)")
    session.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
