"""Command line: ``trailtui [PATH ...]`` opens the app; ``trailtui query ...`` runs headless.

The headless mode imports only the engine (no textual, rich or pyperclip), so it starts fast and runs on
machines without a terminal. stdout carries results only; warnings go to stderr, one line each.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any, Callable, Optional, Sequence

from .engine.errors import TrailError, UsageError

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

--top FIELD[,FIELD...] prints, instead of the events, how many of the selected events have each value
of each field, most first: a facet name (actor = rule R1's actor key, ip, event, source, error, region,
account, agent) or any jq expression starting with "." (counted by the JSON values it yields, like jq's
group_by; "(no value)" when it yields nothing). --histogram INTERVAL (30s, 5m, 1h, 1d, 1w) prints the
selected events per time bucket (eventTime, buckets aligned to the interval in UTC, empty ones included)
with how many failed. Both print in any --format (tsv without one); json/jsonl give objects.

One-shot questions stream: the default output or --format tsv|csv|jsonl of a projection, for a per-event
filter, is printed while the events are read, without building a store (two worker processes on one big
Records file). Not streamed: aggregates, --sort, --pivot, --top, --histogram, --provenance, --columns, -o,
and `-f .eventName`-like filters (write `.Records[] | .eventName`). --backend auto streams unless a cache
of these inputs exists, and builds none; a named --backend answers as before: duckdb builds the cache on
the first question (slower) so that later questions on the same files take well under a second.
TRAILTUI_STREAM=0|1 forces a path.

--engine spark|athena|lake narrows the events on that engine (the filter's selection as SQL, and partition
pruning on the CloudTrail S3 layout), then runs the whole filter here on what comes back: same output, same
order. --explain prints that plan and runs nothing. See the README, "Beyond one machine".

Exit codes: 0 success (also when nothing matched); 2 bad usage or a filter error (position and reason on
stderr); 1 nothing could be read.
"""

FORMATS = ("table", "tsv", "csv", "md", "json", "jsonl", "records")


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
    parser.add_argument("--top", metavar="FIELD[,FIELD...]",
                        help="count the selected events per value of each field, most first (facet name or jq path)")
    parser.add_argument("--histogram", metavar="INTERVAL", help="count the selected events per time bucket (e.g. 5m, 1h)")
    parser.add_argument("--no-header", action="store_true", help="omit the header row (table, tsv, csv, md)")
    parser.add_argument("--max-width", type=int, metavar="N", help="trim table cells to N characters")
    parser.add_argument("--provenance", action="store_true", help="add a column naming each event's file and position")
    parser.add_argument("--keep-duplicates", action="store_true",
                        help="keep exact duplicate events (as jq would print them) instead of dropping them")
    parser.add_argument("-o", "--output", metavar="FILE",
                        help="write to FILE instead of stdout (atomically: the old file stays intact on failure)")
    parser.add_argument("--force", action="store_true", help="with -o, replace FILE if it exists")
    _engine_arguments(parser)
    _remote_arguments(parser)
    parser.add_argument("--explain", action="store_true",
                        help="with --engine spark|athena|lake: print the plan (remote SQL, local residual, "
                             "partitions to read) and run nothing")
    return parser


