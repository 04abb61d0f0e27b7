"""The columnar backend's filters against the in-memory engine (rows, error count, first message) and the
SQL-compiled ones against libjq, on the public datasets, generated events and hypothesis-made records."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import jq as refjq
from columnar_fixture import build, store_of
from jqref import dataset_files, load_corpus
from trailtui.tools import samplegen
from trailtui.engine.columnar import filtering
from trailtui.engine.memory_filter import run_filter
from trailtui.engine.prelude import PRELUDE
from trailtui.engine.query import QueryError, compile_query
from trailtui.engine.store import build_store

CORPUS = [f.source for f in load_corpus() if f.mode == "record"]


def _hunts() -> list[str]:
    guide = Path(__file__).resolve().parents[1].parent / "shared" / "guides" / "cloudtrail.md"
    if not guide.exists():
        return []
    return [line.split("\t", 1)[1] for line in guide.read_text(encoding="utf-8").splitlines()
            if len(line) > 4 and line[0] == "Q" and line[1:3].isdigit() and "\t" in line]


HUNTS = _hunts()
SEED = [
    'select(.eventSource == "s3.amazonaws.com" and .requestParameters.bucketName=="wareville-care4wares")',
    'select(.userIdentity.userName == "glitch")',
    'select(.eventSource=="iam.amazonaws.com" and .eventName== "AttachUserPolicy" )',
]
SLOW = [
    '(.requestParameters.roleArn // "") | test("admin")',
    '.requestParameters | tostring | contains("policy")',
    '[.. | strings | select(test("Admin"))] | length > 0',
]
EXTRA = [
    'select(actor_key == "role:111122223333:Admin")', 'select(ip_key != null)', 'select(has_access_key("AKIAEXAMPLE"))',
    'select(.userIdentity | has("arn"))', '.eventName | length > 12', '.readOnly == false', '.readOnly < true',
    'select(.eventTime >= "2024-12-01T05" and .eventTime < "2024-12-01T07")', '.awsRegion | ascii_downcase == "us-east-1"',
    'select(event_display_name | startswith("Get"))', '(.errorCode // "x") | endswith("Denied")',
    'select(.userIdentity.sessionContext.attributes.mfaAuthenticated == "true")', 'select(.requestParameters.x.y == null)',
    'select((.responseElements | tostring | test("AccessKey|Credentials")) or .eventName == "ConsoleLogin")',
    '.userIdentity.type | IN("Root", "IAMUser") | not', '.eventVersion > 1', 'select(.apiVersion == null and .readOnly)',
    'select(outcome == "Failure")', 'select(outcome != "Success" and outcome != "Failure")', 'outcome | length > 6',
]


def _queries() -> list[str]:
    return list(dict.fromkeys(SEED + HUNTS + SLOW + EXTRA + CORPUS))


def _answer(result: Any) -> tuple:
    return list(result.rows), result.errors, result.first_error


def _compare(store: Any, backend: Any, texts: list[str]) -> list[str]:
    failures = []
    for text in texts:
        try:
            query = compile_query(text)
        except QueryError:
            continue
        if query.mode == "root":
            continue
        want = _answer(run_filter(store, query))
        got = _answer(filtering.run_filter(backend, query))
        if want != got:
            failures.append(f"{text}: memory {want[1:]} {len(want[0])} rows, columnar {got[1:]} {len(got[0])} rows")
    return failures


@pytest.fixture(scope="module")
def public(request: pytest.FixtureRequest) -> tuple:
    root = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"
    if not root.exists():
        pytest.skip("the shared datasets are not available")
    store, _ = build_store([str(p) for p in dataset_files(root)])
    return store, build(store)


@pytest.fixture(scope="module")
def generated() -> tuple:
    store = store_of(samplegen.generate(3000, seed=11, incident=True))
    return store, build(store)


def test_corpus_and_hunts_equal_memory_on_public_data(public: tuple) -> None:
    store, backend = public
    assert _compare(store, backend, _queries()) == []


def test_corpus_and_hunts_equal_memory_on_generated_data(generated: tuple) -> None:
    store, backend = generated
    assert _compare(store, backend, SEED + HUNTS + SLOW + EXTRA) == []


def _sql_only(backend: Any, text: str) -> list[int]:
    """Rows the SQL translation alone says match (asserting no row is left unsure or errors)."""
    pred = filtering.translation(compile_query(text))
    cur = backend.con.cursor()
    rows = [r[0] for r in cur.execute(f"SELECT row FROM ({pred.decided()}) WHERE match ORDER BY row").fetchall()]
    return rows


def _libjq_rows(records: list[Any], text: str, kind: str) -> tuple[list[int], int]:
    """Rows libjq selects (per the query kind) and how many records raised."""
    program = refjq.compile(PRELUDE + "\n" + text)
    rows, errors = [], 0
    for i, record in enumerate(records):
        try:
            outs = program.input_text(orjson.dumps(record).decode() if _fits(record) else json.dumps(record)).all()
        except ValueError:
            errors += 1
            continue
        if (kind == "boolean" and any(o is True for o in outs)) or (kind != "boolean" and outs):
            rows.append(i)
    return rows, errors


def _fits(record: Any) -> bool:
    try:
        orjson.dumps(record)
        return True
    except TypeError:
        return False


def test_sql_compiled_filters_equal_libjq(public: tuple) -> None:
    """Every filter that compiles to SQL selects exactly libjq's rows where SQL is sure (on raw records)."""
    store, backend = public
    records = [orjson.loads(store.raw(i)) for i in range(len(store))]
    checked = 0
    for text in _queries():
        try:
            query = compile_query(text)
        except QueryError:
            continue
        if query.mode == "root" or filtering.translate(query) is None or query.records_form or query.header:
            continue
        if query.kind == "project":
            continue
        pred = filtering.translation(query)
        cur = backend.con.cursor()
        found = cur.execute(f"SELECT row, coalesce(_cond, FALSE), _cond IS NULL, coalesce(_unsure, TRUE) "
                            f"FROM ({pred.relation()}) ORDER BY row").fetchall()
        ref_rows, _ = _libjq_rows(records, text, query.kind)
        ref = set(ref_rows)
        for row, match, _err, unsure in found:
            if not unsure:
                assert match == (row in ref), f"{text} row {row}"
        checked += 1
    assert checked >= 60


