"""Focused unit tests of the jq engine: printing, ordering, errors (positions, carets, messages), API.

Where libjq can answer (PyPI ``jq`` bundles libjq 1.8.2) the expectation comes from it: printed bytes
are libjq's own ``tojson`` output, error messages are what ``try ... catch .`` yields there.
"""

from __future__ import annotations

import json
import math
from typing import Any

import jq as refjq
import pytest

from trailtui.engine.jq import (JqCompileError, JqRuntimeError, JqSyntaxError, JqUnsupported, ast,
                                compile_program, dumps, dumps_raw, parse)


def ref_dumped(program: str, value: Any = None) -> list[str]:
    """libjq's compact bytes for each output (``tojson`` uses the CLI's printer)."""
    return refjq.compile(f"({program}) | tojson").input_text(json.dumps(value)).all()


def ours(program: str, value: Any = None) -> list[str]:
    return [dumps(x) for x in compile_program(program).run(value)]


def ref_values(program: str, value: Any = None) -> list[Any]:
    return refjq.compile(program).input_text(json.dumps(value)).all()


def our_values(program: str, value: Any = None) -> list[Any]:
    return list(compile_program(program).run(value))


# ---------------------------------------------------------------- printing

@pytest.mark.parametrize("program", [
    "[1 + 0.5, 0.1 + 0.2, 1 / 3, 10 / 2, 2 * 1.5, 1e17 * 1, 3e16 * 1, 123456789012345678 * 1]",
    "[1e-5 * 1, 0.0001 * 1, 1.5e300 * 1, 1e1000 * 1, -1e1000 * 1, nan, infinite, -infinite]",
    "[100000000000000000000 * 1, 1e15 + 0.5, 12345678901234567 * 1, 2 * -0.5, 0 * -1]",
    "[-(0 + 0), -(1 - 1)]",
    '"\\u0000\\u001f\\u007f \\"\\\\ / é ☆ 😀 \\t\\n\\r\\b\\f"',
    '{"b": 1, "a": [true, false, null, {}, []], "é": "x"}',
    "[range(5) / 2]",
    "[pow(2; 64), pow(2; 53) + 1, 9007199254740993 * 1]",
])
def test_printing_matches_libjq(program: str) -> None:
    assert ours(program) == ref_dumped(program)


@pytest.mark.parametrize("value", [
    {"b": 2, "a": 1}, [1, "two", None, True, {"k": [1.5]}], "tab\tnew\nline", -3, 2.25, "€/<>&",
])
def test_dumps_of_input_values_matches_libjq(value: Any) -> None:
    assert dumps(value) == ref_dumped(".", value)[0]


def test_dumps_raw_prints_strings_raw_and_everything_else_as_json() -> None:
    assert dumps_raw("a\tb") == "a\tb"
    assert dumps_raw({"a": "b"}) == '{"a":"b"}'
    assert dumps_raw(1.0) == "1"
    assert dumps_raw(None) == "null"


def test_nan_and_infinity_print_like_jq() -> None:
    assert dumps([math.nan, math.inf, -math.inf]) == ref_dumped("[nan, infinite, -infinite]")[0]


def test_tojson_and_tostring_use_the_same_printer() -> None:
    prog = '[.[] | tojson, tostring]'
    value = [1.5, "x", {"a": [1, None]}, 0.25]
    assert our_values(prog, value) == ref_values(prog, value)


# ---------------------------------------------------------------- ordering and equality

def test_sort_orders_across_types_like_jq() -> None:
    value = [{"b": 1}, {"a": 2}, {"a": 1, "b": 0}, [2], [1, 2], "b", "a", "", 3, -1, 2.5,
             True, False, None, {"a": [1]}, [[]], "é", "z"]
    assert our_values("sort", value) == ref_values("sort", value)