def _remote_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of the remote engines (see the README, "Beyond one machine")."""
    parser.add_argument("--engine", choices=("local", "spark", "athena", "lake"), default="local",
                        help="where the filter runs: here (local, default), or narrowed on Spark, Athena or "
                             "CloudTrail Lake, then decided exactly here on what comes back")
    parser.add_argument("--table", metavar="NAME", help="remote table (Athena DB.TABLE, Lake event data store ID)")
    parser.add_argument("--delivery-slack", metavar="MINUTES", default="120",
                        help="partition pruning assumes each file was delivered within this many minutes of "
                             "its events (default 120; 'none': never prune on an upper time bound)")


def _slack(options: argparse.Namespace) -> Optional[int]:
    text = str(options.delivery_slack).strip().lower()
    if text == "none":
        return None
    try:
        minutes = float(text)
    except ValueError:
        raise UsageError(f"--delivery-slack wants minutes or 'none', got {options.delivery_slack!r}") from None
    if minutes < 0:
        raise UsageError("--delivery-slack cannot be negative")
    return int(minutes * 60)


def _remote_candidates(options: argparse.Namespace, text: str, paths: Sequence[str], explain: bool) -> Optional[list]:
    """Plan (and with ``explain``, print) a remote run; else run it and return the candidates' files."""
    from .engine.remote import spark
    from .engine.remote.plan import build

    plan = build(text, options.engine, options.table, _slack(options))
    prepared = spark.inputs(paths, plan.partitions, check=not explain) if options.engine == "spark" else None
    if explain:
        from .engine.textsafe import safe_text

        for line in plan.explain(paths, prepared.listing if prepared is not None else None):
            print(safe_text(line))
        if prepared is not None and any(not u.startswith("file://") for u in prepared.uris):
            print("spark reads: " + ", ".join(safe_text(u) for u in prepared.uris if not u.startswith("file://")))
        return None
    if options.engine != "spark":
        from .engine.remote import cloud

        cloud.require(options.engine)
    from .engine.remote.pull import write_candidates

    _warn(f"spark: reading {len(prepared.uris)} files")
    result = spark.scan(plan, paths, spark.stderr_progress, prepared=prepared)
    _warn(f"spark: {result.candidates} candidate records in {result.seconds:.1f} s; the exact filter runs here")
    return write_candidates(result.raws)


def _run_remote_query(options: argparse.Namespace) -> int:
    paths = list(options.paths)
    if not paths or "-" in paths:
        raise UsageError("--engine reads files or folders (or s3a:// URIs), not stdin")
    if options.explain and options.engine == "local":
        raise UsageError("--explain is for --engine spark|athena|lake")
    if options.pivot or options.provenance:
        # both need every loaded event (a pivot's anchor, the original files), not only the candidates
        raise UsageError(f"--{'pivot' if options.pivot else 'provenance'} works on locally loaded events only",
                         "pull the events first (trailtui --engine spark --where FILTER SOURCE), then pivot there")
    try:
        candidates = _remote_candidates(options, options.program or ".", paths, options.explain)
    except KeyboardInterrupt:
        _warn("remote query cancelled")
        return 130
    if candidates is None:
        return 0
    from .engine.remote.pull import remove_candidates

    try:
        options.engine = "local"
        options.paths = candidates
        options.backend = "memory"
        options.remote_empty = not candidates
        return _run_query(options)
    finally:
        remove_candidates(candidates)


def _pull(options: argparse.Namespace) -> str:
    """``trailtui --engine E --where F SOURCE``: the records F selects, in a cache file for the screen."""
    from .engine.remote.pull import pull_path, remove_candidates, select_exact

    if not options.where:
        raise UsageError("--engine needs --where FILTER in the app (the records to pull)")
    paths = list(options.paths)
    if not paths:
        raise UsageError("--engine needs a SOURCE to pull from")
    try:
        candidates = _remote_candidates(options, options.where, paths, False)
    except KeyboardInterrupt:
        _warn("pull cancelled")
        raise SystemExit(130) from None
    assert candidates is not None
    try:
        target = pull_path(options.engine, options.where, paths)
        count = select_exact(candidates, options.where, target, _warn)
    finally:
        remove_candidates(candidates)
    _warn(f"pulled {count} records into {target}")
    return str(target)


def _engine_arguments(parser: argparse.ArgumentParser) -> None:
    from .engine.backend import BACKENDS

    parser.add_argument("--backend", choices=BACKENDS, default=os.environ.get("TRAILTUI_BACKEND", "auto"),
                        help="where events live: memory, duckdb (columnar, cached on disk), or auto (duckdb from "
                             "64 MB of input); default $TRAILTUI_BACKEND or auto")
    parser.add_argument("--no-cache", action="store_true",
                        help="duckdb backend: do not reuse or write the on-disk cache of these inputs")


