"""What one run of a program sees of its caller: ``input_filename`` and where ``debug``/``stderr`` write.

jq's CLI knows the file an input came from and writes ``debug`` and ``stderr`` messages to its standard
error. A trailtui caller passes these per run (``Program.run(value, filename=..., on_debug=...,
on_stderr=...)``); the builtins read them from ``current()``. The value lives in a ``ContextVar`` that
``Program.run`` sets only around each step of the lazy output iterator, so interleaved runs (two
iterators consumed alternately, or in threads) each see their own context.

Defaults match the jq CLI without a file: ``input_filename`` is null and messages go to ``sys.stderr``.
"""

from __future__ import annotations

import sys
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Callable, Optional

MessageSink = Callable[[str], None]


def _to_stderr_line(text: str) -> None:
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def _to_stderr_raw(text: str) -> None:
    sys.stderr.write(text)
    sys.stderr.flush()


@dataclass(frozen=True)
class RunContext:
    """``filename``: what ``input_filename`` yields. ``on_debug(line)`` receives what jq prints for
    ``debug`` (``["DEBUG:",<value>]``, no newline); ``on_stderr(text)`` what jq prints for ``stderr``
    (the input compact, a string raw, no newline)."""

    filename: Any = None
    on_debug: MessageSink = _to_stderr_line
    on_stderr: MessageSink = _to_stderr_raw


DEFAULT = RunContext()
_CURRENT: ContextVar[RunContext] = ContextVar("trailtui_jq_run_context", default=DEFAULT)


def current() -> RunContext:
    return _CURRENT.get()


def make(filename: Any = None, on_debug: Optional[MessageSink] = None,
         on_stderr: Optional[MessageSink] = None) -> RunContext:
    """A context from ``Program.run``'s keyword arguments (``None`` keeps the default)."""
    if filename is None and on_debug is None and on_stderr is None:
        return DEFAULT
    return RunContext(filename, on_debug or DEFAULT.on_debug, on_stderr or DEFAULT.on_stderr)


def stepped(ctx: RunContext, it: Any) -> Any:
    """Iterate ``it`` with ``ctx`` current during each step only."""
    it = iter(it)
    while True:
        token = _CURRENT.set(ctx)
        try:
            x = next(it)
        except StopIteration:
            return
        finally:
            _CURRENT.reset(token)
        yield x