@pytest.mark.parametrize("program", [
    "[1 == 1.0, 1 != 1.0, [1] == [1.0], {a: 1} == {a: 1.0}, true == 1, null == false]",
    '[null < false, false < true, true < 0, 0 < "", "" < [], [] < {}]',
    '[{"a": 1} < {"b": 0}, {"a": 2} > {"a": 1, "b": 0}, [1, 2] < [1, 2, 0], "ab" < "b"]',
    "[nan < nan, nan > nan, nan == nan, ([nan, 1] | sort | .[0] | isnan)]",
    '[{"a":1,"b":2} | keys, (to_entries | map(.key))]',
    "[[3, 1, 2] | min, max, (unique | length)], ([{a: 2}, {a: 1}] | sort_by(.a) | map(.a))",
    '[{"k": 1, "v": "x"}, {"k": 0, "v": "y"}, {"k": 1, "v": "z"}] | group_by(.k) | map(map(.v))',
])
def test_comparisons_match_libjq(program: str) -> None:
    assert ours(program) == ref_dumped(program)


# ---------------------------------------------------------------- compile errors: positions and carets

@pytest.mark.parametrize("src,pos,kind", [
    (".a | foo(1)", 5, JqSyntaxError),
    (". as $x | $y", 10, JqSyntaxError),
    ("{(0): 1}", 2, JqSyntaxError),
    (".a | break $out", 5, JqSyntaxError),
    ("[1, 2", 5, JqSyntaxError),
    ('"abc', 0, JqSyntaxError),
    ("1 + ) ", 4, JqSyntaxError),
    ("input | .a", 0, JqUnsupported),
    ('.a | import "x" as y; .', 5, JqUnsupported),
    ("{1+2: 3}", 1, JqSyntaxError),
    ('"\\v"', 1, JqSyntaxError),
])
def test_compile_error_positions(src: str, pos: int, kind: type) -> None:
    with pytest.raises(kind) as info:
        compile_program(src)
    err = info.value
    assert isinstance(err, JqCompileError)
    assert err.pos == pos, (err.reason, err.pos)
    assert "\n" not in err.reason
    if kind is JqSyntaxError:
        # libjq agrees that the program does not compile
        with pytest.raises(ValueError):
            refjq.compile(src)


def test_caret_points_at_the_offending_character() -> None:
    with pytest.raises(JqSyntaxError) as info:
        compile_program(".records[] | nosuch(.)")
    assert info.value.caret() == ".records[] | nosuch(.)\n             ^"


def test_caret_uses_the_line_of_a_multiline_program() -> None:
    src = ".a\n| .b\n| $missing"
    with pytest.raises(JqSyntaxError) as info:
        compile_program(src)
    assert info.value.caret() == "| $missing\n  ^"
    assert info.value.reason == "$missing is not defined"


def test_builtins_missing_from_jq_18_are_not_defined() -> None:
    for src in ("leaf_paths", "ascii", "repeat(.; 1)", "toarray", "dateadd(\"s\"; 1)", "isvalid(.)"):
        with pytest.raises(JqSyntaxError):
            compile_program(src)
        with pytest.raises(ValueError):
            refjq.compile(src)


def test_unsupported_message_names_the_construct() -> None:
    with pytest.raises(JqUnsupported) as info:
        compile_program(". | inputs")
    assert str(info.value.reason) == "not supported: inputs/0"
    assert info.value.pos == 4


def test_prelude_errors_do_not_leak_positions_into_src() -> None:
    prelude = "def twice(f): f | f; def actor: .userIdentity.arn;"
    prog = compile_program(".n | twice(. + 1)", prelude)
    assert list(prog.run({"n": 1})) == [3]
    with pytest.raises(JqSyntaxError) as info:
        compile_program("twice(.) | nosuch", prelude)
    assert info.value.pos == 11


def test_prelude_definitions_are_in_scope() -> None:
    prelude = "def twice(f): f | f; def actor: .userIdentity.arn // \"?\";"
    prog = compile_program("[(.n | twice(. * 3)), actor]", prelude)
    assert list(prog.run({"n": 2, "userIdentity": {"arn": "arn:x"}})) == [[18, "arn:x"]]
    # a program may shadow a prelude definition
    assert list(compile_program("def actor: 1; actor", prelude).run(None)) == [1]


# ---------------------------------------------------------------- runtime error messages

