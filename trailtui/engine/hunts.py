"""Hunts: named jq filters for "what bad things happened here?", and their hits on the loaded events.

A :class:`Hunt` is data (``trailtui/hunts/builtin.toml`` ships 28 per-event hunts, the CloudTrail guide's
§5.1 filters verbatim, plus aggregate ones). Users add their own in ``$XDG_CONFIG_HOME/trailtui/hunts/*.toml``
and teams share a file (``--hunts FILE``); both use the built-in format. A user hunt with a built-in id
replaces it (that is how a hunt is edited). A malformed file is reported (file and line) and skipped: the
built-in hunts are never hidden by it.

Two kinds:

* ``event``: ``filter`` selects events. Its hits are the rows :meth:`Session.view` selects, so both
  backends answer it (the columnar one in SQL where it can).
* ``aggregate``: ``filter`` selects candidate events, ``group`` keys them, ``summary`` describes a group and
  ``having`` decides which groups fire. :meth:`Hunt.program` states the whole hunt as one jq program over
  ``{"Records": [...]}``; the engine runs exactly that program on the candidates, and the hunt's hits are
  the candidates whose key is in a fired group (:meth:`Hunt.event_filter` is the same set as a per-event
  filter, so the screen can show it like any other).

Nothing here imports Textual.
"""

from __future__ import annotations

import json
import os

import orjson
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Optional, Sequence

from . import jq
from .errors import QueryError, TrailError
from .prelude import PRELUDE
from .query import compile_query

if TYPE_CHECKING:
    from .backend import Cancelled
    from .session import Session

try:  # Python 3.11+
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

BUILTIN_FILE = Path(__file__).resolve().parent.parent / "hunts" / "builtin.toml"
"""The hunts trailtui ships (package data)."""

SEVERITIES = ("critical", "high", "medium", "low", "info")
"""From most to least urgent; the hunts screen and ``trailtui hunt`` sort by it."""

KINDS = ("event", "aggregate")

_ATTACK_ID = re.compile(r"^T\d{4}(\.\d{3})?$")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")


class HuntFileError(TrailError):
    """A hunt file that cannot be used: ``path``, ``line`` (1-based, 0 unknown) and the reason."""

    def __init__(self, path: str, line: int, reason: str) -> None:
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {reason}", "fix the file; the other hunts are loaded without it")
        self.path = path
        self.line = line
        self.reason = reason


@dataclass(frozen=True)
class Hunt:
    """One hunt (see the module docstring for the two kinds)."""

    id: str
    title: str
    why: str
    attack: tuple[str, ...]
    severity: str
    filter: str
    kind: str = "event"
    group: str = ""
    summary: str = ""
    having: str = ""
    origin: str = "built-in"
    """Where it was defined: ``built-in`` or ``PATH:LINE``."""

    @property
    def is_aggregate(self) -> bool:
        return self.kind == "aggregate"

    @property
    def rank(self) -> int:
        """Position of the severity in :data:`SEVERITIES` (0 is the most urgent)."""
        return SEVERITIES.index(self.severity)

    def program(self) -> str:
        """The hunt as one jq program: the per-event filter, or the aggregate over ``{"Records": [...]}``."""
        if not self.is_aggregate:
            return self.filter
        return f"[.Records[] | {self.filter}] | {self.program_after_filter()}"

    def program_after_filter(self) -> str:
        """An aggregate's program from the array of candidate events on: grouping, summary, condition."""
        summary = self.summary.strip() or "{}"
        return (
            f"group_by({self.group}) "
            f"| map({{key: [.[0] | {self.group}], events: length}} + ({summary})) "
            f"| map(select({self.having}))"
        )

    def event_filter(self, keys: Sequence[Any] = ()) -> str:
        """A per-event filter selecting the hunt's hits: the filter itself, or for an aggregate the
        candidates whose group key (``[GROUP]``, as ``group_by`` keys) is one of ``keys``."""
        if not self.is_aggregate:
            return self.filter
        literal = ", ".join(json.dumps(k, ensure_ascii=False) for k in keys)
        if not keys:
            return f"{self.filter} | select(false)"
        return f"{self.filter} | select([{self.group}] | IN({literal}))"


# -- reading hunt files ----------------------------------------------------------------------------


