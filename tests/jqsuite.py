"""Reader and runner for jq's own ``--run-tests`` files (used by ``scripts/jq_conformance.py`` and tests).

A test tool, not part of the engine: it lives beside the tests and is imported as ``jqsuite``."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, List, Optional

from trailtui.engine.jq import JqCompileError, JqRuntimeError, JqUnsupported, compile_program, dumps
from trailtui.engine.jq.values import equal
from timelimit import TimeLimitExceeded, time_limit

MODULE_MARKERS = ("import ", "include ", "modulemeta", "get_search_list", "$__prog_args",
                  "get_prog_origin", "get_jq_origin")


@dataclass
class Case:
    """One block of a test file."""

    file: str
    line: int
    program: str
    input_text: Optional[str] = None
    expected: List[str] = field(default_factory=list)
    fail: bool = False
    ignore_msg: bool = False

    @property
    def id(self) -> str:
        return f"{Path(self.file).name}:{self.line}"

    @property
    def is_module(self) -> bool:
        return any(m in self.program for m in MODULE_MARKERS)


def read_cases(path: Path) -> List[Case]:
    lines = path.read_text(encoding="utf-8").split("\n")
    cases: List[Case] = []
    i, n = 0, len(lines)

    def skip(s: str) -> bool:
        t = s.strip()
        return t == "" or t.startswith("#")

    while i < n:
        if skip(lines[i]):
            i += 1
            continue
        if lines[i].startswith("%%FAIL"):
            ignore = "IGNORE MSG" in lines[i]
            prog = lines[i + 1]
            case = Case(str(path), i + 2, prog, fail=True, ignore_msg=ignore)
            i += 2
            while i < n and not skip(lines[i]):
                case.expected.append(lines[i])
                i += 1
            cases.append(case)
            continue
        case = Case(str(path), i + 1, lines[i], lines[i + 1] if i + 1 < n else "null")
        i += 2
        while i < n and not skip(lines[i]):
            case.expected.append(lines[i])
            i += 1
        cases.append(case)
    return cases


def parse_json(text: str) -> Any:
    def const(name: str) -> float:
        return {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}[name]
    t = text.strip()
    if t == "nan":
        return math.nan
    return json.loads(t, parse_constant=const)


def values_equal(a: Any, b: Any) -> bool:
    if type(a) is float and type(b) is float and a != a and b != b:
        return True
    if type(a) is list and type(b) is list:
        return len(a) == len(b) and all(values_equal(x, y) for x, y in zip(a, b))
    if type(a) is dict and type(b) is dict:
        return a.keys() == b.keys() and all(values_equal(a[k], b[k]) for k in a)
    return equal(a, b)


@dataclass
class Outcome:
    status: str  # "pass", "fail", "unsupported", "skip"
    detail: str = ""


def run_case(case: Case, timeout: float = 60.0) -> Outcome:
    """Run one case; ``status`` is pass, fail, unsupported (clean JqUnsupported) or skip (modules).

    The time limit is generous for the reason given in ``jqpeers.run_trailtui``: an alarm that interrupts a
    run inside jq's deep-recursion thread leaves that thread running with the recursion limit raised."""
    if case.is_module:
        return Outcome("skip", "module test")
    if case.fail:
        try:
            compile_program(case.program)
        except JqCompileError as e:
            return Outcome("pass", e.reason)
        except Exception as e:  # noqa: BLE001 - any other crash is a bug
            return Outcome("fail", f"crashed: {type(e).__name__}: {e}")
        return Outcome("fail", "compiled, but jq rejects this program")
    try:
        inp = parse_json(case.input_text or "null")
        expected = [parse_json(x) for x in case.expected]
    except ValueError as e:
        return Outcome("skip", f"test data not parseable by Python json: {e}")
    try:
        prog = compile_program(case.program)
    except JqUnsupported as e:
        return Outcome("unsupported", e.reason)
    except JqCompileError as e:
        return Outcome("fail", f"compile error: {e.reason}")
    outputs: List[Any] = []
    err: Optional[str] = None
    try:
        with time_limit(timeout):
            for x in prog.run(inp):
                outputs.append(x)
                if len(outputs) > len(expected) + 5:
                    break
    except JqRuntimeError as e:
        err = str(e)
    except TimeLimitExceeded:
        return Outcome("fail", "timed out")
    except Exception as e:  # noqa: BLE001
        return Outcome("fail", f"crashed: {type(e).__name__}: {e}")
    try:
        if len(outputs) == len(expected) and all(values_equal(a, b) for a, b in zip(outputs, expected)):
            return Outcome("pass")
        got = [dumps(x)[:200] for x in outputs]
    except RecursionError:
        return Outcome("fail", "output too deeply nested to compare")
    return Outcome("fail", f"expected {case.expected} got {got}" + (f" then error {err!r}" if err else ""))
