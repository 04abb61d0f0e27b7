"""Export: @tsv/@csv lines against the real jq (libjq 1.8), row writers, record writers, terminal safety."""

from __future__ import annotations

import html
import io
import json
import math
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jq
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from trailtui.engine import export
from trailtui.engine.export import ExportError, TerminalSafeWriter, csv_line, format_records, format_rows, tsv_line
from trailtui.engine.textsafe import safe_text

GOLDEN = Path(__file__).parent / "golden"
UPDATE_GOLDEN = os.environ.get("TRAILTUI_UPDATE_GOLDEN") == "1"

# trailtui holds numbers as Python values: an int is exact, a float is a double. In jq a number read from
# JSON text keeps its literal spelling, so the reference multiplies every non-integer literal by 1 to make it
# a double, exactly what a Python float is. Integers stay literals (exact, like Python ints).
_AS_DOUBLES = 'walk(if type == "number" and (tojson | test("[.eE]")) then . * 1 else . end)'
JQ_TSV = jq.compile(f"{_AS_DOUBLES} | @tsv")
JQ_CSV = jq.compile(f"{_AS_DOUBLES} | @csv")
JQ_TOJSON = jq.compile(f"{_AS_DOUBLES} | tojson")


def jq_first(program: Any, value: Any) -> str:
    return program.input_value(value).first()


def jq_error(program: Any, value: Any) -> str:
    with pytest.raises(ValueError) as caught:
        program.input_value(value).first()
    return str(caught.value)


# Text that exercises every escaping rule: controls, backslashes, quotes, separators, non-ASCII, astral.
nasty_text = st.text(
    alphabet=st.one_of(
        st.sampled_from(list('\t\n\r\\"\',|\x00\x1b\x7f\x85\x9b\u2028\u202e é日😀')),
        st.characters(codec="utf-8"),
    ),
    max_size=30,
)
floats = st.floats(allow_nan=True, allow_infinity=True)
ints = st.one_of(st.integers(-(2**53), 2**53), st.integers(-(10**30), 10**30))
scalars = st.one_of(st.none(), st.booleans(), ints, floats, nasty_text)
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), ints, st.floats(allow_nan=False), nasty_text),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(nasty_text, inner, max_size=4)
    ),
    max_leaves=12,
)
rows = st.lists(scalars, max_size=8)
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FEWER = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- @tsv / @csv against libjq ---------------------------------------------------------------------------


@FAST
@given(rows)
def test_tsv_line_matches_jq(row: list[Any]) -> None:
    assert tsv_line(row) == jq_first(JQ_TSV, row)


@FAST
@given(rows)
def test_csv_line_matches_jq(row: list[Any]) -> None:
    assert csv_line(row) == jq_first(JQ_CSV, row)


@pytest.mark.parametrize(
    "value",
    [1.0, -0.0, 0.0, 1e15, 1e16, 1e17, 1e100, 1e-4, 1e-5, 0.1, 123456.789, 5e-324, 1.7976931348623157e308,
     float("inf"), float("-inf"), float("nan"), 2**53 + 1, 2**64, -(10**25), 0, True, False, None],
)
def test_number_and_literal_cells_match_jq(value: Any) -> None:
    assert tsv_line([value]) == jq_first(JQ_TSV, [value])
    assert csv_line([value]) == jq_first(JQ_CSV, [value])


@FEWER
@given(st.lists(scalars, max_size=3), st.one_of(st.lists(json_values, max_size=3), st.dictionaries(nasty_text, json_values, max_size=3)))
def test_nested_cell_error_message_matches_jq(before: list[Any], nested: Any) -> None:
    row = [*before, nested, "after"]
    for line, program in ((tsv_line, JQ_TSV), (csv_line, JQ_CSV)):
        with pytest.raises(ExportError) as caught:
            line(row)
        assert str(caught.value) == jq_error(program, row)


def test_error_message_truncates_like_jq_at_utf8_boundaries() -> None:
    for text in ("x" * 25, "x" * 26, "é" * 20, "日本語テキスト" * 5, "😀" * 9, "a😀" * 9):
        for nested in ([text], {text: 1}):
            with pytest.raises(ExportError) as caught:
                tsv_line([nested])
            assert str(caught.value) == jq_error(JQ_TSV, [nested])


@FEWER
@given(json_values)
def test_compact_json_matches_jq_tojson(value: Any) -> None:
    # jsonl/json rows and error messages print values the way jq -c does.
    assert format_rows("jsonl", None, [[value]]) == "[" + jq_first(JQ_TOJSON, value) + "]\n"


# --- row writers ------------------------------------------------------------------------------------------