def test_coverage_report(public: tuple, capsys: pytest.CaptureFixture[str]) -> None:
    """Which corpus/hunt filters compile fully to SQL; the seed's and the hunts' equality filters must."""
    compiled, fallback = [], []
    for text in _queries():
        try:
            query = compile_query(text)
        except QueryError:
            continue
        if query.mode == "root" or query.kind in ("all", "project") and not query.selection_only:
            continue
        (compiled if filtering.translate(query) is not None else fallback).append(text)
    with capsys.disabled():
        print(f"\nSQL: {len(compiled)} filters, jq fallback: {len(fallback)}")
    must = SEED + [h for h in HUNTS if h.split("(", 1)[0] == "select" and "[" not in h and "as $" not in h] + SLOW
    assert [t for t in must if t not in compiled] == []
    assert len([h for h in HUNTS if h in compiled]) >= 20


# --- hypothesis: filters from the translatable grammar over odd records ---------------------------------

KEYS = ["a", "b", "eventName", "userIdentity", "requestParameters", "errorCode", "responseElements", "eventType"]
scalars = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=False, allow_infinity=False),
                    st.sampled_from([0.0, -0.0, 1.0, 1e300, 2**53 + 1]), st.text(max_size=6),
                    st.sampled_from(["Admin", "admin\n", "ADMIN", "é", "İ", "a\x7fb", "x\"y", "", "AKIA", "Get", "1",
                                            "AwsCloudTrailInsight", "Failure"]))
values = st.recursive(scalars, lambda c: st.one_of(st.lists(c, max_size=3),
                                                   st.dictionaries(st.sampled_from(KEYS + ["type", "arn", "ConsoleLogin"]), c, max_size=3)),
                      max_leaves=6)
records = st.one_of(st.dictionaries(st.sampled_from(KEYS), values, max_size=4), values)

paths = st.sampled_from([".a", ".b", ".a.b", ".eventName", ".userIdentity.type", ".userIdentity.arn", ".requestParameters",
                         ".requestParameters.a", ".", ".userIdentity"])
literals = st.sampled_from(['null', 'true', 'false', '0', '-0', '1', '1.5', '1e300', '"Admin"', '""', '"é"', '"1"',
                            '"a"', '9007199254740993'])

OUTCOMES = ['"Failure"', '"Success"', '""', '"x"']


