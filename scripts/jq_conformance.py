"""Run jq's own test files through trailtui's jq engine and print ``passed / supported / total``.

supported = cases that compiled without JqUnsupported; total = every case except module tests
(which need ``-L``). Use ``-v`` to list failures.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))  # the suite readers are test tools

from jqsuite import read_cases, run_case  # noqa: E402

SHARED = Path(os.environ.get("TRAILTUI_SHARED", REPO.parent / "shared"))
FILES = ["jq.test", "man-1.8.2.test"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("-v", "--verbose", action="store_true", help="list failing cases")
    ap.add_argument("-u", "--unsupported", action="store_true", help="list unsupported cases")
    ap.add_argument("files", nargs="*", help="test files (default: jq.test and man-1.8.2.test)")
    args = ap.parse_args(argv)
    paths = [Path(f) for f in args.files] or [SHARED / "jq-tests" / f for f in FILES]
    for path in paths:
        if not path.exists():
            print(f"{path}: not found", file=sys.stderr)
            return 2
        counts = {"pass": 0, "fail": 0, "unsupported": 0, "skip": 0}
        for case in read_cases(path):
            out = run_case(case)
            counts[out.status] += 1
            if (out.status == "fail" and args.verbose) or (out.status == "unsupported" and args.unsupported):
                print(f"  {out.status.upper()} {case.id}: {case.program}\n      {out.detail[:300]}")
        total = counts["pass"] + counts["fail"] + counts["unsupported"]
        supported = counts["pass"] + counts["fail"]
        print(f"{path.name}: {counts['pass']} / {supported} / {total}"
              f"  (passed / supported / total; {counts['skip']} module or unparseable cases skipped)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