def _session(options: argparse.Namespace, paths: Sequence[str], dedupe: bool = True) -> Any:
    """A Session on the backend the options ask for (``auto`` decided by the inputs' size)."""
    from .engine.backend import choose_backend, make_backend
    from .engine.session import Session

    name = choose_backend(options.backend, paths)
    extra = {"cache": not options.no_cache} if name == "duckdb" else {}
    return Session(make_backend(name, dedupe=dedupe, **extra))


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point of the ``trailtui`` console script."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "query":
        return query_main(args[1:])
    if args and args[0] in ("hunt", "report"):
        from . import cli_evidence

        return (cli_evidence.hunt_main if args[0] == "hunt" else cli_evidence.report_main)(args[1:])
    if args and args[0] == "generate":
        from .tools import samplegen

        return samplegen.main(args[1:]) or 0
    try:
        _check_app_args(args)
    except UsageError as exc:
        _report(exc)
        return 2
    return app_main(args)


COMMANDS = ("query", "hunt", "report", "generate")
_GLOB = set("*?[")


def _check_app_args(args: list[str]) -> None:
    """Refuse what would start the full-screen app by mistake: a mistyped command, or no terminal.

    A first word that is neither a command nor an existing path (nor a glob, nor ``-``) is a usage error —
    ``trailtui hunt FILE`` must not open FILE in the app. Without a terminal on stdin and stdout (a pipe,
    cron, CI) the app cannot run: say so and point to ``trailtui query``.
    """
    import os

    first = next((a for a in args if not a.startswith("-") or a == "-"), None)
    if first is not None and first == (args[0] if args else None) and first != "-":
        if not os.path.lexists(first) and not (_GLOB & set(first)):
            raise UsageError(
                f"{first!r} is neither a command ({', '.join(COMMANDS)}) nor an existing path",
                "usage: trailtui [PATH ...] to open the app, trailtui query PATH ... for scripts",
            )
    if any(a in ("-h", "--help", "--version") for a in args):
        return
    if not sys.stdout.isatty() or ("-" not in args and not sys.stdin.isatty()):
        raise UsageError(
            "the app needs a terminal, and stdin or stdout is not one",
            "for scripts and pipes use `trailtui query PATH -f FILTER` (see trailtui query --help)",
        )


def app_main(args: list[str]) -> int:
    """Open the terminal UI with ``args`` loaded (the loader pane on the current directory if none)."""
    parser = argparse.ArgumentParser(
        prog="trailtui",
        description="Investigate AWS CloudTrail logs in the terminal. `trailtui query --help` for headless use.",
    )
    parser.add_argument("paths", nargs="*", metavar="PATH", help="files, directories, globs, or - for stdin")
    parser.add_argument("-f", "--filter", dest="program", metavar="PROGRAM", help="start with this jq filter")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    parser.add_argument("--session", metavar="FILE",
                        help="open a saved investigation (its inputs, filter, back stack, marks, bookmarks)")
    parser.add_argument("--hunts", action="append", default=[], metavar="FILE",
                        help="also read hunts from FILE (a team's file; repeatable)")
    _engine_arguments(parser)
    _remote_arguments(parser)
    parser.add_argument("--where", metavar="FILTER",
                        help="with --engine: pull the records FILTER selects from SOURCE and open them")
    options = parser.parse_args(args)
    if options.version:
        from . import __version__

        print(f"trailtui {__version__}")
        return 0
    remote = None
    if options.engine != "local":
        from .engine.remote.widen import RemoteSource

        try:
            remote = RemoteSource.of(options.engine, options.paths, options.where or "", options.table, _slack(options))
            options.paths = [_pull(options)]
        except TrailError as exc:
            _report(exc)
            return 2
        options.backend = "memory"
    stdin_data = None
    if "-" in options.paths:
        stdin_data = sys.stdin.buffer.read()
        if not _reopen_tty_stdin():
            _report(UsageError("no terminal to read keys from after reading stdin",
                               "use `trailtui query - -f FILTER` in a pipe"))
            return 2
    from .ui.app import TrailApp

    investigation = None
    if options.session:
        from .engine import sessionfile

        try:
            investigation = sessionfile.load(options.session)
        except TrailError as exc:
            _report(exc)
            return 2
        options.paths = [*investigation.paths, *options.paths]
    app = TrailApp(paths=options.paths, initial_filter=options.program or "", stdin_data=stdin_data,
                   session=_session(options, options.paths))
    app.investigation = investigation
    app.investigation_path = options.session
    app.hunt_files = options.hunts
    app.remote_source = remote  # W widens a pivot to this source
    app.run()
    return app.return_code or 0