@pytest.mark.parametrize("program,value", [
    (".foo", "text"),
    (".[0]", {"a": 1}),
    (".[]", 3),
    (".[] ", None),
    ("test(1)", 3),
    ('test("a")', 3),
    ("null + {a: 1} | . + 1", None),
    ('. + {}', "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz"),
    ('. - 1', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]),
    ("{} - 1", None),
    ("1 / 0", None),
    ("1 % 0", None),
    ("{} * 2", None),
    ("keys", 1),
    ("length", True),
    ("-.", "a"),
    ("tonumber", "abc"),
    ("implode", "x"),
    ("error", {"a": 1}),
    ('error("custom")', None),
    ("@csv", [[1]]),
    ("@tsv", {}),
    ('has("a")', [1]),
    ("contains(1)", "a"),
    ('.a.b = 1', {"a": 5}),
    ('path(1)', None),
    ('path(.a | map(.b) | .[0])', {"a": [{"b": 1}]}),
    ("ltrimstr(1)", "a"),
    ('limit(-1; 1)', None),
    ('"x" * 1 | .[1:2] = "y"', None),
    ('@nosuchformat', None),
    ('test(1)', "a"),
    ('capture(1)', "a"),
    ('scan(1)', "a"),
    ('[match(["a", "g"])] | length', "aa"),
    ('test("a"; "q")', "a"),
    ('.x // 3', [1]),
    ('[(1, null, error("x"), 2) // 3]', None),
    ('splits(1)', "a"),
    ('fromdateiso8601', "yesterday"),
    ('strftime("%Y")', "x"),
    ('[.[] | tostring] | join(",") | ascii_downcase | explode | implode | @base64d', ["a b"]),
])
def test_runtime_error_messages_match_libjq(program: str, value: Any) -> None:
    caught = f"try ({program}) catch ."
    assert our_values(caught, value) == ref_values(caught, value)
    try:
        ref_values(program, value)
    except ValueError:
        with pytest.raises(JqRuntimeError):
            our_values(program, value)


def test_runtime_error_value_and_message() -> None:
    with pytest.raises(JqRuntimeError) as info:
        list(compile_program('error({"code": 7})').run(None))
    assert info.value.value == {"code": 7}
    with pytest.raises(JqRuntimeError) as info:
        list(compile_program(".[] | test(\"x\")").run([1]))
    assert str(info.value) == "number (1) cannot be matched, as it is not a string"


def test_outputs_before_an_error_are_delivered() -> None:
    it = compile_program(".[] | 10 / .").run([1, 2, 0, 5])
    assert next(it) == 10
    assert next(it) == 5
    with pytest.raises(JqRuntimeError, match="divided because the divisor is zero"):
        next(it)


# ---------------------------------------------------------------- API

def test_run_is_lazy() -> None:
    prog = compile_program("repeat(1)")
    it = prog.run(None)
    assert [next(it) for _ in range(3)] == [1, 1, 1]
    assert list(compile_program("limit(3; repeat(.))").run(0)) == [0, 0, 0]


def test_program_exposes_ast_and_source() -> None:
    prog = compile_program('select(.eventName == "X")')
    assert prog.source == 'select(.eventName == "X")'
    assert isinstance(prog.ast, ast.FuncCall) and prog.ast.name == "select"
    cond = prog.ast.args[0]
    assert isinstance(cond, ast.Binary) and ast.path_of(cond.left) == ("eventName",)
    assert parse(".a.b") == ast.Index(ast.Index(ast.Identity(), ast.Literal("a")), ast.Literal("b"))


def test_ast_positions_point_into_the_source() -> None:
    tree = parse('.a | select(.b == "x")')
    assert isinstance(tree, ast.Pipe)
    assert tree.right.pos == 5 and tree.right.args[0].pos == 15


def test_variables_are_passed_at_run_time() -> None:
    prog = compile_program("[$who, .a]", variables=["who"])
    assert list(prog.run({"a": 1}, variables={"who": "me"})) == [["me", 1]]
    with pytest.raises(JqSyntaxError):
        compile_program("$who")


def test_inputs_are_never_mutated() -> None:
    value = {"a": [3, 1, 2], "b": {"c": 1}}
    snapshot = json.dumps(value)
    for program in [".a |= sort", ".b.c = 5", "del(.a[0])", ".a += [4]", "to_entries", "setpath([\"b\",\"d\"]; 1)",
                    "delpaths([[\"a\", 0]])", ".a[1:] = []", "walk(if type == \"number\" then . + 1 else . end)"]:
        list(compile_program(program).run(value))
        assert json.dumps(value) == snapshot, program