def _table_lines(text: str) -> list[int]:
    """The 1-based line of each ``[[hunt]]`` header, in order (tomllib keeps no positions)."""
    return [i + 1 for i, line in enumerate(text.splitlines()) if re.match(r"\s*\[\[\s*hunt\s*\]\]", line)]


def _key_line(text: str, start: int, key: str) -> int:
    """The line of ``key = …`` in the table starting at ``start`` (``start`` if not found)."""
    lines = text.splitlines()
    for i in range(start, len(lines)):  # ``start`` is 1-based: index ``start`` is the line after the header
        if re.match(r"\s*\[\[", lines[i]):
            break  # the next table
        if re.match(rf"\s*{re.escape(key)}\s*=", lines[i]):
            return i + 1
    return start


def _check_jq(path: str, line: int, hunt_id: str, what: str, text: str, root: bool = False) -> None:
    try:
        if root or what != "filter":
            jq.compile_program(text, prelude=PRELUDE or None)
        else:
            compile_query(text, "select")
    except QueryError as err:
        raise HuntFileError(path, line, f"hunt {hunt_id}: {what}: {err.reason} at position {err.pos + 1}") from None
    except jq.JqCompileError as err:
        raise HuntFileError(path, line, f"hunt {hunt_id}: {what}: {err.reason}") from None