SAMPLE_HEADERS = ["eventTime", "eventName", "sourceIPAddress", "errorCode", "count"]
SAMPLE_ROWS: list[list[Any]] = [
    ["2024-03-01T10:00:00Z", "ConsoleLogin", "198.51.100.7", None, 1],
    ["2024-03-01T10:05:12Z", "PutBucketPolicy", "s3.amazonaws.com", "AccessDenied", 12],
    ["2024-03-01T10:06:00Z", "Get|Object\nwith\ttab", "2001:db8::1", "\x1b[2Jboom", 3.5],
    ["2024-03-01T10:07:00Z", "日本語のイベント", "203.0.113.9", "*not_em*", -0.0],
    ["2024-03-01T10:08:00Z", "AssumeRole", "sts.amazonaws.com", "", True],
]
SAMPLE_PROVENANCE = ["a.json: Records[0]", "a.json: Records[1]", "b.jsonl: line 7", "b.jsonl: line 8", "-: line 1"]


def _golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE_GOLDEN or not path.exists():
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="")
    assert text == path.read_bytes().decode("utf-8")


@pytest.mark.parametrize("fmt", export.ROW_FORMATS)
def test_row_formats_golden(fmt: str) -> None:
    text = format_rows(fmt, SAMPLE_HEADERS, SAMPLE_ROWS, provenance=SAMPLE_PROVENANCE,
                       max_width=18 if fmt == "table" else None)
    _golden(f"sample{export.EXTENSIONS[fmt]}" if fmt != "json" else "sample.rows.json", text)


@pytest.mark.parametrize("fmt, program", [("tsv", JQ_TSV), ("csv", JQ_CSV)])
def test_tsv_csv_files_equal_jq_line_by_line(fmt: str, program: Any) -> None:
    text = format_rows(fmt, SAMPLE_HEADERS, SAMPLE_ROWS)
    expected = [jq_first(program, SAMPLE_HEADERS)] + [jq_first(program, r) for r in SAMPLE_ROWS]
    assert text == "".join(line + "\n" for line in expected)


def test_tsv_rows_are_jq_r_output_of_a_real_projection(datasets: Path) -> None:
    path = datasets / "stratus-red-team" / "aws.execution.ssm-send-command.json"
    events = orjson.loads(path.read_bytes())
    projection = "[.eventTime, .eventName, .userIdentity.arn, .sourceIPAddress, .errorCode, .readOnly]"
    program = jq.compile(projection)
    cells = [program.input_value(e).first() for e in events]
    expected = "".join(line + "\n" for line in jq.compile(f".[] | {projection} | @tsv").input_value(events).all())
    assert format_rows("tsv", None, cells) == expected
    assert len(cells) == 56


@FAST
@given(st.lists(st.lists(scalars, min_size=3, max_size=3), max_size=6))
def test_jsonl_and_json_round_trip(cells: list[list[Any]]) -> None:
    def same(a: Any, b: Any) -> bool:  # NaN becomes null, as in jq; infinities become ±DBL_MAX
        if isinstance(a, float) and a != a:
            return b is None
        if isinstance(a, float) and a in (float("inf"), float("-inf")):
            return b == (1.7976931348623157e308 if a > 0 else -1.7976931348623157e308)
        if isinstance(a, float):  # jq prints an integral double without a fraction
            return isinstance(b, (int, float)) and not isinstance(b, bool) and float(b) == a
        return a == b and type(a) is type(b)

    lines = format_rows("jsonl", None, cells).split("\n")[:-1]
    assert len(lines) == len(cells)
    for line, row in zip(lines, cells):
        back = json.loads(line)
        assert all(same(a, b) for a, b in zip(row, back)) and len(back) == len(row)
    as_objects = json.loads(format_rows("json", ["a", "b", "a"], cells))
    assert [list(o) for o in as_objects] == [["a", "b", "a_2"]] * len(cells)
    assert all(same(a, b) for o, row in zip(as_objects, cells) for a, b in zip(row, o.values()))


def _markdown_cells(text: str) -> list[list[str]]:
    """Render GFM with markdown-it and give back each cell's visible text (``<br>`` as a newline)."""
    md = MarkdownIt("commonmark").enable("table").enable("strikethrough")
    cells: list[list[str]] = []
    for token in md.parse(text):
        if token.type == "tr_open":
            cells.append([])
        if token.type == "inline" and cells:
            parts = []
            for child in token.children or []:
                if child.type in ("text", "text_special"):
                    parts.append(child.content)
                elif child.type == "html_inline" and child.content == "<br>":
                    parts.append("\n")
                else:
                    raise AssertionError(f"markup leaked into a cell: {child.type} in {token.content!r}")
            cells[-1].append(html.unescape("".join(parts)))
    return cells


md_text = st.text(alphabet=st.sampled_from(list("ab |\\*_`[]<>~&#!():/\n\r\t\x1bé日-=+.")), max_size=20)


