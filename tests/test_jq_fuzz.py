"""Fuzz tests: arbitrary program text never crashes or hangs the jq engine.

Sources of text: Hypothesis's unicode text, text over jq's punctuation, soups of jq tokens, and
corpus filters mutated by deleting spans and inserting ``()[]{}|.,"\\$@`` characters. The contract:

* ``compile_program`` returns a program or raises a ``JqCompileError`` subclass whose ``pos`` lies in the
  text and whose ``caret()`` works, within a second (sizes are bounded, so slower means a hang);
* running a compiled program on a real record raises nothing but ``JqRuntimeError``, and every output
  can be printed. Programs may legitimately loop forever (``repeat(.)``), so a run is bounded by an
  output count and a time limit, and a run that hits the time limit proves nothing either way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import event as _hyp_event
from hypothesis import note as _hyp_note
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

import jqref
from timelimit import TimeLimitExceeded, time_limit

FUZZ = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Hang detectors, not speed checks: generous, since CI machines may be busy (typical costs are ~0.1 s).
COMPILE_LIMIT_S = 5.0
RUN_LIMIT_S = 3.0
MAX_OUTPUTS = 200
INSERTS = '()[]{}|.,"\\$@'

CORPUS_SOURCES = [f.source for f in jqref.load_corpus()]

TOKENS = [
    ".", "..", ".foo", ".eventName", ".[]", ".[0]", "[", "]", "{", "}", "(", ")", "|", ",", ":", ";", "?",
    "//", "?//", "|=", "+=", "//=", "=", "==", "!=", "<", ">=", "+", "-", "*", "/", "%", "and", "or", "not",
    "as", "$x", "$__loc__", "$ENV", "def", "f", "f:", "if", "then", "elif", "else", "end", "try", "catch",
    "reduce", "foreach", "label", "break", "$out", "import", "include", "select(", "map(", "test(", "1",
    "1.5e3", "-0", "null", "true", '"s"', '"\\(', '\\(', '"', "\\", "#", "\n", " ", "@base64", "@sh",
    "@tsv", "@json \"x\\(.)\"", "..|", "getpath(", "paths", "error", "empty", "limit(", "recurse",
    "reduce . as $x (0; .)", "{a}", "{$x}", "{\"a\":1}", "[.[]?]", ".a?.b", "?.", "..?", ".[1:]", ".[:-1]",
]


def note(text: str) -> None:
    """``hypothesis.note`` that is a no-op outside a Hypothesis test (the parametrised cases)."""
    try:
        _hyp_note(text)
    except InvalidArgument:
        pass


def event(text: str) -> None:
    """``hypothesis.event`` that is a no-op outside a Hypothesis test."""
    try:
        _hyp_event(text)
    except InvalidArgument:
        pass


def _engine():
    from trailtui.engine import jq as engine

    return engine


def check_compile(src: str) -> Any:
    """Compile ``src``; assert only a well-formed ``JqCompileError`` escapes. Returns the program or None."""
    engine = _engine()
    note(f"program text: {src!r}")
    try:
        with time_limit(COMPILE_LIMIT_S):
            prog = engine.compile_program(src)
    except TimeLimitExceeded:
        pytest.fail(f"compile_program did not finish within {COMPILE_LIMIT_S}s on {src!r}")
    except engine.JqCompileError as exc:
        assert isinstance(exc.pos, int) and 0 <= exc.pos <= len(src), (exc.pos, len(src))
        assert isinstance(exc.reason, str) and exc.reason
        assert isinstance(exc.caret(), str)
        event(f"compile error: {type(exc).__name__}")
        return None
    event("compiled")
    return prog


def check_run(prog: Any, record: Any) -> None:
    """Run on ``record``: only ``JqRuntimeError`` may escape, outputs must print."""
    engine = _engine()
    n = 0
    try:
        with time_limit(RUN_LIMIT_S):
            for out in prog.run(record):
                engine.dumps_raw(out)
                n += 1
                if n >= MAX_OUTPUTS:
                    break
    except TimeLimitExceeded:
        event("run: time limit (inconclusive)")
        return
    except engine.JqRuntimeError as exc:
        assert isinstance(str(exc), str)
        event("run: runtime error")
        return
    event("run: ok")


def _mutate(src: str, ops: list[tuple[int, int, int, str]]) -> str:
    """Apply edit operations: (kind, position, length, character) with positions taken modulo the size."""
    for kind, pos, length, ch in ops:
        i = pos % (len(src) + 1)
        if kind == 0:  # delete a span
            src = src[:i] + src[i + length % 8 :]
        elif kind == 1:  # insert punctuation
            src = src[:i] + ch + src[i:]
        elif kind == 2:  # duplicate a span
            src = src[:i] + src[i : i + length % 8] + src[i:]
        else:  # truncate
            src = src[:i]
    return src


mutations = st.lists(
    st.tuples(st.integers(0, 3), st.integers(0, 500), st.integers(0, 20), st.sampled_from(list(INSERTS))),
    min_size=1,
    max_size=4,
)
jq_alphabet = st.sampled_from(list('.[]{}()|,:;?"\\$@#+-*/%=<>!abcdefxyz019 \n\t') + ["def", "as", "if", "end"])
texts = st.one_of(
    st.text(max_size=60),
    st.lists(jq_alphabet, max_size=40).map("".join),
    st.lists(st.sampled_from(TOKENS), max_size=25).map(" ".join),
    st.lists(st.sampled_from(TOKENS), max_size=25).map("".join),
)


_record: list[Any] = []


def real_record(datasets: Path) -> Any:
    """A real event with nested objects and arrays (the first with ``resources`` and ``requestParameters``)."""
    if not _record:
        records = jqref.load_all_records(datasets)
        _record.append(next(r for rs in records.values() for r in rs if r.get("resources") and r.get("requestParameters")))
    return _record[0]


@FUZZ
@given(src=texts)
def test_random_text_compiles_or_raises_compile_error(src: str, datasets: Path) -> None:
    """Random text: a program, or a ``JqCompileError`` with a usable position; running it is safe."""
    prog = check_compile(src)
    if prog is not None:
        check_run(prog, real_record(datasets))


@FUZZ
@given(base=st.sampled_from(CORPUS_SOURCES), ops=mutations)
def test_mutated_corpus_filters(base: str, ops: list[tuple[int, int, int, str]], datasets: Path) -> None:
    """Corpus filters with spans deleted and punctuation inserted: compile and run stay within contract."""
    prog = check_compile(_mutate(base, ops))
    if prog is not None:
        check_run(prog, real_record(datasets))


@pytest.mark.parametrize(
    "src",
    [
        "(" * 3000 + "." + ")" * 3000,
        "[" * 3000 + "]" * 3000,
        "{a:" * 2000 + "1" + "}" * 2000,
        ".a" * 5000,
        "1" + " + 1" * 5000,
        "(" * 5000,
        '"' + "\\(" * 2000,
        "if . then " * 1500 + "." + " end" * 1500,
        "[.[]" + "|.[]?" * 3000 + "]",
    ],
    ids=["parens", "brackets", "objects", "long-path", "long-sum", "unclosed", "nested-interp", "ifs", "pipes"],
)
def test_deep_or_long_programs(src: str, datasets: Path) -> None:
    """Deeply nested or very long programs compile or raise ``JqCompileError`` (no ``RecursionError``).

    libjq compiles 5000 nested parentheses and reports "memory exhausted" (a compile error) near 10000.
    """
    prog = check_compile(src)
    if prog is not None:
        check_run(prog, real_record(datasets))
