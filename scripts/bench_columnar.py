#!/usr/bin/env python3
"""Measure the DuckDB backend's load: time, first rows, reopen from the cache, peak memory, and DuckDB's own
naive ``read_json_objects`` ingest of the same files as a baseline.

Usage::

    python scripts/bench_columnar.py [--data DIR] [--shapes tree,jsonl,records] [--repeat N] [--no-naive]

``--data`` is a directory made by ``scripts/bench.py`` (``records.json``, ``tree/``, ``events.jsonl``; default
``/work/benchdata/n1000000-seed7``). Each measurement runs in a fresh child process with a fresh cache
directory. Peak RSS is the parent's high-water mark plus the workers' (``RUSAGE_CHILDREN`` gives the largest
child; two workers run, so twice that is an upper bound). The load average is printed with every result:
the machine is shared, read the figures with it. CPU seconds of the parent (its DuckDB threads included)
and of the workers are printed too: unlike wall time they hardly move with other jobs, and on idle cores
the load cannot take less than ``max(parent, (parent + workers) / cores)``. Results go to stdout as one JSON line per measurement.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHAPE_PATHS = {"tree": "tree", "jsonl": "events.jsonl", "records": "records.json"}


def _hwm_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def child_load(path: str) -> dict:
    sys.path.insert(0, str(REPO))
    from trailtui.engine.columnar import ColumnarBackend

    backend = ColumnarBackend()
    started = time.perf_counter()
    first = None
    for _item in backend.load([path]):
        if first is None and len(backend):
            first = time.perf_counter() - started
    seconds = time.perf_counter() - started
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = {"parent_cpu_s": own.ru_utime + own.ru_stime, "workers_cpu_s": kids.ru_utime + kids.ru_stime}
    t = time.perf_counter()
    backend.display("time", range(100, 300))
    view = time.perf_counter() - t
    t = time.perf_counter()
    backend.order(range(len(backend)), "time")
    sort = time.perf_counter() - t
    result = {"events": len(backend), "seconds": seconds, "first_rows": first, "cached": backend.cache_path is not None,
              "view_200_rows_ms": view * 1000, "sort_all_by_time_ms": sort * 1000,
              **cpu, "parent_rss_mb": _hwm_mb(),
              "worker_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
              "db_mb": (backend.cache_path.stat().st_size >> 20) if backend.cache_path else None}
    backend.close()
    return result


def child_naive(path: str, shape: str) -> dict:
    import duckdb

    con = duckdb.connect(str(Path(tempfile.mkdtemp(prefix="trailtui-naive-")) / "naive.duckdb"))
    con.execute("SET threads=2")
    con.execute("SET enable_progress_bar=false")
    started = time.perf_counter()
    if shape == "jsonl":
        con.execute(f"CREATE TABLE ev AS SELECT json AS raw FROM read_json_objects('{path}', format='newline_delimited')")
    else:
        glob = f"{path}/**/*.json.gz" if shape == "tree" else path
        con.execute(f"CREATE TABLE docs AS SELECT json FROM read_json_objects('{glob}', maximum_object_size=2000000000)")
        con.execute("CREATE TABLE ev AS SELECT unnest(json_extract(json, '$.Records[*]')) AS raw FROM docs")
    count = con.execute("SELECT count(*) FROM ev").fetchone()[0]
    return {"events": count, "seconds": time.perf_counter() - started, "parent_rss_mb": _hwm_mb()}


def run_child(args: list[str], env: dict) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True, text=True, env=env,
                         timeout=7200)
    if out.returncode != 0:
        return {"error": out.stderr.strip().splitlines()[-1:] or ["failed"]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default="/work/benchdata/n1000000-seed7")
    parser.add_argument("--shapes", default="tree,jsonl,records")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--no-naive", action="store_true")
    parser.add_argument("--keep-cache", metavar="DIR", help="build the cache in DIR (XDG_CACHE_HOME) and keep it, "
                        "to ask questions of it afterwards (e.g. the 10M run); default: a temporary directory")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        kind, *rest = options.child
        result = child_load(rest[0]) if kind == "load" else child_naive(rest[0], rest[1])
        print(json.dumps(result))
        return 0
    for shape in options.shapes.split(","):
        path = str(Path(options.data) / SHAPE_PATHS[shape])
        loads, reopens = [], []
        for _ in range(options.repeat):
            cache_home = options.keep_cache or tempfile.mkdtemp(prefix="trailtui-bench-cache-")
            env = dict(os.environ, XDG_CACHE_HOME=cache_home)
            load1 = os.getloadavg()[0]
            try:
                loads.append({**run_child(["load", path], env), "loadavg": load1})
                reopens.append({**run_child(["load", path], env), "loadavg": os.getloadavg()[0]})
            finally:
                if not options.keep_cache:
                    shutil.rmtree(cache_home, ignore_errors=True)  # a cached database: ~0.6 GB per million events
        for label, runs in (("load", loads), ("reopen", reopens)):
            ok = [r for r in runs if "seconds" in r]
            summary = {"shape": shape, "what": label, "runs": runs}
            if ok:
                summary["median_seconds"] = statistics.median(r["seconds"] for r in ok)
            print(json.dumps(summary), flush=True)
        if not options.no_naive:
            print(json.dumps({"shape": shape, "what": "duckdb read_json_objects (naive)", "loadavg": os.getloadavg()[0],
                              **run_child(["naive", path, shape], dict(os.environ))}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
