"""Fuzz the loader and the filter parser for a while (issue #12): ``python scripts/fuzz.py --minutes 10``.

Runs the properties of ``tests/fuzz/harness.py`` on random mutations of the seed corpus until the time
is up, then prints how many inputs were tried, how many loaded records, and the first failure (with the
input saved under ``--out``) if any. Exit code 1 when a property failed.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis.errors import HypothesisException  # noqa: E402

from tests.fuzz.harness import check_filter, check_load, hostile_filters, hostile_inputs  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=1.0, help="how long to run (default 1)")
    parser.add_argument("--out", type=Path, default=Path("fuzz-failures"), help="where failing inputs go")
    args = parser.parse_args()
    deadline = time.monotonic() + args.minutes * 60
    counts = {"inputs": 0, "with_records": 0, "filters": 0, "compiled": 0}

    @settings(max_examples=500, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(hostile_inputs())
    def loads(data: bytes) -> None:
        if time.monotonic() > deadline:
            return
        counts["inputs"] += 1
        try:
            records, _ = check_load(data)
        except BaseException:
            args.out.mkdir(exist_ok=True)
            (args.out / f"input-{counts['inputs']}.bin").write_bytes(data)
            raise
        counts["with_records"] += records > 0

    @settings(max_examples=500, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(hostile_filters())
    def filters(text: str) -> None:
        if time.monotonic() > deadline:
            return
        counts["filters"] += 1
        counts["compiled"] += check_filter(text)

    try:
        while time.monotonic() < deadline:
            loads()
            filters()
    except (AssertionError, HypothesisException, Exception):  # noqa: BLE001 - report, then fail
        traceback.print_exc()
        print(f"FAILED after {counts}", file=sys.stderr)
        return 1
    print(f"ok: {counts['inputs']} inputs ({counts['with_records']} with records), "
          f"{counts['filters']} filters ({counts['compiled']} compiled); 0 tracebacks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