@FAST
@given(st.lists(st.lists(md_text, min_size=2, max_size=2), min_size=1, max_size=4))
def test_markdown_renders_each_cell_as_its_text(cells: list[list[str]]) -> None:
    rendered = _markdown_cells(format_rows("md", ["h|1", "h*2*"], cells))
    assert rendered[0] == ["h|1", "h*2*"]
    expected = [
        ["\n".join(safe_text(part) for part in c.replace("\r\n", "\n").replace("\r", "\n").split("\n")).strip(" ")
         for c in row]
        for row in cells
    ]
    assert [[c.strip(" ") for c in row] for row in rendered[1:]] == expected


def test_markdown_without_headers_numbers_the_columns() -> None:
    text = format_rows("md", None, [["a", 1], ["b", None]])
    assert text.splitlines()[:2] == ["| 1 | 2 |", "| --- | --- |"]
    assert _markdown_cells(text)[1:] == [["a", "1"], ["b", ""]]


@pytest.mark.skipif(shutil.which("column") is None, reason="column(1) not installed")
@FEWER
@given(st.lists(st.lists(st.text(alphabet="abcXYZ0123-:./é", min_size=1, max_size=12), min_size=3, max_size=3),
                min_size=1, max_size=6))
def test_table_aligns_like_column_t(cells: list[list[str]]) -> None:
    text = format_rows("table", ["name", "b", "value"], cells)
    done = subprocess.run(["column", "-t"], input=text, capture_output=True, text=True, check=True)
    assert text == done.stdout


def test_table_escapes_controls_and_clips_by_display_width() -> None:
    text = format_rows("table", ["a", "b"], [["\x1b[31mred", "日本語テキスト"], ["x", "y"]], max_width=6)
    assert "\x1b" not in text
    lines = text.splitlines()
    assert lines[1] == "\\x1b[…  日本…"  # wide characters count two cells; … takes one
    assert lines[2] == "x       y"
    assert format_rows("table", None, [["a" * 50]]) == "a" * 50 + "\n"  # no clipping unless asked
    combining = format_rows("table", None, [["e\u0301te\u0301", "|"], ["abcd", "|"]])
    assert combining == "e\u0301te\u0301   |\nabcd  |\n"  # é counts one cell: width 3, padded to 4


def test_provenance_column_and_mismatch() -> None:
    text = format_rows("tsv", ["a"], [[1], [2]], provenance=["f: line 1", "f: line 2"])
    assert text == "a\tprovenance\n1\tf: line 1\n2\tf: line 2\n"
    with pytest.raises(ExportError, match="fewer provenance"):
        format_rows("csv", None, [[1], [2]], provenance=["only one"])
    with pytest.raises(ExportError, match="more provenance"):
        format_rows("csv", None, [[1]], provenance=["one", "two"])


def test_unknown_formats_are_refused() -> None:
    with pytest.raises(ExportError, match="unknown row format"):
        format_rows("xml", None, [])
    with pytest.raises(ExportError, match="unknown record format"):
        format_records("tsv", [])


def test_empty_inputs() -> None:
    assert format_rows("json", None, []) == "[]\n"
    assert format_rows("jsonl", None, []) == ""
    assert format_rows("tsv", ["a", "b"], []) == "a\tb\n"
    assert format_rows("md", None, []) == ""
    assert format_records("records", []) == '{"Records":[]}\n'
    assert json.loads(format_records("json", [])) == []


# --- terminal safety ----------------------------------------------------------------------------------------


def test_terminal_writer_keeps_tabs_and_newlines_and_escapes_the_rest() -> None:
    sink = io.StringIO()
    writer = TerminalSafeWriter(sink)
    export.write_rows("tsv", None, [["\x1b]52;c;ZXZpbA==\x07", "a\u202eb"]], writer)
    assert sink.getvalue() == "\\x1b]52;c;ZXZpbA==\\x07\ta\\u202eb\n"


@FAST
@given(st.text())
def test_terminal_writer_output_has_no_controls_but_newline_and_tab(text: str) -> None:
    sink = io.StringIO()
    TerminalSafeWriter(sink).write(text)
    out = sink.getvalue()
    assert safe_text(out.replace("\n", "").replace("\t", "")) == out.replace("\n", "").replace("\t", "")
    assert out.count("\n") == text.count("\n") and out.count("\t") == text.count("\t")
    if safe_text(text.replace("\n", "").replace("\t", "")) == text.replace("\n", "").replace("\t", ""):
        assert out == text


# --- records ----------------------------------------------------------------------------------------------


