"""The messages the loader streams to its consumer (the event store, the CLI, the UI).

``trailtui.engine.loader.load(paths)`` yields these in order. Records arrive in batches so a
consumer can show the first events long before the last file is read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from .textsafe import safe_text


@dataclass
class Source:
    """One input the loader read: a file, a member of an archive, or stdin (``path == "-"``)."""

    path: str
    """The path as the user gave it or as found under a directory; ``-`` for stdin."""
    shape: str = ""
    """What the content turned out to be: ``records``, ``array``, ``jsonl``, ``concatenated``,
    ``lookup-events``, ``eventbridge``, ``cwl-events``, ``cwl-export``, ``cwl-subscription``,
    ``cwl-insights``, ``lake``, ``single``, ``digest``, ``empty`` — set once known."""
    compressed: bool = False
    """True when the bytes were gzip (detected by magic bytes, never by name)."""
    size: int = 0
    """Size on disk in bytes (compressed size for gzip)."""
    meta: dict[str, str] = field(default_factory=dict)
    """Facts parsed from an S3 key path: ``account``, ``org``, ``region``, ``kind``, ``date``."""
    events: int = 0
    """Records emitted from this source (before de-duplication)."""
    skipped: int = 0
    """Malformed lines or unrecognised values skipped inside this source."""


@dataclass
class RecordBatch:
    """Records parsed from one source, in source order.

    ``positions[i]`` is the 0-based index of ``records[i]`` among the records of its source;
    ``locations[i]`` says where in the file it was: ``"line 12"``, ``"byte 4096"``, ``"Records[3]"``.
    ``envelopes[i]`` (optional) keeps wrapper facts worth showing as provenance — the lookup-events
    ``EventId``/``Username``, the EventBridge ``id``/``detail-type``, the CloudWatch ``logStream`` —
    or None. ``partial`` marks CloudTrail Lake rows that hold only the selected columns.
    """

    source: Source
    records: list[dict[str, Any]]
    positions: list[int]
    locations: list[str]
    envelopes: Optional[list[Optional[dict[str, Any]]]] = None
    partial: bool = False


@dataclass
class Problem:
    """Something that could not be read. ``fatal`` means the whole source was skipped.

    ``message`` is escaped with `safe_text` (no control or bidi characters); ``path`` stays exact.

    ``message`` is one line naming the file and the reason, e.g.
    ``"logs/a.json.gz: truncated gzip stream after 1,048,576 bytes"``.
    """

    path: str
    message: str
    fatal: bool = True
    line: Optional[int] = None
    offset: Optional[int] = None

    def __post_init__(self) -> None:
        # file names, member names and JSON keys are attacker-controlled: the message is terminal-safe
        # from the start (escaping is idempotent, so showing it through safe_text again is harmless)
        self.message = safe_text(self.message)


@dataclass
class SourceDone:
    """A source finished (``source.events``/``source.skipped`` are final)."""

    source: Source


@dataclass
class DigestSkipped:
    """A CloudTrail digest file was recognised and skipped (it holds no events)."""

    path: str


@dataclass
class Progress:
    """Coarse progress, emitted at most a few times a second."""

    files_done: int
    files_total: int
    bytes_done: int
    bytes_total: int
    events: int
    elapsed: float


LoadItem = Any
"""One of RecordBatch, Problem, SourceDone, DigestSkipped, Progress."""


@dataclass
class StoredBatch(RecordBatch):
    """Rows a backend already stored (the columnar backend's load yields these instead of parsed records).

    ``records``/``positions``/``locations`` are empty: the rows are ``first_row .. first_row + count - 1``
    and are read from the backend. A consumer counts ``count`` (``len(batch.records)`` for a RecordBatch).
    """

    first_row: int = 0
    count: int = 0
