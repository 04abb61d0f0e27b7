"""``trailtui query`` answered while the events are read (``engine/oneshot.py``), when nothing needs a store.

Which questions stream (everything else keeps the stored path: load into a backend, then ask it):

* the default output (what ``jq -rc`` prints), or ``--format tsv|csv|jsonl`` of a projection (``[...]``,
  ``{...}``) — formats whose lines do not depend on the other events (``table`` sizes its columns over all
  rows, the default columns need the identity extraction, ``json``/``records`` wrap everything);
* a per-event filter (selects, implicit selects, projections, ``.Records[] | ...``), not an aggregate over
  ``.Records`` and not a filter whose reading (selection or projection) is only known after running it over
  every event (``-f .eventName``; ``.Records[] | .eventName`` streams);
* no ``--sort``, ``--pivot``, ``--top``, ``--histogram``, ``--provenance``, ``--columns``, ``-o FILE`` (the
  file is written atomically after the load; its checks come in that order) or remote ``--engine``;
* stdin (``-``) streams too: it is read once either way.

and the backend is ``auto`` (the default, also ``$TRAILTUI_BACKEND``) with no finished cache database of
these inputs (a cache answers in well under a second). An engine named with ``--backend memory|duckdb``
answers as before: ``duckdb`` builds the cache, for a script that will ask many questions of the same
files. A streamed answer builds no cache (a background build would compete with the script's next command
for the same cores, and a second question arriving during the build would find it locked).

``TRAILTUI_STREAM=1`` streams every question that qualifies whatever the backend and cache,
``TRAILTUI_STREAM=0`` never streams (tests and ``scripts/bench_oneshot.py`` compare the two paths).

stdout, stderr and the exit code are those of the stored path: loader problems as they happen, then the
digest and duplicate counts, the selection errors' summary, and the per-event runtime errors, in that order.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any, Optional, Sequence

STREAM_FORMATS = ("tsv", "csv", "jsonl")
"""``--format`` values a projection can stream in."""


def wants_stream(options: argparse.Namespace, query: Any, paths: Sequence[str], select: bool) -> bool:
    """True when this question is answered while reading (see the module docstring)."""
    from .engine.oneshot import streamable

    force = os.environ.get("TRAILTUI_STREAM", "").strip()
    if force == "0":
        return False
    if options.engine != "local" or getattr(options, "remote_empty", False) or not paths:
        return False
    if options.output or options.sort or options.pivot or options.top is not None or options.histogram is not None:
        return False
    if options.provenance or options.columns:
        return False
    if options.format is not None and not (options.format in STREAM_FORMATS and query.is_projection):
        return False
    if not streamable(query, select):
        return False
    if force == "1":
        return True
    if options.backend != "auto":
        return False  # an engine asked for by name answers (tests, comparisons, building the cache)
    return options.no_cache or not _cached(paths, not options.keep_duplicates)


def _cached(paths: Sequence[str], dedupe: bool) -> bool:
    """True when ``auto`` would pick the columnar backend and a finished cache of these inputs exists."""
    from .engine.backend import choose_backend

    if choose_backend("auto", paths) != "duckdb":
        return False
    from .engine.columnar import cache
    from .engine.loader import expand_paths
    from .engine.model import Problem

    parts = []
    for item in expand_paths(paths):
        if not isinstance(item, Problem) and item.fs_path is None:
            return False  # stdin is never cached
        parts.append(cache.input_part(item.path, isinstance(item, Problem)))
    return (cache.cache_root() / (cache.fingerprint(parts, dedupe) + cache.SUFFIX)).is_file()


def stream_query(options: argparse.Namespace, query: Any, paths: Sequence[str], select: bool) -> int:
    """Print the answer while reading ``paths``; the exit code (1: nothing could be read)."""
    from .cli import _Output, _warn, load_summary
    from .engine import jq
    from .engine.oneshot import EventStream, StreamResult, outputs

    stream = EventStream(paths, dedupe=not options.keep_duplicates,
                         stdin=sys.stdin.buffer if "-" in paths else None,
                         on_problem=lambda problem: _warn(problem.message))
    result = StreamResult()
    projection = options.format is not None
    later: list[str] = []
    """Per-event runtime errors: the stored path tells them after the load's summary lines."""

    def on_error(row: int, event_id: Optional[str], message: str) -> None:
        later.append(message if projection else f"event {event_id or row}: {message}")

    values = outputs(stream, query, select=select, projection=projection, result=result, on_error=on_error)
    end = object()
    first = next(values, end)
    if first is end and stream.rows == 0 and stream.fatal:
        load_summary(stream.digests, stream.duplicates)
        _warn("nothing could be read")
        return 1
    try:
        with _Output(None, False) as out:
            if not projection:
                write = out.text.write
                dumps_raw = jq.dumps_raw
                for value in query.header_outputs:
                    write(dumps_raw(value) + "\n")
                if first is not end:
                    write(dumps_raw(first) + "\n")
                    for value in values:
                        write(dumps_raw(value) + "\n")
            else:
                _write_projection(options, query, first, end, values, out)
    finally:
        load_summary(stream.digests, stream.duplicates)
        if result.errors:
            _warn(result.error_note() + " (those events were skipped)")
        for message in later:
            _warn(message)
    return 0


def _write_projection(options: argparse.Namespace, query: Any, first: Any, end: Any, values: Any, out: Any) -> None:
    """A projection's outputs in ``--format tsv|csv|jsonl``, as ``cli._write_values`` writes them."""
    from itertools import chain

    from .engine import export, jq
    from .engine.columns import value_cells

    rest = values if first is end else chain([first], values)
    if options.format == "jsonl":
        write = out.json.write
        dumps = jq.dumps
        for value in rest:
            write(dumps(value) + "\n")
        return
    headers = query.columns
    if headers is None and first is not end and isinstance(first, dict):
        headers = list(first.keys())
    export.write_rows(options.format, None if options.no_header else headers, (value_cells(v) for v in rest),
                      out.text, max_width=options.max_width)
