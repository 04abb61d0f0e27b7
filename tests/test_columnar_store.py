"""The DuckDB backend gives exactly the in-memory store's answers (the oracle), and its cache behaves:
reopen, invalidation, corrupt files, two processes at once, cancellation, spilling under a small memory cap."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from trailtui.engine.columnar import ColumnarBackend
from trailtui.engine.identity import ROW_FIELDS
from trailtui.engine.model import Problem, StoredBatch
from trailtui.engine.query import compile_query
from trailtui.engine.store import EventStore

from conftest import REPO, SAMPLES

FILTERS = [
    ".",
    'select(.eventName == "ConsoleLogin")',
    '.errorCode != null',
    'select(.userIdentity.type == "AssumedRole") | {user: .userIdentity.arn, ev: .eventName}',
    '(.requestParameters.bucketName // "") | test("log")',
    '.requestParameters | tostring | contains("policy")',
    'select(.sourceIPAddress | startswith("10."))',
    '.userIdentity.sessionContext.sessionIssuer.userName | test("a")',
]


def _oracle(paths: list[str]) -> EventStore:
    store = EventStore()
    for _ in store.load(paths):
        pass
    return store


def _columnar(paths: list[str], **options) -> tuple[ColumnarBackend, list]:
    backend = ColumnarBackend(**options)
    items = list(backend.load(paths))
    return backend, items


def assert_same(backend: ColumnarBackend, store: EventStore) -> None:
    n = len(store)
    assert len(backend) == n
    assert backend.duplicates == store.duplicates
    rows = list(range(n))
    assert list(backend.raws(rows)) == list(store.raws(rows))
    assert [backend.raw(r) for r in rows[:50]] == [store.raw(r) for r in rows[:50]]
    assert list(backend.records(rows[::7])) == list(store.records(rows[::7]))
    shuffled = rows[::-1][::3] + rows[1::5]
    assert list(backend.raws(shuffled)) == list(store.raws(shuffled))
    for field in ROW_FIELDS:
        assert backend.display(field, rows) == store.display(field, rows), field
        assert backend.display(field, shuffled) == store.display(field, shuffled), field
        for descending in (False, True):
            assert list(backend.order(range(n), field, descending)) == list(store.order(range(n), field, descending))
            assert list(backend.order(shuffled, field, descending)) == list(store.order(shuffled, field, descending))
    for row in rows:
        assert backend.provenance(row) == store.provenance(row)
        assert backend.source_of(row).path == store.source_of(row).path
    for event_id in set(store.display("event_id", rows[::3])) | {"", "no-such-id"}:
        assert backend.row_of_event_id(event_id) == store.row_of_event_id(event_id)
    assert backend.path_counts() == store.path_counts()
    assert backend.path_counts(sample=7) == store.path_counts(sample=7)
    for text in FILTERS:
        query = compile_query(text)
        mine, theirs = backend.filter(query), store.filter(query)
        assert list(mine.rows) == list(theirs.rows), text
        # The in-memory store counts runtime errors only on the candidates its plan keeps (a substring
        # prefilter can skip an event jq would raise on), so its count is a lower bound here.
        assert mine.errors >= theirs.errors, text
        if theirs.errors:
            assert mine.first_error is not None, text
    within = rows[::2]
    query = compile_query(FILTERS[1])
    assert list(backend.filter(query, within=within).rows) == list(store.filter(query, within=within).rows)


def test_samples_match_the_in_memory_store() -> None:
    backend, items = _columnar([str(SAMPLES)], cache=False)
    try:
        assert_same(backend, _oracle([str(SAMPLES)]))
        assert sum(item.count for item in items if isinstance(item, StoredBatch)) == len(backend)
    finally:
        backend.close()


def test_public_datasets_match_the_in_memory_store(datasets: Path) -> None:
    paths = [str(datasets)]
    backend, _items = _columnar(paths, cache=False)
    try:
        assert_same(backend, _oracle(paths))
    finally:
        backend.close()


def test_duplicates_across_inputs_and_stdin(tmp_path: Path) -> None:
    """The same file twice (exact duplicates dropped), then stdin holding the same records again."""
    sample = SAMPLES / "cloudtrail_log.json"
    data = sample.read_bytes()
    import io

    backend = ColumnarBackend(cache=False)
    store = EventStore()
    try:
        for target in (backend, store):
            list(target.load([str(sample), str(sample)]))
            list(target.load(["-"], stdin=io.BytesIO(data)))
        assert store.duplicates > 0
        assert_same(backend, store)
    finally:
        backend.close()


def test_keep_duplicates() -> None:
    sample = str(SAMPLES / "cloudtrail_log.json")
    backend, _ = _columnar([sample, sample], cache=False, dedupe=False)
    store = EventStore(dedupe=False)
    list(store.load([sample, sample]))
    try:
        assert backend.duplicates == 0 and len(backend) == len(store)
        assert list(backend.raws(range(len(store)))) == list(store.raws(range(len(store))))
    finally:
        backend.close()


def _cache_files() -> list[Path]:
    root = Path(os.environ["XDG_CACHE_HOME"]) / "trailtui"
    return sorted(root.glob("*.duckdb")) if root.exists() else []


def test_cache_reopens_and_is_private(tmp_path: Path) -> None:
    paths = [str(SAMPLES)]
    first, items = _columnar(paths)
    assert first.cache_path is not None and first.cache_path.exists()
    root = first.cache_path.parent
    assert (root.stat().st_mode & 0o777) == 0o700
    first.close()
    again, replayed = _columnar(paths)
    try:
        assert again.cache_path == first.cache_path
        assert len(_cache_files()) == 1
        kinds = lambda seq: [type(i).__name__ for i in seq if type(i).__name__ in ("SourceDone", "Problem", "DigestSkipped")]
        assert kinds(replayed) == kinds(items)
        assert_same(again, _oracle(paths))
    finally:
        again.close()


def test_cache_invalidated_when_an_input_changes(tmp_path: Path) -> None:
    target = tmp_path / "log.json"
    target.write_bytes((SAMPLES / "cloudtrail_log.json").read_bytes())
    first, _ = _columnar([str(target)])
    old = first.cache_path
    n = len(first)
    first.close()
    text = target.read_text()
    target.write_text(text.replace('"Records":[', '"Records":[{"eventID":"extra-1","eventName":"Added"},', 1)
                      if '"Records":[' in text else text.replace('"Records": [', '"Records": [{"eventID":"extra-1","eventName":"Added"},', 1))
    second, _ = _columnar([str(target)])
    try:
        assert second.cache_path != old
        assert len(second) == n + 1
        assert second.row_of_event_id("extra-1") == 0
    finally:
        second.close()


def test_corrupt_cache_file_is_rebuilt_with_a_message() -> None:
    paths = [str(SAMPLES)]
    first, _ = _columnar(paths)
    path = first.cache_path
    first.close()
    assert path is not None
    path.write_bytes(b"this is not a database" * 1000)
    again, items = _columnar(paths)
    try:
        notes = [i.message for i in items if isinstance(i, Problem) and "could not be read" in i.message]
        assert notes and "rebuilding" in notes[0]
        assert again.cache_path == path
        assert_same(again, _oracle(paths))
    finally:
        again.close()


def test_symlinked_cache_dir_is_refused(tmp_path: Path) -> None:
    real = tmp_path / "elsewhere"
    real.mkdir()
    base = Path(os.environ["XDG_CACHE_HOME"])
    base.mkdir(parents=True, exist_ok=True)
    (base / "trailtui").symlink_to(real)
    backend, items = _columnar([str(SAMPLES / "cloudtrail_log.json")])
    try:
        assert backend.cache_path is None
        assert any(isinstance(i, Problem) and "symbolic link" in i.message for i in items)
        assert not list(real.iterdir())
        assert len(backend) == len(_oracle([str(SAMPLES / "cloudtrail_log.json")]))
    finally:
        backend.close()


def test_two_processes_opening_the_same_inputs(tmp_path: Path) -> None:
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(REPO)!r})
        from trailtui.engine.columnar import ColumnarBackend
        b = ColumnarBackend()
        for _ in b.load([{str(SAMPLES)!r}]):
            pass
        print(len(b), b.duplicates, sum(len(r) for r in b.raws(range(len(b)))))
        b.close()
    """)
    env = dict(os.environ)
    procs = [subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
             for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    store = _oracle([str(SAMPLES)])
    expected = f"{len(store)} {store.duplicates} {sum(len(r) for r in store.raws(range(len(store))))}"
    for (out, err), proc in zip(outs, procs):
        assert proc.returncode == 0, err.decode()
        assert out.decode().strip() == expected
    assert len(_cache_files()) == 1
    reopened, _ = _columnar([str(SAMPLES)])
    try:
        assert reopened.cache_path == _cache_files()[0]
        assert len(reopened) == len(store)
    finally:
        reopened.close()


def test_cancel_mid_ingest_keeps_a_consistent_prefix(tmp_path: Path) -> None:
    from trailtui.tools import samplegen

    tree = tmp_path / "tree"
    samplegen.write(tree, 6000, "tree", seed=3)
    stop = {"now": False}
    backend = ColumnarBackend()
    try:
        for item in backend.load([str(tree)], cancelled=lambda: stop["now"]):
            if isinstance(item, StoredBatch):
                stop["now"] = True
        store = _oracle([str(tree)])
        n = len(backend)
        assert 0 < n < len(store)
        assert list(backend.raws(range(n))) == list(store.raws(range(n)))
        assert backend.display("event_id", range(n)) == store.display("event_id", range(n))
        assert backend.cache_path is None and not _cache_files()
    finally:
        backend.close()
    complete, _ = _columnar([str(tree)])
    try:
        assert len(complete) == len(store)
    finally:
        complete.close()


def test_many_events_under_a_small_memory_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The 10M-event run at small scale: DuckDB must spill rather than fail under its memory cap."""
    from trailtui.tools import samplegen

    path = tmp_path / "events.jsonl"
    samplegen.write(path, 30000, "jsonl", seed=11)
    monkeypatch.setenv("TRAILTUI_DUCKDB_MEMORY", "40MB")
    backend, items = _columnar([str(path)], cache=False)
    store = _oracle([str(path)])
    try:
        assert not [i for i in items if isinstance(i, Problem)]
        assert len(backend) == len(store) == 30000
        for field in ("time", "actor", "event"):
            assert list(backend.order(range(len(store)), field, True)) == list(store.order(range(len(store)), field, True))
        sample = list(range(0, 30000, 97))
        assert list(backend.raws(sample)) == list(store.raws(sample))
    finally:
        backend.close()


def test_backend_fixture_counts_what_it_stores(backend) -> None:
    """Both backends through the shared fixture: the batches a load yields add up to ``len()``, and reading
    goes through the protocol only."""
    from trailtui.engine.backend import Backend
    from trailtui.engine.model import RecordBatch

    assert isinstance(backend, Backend)
    counted = 0
    for item in backend.load([str(SAMPLES)]):
        if isinstance(item, StoredBatch):
            counted += item.count
        elif isinstance(item, RecordBatch):
            counted += len(item.records)
    # A RecordBatch holds the records read (duplicates included); a StoredBatch counts the rows stored.
    dropped = backend.duplicates if backend.name == "memory" else 0
    assert counted == len(backend) + dropped
    assert len(backend) > 0
    oracle = _oracle([str(SAMPLES)])
    assert list(backend.raws(range(len(backend)))) == list(oracle.raws(range(len(oracle))))


def test_rows_read_while_a_load_runs_are_read_from_the_database_once(tmp_path: Path) -> None:
    """A block read while rows are still arriving holds only the committed rows; it is kept, so painting the
    same rows again asks DuckDB nothing, and a row committed later is still read (and correct)."""
    import json

    from trailtui.tools import samplegen

    samplegen.write(str(tmp_path / "tree"), 20000, "tree", seed=5)
    oracle = _oracle([str(tmp_path / "tree")])
    backend = ColumnarBackend(cache=False)
    queries: list[str] = []
    fetch = backend._fetch

    def counting(sql, params=()):
        queries.append(sql)
        return fetch(sql, params)

    backend._fetch = counting
    checked = 0
    try:
        for item in backend.load([str(tmp_path / "tree")]):
            if not isinstance(item, StoredBatch) or len(backend) >= 20000:
                continue
            n = len(backend)
            rows = list(range(min(n, 600))) + list(range(max(600, n - 5), n))  # block 0 may have grown since
            first = [backend.display(field, rows) for field in ROW_FIELDS]
            raws = list(backend.raws(rows))
            before = len(queries)
            again = [backend.display(field, rows) for field in ROW_FIELDS]
            assert list(backend.raws(rows)) == raws
            assert len(queries) == before and again == first
            assert first == [oracle.display(field, rows) for field in ROW_FIELDS]
            assert [json.loads(r) for r in raws] == [json.loads(oracle.raw(r)) for r in rows]
            checked += 1
    finally:
        backend.close()
    assert checked >= 2


def test_a_width_sample_over_scattered_rows_is_a_few_queries_and_right(tmp_path: Path) -> None:
    """The table samples ~2,000 rows spread over the whole view for its column widths. Read block by block
    that was a query per sampled row (12 s at 1M on the screen's thread); it must be a query per column."""
    from trailtui.engine.columns import screen_columns
    from trailtui.engine.session import Session
    from trailtui.tools import samplegen
    from trailtui.ui.widgets.event_table import _sample_positions

    samplegen.write(str(tmp_path / "tree"), 20000, "tree", seed=3)
    oracle = Session()
    for _ in oracle.load([str(tmp_path / "tree")]):
        pass
    session = Session(ColumnarBackend(cache=False))
    try:
        for _ in session.load([str(tmp_path / "tree")]):
            pass
        backend = session.backend
        calls: list[str] = []
        for name in ("_fetch", "_fetch_joined"):
            method = getattr(backend, name)
            setattr(backend, name, lambda *a, _m=method, _n=name: (calls.append(_n), _m(*a))[1])
        view = session.view("", defaults=screen_columns())
        positions = _sample_positions(len(view), 2000)
        got = view.sample_cells(positions)
        assert len(calls) <= len(view.columns) + 1, calls
        want = oracle.view("", defaults=screen_columns())
        assert got == [want.cells(p) for p in positions]
        fields = list(ROW_FIELDS)
        for rows in (list(range(100, 164)), list(range(0, 20000, 7)), [19999, 5, 12000, 5, 777] * 5,
                     list(range(15000, 12000, -3))):
            assert backend.display_fields(fields, rows) == [oracle.backend.display(f, rows) for f in fields]
    finally:
        session.close()
        oracle.close()
