"""Bookmarks: events marked as evidence, each with a note, tags and the filter that found it.

A bookmark names its event by ``eventID`` plus a SHA-256 of the event's canonical JSON (keys sorted,
compact, UTF-8), never by a row number: rows change with load order, backend and the files opened, the
event's content does not. :func:`locate` finds the row again (``eventID`` first, the hash deciding between
events sharing an id, and a scan by content for events without an id).

Bookmarks survive a restart: :func:`autosave_path` is a private file per set of inputs under
``$XDG_STATE_HOME/trailtui/bookmarks/`` that the app rewrites atomically on every change and reads when the
same inputs are opened again. A session file (``sessionfile.py``) carries them too.

Nothing here imports Textual.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Optional, Sequence

from .safefile import write_private

if TYPE_CHECKING:
    from .session import Session


def canonical_json(record: Any) -> bytes:
    """The record as canonical JSON bytes (sorted keys, no spaces, UTF-8): the same for the same content."""
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def content_hash(record: Any) -> str:
    """SHA-256 (hex) of :func:`canonical_json`."""
    return hashlib.sha256(canonical_json(record)).hexdigest()


def now_utc() -> str:
    """The current time as ``YYYY-MM-DDTHH:MM:SSZ``."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class EventRef:
    """Which event, independent of load order: its ``eventID`` ("" when it has none) and content hash."""

    event_id: str
    digest: str

    @classmethod
    def of(cls, record: Any) -> "EventRef":
        event_id = record.get("eventID") if isinstance(record, dict) else None
        return cls(event_id if isinstance(event_id, str) else "", content_hash(record))

    def to_json(self) -> dict[str, str]:
        return {"event_id": self.event_id, "sha256": self.digest}

    @classmethod
    def from_json(cls, data: Any) -> "EventRef":
        if not isinstance(data, dict) or not isinstance(data.get("sha256"), str):
            raise ValueError("an event reference needs event_id and sha256")
        return cls(str(data.get("event_id") or ""), data["sha256"])


@dataclass(frozen=True)
class Bookmark:
    """One piece of evidence."""

    ref: EventRef
    note: str = ""
    tags: tuple[str, ...] = ()
    filter: str = ""
    """The filter on screen when the event was bookmarked (how it was found)."""
    event_time: str = ""
    """The event's ``eventTime`` (the report's timeline order; kept so it sorts without loading)."""
    created: str = field(default_factory=now_utc)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["ref"] = self.ref.to_json()
        data["tags"] = list(self.tags)
        return data

    @classmethod
    def from_json(cls, data: Any) -> "Bookmark":
        if not isinstance(data, dict):
            raise ValueError("a bookmark must be an object")
        tags = data.get("tags") or []
        if not isinstance(tags, list):
            raise ValueError("bookmark tags must be a list")
        return cls(
            ref=EventRef.from_json(data.get("ref")),
            note=str(data.get("note") or ""),
            tags=tuple(str(t) for t in tags),
            filter=str(data.get("filter") or ""),
            event_time=str(data.get("event_time") or ""),
            created=str(data.get("created") or ""),
        )


def parse_tags(text: str) -> tuple[str, ...]:
    """Tags typed as ``a, b c`` (commas or spaces), in order, without duplicates or empties."""
    seen: list[str] = []
    for tag in text.replace(",", " ").split():
        if tag not in seen:
            seen.append(tag)
    return tuple(seen)