@pytest.mark.parametrize("program,value", [
    ('select(.eventName == "AttachUserPolicy")', {"eventName": "AttachUserPolicy"}),
    ('.requestParameters.bucketName == "x"', {"requestParameters": None}),
    ('{user: .userIdentity.arn, n: (.resources | length)}', {"userIdentity": {"arn": "a"}, "resources": [1]}),
    ('[.[] | select(type == "number" and . > 1)]', [1, 2, "3", 4.5]),
    ('if .a then "x" elif .b then "y" else "z" end', {"b": 1}),
    ('reduce .[] as [$k, $v] ({}; .[$k] += $v)', [["a", 1], ["b", 2], ["a", 3]]),
    ('[foreach .[] as $x (0; . + $x; [$x, .])]', [1, 2, 3]),
    ('[.[] as {a: $x, b: [$y]} ?// [$x, $y] | [$x, $y]]', [{"a": 1, "b": [2]}, [3, 4]]),
    ('def f(g; $n): if $n == 0 then . else g | f(g; $n - 1) end; f(. * 2; 5)', 1),
    ('[label $out | .[] | if . > 2 then ., break $out else . end]', [1, 2, 3, 4]),
    ('[limit(3; .[]), first(.[]), last(.[]), nth(1; .[]), until(. > 100; . * 2)?]', [5, 6, 7, 8]),
    ('[.[] // "d"], [(null, false) // "d"], (.[5] // empty // 3)', [None, 1, False]),
    ('[paths], [paths(type == "number")], [paths(..)]', {"a": [1, {"b": 2}]}),
    ('to_entries, with_entries(.value += 1), (to_entries | from_entries)', {"a": 1, "b": 2}),
    ('[splits(", *")], sub("(?<x>[a-z]+)"; "<\\(.x)>"; "g"), [scan("[0-9]+")]', "ab, cd,ef 12 34"),
    ('[match("(a)(x)?"; "g") | .captures | map(.string)], capture("(?<n>[0-9]+)")', "a1 a22"),
    ('@csv, @tsv, @sh, @html, @uri, @base64, (@base64 | @base64d), @json, @text', ["a,b", 1, None, "<'\"&>"]),
    ('todate, (todate | fromdate), (gmtime | mktime), (gmtime | strftime("%A %j %H"))', 1425599621),
    ('[.[] | tojson | fromjson] == ., (map(tostring) | join("-")), (tostream | tojson)', [1, "a", [None]]),
    ('[getpath(["a", "b"]), (setpath(["a", "c"]; 1) | .a), del(.a.b), pick(.a.b)]', {"a": {"b": 2}}),
    ('[.[] | ascii_downcase, ascii_upcase, ltrimstr("a"), rtrimstr("c"), (explode | implode)]', ["abc", "ABC"]),
    ('[range(0; 10; 3)], [range(5; 0; -2)], [limit(0; 1, 2)], isempty(empty), [combinations]', [[1, 2], [3]]),
    ('env | type, ($ENV | type), $__loc__, input_filename, ([1, [2]] | flatten), ({} | .a.b.c = 1)', None),
    ('[.[] | [., type, length]], (map(abs)), ([.[] | numbers] | add), any(. > 2), all(. > -5)', [-1, 2.5, 3]),
    ('([65, 66] | implode), utf8bytelength, (try @base32 catch .), @base64, (@base64 | @base64d)', "é!"),
    ('.[1:], .[:-1], .[-2:], .[1.5:2.7], (.[2:4] = ["x"]), (del(.[0, -1]))', [0, 1, 2, 3, 4]),
    ('"\\(.a) and \\(.b | tojson) \\(1, 2)"', {"a": "x", "b": [1]}),
    ('{a, $__loc__, "b": 2, (.k): 3, "c\\(1 + 1)": 4, @base64 "x": 5}', {"a": 0, "k": "kk"}),
    ('.. |= (if type == "number" then . + 1 else . end)', {"a": [1, {"b": 2}]}),
    ('map_values(. * 10), (.[] |= empty), (to_entries | map(select(.value > 1)) | from_entries)', {"a": 1, "b": 2}),
    ('[.[] | tostring | test("^[0-9]+$")], [.[] | strings], (.[2] | indices("b")), (.[2] | index("b"))', [1, 2, "abcb"]),
    ('[splits("a")], (split("") | length), ascii_downcase, (. / "b"), (. * 2), trim, ("  x " | ltrim, rtrim)', "aBbAb"),
    ('getpath(["x"]) as $v | [$v, ($v | not), (. | has("x")), (.x | type)]', {"x": False}),
    ('IN(1, 2), ([3] | IN([1], [3])), INDEX(.id), (group_by(.g) | length)', [{"id": "a", "g": 1}, {"id": "b", "g": 1}]),
    ('[.[] | try error("\\(.)") catch . + "!"], (.[] |= (. as $x | try error($x) catch .))', ["a", "b"]),
])
def test_programs_match_libjq(program: str, value: Any) -> None:
    try:
        expected = ref_dumped(program, value)
    except ValueError as exc:  # pragma: no cover - only if libjq rejects the program
        pytest.fail(f"reference rejects {program!r}: {exc}")
    assert ours(program, value) == expected


