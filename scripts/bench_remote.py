#!/usr/bin/env python3
"""Spark (local mode) beside the local DuckDB engine on an S3 delivery tree, and the pull into the screen.

Usage::

    python scripts/bench_remote.py --tree /path/to/tree [--hunts Q01,Q10,Q21,Q28] [--repeat 3] [--json]

For each hunt: the local engine's filter time on a loaded DuckDB store (its ingest timed once, apart), and
Spark's time for the same question — reading the gzip JSON files, the coarse SQL, collecting the raw
candidates — plus the exact residual here; both sides must select the same records (checked). Then the
pull of about 1% of the events (an ``eventName`` chosen for its count): the remote query, and after it
returns, the time until the screen shows its first rows (candidates written, exact filter, pull file written,
then the app opened on it under Textual's Pilot, first rows drawn). Medians of ``--repeat`` runs. The machine's load
average is printed before and after: the figures mean little on a busy machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def _hunts() -> list[str]:
    sys.path.insert(0, str(REPO / "scripts"))
    from bench import _hunts as read

    return read()


def _median(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, value = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), value


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _check_all(out: dict, local: Any, spark: Any, prepared: Any, all_hunts: list[str], args: Any) -> int:
    import orjson
    from pyspark import StorageLevel

    from trailtui.engine.remote import spark as remote_spark
    from trailtui.engine.remote.plan import build
    from trailtui.engine.remote.pull import remove_candidates, select_exact, write_candidates

    spark.table(build(all_hunts[0], "spark").table).persist(StorageLevel.MEMORY_AND_DISK)
    rows = []
    for number, text in enumerate(all_hunts, 1):
        want = [orjson.loads(r) for r in local.backend.raws(local.view(local.compile(text), select=True).rows)]
        start = time.perf_counter()
        result = remote_spark.scan(build(text, "spark"), [args.tree], prepared=prepared, registered=True)
        spark_s = time.perf_counter() - start
        candidates = write_candidates(result.raws)
        got: list = []
        if candidates:
            target = Path(candidates[0]).parent / "exact.jsonl"
            select_exact(candidates, text, target)
            got = [orjson.loads(line) for line in target.read_bytes().splitlines()]
        remove_candidates(candidates)
        row = {"hunt": f"Q{number:02d}", "matches": len(want), "candidates": result.candidates,
               "spark_s": spark_s, "same_records": got == want}
        rows.append(row)
        _log(json.dumps(row))
    out["check_all"] = rows
    out["load_after"] = os.getloadavg()
    print(json.dumps(out, indent=2) if args.json else
          f"{sum(r['same_records'] for r in rows)}/{len(rows)} hunts give the local records on Spark "
          f"({sum(r['matches'] for r in rows):,} matches; {out.get('events')} events)")
    return 0 if all(r["same_records"] for r in rows) else 1


async def _first_rows(path: str, started: float) -> float | None:
    """Seconds from ``started`` until the app, opened on ``path``, has drawn its first rows (Textual Pilot,
    the probe of scripts/bench.py)."""
    sys.path.insert(0, str(REPO / "scripts"))
    from bench import FrameProbe, _wait_for

    from trailtui.ui.app import TrailApp
    from trailtui.ui.widgets.event_table import EventTable

    app = TrailApp(paths=[path])
    probe = FrameProbe(app)
    async with app.run_test(size=(160, 50)):
        await _wait_for(lambda: app.main_screen is not None and app.main_screen.is_mounted, 30.0)
        probe.attach(app.main_screen.query_one(EventTable))
        shown = await _wait_for(lambda: probe.first_rows_frame is not None, 600.0)
    return probe.first_rows_frame - started if shown else None


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tree", required=True, help="an S3 delivery tree (trailtui generate --shape tree)")
    p.add_argument("--hunts", default="Q01,Q10,Q21,Q28", help="hunts of the CloudTrail guide §5 to time")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--json", action="store_true", help="one JSON document on stdout")
    p.add_argument("--pull-filter", help="the pull's filter (default: an eventName holding about 1%% of events)")
    p.add_argument("--pull-only", action="store_true", help="skip the hunts (and the local ingest with --pull-filter)")
    p.add_argument("--cache", action="store_true", help="let the local DuckDB engine reuse/write its on-disk cache")
    p.add_argument("--check-all", action="store_true",
                   help="instead of timing: every one of the 28 hunts on Spark (its table persisted) against the "
                        "local engine, records compared in order")
    args = p.parse_args(argv)

    import orjson

    from trailtui.engine.backend import make_backend
    from trailtui.engine.remote import spark as remote_spark
    from trailtui.engine.remote.plan import build
    from trailtui.engine.remote.pull import remove_candidates, select_exact, write_candidates
    from trailtui.engine.session import Session

    all_hunts = _hunts()
    chosen = [(name, all_hunts[int(name[1:]) - 1]) for name in args.hunts.split(",")]
    out: dict[str, Any] = {"tree": args.tree, "cpus": os.cpu_count(), "load_before": os.getloadavg(), "hunts": []}

    local = None
    if not (args.pull_only and args.pull_filter):
        _log("local: duckdb ingest")
        start = time.perf_counter()
        local = Session(make_backend("duckdb", cache=args.cache))
        for _ in local.load([args.tree]):
            pass
        out["local_ingest_s"] = time.perf_counter() - start
        out["events"] = len(local)

    _log("spark: session start")
    start = time.perf_counter()
    spark = remote_spark.session()
    out["spark_start_s"] = time.perf_counter() - start
    first = build(chosen[0][1], "spark")
    prepared = remote_spark.inputs([args.tree], first.partitions)
    remote_spark.register(spark, prepared.uris, first.table)
    out["spark_files"] = len(prepared.uris)

    if args.check_all:
        return _check_all(out, local, spark, prepared, all_hunts, args)

    for name, text in ([] if args.pull_only else chosen):
        _log(f"{name}: local")
        query = local.compile(text)
        local_s, view = _median(lambda: local.view(query, select=True), args.repeat)
        want = [orjson.loads(r).get("eventID") for r in local.backend.raws(view.rows)]
        plan = build(text, "spark")
        _log(f"{name}: spark")
        spark_s, result = _median(lambda: remote_spark.scan(plan, [args.tree], prepared=prepared, registered=True),
                                  args.repeat)
        start = time.perf_counter()
        candidates = write_candidates(result.raws)
        target = Path(candidates[0]).parent / "exact.jsonl" if candidates else None
        got: list = []
        if target is not None:
            select_exact(candidates, text, target)
            got = [orjson.loads(line).get("eventID") for line in target.read_bytes().splitlines()]
        remove_candidates(candidates)
        residual_s = time.perf_counter() - start
        row = {"hunt": name, "matches": len(want), "local_filter_s": local_s, "spark_query_s": spark_s,
               "spark_candidates": result.candidates, "residual_s": residual_s, "same_records": got == want}
        out["hunts"].append(row)
        _log(json.dumps(row))

    # a pull of about 1% of the events
    if args.pull_filter:
        text = args.pull_filter
    else:
        counts = local.backend.con.execute(
            "SELECT json_extract_string(raw, '$.eventName') AS n, count(*) AS c FROM events GROUP BY n").fetchall()
        target_n = len(local) / 100
        text = f'select(.eventName == {json.dumps(min(counts, key=lambda nc: abs(nc[1] - target_n))[0])})'
    _log(f"pull: {text}")
    plan = build(text, "spark")
    start = time.perf_counter()
    result = remote_spark.scan(plan, [args.tree], prepared=prepared, registered=True)
    remote_s = time.perf_counter() - start
    returned = time.perf_counter()
    candidates = write_candidates(result.raws)
    target = Path(candidates[0]).parent / "pull.jsonl"
    pulled = select_exact(candidates, text, target)
    file_s = time.perf_counter() - returned
    import asyncio

    shown_s = asyncio.run(_first_rows(str(target), returned))
    remove_candidates(candidates)
    out["pull"] = {"filter": text, "records": pulled, "share": pulled / max(1, out.get("events") or 1_000_000),
                   "remote_query_s": remote_s, "pull_file_after_remote_s": file_s,
                   "first_rows_after_remote_s": shown_s}
    out["load_after"] = os.getloadavg()
    if local is not None:
        local.close()

    if args.json:
        print(json.dumps(out, indent=2))
    else:
        print(f"{out.get('events', '?')} events, {out['spark_files']} files, {out['cpus']} CPUs; "
              f"load before {out['load_before'][0]:.1f}, after {out['load_after'][0]:.1f}")
        print(f"local duckdb ingest {out.get('local_ingest_s', float('nan')):.1f} s; "
              f"spark session start {out['spark_start_s']:.1f} s")
        print(f"{'hunt':5} {'matches':>8} {'local s':>8} {'spark s':>8} {'cands':>7} {'resid s':>8} same")
        for row in out["hunts"]:
            print(f"{row['hunt']:5} {row['matches']:>8} {row['local_filter_s']:>8.3f} {row['spark_query_s']:>8.2f} "
                  f"{row['spark_candidates']:>7} {row['residual_s']:>8.2f} {row['same_records']}")
        pull = out["pull"]
        shown = pull["first_rows_after_remote_s"]
        print(f"pull {pull['filter']}: {pull['records']} records ({pull['share']:.2%}); remote query "
              f"{pull['remote_query_s']:.1f} s; after it returned: pull file {pull['pull_file_after_remote_s']:.2f} s, "
              f"first rows on screen {'?' if shown is None else f'{shown:.2f}'} s")
    return 0 if all(row["same_records"] for row in out["hunts"]) else 1


if __name__ == "__main__":
    sys.exit(main())