def _reopen_tty_stdin() -> bool:
    """After reading piped events from stdin, give the UI the terminal back for keys (False: none)."""
    import os

    try:
        fd = os.open("/dev/tty", os.O_RDONLY)
    except OSError:
        return False
    os.dup2(fd, 0)
    os.close(fd)
    return True


def _warn(message: str) -> None:
    """One line on stderr; log content, file names and filters in it are shown escaped."""
    from .engine.textsafe import safe_text

    print(f"trailtui: {safe_text(message)}", file=sys.stderr)


def load_reporting(session: Any, paths: Sequence[str]) -> int:
    """Load ``paths`` into ``session`` (``-`` is stdin), telling stderr about every problem, skipped digest
    files and dropped duplicates; returns how many problems were fatal (an input that gave nothing)."""
    from .engine.model import DigestSkipped, Problem

    fatal = digests = 0
    for item in session.load(paths, stdin=sys.stdin.buffer if "-" in paths else None):
        if isinstance(item, Problem):
            fatal += item.fatal
            _warn(item.message)
        elif isinstance(item, DigestSkipped):
            digests += 1
    load_summary(digests, session.backend.duplicates)
    return fatal


def load_summary(digests: int, duplicates: int) -> None:
    """The lines on stderr after a load: skipped digest files, dropped duplicates."""
    if digests:
        _warn(f"skipped {digests} digest file{'s' if digests != 1 else ''} (they hold no events)")
    if duplicates:
        _warn(f"dropped {duplicates} exact duplicate event{'s' if duplicates != 1 else ''}")


def run_command(parser: argparse.ArgumentParser, argv: list[str], run: Callable[[argparse.Namespace], int], *,
                failed: int, write_failed: int,
                write_message: Callable[[argparse.Namespace, OSError], str] = lambda options, exc: str(exc)) -> int:
    """A subcommand's exit code: parse ``argv`` (argparse's own 2 or 0 for ``--help``), ``run`` the options;
    a usage error exits 2, another TrailError ``failed``, a closed pipe 0, an OSError ``write_failed``, each
    said in one line on stderr."""
    try:
        options = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on bad usage and 0 on --help
        return int(exc.code or 0)
    try:
        return run(options)
    except UsageError as exc:
        _report(exc)
        return 2
    except TrailError as exc:
        _report(exc)
        return failed
    except BrokenPipeError:
        return 0
    except OSError as exc:
        _warn(write_message(options, exc))
        return write_failed


def _write_error(options: argparse.Namespace, exc: OSError) -> str:
    from .engine.safefile import WriteError

    # WriteError is one line already: "PATH: reason"
    return str(exc) if isinstance(exc, WriteError) else f"{options.output or 'stdout'}: {exc.strerror or exc}"


def query_main(argv: list[str]) -> int:
    """``trailtui query``: load, filter, print. Returns the process exit code."""
    return run_command(build_query_parser(), argv, _run_query, failed=1, write_failed=1, write_message=_write_error)


def _report(error: TrailError) -> None:
    """One line for the error, then its hint (if any), on stderr."""
    _warn(str(error))
    if error.hint:
        _warn(error.hint)