def test_single_output_fast_path_still_raises_lazily() -> None:
    prog = compile_program(".a.b")
    it = prog.run({"a": 5})
    with pytest.raises(JqRuntimeError, match=r'Cannot index number with string \("b"\)'):
        next(it)


def test_interrupting_a_deep_recursion_stops_its_thread() -> None:
    """A caller interrupted while a program runs in the deep-recursion thread stops that thread as well.

    Left running, the thread would keep the process-wide recursion limit at 1.5 million, and a later deep
    recursion in the main thread overflowed its C stack (a crashed test worker in CI). The program recurses
    past the normal limit at once, then loops without output, so the alarm lands while the deep thread runs.
    """
    import sys
    import time

    from timelimit import TimeLimitExceeded, time_limit

    from trailtui.engine.jq.parser import RUNTIME_RECURSION_LIMIT

    prog = compile_program("def f: if . < 20000 then . + 1 | f else . end; f | last(range(1e12))")
    started = time.monotonic()
    with pytest.raises(TimeLimitExceeded):
        with time_limit(1.5):
            list(prog.run(0))
    assert time.monotonic() - started < 10
    # The thread's last act is to put the limit back; it stays back (the thread does not run on).
    assert sys.getrecursionlimit() == RUNTIME_RECURSION_LIMIT
    time.sleep(0.3)
    assert sys.getrecursionlimit() == RUNTIME_RECURSION_LIMIT


def test_deep_recursion_still_answers() -> None:
    prog = compile_program("def f: if . < 20000 then . + 1 | f else . end; f")
    assert list(prog.run(0)) == [20000]


def test_decoding_invalid_utf8_replaces_as_libjq_does() -> None:
    """Decoded bytes that are not UTF-8 become U+FFFD per bad sequence as libjq delimits them (a sequence the
    data cuts short is one replacement; so is an encoded surrogate or an overlong form). Found by the
    property test: Python's ``errors="replace"`` kept a trailing byte jq swallows."""
    import base64
    import random

    rnd = random.Random(1208)
    alphabet = [0x41, 0x6C, 0xC3, 0xA9, 0xE4, 0x80, 0xBF, 0xF0, 0x9F, 0xED, 0xA0, 0xC0, 0xF4, 0xF5, 0xFF]
    samples = [b"\xed\xa0\x80", b"\xc0\x80", b"\xe4l", b"\xf0\x90\x80", b"\xf4\x90\x80\x80", b"\xe0\x80\x80", b"a\xe4"]
    samples += [bytes(rnd.choice(alphabet) for _ in range(rnd.randrange(1, 9))) for _ in range(1500)]
    samples += [bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 9))) for _ in range(500)]
    prog = compile_program("@base64d")
    ref = refjq.compile("@base64d")
    for data in samples:
        text = base64.b64encode(data).decode("ascii")
        assert list(prog.run(text)) == ref.input_value(text).all(), data
