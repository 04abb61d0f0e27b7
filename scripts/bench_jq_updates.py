"""Time trailtui's jq engine against libjq (PyPI ``jq``) on updates over large arrays and deep recursion.

Usage: ``.venv/bin/python scripts/bench_jq_updates.py [N]`` (default N = 100000). Prints, per program,
the best of 3 wall-clock runs for each engine and the ratio; the issue's target is a ratio <= 2 for the
updates. Both engines get the same input value; libjq's time includes its Python round trip.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import jq as refjq  # noqa: E402

from trailtui.engine.jq import compile_program  # noqa: E402

PROGRAMS = [
    "[range({n})] | .[] = 1 | add",
    "[range({n})] | .[] |= . * 2 | add",
    "[range({n})] | map(. + 1) | add",
    "[range({n})] | to_entries | from_entries? // length",
    "[range({n}) | {{a: .}}] | .[].a += 1 | length",
    "reduce range({n}) as $i ([]; . + [$i]) | length",
    "reduce range({n}) as $i ({{}}; .[$i|tostring] = $i) | length",
    "[limit({n}; repeat(1))] | length",
    "last(range({n}))",
    "def f: if . < {deep} then . + 1 | f else . end; 0 | f",
    "[0 | recurse(if . < {deep} then . + 1 else empty end)] | length",
    "{deep} | [range(.)] | reduce .[] as $x (null; [$x, .]) | [..] | length",
]


def best(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    deep = 100_000
    print(f"{'program':60} {'trailtui':>9} {'libjq':>9} {'ratio':>6}")
    for template in PROGRAMS:
        src = template.format(n=n, deep=deep)
        ours = compile_program(src)
        ref = refjq.compile(src)
        try:
            mine = list(ours.run(None))
            t_ours = best(lambda: list(ours.run(None)))
        except Exception as e:  # noqa: BLE001 - report, keep measuring the rest
            print(f"{src[:60]:60} failed: {type(e).__name__}: {str(e)[:60]}")
            continue
        theirs = ref.input_value(None).all()
        t_ref = best(lambda: ref.input_value(None).all())
        same = "" if mine == theirs else "  (outputs differ!)"
        print(f"{src[:60]:60} {t_ours:9.3f} {t_ref:9.3f} {t_ours / t_ref:6.1f}{same}")


if __name__ == "__main__":
    main()
