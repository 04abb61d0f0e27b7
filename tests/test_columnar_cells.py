"""A projection's cells computed in SQL by the columnar backend (``columnar/cells.py``) against jq.

Differential: wherever SQL answers a row, its cells are exactly ``cells_of(query, record)`` — the same
values of the same Python types (an int is not a float, -0.0 is not 0.0, a string is the same code points);
rows SQL leaves to jq are computed by the session all the same (its results equal the in-memory backend's).
Over generated events, the public datasets, hypothesis-made hostile records and a hostile file loaded by both
backends.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from columnar_fixture import build, store_of
from jqref import dataset_files
from trailtui.engine.columnar import backend as columnar_backend
from trailtui.engine.columnar import cells
from trailtui.engine.columnar.backend import ColumnarBackend, _loads
from trailtui.engine.query import cells_of, compile_query
from trailtui.engine.session import Session
from trailtui.engine.store import build_store
from trailtui.tools import samplegen

BENCH = '.Records[] | [.eventTime, .eventName, .userIdentity.userName // "N/A", .sourceIPAddress // "N/A"]'
PROJECTIONS = [
    BENCH,
    "[.a, .b]",
    "[.eventTime, .eventName, .awsRegion, .errorCode]",
    "[.a, .b, .a.b, .b.a]",
    "[.readOnly, .eventVersion, .a // 1.0, .a // 1, .b // -0, .b // 2.5]",
    "[(.eventName | length), (.a | length), (.requestParameters | length), (.b | length)]",
    "[(.eventName | ascii_downcase), (.a | ascii_upcase), (.b | ascii_downcase)]",
    "[(.a | tostring), (.eventName | tostring), (.readOnly | tostring), (.b | tostring)]",
    "select(.eventName != null) | [.eventName, .a]",
    ".Records[] | select(.a == null or .b != null) | [.b, .a, .eventTime]",
    "[.resources, .userIdentity, .requestParameters, .a]",
    "[outcome, actor_key, ip_key, event_display_name]",
    '[.a == "x", (.b | not), has("a"), (.eventVersion > "1.05")]',
    '[.a // .b // "none", .userIdentity.userName // .userIdentity.arn // "?"]',
    '["lit", 1, 1.5, null, true, false, -3]',
    "[.userIdentity.sessionContext.sessionIssuer.userName, .requestParameters.x.y, .additionalEventData.MFAUsed]",
    '[.userIdentity.type, .userIdentity.arn, .requestParameters.bucketName, .responseElements.ConsoleLogin]',
    '["Time", "Event"], (.Records[] | [.eventTime, .eventName]) | @tsv',
    ".Records[] | [.eventTime, .a, .b] | @csv",
    '[(.a | test("x")), (.eventName | startswith("Get")), (.b | contains("é"))]',
    "[.eventID, .requestID, .sourceIPAddress, .userAgent]",
]
NOT_IN_SQL = ["[.a?]", "{a: .eventName}", "[.a[]]", ".eventName", "[.a, input_filename]", "[.eventTime | .[0:4]]"]


def _typed(value: Any) -> Any:
    """``value`` with every scalar's type made part of it (1 vs 1.0 vs True, -0.0 vs 0.0)."""
    if isinstance(value, list):
        return ["list", [_typed(v) for v in value]]
    if isinstance(value, dict):
        return ["dict", [[k, _typed(v)] for k, v in value.items()]]
    return [type(value).__name__, repr(value)]


def _check(backend: Any, raws: list[bytes], text: str, rows: Optional[list[int]] = None) -> int:
    """Assert SQL's cells equal ``cells_of`` on every row it answers; return how many it answered."""
    query = compile_query(text)
    rows = list(range(len(raws))) if rows is None else rows
    got = cells.projected_cells(backend, query, rows)
    assert got is not None, text
    assert len(got) == len(rows)
    answered = 0
    for row, mine in zip(rows, got):
        if mine is None:
            continue
        want = cells_of(query, _loads(orjson.loads, raws[row]))
        assert _typed(mine) == _typed(want), (text, raws[row])
        answered += 1
    return answered


@pytest.fixture(scope="module")
def generated() -> tuple:
    store = store_of(samplegen.generate(2500, seed=5, incident=True))
    backend = build(store)
    yield store, backend
    backend.close()


