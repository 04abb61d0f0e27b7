"""Issue 14's wrong answers, each checked against libjq 1.8.2 (PyPI ``jq``): same outputs, or both refuse.

Programs are run on an input given as JSON text, so numbers the Python side cannot spell (``-0``) reach
both engines the same way; outputs are compared as the bytes ``jq -c`` prints (libjq's ``tojson``).
"""

from __future__ import annotations

import json
import sys
from typing import Any

import jq as refjq
import pytest

from trailtui.engine.jq import JqCompileError, JqError, compile_program, dumps
from trailtui.engine.jq.builtins import parse_json_text


def ref_run(program: str, input_text: str) -> Any:
    """libjq's printed outputs, with ``("error", message)`` last if it raised, or ``"compile error"``."""
    try:
        compiled = refjq.compile(f"({program}\n) | tojson")
    except ValueError:
        return "compile error"
    out: list = []
    try:
        for x in compiled.input_text(input_text):
            out.append(x)
    except ValueError as e:
        out.append(("error", str(e)))
    return out


def our_run(program: str, input_text: str) -> Any:
    try:
        compiled = compile_program(program)
    except JqCompileError:
        return "compile error"
    out: list = []
    try:
        for x in compiled.run(parse_json_text(input_text)):
            out.append(dumps(x))
    except JqError as e:
        out.append(("error", str(e)))
    return out


CASES = [
    # precedence: `//` is looser than the non-associative assignments
    (".a = false // 3", '{"a":1}'),
    (".a |= . // 2", "{}"),
    (". += 1 -= 2", "null"),
    (".[] |= .[] |= .+1", "null"),
    ("1 // 2 = 3", "null"),
    # grammar
    ("{a:1,}", "null"),
    ("{a:1,,}", "null"),
    (".[0] .[] .[:-1]", "[[1,2,3]]"),
    (".[0].[1:]", "[[1,2,3]]"),
    (".[0][1:]", "[[1,2,3]]"),
    ("1 # comment \\\r\n+ 1", "null"),
    ("[1, # c\r\n2]", "null"),
    ("1 # c \\\r\n+ 1", "null"),
    ("1 # c \r+ 1", "null"),
    # objects, functions, destructuring
    ('{"\\(.bar[])"}', '{"bar":["x","y"],"x":1,"y":2}'),
    ("[{(.a, .b): (1, 2)}]", '{"a":"p","b":"q"}'),
    ("def f($x): [$x, x]; f(1,2)", "null"),
    ("def f($a; $b): [$a, $b, a, b]; [f(1,2; 3)]", "null"),
    (". as {a:{(.b):$x}} | $x", '{"a":{"k":5,"b":"k"},"b":"j"}'),
    (". as {a:{(.b):$x}} | $x", '{"a":{"k":5},"b":"k"}'),
    # regex
    ('[gsub("a"; "x","y")]', '"aba"'),
    ('[gsub("(?<x>a)"; .x, "y")]', '"aba"'),
    ('[sub("a"; empty)]', '"abc"'),
    ('[sub("a"; 1)]', '"abc"'),
    ('[match("a*?";"g") | .offset]', '"aaa"'),
    ('[match("a*";"g") | [.offset, .length]]', '"baab"'),
    ('[match("a";"gmi") | .offset]', '"aA"'),
    ('[match("a.b";"m"), match("a.b";"s") | .offset]', '"a\\nb"'),
    ('[match("(a)|b";"g") | .captures]', '"ba"'),
    # values
    ("false | contains(true)", "null"),
    ("[true | contains(true)]", "null"),
    ("[nan, infinite, 1 | isfinite]", "null"),
    ("[nan | isnormal]", "null"),
    ("[1, -1, 0.5 | atanh]", "null"),
    ("[.[-2.8], .[-0.5], .[-1.5], .[-4.5], .[3.9]]", "[1,2,3,4]"),
    ('try .[{"start":1}] catch .', "[1,2,3]"),
    ('[range("a";"c")]', "null"),
    ("[.[] | ceil, floor, round, rint, trunc]", "[-0.3, -0.0, 0.3, -1.5, 2.5]"),
    ('"-0", "100000000000000000000000000001" | tonumber', "null"),
    ('"[-0, 100000000000000000000000000001]" | fromjson', "null"),
    (".", "-0"),
    ("[., -., . * 1]", "-0"),
    (".", "100000000000000000000000000001"),
    # dates
    ('"2015-03-05 23:51:47" | strptime("%F %T")', "null"),
    ('"2015-03-05 23:51:47 +0100" | strptime("%Y-%m-%d %H:%M:%S %z") | ., mktime', "null"),
    ('"03/05/15 23:51" | strptime("%D %R")', "null"),
    # formats: NUL is written as \0
    ('[1, "a\\u0000b"] | @csv, @tsv, @sh', "null"),
    ('"a\\u0000b" | @html, @sh', "null"),
    # path expressions
    ("[path(skip(1; .[]))]", "[1,2,3]"),
    ("[path(nth(1; .[]))]", "[1,2,3]"),
    ("[path(last(.[]))]", "[1,2,3]"),
    ("(skip(1; .[])) |= 10", "[1,2,3]"),
]


