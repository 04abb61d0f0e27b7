"""Command line: ``trailtui [PATH ...]`` opens the app; ``trailtui query ...`` runs headless.

The headless mode imports only the engine (no textual, rich or pyperclip), so it starts fast and runs on
machines without a terminal. stdout carries results only; warnings go to stderr, one line each.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, Optional, Sequence

QUERY_HELP = """\
Run a jq filter over CloudTrail logs without the UI.

PATH: files, directories (read recursively, files in sorted path order), glob patterns, or - for stdin.
Every input shape trailtui reads is accepted (S3 .json.gz trees, JSON Lines, lookup-events output,
EventBridge and CloudWatch Logs exports, ...). Exact duplicate events (same eventID and content, as
CloudTrail redelivers) are dropped and counted on stderr; --keep-duplicates keeps them.

Default output is what `jq -rc PROGRAM FILE` prints, in input order: `.Records[] | ...` means "each
loaded event" whatever the file shape, and `... | @tsv` prints TSV lines. A filter without `.Records[]`
runs per event; if it yields booleans it selects events (an implicit select) and prints them.

Formats (--format): table (aligned columns with a header), tsv, csv, md (Markdown table), json (one
array), jsonl (one value per line), records ({"Records": [...]}, loadable again by trailtui and jq).
With a projection (`[...]` or `{...}` at the end of the filter) the columns come from it; otherwise the
default columns, or --columns: names of default columns (time, event, source, actor, account, region,
ip, error, agent, read_only, event_id, actor_key, ip_key) or jq paths, e.g.
--columns time,actor,.requestParameters.bucketName

--pivot KIND:EVENT_ID selects the events related to that event, by the same rules as the app's pivots:
user (rule R1 actor), ip (R5), key (R3 access key, including the event that minted it), session (R4),
event (same event name), resource (ARNs, buckets/keys, instance ids). Combined with -f when both given.