@pytest.mark.parametrize("text", PROJECTIONS)
def test_sql_cells_equal_jq_on_generated_events(generated: tuple, text: str) -> None:
    store, backend = generated
    raws = [store.raw(i) for i in range(len(store))]
    answered = _check(backend, raws, text)
    if text == BENCH or text.startswith("[.eventTime, .eventName, .awsRegion"):
        assert answered == len(raws)  # plain strings and null: SQL answers every row
    rows = list(range(len(raws) - 1, -1, -3)) + [7, 7, 0]  # reversed, strided, repeated
    _check(backend, raws, text, rows)


@pytest.mark.parametrize("text", NOT_IN_SQL)
def test_projections_sql_cannot_give_exactly_are_left_to_jq(generated: tuple, text: str) -> None:
    _store, backend = generated
    assert cells.projected_cells(backend, compile_query(text), [0, 1, 2]) is None


def test_sql_cells_equal_jq_on_public_data(datasets: Path) -> None:
    store, _ = build_store([str(p) for p in dataset_files(datasets)])
    backend = build(store)
    try:
        raws = [store.raw(i) for i in range(len(store))]
        answered = sum(_check(backend, raws, text) for text in PROJECTIONS)
        assert answered > len(raws)
    finally:
        backend.close()


KEYS = ["a", "b", "eventName", "eventTime", "readOnly", "userIdentity", "requestParameters", "resources"]
HOSTILE = ["\x00", "a\x1fb", "\x7f", "\u202eevil", "\u2028", "😀", 'q"u\\o', "é", "İ", "\n\t", "\ufeff", "\\u001F",
           "x", "", "null", "1", "Get", "ADMIN", "\u0301e", "\U0010ffff"]
scalars = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=False, allow_infinity=False),
                    st.sampled_from([0, 0.0, -0.0, 1.0, 1.5, 0.1, 1e300, 1e-300, 5e-324, 2**53, 2**53 + 1, -2**63,
                                     2**64, 10**20 + 1, 1e16, 123456789.0]),
                    st.text(max_size=5), st.sampled_from(HOSTILE))
values = st.recursive(scalars, lambda c: st.one_of(st.lists(c, max_size=3),
                                                   st.dictionaries(st.sampled_from(KEYS + ["type", "arn", "userName", "x"]), c, max_size=3)),
                      max_leaves=6)
records = st.one_of(st.dictionaries(st.sampled_from(KEYS), values, max_size=5), values)


SCALARS = [None, True, False, 0, 0.0, -0.0, 1.0, 1.5, 0.1, -7, 1e300, 1e-300, 5e-324, 2**53 - 1, 2**53, 2**53 + 1,
           -2**63, 2**64, 10**20 + 1, 1e16, 123456789.0, *HOSTILE]


def test_sql_cells_equal_jq_on_hostile_values() -> None:
    """Every hostile scalar as ``.a`` and ``.b`` (and nested, and as the record itself) through every
    projection; SQL must answer the strings, null, booleans and numbers within a double's exact integers."""
    rotated = SCALARS[7:] + SCALARS[:7]
    recs: list[Any] = [{"a": x, "b": y, "eventName": z, "readOnly": x, "userIdentity": {"userName": z}}
                       for x, y, z in zip(SCALARS, SCALARS[::-1], rotated)]
    recs += [{"eventName": z, "eventVersion": z, "userIdentity": {"userName": z}, "sourceIPAddress": z} for z in SCALARS]
    recs += [{"a": {"b": x}, "b": [x]} for x in SCALARS] + SCALARS
    store = store_of(recs)
    backend = build(store)
    try:
        raws = [store.raw(i) for i in range(len(store))]
        for text in PROJECTIONS:
            _check(backend, raws, text)
        answered = cells.projected_cells(backend, compile_query("[.a, .b]"), list(range(len(SCALARS))))
        sure = [x for x in SCALARS if not (type(x) is int and abs(x) >= 2**53) and not (type(x) is float and abs(x) >= 2**53)]
        assert sum(1 for c in answered if c is not None) >= len(sure) - 8
        assert {type(c[0]) for c in answered if c is not None} == {type(None), bool, int, float, str}
    finally:
        backend.close()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(records, min_size=1, max_size=12), st.sampled_from(PROJECTIONS))