@pytest.mark.parametrize(("program", "input_text"), CASES)
def test_same_as_libjq(program: str, input_text: str) -> None:
    ours_, ref = our_run(program, input_text), ref_run(program, input_text)
    if isinstance(ref, list) and ref and isinstance(ref[-1], tuple):
        # libjq's Python binding prefixes its messages; compare outputs and that both raised
        assert ours_[:-1] == ref[:-1] and isinstance(ours_[-1], tuple) and ref[-1][1].endswith(ours_[-1][1])
    else:
        assert ours_ == ref


def test_overflowing_literal_compiles_and_prints_as_jq_1_8() -> None:
    # jq 1.8's CLI prints a literal beyond the double range as the largest double
    assert [dumps(x) for x in compile_program("1e1000, -1e1000").run(None)] == [
        "1.7976931348623157e+308", "-1.7976931348623157e+308"]


def test_input_filename_is_what_the_caller_passes() -> None:
    prog = compile_program("input_filename")
    assert list(prog.run({})) == [None]
    assert list(prog.run({}, filename="logs/a.json.gz")) == ["logs/a.json.gz"]


def test_debug_and_stderr_write_jq_messages_to_the_callers_sinks() -> None:
    prog = compile_program('debug | debug("m", .a) | ("text", {"b":1} | stderr | empty), .a')
    debug: list = []
    err: list = []
    assert list(prog.run({"a": [1]}, on_debug=debug.append, on_stderr=err.append)) == [[1]]
    assert debug == ['["DEBUG:",{"a":[1]}]', '["DEBUG:","m"]', '["DEBUG:",[1]]']
    assert err == ["text", '{"b":1}']


def test_debug_defaults_to_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    assert list(compile_program("debug").run(1)) == [1]
    assert capsys.readouterr().err == '["DEBUG:",1]\n'


def test_contexts_of_interleaved_runs_stay_apart() -> None:
    prog = compile_program("range(3) | input_filename")
    a, b = prog.run(None, filename="a"), prog.run(None, filename="b")
    assert [next(a), next(b), next(a), next(b)] == ["a", "b", "a", "b"]
    assert list(compile_program("input_filename").run(None)) == [None]


def test_loc_gives_the_line() -> None:
    assert list(compile_program("1 |\n\n$__loc__").run(None)) == [{"file": "<top-level>", "line": 3}]
    assert list(compile_program("1 |\n\n$__loc__").run(None)) == [
        json.loads(v) for v in refjq.compile("(1 |\n\n$__loc__) | tojson").input_text("null")]


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__]))