def _ordered(value: Any) -> Any:
    """A form whose equality also checks key order."""
    if isinstance(value, dict):
        return [(k, _ordered(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [_ordered(v) for v in value]
    return value


def _dataset_records(datasets: Path) -> list[Any]:
    records: list[Any] = []
    for path in sorted((datasets / "stratus-red-team").glob("*.json")):
        records.extend(orjson.loads(path.read_bytes()))
    for line in (datasets / "otrf-security-datasets" / "ec2_proxy_s3_exfiltration_2020-09-14011940.json").read_bytes().splitlines():
        if line.strip():
            records.append(orjson.loads(line))
    return records


def test_records_round_trip_real_events(datasets: Path) -> None:
    records = _dataset_records(datasets)
    raws = [orjson.dumps(r) for r in records]
    assert len(records) > 400
    for fmt in ("records", "json", "jsonl"):
        buffer = io.BytesIO()
        assert export.write_records(fmt, raws, buffer) == len(records)
        data = buffer.getvalue()
        if fmt == "jsonl":
            back = [orjson.loads(line) for line in data.split(b"\n")[:-1]]
        else:
            back = orjson.loads(data)
            back = back["Records"] if fmt == "records" else back
        assert _ordered(back) == _ordered(records)
        for raw in raws:  # every record's bytes are embedded verbatim
            assert raw in data
    doc = format_records("records", raws)
    assert jq.compile(".Records | length").input_text(doc).first() == len(records)
    assert jq.compile(".Records[0] | keys_unsorted").input_text(doc).first() == list(records[0])


def test_records_load_back_through_trailtui_loader(datasets: Path, tmp_path: Path) -> None:
    loader = pytest.importorskip("trailtui.engine.loader")
    from trailtui.engine.model import RecordBatch

    records = _dataset_records(datasets)[:50]
    target = tmp_path / "export.json"
    with target.open("wb") as out:
        export.write_records("records", (orjson.dumps(r) for r in records), out)
    loaded = [r for m in loader.load([str(target)]) if isinstance(m, RecordBatch) for r in m.records]
    assert _ordered(loaded) == _ordered(records)


@FEWER
@given(st.lists(json_values, max_size=5))
def test_records_round_trip_generated_values(values: list[Any]) -> None:
    values = [v for v in values if _fits_orjson(v)]
    raws = [orjson.dumps(v) for v in values]
    for fmt in ("records", "json", "jsonl", "pretty"):
        text = format_records(fmt, raws)
        if fmt == "jsonl":
            back = [json.loads(line) for line in text.split("\n")[:-1]]
        elif fmt == "pretty":
            back = list(_json_stream(text))
        else:
            back = json.loads(text)
            back = back["Records"] if fmt == "records" else back
        assert _ordered(back) == _ordered(values)


def _fits_orjson(value: Any) -> bool:
    if isinstance(value, bool) or value is None:
        return True
    if isinstance(value, int):
        return -(2**63) <= value < 2**64
    if isinstance(value, list):
        return all(_fits_orjson(v) for v in value)
    if isinstance(value, dict):
        return all(_fits_orjson(v) for v in value.values())
    if isinstance(value, float):
        return math.isfinite(value)  # orjson writes inf as null
    return True


def _json_stream(text: str):
    decoder = json.JSONDecoder()
    i = 0
    while i < len(text):
        while i < len(text) and text[i].isspace():
            i += 1
        if i < len(text):
            value, i = decoder.raw_decode(text, i)
            yield value


def test_records_newlines_inside_raw_json_are_removed() -> None:
    raw = b'{\n  "a": [1,\r\n 2],\n "s": "x\\ny"\n}'
    text = format_records("jsonl", [raw, b"[3]"])
    assert text.count("\n") == 2
    assert [json.loads(line) for line in text.split("\n")[:-1]] == [{"a": [1, 2], "s": "x\ny"}, [3]]


@pytest.mark.skipif(shutil.which("jq") is None, reason="jq CLI not installed")
def test_pretty_matches_jq_cli_layout(datasets: Path) -> None:
    path = datasets / "stratus-red-team" / "aws.execution.ssm-send-command.json"
    events = orjson.loads(path.read_bytes())[:10]
    raws = [orjson.dumps(e) for e in events]
    ours = format_records("pretty", raws)
    done = subprocess.run(["jq", "."], input=b"".join(raws), capture_output=True, check=True)
    assert ours == done.stdout.decode("utf-8")


def test_pretty_keeps_number_spelling() -> None:
    raw = b'{"a":1.50,"b":[1E+2,-0.0,123456789012345678901234567890],"c":{},"d":[]}'
    assert format_records("pretty", [raw]) == (
        '{\n  "a": 1.50,\n  "b": [\n    1E+2,\n    -0.0,\n    123456789012345678901234567890\n  ],\n'
        '  "c": {},\n  "d": []\n}\n'
    )