def test_sql_cells_equal_jq_on_hostile_records(recs: list[Any], text: str) -> None:
    store = store_of(recs)
    backend = build(store)
    try:
        raws = [store.raw(i) for i in range(len(store))]
        _check(backend, raws, text)
        _check(backend, raws, text, list(range(len(raws)))[::-1] * 2)
    finally:
        backend.close()


HOSTILE_FILE = [
    '{"eventVersion":"1.08","eventName":"A","a":1e400,"b":100000000000000000001}',
    '{"eventVersion":"1.08","eventName":"B","a":-0,"b":-0.0}',
    '{"eventVersion":"1.08","eventName":"C","a":1.0,"b":12345678901234567890}',
    '{"eventVersion":"1.08","eventName":"D","a":9007199254740993,"b":9007199254740991}',
    '{"eventVersion":"1.08","eventName":"E","a":"\\u202e\\u0000x\\ud800","b":"\\u001f\\u007f\\u2028"}',
    '{"eventVersion":"1.08","eventName":"F","a":{"b":[1,2]},"b":[]}',
    '{"eventVersion":"1.08","eventName":"G","a":"s","b":true}',
    '{"eventVersion":"1.08","eventName":"H","a":1e16,"b":0.1}',
    '{"eventVersion":"1.08","eventName":"\\u00e9\\ud83d\\ude00","a":null,"b":false}',
]
SESSION_PROJECTIONS = [
    ".Records[] | [.eventName, .a, .b]", "[.a.b, .eventName]", "[(.a | length), (.b | tostring)]",
    "select(.eventName != \"G\") | [.b, .a]", '["N", "A"], (.Records[] | [.eventName, .a]) | @tsv',
    "[.eventName | ascii_downcase]",
]


@pytest.fixture(scope="module")
def two_sessions(tmp_path_factory: pytest.TempPathFactory) -> tuple:
    """The same file (generated events, then the hostile ones) loaded by the in-memory and the columnar backend."""
    path = tmp_path_factory.mktemp("cells") / "events.json"
    events = samplegen.generate(600, seed=9, incident=True)
    body = ",".join([orjson.dumps(e).decode() for e in events] + HOSTILE_FILE)
    path.write_text('{"Records":[' + body + "]}", encoding="utf-8")
    memory, columnar = Session(), Session(ColumnarBackend(cache=False))
    for session in (memory, columnar):
        for _ in session.load([str(path)]):
            pass
    yield memory, columnar
    memory.close()
    columnar.close()


def _run(session: Session, text: str) -> tuple:
    view = session.view(text, sort=None)
    errors: list[tuple[int, str]] = []
    values = list(view.iter_values())
    pairs = list(session.projection_rows(view, lambda row, message: errors.append((row, message))))
    lines = list(session.outputs(view, lambda row, message: errors.append((row, message))))
    return _typed(values), _typed(pairs), lines, errors


@pytest.mark.parametrize("text", SESSION_PROJECTIONS + [BENCH])
def test_session_cells_equal_the_in_memory_backend(two_sessions: tuple, text: str,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Export's cells, headless output and projection outputs through the session: the columnar backend (SQL
    where sure, jq for the rest) gives what the in-memory backend gives, "error: …" cells included."""
    memory, columnar = two_sessions
    monkeypatch.setattr(columnar_backend, "CELLS_IN_SQL", 0)
    want = _run(memory, text)
    assert _run(columnar, text) == want
    view = columnar.view(text, sort=None)
    assert columnar.backend.projected_cells(view.query, view.rows) is not None  # SQL did answer


def test_session_reads_records_only_for_rows_sql_leaves_to_jq(two_sessions: tuple,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    memory, columnar = two_sessions
    backend = columnar.backend
    monkeypatch.setattr(columnar_backend, "CELLS_IN_SQL", 0)
    read: list[int] = []
    records = backend.records
    monkeypatch.setattr(backend, "records", lambda rows: (read.extend(rows), records(rows))[1])
    view = columnar.view(".Records[] | [.eventName, .a]", sort=None)
    got = [view.values(p) for p in range(len(view))]
    want_view = memory.view(".Records[] | [.eventName, .a]", sort=None)
    assert _typed(got) == _typed([want_view.values(p) for p in range(len(want_view))])
    hostile = len(view) - len(HOSTILE_FILE)
    assert read and all(row >= hostile for row in read)  # the generated events' cells all came from SQL
    assert {"error: " in str(cells[0]) for cells in got[hostile:]} == {False}
    read.clear()
    view = columnar.view("[.a.b, .eventName]", sort=None)  # .a.b raises on a string .a: "error: …" by jq
    values = list(view.iter_values())
    assert any(str(cells[0]).startswith("error: ") for cells in values)
    assert read and len(read) < len(view)


def test_a_page_of_the_table_is_left_to_jq(two_sessions: tuple) -> None:
    """Below CELLS_IN_SQL rows one SQL query costs more than jq: the backend declines."""
    _memory, columnar = two_sessions
    query = compile_query(BENCH)
    assert columnar.backend.projected_cells(query, list(range(64))) is None
    many = [row % len(columnar) for row in range(columnar_backend.CELLS_IN_SQL)]  # (repeats allowed)
    assert columnar.backend.projected_cells(query, many) is not None


def test_hidden_and_reordered_projected_columns(two_sessions: tuple, monkeypatch: pytest.MonkeyPatch) -> None:
    """Columns #2, #0 (a column chooser's pick) of a projection: SQL rows and jq rows alike."""
    from trailtui.engine.columns import Column

    memory, columnar = two_sessions
    monkeypatch.setattr(columnar_backend, "CELLS_IN_SQL", 0)
    columns = [Column("#2", "b"), Column("#0", "n"), Column("#7", "none")]
    text = ".Records[] | [.eventName, .a, .b]"
    got = columnar.cell_values(list(range(len(columnar))), columns, compile_query(text))
    want = memory.cell_values(list(range(len(memory))), columns, compile_query(text))
    assert _typed(got) == _typed(want)


