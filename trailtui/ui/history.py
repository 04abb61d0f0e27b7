"""Persisted history of submitted filter expressions (pure Python, no Textual).

The file holds one entry per line, oldest first, with backslashes, newlines and carriage returns escaped,
so a multi-line jq program survives a round trip. A missing, unreadable or unwritable file never raises:
history is a convenience and must not stop the app.

Privacy: the file is written atomically as mode 0600 in a 0700 directory (`safefile.write_private`: a
planted ``history.tmp`` or a symlinked file is never followed). Filters that look like they hold a
secret are kept for the session's up/down walk but never written to disk (`looks_secret`): an AWS secret
access key (40 base64 characters with upper- and lower-case letters), an AWS session token, a private
key block, or a ``password``/``passwd``/``secret``/``token``/``api_key`` followed by ``=``/``:`` and a value.
An access key id on its own (``AKIA…``/``ASIA…``) is an identifier investigators filter by, and is kept.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from trailtui.engine.safefile import WriteError, write_private

MAX_ENTRIES = 500
"""How many entries are kept (the oldest are dropped first)."""


def default_history_path() -> Path:
    """Return `$XDG_STATE_HOME/trailtui/history`, or `~/.local/state/trailtui/history` when unset."""
    state_home = os.environ.get("XDG_STATE_HOME", "")
    # The XDG spec says relative values must be ignored.
    base = Path(state_home) if state_home and os.path.isabs(state_home) else Path.home() / ".local" / "state"
    return base / "trailtui" / "history"


_SECRET_PATTERNS = (
    re.compile(r"(?<![A-Za-z0-9/+=])(?=[A-Za-z0-9/+=]*[A-Z])(?=[A-Za-z0-9/+=]*[a-z])[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])"),
    re.compile(r"\b(?:FwoGZXIvYXdz|IQoJb3JpZ2lu)[A-Za-z0-9/+=]{20,}"),  # STS session tokens
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    re.compile(
        r"(?i)\b(?:password|passwd|pwd|secret|secret[_-]?access[_-]?key|token|session[_-]?token|api[_-]?key)"
        r"\b[\"']?\s*(?:==?|:)\s*[\"']?[^\s\"',)]{3,}"
    ),
)


def looks_secret(text: str) -> bool:
    """True when a filter seems to hold a credential (see the module docstring): it is not saved."""
    return any(pattern.search(text) for pattern in _SECRET_PATTERNS)


def escape_entry(text: str) -> str:
    """Encode one entry as a single line."""
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")


def unescape_entry(line: str) -> str:
    """Decode a line written by `escape_entry`; an unknown escape is kept literally."""
    out: list[str] = []
    chars = iter(line)
    for char in chars:
        if char != "\\":
            out.append(char)
            continue
        following = next(chars, "")
        out.append({"n": "\n", "r": "\r", "\\": "\\"}.get(following, "\\" + following))
    return "".join(out)


class FilterHistory:
    """Filter expressions the user submitted, most recent first, with an up/down walking cursor.

    Args:
        path: The history file; `None` means `default_history_path()`.
        limit: The maximum number of entries kept.
    """

    def __init__(self, path: Path | str | None = None, limit: int = MAX_ENTRIES) -> None:
        self.path = Path(path) if path is not None else default_history_path()
        self.limit = limit
        self.last_error: str | None = None
        """The last read or write error, for display; `None` when the file behaved."""
        self._entries: list[str] = self._read()
        self._unsaved: set[str] = set()
        """Entries that looked like secrets (`looks_secret`): in memory only."""
        self._walk_index = -1
        self._draft = ""

    @property
    def entries(self) -> list[str]:
        """The entries, most recent first (a copy)."""
        return list(self._entries)

    @property
    def walking(self) -> bool:
        """True while the user is stepping through history with older()/newer()."""
        return self._walk_index >= 0

    def _read(self) -> list[str]:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return []
        except OSError as error:
            self.last_error = f"cannot read {self.path}: {error.strerror or error}"
            return []
        text = raw.decode("utf-8", errors="replace")
        oldest_first = [unescape_entry(line) for line in text.splitlines() if line.strip()]
        newest_first: list[str] = []
        for entry in reversed(oldest_first):
            if not newest_first or newest_first[-1] != entry:
                newest_first.append(entry)
        return newest_first[: self.limit]

    def _write(self) -> None:
        kept = [entry for entry in reversed(self._entries) if entry not in self._unsaved]
        lines = "".join(escape_entry(entry) + "\n" for entry in kept)
        try:
            write_private(self.path, lines)
        except WriteError as error:
            self.last_error = f"cannot write {error}"
        except OSError as error:
            self.last_error = f"cannot write {self.path}: {error.strerror or error}"
        else:
            self.last_error = None

    def add(self, text: str) -> bool:
        """Record a submitted expression and persist it; return False if it was blank or a repeat.

        Adding also ends any walk, so the next `older()` starts from the newest entry.
        """
        self.reset()
        if not text.strip():
            return False
        if self._entries and self._entries[0] == text:
            return False
        self._entries.insert(0, text)
        del self._entries[self.limit :]
        if looks_secret(text):
            self._unsaved.add(text)  # walkable this session, never written
            return True
        self._write()
        return True

    def reset(self) -> None:
        """Stop walking (e.g. after the user edits the recalled text)."""
        self._walk_index = -1
        self._draft = ""

    def older(self, current: str) -> str | None:
        """Step back one entry; `current` is remembered as the draft on the first step.

        Returns None when there is nothing older (the caller keeps its text).
        """
        if self._walk_index + 1 >= len(self._entries):
            return None
        if self._walk_index < 0:
            self._draft = current
        self._walk_index += 1
        # Skip an entry equal to what is already shown, so one press always changes the text.
        if self._entries[self._walk_index] == current and self._walk_index + 1 < len(self._entries):
            self._walk_index += 1
        return self._entries[self._walk_index]

    def newer(self) -> str | None:
        """Step forward one entry; past the newest, return the draft and stop walking.

        Returns None when not walking.
        """
        if self._walk_index < 0:
            return None
        self._walk_index -= 1
        if self._walk_index < 0:
            draft = self._draft
            self.reset()
            return draft
        return self._entries[self._walk_index]