def _run_query(options: argparse.Namespace) -> int:
    if options.engine != "local" or options.explain:
        return _run_remote_query(options)
    from .engine.columns import resolve
    from .engine.errors import QueryError
    remote_empty = getattr(options, "remote_empty", False)  # a remote run that returned no record
    paths = options.paths if remote_empty else (options.paths or (["-"] if not sys.stdin.isatty() else []))
    if not paths and not remote_empty:
        raise UsageError("no input: give a PATH (file, directory, glob) or pipe events to stdin")
    from .engine.query import compile_query

    try:
        query = compile_query(options.program or ".")
    except QueryError as err:
        _warn(f"filter error: {err}")
        print(err.caret(), file=sys.stderr)
        return 2
    columns = [resolve(name) for name in options.columns.split(",")] if options.columns else None
    sort = _sort_spec(options.sort) if options.sort else None
    summaries = _summary_spec(options)
    if summaries is not None and query.mode == "root":
        raise UsageError("--top and --histogram count events; this filter is an aggregate over .Records")
    if _streams(options, query, paths):
        from .cli_stream import stream_query

        return stream_query(options, query, paths, _jq_select(options, query))

    session = _session(options, paths, dedupe=not options.keep_duplicates)
    fatal = load_reporting(session, paths)
    if len(session) == 0 and fatal:
        _warn("nothing could be read")
        return 1

    within: Optional[Sequence[int]] = _pivot_rows(session, options.pivot) if options.pivot else None
    with _Output(options.output, options.force) as out:
        if query.mode == "root":
            return _emit_root(session, query, within, options, out)
        if summaries is not None:
            view = session.view(query, sort=None, columns=columns, within=within)
            assert view is not None
            if view.result.errors:
                _warn(view.result.error_note() + " (those events were skipped)")
            _emit_summaries(session, view.rows, summaries, options, out)
            return 0
        # Printing like jq, `.Records[] | .x == 1` prints every event's boolean (false included): nothing is
        # filtered out. With --format, the filter is read as everywhere else (a selection when it yields
        # only booleans), so `.Records[] | .x == 1` and `.x == 1` give the same rows.
        select = _jq_select(options, query)
        view = session.view(query, sort=sort, columns=columns, within=within, select=select)
        assert view is not None  # nothing cancels a headless run
        if view.result.errors:
            _warn(view.result.error_note() + " (those events were skipped)")
        if options.format is None:
            _emit_jq(session, view, out)
        else:
            _emit_format(session, view, options, out)
    return 0


def _jq_select(options: argparse.Namespace, query: Any) -> bool:
    """Whether the filter selects events (False: `.Records[] | BOOLEAN` printed like jq, every event's value)."""
    return not (options.format is None and query.records_form and (query.kind == "boolean" or query.reading_open))


def _streams(options: argparse.Namespace, query: Any, paths: Sequence[str]) -> bool:
    """True when this question is answered while the events are read (see ``cli_stream``)."""
    from .cli_stream import wants_stream

    return wants_stream(options, query, paths, _jq_select(options, query))


class _Output:
    """Where results go: stdout (escaped for a terminal) or ``-o FILE`` (written atomically).

    ``text`` takes text results (jq-style lines, TSV, tables), ``json`` JSON text, ``binary`` JSON bytes.
    On a terminal, control and bidi characters from logs are shown escaped (visibly in text, as JSON
    escapes in JSON) and never interpreted; into a file or a pipe the bytes are exact. A file is replaced
    only when everything was written (``--force`` to replace an existing one).
    """

    def __init__(self, path: Optional[str], force: bool) -> None:
        self.path = path
        self.force = force
        self._writer: Any = None

    def __enter__(self) -> "_Output":
        from .engine import export
        from .engine.safefile import atomic_writer

        if self.path:
            self._writer = atomic_writer(self.path, force=self.force)
            handle = self._writer.__enter__()
            self.text = self.json = handle
            self.binary = handle.buffer
        elif sys.stdout.isatty():
            self.text = export.TerminalSafeWriter(sys.stdout)
            self.json = _JsonText(sys.stdout)
            self.binary = export.TerminalSafeJsonWriter(_binary(sys.stdout))
        else:
            self.text = self.json = sys.stdout
            self.binary = _binary(sys.stdout)
        return self

    def __exit__(self, *exc: Any) -> Any:
        if self._writer is not None:
            if exc[0] is None:
                self.text.flush()
            return self._writer.__exit__(*exc)
        self.text.flush()
        return None


