#!/usr/bin/env python3
"""trailtui's benchmark: load, filter, pivot, sort and app latency at up to a million events.

Usage::

    python scripts/bench.py [--events N] [--quick] [--json] [--vs-jq] [--data DIR] [--only SECTION,...]

Sections: ``load`` (each input shape, in a fresh subprocess, against a bare ``orjson.loads`` baseline),
``filters`` (median latency of the questions a responder asks, on a loaded store), ``app`` (Textual Pilot:
first rows shown, filter-as-you-type, key-to-screen latency while a filter or a load runs) and ``jq``
(the same questions asked of the jq CLI, with ``--vs-jq``). See scripts/README.md for what each figure means.

Test data comes from ``trailtui.tools.samplegen`` and is cached under ``--data`` (default
``benchmarks-data/`` in the repository root, git-ignored). Progress goes to stderr; the result table (or,
with ``--json``, one JSON document) goes to stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import gzip
import hashlib
import inspect
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
import traceback
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

SCHEMA = 1
"""Version of the ``--json`` document layout."""

SECTIONS = ("load", "filters", "app", "jq")
BACKEND = "memory"
"""The backend measured (``--backend``)."""
SHAPES = ("records", "tree", "jsonl")
"""Input shapes measured: one Records JSON file, a gzip S3 delivery tree, JSON Lines."""

TARGETS_MS = {"jq": 1000.0, "field": 20.0, "pivot": 20.0, "sort": 300.0, "facets": 100.0, "timeline": 50.0, "find": 50.0}
"""Latency targets per kind of question at 1M events (issue #11: any filter 1 s, indexed and pivots 20 ms, sort 300 ms;
issue #15: the 8 facets 100 ms, the timeline 50 ms and find-next 50 ms once the view's rows are known)."""

BUCKET = "wareville-care4wares"
DEFAULT_SEED = 7

_T0 = time.perf_counter()


def log(message: str) -> None:
    """Progress to stderr (stdout is reserved for the result)."""
    print(f"[bench {time.perf_counter() - _T0:7.1f}s] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------------
# Memory and machine


def _status_kb(name: str) -> Optional[int]:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(name + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def peak_rss_bytes() -> int:
    """This process's peak resident set size (VmHWM, else ru_maxrss)."""
    kb = _status_kb("VmHWM")
    if kb is None:
        kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb * 1024


def rss_bytes() -> int:
    """This process's current resident set size (VmRSS; 0 when unknown)."""
    kb = _status_kb("VmRSS")
    return (kb or 0) * 1024


def _version(dist: str) -> Optional[str]:
    try:
        from importlib.metadata import version

        return version(dist)
    except Exception:
        return None


def machine_info(jq_path: str) -> dict[str, Any]:
    """CPU, cores, RAM, OS, Python and the versions of what is measured."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if line.lower().startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem_kb = None
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemTotal:"):
                    mem_kb = int(line.split()[1])
    except OSError:
        pass
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count()
    commit = None
    try:
        commit = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=10
        ).stdout.strip() or None
        dirty = subprocess.run(
            ["git", "-C", str(REPO), "status", "--porcelain", "--", "trailtui"],
            capture_output=True, text=True, timeout=10,
        ).stdout.strip()
        if commit and dirty:
            commit += "+dirty"
    except (OSError, subprocess.SubprocessError):
        pass
    jq_version = None
    if jq_path and shutil.which(jq_path):
        try:
            jq_version = subprocess.run([jq_path, "--version"], capture_output=True, text=True, timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            pass
    return {
        "cpu": cpu,
        "cores": cores,
        "ram_gb": round(mem_kb / 1024 / 1024, 1) if mem_kb else None,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "versions": {
            "trailtui": commit,
            "textual": _version("textual"),
            "orjson": _version("orjson"),
            "jq (PyPI)": _version("jq"),
            "jq CLI": jq_version,
        },
    }


# ---------------------------------------------------------------------------------------------------
# Children: every heavy measurement runs in a fresh interpreter so peaks and caches don't mix.


def run_child(args: Sequence[str], timeout: float) -> dict[str, Any]:
    """Run ``bench.py --_child ARGS`` and return the JSON object it prints last."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--_child", *args]
    try:
        # stderr passes through: the child's progress and tracebacks show up in ours.
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, timeout=timeout, cwd=str(REPO))
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s: {args[0]}"}
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if not lines:
        return {"error": f"child {args[0]} exited {proc.returncode} without a result (see stderr)"}
    return json.loads(lines[-1])


def _emit(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def child_main(argv: list[str]) -> int:
    """Entry point of a child process (``--_child KIND ...``)."""
    kind, rest = argv[0], argv[1:]
    try:
        if kind == "gen":
            _emit(child_gen(rest[0], rest[1], int(rest[2]), int(rest[3])))
        elif kind == "load":
            _emit(child_load(rest[0], int(rest[1]), rest[2] if len(rest) > 2 else "memory"))
        elif kind == "baseline":
            _emit(child_baseline(rest[0], rest[1]))
        elif kind == "app":
            _emit(child_app(json.loads(rest[0])))
        else:
            raise SystemExit(f"unknown child {kind}")
    except Exception as err:  # the parent reports it as this section's error
        traceback.print_exc()
        _emit({"error": f"{type(err).__name__}: {err}"})
    return 0


# ---------------------------------------------------------------------------------------------------
# Data


def _generator_fingerprint() -> str:
    """A hash of the generator's source: cached data is regenerated when the generator changes."""
    try:
        from trailtui.tools import samplegen

        return hashlib.sha256(Path(samplegen.__file__).read_bytes()).hexdigest()[:12]
    except Exception:
        return "unknown"


def child_gen(shape: str, out: str, n: int, seed: int) -> dict[str, Any]:
    """Write one shape with the samples generator; report its size on disk and as raw JSON."""
    from trailtui.tools import samplegen

    started = time.perf_counter()
    kwargs: dict[str, Any] = {"seed": seed}
    params = inspect.signature(samplegen.write).parameters
    if "incident" in params:
        kwargs["incident"] = True  # the Wareville incident the bucket/AttachUserPolicy questions look for
    samplegen.write(out, n, shape, **kwargs)
    elapsed = time.perf_counter() - started
    disk, raw, files = _sizes(Path(out))
    return {"shape": shape, "seconds": elapsed, "disk_bytes": disk, "raw_bytes": raw, "files": files}


def _files_of(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file())
    return [path]


def _is_gzip(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


def _sizes(path: Path) -> tuple[int, int, int]:
    """(bytes on disk, bytes of JSON once decompressed, file count)."""
    disk = raw = 0
    files = _files_of(path)
    for file in files:
        size = file.stat().st_size
        disk += size
        if _is_gzip(file):
            with gzip.open(file, "rb") as fh:
                while True:
                    block = fh.read(1 << 20)
                    if not block:
                        break
                    raw += len(block)
        else:
            raw += size
    return disk, raw, len(files)


def data_paths(root: Path) -> dict[str, Path]:
    return {"records": root / "records.json", "tree": root / "tree", "jsonl": root / "events.jsonl"}


def ensure_data(data_dir: Path, n: int, seed: int) -> dict[str, Any]:
    """Generate (or reuse) the three shapes of ``n`` events; returns the manifest."""
    root = data_dir / f"n{n}-seed{seed}"
    manifest_path = root / "manifest.json"
    fingerprint = _generator_fingerprint()
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
        if manifest.get("generator") == fingerprint and all(Path(p).exists() for p in manifest["paths"].values()):
            log(f"reusing data in {root}")
            manifest["cached"] = True
            return manifest
        log(f"generator changed or data incomplete: regenerating {root}")
        shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True, exist_ok=True)
    paths = data_paths(root)
    shapes: dict[str, Any] = {}
    for shape, path in paths.items():
        log(f"generating {n:,} events as {shape} -> {path}")
        result = run_child(["gen", shape, str(path), str(n), str(seed)], timeout=3600)
        if "error" in result:
            raise RuntimeError(f"generating {shape}: {result['error']}")
        shapes[shape] = result
    manifest = {
        "events": n,
        "seed": seed,
        "generator": fingerprint,
        "paths": {k: str(v) for k, v in paths.items()},
        "shapes": shapes,
    }
    manifest_path.write_text(json.dumps(manifest, indent=1))
    manifest["cached"] = False
    return manifest


def warm_page_cache(paths: Sequence[str]) -> None:
    """Read every input once so each measurement starts from a warm page cache."""
    for path in paths:
        for file in _files_of(Path(path)):
            with open(file, "rb") as fh:
                while fh.read(8 << 20):
                    pass


# ---------------------------------------------------------------------------------------------------
# Load


def child_load(path: str, expected: int, backend: str = "memory") -> dict[str, Any]:
    """Load one input through a Session on ``backend``, the way the app does."""
    from trailtui.engine.backend import make_backend
    from trailtui.engine.model import Problem, RecordBatch
    from trailtui.engine.session import Session

    rss_before = rss_bytes()
    session = Session(make_backend(backend, **_backend_options(backend)))
    problems: list[str] = []
    batches = 0
    first_rows: Optional[float] = None
    started = time.perf_counter()
    for item in session.load([path]):
        if isinstance(item, RecordBatch) or type(item).__name__ == "RowsAdded":
            batches += 1
        if first_rows is None and len(session):
            first_rows = time.perf_counter() - started
        if isinstance(item, Problem):
            problems.append(item.message)
    elapsed = time.perf_counter() - started
    return {
        "seconds": elapsed,
        "store_seconds": 0.0,
        "first_rows_seconds": first_rows,
        "events": len(session),
        "expected": expected,
        "batches": batches,
        "problems": problems[:5],
        "peak_rss": peak_rss_bytes() + _children_peak_rss(),
        "rss_before": rss_before,
        "rss_after": rss_bytes(),
    }


def _backend_options(backend: str) -> dict[str, Any]:
    """Benchmarks measure a cold load: no cache for the columnar backend."""
    return {"cache": False} if backend == "duckdb" else {}


def _children_peak_rss() -> int:
    """Peak RSS of the largest finished child process (the columnar ingest's workers), in bytes."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024


def child_baseline(shape: str, path: str) -> dict[str, Any]:
    """The floor: read (and gunzip) the same bytes and ``orjson.loads`` them, keeping the parsed values."""
    import orjson

    loads = orjson.loads
    kept: list[Any] = []
    events = 0
    gc.disable()
    started = time.perf_counter()
    if shape == "jsonl":
        with open(path, "rb") as fh:
            data = fh.read()
        for line in data.splitlines():
            if line.strip():
                kept.append(loads(line))
        events = len(kept)
        del data
    else:
        for file in _files_of(Path(path)):
            with open(file, "rb") as fh:
                data = fh.read()
            if data[:2] == b"\x1f\x8b":
                data = gzip.decompress(data)
            doc = loads(data)
            kept.append(doc)
            if isinstance(doc, dict) and isinstance(doc.get("Records"), list):
                events += len(doc["Records"])
    elapsed = time.perf_counter() - started
    return {"seconds": elapsed, "events": events, "peak_rss": peak_rss_bytes()}


def bench_load(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """Each shape: trailtui's loader + store vs the bare orjson baseline, each in a fresh process."""
    n = manifest["events"]
    warm_page_cache(list(manifest["paths"].values()))
    out = []
    for shape in SHAPES:
        path = manifest["paths"][shape]
        info = manifest["shapes"][shape]
        raw = info["raw_bytes"]
        log(f"load {shape}: trailtui")
        mine = run_child(["load", path, str(n), BACKEND], timeout=3600)
        log(f"load {shape}: orjson baseline")
        base = run_child(["baseline", shape, path], timeout=3600)
        row: dict[str, Any] = {"shape": shape, "files": info["files"], "disk_bytes": info["disk_bytes"], "raw_bytes": raw}
        if "error" in mine:
            row["error"] = mine["error"]
        else:
            secs = mine["seconds"]
            row.update(
                seconds=secs,
                events=mine["events"],
                events_per_s=mine["events"] / secs if secs else None,
                mb_per_s=raw / 1e6 / secs if secs else None,
                store_seconds=mine["store_seconds"],
                loader_seconds=secs - mine["store_seconds"],
                first_rows_seconds=mine["first_rows_seconds"],
                peak_rss=mine["peak_rss"],
                rss_after=mine["rss_after"],
                rss_per_raw_byte=mine["peak_rss"] / raw if raw else None,
                retained_per_event=(mine["rss_after"] - mine["rss_before"]) / mine["events"] if mine["events"] else None,
                problems=mine["problems"],
            )
        if "error" in base:
            row["baseline_error"] = base["error"]
        else:
            row.update(baseline_seconds=base["seconds"], baseline_peak_rss=base["peak_rss"], baseline_events=base["events"])
            if "seconds" in row and base["seconds"]:
                row["ratio"] = row["seconds"] / base["seconds"]
        out.append(row)
    return out


# ---------------------------------------------------------------------------------------------------
# Filters


def build_store_inprocess(path: str) -> tuple[Any, float]:
    """Load ``path`` into a backend here (``--backend``), as the app does."""
    from trailtui.engine.backend import make_backend
    from trailtui.engine.session import Session

    session = Session(make_backend(BACKEND, **_backend_options(BACKEND)))
    started = time.perf_counter()
    for _ in session.load([path]):
        pass
    return session.backend, time.perf_counter() - started


def _lit(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _most_common(values: Sequence[str]) -> Optional[str]:
    counts: dict[str, int] = {}
    for value in values:
        if value:
            counts[value] = counts.get(value, 0) + 1
    return max(counts, key=counts.__getitem__) if counts else None


def question_list(store: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The questions to time, with values chosen from the data (documented in the result)."""
    from trailtui.engine.query import compile_query

    n = len(store)
    suspicious = store.filter(compile_query('.eventName == "AttachUserPolicy"')).rows
    # Pivot from the suspicious event, as an investigator would; fall back to the middle row.
    pivot_row = suspicious[0] if len(suspicious) else n // 2
    everyone = range(n)
    actor = store.display("actor_key", [pivot_row])[0] or _most_common(store.display("actor_key", everyone)) or ""
    ip = store.display("ip_key", [pivot_row])[0] or _most_common(store.display("ip_key", everyone)) or ""
    regions: dict[str, int] = {}
    for rec in store.records(range(0, n, max(1, n // 5000))):
        region = rec.get("awsRegion") if isinstance(rec, dict) else None
        if isinstance(region, str):
            regions[region] = regions.get(region, 0) + 1
    region = max(regions, key=regions.__getitem__) if regions else "us-east-1"
    by_time = store.order(range(n), "time")
    t_lo = next(store.records([by_time[int(n * 0.40)]])).get("eventTime") if n else "2024-12-01T00:00:00Z"
    t_hi = next(store.records([by_time[min(n - 1, int(n * 0.50))]])).get("eventTime") if n else "2024-12-02T00:00:00Z"
    chosen = {"pivot_row": pivot_row, "actor_key": actor, "ip_key": ip, "region": region, "time_from": t_lo, "time_to": t_hi}

    s3 = f'.Records[] | select(.eventSource == "s3.amazonaws.com" and .requestParameters.bucketName=={_lit(BUCKET)})'
    proj = '.Records[] | [.eventTime, .eventName, .userIdentity.userName // "N/A", .sourceIPAddress // "N/A"]'

    def sel(cond: str) -> str:
        return f".Records[] | select({cond})"

    q: list[dict[str, Any]] = [
        {"name": "eventName == AttachUserPolicy", "group": "jq", "text": '.eventName == "AttachUserPolicy"',
         "jq": sel('.eventName == "AttachUserPolicy"')},
        {"name": "requestParameters.bucketName", "group": "jq", "text": f".requestParameters.bucketName == {_lit(BUCKET)}",
         "jq": sel(f".requestParameters.bucketName == {_lit(BUCKET)}")},
        {"name": "S3 program (source and bucket)", "group": "jq", "text": s3, "jq": s3},
        {"name": 'errorCode // "" | test(AccessDenied)', "group": "jq", "text": '(.errorCode // "") | test("AccessDenied")',
         "jq": sel('(.errorCode // "") | test("AccessDenied")')},
        {"name": "userAgent | contains(aws-cli)", "group": "jq", "text": '.userAgent | contains("aws-cli")',
         "jq": sel('.userAgent | contains("aws-cli")')},
        {"name": "projection with // (all cells)", "group": "jq", "text": proj, "jq": proj, "cells": True},
        {"name": "field: eventSource", "group": "field", "text": 'select(.eventSource == "s3.amazonaws.com")',
         "jq": sel('.eventSource == "s3.amazonaws.com"')},
        {"name": "field: actor_key", "group": "field", "text": f"select(actor_key == {_lit(actor)})",
         "jq": sel(f"actor_key == {_lit(actor)}"), "prelude": True},
        {"name": "field: ip_key", "group": "field", "text": f"select(ip_key == {_lit(ip)})",
         "jq": sel(f"ip_key == {_lit(ip)}"), "prelude": True},
        {"name": "field: errorCode", "group": "field", "text": 'select(.errorCode == "AccessDenied")',
         "jq": sel('.errorCode == "AccessDenied"')},
        {"name": "field: awsRegion", "group": "field", "text": f"select(.awsRegion == {_lit(region)})",
         "jq": sel(f".awsRegion == {_lit(region)}")},
        {"name": "field: eventTime range (10%)", "group": "field",
         "text": f"select(.eventTime >= {_lit(t_lo)} and .eventTime < {_lit(t_hi)})",
         "jq": sel(f".eventTime >= {_lit(t_lo)} and .eventTime < {_lit(t_hi)}")},
        {"name": "pivot: user", "group": "pivot", "pivot": "user", "row": pivot_row},
        {"name": "pivot: ip", "group": "pivot", "pivot": "ip", "row": pivot_row},
        {"name": "sort all by time", "group": "sort", "sort": "time", "jq": ".Records | sort_by(.eventTime) | .[]"},
        {"name": "sort all by event name", "group": "sort", "sort": "event", "jq": ".Records | sort_by(.eventName) | .[]"},
        {"name": "slow: roleArn // \"\" | test(admin)", "group": "jq",
         "text": '(.requestParameters.roleArn // "") | test("admin")', "jq": sel('(.requestParameters.roleArn // "") | test("admin")')},
        {"name": "slow: requestParameters | tostring | contains", "group": "jq",
         "text": '.requestParameters | tostring | contains("policy")', "jq": sel('.requestParameters | tostring | contains("policy")')},
        {"name": "slow: .. | strings | test(Admin)", "group": "jq",
         "text": '[.. | strings | select(test("Admin"))] | length > 0', "jq": sel('[.. | strings | select(test("Admin"))] | length > 0')},
        {"name": "projection sorted by a projected column", "group": "jq", "sorted_projection": True,
         "text": '[.eventName, (.requestParameters | length)]', "jq": ".Records | sort_by(.eventName) | .[] | [.eventName]"},
    ]
    # Issue #15: the picture of a view once its rows are known (the view is computed before timing).
    failures = 'select(.errorCode != null)'
    q += [
        {"name": "facets: all 8, every event", "group": "facets", "view": "", "summary": "facets"},
        {"name": "facets: all 8, S3 events", "group": "facets", "view": 'select(.eventSource == "s3.amazonaws.com")',
         "summary": "facets"},
        {"name": "facets: all 8, failed calls", "group": "facets", "view": failures, "summary": "facets"},
        {"name": "timeline: every event, 150 buckets", "group": "timeline", "view": "", "summary": "timeline"},
        {"name": "timeline: S3 events, 150 buckets", "group": "timeline",
         "view": 'select(.eventSource == "s3.amazonaws.com")', "summary": "timeline"},
        {"name": "find-next: AccessDenied from mid-view", "group": "find", "view": "", "summary": "find",
         "needle": "AccessDenied"},
        {"name": "find-next: the pivot IP from mid-view", "group": "find", "view": "", "summary": "find",
         "needle": ip.split(":", 1)[-1].split("@", 1)[0] if ip else "AttachUserPolicy"},
    ]
    for number, hunt in enumerate(_hunts(), 1):
        q.append({"name": f"hunt Q{number:02d}", "group": "jq", "text": hunt, "jq": f".Records[] | {hunt}"})
    return q, chosen


def _hunts() -> list[str]:
    """The 28 per-record hunts of the CloudTrail guide §5, as the jq corpus keeps them (verbatim)."""
    lines = (REPO / "tests" / "jq_corpus" / "filters.jq").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("# Threat hunts Q01-Q28"))
    hunts = []
    for line in lines[start + 1 :]:
        if line.startswith("#"):
            break
        if line.strip():
            hunts.append(line.strip())
    return hunts


def _measure(fn: Callable[[], tuple[int, int]], repeat: int) -> dict[str, Any]:
    times = []
    matches = decoded = 0
    for _ in range(repeat):
        started = time.perf_counter()
        matches, decoded = fn()
        times.append(time.perf_counter() - started)
    return {
        "median_ms": statistics.median(times) * 1000,
        "first_ms": times[0] * 1000,
        "max_ms": max(times) * 1000,
        "runs": repeat,
        "matches": matches,
        "decoded": decoded,
    }


def time_question(store: Any, q: dict[str, Any], repeat: int) -> dict[str, Any]:
    """Median wall time of one question (compile + plan + evaluate, through the backend)."""
    from trailtui.engine.pivots import pivot_for, pivot_rows
    from trailtui.engine.query import compile_query
    from trailtui.engine.session import Session, Sort

    if "sort" in q:
        key = q["sort"]
        everyone = range(len(store))

        def fn() -> tuple[int, int]:
            return len(store.order(everyone, key)), 0

    elif "pivot" in q:
        probe = pivot_for(store, q["row"], q["pivot"])
        if probe is None:
            return {"error": f"row {q['row']} has no {q['pivot']} pivot"}
        q["text"] = probe.filter
        decoded = store.filter(compile_query(probe.filter)).decoded

        def fn() -> tuple[int, int]:
            pivot = pivot_for(store, q["row"], q["pivot"])
            return len(pivot_rows(store, pivot)), decoded

    elif "summary" in q:
        from trailtui.engine import facets, timeline
        from trailtui.engine.find import find_row

        view = Session(store).view(q["view"], sort=Sort())
        kind = q["summary"]
        fields = [facets.FACET_FIELDS[name] for name in facets.DEFAULT_FACETS]

        def fn() -> tuple[int, int]:
            if kind == "facets":
                found = facets.facet_counts(store, view.rows, fields)
                return sum(len(f.values) for f in found), len(view)
            if kind == "timeline":
                return len(timeline.histogram(store, view.rows, 150).counts), len(view)
            position, _wrapped = find_row(view, q["needle"], len(view) // 2)
            return (0 if position is None else position - len(view) // 2), 0

    elif q.get("sorted_projection"):
        session = Session(store)

        def fn() -> tuple[int, int]:
            view = session.view(q["text"], sort=Sort("#0"))
            return len(view), len(view)

    elif q.get("cells"):
        session = Session(store)

        def fn() -> tuple[int, int]:
            # The product's path: a view in load order, then every cell as export reads them (the columnar
            # backend computes them in SQL, the in-memory one runs jq per event).
            view = session.view(q["text"], sort=None)
            count = len(list(view.iter_values()))  # as export reads them
            return len(view), view.result.decoded + count

    else:

        def fn() -> tuple[int, int]:
            result = store.filter(compile_query(q["text"]))
            return len(result.rows), result.decoded

    return _measure(fn, repeat)


def bench_filters(manifest: dict[str, Any], repeat: int) -> dict[str, Any]:
    """Every question against a store loaded here from the Records file."""
    log("filters: loading the Records file into a store")
    rss0 = rss_bytes()
    store, load_s = build_store_inprocess(manifest["paths"]["records"])
    log(f"filters: {len(store):,} events in {load_s:.1f} s; timing {repeat} runs per question")
    questions, chosen = question_list(store)
    rows = []
    for q in questions:
        try:
            timing = time_question(store, q, repeat)
        except Exception as err:
            timing = {"error": f"{type(err).__name__}: {err}"}
        target = TARGETS_MS[q["group"]]
        row = {k: v for k, v in q.items() if k not in ("row",)}
        row.update(timing, target_ms=target)
        if "median_ms" in timing:
            row["pass"] = timing["median_ms"] <= target
        rows.append(row)
        log(f"  {q['name']}: " + (f"{timing['median_ms']:.1f} ms, {timing['matches']:,} matches"
                                  if "median_ms" in timing else timing["error"]))
    result = {"events": len(store), "load_seconds": load_s, "store_rss": rss_bytes() - rss0, "chosen": chosen,
              "questions": rows}
    del store
    gc.collect()
    return result


# ---------------------------------------------------------------------------------------------------
# App (Textual Pilot, in a child process)


class FrameProbe:
    """Timestamps of composed frames, and whether the event table painted lines in them.

    ``App._display`` runs once per composed frame, after the compositor rendered the dirty lines (the
    headless driver then discards the output, but the rendering work has been done). The table's
    ``render_line`` is wrapped to note when it painted and where its cursor was at that moment, and its
    ``set_model`` to note when a new view (a filter result, a load update) was swapped in.
    """

    def __init__(self, app: Any) -> None:
        self.app = app
        self.table: Any = None
        self.frames = 0
        self.first_frame: Optional[float] = None
        self.painted = False
        self.painted_cursor: Any = None
        self.table_frames: list[tuple[float, Any, int]] = []
        """(time, cursor row when painted, rows in the model) of frames in which the table painted."""
        self.first_rows_frame: Optional[float] = None
        self.model_sets = 0
        self.last_model_set = 0.0
        original = app._display

        def display(screen: Any, renderable: Any) -> Any:
            result = original(screen, renderable)
            if renderable is not None:
                self._frame()
            return result

        app._display = display

    def attach(self, table: Any) -> None:
        """Start watching the table's painting and model swaps."""
        self.table = table
        render_line = table.render_line
        set_model = table.set_model

        def painting(y: int) -> Any:
            self.painted = True
            self.painted_cursor = getattr(table, "cursor_row", None)
            return render_line(y)

        def swapping(*args: Any, **kwargs: Any) -> Any:
            result = set_model(*args, **kwargs)
            self.model_sets += 1
            self.last_model_set = time.perf_counter()
            return result

        table.render_line = painting
        table.set_model = swapping

    def _frame(self) -> None:
        now = time.perf_counter()
        self.frames += 1
        if self.first_frame is None:
            self.first_frame = now
        if self.painted and self.table is not None:
            model = getattr(self.table, "model", None)
            size = len(model) if model is not None else 0
            self.table_frames.append((now, self.painted_cursor, size))
            if len(self.table_frames) > 10000:
                del self.table_frames[:5000]
            if self.first_rows_frame is None and size > 0:
                self.first_rows_frame = now
        self.painted = False

    def table_frame_after(self, since: float, cursor: Any = None) -> Optional[float]:
        """The first frame after ``since`` in which the table painted (with its cursor at ``cursor``)."""
        for when, painted_cursor, _size in self.table_frames:
            if when >= since and (cursor is None or painted_cursor == cursor):
                return when
        return None


def _pct(values: list[float], q: float) -> Optional[float]:
    if not values:
        return None
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(round(q * (len(ordered) - 1)))))
    return ordered[k]


def _summary(samples: list[float], timeouts: int, note: str = "") -> dict[str, Any]:
    ms = [s * 1000 for s in samples]
    return {
        "samples": len(ms),
        "timeouts": timeouts,
        "p50_ms": _pct(ms, 0.5),
        "p95_ms": _pct(ms, 0.95),
        "max_ms": max(ms) if ms else None,
        "note": note,
    }


async def _wait_for(cond: Callable[[], bool], timeout: float, step: float = 0.002) -> bool:
    import asyncio

    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if cond():
            return True
        await asyncio.sleep(step)
    return cond()


async def _key_latency(pilot: Any, probe: FrameProbe, table: Any, busy: Callable[[], bool], samples: int,
                       keep_busy: Optional[Callable[[], None]] = None) -> dict[str, Any]:
    """Press "down" up to ``samples`` times while ``busy()``; time press -> frame painting the moved cursor.

    The key goes to the app's driver as a terminal's would (what Pilot does), and the cursor's new position
    is read the moment it moves: Pilot's ``press`` then waits for the whole process to be idle, which never
    happens while a load runs (up to a second), and a view swapped in meanwhile (a sorted view grows while
    loading) moves the cursor's position again, so reading it after ``press`` returned timed the swap, not
    the key. A press counts when the work was running at the moment of the press. ``swapped`` counts the
    presses during which the table's model was swapped (a filter result or a load update arrived); the
    table keeps the cursor on the same event across a swap, so the movement is still the key's.
    """
    from textual import events
    got: list[float] = []
    busy_after: list[float] = []
    timeouts = swapped = 0
    attempts = 0
    while len(got) + timeouts < samples and attempts < samples * 4:
        attempts += 1
        if not busy():
            if keep_busy is None:
                break
            keep_busy()
            if not await _wait_for(busy, 5.0, 0.0005):
                break
        model = getattr(table, "model", None)
        size = len(model) if model is not None else 0
        if size < 2:
            await _wait_for(lambda: len(getattr(table, "model", None) or ()) >= 2, 2.0)
            continue
        if (table.cursor_row or 0) >= size - 1:
            await pilot.press("home")
            continue
        if not busy():
            continue
        before = table.cursor_row
        sets = probe.model_sets
        started = time.perf_counter()
        pilot.app._driver.send_message(events.Key("down", None))
        moved = await _wait_for(lambda: table.cursor_row != before, 5.0, 0.0005)
        if not moved:
            timeouts += 1
            continue
        target = table.cursor_row
        busy_after.append(time.perf_counter() - started)
        ok = await _wait_for(lambda: probe.table_frame_after(started, target) is not None, 5.0)
        when = probe.table_frame_after(started, target)
        if probe.model_sets != sets:
            swapped += 1
        if not ok or when is None:
            timeouts += 1
            continue
        got.append(when - started)
        await asyncio.sleep(0.15)  # about a person's key repeat, and time for the work to go on
    result = _summary(got, timeouts)
    result["swapped"] = swapped
    # From the key to the table's cursor having moved (the key handled), before the frame.
    result["handled_p50_ms"] = _pct([b * 1000 for b in busy_after], 0.5)
    return result


def _current_query(main: Any) -> Any:
    """The EventQuery of the view on screen (None before the first one)."""
    return main.view.query if main.view is not None else None


def _filter_running(app: Any) -> bool:
    from textual.worker import WorkerState

    return any(w.group == "filter" and w.state in (WorkerState.PENDING, WorkerState.RUNNING) for w in app.workers)


async def _app_bench(cfg: dict[str, Any]) -> dict[str, Any]:
    from trailtui.ui.state import ViewState
    from trailtui.ui.app import TrailApp
    from trailtui.ui.widgets.event_table import EventTable
    from trailtui.ui.widgets.filter_bar import FilterBar

    from trailtui.engine.backend import make_backend
    from trailtui.engine.session import Session

    samples = cfg["samples"]
    backend = cfg.get("backend", "memory")
    out: dict[str, Any] = {"path": cfg["path"], "events": cfg["events"], "backend": backend}
    started = time.perf_counter()
    # The backend measured, cold (no cache): the load is part of what is timed.
    app = TrailApp(paths=[cfg["path"]], session=Session(make_backend(backend, **_backend_options(backend))))
    probe = FrameProbe(app)
    async with app.run_test(size=(160, 50)) as pilot:
        await _wait_for(lambda: app.main_screen is not None and app.main_screen.is_mounted, 30.0)
        main = app.main_screen
        table = main.query_one(EventTable)
        probe.attach(table)
        log("app: waiting for the first rows")
        shown = await _wait_for(lambda: probe.first_rows_frame is not None, 600.0)
        out["first_rows_shown_s"] = probe.first_rows_frame - started if shown else None
        out["first_frame_s"] = probe.first_frame - started if probe.first_frame else None

        # Cursor keys while the load is still running.
        table.focus()
        log("app: cursor keys while loading")
        out["keys_during_load"] = await _key_latency(pilot, probe, table, lambda: bool(main.is_loading), samples)
        if not out["keys_during_load"]["samples"]:
            out["keys_during_load"]["note"] = "the load finished before any key could be timed"
        await _wait_for(lambda: not main.is_loading, 3600.0, 0.01)
        out["load_done_s"] = time.perf_counter() - started
        out["events_loaded"] = len(main.session)
        await _wait_for(lambda: not _filter_running(app), 600.0, 0.01)
        await pilot.pause()

        # Filter as you type: every character a key press, timed until the table shows the final result.
        typing = []
        for text in cfg["typed"]:
            log(f"app: typing {text}")
            bar = main.query_one(FilterBar)
            bar.value = ""
            table.focus()  # "/" from the table focuses the filter bar (from the bar it would be typed)
            await pilot.pause()
            await _wait_for(lambda: not _filter_running(app), 600.0, 0.01)
            await pilot.press("slash")
            await pilot.pause()
            if bar.value:
                raise RuntimeError(f"the filter bar holds {bar.value!r} before typing")
            presses = []
            t_first = t_last = time.perf_counter()
            for ch in text:
                t_last = time.perf_counter()
                await pilot.press(ch)
                presses.append(time.perf_counter() - t_last)
            typed_s = time.perf_counter() - t_first

            def applied() -> bool:
                q = _current_query(main)
                return q is not None and q.text.strip() == text and main.applied_generation == main.generation

            ok = await _wait_for(applied, 600.0)
            frame = None
            if ok:
                swapped_at = probe.last_model_set
                await _wait_for(lambda: probe.table_frame_after(swapped_at) is not None, 10.0)
                frame = probe.table_frame_after(swapped_at)
            typing.append({
                "filter": text,
                "keys": len(text),
                "typing_s": typed_s,
                "press_p50_ms": _pct([p * 1000 for p in presses], 0.5),
                "press_max_ms": max(presses) * 1000,
                "last_key_to_result_s": (frame - t_last) if frame is not None else None,
                "first_key_to_result_s": (frame - t_first) if frame is not None else None,
                "shown": len(table.model) if ok and table.model is not None else None,
                "status": "ok" if frame is not None else ("no frame after the result" if ok else "timed out"),
            })
        out["typing"] = typing

        # Cursor keys while filters run: one the engine answers quickly (results keep arriving and are swapped
        # in), and one evaluated by jq per event (on the columnar engine: in worker processes, seconds at 1M).
        table.focus()
        await pilot.pause()
        for key, pair in (("keys_during_filter", cfg["slow_filter"]), ("keys_during_jq_filter", cfg["jq_filter"])):
            flip = [0]

            def restart(pair: list[str] = pair) -> None:
                flip[0] ^= 1
                main.state = ViewState(pair[flip[0]])

            restart()
            log(f"app: cursor keys while {pair[0]} runs")
            out[key] = await _key_latency(pilot, probe, table, lambda: _filter_running(app), samples, restart)
            out[key]["note"] = f"while {pair[0]} runs"
            for worker in list(app.workers):
                if worker.group == "filter":
                    worker.cancel()
            await _wait_for(lambda: not _filter_running(app), 60.0, 0.01)
        for worker in list(app.workers):
            worker.cancel()
        await pilot.pause()
    out["peak_rss"] = peak_rss_bytes()
    return out


def child_app(cfg: dict[str, Any]) -> dict[str, Any]:
    import asyncio

    return asyncio.run(_app_bench(cfg))


def bench_app(manifest: dict[str, Any], quick: bool) -> dict[str, Any]:
    n = manifest["events"]
    cfg = {
        "path": manifest["paths"]["tree"],  # the shape real trails have
        "backend": BACKEND,
        "events": n,
        "samples": 10 if quick else 60,
        # Pilot key presses are slow (each waits for the app to be idle again): --quick types one filter.
        "typed": ['.eventName == "AttachUserPolicy"'] + ([] if quick else ['.userAgent | contains("aws-cli")']),
        "slow_filter": ['select(.eventTime >= "1")', 'select(.eventTime >= "0")'],
        # explode has no SQL translation: every event goes through jq.
        "jq_filter": ['select(.eventName | explode | length > 20)', 'select(.eventName | explode | length > 21)'],
    }
    log("app: Pilot run (first rows, keys during load, typing, keys during a filter)")
    return run_child(["app", json.dumps(cfg)], timeout=7200)


# ---------------------------------------------------------------------------------------------------
# jq CLI


def _run_measured(cmd: list[str], timeout: float) -> dict[str, Any]:
    """Run ``cmd`` with stdout to /dev/null; wall seconds and the child's own peak RSS.

    The peak comes from ``/usr/bin/time -v`` when it exists, else from ``os.wait4`` (this child's rusage).
    """
    import tempfile
    import threading

    time_bin = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None
    full = [time_bin, "-v", *cmd] if time_bin else cmd
    with tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(full, stdout=subprocess.DEVNULL, stderr=err)
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            _pid, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        elapsed = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        text = err.read().decode(errors="replace")
    if elapsed >= timeout:
        return {"error": f"timed out after {timeout:.0f} s"}
    peak = usage.ru_maxrss * 1024
    measured_by = "wait4 rusage"
    for line in text.splitlines():
        if "Maximum resident set size" in line:
            peak = int(line.rsplit(":", 1)[1]) * 1024
            measured_by = "/usr/bin/time -v"
    if proc.returncode != 0:
        lines = [l.strip() for l in text.splitlines() if l.strip() and not l.startswith("\t") and "exit status" not in l]
        message = lines[0] if lines else ""
        message = message.replace(cmd[-1], "FILE")
        return {"error": f"exit {proc.returncode}: {message[:160]}", "seconds": elapsed, "peak_rss": peak}
    return {"seconds": elapsed, "peak_rss": peak, "measured_by": measured_by}


def bench_jq(manifest: dict[str, Any], filters: Optional[dict[str, Any]], jq_path: str, timeout: float) -> dict[str, Any]:
    """Each question asked of the jq CLI on the Records file (one run each: this is the per-question cost)."""
    from trailtui.engine.prelude import PRELUDE

    if not shutil.which(jq_path):
        return {"error": f"{jq_path} not found"}
    path = manifest["paths"]["records"]
    if filters is None or "questions" not in filters:
        return {"error": "needs the filters section (it picks the values the questions use)"}
    prelude = " ".join(line.strip() for line in PRELUDE.splitlines() if line.strip() and not line.strip().startswith("#"))
    rows = []
    for q in filters["questions"]:
        program = q.get("jq")
        if program is None and "pivot" in q and q.get("text"):
            program = f".Records[] | {q['text']}"
            q = {**q, "prelude": True}
        if program is None:
            continue
        if q.get("prelude"):
            program = f"{prelude} {program}"
        log(f"jq: {q['name']}")
        res = _run_measured([jq_path, "-c", program, path], timeout)
        row = {"name": q["name"], **res}
        if "seconds" in res and "error" not in res and q.get("median_ms"):
            row["speedup"] = res["seconds"] * 1000 / q["median_ms"]
        rows.append(row)
    return {"jq": jq_path, "file": path, "questions": rows}


# ---------------------------------------------------------------------------------------------------
# Report


def _mb(value: Optional[float]) -> str:
    return "-" if value is None else f"{value / 1e6:,.0f} MB"


def _num(value: Optional[float], fmt: str = "{:,.2f}") -> str:
    return "-" if value is None else fmt.format(value)


def _table(headers: list[str], rows: list[list[str]], right: Sequence[int] = ()) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]

    def fmt(cells: list[str]) -> str:
        return "  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    return [fmt(headers), fmt(["-" * w for w in widths]), *(fmt(r) for r in rows)]


def render(result: dict[str, Any]) -> str:
    """The whole result as one plain-text report."""
    m = result["machine"]
    v = m["versions"]
    lines = [
        f"trailtui benchmark · {result['config']['events']:,} events · {time.strftime('%Y-%m-%d %H:%M', time.localtime(result['started']))}",
        f"machine: {m['cpu']} · {m['cores']} cores · {m['ram_gb']} GB RAM · {m['os']} · {m['implementation']} {m['python']}",
        "versions: " + " · ".join(f"{k} {val}" for k, val in v.items() if val),
    ]
    data = result.get("data")
    if data:
        parts = []
        for shape in SHAPES:
            s = data["shapes"].get(shape)
            if s:
                parts.append(f"{shape} {_mb(s['raw_bytes'])} raw / {_mb(s['disk_bytes'])} on disk / {s['files']:,} files")
        lines.append("data: " + " · ".join(parts) + (" (cached)" if data.get("cached") else ""))
    for name in SECTIONS:
        if name not in result["sections"]:
            continue
        section = result["sections"][name]
        lines.append("")
        if isinstance(section, dict) and "error" in section and len(section) == 1:
            lines.append(f"== {name}: ERROR {section['error']}")
            continue
        if name == "load":
            lines.append("== load (fresh process per row; baseline = read + gunzip + orjson.loads of the same bytes, parsed values kept)")
            rows = []
            for r in section:
                if "error" in r:
                    rows.append([r["shape"], "ERROR " + r["error"][:90]] + [""] * 9)
                    continue
                rows.append([
                    r["shape"], _num(r["seconds"]), _num(r["events_per_s"], "{:,.0f}"), _num(r["mb_per_s"], "{:,.0f}"),
                    _num(r.get("baseline_seconds")), _num(r.get("ratio"), "{:.1f}x"),
                    _num(r["first_rows_seconds"], "{:.3f}"), _mb(r["peak_rss"]), _num(r["rss_per_raw_byte"], "{:.2f}"),
                    _mb(r.get("baseline_peak_rss")), f"{_num(r['loader_seconds'])} / {_num(r['store_seconds'])}",
                ])
            lines += _table(["shape", "seconds", "events/s", "MB/s", "orjson s", "ratio", "first rows s",
                             "peak RSS", "RSS/raw B", "orjson RSS", "loader / store s"], rows, right=range(1, 11))
        elif name == "filters":
            lines.append(f"== filters ({section['events']:,} events loaded in {section['load_seconds']:.1f} s; "
                         f"median of {result['config']['repeat']} runs, compile + plan + decode + evaluate)")
            rows = []
            for r in section["questions"]:
                if "error" in r:
                    rows.append([r["name"], "ERROR " + r["error"][:80], "", "", "", "", ""])
                    continue
                rows.append([r["name"], _num(r["median_ms"], "{:,.1f}"), _num(r["first_ms"], "{:,.1f}"),
                             f"{r['matches']:,}", f"{r['decoded']:,}", f"{r['target_ms']:,.0f}",
                             "PASS" if r["pass"] else "MISS"])
            lines += _table(["question", "median ms", "1st ms", "matches", "decoded", "target ms", ""], rows,
                            right=range(1, 6))
        elif name == "app":
            if "error" in section:
                lines.append(f"== app: ERROR {section['error']}")
                continue
            lines.append("== app (Textual Pilot, headless, 160x50; a separate process loading the Records file)")
            lines.append(f"first frame {_num(section.get('first_frame_s'), '{:.2f}')} s · "
                         f"first rows shown {_num(section.get('first_rows_shown_s'), '{:.2f}')} s after start · "
                         f"load done {_num(section.get('load_done_s'), '{:.2f}')} s · peak RSS {_mb(section.get('peak_rss'))}")
            for t in section.get("typing", []):
                lines.append(f"type {t['filter']!r} ({t['keys']} keys in {_num(t['typing_s'], '{:.2f}')} s, "
                             f"press p50 {_num(t.get('press_p50_ms'), '{:.0f}')} ms): "
                             f"last key -> result shown {_num(t['last_key_to_result_s'], '{:.3f}')} s, "
                             f"first key -> shown {_num(t['first_key_to_result_s'], '{:.3f}')} s, {t['shown']} rows ({t['status']})")
            rows = []
            for key, label in (("keys_during_load", "cursor key while loading"), ("keys_during_filter", "cursor key while filtering"),
                               ("keys_during_jq_filter", "… while a jq filter runs")):
                k = section.get(key) or {}
                rows.append([label, str(k.get("samples", 0)), _num(k.get("p50_ms"), "{:.1f}"), _num(k.get("p95_ms"), "{:.1f}"),
                             _num(k.get("max_ms"), "{:.1f}"), str(k.get("timeouts", 0)), _num(k.get("handled_p50_ms"), "{:.1f}")])
            lines += _table(["key-to-screen", "samples", "p50 ms", "p95 ms", "max ms", "timeouts", "key handled p50 ms"], rows,
                            right=range(1, 7))
        elif name == "jq":
            if "error" in section:
                lines.append(f"== jq: ERROR {section['error']}")
                continue
            lines.append(f"== jq CLI per question ({section['jq']} -c on the Records file, output to /dev/null)")
            rows = []
            filt = {q["name"]: q for q in result["sections"].get("filters", {}).get("questions", [])}
            for r in section["questions"]:
                mine = filt.get(r["name"], {}).get("median_ms")
                if "error" in r:
                    rows.append([r["name"], "ERROR", _mb(r.get("peak_rss")), _num(mine, "{:,.1f}"), r["error"][:70]])
                    continue
                rows.append([r["name"], _num(r["seconds"]), _mb(r["peak_rss"]), _num(mine, "{:,.1f}"),
                             _num(r.get("speedup"), "{:,.0f}x")])
            lines += _table(["question", "jq s", "jq peak RSS", "trailtui ms", "speed-up"], rows, right=range(1, 5))
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------
# Main


def parse_args(argv: Optional[list[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Benchmark trailtui: load, filters, pivots, sort, app latency, vs jq.")
    p.add_argument("--events", type=int, help="events to generate (default 1,000,000; 100,000 with --quick)")
    p.add_argument("--quick", action="store_true", help="100k events and fewer key samples (CI smoke run)")
    p.add_argument("--json", action="store_true", help="print one JSON document on stdout instead of the table")
    p.add_argument("--vs-jq", action="store_true", help="also ask every question of the jq CLI")
    p.add_argument("--jq", default="/usr/bin/jq", help="the jq binary for --vs-jq (default /usr/bin/jq)")
    p.add_argument("--data", type=Path, default=REPO / "benchmarks-data", help="where generated data is cached")
    p.add_argument("--only", help=f"comma-separated sections: {','.join(SECTIONS)}")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help="generator seed")
    p.add_argument("--repeat", type=int, default=5, help="runs per filter question (the median is reported)")
    p.add_argument("--backend", choices=("memory", "duckdb"), default="memory",
                   help="the engine backend measured (load, filters and app sections)")
    return p.parse_args(argv)


def main(argv: Optional[list[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--_child"]:
        return child_main(argv[1:])
    args = parse_args(argv)
    global BACKEND
    BACKEND = args.backend
    n = args.events or (100_000 if args.quick else 1_000_000)
    if args.only:
        wanted = [s.strip() for s in args.only.split(",") if s.strip()]
        unknown = set(wanted) - set(SECTIONS)
        if unknown:
            raise SystemExit(f"unknown section(s): {', '.join(sorted(unknown))}; choose from {', '.join(SECTIONS)}")
        if "jq" in wanted and "filters" not in wanted:
            wanted.append("filters")  # jq reuses the values the filters section picks
    else:
        wanted = ["load", "filters", "app"] + (["jq"] if args.vs_jq else [])
    result: dict[str, Any] = {
        "schema": SCHEMA,
        "started": time.time(),
        "config": {"events": n, "quick": args.quick, "seed": args.seed, "repeat": args.repeat, "backend": BACKEND,
                   "sections": [s for s in SECTIONS if s in wanted], "data_dir": str(args.data)},
        "machine": machine_info(args.jq),
        "sections": {},
    }
    try:
        result["data"] = ensure_data(args.data, n, args.seed)
    except Exception as err:
        result["data"] = None
        for s in result["config"]["sections"]:
            result["sections"][s] = {"error": f"no data: {err}"}
        wanted = []
    manifest = result["data"]
    sections = result["sections"]
    for name in SECTIONS:
        if name not in wanted:
            continue
        try:
            if name == "load":
                sections[name] = bench_load(manifest)
            elif name == "filters":
                sections[name] = bench_filters(manifest, args.repeat)
            elif name == "app":
                sections[name] = bench_app(manifest, args.quick)
            elif name == "jq":
                sections[name] = bench_jq(manifest, sections.get("filters"), args.jq, timeout=3600)
        except Exception as err:
            traceback.print_exc()
            sections[name] = {"error": f"{type(err).__name__}: {err}"}
    result["seconds"] = time.perf_counter() - _T0
    if args.json:
        print(json.dumps(result, indent=1, default=str))
    else:
        print(render(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