@pytest.mark.parametrize("fmt", [None, "tsv", "csv", "json"])
def test_query_command_prints_the_same_on_both_backends(two_sessions: tuple, fmt: Optional[str],
                                                        capsysbinary: pytest.CaptureFixture[bytes],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """`trailtui query` with a projection (jq's output and --format): the columnar backend, which takes the
    cells of the 609 events from SQL, prints the bytes the in-memory backend prints, warnings included."""
    monkeypatch.setattr(columnar_backend, "CELLS_IN_SQL", 0)
    answered: list[bool] = []
    real = cells.projected_cells

    def spy(*args: Any) -> Any:
        found = real(*args)
        answered.append(found is not None)
        return found

    monkeypatch.setattr(cells, "projected_cells", spy)
    from trailtui.cli import main

    memory, _columnar = two_sessions
    path = memory.paths[0]
    outputs = []
    for backend in ("memory", "duckdb"):
        args = ["query", path, "-f", ".Records[] | [.eventName, .a, .b, .userIdentity.userName // \"N/A\"]",
                "--backend", backend]
        if backend == "duckdb":
            args.append("--no-cache")
        if fmt:
            args += ["--format", fmt]
        code = main(args)
        captured = capsysbinary.readouterr()
        outputs.append((code, captured.out, captured.err))
    assert outputs[0] == outputs[1]
    assert answered and all(answered)  # the columnar run took its cells from SQL
    printed = outputs[0][1]
    assert (len(orjson.loads(printed)) if fmt == "json" else printed.count(b"\n")) >= 600


def test_strings_of_few_distinct_values_decode_once_and_equal_arrow() -> None:
    """Columns of many rows and few distinct values take the dictionary path: same values, nulls kept."""
    import pyarrow as pa

    values = [None if i % 7 == 0 else HOSTILE[i % len(HOSTILE)] for i in range(20000)]
    column = pa.chunked_array([pa.array(values[:9000]), pa.array(values[9000:])])
    got = cells._strings(column)
    assert got == values
    assert len({id(v) for v in got if v is not None}) <= len(HOSTILE)  # one object per distinct value
    unique = [f"t{i}" for i in range(20000)]
    assert cells._strings(pa.chunked_array([pa.array(unique)])) == unique


def test_many_rows_through_one_query_equal_jq() -> None:
    """Above the dictionary path's threshold (8,192 rows), the benchmark's projection row for row."""
    store = store_of(samplegen.generate(9000, seed=3, incident=True))
    backend = build(store)
    try:
        raws = [store.raw(i) for i in range(len(store))]
        assert _check(backend, raws, BENCH) == len(raws)
        assert _check(backend, raws, "[.eventName, .readOnly, .awsRegion, (.requestParameters | length)]") > 8000
    finally:
        backend.close()
