"""Running a remote plan on Spark: the S3 layout read as a table of records, the coarse SQL, raw records back.

Each input file is read whole (``spark.read.text(..., wholetext=True)``, gzip by extension) and split into
records by its shape, the shapes CloudTrail and its exporters write as plain records: a ``{"Records":
[...]}`` document (the S3 delivery format), a JSON array of records, or JSON Lines. ``from_json`` with
``array<string>`` keeps each record's JSON text (Spark re-serialises it compactly, same values), so the
local side gets the exact records; ``posexplode`` gives the position in the file. Other shapes
(lookup-events output, EventBridge or CloudWatch envelopes) are refused before the run, by a look at each
local file's first bytes, since the local loader unwraps them and Spark would not.

The table the SQL reads (:data:`TABLE`) has Athena's columns (see :mod:`.table`), parsed from the text with
one ``from_json``; a record that does not fit those types (``userIdentity`` a string, say) is marked
``_odd`` and always returned, so the local jq decides it.

Results come back as ``(_file, _pos, _raw)`` and are put in load order here (the loader's path order, then
position), not by Spark, so the order does not depend on how Spark names files. Sources are local paths
(read as ``file://``) or ``s3a://`` URIs (needs the hadoop-aws jars and credentials on the Spark side; the
partitions are then chosen by glob patterns, see :func:`.partitions.s3_globs`).
"""

from __future__ import annotations

import os
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Sequence
from urllib.parse import unquote, urlparse

from ..errors import UsageError
from ..loading.paths import sort_key
from .partitions import Listing, Partitions, list_files, s3_globs
from .plan import RemotePlan
from .table import SPARK_SCHEMA

_SESSION: Any = None
_LOCK = threading.Lock()
JOB_GROUP = "trailtui-remote"


def java_available() -> bool:
    from shutil import which

    return bool(os.environ.get("JAVA_HOME") or which("java"))


def master() -> str:
    """The Spark master trailtui uses (``$TRAILTUI_SPARK_MASTER``, default ``local[2]``)."""
    return os.environ.get("TRAILTUI_SPARK_MASTER", "local[2]")


def session() -> Any:
    """One local SparkSession per process (``$TRAILTUI_SPARK_MASTER``, default ``local[2]``; UI off)."""
    global _SESSION
    with _LOCK:
        if _SESSION is None:
            try:
                from pyspark.sql import SparkSession
            except ImportError:
                raise UsageError("--engine spark needs pyspark", "pip install pyspark (and a Java runtime)") from None
            if not java_available():
                raise UsageError("--engine spark needs a Java runtime", "install one, e.g. apt-get install default-jre-headless")
            builder = (SparkSession.builder.master(master())
                       .appName("trailtui")
                       .config("spark.ui.enabled", "false")
                       .config("spark.sql.shuffle.partitions", "2")
                       .config("spark.driver.memory", os.environ.get("TRAILTUI_SPARK_DRIVER_MEMORY", "1g"))
                       .config("spark.ui.showConsoleProgress", "false")
                       .config("spark.sql.session.timeZone", "UTC"))
            _SESSION = builder.getOrCreate()
            _SESSION.sparkContext.setLogLevel("ERROR")
        return _SESSION


# ---------------------------------------------------------------------------------------------------
# Inputs


@dataclass
class Inputs:
    uris: list
    """What Spark reads (``file://`` paths or ``s3a://`` patterns), in load order for local files."""
    order: dict
    """Local absolute path -> its rank in load order."""
    listing: Optional[Listing] = None
    shapes: dict = field(default_factory=dict)
    """Local absolute path -> ``records``, ``array`` or ``lines`` (how the loader reads its records)."""


_READABLE = ("records", "array", "lines")


def file_shape(path: str) -> str:
    """``records``, ``array``, ``lines``, ``digest`` or a reason the remote reader cannot read the file."""
    import gzip
    import json

    with open(path, "rb") as raw:
        head = raw.read(2)
        raw.seek(0)
        stream: Any = gzip.open(raw) if head == b"\x1f\x8b" else raw
        try:
            data = stream.read(1 << 16)
        except (OSError, EOFError) as exc:
            return f"unreadable ({exc})"
    text = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text[:1] == b"[":
        return "array"
    if text[:1] != b"{":
        return "not JSON records (the remote reader takes Records documents, arrays and JSON Lines)"
    first = text.split(b"\n", 1)[0]
    try:
        value = json.loads(first)
    except ValueError:
        value = None
    if value is None:
        import re

        if re.match(rb'\{\s*"Records"\s*:', text):
            return "records"
        if re.match(rb'\{\s*"(awsAccountId|digestStartTime)"', text):
            return "digest"
        return "a single JSON document that is not {\"Records\": [...]} (not read remotely)"
    if isinstance(value, dict) and "Records" in value:
        rest = text.split(b"\n", 1)[1].strip() if b"\n" in text else b""
        if rest:
            return "several Records documents in one file (not read remotely)"
        return "records"
    if isinstance(value, dict) and ("digestStartTime" in value or "digestS3Object" in value):
        return "digest"
    if isinstance(value, dict) and any(k in value for k in ("CloudTrailEvent", "detail", "Events", "logEvents", "message")):
        return "an envelope the local loader unwraps (lookup-events, EventBridge, CloudWatch): not read remotely"
    from ..sniff import looks_like_record

    if isinstance(value, dict) and looks_like_record(value):
        return "lines"
    return "JSON Lines whose first line is not a CloudTrail record (not read remotely)"


