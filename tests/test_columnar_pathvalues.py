"""The ``v_`` path columns DuckDB computes from ``raw`` (``columnar/pathvalues.py``) equal Python's reference
encoding (``pathvalues.python_values``) on every row, and that encoding agrees with libjq on what each path
yields (null / a value / an error). Run on the public datasets, the bundled samples, hostile records and
hypothesis-generated records."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import jq
import orjson
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from trailtui.engine import jsonvalues
from trailtui.engine.columnar import ColumnarBackend, pathvalues
from trailtui.engine.columnar.schema import PATH_COLUMNS
from trailtui.engine.store import _dumps_exact

from conftest import SAMPLES

HOSTILE_LINES = [
    '{"eventName":"a","userIdentity":"a string","requestParameters":[1,2],"responseElements":7}',
    '{"userIdentity":null,"requestParameters":true,"additionalEventData":{"MFAUsed":null}}',
    '{"userIdentity":{"sessionContext":"x"}}',
    '{"userIdentity":{"sessionContext":{"sessionIssuer":[]}}}',
    '{"userIdentity":{"sessionContext":{"sessionIssuer":null}}}',
    '{"userIdentity":{"sessionContext":{"sessionIssuer":{"userName":{"deep":[1.5,-0.0]}}}}}',
    '{"userIdentity":{"sessionContext":null,"type":false}}',
    '{"eventVersion":1.0,"readOnly":1e1000,"apiVersion":-0,"eventType":-0.0,"errorCode":1e100}',
    '{"eventVersion":1e16,"readOnly":1e-7,"apiVersion":123456789012345678901234567890,"errorCode":-1e+22}',
    '{"eventVersion":18446744073709551615,"readOnly":-9223372036854775809,"apiVersion":5e-324}',
    '{"eventName":"\\u001f\\u000b\\u007f\\u2028\\u00e9\\ud83d\\ude00 /\\\\\\""}',
    '{"eventName":"\\ud800","userIdentity":{"type":"\\udfff"}}',
    '{"eventName":"first","eventName":"second","userIdentity":{"type":"a","type":"b"}}',
    '{"EventName":"case","eventname":"case","eventName":"exact"}',
    '{"requestParameters":{"bucketName":"b","key":null,"roleArn":{"a":"\\u0000"},"userName":[],"policyArn":""}}',
    '{"responseElements":{"ConsoleLogin":"Success"},"resources":[{"ARN":"x"}],"tlsDetails":{}}',
    '{}',
    '{"requestParameters":{"key":"\\\\u001F is text, not an escape"}}',
]


def _stored(backend: ColumnarBackend) -> list[tuple]:
    names = ", ".join(f'"{n}"' for n in pathvalues.NAMES)
    with backend.reading():
        return backend.con.execute(f"SELECT raw, {names} FROM events ORDER BY row").fetchall()


def _reference(raw: str) -> list[Any]:
    values = pathvalues.python_values(jsonvalues.loads(raw))
    return [None if v is None else v.decode() for v in values]


def _assert_columns_exact(paths: list[str]) -> int:
    backend = ColumnarBackend(cache=False)
    try:
        for _item in backend.load(paths):
            pass
        rows = _stored(backend)
        for raw, *values in rows:
            assert values == _reference(raw), raw[:300]
        return len(rows)
    finally:
        backend.close()


def test_samples_columns_equal_the_python_encoding() -> None:
    assert _assert_columns_exact([str(SAMPLES)]) > 0


def test_public_datasets_columns_equal_the_python_encoding(datasets: Path) -> None:
    assert _assert_columns_exact([str(datasets)]) > 500


def test_hostile_records_columns_equal_the_python_encoding(tmp_path: Path) -> None:
    path = tmp_path / "hostile.jsonl"
    # The loader keeps lines that look like records: give each an eventVersion unless it has one.
    lines = [line if '"eventVersion"' in line else '{"eventVersion":"1.08"' + ("," + line[1:] if line != "{}" else "}")
             for line in HOSTILE_LINES]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    records = tmp_path / "records.json"
    records.write_text('{"Records":[null,7,"s",[1],{"eventName":"x"},true,{"userIdentity":1e400}]}',
                       encoding="utf-8")
    assert _assert_columns_exact([str(path), str(records)]) >= len(HOSTILE_LINES) + 2


def _jq_yields(raw: str, path: tuple[str, ...]) -> Any:
    """("ok", value) or ("error",) for jq's ``.a.b`` on the record."""
    program = jq.compile("." + ".".join(json.dumps(k) for k in path))
    try:
        return ("ok", program.input_text(raw).first())
    except ValueError:
        return ("error",)


