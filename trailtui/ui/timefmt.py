"""How the Time column shows an event time: as logged (UTC), in local time, or as the gap to the row above.

CloudTrail logs ``eventTime`` in UTC (``2024-11-24T00:03:17Z``). A responder correlating with other
sources may want local time; one reading a burst of activity wants the gaps. Text that is not an ISO
time is shown unchanged. Pure functions: the table calls them for the rows on screen only.
"""

from __future__ import annotations

from datetime import datetime, timezone
from functools import lru_cache
from typing import Optional

MODES = ("utc", "local", "relative")
"""The cycle ``t`` walks through."""


def next_mode(mode: str) -> str:
    return MODES[(MODES.index(mode) + 1) % len(MODES)] if mode in MODES else MODES[0]


@lru_cache(maxsize=4096)
def parse(text: str) -> Optional[datetime]:
    """An aware datetime from ISO 8601 text (``Z`` or an offset; no offset means UTC), else None."""
    if not text or not text[:4].isdigit():
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def local_zone() -> str:
    """The local time zone as shown on screen: its name and offset, e.g. ``CET UTC+01:00``."""
    now = datetime.now().astimezone()
    offset = now.strftime("%z")
    name = now.tzname() or ""
    text = f"UTC{offset[:3]}:{offset[3:]}" if offset else "UTC"
    return f"{name} {text}" if name and not name.startswith(("UTC", "+", "-")) else text


def header(mode: str, label: str = "Time") -> str:
    """The Time column's header for a mode: the zone in use is always on screen."""
    if mode == "local":
        return f"{label} {local_zone()}"
    if mode == "relative":
        return "Gap to row above"
    return f"{label} UTC"


def gap(seconds: float) -> str:
    """``+0.5s``, ``+42s``, ``+3m05s``, ``+2h03m``, ``+4d07h``; a negative gap gets ``-``."""
    sign = "-" if seconds < 0 else "+"
    seconds = abs(seconds)
    if seconds < 10 and seconds != int(seconds):
        return f"{sign}{seconds:.1f}s"
    whole = int(seconds)
    if whole < 60:
        return f"{sign}{whole}s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{sign}{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{sign}{hours}h{minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{sign}{days}d{hours:02d}h"


def show(text: str, mode: str, previous: Optional[str] = None) -> str:
    """``text`` (an event time) as ``mode`` shows it; ``previous`` is the time on the row above."""
    moment = parse(text)
    if moment is None or mode == "utc":
        return text
    if mode == "local":
        return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S")
    before = parse(previous) if previous else None
    if before is None:
        return text  # the first row: the absolute time the gaps start from
    return gap((moment - before).total_seconds())