def _binary(stream: Any) -> Any:
    """The byte stream under a text stream (a text-only stream gets UTF-8 bytes decoded into it)."""
    buffer = getattr(stream, "buffer", None)
    if buffer is not None:
        return buffer

    class _Decode:
        def write(self, data: bytes) -> int:
            stream.write(bytes(data).decode("utf-8", "replace"))
            return len(data)

        def flush(self) -> None:
            stream.flush()

    return _Decode()


class _JsonText:
    """A text stream for JSON on a terminal: unsafe characters become JSON escapes (the JSON still parses)."""

    def __init__(self, out: Any) -> None:
        self._out = out

    def write(self, text: str) -> int:
        from .engine.textsafe import terminal_safe_json

        self._out.write(terminal_safe_json(text))
        return len(text)

    def flush(self) -> None:
        self._out.flush()


def _sort_spec(spec: str) -> Any:
    from .engine.session import Sort

    name, _, direction = spec.rpartition(":") if spec.rsplit(":", 1)[-1].lower() in _DIRECTIONS else (spec, "", "")
    descending = direction.lower() in ("desc", "d", "descending")
    from .engine.columns import resolve

    resolve(name)  # an unknown column is a usage error before anything loads
    return Sort(name.strip(), descending)


_DIRECTIONS = ("asc", "a", "ascending", "desc", "d", "descending")


def _pivot_rows(session: Any, spec: str) -> list[int]:
    from .engine import pivots

    kind, sep, event_id = spec.partition(":")
    if not sep or not event_id:
        raise UsageError(f"--pivot wants KIND:EVENT_ID, got {spec!r}")
    if kind not in pivots.KINDS:
        raise UsageError(f"unknown pivot kind {kind!r} (one of {', '.join(pivots.KINDS)})")
    row = session.row_of_event_id(event_id)
    if row is None:
        raise UsageError(f"no loaded event has eventID {event_id}")
    pivot = session.pivot(row, kind)
    if pivot is None:
        raise UsageError(f"event {event_id} has no value for the {kind} pivot")
    return list(pivots.pivot_rows(session.backend, pivot))


def _emit_jq(session: Any, view: Any, out: "_Output") -> None:
    write = out.text.write
    event_ids = session.backend

    def on_error(row: int, message: str) -> None:
        _warn(f"event {event_ids.display('event_id', [row])[0] or row}: {message}")

    for line in session.outputs(view, on_error):
        write(line + "\n")


def _emit_root(session: Any, query: Any, rows: Optional[Sequence[int]], options: Any, out: Any) -> int:
    from .engine import jq

    try:
        values = session.run_root(query, rows)
    except jq.JqRuntimeError as err:
        _warn(f"filter error: {err}")
        return 2
    if options.format is None:
        for value in values:
            out.text.write(jq.dumps_raw(value) + "\n")
        return 0
    _write_values(values, None, None, options, out)
    return 0


def _write_values(values: list[Any], headers: Optional[list[str]], provenance: Optional[list[str]],
                  options: Any, out: Any) -> None:
    """Projection outputs (or aggregate results) in a --format."""
    from .engine import export, jq
    from .engine.columns import value_cells

    if options.format in ("json", "jsonl", "records"):
        write = out.json.write
        if options.format == "jsonl":
            for value in values:
                write(jq.dumps(value) + "\n")
        elif options.format == "json":
            write("[" + ",".join(jq.dumps(v) for v in values) + "]\n")
        else:
            write('{"Records":[' + ",".join(jq.dumps(v) for v in values) + "]}\n")
        return
    rows = [value_cells(v) for v in values]
    if headers is None and values and isinstance(values[0], dict):
        headers = list(values[0].keys())
    export.write_rows(options.format, None if options.no_header else headers, rows, out.text,
                      max_width=options.max_width, provenance=provenance)


