"""Run jq's own test files and a peer implementation's suite through trailtui's jq engine.

jq's files (jq.test, the manual's examples) print ``passed / supported / total``: supported = cases that
compiled without JqUnsupported; total = every case except module tests (which need ``-L``).

``--peers`` runs gojq's CLI suite (``tests/corpus/peers/gojq``): cases, modelled (command lines trailtui
can reproduce), kept (libjq 1.8.2 prints what gojq expects; recorded in ``kept-libjq-1.8.2.json``,
recomputed with ``--write-kept``, which takes minutes), passed, and the deliberate differences listed in
``tests/test_jq_peers.py``. Use ``-v`` to list failures.
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


def run_jq_files(paths: list[Path], verbose: bool, unsupported: bool) -> int:
    for path in paths:
        if not path.exists():
            print(f"{path}: not found", file=sys.stderr)
            return 2
        counts = {"pass": 0, "fail": 0, "unsupported": 0, "skip": 0}
        for case in read_cases(path):
            out = run_case(case)
            counts[out.status] += 1
            if (out.status == "fail" and verbose) or (out.status == "unsupported" and unsupported):
                print(f"  {out.status.upper()} {case.id}: {case.program}\n      {out.detail[:300]}")
        total = counts["pass"] + counts["fail"] + counts["unsupported"]
        supported = counts["pass"] + counts["fail"]
        print(f"{path.name}: {counts['pass']} / {supported} / {total}"
              f"  (passed / supported / total; {counts['skip']} module or unparseable cases skipped)")
    return 0


def run_peers(verbose: bool, write_kept: bool) -> int:
    import jqpeers
    from test_jq_peers import DELIBERATE

    total, cases = jqpeers.load()
    kept = jqpeers.write_kept(cases) if write_kept else jqpeers.kept(cases)
    passed, deliberate, failed = 0, [], []
    for case in kept:
        got = jqpeers.run_trailtui(case)
        if jqpeers.meets(case, got):
            passed += 1
        elif case.name in DELIBERATE or f"{case.name}|{case.program}" in DELIBERATE:
            deliberate.append(case)
        else:
            failed.append((case, got))
    print(f"gojq cli/test.yaml: {total} cases, {len(cases)} modelled, {len(kept)} kept (libjq 1.8.2 agrees), "
          f"{passed} pass, {len(deliberate)} deliberate differences, {len(failed)} failures")
    for case in deliberate:
        print(f"  DELIBERATE {case.id}: {case.program[:100]}")
    if verbose:
        for case, got in failed:
            print(f"  FAIL {case.id}: {case.program[:100]}\n      got {got.stdout[:200]!r} {got.error} {got.detail[:100]}")
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-v", "--verbose", action="store_true", help="list failing cases")
    ap.add_argument("-u", "--unsupported", action="store_true", help="list unsupported cases")
    ap.add_argument("--peers", action="store_true", help="also run gojq's CLI suite")
    ap.add_argument("--write-kept", action="store_true", help="with --peers: recompute the cases libjq agrees on")
    ap.add_argument("files", nargs="*", help="test files (default: jq.test and man-1.8.2.test)")
    args = ap.parse_args(argv)
    paths = [Path(f) for f in args.files] or [SHARED / "jq-tests" / f for f in FILES]
    rc = 0
    if args.files or SHARED.exists():
        rc = run_jq_files(paths, args.verbose, args.unsupported)
    if args.peers:
        rc = max(rc, run_peers(args.verbose, args.write_kept))
    return rc


if __name__ == "__main__":
    raise SystemExit(main())