def inputs(sources: Sequence[str], parts: Partitions, check: bool = True) -> Inputs:
    """The files to read for ``sources`` (pruned), refusing any whose shape Spark would read differently."""
    uris: list = []
    order: dict = {}
    shapes: dict = {}
    total = Listing([])
    for source in sources:
        if source.startswith(("s3a://", "s3://")):
            globs = s3_globs(source.replace("s3://", "s3a://", 1), parts)
            uris.extend(globs or [source.replace("s3://", "s3a://", 1)])
            continue
        if not os.path.exists(source):
            raise UsageError(f"{source}: no such file or directory")
        listing = list_files(source, parts)
        total.directories_listed += listing.directories_listed
        total.files_seen += listing.files_seen
        for path in listing.files:
            full = os.path.abspath(path)
            shape = "records"
            if check:
                shape = file_shape(full)
                if shape == "digest":
                    continue
                if shape not in _READABLE:
                    raise UsageError(f"{path}: {shape}", "load it with the local engine (no --engine)")
            shapes[full] = shape
            if full not in order:
                order[full] = len(order)
                total.files.append(full)
                if any(c in full for c in "*?[]{}\\,"):
                    raise UsageError(f"{path}: a file name with glob characters cannot be named to Spark safely")
                uris.append("file://" + full)
    return Inputs(uris, order, total, shapes)


# ---------------------------------------------------------------------------------------------------
# The table


TABLE_SQL = """
SELECT _file, _pos, _raw, r.*, (r IS NULL OR r._corrupt_record IS NOT NULL) AS _odd
FROM (
  SELECT _file, pos AS _pos, raw AS _raw,
         from_json(raw, '{schema}', map('columnNameOfCorruptRecord', '_corrupt_record')) AS r
  FROM (
    SELECT _file,
           CASE WHEN regexp_extract(value, '^[\\\\s\\\\x{{FEFF}}]*(.)', 1) = '[' THEN from_json(value, 'array<string>')
                WHEN from_json(value, 'Records array<string>').Records IS NOT NULL
                  THEN from_json(value, 'Records array<string>').Records
                ELSE filter(transform(split(value, '\\n'), x -> trim(x)), x -> x <> '')
           END AS items
    FROM _trailtui_files
  ) LATERAL VIEW posexplode(items) t AS pos, raw
)
"""


def register(spark: Any, uris: Sequence[str], table: str) -> None:
    """Make ``table`` (and ``_trailtui_files``) a view of the records in ``uris``."""
    from pyspark.sql import functions as F

    files = spark.read.text(list(uris), wholetext=True).select(F.input_file_name().alias("_file"), "value")
    files.createOrReplaceTempView("_trailtui_files")
    spark.sql(TABLE_SQL.format(schema=SPARK_SCHEMA)).createOrReplaceTempView(table)


def _local_path(uri: str) -> str:
    parsed = urlparse(uri)
    if parsed.scheme in ("", "file"):
        return os.path.abspath(unquote(parsed.path))
    return uri


@dataclass
class ScanResult:
    raws: list
    """``(shape, JSON text)`` of each record in load order (shape: how its file holds records, see
    :func:`file_shape`; the local loader's rules depend on it)."""
    files: int
    seconds: float
    candidates: int


def scan(plan: RemotePlan, sources: Sequence[str], progress: Optional[Callable[[str], None]] = None,
         prepared: Optional[Inputs] = None, registered: bool = False, job_group: str = JOB_GROUP) -> ScanResult:
    """Run the plan's SQL on Spark over ``sources``; the raw records that pass, in load order.
    ``registered``: the plan's table is already a view of ``prepared`` (see :func:`register`).
    ``job_group``: the Spark job group of the run (``cancelJobGroup`` of it stops this run only)."""
    if plan.engine != "spark":
        raise UsageError(f"scan runs Spark plans, not {plan.engine}")
    spark = session()
    found = prepared or inputs(sources, plan.partitions)
    started = time.perf_counter()
    if not found.uris:
        return ScanResult([], 0, 0.0, 0)
    sc = spark.sparkContext
    sc.setJobGroup(job_group, "trailtui remote scan", interruptOnCancel=True)
    stop = threading.Event()
    watcher = None
    if progress is not None:
        watcher = threading.Thread(target=_watch, args=(sc, stop, progress), daemon=True)
        watcher.start()
    try:
        if not registered:
            register(spark, found.uris, plan.table)
        rows = spark.sql(plan.sql()).collect()
    except KeyboardInterrupt:
        sc.cancelJobGroup(job_group)
        raise
    finally:
        stop.set()
        if watcher is not None:
            watcher.join(timeout=2)
    keyed = []
    for row in rows:
        path = _local_path(row["_file"])
        rank = found.order.get(path)
        shape = found.shapes.get(path, "records")
        keyed.append(((0, rank) if rank is not None else (1, sort_key(path)), row["_pos"], (shape, row["_raw"])))
    keyed.sort(key=lambda item: (item[0], item[1]))
    return ScanResult([item for _, _, item in keyed], len(found.uris), time.perf_counter() - started, len(keyed))


def _watch(sc: Any, stop: threading.Event, progress: Callable[[str], None]) -> None:
    tracker = sc.statusTracker()
    last = ""
    while not stop.wait(1.0):
        done = total = 0
        for stage_id in tracker.getActiveStageIds():
            info = tracker.getStageInfo(stage_id)
            if info is not None:
                done += info.numCompletedTasks
                total += info.numTasks
        if total:
            text = f"spark: {done}/{total} tasks"
            if text != last:
                progress(text)
                last = text


def stderr_progress(message: str) -> None:
    print(f"trailtui: {message}", file=sys.stderr, flush=True)