@st.composite
def predicates(draw: Any, depth: int = 0) -> str:
    choice = draw(st.integers(0, 9 if depth < 2 else 6))
    p = draw(paths)
    if choice == 0:
        return f"{p} {draw(st.sampled_from(['==', '!=', '<', '<=', '>', '>=']))} {draw(literals)}"
    if choice == 1:
        return f'({p} // {draw(literals)}) == {draw(literals)}'
    if choice == 2:
        pattern = draw(st.sampled_from(['"Admin"', '"adm|get"', '"^a"', '"n$"', '"[a-z]+"', '"\\\\d"', '"a.b"', '"é"']))
        flags = draw(st.sampled_from(["", '; "i"', '; "g"', '; "x"']))
        return f"({p} | test({pattern}{flags}))"
    if choice == 3:
        fn = draw(st.sampled_from(["startswith", "endswith", "contains"]))
        arg = draw(st.sampled_from(['"A"', '""', '"é"']))
        return f"({p} | {fn}({arg}))"
    if choice == 4:
        return f'({p} | IN({draw(literals)}, {draw(literals)}))'
    if choice == 5:
        arg = draw(st.sampled_from(['"a"', '"type"']))
        return f"({p} | has({arg}))"
    if choice == 6:
        return f'({p} | {draw(st.sampled_from(["length", "tostring | length", "ascii_downcase | length"]))}) {draw(st.sampled_from(["==", ">"]))} {draw(literals)}'
    if choice == 7:
        return f"({draw(predicates(depth + 1))} and {draw(predicates(depth + 1))})"
    if choice == 8:
        return f"({draw(predicates(depth + 1))} or {draw(predicates(depth + 1))})"
    if draw(st.booleans()):
        op = draw(st.sampled_from(["==", "!=", "<"]))
        return f"(outcome {op} {draw(st.sampled_from(OUTCOMES))})"
    return f"({draw(predicates(depth + 1))} | not)"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(records, min_size=1, max_size=8), predicates(), st.booleans())
def test_generated_predicates_equal_memory_and_libjq(recs: list[Any], condition: str, as_select: bool) -> None:
    store = store_of(recs)
    backend = build(store)
    try:
        text = f"select({condition})" if as_select else condition
        query = compile_query(text)
        assert _answer(filtering.run_filter(backend, query)) == _answer(run_filter(store, query))
        pred = filtering.translate(query)
        if pred is None or query.kind not in ("select", "boolean"):
            return
        raws = [orjson.loads(store.raw(i)) for i in range(len(store))]
        ref_rows, _ = _libjq_rows(raws, text, query.kind)
        cur = backend.con.cursor()
        for row, match, unsure in cur.execute(
            f"SELECT row, coalesce(_cond, FALSE), coalesce(_unsure, TRUE) FROM ({pred.relation()})").fetchall():
            if not unsure:
                assert match == (row in ref_rows), (text, row, store.raw(row))
    finally:
        backend.close()


# --- the strings search over raw text, and the size of the generated SQL ------------------------------

string_records = st.recursive(
    st.one_of(st.none(), st.integers(), st.sampled_from(["Admin", "xAdmin\n", 'a"Admin', "Admi", "ROOT", "Root\\", "é Admin",
                                                         "true", "null", "nAdmin", "\x01Admin"])),
    lambda c: st.one_of(st.lists(c, max_size=3),
                        st.dictionaries(st.sampled_from(["Admin", "a", 'k"Admin', "Root", "b\\"]), c, max_size=3)),
    max_leaves=8)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(string_records, min_size=1, max_size=6),
       st.sampled_from(["Admin", "Admin|Root", "Root", "dmin", "Adm.n", "true", "é A", "A"]))
def test_strings_search_equals_libjq(recs: list[Any], pattern: str) -> None:
    """``[.. | strings | select(test(R))] | length > 0`` decided in SQL (over the raw text where the literal
    allows it) selects libjq's rows, and the columnar runner the in-memory engine's."""
    store = store_of(recs)
    backend = build(store)
    try:
        text = f'[.. | strings | select(test("{pattern}"))] | length > 0'
        query = compile_query(text)
        assert _answer(filtering.run_filter(backend, query)) == _answer(run_filter(store, query))
        raws = [orjson.loads(store.raw(i)) for i in range(len(store))]
        ref_rows, _ = _libjq_rows(raws, text, query.kind)
        pred = filtering.translation(query)
        cur = backend.con.cursor()
        for row, match, unsure in cur.execute(
                f"SELECT row, coalesce(_cond, FALSE), coalesce(_unsure, TRUE) FROM ({pred.relation()})").fetchall():
            if not unsure:
                assert match == (row in ref_rows), (text, store.raw(row))
    finally:
        backend.close()


