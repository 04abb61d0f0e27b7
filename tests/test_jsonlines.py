"""jsonlines against the real jq: Debian jq 1.6 (`jq .` layout) and libjq 1.8 from PyPI (escaping, paths)."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trailtui.ui.jsonlines import Line, LineIndex, getpath, jq_path, pretty_lines, pretty_text, scalar_text, scan

JQ_CLI = shutil.which("jq")
needs_jq_cli = pytest.mark.skipif(JQ_CLI is None, reason="the jq command line tool is not installed")


def jq_cli_pretty(*values: Any) -> str:
    """What `jq .` (the command-line jq) prints for a stream of values, without the final newline."""
    assert JQ_CLI is not None
    stream = "\n".join(json.dumps(value) for value in values).encode()
    result = subprocess.run([JQ_CLI, "."], input=stream, capture_output=True, check=True)
    return result.stdout.decode().removesuffix("\n")


def assert_same_as_jq16(ours: str, theirs: str) -> None:
    """Equal text, except that a number may be spelled differently if it has the same value.

    jq 1.6 prints 500.0 as 500 and rounds big integers; we print the number the record holds
    (as jq 1.7+ does)."""
    if ours == theirs:
        return
    our_lines, their_lines = ours.split("\n"), theirs.split("\n")
    assert len(our_lines) == len(their_lines)
    for mine, jqs in zip(our_lines, their_lines):
        if mine != jqs:
            head, _, our_number = mine.rstrip(",").rpartition(" ")
            their_head, _, their_number = jqs.rstrip(",").rpartition(" ")
            assert head == their_head and float(our_number) == float(their_number), (mine, jqs)


def libjq(program: str, value: Any) -> Any:
    """The first output of a jq program run by libjq 1.8 (PyPI jq)."""
    return jq.compile(program).input_value(value).first()


def load_records(path: Path) -> list[Any]:
    """Every JSON document in a dataset file (a whole document, or one per line)."""
    data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    try:
        return [json.loads(data)]
    except ValueError:
        return [json.loads(line) for line in data.splitlines() if line.strip()]


# Ints stay within 2**53 and floats exclude integral values: beyond that jq 1.6 prints numbers
# differently (it rounds big integers and prints 1.0 as 1); jq 1.7+ agrees with us there (see below).
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.sampled_from([0.5, -2.25, 1e-07, 1.5e300, 123.456, 6.02e23])
    | st.text(alphabet=st.characters(codec="utf-8"), max_size=12)
    | st.sampled_from(["\x00\x1b[2J\x7f", "\u2028\u202e\x85", "tab\there", 'quote"back\\slash', "/slash"])
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=20,
)


@needs_jq_cli
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(json_values, min_size=1, max_size=8))
def test_pretty_text_equals_jq_cli(values: list[Any]) -> None:
    assert "\n".join(pretty_text(value) for value in values) == jq_cli_pretty(*values)


@settings(max_examples=60, deadline=None)
@given(json_values)
def test_every_line_path_reaches_its_value(value: Any) -> None:
    lines = pretty_lines(value)
    assert "\n".join(line.text for line in lines) == pretty_text(value)
    reached = jq.compile("[getpath($paths[])]", args={"paths": [list(line.path) for line in lines]})
    assert reached.input_value(value).first() == [getpath(value, line.path) for line in lines]
    for line in lines:
        shown = getpath(value, line.path)
        if line.kind in ("string", "number", "boolean", "null"):
            token = line.text[line.value_start :].removesuffix(",")
            assert json.loads(token) == shown
        assert line.text.startswith("  " * line.depth)


def test_string_escaping_matches_libjq() -> None:
    samples = ["\x00\x01\x1f", "\x7f", "\x80\x9b\u2028\u2029\u202e", 'a"b\\c/d', "\b\f\n\r\t", "ünï 日本 🙂"]
    for text in samples:
        assert scalar_text(text) == libjq("tojson", text)


def test_numbers_match_libjq_literals() -> None:
    # jq 1.7+ keeps a number's literal text, so libjq 1.8 shows exactly what the record holds.
    for number in [0, -1, 2**53 + 1, 12345678901234567890, 1.0, 0.5, -2.25, 1e100]:
        ours = scalar_text(number)
        assert json.loads(ours) == number
        theirs = libjq("tojson", number)
        assert float(theirs) == float(ours)
        if isinstance(number, int) or number == 1.0:
            assert ours == theirs


WEIRD_KEYS = ["weird-key", "x.y", "if", "and", "a b", "ünï", "", '"q"', "back\\slash", "$x", "1a", "_ok",
              "\x1b[2J", "tab\t", "a\\(1)"]


def test_jq_path_evaluates_to_the_same_value_in_libjq() -> None:
    record = {key: {"inner": [10, {key: f"value of {key}"}]} for key in WEIRD_KEYS}
    for line in pretty_lines(record):
        expression = jq_path(line.path)
        assert libjq(expression, record) == getpath(record, line.path), expression


def test_jq_path_syntax() -> None:
    assert jq_path(()) == "."
    assert jq_path(("userIdentity", "arn")) == ".userIdentity.arn"
    assert jq_path(("resources", 0, "ARN")) == ".resources[0].ARN"
    assert jq_path(("weird-key",)) == '.["weird-key"]'
    assert jq_path(("requestParameters", "x.y")) == '.requestParameters["x.y"]'
    assert jq_path((0, "a")) == ".[0].a"


def test_line_kinds_and_close_paths() -> None:
    lines = pretty_lines({"a": {"b": [1, {}, []]}, "c": None, "d": True, "e": "s"})
    kinds = [(line.kind, line.path) for line in lines]
    assert kinds == [
        ("open", ()),
        ("open", ("a",)),
        ("open", ("a", "b")),
        ("number", ("a", "b", 0)),
        ("empty", ("a", "b", 1)),
        ("empty", ("a", "b", 2)),
        ("close", ("a", "b")),
        ("close", ("a",)),
        ("null", ("c",)),
        ("boolean", ("d",)),
        ("string", ("e",)),
        ("close", ()),
    ]
    assert lines[1] == Line('  "a": {', ("a",), "open", 1, len('"a": '))


def test_deep_nesting_needs_no_recursion() -> None:
    depth = 2000  # deeper than the interpreter's recursion limit
    value: Any = "leaf"
    for _ in range(depth):
        value = [value]
    lines = pretty_lines(value)
    assert len(lines) == 2 * depth + 1
    assert lines[depth].path == (0,) * depth and lines[depth].text.strip() == '"leaf"'


@needs_jq_cli
def test_real_cloudtrail_files_match_jq_cli(datasets: Path) -> None:
    files = sorted(p for p in datasets.rglob("*") if p.suffix in (".json", ".jsonl", ".gz"))
    assert files
    records = [record for path in files for record in load_records(path)]
    assert len(records) > 30
    ours = "\n".join(pretty_text(record) for record in records)
    assert_same_as_jq16(ours, jq_cli_pretty(*records))
    for record in records:
        for line in pretty_lines(record):
            getpath(record, line.path)


@settings(max_examples=60, deadline=None)
@given(json_values, st.sampled_from([1, 2, 3, 7, 256]))
def test_line_index_gives_the_same_lines_in_any_order(value: Any, block: int) -> None:
    reference = pretty_lines(value)
    index = LineIndex(value, block=block)
    for progress in scan(value, block, report_every=5):
        index.add(progress)
    assert index.complete and len(index) == len(reference)
    assert [index[i] for i in reversed(range(len(index)))] == reference[::-1]
    # The scan's width is an estimate before escaping: exact for lines without escapes, and never more
    # than a float's longest spelling too wide.
    plain = [len(line.text) for line in reference if "\\" not in line.text]
    assert index.width >= max(plain, default=0)


def test_line_index_cuts_long_strings_without_escaping_them_whole() -> None:
    value = {"a": "\x1b" * 1000, "b": ["y" * 50, "z"]}
    index = LineIndex(value, block=2, max_string=10).build()
    a, y = index[1], index[3]
    assert a.text == '  "a": "' + "\\u001b" * 10 and a.cut == 990
    assert y.text == '    "' + "y" * 10 and y.cut == 40
    assert index[4] == pretty_lines(value)[4]  # short lines are untouched


def test_scan_reports_progress_in_stretches() -> None:
    value = list(range(1000))
    reports = list(scan(value, block=100, report_every=300))
    assert [r.count for r in reports] == [300, 600, 900, 1002]
    assert [r.done for r in reports] == [False, False, False, True]
    assert sum(len(r.resume_points) for r in reports) == 11  # before lines 0, 100, …, 1000