def _summary_spec(options: Any) -> Optional[tuple[list[Any], Optional[int]]]:
    """The facet fields of --top and the bucket size of --histogram (None when neither was given)."""
    if options.top is None and options.histogram is None:
        return None
    from .engine.facets import resolve_facet
    from .engine.timeline import parse_interval

    fields = [resolve_facet(name) for name in options.top.split(",") if name.strip()] if options.top else []
    if options.top is not None and not fields:
        raise UsageError("--top wants at least one field")
    step = parse_interval(options.histogram) if options.histogram is not None else None
    return fields, step


def _emit_summaries(session: Any, rows: Sequence[int], spec: tuple[list[Any], Optional[int]], options: Any,
                    out: Any) -> None:
    """--top (value counts per field) then --histogram (events per bucket), in the --format asked for."""
    from .engine import facets, timeline

    fields, step = spec
    fmt = options.format or "tsv"
    tables: list[tuple[list[str], list[list[Any]], list[Any]]] = []
    if fields:
        found = facets.facet_counts(session.backend, rows, fields)
        assert found is not None
        body: list[list[Any]] = []
        objects: list[Any] = []
        for facet in found:
            if facet.errors:
                _warn(f"{facet.errors} event{'s' if facet.errors != 1 else ''} raised on {facet.field.name}")
            for item in facet.values:
                shown = item.text if item.value is facets.NO_VALUE else item.value
                body.append([facet.field.name, shown, item.count])
                entry: dict[str, Any] = {"field": facet.field.name}
                if item.value is not facets.NO_VALUE:
                    entry["value"] = item.value
                entry["count"] = item.count
                objects.append(entry)
        tables.append((["field", "value", "count"], body, objects))
    if step is not None:
        histogram = timeline.histogram(session.backend, rows, step=step)
        assert histogram is not None
        if histogram.untimed:
            _warn(f"{histogram.untimed} event{'s' if histogram.untimed != 1 else ''} without a usable eventTime")
        body = []
        objects = []
        for i, (n, failed) in enumerate(zip(histogram.counts, histogram.failures)):
            start = timeline.format_time(histogram.start + i * histogram.step)
            body.append([start, n, failed])
            objects.append({"bucket": start, "count": n, "failures": failed})
        tables.append((["bucket", "count", "failures"], body, objects))
    for i, (headers, body, objects) in enumerate(tables):
        if fmt in ("json", "jsonl", "records"):
            _write_values(objects, None, None, options, out)
            continue
        if i and fmt in ("table", "md"):
            out.text.write("\n")
        from .engine import export

        export.write_rows(fmt, None if options.no_header else headers, body, out.text, max_width=options.max_width)


def _emit_format(session: Any, view: Any, options: Any, out: Any) -> None:
    from .engine import export

    fmt = options.format
    if view.query.is_projection and not options.columns:
        pairs = list(session.projection_rows(view, lambda row, message: _warn(message)))
        provenance = [session.provenance(row) for row, _ in pairs] if options.provenance else None
        _write_values([value for _, value in pairs], view.query.columns, provenance, options, out)
        return
    if fmt in ("json", "jsonl", "records"):
        out.text.flush()
        export.write_records(fmt, session.backend.raws(view.rows), out.binary)
        out.binary.flush()
        return
    provenance = [session.provenance(r) for r in view.rows] if options.provenance else None
    export.write_rows(fmt, None if options.no_header else view.headers, list(view.iter_values()), out.text,
                      max_width=options.max_width, provenance=provenance)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