def _sql_size(text: str) -> int:
    return len(filtering.translation(compile_query(text)).decided("TRUE"))


def test_sql_grows_linearly_with_the_filter() -> None:
    """Nested and/or, ``//`` and deep paths: each sub-expression is written once, so a chain of 12 conditions
    costs about 12 times one condition (inlining doubled the text per level)."""
    def chain(n: int, op: str) -> str:
        parts = [f'((.requestParameters.a{i}.b.c // "x") == "v{i}" {op} (.userIdentity.type | test("R{i}")))'
                 for i in range(n)]
        return "select(" + f" {'or' if op == 'and' else 'and'} ".join(parts) + ")"

    for op in ("and", "or"):
        one, twelve = _sql_size(chain(1, op)), _sql_size(chain(12, op))
        assert twelve < 14 * one, (op, one, twelve)
        assert twelve < 40_000
    deep = ".a" * 12
    assert _sql_size(f"select({deep} == 1)") < 12 * _sql_size("select(.a.a == 1)")
    assert _sql_size("select(" + " and ".join(f".eventName != \"E{i}\"" for i in range(24)) + ")") < 30_000


# --- sorting by a projected cell in SQL ---------------------------------------------------------------------

SORTS = ["[.eventTime, .eventName]", "[.userIdentity.type, .a]", "select(.a != null) | [.b, .a]", "[.a.b, .eventName]",
         "[(.a // .b), .requestParameters]", "[outcome, .a]", "[.a | tostring]", ".Records[] | [.b, .a] | @csv",
         '["B", "A"], (.Records[] | select(.a != null) | [.b, .a]) | @tsv']


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(records, min_size=1, max_size=10), st.sampled_from(SORTS), st.integers(0, 2), st.booleans(),
       st.sampled_from(["all", "reversed", "every other"]))
def test_projection_sort_in_sql_equals_python(recs: list[Any], text: str, index: int, descending: bool,
                                              given_rows: str) -> None:
    """Where SQL orders rows by a projected cell, it is the session's stable Python order of jq sort keys,
    whichever rows it is given (all of them in order, in reverse, a subset)."""
    from trailtui.engine.columnar.sorting import order_projection
    from trailtui.engine.query import cells_of
    from trailtui.engine.sortkey import sort_key

    store = store_of(recs)
    backend = build(store)
    try:
        query = compile_query(text)
        rows = {"all": list(range(len(store))), "reversed": list(range(len(store)))[::-1],
                "every other": list(range(0, len(store), 2))}[given_rows]
        got = order_projection(backend, rows, query, index, descending)
        if got is None:
            return
        cells = [cells_of(query, orjson.loads(store.raw(r))) or [] for r in rows]
        keys = [sort_key(c[index] if index < len(c) else None) for c in cells]
        want = [rows[i] for i in sorted(range(len(rows)), key=keys.__getitem__, reverse=descending)]
        assert list(got) == want, (text, [store.raw(r) for r in rows])
    finally:
        backend.close()


def test_projection_sort_in_sql_answers_for_plain_paths(generated: tuple) -> None:
    from trailtui.engine.columnar.sorting import order_projection

    store, backend = generated
    for text in ("[.eventTime, .eventName, .sourceIPAddress]", ".Records[] | [.eventTime, .eventName] | @tsv"):
        assert order_projection(backend, list(range(len(store))), compile_query(text), 1) is not None, text


def test_jq_fallback_reports_progress_up_to_its_candidates(generated: tuple) -> None:
    """The rows jq must read are counted as the worker processes answer (the screen shows it as a
    percentage); the answer is the in-memory engine's."""
    store, backend = generated
    query = compile_query('select(.eventName | explode | length > 20)')
    calls: list[tuple[int, int]] = []
    result = filtering.run_filter(backend, query, progress=lambda done, todo: calls.append((done, todo)))
    assert list(result.rows) == list(run_filter(store, query).rows)
    assert calls, "a filter evaluated by jq reports progress"
    todos = {todo for _, todo in calls}
    assert todos == {len(store)}  # explode has no SQL meaning: every event is a candidate
    dones = [done for done, _ in calls]
    assert dones == sorted(dones) and dones[-1] == len(store)
