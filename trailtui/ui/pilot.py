"""Driving the app with Textual's Pilot: what tests, the screenshot script and the benchmark share."""

from __future__ import annotations

from typing import Any

WORK_GROUPS = ("load", "filter", "copy", "clipboard", "export", "facets", "timeline", "find", "hunts", "restore",
               "save-session", "report", "autosave", "hunts-asked")
"""Worker groups whose work a caller waits for (the directory tree's own worker never finishes)."""


async def settle(app: Any, pilot: Any, after: float = 0.05, limit: float = 20.0) -> None:
    """Wait until the app's own workers are done and no load runs, then ``after`` seconds more.

    Pending messages are processed first, so work that a just-sent key or value change is about to start
    (a filter worker) is waited for too.
    """
    await pilot.pause()
    for _ in range(int(limit / 0.05)):
        busy = [w for w in app.workers if w.group in WORK_GROUPS and not w.is_finished]
        if not busy and app.main_screen is not None and not app.main_screen.is_loading:
            break
        await pilot.pause(0.05)
    await pilot.pause(after)


async def type_text(pilot: Any, text: str) -> None:
    """Press one key per character (space by name)."""
    for char in text:
        await pilot.press("space" if char == " " else char)


async def apply_filter(app: Any, pilot: Any, text: str) -> None:
    """Open the filter bar, type ``text``, press Enter and wait for the view (after the app settles)."""
    await settle(app, pilot)
    await pilot.press("slash")
    await type_text(pilot, text)
    await pilot.press("enter")
    await settle(app, pilot)
