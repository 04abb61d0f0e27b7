"""Widening: a question asked on the screen, asked again of the whole remote source the screen was pulled from.

``trailtui --engine spark --where F SOURCE`` opens the screen on the records F selects; the investigation
then goes on locally, and a pivot found there ("same user") usually needs more than F's slice ("same user
across the month"). Widening runs the pivot's filter (or the current filter) on the remote source with the
existing machinery — the planner (:mod:`.plan`: coarse remote predicate, partition pruning), the Spark scan
(:mod:`.spark`) and the exact local selection into the cache (:mod:`.pull`) — in three steps:

* :func:`plan_widen` — the plan and the files it reads (listing them reads the tree, so a caller on a UI
  thread runs it in a worker), and :meth:`WidenPlan.summary`, what a person confirms before anything
  expensive starts;
* :meth:`WidenJob.run` — the scan and the exact selection, reporting :class:`WidenProgress` as it goes,
  written atomically to ``pull-<hash>.jsonl`` in the cache (the same file a ``--where`` pull of that filter
  writes);
* :meth:`WidenJob.cancel` — from any thread: the job's own Spark job group is cancelled (so a newer widen
  never stops an older one's successor), the temporary candidates are removed, and a pull file this job
  created is removed again; nothing partial is ever written, since every write is atomic.

One scan runs at a time per process (Spark's temporary views are per session): a newer job waits for a
cancelled older one to let go. Nothing here knows about Textual; the screen's side is
:mod:`trailtui.ui.widen`.
"""

from __future__ import annotations

import itertools
import os
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Optional, Sequence

from ..errors import TrailError, UsageError

if TYPE_CHECKING:  # the planner imports sqlglot: loaded when a widen is planned, not with the screen
    from .plan import RemotePlan

_RUN_LOCK = threading.Lock()
"""Held by the job whose scan runs (one at a time: the temporary views are shared)."""

_IDS = itertools.count(1)

POLL = 0.25
"""Seconds between looks at Spark's progress (and at a cancel request)."""


class WidenCancelled(Exception):
    """The job was cancelled; it left nothing behind."""


class WidenError(TrailError):
    """The widen could not run (Spark failed, or the engine cannot be reached); nothing was changed."""


@dataclass(frozen=True)
class RemoteSource:
    """Where the screen's records were pulled from, and how (``trailtui --engine E --where F SOURCE``)."""

    engine: str
    sources: tuple
    """Local paths (absolute) or ``s3a://`` URIs, as given."""
    where: str
    """The filter of the pull that opened the screen."""
    table: Optional[str]
    slack: Optional[int]
    """Partition pruning's delivery slack in seconds (``--delivery-slack``; None: no upper-bound pruning)."""

    @classmethod
    def of(cls, engine: str, sources: Sequence[str], where: str, table: Optional[str],
           slack: Optional[int]) -> "RemoteSource":
        paths = tuple(s if "://" in s else os.path.abspath(s) for s in sources)
        return cls(engine, paths, where, table, slack)

    def describe(self) -> str:
        shown = ", ".join(self.sources[:2]) + (f" (+{len(self.sources) - 2} more)" if len(self.sources) > 2 else "")
        return f"{self.engine}: {shown}"


