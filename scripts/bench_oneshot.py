"""One-shot ``trailtui query`` against ``jq`` on the same file: wall time and peak memory per run.

The question issue #11 asks: a script that runs one filter over a day of logs and exits. Each variant is a
fresh process; its peak RSS comes from ``wait4`` and is that of the largest process of its tree (Linux
reports the maximum over the process and its waited-for children, not their sum), run in turns (jq, trailtui, jq, ...) so
a burst of load on the machine hits every variant alike; medians are reported.

Variants: ``jq`` (the CLI, ``.Records[] | select(F)``), ``memory`` (trailtui's in-memory engine: load
into the store, then ask), ``duckdb-cold`` (columnar engine, cache off: ingest + query), ``duckdb-warm``
(the cache built by a first untimed run, as a second question on the same files would find it),
``stream-1proc`` (the answer computed while reading, in one process), ``auto`` (what ``trailtui query``
does by itself with no cache of the file: today it streams, with two worker processes on a big Records
file). The stored variants run with ``TRAILTUI_STREAM=0`` (see ``trailtui/cli_stream.py``).

    python scripts/bench_oneshot.py --events 200000 [--repeat 3] [--data DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Optional, Sequence

ROOT = Path(__file__).resolve().parent.parent

FILTERS = [
    ("equality", '.eventName == "AttachUserPolicy"'),
    ("regex // ", '(.requestParameters.roleArn // "") | test("admin")'),
    ("tostring contains", '.requestParameters | tostring | contains("policy")'),
]


def run(argv: Sequence[str], env: Optional[dict[str, str]] = None) -> tuple[float, int, int]:
    """Wall seconds, peak RSS in bytes and output line count of one process."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    assert proc.stdout is not None
    lines = sum(1 for _ in proc.stdout)
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{argv[0]} exited {proc.returncode}: {' '.join(argv)}")
    return wall, usage.ru_maxrss * 1024, lines


def ensure_file(data: Path, events: int) -> Path:
    path = data / f"records-{events}.json"
    if not path.exists():
        data.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "trailtui.tools.samplegen", "--events", str(events), "--shape", "records",
                        "--incident", "--out", str(path)], check=True, cwd=ROOT)
    return path


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "trailtui-bench-oneshot")
    parser.add_argument("--jq", default="/usr/bin/jq")
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of the table")
    args = parser.parse_args(argv)

    path = ensure_file(args.data, args.events)
    cache = tempfile.mkdtemp(prefix="trailtui-oneshot-cache-")
    env = {**os.environ, "XDG_CACHE_HOME": cache, "TRAILTUI_STREAM": "0"}
    fresh = {**os.environ, "XDG_CACHE_HOME": tempfile.mkdtemp(prefix="trailtui-oneshot-nocache-")}
    fresh.pop("TRAILTUI_STREAM", None)
    fresh.pop("TRAILTUI_STREAM_WORKERS", None)
    one_process = {**fresh, "TRAILTUI_STREAM": "1", "TRAILTUI_STREAM_WORKERS": "0"}
    trailtui = [sys.executable, "-m", "trailtui", "query"]
    jq_version = subprocess.run([args.jq, "--version"], capture_output=True, text=True).stdout.strip()
    variants = {
        "jq": lambda f: [args.jq, "-c", f".Records[] | select({f})", str(path)],
        "memory": lambda f: [*trailtui, "--backend", "memory", "-f", f, str(path)],
        "duckdb-cold": lambda f: [*trailtui, "--backend", "duckdb", "--no-cache", "-f", f, str(path)],
        "duckdb-warm": lambda f: [*trailtui, "--backend", "duckdb", "-f", f, str(path)],
        "stream-1proc": lambda f: [*trailtui, "--backend", "memory", "-f", f, str(path)],
        "auto": lambda f: [*trailtui, "-f", f, str(path)],
    }
    envs = {"stream-1proc": one_process, "auto": fresh}
    # The warm variant reads the cache a first run leaves.
    run(variants["duckdb-warm"](FILTERS[0][1]), env)

    results: list[dict[str, Any]] = []
    for name, text in FILTERS:
        samples: dict[str, list[tuple[float, int, int]]] = {v: [] for v in variants}
        for _ in range(args.repeat):
            for variant, build in variants.items():
                samples[variant].append(run(build(text), envs.get(variant, env)))
        counts = {v: {s[2] for s in samples[v]} for v in variants}
        row: dict[str, Any] = {"filter": name, "text": text, "lines": sorted(counts["jq"])}
        for variant in variants:
            row[variant] = {
                "wall_s": statistics.median(s[0] for s in samples[variant]),
                "peak_rss_mb": statistics.median(s[1] for s in samples[variant]) / 2**20,
                "same_output_count": counts[variant] == counts["jq"],
            }
        results.append(row)

    machine = {"cpus": os.cpu_count(), "load": os.getloadavg(), "jq": jq_version, "python": sys.version.split()[0],
               "file_bytes": path.stat().st_size, "events": args.events, "repeat": args.repeat}
    if args.json:
        print(json.dumps({"machine": machine, "results": results}, indent=1))
        return 0
    print(f"one-shot query over {args.events:,} events ({machine['file_bytes'] / 1e6:.0f} MB, one Records file); "
          f"{jq_version}; {machine['cpus']} CPUs; load at the end {machine['load'][0]:.1f}; medians of {args.repeat}")
    print(f"{'filter':<18} {'variant':<12} {'wall s':>8} {'x jq':>6} {'RSS MB':>8} {'x jq':>6}  lines ok")
    for row in results:
        base = row["jq"]
        for variant in variants:
            cell = row[variant]
            print(f"{row['filter']:<18} {variant:<12} {cell['wall_s']:8.2f} {cell['wall_s'] / base['wall_s']:6.2f} "
                  f"{cell['peak_rss_mb']:8.0f} {cell['peak_rss_mb'] / base['peak_rss_mb']:6.2f}  "
                  f"{'yes' if cell['same_output_count'] else 'NO'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
