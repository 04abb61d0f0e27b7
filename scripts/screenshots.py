"""Regenerate the pictures in screenshots/ by driving the app on the bundled sample.

    .venv/bin/python scripts/screenshots.py            # SVG and PNG, 160x50
    .venv/bin/python scripts/screenshots.py --size 80x24

Each picture is an SVG from Textual's own screenshot, plus a PNG rendered with cairosvg using a
monospace font this machine has (the SVG asks for Fira Code, which is rarely installed).
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from trailtui.ui.app import TrailApp  # noqa: E402
from trailtui.ui.pilot import settle  # noqa: E402

SAMPLE = REPO / "samples" / "cloudtrail_log.json"
OUT = REPO / "screenshots"


PROJECTION = (
    '.Records[] | select(.eventSource == "s3.amazonaws.com" and .requestParameters.bucketName=="wareville-care4wares")'
    ' | [.eventTime, .eventName, .userIdentity.userName // "N/A",.requestParameters.bucketName // "N/A",'
    ' .requestParameters.key // "N/A", .sourceIPAddress // "N/A"]'
)


def to_png(svg: Path) -> Path:
    import cairosvg

    text = svg.read_text(encoding="utf-8")
    text = re.sub(r"Fira Code", "DejaVu Sans Mono", text)
    png = svg.with_suffix(".png")
    cairosvg.svg2png(bytestring=text.encode("utf-8"), write_to=str(png))
    return png


INCIDENT = 'select(ip_key == "ip:53.94.201.69")'


@asynccontextmanager
async def sample_app(size: tuple[int, int], suffix: str, only: frozenset[str], written: list[Path],
                     remote: Any = None) -> AsyncIterator[tuple[Any, Any, Any, Callable[[str], None]]]:
    """The app on the bundled sample, settled, with ``save(name)``: a screenshot ``name<suffix>.svg`` (skipped
    when ``only`` names others), appended to ``written``. ``remote``: the app's remote source (for ``W``)."""
    app = TrailApp(paths=[str(SAMPLE)])
    app.remote_source = remote
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot, after=0.3)

        def save(name: str) -> None:
            if only and name not in only:
                return
            path = OUT / f"{name}{suffix}.svg"
            app.save_screenshot(filename=path.name, path=str(OUT))
            written.append(path)

        yield app, pilot, app.main_screen, save


async def shoot(size: tuple[int, int], suffix: str, only: frozenset[str] = frozenset()) -> list[Path]:
    from trailtui.ui.widgets.event_table import EventTable
    from trailtui.ui.widgets.filter_bar import FilterBar

    written: list[Path] = []
    async with sample_app(size, suffix, only, written) as (app, pilot, screen, save):

        save("main")

        bar = screen.query_one(FilterBar)
        bar.value = 'select(outcome != "Success")'
        await settle(app, pilot, after=0.3)
        screen.query_one(EventTable).focus()
        save("failures")

        bar = screen.query_one(FilterBar)
        bar.value = PROJECTION
        await settle(app, pilot, after=0.3)
        screen.query_one(EventTable).focus()
        save("filter-projection")

        bar.value = '.userIdentity.userName == "glitch"'
        await settle(app, pilot, after=0.3)
        table = screen.query_one(EventTable)
        table.focus()
        for _ in range(3):
            await pilot.press("down")
        await pilot.press("i")
        await settle(app, pilot, after=0.3)
        save("pivot-ip")

        await pilot.press("enter")
        await pilot.pause(0.5)
        save("detail")
        await pilot.press("escape")
        await pilot.pause(0.2)

        await pilot.press("o")
        await pilot.pause(0.5)
        save("loader")
        await pilot.press("o")
        await pilot.pause(0.2)

        screen.query_one(EventTable).focus()
        await pilot.press("question_mark")
        await pilot.pause(0.5)
        save("help")
        await pilot.press("escape")
        await pilot.pause(0.2)

        # The Wareville incident's address: facets (who, what) and the timeline of the 13:12-13:34 burst.
        bar.value = INCIDENT
        await settle(app, pilot, after=0.3)
        await pilot.press("T")
        await settle(app, pilot, after=0.3)
        await pilot.press("escape")  # the table has the keys again; the timeline marks the selected row
        for _ in range(2):
            await pilot.press("down")
        await pilot.press("f")
        await settle(app, pilot, after=0.3)
        save("facets")
        await pilot.press("f")  # hide the pane (it has the keys)
        await settle(app, pilot, after=0.3)
        await pilot.press("T")  # to the timeline: anchor at the first bucket, extend over the sign-in
        await pilot.press("home", "space", *["right"] * 12)
        await pilot.pause(0.3)
        save("timeline")
    return written