@dataclass
class WidenPlan:
    """A filter planned for the whole remote source."""

    source: RemoteSource
    text: str
    plan: "RemotePlan"
    prepared: Optional[object] = None
    """:class:`.spark.Inputs` for Spark (the files to read), else None."""
    label: str = ""
    """What is widened, for people (``user glitch``, ``filter …``)."""

    @property
    def files(self) -> Optional[int]:
        listing = getattr(self.prepared, "listing", None)
        return len(self.prepared.uris) if self.prepared is not None and listing is not None else None

    def summary(self) -> list[str]:
        """What runs where, in a few lines (the confirmation a person reads)."""
        from .spark import master
        from .translate import TRUE

        source = self.source
        engine = f"{source.engine} ({master()})" if source.engine == "spark" else source.engine
        lines = [f"widen: {self.label or self.text}", f"filter: {self.text}", f"engine: {engine}",
                 "source: " + ", ".join(source.sources)]
        parts = self.plan.partitions.describe()
        lines.append("partitions: " + " · ".join(parts[:3]))
        listing = getattr(self.prepared, "listing", None)
        if self.prepared is not None:
            remote_uris = [u for u in self.prepared.uris if not u.startswith("file://")]
            if listing is not None and listing.files_seen:
                folders = f" (in {listing.directories_listed:,} folders listed)" if listing.directories_listed else ""
                lines.append(f"files to read: {len(listing.files):,} of {listing.files_seen:,} seen{folders}")
            if remote_uris:
                lines.append(f"reads: {len(remote_uris)} pattern{'s' if len(remote_uris) != 1 else ''} on S3")
        if self.plan.predicate is TRUE:
            lines.append(f"on {source.engine}: no narrowing predicate: every record of those files comes back")
        else:
            where = self.plan.where().sql(dialect=self.plan.dialect)
            lines.append(f"on {source.engine}: WHERE " + (where if len(where) <= 240 else where[:239] + "…"))
        lines.append("here: the whole filter, exactly, by trailtui's jq on what comes back")
        lines += [f"kept local: {note}" for note in self.plan.notes]
        return lines

    def explain(self) -> list[str]:
        """The full plan, as ``trailtui query --explain`` prints it."""
        return self.plan.explain(self.source.sources, getattr(self.prepared, "listing", None))


def plan_widen(source: RemoteSource, text: str, label: str = "") -> WidenPlan:
    """Plan ``text`` on the whole of ``source``; raises :class:`UsageError` saying why it cannot run there
    (an aggregate, a missing source, a file the remote reader would read differently)."""
    from . import spark
    from .plan import build

    if not text.strip() or text.strip() in (".", ".Records[]"):
        raise UsageError("nothing to widen: the filter selects every event",
                         "pivot first (u, i, a, …) or type a filter; widening runs it on the whole source")
    plan = build(text, source.engine, source.table, source.slack)
    prepared = spark.inputs(list(source.sources), plan.partitions) if source.engine == "spark" else None
    return WidenPlan(source, text, plan, prepared, label)


@dataclass(frozen=True)
class WidenProgress:
    """How far a job got."""

    phase: str
    """``waiting`` (for an older job to stop), ``starting`` (Spark), ``spark`` (the scan runs), ``exact``
    (the local jq decides on the candidates)."""
    elapsed: float
    files: Optional[int] = None
    tasks_done: int = 0
    tasks_total: int = 0
    candidates: Optional[int] = None

    def text(self) -> str:
        parts = []
        if self.phase == "waiting":
            parts.append("waiting for the previous widen to stop")
        elif self.phase == "starting":
            parts.append("starting Spark")
        elif self.phase == "spark":
            parts.append(f"spark {self.tasks_done}/{self.tasks_total} tasks" if self.tasks_total else "spark: planning")
        elif self.phase == "exact":
            parts.append(f"{self.candidates:,} candidates back, exact filter here")
        parts.append(f"{self.elapsed:.0f} s")  # before the files: a narrow status line keeps the clock
        if self.files is not None:
            parts.append(f"{self.files:,} file{'s' if self.files != 1 else ''}")
        return " · ".join(parts)


@dataclass
class WidenResult:
    target: Optional[Path]
    """The pull file (None when nothing matched: no file is left)."""
    count: int
    """Records the filter selects on the whole source."""
    candidates: int
    files: int
    scan_seconds: float
    seconds: float
    returned_at: float
    """``time.perf_counter()`` when the remote engine returned (to time what follows)."""