class Bookmarks:
    """The bookmarks of an investigation, one per event, in the order they were made."""

    def __init__(self, items: Iterable[Bookmark] = ()) -> None:
        self._items: dict[EventRef, Bookmark] = {}
        for item in items:
            self._items[item.ref] = item

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(list(self._items.values()))

    def __contains__(self, ref: object) -> bool:
        return ref in self._items

    def get(self, ref: EventRef) -> Optional[Bookmark]:
        return self._items.get(ref)

    def put(self, bookmark: Bookmark) -> None:
        """Add a bookmark, or update the one on the same event (its creation time is kept)."""
        old = self._items.get(bookmark.ref)
        self._items[bookmark.ref] = replace(bookmark, created=old.created) if old is not None else bookmark

    def remove(self, ref: EventRef) -> bool:
        return self._items.pop(ref, None) is not None

    def timeline(self) -> list[Bookmark]:
        """Bookmarks in event-time order (ties: the order they were made)."""
        return sorted(self._items.values(), key=lambda b: b.event_time)

    def to_json(self) -> list[dict[str, Any]]:
        return [b.to_json() for b in self._items.values()]

    @classmethod
    def from_json(cls, data: Any) -> "Bookmarks":
        if not isinstance(data, list):
            raise ValueError("bookmarks must be a list")
        return cls(Bookmark.from_json(item) for item in data)


def bookmark_event(session: "Session", row: int, note: str = "", tags: Sequence[str] = (),
                   filter_text: str = "") -> Bookmark:
    """A bookmark for the event at ``row``."""
    record = session.record(row)
    event_time = record.get("eventTime") if isinstance(record, dict) else None
    return Bookmark(EventRef.of(record), note.strip(), tuple(tags), filter_text.strip(),
                    event_time if isinstance(event_time, str) else "")


def locate(session: "Session", ref: EventRef) -> Optional[int]:
    """The row holding the referenced event, or None when no loaded event has that content."""
    backend = session.backend
    if ref.event_id:
        row = backend.row_of_event_id(ref.event_id)
        if row is not None and content_hash(session.record(row)) == ref.digest:
            return row
        # Several events may share an id (redelivered with different content): ask for all of them.
        text = f"select(.eventID == {json.dumps(ref.event_id)})"
    else:
        text = "select(.eventID == null)"
    view = session.view(text, sort=None, columns=[], reading="select")
    if view is None:
        return None
    for row, record in zip(view.rows, backend.records(view.rows)):
        if content_hash(record) == ref.digest:
            return row
    return None


def inputs_key(paths: Sequence[str]) -> str:
    """A stable name for a set of inputs (their absolute paths, sorted)."""
    absolute = sorted(os.path.abspath(p) for p in paths if p != "-")
    return hashlib.sha256("\n".join(absolute).encode("utf-8", "surrogateescape")).hexdigest()[:32]


def state_dir(environ: Optional[dict[str, str]] = None) -> Path:
    """``$XDG_STATE_HOME/trailtui`` (``~/.local/state/trailtui`` by default)."""
    env = os.environ if environ is None else environ
    base = env.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(base) / "trailtui"


def autosave_path(paths: Sequence[str], environ: Optional[dict[str, str]] = None) -> Optional[Path]:
    """Where the bookmarks of these inputs are kept between runs (None for stdin alone or no inputs)."""
    if not [p for p in paths if p != "-"]:
        return None
    return state_dir(environ) / "bookmarks" / f"{inputs_key(paths)}.json"


AUTOSAVE_FORMAT = "trailtui-bookmarks"


def save_autosave(path: Path, paths: Sequence[str], bookmarks: Bookmarks) -> None:
    """Write the bookmarks of these inputs (a private file, replaced atomically)."""
    data = {
        "format": AUTOSAVE_FORMAT,
        "version": 1,
        "inputs": sorted(os.path.abspath(p) for p in paths if p != "-"),
        "bookmarks": bookmarks.to_json(),
    }
    write_private(path, json.dumps(data, indent=1, ensure_ascii=False) + "\n")


def load_autosave(path: Optional[Path]) -> Bookmarks:
    """The bookmarks kept for these inputs (empty when there are none or the file is unusable)."""
    if path is None:
        return Bookmarks()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != AUTOSAVE_FORMAT:
            return Bookmarks()
        return Bookmarks.from_json(data.get("bookmarks", []))
    except (OSError, ValueError, AttributeError):
        return Bookmarks()