def _same_value(mine: Any, theirs: Any) -> bool:
    """Equal, numbers compared as libjq holds them (doubles)."""
    if isinstance(mine, (int, float)) and not isinstance(mine, bool) and isinstance(theirs, (int, float)):
        return float(mine) == float(theirs) or mine != mine
    if isinstance(mine, list) and isinstance(theirs, list):
        return len(mine) == len(theirs) and all(_same_value(a, b) for a, b in zip(mine, theirs))
    if isinstance(mine, dict) and isinstance(theirs, dict):
        return mine.keys() == theirs.keys() and all(_same_value(mine[k], theirs[k]) for k in mine)
    return mine == theirs and type(mine) is type(theirs)


@pytest.mark.parametrize("line", HOSTILE_LINES[:10] + HOSTILE_LINES[12:])
def test_python_encoding_agrees_with_libjq(line: str) -> None:
    """The reference itself: SQL NULL exactly where libjq raises, else the value libjq yields."""
    record = jsonvalues.loads(line)
    raw = _dumps_exact(orjson.dumps, record).decode()
    for path, value in zip(PATH_COLUMNS, pathvalues.python_values(record)):
        got = _jq_yields(raw, path)
        if value is None:
            assert got == ("error",), (path, line)
        else:
            assert got[0] == "ok", (path, line)
            assert _same_value(jsonvalues.loads(value), got[1]), (path, line)


# Direct property: where INEXACT does not flag a row, DuckDB's columns are Python's, byte for byte.

_keys = st.sampled_from(["userIdentity", "requestParameters", "eventName", "type", "sessionContext",
                         "sessionIssuer", "userName", "key", "MFAUsed", "ConsoleLogin", "responseElements",
                         "additionalEventData", "readOnly", "x"])
_scalars = st.one_of(st.none(), st.booleans(), st.integers(min_value=-2**70, max_value=2**70),
                     st.floats(allow_nan=False, allow_infinity=False),
                     st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=8))
_values = st.recursive(_scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                         st.dictionaries(_keys, inner, max_size=5)), max_leaves=12)
_records = st.one_of(st.dictionaries(_keys, _values, max_size=6), _values)


def _duckdb_columns(raws: list[bytes], objects: list[bool]) -> list[tuple]:
    con = duckdb.connect()
    table = pa.table({"row": pa.array(range(len(raws)), pa.uint64()),
                      "raw": pa.array(raws, pa.binary()).view(pa.string()),
                      "is_object": pa.array(objects, pa.bool_())})
    con.register("t", table)
    flagged = {row for (row,) in con.execute(f"SELECT row FROM t WHERE {pathvalues.INEXACT}").fetchall()}
    rows = con.execute(f"SELECT * FROM ({pathvalues.insert_select('t', ['row'])}) ORDER BY row").fetchall()
    con.close()
    return [r for r in rows if r[0] not in flagged]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_records, min_size=1, max_size=20))
def test_duckdb_columns_equal_python_where_not_flagged(records: list[Any]) -> None:
    raws = [_dumps_exact(orjson.dumps, r) for r in records]
    objects = [type(r) is dict for r in records]
    for row, *values in _duckdb_columns(raws, objects):
        expected = [None if v is None else v.decode() for v in pathvalues.python_values(records[row])]
        assert values == expected, raws[row]
