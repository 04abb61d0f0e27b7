"""``trailtui hunt`` and ``trailtui report``: the headless side of hunts and evidence reports.

Both import only the engine (no Textual), print results on stdout (terminal-safe on a terminal, exact
bytes into a pipe) or to ``-o FILE`` written atomically, and diagnostics on stderr, one line each.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Sequence

from .cli import _engine_arguments, _Output, _session, _warn, load_reporting, run_command
from .engine.errors import UsageError

HUNT_HELP = """\
Run the hunts (named jq filters for suspicious activity) over CloudTrail logs and say which fired.

Hunts: the built-in library (trailtui/hunts/builtin.toml), then your own in
$XDG_CONFIG_HOME/trailtui/hunts/*.toml (default ~/.config/trailtui/hunts), then --hunts FILE (a team's
file); same format; a hunt with an existing id replaces it. A malformed file is reported (file:line) and
skipped; the other hunts still run.

Output: one row per hunt that fired (--all: every hunt) with its severity, ATT&CK techniques, hit count and
first/last eventTime; aggregate hunts also count the groups (actors, windows) that fired.

Exit codes: 0 no hunt fired; 1 at least one hunt fired; 2 bad usage or a malformed hunt file (the other
hunts still ran and printed); 4 nothing could be read.
"""

REPORT_HELP = """\
Write the evidence report of a saved investigation (ctrl+s in the app saves one).

The report lists the bookmarked events in event-time order, each with its note, tags, the filter that
found it, its provenance (input file and position) and its JSON, then the size and SHA-256 of every input
file, so that another responder can verify every line from the raw logs. The inputs are loaded again from
the paths in the session file and checked against the sizes and hashes recorded when it was saved.

Exit codes: 0 written; 1 written, but an input changed or a bookmarked event was not found (the report
says which); 2 bad usage or an unreadable session file.
"""


def build_hunt_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="trailtui hunt", description=HUNT_HELP,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*", metavar="PATH", help="inputs (default: - when stdin is piped)")
    parser.add_argument("--format", choices=("table", "json", "md"), default="table", help="output format (default table)")
    parser.add_argument("--hunts", action="append", default=[], metavar="FILE", help="also read hunts from FILE (repeatable)")
    parser.add_argument("--no-user-hunts", action="store_true", help="ignore the hunts in the config directory")
    parser.add_argument("--only", metavar="IDS", help="comma-separated hunt ids to run (default: all)")
    parser.add_argument("--all", action="store_true", help="list every hunt, also those that did not fire")
    parser.add_argument("--list", action="store_true", help="list the hunts (id, severity, ATT&CK, title) and exit")
    parser.add_argument("-o", "--output", metavar="FILE", help="write to FILE (atomically) instead of stdout")
    parser.add_argument("--force", action="store_true", help="with -o, replace FILE if it exists")
    _engine_arguments(parser)
    return parser


def hunt_main(argv: list[str]) -> int:
    return run_command(build_hunt_parser(), argv, _run_hunt, failed=4, write_failed=2)


def _run_hunt(options: argparse.Namespace) -> int:
    from .engine import hunts

    library = hunts.load_library(options.hunts, include_user=not options.no_user_hunts)
    for problem in library.problems:
        _warn(f"hunt file skipped: {problem.message}")
    selected = library.hunts
    if options.only:
        wanted = [i.strip() for i in options.only.split(",") if i.strip()]
        unknown = [i for i in wanted if library.get(i) is None]
        if unknown:
            raise UsageError(f"unknown hunt id {unknown[0]!r}", "trailtui hunt --list shows them")
        selected = [h for h in selected if h.id in wanted]
    if options.list:
        with _Output(options.output, options.force) as out:
            _write_hunt_list(selected, options.format, out)
        return 2 if library.problems else 0
    paths = options.paths or (["-"] if not sys.stdin.isatty() else [])
    if not paths:
        raise UsageError("no input: give a PATH (file, directory, glob) or pipe events to stdin")
    session = _session(options, paths)
    fatal = load_reporting(session, paths)
    if len(session) == 0 and fatal:
        _warn("nothing could be read")
        return 4
    rows = []
    for result in hunts.run_hunts(session, selected):
        if result.error:
            _warn(f"hunt {result.hunt.id}: {result.error}")
        first, last = hunts.time_range(session, result.rows)
        rows.append((result, first, last))
    order = {h.id: i for i, h in enumerate(selected)}
    rows.sort(key=lambda r: order[r[0].hunt.id])
    fired = [r for r in rows if r[0].fired]
    shown = rows if options.all else fired
    with _Output(options.output, options.force) as out:
        _write_results(shown, len(session), options.format, out)
    session.close()
    if library.problems or any(r[0].error for r in rows):
        return 2
    return 1 if fired else 0


def _attack(hunt: Any) -> str:
    return ",".join(hunt.attack)


def _write_hunt_list(selected: Sequence[Any], fmt: str, out: _Output) -> None:
    from .engine import export

    if fmt == "json":
        out.json.write(json.dumps([{"id": h.id, "title": h.title, "why": h.why, "attack": list(h.attack),
                                    "severity": h.severity, "kind": h.kind, "filter": h.program(),
                                    "origin": h.origin} for h in selected], ensure_ascii=False, indent=1) + "\n")
        return
    export.write_rows("md" if fmt == "md" else "table", ["id", "severity", "attack", "kind", "title", "origin"],
                      [[h.id, h.severity, _attack(h), h.kind, h.title, h.origin] for h in selected], out.text)


def _write_results(rows: Sequence[tuple[Any, str, str]], total: int, fmt: str, out: _Output) -> None:
    from .engine import export

    if fmt == "json":
        data = {
            "events": total,
            "fired": sum(1 for r in rows if r[0].fired),
            "hunts": [
                {"id": r.hunt.id, "title": r.hunt.title, "severity": r.hunt.severity, "attack": list(r.hunt.attack),
                 "kind": r.hunt.kind, "hits": r.count, "groups": r.groups if r.hunt.is_aggregate else None,
                 "first": first or None, "last": last or None, "filter": r.event_filter(),
                 "error": r.error or None}
                for r, first, last in rows
            ],
        }
        out.json.write(json.dumps(data, ensure_ascii=False, indent=1) + "\n")
        return
    headers = ["id", "severity", "hits", "groups", "first", "last", "attack", "title"]
    cells = [[r.hunt.id, r.hunt.severity, r.count, len(r.groups) if r.hunt.is_aggregate else "", first, last,
              _attack(r.hunt), r.hunt.title] for r, first, last in rows]
    export.write_rows("md" if fmt == "md" else "table", headers, cells, out.text)
    if not rows and fmt == "table":
        out.text.write(f"no hunt fired on {total:,} events\n")


# -- report ----------------------------------------------------------------------------------------


def build_report_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="trailtui report", description=REPORT_HELP,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("session_file", metavar="SESSION", help="a session file saved by the app (ctrl+s)")
    parser.add_argument("--format", choices=("md", "html"), help="md or html (default: from -o's extension, else md)")
    parser.add_argument("-o", "--output", metavar="FILE", help="write to FILE (atomically) instead of stdout")
    parser.add_argument("--force", action="store_true", help="with -o, replace FILE if it exists")
    _engine_arguments(parser)
    return parser


def report_main(argv: list[str]) -> int:
    return run_command(build_report_parser(), argv, _run_report, failed=2, write_failed=2)


def load_investigation(path: str, options: Any) -> tuple[Any, Any, list[Any]]:
    """The investigation file, a Session with its inputs loaded, and the inputs that changed."""
    from .engine import sessionfile

    investigation = sessionfile.load(path)
    changes = sessionfile.check_inputs(investigation.inputs)
    for change in changes:
        _warn(f"input changed since the session was saved: {change}")
    paths = investigation.paths
    if not paths:
        raise UsageError(f"{path}: the session names no inputs")
    session = _session(options, paths)
    load_reporting(session, paths)
    return investigation, session, changes


def _run_report(options: argparse.Namespace) -> int:
    from .engine import report

    investigation, session, changes = load_investigation(options.session_file, options)
    built = report.build(session, investigation, changes, session_path=options.session_file)
    for entry in built.missing:
        _warn(f"bookmarked event {entry.bookmark.ref.event_id or entry.bookmark.ref.digest[:16]} not found in the inputs")
    text = report.render(built, report.format_for(options.output, options.format))
    with _Output(options.output, options.force) as out:
        out.text.write(text)
    session.close()
    return 1 if changes or built.missing else 0

