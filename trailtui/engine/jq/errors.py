"""Exceptions raised by the jq engine (compile-time and run-time)."""

from __future__ import annotations

from typing import Any


class JqError(Exception):
    """Base class of every error the jq engine raises."""


class JqCompileError(JqError):
    """A program that cannot be compiled; ``pos`` is the 0-based offset in the source."""

    def __init__(self, reason: str, pos: int, source: str = "") -> None:
        self.reason = reason.splitlines()[0] if reason else reason
        self.pos = pos
        self.source = source
        super().__init__(f"{self.reason} (at offset {pos})")

    def caret(self) -> str:
        """Two lines: the source line holding the error, then a caret under the offending character."""
        from ..errors import caret_lines

        return caret_lines(self.source, self.pos)


class JqSyntaxError(JqCompileError):
    """The program text does not parse (or names an undefined function/variable)."""


class JqUnsupported(JqCompileError):
    """A valid jq construct this engine deliberately does not implement."""

    def __init__(self, construct: str, pos: int, source: str = "") -> None:
        super().__init__(f"not supported: {construct}", pos, source)
        self.construct = construct


class JqRuntimeError(JqError):
    """An error raised while running a program; ``value`` is the jq error value."""

    def __init__(self, value: Any) -> None:
        self.value = value
        super().__init__(value)

    def __str__(self) -> str:
        v = self.value
        if isinstance(v, str):
            return v
        from .values import dumps

        if v is None:
            return "null (null)"
        return dumps(v) + " (not a string)"


class BreakSignal(Exception):
    """Internal: ``break $label`` unwinding to its ``label`` (never escapes a Program)."""

    def __init__(self, label: object) -> None:
        self.label = label
        super().__init__("break")