@dataclass
class WidenJob:
    """One widen run; :meth:`run` in a worker thread, :meth:`cancel` from anywhere."""

    plan: WidenPlan
    quiet: bool = False
    """Turn Spark's own log off for the process (its stack traces go to stderr, which a full-screen app is
    drawing on); a failure still comes back as :class:`WidenError` with Spark's reason."""
    group: str = field(default_factory=lambda: f"trailtui-widen-{os.getpid()}-{next(_IDS)}")
    """This job's Spark job group."""
    _cancel: threading.Event = field(default_factory=threading.Event)

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def cancel(self) -> None:
        """Stop the job: its Spark jobs are cancelled now (and again, should one start after this)."""
        self._cancel.set()
        _cancel_group(self.group)

    def _check(self) -> None:
        if self._cancel.is_set():
            raise WidenCancelled()

    def run(self, progress: Optional[Callable[[WidenProgress], None]] = None) -> WidenResult:
        from . import spark
        from .pull import pull_path, remove_candidates, select_exact, write_candidates

        plan = self.plan
        started = time.perf_counter()
        files = plan.files

        def report(phase: str, **more: object) -> None:
            if progress is not None:
                progress(WidenProgress(phase, time.perf_counter() - started, files, **more))

        if plan.source.engine != "spark":
            from . import cloud

            cloud.require(plan.source.engine)
        while not _RUN_LOCK.acquire(timeout=POLL):
            self._check()
            report("waiting")
        try:
            self._check()
            report("starting")
            session = spark.session()  # raises UsageError without pyspark or Java
            if self.quiet:
                session.sparkContext.setLogLevel("OFF")
            self._check()
            stop = threading.Event()
            watcher = threading.Thread(target=self._watch, args=(stop, report), daemon=True,
                                       name=f"{self.group}-watch")
            watcher.start()
            try:
                result = spark.scan(plan.plan, list(plan.source.sources), prepared=plan.prepared,
                                    job_group=self.group)
            except (UsageError, WidenCancelled):
                raise
            except Exception as exc:  # py4j and pyspark raise many kinds; a cancelled job is one of them
                if self.cancelled:
                    raise WidenCancelled() from None
                raise WidenError(f"Spark failed: {spark_reason(exc)}",
                                 "nothing was changed; the plan is in the confirmation (--explain prints it too)") from None
            finally:
                stop.set()
                watcher.join(timeout=2)
            returned = time.perf_counter()
            self._check()
            report("exact", candidates=result.candidates)
            target = pull_path(plan.source.engine, plan.text, plan.source.sources)
            existed = target.exists()
            candidates = write_candidates(result.raws)
            try:
                count = select_exact(candidates, plan.text, target)
            finally:
                remove_candidates(candidates)
            if (self.cancelled or count == 0) and not existed:
                target.unlink(missing_ok=True)
            self._check()
            final: Optional[Path] = target if count else None
        finally:
            _RUN_LOCK.release()
        return WidenResult(final, count, result.candidates, result.files, result.seconds,
                           time.perf_counter() - started, returned)

    def _watch(self, stop: threading.Event, report: Callable[..., None]) -> None:
        """Report the job group's tasks; cancel the group whenever a cancel was asked (a job may start after
        the first ``cancelJobGroup``)."""
        from . import spark

        sc = spark.session().sparkContext
        tracker = sc.statusTracker()
        while not stop.wait(POLL):
            if self._cancel.is_set():
                sc.cancelJobGroup(self.group)
                continue
            done = total = 0
            for job_id in tracker.getJobIdsForGroup(self.group):
                job = tracker.getJobInfo(job_id)
                for stage_id in (job.stageIds if job is not None else ()):
                    info = tracker.getStageInfo(stage_id)
                    if info is not None:
                        done += info.numCompletedTasks
                        total += info.numTasks
            report("spark", tasks_done=done, tasks_total=total)


def _cancel_group(group: str) -> None:
    from . import spark

    if spark._SESSION is not None:
        try:
            spark._SESSION.sparkContext.cancelJobGroup(group)
        except Exception:  # a stopped context: nothing runs, nothing to cancel
            pass


def spark_reason(exc: BaseException) -> str:
    """One line out of a Spark error (py4j errors carry a whole Java stack)."""
    text = str(exc).strip() or type(exc).__name__
    lines = [line.strip().lstrip(": ") for line in text.splitlines() if line.strip()]
    java = [line for line in lines if _JAVA_ERROR.match(line) and not line.startswith("py4j.")]
    text = java[0] if java else (lines[0] if lines else type(exc).__name__)
    return text if len(text) <= 300 else text[:299] + "…"


_JAVA_ERROR = re.compile(r"(?:[a-z_][\w$]*\.)+[A-Z][\w$]*(?:Exception|Error)\b")
"""A Java exception's class name at the start of a line (``org.apache.spark.SparkException: …``)."""
