"""Another implementation's test suite (gojq's ``cli/test.yaml``, as JSON) run through libjq and trailtui.

A case is a jq command line (``args``), its standard input and the expected standard output or an
error. trailtui models the command lines made of jq's own output flags (``-c -n -r -j -s`` and their long
names), ``--arg`` and ``--argjson``, with one program and the input on stdin; every other case is
"not modelled" (YAML, ``--stream``, files, ``$ENV``, ``input``/``inputs``, ``halt``...).

Each modelled case runs through libjq 1.8.2 (PyPI ``jq``) and through trailtui's engine, printed the way
the jq CLI prints (pretty with two spaces unless ``-c``; strings raw with ``-r``/``-j``). A case is
*kept* only when libjq's output equals the peer's expectation (libjq is the reference; where gojq
differs from jq the case says nothing about trailtui). An expected error counts as met when the
engine fails at the same stage (compile or run) after the same output; messages are not compared
(gojq words them differently).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, List, Optional

import jq as refjq
from timelimit import TimeLimitExceeded, time_limit

from trailtui.engine.jq import JqCompileError, JqError, JqUnsupported, compile_program, dumps
from trailtui.engine.jq.builtins import parse_json_text
from trailtui.engine.jq.values import dump_str

GOJQ = Path(__file__).resolve().parent / "corpus" / "peers" / "gojq" / "test.json"
KEPT = GOJQ.with_name("kept-libjq-1.8.2.json")
"""Indices of the modelled cases where libjq 1.8.2 prints gojq's expectation, written by
``scripts/jq_conformance.py --peers --write-kept`` (libjq needs minutes on a few of the cases, and its
verdict does not change)."""

_FLAGS = {"-c": "c", "--compact-output": "c", "-n": "n", "--null-input": "n", "-r": "r",
          "--raw-output": "r", "-j": "j", "--join-output": "j", "-s": "s", "--slurp": "s",
          "-M": "", "--monochrome-output": ""}
_SHORT = {"c", "n", "r", "j", "s", "M"}
_UNMODELLED_WORDS = ("input", "$ENV", "env", "$__prog_args", "halt", "getpath_or_null", "$ARGS",
                     "input_line_number", "get_search_list", "modulemeta", "import ", "include ", "@base32d")


@dataclass
class PeerCase:
    index: int
    name: str
    program: str
    flags: str
    variables: dict
    input_text: str
    expected: str
    fails: bool
    compile_fail: bool

    @property
    def id(self) -> str:
        return f"gojq:{self.index}:{self.name}"


@dataclass
class Outcome:
    stdout: str
    error: Optional[str] = None  # "compile" or "runtime"
    detail: str = ""
    extra: List[str] = field(default_factory=list)


def _model(index: int, raw: dict) -> Optional[PeerCase]:
    """The case as a PeerCase, or None when it uses something outside the modelled command lines."""
    if "env" in raw or raw.get("input") is None and "-n" not in raw.get("args", []):
        if "env" in raw:
            return None
    args = list(raw.get("args", []))
    flags, variables, program = "", {}, None
    i = 0
    while i < len(args):
        a = args[i]
        if a in _FLAGS:
            flags += _FLAGS[a]
        elif a in ("--arg", "--argjson") and i + 2 < len(args):
            name, val = args[i + 1], args[i + 2]
            if a == "--arg":
                variables[name] = val
            else:
                try:
                    variables[name] = parse_json_text(val)
                except JqError:
                    return None
            i += 2
        elif len(a) > 1 and a.startswith("-") and not a.startswith("--") and set(a[1:]) <= _SHORT:
            flags += "".join(ch for ch in a[1:] if ch != "M")
        elif a.startswith("-"):
            return None
        elif program is None:
            program = a
        else:
            return None  # file arguments
        i += 1
    if program is None or not program.strip():
        return None
    if any(w in program for w in _UNMODELLED_WORDS):
        return None
    code = raw.get("exit_code", 0)
    fails = "error" in raw or code != 0
    if fails and code not in (3, 5):
        return None
    return PeerCase(index, raw.get("name", ""), program, flags, variables, raw.get("input") or "",
                    raw.get("expected") or "", fails, code == 3)


def load(path: Path = GOJQ) -> tuple[int, List[PeerCase]]:
    """(number of cases in the file, the modelled ones)."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    cases = [c for c in (_model(i, r) for i, r in enumerate(raw)) if c is not None]
    return len(raw), cases


def kept(cases: List[PeerCase]) -> List[PeerCase]:
    """The cases libjq agrees on, as recorded in `KEPT`."""
    indices = set(json.loads(KEPT.read_text(encoding="utf-8"))["kept"])
    return [c for c in cases if c.index in indices]


