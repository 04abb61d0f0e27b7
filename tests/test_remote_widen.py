"""Widening a pivot to the whole remote source (``W``): the engine plans the pivot's filter like ``--explain``,
a cancelled job stops its Spark job and leaves no file, a newer job runs once an older one let go, and on the
screen a real widen (pyspark local mode, a small generated S3-layout tree) shows the local engine's answer
for the same filter as a new view, with Backspace bringing back the view before it."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import orjson
import pytest

from trailtui.engine.backend import make_backend
from trailtui.engine.errors import UsageError
from trailtui.engine.remote.partitions import DEFAULT_SLACK, list_files
from trailtui.engine.remote.pull import remote_dir, select_exact
from trailtui.engine.remote.widen import RemoteSource, WidenCancelled, WidenJob, plan_widen
from trailtui.engine.session import Session

from remote_fixture import generated_tree, local_matches, local_session, spark_or_skip

PULL = 'select(.eventName == "GetObject")'
"""The filter of the pull the app is opened on."""


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    return generated_tree(tmp_path_factory.mktemp("widen") / "tree", events=300, days=0.25)


@pytest.fixture(scope="module")
def month(tmp_path_factory) -> Path:
    """Enough files that a scan runs for seconds (the cancel tests stop it early)."""
    return generated_tree(tmp_path_factory.mktemp("widen-month") / "tree", events=1500, days=3.0)


def _source(tree: Path) -> RemoteSource:
    return RemoteSource.of("spark", [str(tree)], PULL, None, DEFAULT_SLACK)


def _cache_files() -> set[str]:
    return {p.name for p in remote_dir().iterdir()}


# -- planning (no Spark) -------------------------------------------------------------------------------


def test_a_pivot_is_planned_on_the_whole_source(tree):
    session = local_session([str(tree)])
    pivot = session.pivots(0)["user"]
    assert pivot is not None
    plan = plan_widen(_source(tree), pivot.filter, pivot.label)
    assert plan.text == pivot.filter and plan.plan.engine == "spark"
    assert plan.files == len(list_files(str(tree), plan.plan.partitions).files) > 0
    summary = "\n".join(plan.summary())
    assert pivot.label in summary and f"files to read: {plan.files}" in summary
    assert "the whole filter, exactly" in summary
    assert plan.explain()[0].startswith("engine: spark")


def test_a_narrowing_filter_reaches_spark_and_prunes(tree):
    session = local_session([str(tree)])
    times = sorted(session.backend.display("time", range(len(session))))
    text = f'select(.eventName == "PutObject" and .eventTime >= "{times[len(times) // 2]}")'
    plan = plan_widen(_source(tree), text)
    summary = "\n".join(plan.summary())
    assert "eventname = 'PutObject'" in summary
    every = len(list_files(str(tree), plan_widen(_source(tree), PULL).plan.partitions).files)
    assert 0 < plan.files < every  # the lower time bound skips the early files


@pytest.mark.parametrize("text, reason", [
    (".", "every event"),
    (".Records | length", "root mode"),
])
def test_what_cannot_be_widened_says_why(tree, text, reason):
    with pytest.raises(UsageError, match=reason):
        plan_widen(_source(tree), text)


def test_a_missing_source_says_so(tmp_path):
    source = RemoteSource.of("spark", [str(tmp_path / "gone")], PULL, None, DEFAULT_SLACK)
    with pytest.raises(UsageError, match="no such file"):
        plan_widen(source, PULL)


def test_a_job_cancelled_before_it_starts_runs_nothing(tree):
    job = WidenJob(plan_widen(_source(tree), PULL))
    job.cancel()
    before = _cache_files()
    with pytest.raises(WidenCancelled):
        job.run()
    assert _cache_files() == before


# -- Spark ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def spark():
    return spark_or_skip()


def _in_thread(job: WidenJob, outcome: dict) -> threading.Thread:
    def run() -> None:
        try:
            outcome["result"] = job.run(lambda p: outcome.setdefault("phases", []).append(p))
        except BaseException as exc:  # noqa: BLE001  (handed to the test)
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def _wait(predicate, seconds: float = 120.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.mark.slow
def test_cancel_stops_the_spark_job_leaves_nothing_and_a_newer_job_runs(spark, month, tree):
    before = _cache_files()
    old = WidenJob(plan_widen(RemoteSource.of("spark", [str(month)], PULL, None, DEFAULT_SLACK), "select(.eventName == \"PutObject\")"))
    old_outcome: dict = {}
    old_thread = _in_thread(old, old_outcome)
    _wait(lambda: any(p.phase == "spark" and p.tasks_total for p in old_outcome.get("phases", [])) or old_outcome.keys() - {"phases"})
    assert "result" not in old_outcome  # still scanning: a month of small files takes seconds
    new = WidenJob(plan_widen(_source(tree), PULL))
    new_outcome: dict = {}
    new_thread = _in_thread(new, new_outcome)
    _wait(lambda: any(p.phase == "waiting" for p in new_outcome.get("phases", [])))  # one scan at a time
    started = time.monotonic()
    old.cancel()
    old_thread.join(60)
    assert isinstance(old_outcome.get("error"), WidenCancelled)
    assert time.monotonic() - started < 30  # the Spark job was stopped, not waited for
    tracker = spark.sparkContext.statusTracker()
    assert not [j for j in tracker.getJobIdsForGroup(old.group) if tracker.getJobInfo(j).status == "RUNNING"]
    new_thread.join(120)
    result = new_outcome["result"]
    want = local_matches(local_session([str(tree)]), PULL)
    assert result.count == len(want) > 0
    assert [orjson.loads(line) for line in result.target.read_bytes().splitlines()] == want
    # the cancelled job left no candidates and no pull file: only the new job's pull is there
    assert _cache_files() - before == {result.target.name}


# -- the screen -----------------------------------------------------------------------------------------


def _canonical(values: list) -> list:
    """Records as comparable keys, in no particular order (the screen sorts by time, ties by load order)."""
    return sorted(orjson.dumps(v, option=orjson.OPT_SORT_KEYS) for v in values)


def _rows(screen) -> list:
    return _canonical([orjson.loads(raw) for raw in screen.session.backend.raws(screen.view.rows)])


async def _settle(pilot, screen, predicate, seconds: float = 120.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out waiting for the screen"
        await pilot.pause(0.1)


@pytest.mark.slow
async def test_widen_on_the_screen_shows_the_local_answer_and_back_restores(spark, tree, tmp_path):
    from trailtui.ui.app import TrailApp

    pulled = tmp_path / "pulled.jsonl"
    select_exact([str(tree)], PULL, pulled)  # what `--where PULL` pulls (the exact local selection)
    app = TrailApp(paths=[str(pulled)], session=Session(make_backend("memory")))
    app.remote_source = _source(tree)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = app.main_screen
        await _settle(pilot, screen, lambda: not screen.is_loading and screen.view is not None and len(screen.view))
        await pilot.press("u")
        await _settle(pilot, screen, lambda: screen.state.pivot is not None and screen.applied_generation == screen.generation)
        pivot = screen.state.pivot
        before_rows = list(screen.view.rows)
        before_loaded = len(screen.session)
        await pilot.press("W")
        await _settle(pilot, screen, lambda: type(app.screen).__name__ == "WidenDialog")
        assert "files to read" in str(app.screen.query_one("#widen-plan-text").render())
        await pilot.press("y")
        await _settle(pilot, screen, lambda: screen.widen_status() != "")
        await _settle(pilot, screen, lambda: screen.state.crumb == f"spark: {pivot.label}"
                      and screen.applied_generation == screen.generation)
        want = local_matches(local_session([str(tree)]), pivot.filter)
        assert _rows(screen) == _canonical(want)
        assert len(want) > len(before_rows)  # the pivot has events beyond the pulled slice
        assert len(screen.session) == before_loaded + len(want) - len(before_rows)  # loaded ones deduplicated
        assert screen.widen_status() == "" and screen.widen_timing is not None
        assert screen.state.pivot == pivot  # W again re-widens the same pivot
        await pilot.press("backspace")
        await _settle(pilot, screen, lambda: screen.state.filter_text == pivot.filter and screen.state.upto is not None
                      and screen.applied_generation == screen.generation)
        assert list(screen.view.rows) == before_rows
        assert "loaded before the widen" in screen.state.note


async def test_without_a_remote_source_w_says_why(tmp_path):
    from trailtui.ui.app import TrailApp

    data = tmp_path / "events.jsonl"
    data.write_bytes(b'{"eventID":"1","eventName":"GetObject","eventTime":"2024-01-01T00:00:00Z"}\n')
    app = TrailApp(paths=[str(data)], session=Session(make_backend("memory")))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.main_screen
        await _settle(pilot, screen, lambda: not screen.is_loading and screen.view is not None, 30)
        await pilot.press("W")
        await pilot.pause(0.2)
        texts = [str(n.message) for n in app._notifications]
        assert any("Nothing to widen to" in t and "--engine spark --where" in t for t in texts)
        assert type(app.screen).__name__ == "MainScreen"


# -- the screen, with Spark faked (no JVM): failures and Esc ---------------------------------------------


class _FakeContext:
    """Enough of a SparkContext for a job: job groups, a cancel, an idle status tracker."""

    def __init__(self) -> None:
        self.cancelled: list[str] = []
        self.release = threading.Event()

    def setLogLevel(self, level: str) -> None:  # noqa: N802  (Spark's name)
        self.level = level

    def cancelJobGroup(self, group: str) -> None:  # noqa: N802
        self.cancelled.append(group)
        self.release.set()

    def statusTracker(self):  # noqa: N802
        class Tracker:
            def getJobIdsForGroup(self, group):  # noqa: N802
                return []

        return Tracker()


async def _widen_app(tmp_path, tree, monkeypatch, scan):
    from trailtui.engine.remote import spark as remote_spark
    from trailtui.ui.app import TrailApp

    context = _FakeContext()
    fake = type("FakeSession", (), {"sparkContext": context})()
    monkeypatch.setattr(remote_spark, "_SESSION", fake)
    monkeypatch.setattr(remote_spark, "session", lambda: fake)
    monkeypatch.setattr(remote_spark, "scan", lambda *a, **k: scan(context))
    pulled = tmp_path / "pulled.jsonl"
    select_exact([str(tree)], PULL, pulled)
    app = TrailApp(paths=[str(pulled)], session=Session(make_backend("memory")))
    app.remote_source = _source(tree)
    return app, context


async def _press_w_and_confirm(pilot, app):
    screen = app.main_screen
    await _settle(pilot, screen, lambda: not screen.is_loading and screen.view is not None and len(screen.view), 30)
    await pilot.press("u")
    await _settle(pilot, screen, lambda: screen.state.pivot is not None and screen.applied_generation == screen.generation, 30)
    await pilot.press("W")
    await _settle(pilot, screen, lambda: type(app.screen).__name__ == "WidenDialog", 30)
    await pilot.press("y")


@pytest.mark.parametrize("failure, said", [
    (UsageError("--engine spark needs a Java runtime", "install one"), "needs a Java runtime"),
    (RuntimeError("py4j.protocol.Py4JJavaError: An error occurred\norg.apache.spark.SparkException: Job aborted"),
     "Spark failed: org.apache.spark.SparkException: Job aborted"),
    (None, "nothing matches on the whole source"),
])
async def test_a_failed_widen_says_why_and_changes_nothing(tmp_path, tree, monkeypatch, failure, said):
    from trailtui.engine.remote.spark import ScanResult

    def scan(context):
        if failure is not None:
            raise failure
        return ScanResult([], 3, 0.1, 0)

    app, _ = await _widen_app(tmp_path, tree, monkeypatch, scan)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.main_screen
        before_cache = _cache_files()
        await _press_w_and_confirm(pilot, app)
        state, loaded, stack = screen.state, len(screen.session), len(screen.stack)
        await _settle(pilot, screen, lambda: any(said in str(n.message) for n in app._notifications), 30)
        assert screen.widen_status() == ""
        assert (screen.state, len(screen.session), len(screen.stack)) == (state, loaded, stack)
        assert _cache_files() == before_cache


async def test_esc_cancels_the_running_widen(tmp_path, tree, monkeypatch):
    def scan(context):
        assert context.release.wait(30)  # "runs" until its job group is cancelled
        raise RuntimeError("org.apache.spark.SparkException: Job 3 cancelled part of cancelled job group")

    app, context = await _widen_app(tmp_path, tree, monkeypatch, scan)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.main_screen
        before_cache = _cache_files()
        await _press_w_and_confirm(pilot, app)
        await _settle(pilot, screen, lambda: "Esc cancels" in screen.widen_status(), 30)
        assert "widening" in str(screen.query_one("#status").render())
        state, loaded = screen.state, len(screen.session)
        await pilot.press("escape")
        await _settle(pilot, screen, lambda: screen.widen_status() == "", 30)
        assert context.cancelled and context.cancelled[0].startswith("trailtui-widen-")
        assert context.level == "OFF"  # Spark's stack traces would draw over the screen
        assert any("cancelled: nothing was added" in str(n.message) for n in app._notifications)
        assert (screen.state, len(screen.session)) == (state, loaded)
        assert _cache_files() == before_cache