EVIDENCE_PICTURES = frozenset({"hunts", "bookmark-dialog", "bookmarks"})


async def shoot_evidence(size: tuple[int, int], suffix: str, only: frozenset[str] = frozenset()) -> list[Path]:
    """The hunts screen with its counts, the bookmark dialog and the bookmarks list."""
    import os
    import tempfile

    from trailtui.ui.screens.hunts import HuntsScreen
    from trailtui.ui.widgets.event_table import EventTable
    from trailtui.ui.widgets.filter_bar import FilterBar

    os.environ["XDG_STATE_HOME"] = tempfile.mkdtemp()  # no autosaved bookmarks from earlier runs
    os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp()  # the built-in hunts only
    written: list[Path] = []
    async with sample_app(size, suffix, only, written) as (app, pilot, screen, save):

        await pilot.press("H")
        hunts_screen = app.screen
        assert isinstance(hunts_screen, HuntsScreen)
        for _ in range(200):
            if len(hunts_screen.cache) == len(hunts_screen.library.hunts):
                break
            await pilot.pause(0.05)
        await pilot.press("down", "down")
        await pilot.pause(0.3)
        save("hunts")
        await pilot.press("escape")
        await pilot.pause(0.2)

        for text, note, tags in [
            ('.eventName == "ConsoleLogin" and .userIdentity.userName == "glitch" and .responseElements.ConsoleLogin == "Success"',
             "glitch signs in without MFA",
             "initial-access T1078.004"),
            ('.eventName == "AttachUserPolicy"', "mcskidy's key attaches AdministratorAccess to glitch from glitch's IP",
             "privesc T1098.003"),
        ]:
            screen.query_one(FilterBar).value = text
            await settle(app, pilot, after=0.3)
            screen.query_one(EventTable).focus()
            await pilot.press("m")
            await pilot.pause(0.2)
            app.screen.query_one("#bookmark-note").value = note
            app.screen.query_one("#bookmark-tags").value = tags
            await pilot.pause(0.2)
            if note.startswith("glitch"):
                save("bookmark-dialog")
            await pilot.press("enter")
            await settle(app, pilot, after=0.2)
        await pilot.press("M")
        await pilot.pause(0.5)
        save("bookmarks")
    return written


WIDEN_PICTURES = frozenset({"widen-plan"})


async def shoot_widen(size: tuple[int, int], suffix: str, only: frozenset[str] = frozenset()) -> list[Path]:
    """``W`` on a user pivot: the plan shown before anything runs (planning only: no Spark needed)."""
    from trailtui.engine.remote.partitions import DEFAULT_SLACK
    from trailtui.engine.remote.widen import RemoteSource

    written: list[Path] = []
    remote = RemoteSource.of("spark", [str(SAMPLE)], 'select(.eventName == "ConsoleLogin")', None, DEFAULT_SLACK)
    async with sample_app(size, suffix, only, written, remote) as (app, pilot, screen, save):
        await pilot.press("u")
        await settle(app, pilot, after=0.3)
        await pilot.press("W")
        for _ in range(100):
            if type(app.screen).__name__ == "WidenDialog":
                break
            await pilot.pause(0.05)
        await pilot.pause(3.5)  # the "Planning…" toast has gone
        save("widen-plan")
    return written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="160x50", help="terminal size WIDTHxHEIGHT")
    parser.add_argument("--no-png", action="store_true", help="only write SVG files")
    parser.add_argument("--only", default="", help="comma-separated picture names to write (default: all)")
    options = parser.parse_args()
    width, height = (int(x) for x in options.size.split("x"))
    suffix = "" if (width, height) == (160, 50) else f"-{width}x{height}"
    OUT.mkdir(exist_ok=True)
    only = frozenset(name for name in options.only.split(",") if name)
    shots = asyncio.run(shoot((width, height), suffix, only))
    if not only or only & EVIDENCE_PICTURES:
        shots += asyncio.run(shoot_evidence((width, height), suffix, only))
    if not only or only & WIDEN_PICTURES:
        shots += asyncio.run(shoot_widen((width, height), suffix, only))
    for svg in shots:
        print(svg.relative_to(REPO))
        if not options.no_png:
            print(to_png(svg).relative_to(REPO))
    return 0


if __name__ == "__main__":
    sys.exit(main())
