"""Filter timings on the columnar backend vs the in-memory engine and a hand-written DuckDB query.

    python scripts/bench_columnar_filters.py --events 1000000 [--memory-limit 5]

Generates events with ``samplegen``, loads them into an ``EventStore`` (the oracle), fills the columnar
schema from it with ``tests/columnar_fixture.py`` (until the real ingest lands), then times each filter:
the columnar ``run_filter`` (SQL, or jq fallback in workers), the in-memory ``run_filter`` (skipped when the
previous memory run took longer than ``--memory-limit`` seconds), and for the issue's slow filters a
hand-written DuckDB query. Prints one line per filter and whether the answers agree.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from columnar_fixture import build, store_of  # noqa: E402
from test_columnar_filtering import HUNTS, SLOW  # noqa: E402

from trailtui.tools import samplegen  # noqa: E402
from trailtui.engine.columnar import filtering  # noqa: E402
from trailtui.engine.memory_filter import run_filter  # noqa: E402
from trailtui.engine.query import compile_query  # noqa: E402

HAND = {
    SLOW[0]: "SELECT row FROM events WHERE regexp_matches(coalesce(v_requestParameters__roleArn->>'$', ''), 'admin')",
    SLOW[1]: "SELECT row FROM events WHERE contains(CAST(v_requestParameters AS VARCHAR), 'policy')",
    SLOW[2]: "SELECT row FROM events WHERE regexp_matches(raw, 'Admin')",
}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--memory-limit", type=float, default=5.0)
    args = parser.parse_args()
    t = time.perf_counter()
    store = store_of(samplegen.generate(args.events, seed=5, incident=True))
    print(f"memory store: {len(store):,} events in {time.perf_counter() - t:.1f} s")
    t = time.perf_counter()
    backend = build(store)
    print(f"columnar fixture: {time.perf_counter() - t:.1f} s")
    actor = store.fields["actor_key"][len(store) // 2]
    filters = SLOW + HUNTS + ['.eventName == "AttachUserPolicy"', f'select(actor_key == "{actor}")',
                              'select(.userIdentity.userName == "glitch")']
    memory_ok = True
    for text in filters:
        query = compile_query(text)
        t = time.perf_counter()
        got = filtering.run_filter(backend, query)
        columnar = time.perf_counter() - t
        how = "sql" if filtering.translate(query) is not None else "jq-fallback"
        line = f"{columnar * 1000:9.1f} ms  {how:11}  {len(got.rows):7,} rows"
        if memory_ok:
            t = time.perf_counter()
            want = run_filter(store, query)
            mem = time.perf_counter() - t
            memory_ok = mem < args.memory_limit
            same = (list(want.rows), want.errors, want.first_error) == (list(got.rows), got.errors, got.first_error)
            line += f"  memory {mem * 1000:9.1f} ms {'same' if same else 'DIFFERENT'}"
        if text in HAND:
            t = time.perf_counter()
            backend.con.execute(HAND[text]).fetchall()
            line += f"  hand-SQL {(time.perf_counter() - t) * 1000:.1f} ms"
        print(f"{line}  {text[:70]}")
    filtering.JqPool.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