def parse_hunts(text: str, path: str) -> list[Hunt]:
    """The hunts in one file's ``text`` (``path`` names it in errors). Raises :class:`HuntFileError`."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        match = re.search(r"line (\d+)", str(err))
        raise HuntFileError(path, int(match.group(1)) if match else 0, f"not valid TOML: {err}") from None
    tables = data.get("hunt", [])
    unknown = sorted(set(data) - {"hunt"})
    if unknown:
        raise HuntFileError(path, 0, f"unknown top-level key {unknown[0]!r} (hunts go in [[hunt]] tables)")
    if not isinstance(tables, list):
        raise HuntFileError(path, 0, "`hunt` must be an array of tables: write [[hunt]]")
    starts = _table_lines(text)
    hunts: list[Hunt] = []
    seen: set[str] = set()
    for index, table in enumerate(tables):
        line = starts[index] if index < len(starts) else 0
        hunts.append(_hunt_from_table(table, path, line, text, seen))
    return hunts


_FIELDS = {"id", "title", "why", "attack", "severity", "filter", "kind", "group", "summary", "having"}


def _hunt_from_table(table: Any, path: str, line: int, text: str, seen: set[str]) -> Hunt:
    def fail(reason: str, key: str = "") -> HuntFileError:
        return HuntFileError(path, _key_line(text, line, key) if key and line else line, reason)

    hunt_id = table.get("id")
    if not isinstance(hunt_id, str) or not _ID.match(hunt_id):
        raise fail("each [[hunt]] needs an id: letters, digits, '.', '_' or '-' (up to 40)", "id")
    if hunt_id in seen:
        raise fail(f"hunt id {hunt_id!r} is used twice in this file", "id")
    seen.add(hunt_id)
    unknown = sorted(set(table) - _FIELDS)
    if unknown:
        raise fail(f"hunt {hunt_id}: unknown key {unknown[0]!r} (known: {', '.join(sorted(_FIELDS))})", unknown[0])
    for key in ("title", "filter"):
        if not isinstance(table.get(key), str) or not table[key].strip():
            raise fail(f"hunt {hunt_id}: {key!r} is required and must be a non-empty string", key)
    kind = table.get("kind", "event")
    if kind not in KINDS:
        raise fail(f"hunt {hunt_id}: kind must be one of {', '.join(KINDS)}, not {kind!r}", "kind")
    severity = table.get("severity", "medium")
    if severity not in SEVERITIES:
        raise fail(f"hunt {hunt_id}: severity must be one of {', '.join(SEVERITIES)}, not {severity!r}", "severity")
    attack = table.get("attack", [])
    if isinstance(attack, str):
        attack = [attack]
    if not isinstance(attack, list) or not all(isinstance(a, str) and _ATTACK_ID.match(a) for a in attack):
        raise fail(f"hunt {hunt_id}: attack must list ATT&CK technique ids such as \"T1078.004\"", "attack")
    why = table.get("why", "")
    if not isinstance(why, str):
        raise fail(f"hunt {hunt_id}: 'why' must be a string", "why")
    extra: dict[str, str] = {}
    for key in ("group", "summary", "having"):
        value = table.get(key, "")
        if not isinstance(value, str):
            raise fail(f"hunt {hunt_id}: {key!r} must be a string (a jq expression)", key)
        if kind == "aggregate" and key != "summary" and not value.strip():
            raise fail(f"hunt {hunt_id}: an aggregate hunt needs {key!r}", key if key in table else "kind")
        extra[key] = value
    hunt = Hunt(
        id=hunt_id, title=table["title"].strip(), why=" ".join(why.split()), attack=tuple(attack),
        severity=severity, filter=table["filter"].strip(), kind=kind, origin=f"{path}:{line}" if line else path,
        **extra,
    )
    _check_jq(path, _key_line(text, line, "filter"), hunt_id, "filter", hunt.filter)
    if hunt.is_aggregate:
        for key in ("group", "summary", "having"):
            if extra[key].strip():
                _check_jq(path, _key_line(text, line, key), hunt_id, key, extra[key])
        _check_jq(path, line, hunt_id, "program", hunt.program(), root=True)
    return hunt


def read_hunt_file(path: "str | os.PathLike[str]") -> list[Hunt]:
    """The hunts in one file. Raises :class:`HuntFileError` (unreadable, bad TOML, bad hunt)."""
    name = os.fspath(path)
    try:
        text = Path(name).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
        raise HuntFileError(name, 0, f"cannot read: {reason}") from None
    return parse_hunts(text, name)


def builtin_hunts() -> list[Hunt]:
    """The hunts trailtui ships."""
    return parse_hunts(BUILTIN_FILE.read_text(encoding="utf-8"), "built-in")


def user_hunt_dir(environ: Optional[dict[str, str]] = None) -> Path:
    """``$XDG_CONFIG_HOME/trailtui/hunts`` (``~/.config/trailtui/hunts`` by default)."""
    env = os.environ if environ is None else environ
    base = env.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "trailtui" / "hunts"


@dataclass
class Library:
    """The hunts in effect, and the problems met while reading user and team files."""

    hunts: list[Hunt]
    problems: list[HuntFileError] = field(default_factory=list)

    def get(self, hunt_id: str) -> Optional[Hunt]:
        return next((h for h in self.hunts if h.id == hunt_id), None)


def load_library(extra_files: Iterable[str] = (), user_dir: "Optional[Path | str]" = None,
                 include_user: bool = True) -> Library:
    """Built-in hunts, then the user's (``user_dir``, default :func:`user_hunt_dir`), then ``extra_files``.

    A later hunt with an id already present replaces it in place. A file that fails is skipped whole and
    listed in ``problems``; the hunts from every other file stay.
    """
    by_id: dict[str, Hunt] = {h.id: h for h in builtin_hunts()}
    problems: list[HuntFileError] = []
    files: list[str] = []
    if include_user:
        directory = Path(user_dir) if user_dir is not None else user_hunt_dir()
        if directory.is_dir():
            files.extend(str(p) for p in sorted(directory.glob("*.toml")))
    files.extend(os.fspath(f) for f in extra_files)
    for name in files:
        try:
            for hunt in read_hunt_file(name):
                by_id[hunt.id] = hunt
        except HuntFileError as err:
            problems.append(err)
    return Library(sorted(by_id.values(), key=lambda h: (h.rank, h.id)), problems)


# -- running hunts ---------------------------------------------------------------------------------


@dataclass
class HuntResult:
    """A hunt's answer on the loaded events."""

    hunt: Hunt
    rows: Sequence[int] = ()
    """The events it found (backend rows, load order)."""
    groups: list[dict[str, Any]] = field(default_factory=list)
    """For an aggregate: the groups that fired (``key``, ``events`` and the summary's fields)."""
    error: str = ""
    """Why it could not run (then ``rows`` is empty)."""
    deferred: int = 0
    """For an aggregate not run because it has this many candidates (more than the caller's limit)."""
    errors: int = 0
    """Events on which the filter raised (they count as not matching, as in the table)."""
    elapsed: float = 0.0

    @property
    def count(self) -> int:
        return len(self.rows)

    @property
    def fired(self) -> bool:
        return bool(self.rows) or bool(self.groups)

    def event_filter(self) -> str:
        """A per-event filter showing exactly these hits (what Enter applies on the hunts screen)."""
        return self.hunt.event_filter([g["key"] for g in self.groups])