Exit codes: 0 success (also when nothing matched); 2 bad usage or a filter error (position and reason on
stderr); 1 nothing could be read.
"""

DEFAULT_COLUMNS = ["time", "event", "source", "actor", "account", "region", "ip", "error", "agent"]
COLUMN_LABELS = {
    "time": "Time",
    "event": "Event",
    "source": "Source",
    "actor": "Actor",
    "account": "Account",
    "region": "Region",
    "ip": "Source IP",
    "error": "Error",
    "agent": "User agent",
    "read_only": "Read only",
    "event_id": "Event ID",
    "actor_key": "Actor key",
    "ip_key": "IP key",
}
FORMATS = ("table", "tsv", "csv", "md", "json", "jsonl", "records")


class UsageError(Exception):
    """Bad command-line usage (exit code 2)."""


def build_query_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="trailtui query",
        description=QUERY_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("paths", nargs="*", metavar="PATH", help="inputs (default: - when stdin is piped)")
    parser.add_argument("-f", "--filter", dest="program", metavar="PROGRAM", help="jq filter (default: every event)")
    parser.add_argument("--format", choices=FORMATS, help="output format (default: exactly like jq -rc)")
    parser.add_argument("--columns", metavar="LIST", help="comma-separated default column names or jq paths")
    parser.add_argument("--sort", metavar="FIELD[:desc]", help="sort by a column name or jq path (stable)")
    parser.add_argument("--pivot", metavar="KIND:EVENT_ID", help="events related to EVENT_ID (user|ip|key|session|event|resource)")
    parser.add_argument("--no-header", action="store_true", help="omit the header row (table, tsv, csv, md)")
    parser.add_argument("--max-width", type=int, metavar="N", help="trim table cells to N characters")
    parser.add_argument("--provenance", action="store_true", help="add a column naming each event's file and position")
    parser.add_argument("--keep-duplicates", action="store_true",
                        help="keep exact duplicate events (as jq would print them) instead of dropping them")
    parser.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point of the ``trailtui`` console script."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "query":
        return query_main(args[1:])
    if args and args[0] == "generate":
        from .engine import samplegen

        return samplegen.main(args[1:]) or 0
    return app_main(args)


def app_main(args: list[str]) -> int:
    """Open the terminal UI with ``args`` loaded (the loader pane on the current directory if none)."""
    parser = argparse.ArgumentParser(
        prog="trailtui",
        description="Investigate AWS CloudTrail logs in the terminal. `trailtui query --help` for headless use.",
    )
    parser.add_argument("paths", nargs="*", metavar="PATH", help="files, directories, globs, or - for stdin")
    parser.add_argument("-f", "--filter", dest="program", metavar="PROGRAM", help="start with this jq filter")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    options = parser.parse_args(args)
    if options.version:
        from . import __version__

        print(f"trailtui {__version__}")
        return 0
    stdin_data = None
    if "-" in options.paths:
        stdin_data = sys.stdin.buffer.read()
        _reopen_tty_stdin()
    from .ui.app import TrailApp

    app = TrailApp(paths=options.paths, initial_filter=options.program or "", stdin_data=stdin_data)
    app.run()
    return app.return_code or 0


def _reopen_tty_stdin() -> None:
    """After reading piped events from stdin, give the UI the terminal back for keys."""
    import os

    try:
        fd = os.open("/dev/tty", os.O_RDONLY)
    except OSError:
        return
    os.dup2(fd, 0)
    os.close(fd)


def _warn(message: str) -> None:
    print(f"trailtui: {message}", file=sys.stderr)


def query_main(argv: list[str]) -> int:
    """``trailtui query``: load, filter, print. Returns the process exit code."""
    parser = build_query_parser()
    try:
        options = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on bad usage and 0 on --help
        return int(exc.code or 0)
    try:
        return _run_query(options)
    except UsageError as exc:
        _warn(str(exc))
        return 2
    except BrokenPipeError:
        return 0


def _run_query(options: argparse.Namespace) -> int:
    from .engine import loader, query as q
    from .engine.model import DigestSkipped, Problem, RecordBatch
    from .engine.store import EventStore

    paths = options.paths or (["-"] if not sys.stdin.isatty() else [])
    if not paths:
        raise UsageError("no input: give a PATH (file, directory, glob) or pipe events to stdin")
    program = options.program or "."
    try:
        compiled = q.compile_query(program)
    except q.QueryError as err:
        print(f"trailtui: filter error: {err.reason} at position {err.pos + 1}", file=sys.stderr)
        print(err.caret(), file=sys.stderr)
        return 2

    store = EventStore(dedupe=not options.keep_duplicates)
    fatal = 0
    digests = 0
    for item in loader.load(paths, stdin=sys.stdin.buffer if "-" in paths else None):
        if isinstance(item, RecordBatch):
            store.add_batch(item)
        elif isinstance(item, Problem):
            fatal += item.fatal
            _warn(item.message)
        elif isinstance(item, DigestSkipped):
            digests += 1
    if digests:
        _warn(f"skipped {digests} digest file{'s' if digests != 1 else ''} (they hold no events)")
    if store.stats.duplicates:
        _warn(f"dropped {store.stats.duplicates} exact duplicate event{'s' if store.stats.duplicates != 1 else ''}")
    if len(store) == 0 and fatal:
        _warn("nothing could be read")
        return 1

    rows: Optional[Sequence[int]] = None
    if options.pivot:
        rows = _pivot_rows(store, options.pivot)

    out = open(options.output, "w", encoding="utf-8", newline="") if options.output else sys.stdout
    try:
        if compiled.mode == "root":
            return _emit_root(compiled, store, rows, options, out)
        if compiled.records_form and compiled.kind == "boolean":
            # jq prints the booleans of every event (false included): nothing is filtered out.
            selected: Sequence[int] = rows if rows is not None else range(len(store))
        else:
            result = q.run_filter(store, compiled, within=rows)
            if result.errors:
                _warn(result.error_note() + " (those events were skipped)")
            selected = result.rows
        if options.sort:
            selected = _sorted(store, compiled, selected, options.sort)
        if options.format is None:
            _emit_jq(compiled, store, selected, out)
        else:
            _emit_format(compiled, store, selected, options, out)
    finally:
        if out is not sys.stdout:
            out.close()
    return 0


def _pivot_rows(store: Any, spec: str) -> list[int]:
    from .engine import pivots

    kind, sep, event_id = spec.partition(":")
    if not sep or not event_id:
        raise UsageError(f"--pivot wants KIND:EVENT_ID, got {spec!r}")
    if kind not in pivots.KINDS:
        raise UsageError(f"unknown pivot kind {kind!r} (one of {', '.join(pivots.KINDS)})")
    row = store.row_of_event_id(event_id)
    if row is None:
        raise UsageError(f"no loaded event has eventID {event_id}")
    pivot = pivots.pivot_for(store, row, kind)
    if pivot is None:
        raise UsageError(f"event {event_id} has no value for the {kind} pivot")
    return list(pivots.pivot_rows(store, pivot))


def _sorted(store: Any, compiled: Any, rows: Sequence[int], spec: str) -> Sequence[int]:
    name, _, direction = spec.partition(":")
    descending = direction.lower() in ("desc", "d", "descending")
    if direction and not descending and direction.lower() not in ("asc", "a", "ascending"):
        raise UsageError(f"--sort direction must be asc or desc, got {direction!r}")
    key = _column_getter(store, name)
    return store.sorted_rows(rows, descending=descending, key_func=key)


def _column_getter(store: Any, name: str):
    """row -> sortable value for a default column name or a jq path."""
    from .engine.sortkey import sort_key

    _label, needs_record, value = _resolve_column(store, name)
    if not needs_record:
        return store.field(name).__getitem__
    return lambda row: sort_key(value(row, store.record(row)))


def _resolve_column(store: Any, name: str) -> tuple[str, bool, Any]:
    """(header, needs the record, (row, record) -> value) for a default column name or a jq path."""
    from .engine import jq, query as q

    if name in COLUMN_LABELS:
        column = store.field(name)
        return COLUMN_LABELS[name], False, lambda row, record: column[row]
    if not name.startswith("."):
        raise UsageError(f"unknown column {name!r}: use one of {', '.join(COLUMN_LABELS)} or a jq path starting with '.'")
    try:
        program = jq.compile_program(name, prelude=q.PRELUDE or None)
    except jq.JqCompileError as err:
        raise UsageError(f"bad column path {name!r}: {err.reason}") from None

    def value(row: int, record: Any) -> Any:
        try:
            return next(iter(program.run(record)), None)
        except jq.JqRuntimeError as err:
            return f"error: {err}"

    return name, True, value


def _emit_jq(compiled: Any, store: Any, rows: Sequence[int], out: Any) -> None:
    from .engine import jq, query as q

    write = out.write
    dumps_raw = jq.dumps_raw
    for value in compiled.header_outputs:
        write(dumps_raw(value) + "\n")
    for row, record in zip(rows, store.records(rows)):
        try:
            for value in q.event_outputs(compiled, record):
                write(dumps_raw(value) + "\n")
        except jq.JqRuntimeError as err:
            _warn(f"event {store.field('event_id')[row] or row}: {err}")


def _emit_root(compiled: Any, store: Any, rows: Optional[Sequence[int]], options: Any, out: Any) -> int:
    from .engine import jq, query as q

    try:
        values = list(q.run_root(compiled, store, rows))
    except jq.JqRuntimeError as err:
        _warn(f"filter error: {err}")
        return 2
    if options.format is None:
        for value in values:
            out.write(jq.dumps_raw(value) + "\n")
        return 0
    _write_values(values, None, options, out)
    return 0


def _write_values(values: list[Any], headers: Optional[list[str]], options: Any, out: Any) -> None:
    from .engine import export, jq

    if options.format in ("json", "jsonl", "records"):
        if options.format == "jsonl":
            for value in values:
                out.write(jq.dumps(value) + "\n")
        elif options.format == "json":
            out.write("[" + ",".join(jq.dumps(v) for v in values) + "]\n")
        else:
            out.write('{"Records":[' + ",".join(jq.dumps(v) for v in values) + "]}\n")
        return
    from .engine.query import value_cells

    rows = [value_cells(v) for v in values]
    if headers is None and values and isinstance(values[0], dict):
        headers = list(values[0].keys())
    export.write_rows(options.format, None if options.no_header else headers, rows, _text_out(out),
                      max_width=options.max_width)


def _text_out(out: Any) -> Any:
    """Wrap a terminal so control characters from logs are shown escaped, never interpreted."""
    from .engine import export

    if hasattr(out, "isatty") and out.isatty():
        return export.TerminalSafeWriter(out)
    return out


def _emit_format(compiled: Any, store: Any, rows: Sequence[int], options: Any, out: Any) -> None:
    from .engine import export, jq, query as q

    fmt = options.format
    if compiled.kind == "project":
        values = []
        for record in store.records(rows):
            try:
                values.extend(v for v in compiled.projection.run(record))
            except jq.JqRuntimeError as err:
                _warn(str(err))
        if fmt in ("json", "jsonl", "records"):
            _write_values(values, compiled.columns, options, out)
            return
        cells = [q.value_cells(v) for v in values]
        provenance = [store.provenance(r) for r in rows] if options.provenance else None
        export.write_rows(fmt, None if options.no_header else compiled.columns, cells, _text_out(out),
                          max_width=options.max_width, provenance=provenance)
        return
    if fmt in ("json", "jsonl", "records"):
        raw = (store.raw(r) for r in rows)
        if out is sys.stdout:
            out.flush()
            export.write_records(fmt, raw, sys.stdout.buffer)
            sys.stdout.buffer.flush()
        else:
            buffer = getattr(out, "buffer", None)
            if buffer is not None:
                out.flush()
                export.write_records(fmt, raw, buffer)
                buffer.flush()
        return
    names = [c.strip() for c in options.columns.split(",")] if options.columns else DEFAULT_COLUMNS
    resolved = [_resolve_column(store, name) for name in names]
    headers = [label for label, _, _ in resolved]
    getters = [value for _, _, value in resolved]
    needs_record = any(needs for _, needs, _ in resolved)
    records = store.records(rows) if needs_record else (None for _ in rows)
    table = [[g(row, rec) for g in getters] for row, rec in zip(rows, records)]
    provenance = [store.provenance(r) for r in rows] if options.provenance else None
    export.write_rows(fmt, None if options.no_header else headers, table, _text_out(out),
                      max_width=options.max_width, provenance=provenance)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
