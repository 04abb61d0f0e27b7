"""The one error type trailtui reports to a person, and its kinds.

Every error the CLI prints and the screen shows derives from :class:`TrailError`: a one-line ``message``
saying what went wrong (naming the file, filter position or option), and an optional ``hint`` saying what
to do next. The CLI prints ``trailtui: <message>`` then the hint; the screen shows both in the filter bar or
a notification. Neither ever shows a traceback for one of these.
"""

from __future__ import annotations


class TrailError(Exception):
    """Something the user can act on: ``message`` (one line) and an optional ``hint``."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class UsageError(TrailError):
    """Bad command-line usage or a bad argument to the engine (the CLI exits 2)."""


class QueryError(TrailError):
    """A filter that cannot be compiled: ``pos`` (0-based, in the text the user typed) and ``reason``."""

    def __init__(self, text: str, pos: int, reason: str, hint: str = "") -> None:
        super().__init__(f"{reason} at position {pos + 1}", hint)
        self.text = text
        self.pos = pos
        self.reason = reason

    def caret(self) -> str:
        """Two lines: the filter's line holding the error, then a caret under the offending character."""
        return caret_lines(self.text, self.pos)


def caret_lines(text: str, pos: int) -> str:
    """The line of ``text`` holding offset ``pos``, then a line with a caret under that character."""
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    if end < 0:
        end = len(text)
    return f"{text[start:end]}\n{' ' * (pos - start)}^"