def _key_text(value: Any) -> bytes:
    """A group key as canonical JSON bytes (equal keys, equal bytes)."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


AGGREGATE_BACKGROUND_LIMIT = 100_000
"""Candidates above which the hunts screen defers an aggregate until asked (reading and grouping them runs
in Python: ~10 s per 100,000 events on the columnar backend; a per-event hunt's count is one SQL query)."""


def run_hunt(session: "Session", hunt: Hunt, cancelled: "Cancelled" = None,
             max_candidates: Optional[int] = None) -> Optional[HuntResult]:
    """Run one hunt through the session (either backend). None when cancelled. An aggregate with more than
    ``max_candidates`` candidate events is not grouped: its result says how many it has (``deferred``)."""
    started = time.perf_counter()
    try:
        view = session.view(hunt.filter, sort=None, columns=[], reading="select", cancelled=cancelled)
    except TrailError as err:
        return HuntResult(hunt, error=str(err), elapsed=time.perf_counter() - started)
    if view is None:
        return None
    result = HuntResult(hunt, rows=view.rows, errors=view.result.errors)
    if hunt.is_aggregate and max_candidates is not None and len(view.rows) > max_candidates:
        result.rows, result.deferred = (), len(view.rows)
    elif hunt.is_aggregate:
        try:
            if not _aggregate(session, hunt, result, cancelled):
                return None
        except (jq.JqRuntimeError, jq.JqCompileError) as err:
            result.rows, result.groups, result.error = (), [], f"aggregate failed: {err}"
    result.elapsed = time.perf_counter() - started
    return result


def _aggregate(session: "Session", hunt: Hunt, result: HuntResult, cancelled: "Cancelled" = None) -> bool:
    """Run the hunt's whole program on its candidates; keep the candidates of the groups that fired.
    False when cancelled (checked while the candidates are read)."""
    candidates = list(result.rows)
    records: list[Any] = []
    for start in range(0, len(candidates), 16384):
        if cancelled is not None and cancelled():
            return False
        records.extend(session.backend.records(candidates[start : start + 16384]))
    program = jq.compile_program(hunt.program(), prelude=PRELUDE or None)
    if compile_query(hunt.filter, "select").kind == "select":
        # The candidates are exactly what `.Records[] | FILTER` yields for a chain of selects (each
        # candidate once, unchanged): group them directly instead of running the filter again.
        program = jq.compile_program(hunt.program_after_filter(), prelude=PRELUDE or None)
        document: Any = records
    else:
        document = {"Records": records}
    groups = [g for out in program.run(document) for g in (out if isinstance(out, list) else [])]
    result.groups = [g for g in groups if isinstance(g, dict) and "key" in g]
    fired = {_key_text(g["key"]) for g in result.groups}
    key_program = jq.compile_program(f"[{hunt.group}]", prelude=PRELUDE or None)
    rows = []
    for row, record in zip(candidates, records):
        key = next(iter(key_program.run(record)), None)
        if _key_text(key) in fired:
            rows.append(row)
    result.rows = rows
    return True


def run_hunts(session: "Session", hunts: Sequence[Hunt], cancelled: "Cancelled" = None,
              max_candidates: Optional[int] = None) -> Iterator[HuntResult]:
    """Each hunt's result in turn, per-event hunts first (they are quick; an aggregate reads every candidate
    event), each kind in the order given. Stops early when cancelled."""
    for hunt in sorted(hunts, key=lambda h: h.is_aggregate):
        if cancelled is not None and cancelled():
            return
        result = run_hunt(session, hunt, cancelled, max_candidates)
        if result is None:
            return
        yield result


def time_range(session: "Session", rows: Sequence[int]) -> tuple[str, str]:
    """The first and last ``eventTime`` among ``rows`` (``("", "")`` for none)."""
    if not rows:
        return "", ""
    times = [t for t in session.backend.display("time", list(rows)) if t]
    return (min(times), max(times)) if times else ("", "")
