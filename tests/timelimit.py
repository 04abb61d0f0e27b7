"""One way for tests to stop a runaway evaluation: ``with time_limit(s):`` raises :class:`TimeLimitExceeded`.

It uses SIGALRM, so it can interrupt pure-Python loops; that only works in the main thread (pytest's, also
under xdist), so elsewhere, or where the platform has no ``setitimer``, the block runs without a limit.
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from typing import Any, Iterator


class TimeLimitExceeded(Exception):
    """The block ran longer than its limit."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def on_alarm(signum: int, frame: Any) -> None:
        raise TimeLimitExceeded()

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
