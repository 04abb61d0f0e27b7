"""jq's own test vectors (jq.test and man-1.8.2.test from jq 1.8.2) run through trailtui's jq engine.

Each block is one test: a clean ``JqUnsupported`` at compile time counts as "unsupported" and passes;
everything else must produce exactly the expected outputs (outputs before a runtime error count), and
``%%FAIL`` blocks must fail to compile. Module tests (they need ``-L``) are skipped.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from trailtui.engine.jq import JqCompileError, JqUnsupported, compile_program
from jqsuite import Case, read_cases, run_case

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("TRAILTUI_SHARED", REPO.parent / "shared"))
FILES = ("jq.test", "man-1.8.2.test")

_DECIMAL = "jq keeps the decimal text of number literals (decNumber); Python floats cannot"
_DEPTH = "jq's fixed depth limits (10000) for printing/parsing/comparing deeply nested values"
#: Deliberate, documented differences from jq 1.8.2 (program -> reason); each must still fail.
KNOWN_DIFFERENCES = {
    '-. | tojson == if have_decnum then "0.12345678901234567890123456789" else "0.12345678901234568" end':
        _DECIMAL,
    '[1E+1000,-1E+1000 | tojson] == if have_decnum then ["1E+1000","-1E+1000"] else '
    '["1.7976931348623157e+308","-1.7976931348623157e+308"] end': _DECIMAL,
    '[1E+1000,-1E+1000 | abs | tojson] | unique == if have_decnum then ["1E+1000"] else '
    '["1.7976931348623157e+308"] end': _DECIMAL,
    '[1E+1000,-1E+1000 | length | tojson] | unique == if have_decnum then ["1E+1000"] else '
    '["1.7976931348623157e+308"] end': _DECIMAL,
    'map([., . == 1]) | tojson == if have_decnum then "[[1,true],[1.000,true],[1.0,true],[1.00,true]]" '
    'else "[[1,true],[1,true],[1,true],[1,true]]" end': _DECIMAL,
    ".[] | try (fromjson | isnan) catch .": "fromjson error texts come from Python's json parser",
    "try fromjson catch .": "fromjson error texts come from Python's json parser",
    'reduce range(10000) as $_ ([];[.]) | tojson | try (fromjson) catch . | '
    '(contains("<skipped: too deep>") | not) and contains("Exceeds depth limit for parsing")': _DEPTH,
    'reduce range(10001) as $_ ([];[.]) | tojson | contains("<skipped: too deep>")': _DEPTH,
    "try (reduce range(10001) as $_ ([]; [.]) as $x | $x | contains($x)) catch .": _DEPTH,
    "try (reduce range(10001) as $_ ({}; {a: .}) as $x | $x * $x) catch .": _DEPTH,
    "try ((reduce range(10001) as $_ ([]; [.])) as $x | (reduce range(10001) as $_ ([]; [.])) as $y | "
    "$x == $y) catch .": _DEPTH,
    "try ((reduce range(10001) as $_ ([]; [.])) as $x | [$x, $x] | sort) catch .": _DEPTH,
    "try ((reduce range(10001) as $_ ([]; [.])) as $x | [$x, $x] | unique) catch .": _DEPTH,
    "try ((reduce range(10001) as $_ ({}; {a: .})) as $x | [$x, $x] | sort) catch .": _DEPTH,
    "try ((reduce range(10001) as $_ ({}; {a: .})) as $x | [$x, $x] | unique) catch .": _DEPTH,
}
#: Cases slow enough (deep nesting) to run only with the slow marker.
SLOW_PREFIXES = ("reduce range(999", "reduce range(1000", "try (reduce range(1000", "try ((reduce range(1000",
                 "try setpath([range(1000", "try getpath([range(1000", "try delpaths([[range(1000",
                 "getpath([range(1000", "delpaths([[range(1000", "setpath([range(1000")


def _cases() -> list:
    params = []
    for name in FILES:
        path = SHARED / "jq-tests" / name
        if not path.exists():
            continue
        for case in read_cases(path):
            marks = []
            if case.program in KNOWN_DIFFERENCES:
                marks.append(pytest.mark.xfail(strict=True, reason=KNOWN_DIFFERENCES[case.program]))
            if case.program.startswith(SLOW_PREFIXES):
                marks.append(pytest.mark.slow)
            params.append(pytest.param(case, id=f"{case.id}", marks=marks))
    if not params:
        params.append(pytest.param(None, id="no-jq-tests", marks=pytest.mark.skip("jq-tests not available")))
    return params


@pytest.fixture(autouse=True)
def _pager(monkeypatch):
    # jq's own test harness runs with PAGER=less (the manual's $ENV.PAGER example relies on it)
    monkeypatch.setenv("PAGER", "less")


@pytest.mark.parametrize("case", _cases())
def test_jq_vector(case: Case, jq_tests: Path) -> None:
    outcome = run_case(case)
    if outcome.status == "skip":
        pytest.skip(outcome.detail)
    assert outcome.status in ("pass", "unsupported"), f"{case.program!r}: {outcome.detail}"


def test_known_differences_are_real_cases(jq_tests: Path) -> None:
    programs = {c.program for name in FILES for c in read_cases(jq_tests / name)}
    assert set(KNOWN_DIFFERENCES) <= programs


def test_most_vectors_are_supported(jq_tests: Path) -> None:
    unsupported = []
    for c in read_cases(jq_tests / "jq.test"):
        if c.is_module or c.fail:
            continue
        try:
            compile_program(c.program)
        except JqUnsupported:
            unsupported.append(c.program)
        except JqCompileError:
            pass
    assert len(unsupported) <= 3, unsupported
