"""Investigation files: everything needed to hand an investigation to a colleague, as one JSON file.

Schema (``format: "trailtui-session"``, ``version: 1``)::

    {"format", "version", "saved" (UTC), "tool",
     "paths": [the paths as given: files, directories, globs],
     "inputs": [{"path", "size", "mtime", "sha256"} for every file those paths name],
     "view":  {"filter", "sort": {"key", "descending"}, "columns": [Column fields] | null, "reading",
               "selected": EventRef | null, "crumb", "note"},
     "back":  [view, ...]            (the back stack, oldest first),
     "marks": [EventRef, ...],
     "bookmarks": [Bookmark, ...],
     "notes": "free text"}

Events are referenced by ``eventID`` + content hash (``bookmarks.EventRef``), never by row number, so a
session restores on another machine, another backend, or after the files were reopened in another order.
:func:`check_inputs` says which input files differ from when the session was saved (missing, other size,
other content). Writes are atomic (``safefile``). Nothing here imports Textual.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from typing import Any, Optional, Sequence

from .bookmarks import Bookmarks, EventRef, now_utc
from .columns import Column
from .errors import TrailError
from .safefile import atomic_write

FORMAT = "trailtui-session"
VERSION = 1


class SessionFileError(TrailError):
    """A session file that cannot be read (names the file and why)."""


@dataclass(frozen=True)
class SavedView:
    """One view of the investigation (the screen's ``ViewState`` without Textual)."""

    filter: str = ""
    sort_key: str = "time"
    descending: bool = False
    columns: Optional[tuple[Column, ...]] = None
    reading: Optional[str] = None
    selected: Optional[EventRef] = None
    crumb: str = ""
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "filter": self.filter,
            "sort": {"key": self.sort_key, "descending": self.descending},
            "columns": None if self.columns is None else [asdict(c) for c in self.columns],
            "reading": self.reading,
            "selected": self.selected.to_json() if self.selected is not None else None,
            "crumb": self.crumb,
            "note": self.note,
        }

    @classmethod
    def from_json(cls, data: Any) -> "SavedView":
        if not isinstance(data, dict):
            raise ValueError("a view must be an object")
        sort = data.get("sort") or {}
        columns = data.get("columns")
        reading = data.get("reading")
        return cls(
            filter=str(data.get("filter") or ""),
            sort_key=str(sort.get("key") or "time"),
            descending=bool(sort.get("descending")),
            columns=None if columns is None else tuple(Column(**c) for c in columns),
            reading=reading if reading in ("select", "project") else None,
            selected=EventRef.from_json(data["selected"]) if data.get("selected") else None,
            crumb=str(data.get("crumb") or ""),
            note=str(data.get("note") or ""),
        )


@dataclass(frozen=True)
class InputFile:
    """One input file as it was when the session was saved."""

    path: str
    size: int
    mtime: float
    sha256: str


@dataclass
class InvestigationFile:
    """The content of a session file."""

    paths: list[str]
    inputs: list[InputFile] = field(default_factory=list)
    view: SavedView = field(default_factory=SavedView)
    back: list[SavedView] = field(default_factory=list)
    marks: list[EventRef] = field(default_factory=list)
    bookmarks: Bookmarks = field(default_factory=Bookmarks)
    notes: str = ""
    saved: str = ""

    def to_json(self) -> dict[str, Any]:
        from .. import __version__

        return {
            "format": FORMAT,
            "version": VERSION,
            "saved": self.saved or now_utc(),
            "tool": f"trailtui {__version__}",
            "paths": list(self.paths),
            "inputs": [asdict(i) for i in self.inputs],
            "view": self.view.to_json(),
            "back": [v.to_json() for v in self.back],
            "marks": [m.to_json() for m in self.marks],
            "bookmarks": self.bookmarks.to_json(),
            "notes": self.notes,
        }

    @classmethod
    def from_json(cls, data: Any) -> "InvestigationFile":
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError("not a trailtui session file (no \"format\": \"trailtui-session\")")
        version = data.get("version")
        if not isinstance(version, int) or version > VERSION:
            raise ValueError(f"session format version {version!r} is newer than this trailtui reads ({VERSION})")
        return cls(
            paths=[str(p) for p in data.get("paths") or []],
            inputs=[InputFile(str(i["path"]), int(i["size"]), float(i["mtime"]), str(i["sha256"]))
                    for i in data.get("inputs") or []],
            view=SavedView.from_json(data.get("view") or {}),
            back=[SavedView.from_json(v) for v in data.get("back") or []],
            marks=[EventRef.from_json(m) for m in data.get("marks") or []],
            bookmarks=Bookmarks.from_json(data.get("bookmarks") or []),
            notes=str(data.get("notes") or ""),
            saved=str(data.get("saved") or ""),
        )


def sha256_file(path: str, chunk: int = 1 << 20) -> str:
    """SHA-256 (hex) of a file's bytes as stored on disk (a ``.gz`` is hashed compressed)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while True:
            block = handle.read(chunk)
            if not block:
                break
            digest.update(block)
    return digest.hexdigest()


def describe_inputs(paths: Sequence[str]) -> list[InputFile]:
    """Every file ``paths`` name (directories walked and globs expanded as the loader does), hashed."""
    from .loader import expand_paths
    from .loading.paths import Input

    out: list[InputFile] = []
    seen: set[str] = set()
    for item in expand_paths([p for p in paths if p != "-"]):
        if not isinstance(item, Input) or item.fs_path is None:
            continue
        absolute = os.path.abspath(item.fs_path)
        if absolute in seen:
            continue
        seen.add(absolute)
        st = os.stat(absolute)
        out.append(InputFile(absolute, st.st_size, st.st_mtime, sha256_file(absolute)))
    return out


@dataclass(frozen=True)
class InputChange:
    """An input that is not as it was: ``what`` is ``missing``, ``size`` or ``content``."""

    path: str
    what: str

    def __str__(self) -> str:
        reasons = {"missing": "is missing", "size": "has another size", "content": "has other content (SHA-256)"}
        return f"{self.path} {reasons.get(self.what, self.what)}"


def check_inputs(inputs: Sequence[InputFile]) -> list[InputChange]:
    """The inputs that changed since they were recorded (hashing only when size and mtime agree is not
    enough to be sure: every file is hashed)."""
    changes: list[InputChange] = []
    for item in inputs:
        try:
            st = os.stat(item.path)
        except OSError:
            changes.append(InputChange(item.path, "missing"))
            continue
        if st.st_size != item.size:
            changes.append(InputChange(item.path, "size"))
        elif sha256_file(item.path) != item.sha256:
            changes.append(InputChange(item.path, "content"))
    return changes


def save(path: str, investigation: InvestigationFile, *, force: bool = False) -> None:
    """Write the session file atomically (``force`` to replace an existing file)."""
    text = json.dumps(investigation.to_json(), indent=1, ensure_ascii=False) + "\n"
    atomic_write(path, text, force=force)


def load(path: str) -> InvestigationFile:
    """Read a session file. Raises :class:`SessionFileError` naming the file and the reason."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except OSError as err:
        raise SessionFileError(f"{path}: cannot read: {err.strerror or err}") from None
    except ValueError as err:
        raise SessionFileError(f"{path}: not JSON: {err}") from None
    try:
        return InvestigationFile.from_json(data)
    except (ValueError, KeyError, TypeError) as err:
        raise SessionFileError(f"{path}: {err}") from None