def write_kept(cases: List[PeerCase]) -> List[PeerCase]:
    """Run every case through libjq and record (atomically) the ones it agrees on."""
    agreed = [c for c in cases if meets(c, run_libjq(c))]
    tmp = KEPT.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump({"reference": "libjq 1.8.2 (PyPI jq)", "modelled": len(cases),
                   "kept": [c.index for c in agreed]}, fh, indent=0)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, KEPT)
    return agreed


def split_inputs(text: str) -> List[str]:
    """The JSON texts of a whitespace-separated stream (raises ValueError on a bad one)."""
    dec = json.JSONDecoder()
    out, i, n = [], 0, len(text)
    while True:
        while i < n and text[i] in " \t\r\n":
            i += 1
        if i >= n:
            return out
        if text.startswith("nan", i):
            out.append("nan")
            i += 3
            continue
        _, j = dec.raw_decode(text, i)
        out.append(text[i:j])
        i = j


def pretty(v: Any, indent: int = 0) -> str:
    """A value as the jq CLI prints it by default (two-space indentation)."""
    t = type(v)
    pad = "  " * (indent + 1)
    if t is list and v:
        inner = (",\n").join(pad + pretty(x, indent + 1) for x in v)
        return "[\n" + inner + "\n" + "  " * indent + "]"
    if t is dict and v:
        inner = (",\n").join(pad + dump_str(k) + ": " + pretty(x, indent + 1) for k, x in v.items())
        return "{\n" + inner + "\n" + "  " * indent + "}"
    return dumps(v)


def _print(v: Any, flags: str) -> str:
    if type(v) is str and ("r" in flags or "j" in flags):
        text = v
    elif "c" in flags:
        text = dumps(v)
    else:
        text = pretty(v)
    return text if "j" in flags else text + "\n"


def _inputs(case: PeerCase) -> List[Any]:
    values = [parse_json_text(t) for t in split_inputs(case.input_text)]
    if "s" in case.flags:
        values = [values]
    if "n" in case.flags:
        values = [None]
    return values


def run_trailtui(case: PeerCase, timeout: float = 120.0) -> Outcome:
    # The limit is generous: gojq:254 (100,000 levels of recursion) took over 10 s under CI load. Interrupting a
    # run that moved to jq's deep-recursion thread stops that thread too (``program._run_deep``); before that
    # fix, the thread ran on with the recursion limit raised and a later case crashed the test worker.
    try:
        with time_limit(timeout):
            return _run_trailtui(case)
    except TimeLimitExceeded:
        return Outcome("", "timeout", f"no answer within {timeout} s")


def _run_trailtui(case: PeerCase) -> Outcome:
    try:
        inputs = _inputs(case)
    except (ValueError, JqError):
        return Outcome("", "input")
    try:
        prog = compile_program(case.program, variables=tuple(case.variables))
    except JqUnsupported as e:
        return Outcome("", "compile", f"unsupported: {e.reason}")
    except JqCompileError as e:
        return Outcome("", "compile", e.reason)
    out: List[str] = []
    try:
        for value in inputs:
            for x in prog.run(value, case.variables or None):
                out.append(_print(x, case.flags))
    except JqError as e:
        return Outcome("".join(out), "runtime", str(e))
    except RecursionError:
        return Outcome("".join(out), "runtime", "python recursion")
    return Outcome("".join(out))


def run_libjq(case: PeerCase) -> Outcome:
    try:
        texts = split_inputs(case.input_text)
    except ValueError:
        return Outcome("", "input")
    try:
        prog = refjq.compile(f"({case.program}\n) | tojson", args=case.variables or None)
    except ValueError as e:
        return Outcome("", "compile", str(e))
    out: List[str] = []
    if "n" in case.flags:
        streams = ["null"]
    elif "s" in case.flags:
        streams = ["[" + ",".join(texts) + "]"]
    else:
        streams = texts
    try:
        for text in streams:
            for dumped in prog.input_text(text):
                out.append(_print(parse_json_text(dumped), case.flags))
    except ValueError as e:
        return Outcome("".join(out), "runtime", str(e))
    return Outcome("".join(out))


def meets(case: PeerCase, got: Outcome) -> bool:
    """Whether an outcome is what the peer's case expects."""
    if got.error == "input":
        return False
    if case.fails:
        want = "compile" if case.compile_fail else "runtime"
        return got.error == want and (case.compile_fail or got.stdout == case.expected)
    return got.error is None and got.stdout == case.expected
