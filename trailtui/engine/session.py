"""The one door to the engine for the screen, the CLI, tests and benchmarks.

A :class:`Session` owns a backend (``backend.py``: the in-memory store or the columnar DuckDB engine) and
answers every question the product asks:

* ``load(paths)`` streams the loader's progress while the backend stores the events;
* ``view(filter, sort=…, columns=…)`` compiles a jq filter, lets the backend select the rows, sorts them and
  returns a :class:`View`: the rows in display order, the columns, and the cells of any row on demand;
* ``record``/``raw``/``provenance`` read one event; ``pivots(row)`` lists the pivots from it;
* ``outputs``/``projection_rows``/``run_root`` give headless output exactly as jq prints it;
* ``command_line(...)`` reproduces a view as a ``jq`` and a ``trailtui query`` command.

Nothing here knows about Textual. The screen runs these calls in worker threads; everything a call needs
is passed in, so a worker never reads a widget.
"""

from __future__ import annotations

import gc
import shlex
import time
from array import array
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Optional, Sequence

from . import jq, pivots
from .backend import Backend, Cancelled, make_backend
from .columns import Column, cell_text, default_columns, projection_columns, resolve
from .errors import UsageError
from .model import LoadItem
from .prelude import PRELUDE, PRELUDE_FUNCTIONS
from .query import EventQuery, FilterResult, cells_of, compile_query, event_outputs, function_names, run_root
from .sortkey import sort_key

BLOCK = 64
"""Rows whose cells a view computes together (one backend round trip, one decode run)."""
CACHED_BLOCKS = 64
"""Blocks of cells a view keeps (about 4,000 rows: several screens either side of the cursor)."""
BULK_ROWS = 1 << 20
"""Rows whose cells export and headless output ask for at once (a backend that computes a projection's cells
in SQL answers each request in one query, quicker the more rows it has)."""


@dataclass(frozen=True)
class Sort:
    """Order of a view: a column key (display field, ``#n`` or a jq path) and its direction."""

    key: str = "time"
    descending: bool = False


class View:
    """The answer to one question: which events, in which order, shown how.

    ``rows`` are backend row numbers in display order. Cells are computed for the rows asked for only (a
    table on screen asks for ~50), in blocks, and cached; a view of a million rows costs its row array.
    """

    def __init__(
        self,
        session: "Session",
        query: EventQuery,
        rows: Sequence[int],
        columns: Sequence[Column],
        result: FilterResult,
        sort: Optional[Sort],
        sort_ms: float = 0.0,
    ) -> None:
        self.session = session
        self.query = query
        self.rows = rows
        self.columns = list(columns)
        self.result = result
        self.sort = sort
        self.sort_ms = sort_ms
        self._blocks: OrderedDict[int, list[list[Any]]] = OrderedDict()
        self._texts: OrderedDict[int, list[list[str]]] = OrderedDict()
        self._outcomes: OrderedDict[int, list[str]] = OrderedDict()

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def headers(self) -> list[str]:
        return [column.label for column in self.columns]

    @property
    def reading(self) -> str:
        """``select`` when the filter chose events (explicitly or by yielding booleans), else ``project``."""
        return "project" if self.query.kind == "project" else "select"

    @property
    def elapsed_ms(self) -> float:
        """Time to select and sort the rows."""
        return self.result.elapsed * 1000 + self.sort_ms

    def row_id(self, pos: int) -> int:
        return self.rows[pos]

    def position_of(self, row_id: int) -> Optional[int]:
        """The view position of a backend row, or None (a C-speed scan: ~1 ms per million rows)."""
        try:
            return self.rows.index(row_id)
        except ValueError:
            return None

    def values(self, pos: int) -> list[Any]:
        """The row's cells as JSON values (numbers stay numbers: export and sorting use these)."""
        block, offset = divmod(pos, BLOCK)
        values = self._blocks.get(block)
        if values is None:
            values = self._blocks[block] = self.session.cell_values(
                self.rows[block * BLOCK : (block + 1) * BLOCK], self.columns, self.query
            )
            if len(self._blocks) > CACHED_BLOCKS:
                self._blocks.popitem(last=False)
                self._texts.pop(next(iter(self._texts)), None)
        else:
            self._blocks.move_to_end(block)
        return values[offset]

    def cells(self, pos: int) -> list[str]:
        """The row's cells as text (strings raw, null empty, other values compact JSON)."""
        block, offset = divmod(pos, BLOCK)
        texts = self._texts.get(block)
        if texts is None:
            self.values(pos)
            texts = self._texts[block] = [[cell_text(v) for v in row] for row in self._blocks[block]]
        return texts[offset]

    def outcome(self, pos: int) -> str:
        """The event's outcome at view position ``pos`` (``Success``, ``Failure`` or the error code; ``""``
        for Insight records), whatever the columns: the screen colours failed rows with it."""
        block, offset = divmod(pos, BLOCK)
        outcomes = self._outcomes.get(block)
        if outcomes is None:
            rows = self.rows[block * BLOCK : (block + 1) * BLOCK]
            outcomes = self._outcomes[block] = self.session.backend.display("outcome", rows)
            if len(self._outcomes) > CACHED_BLOCKS:
                self._outcomes.popitem(last=False)
        return outcomes[offset]

    def iter_values(self, positions: Optional[Sequence[int]] = None) -> Iterator[list[Any]]:
        """Cells as JSON values for many rows (default all) without filling the cache (for export)."""
        positions = range(len(self.rows)) if positions is None else positions
        session, columns, query = self.session, self.columns, self.query
        every = isinstance(positions, range) and positions.step == 1
        for start in range(0, len(positions), BULK_ROWS):
            chunk = positions[start : start + BULK_ROWS]
            rows = self.rows[chunk.start : chunk.stop] if every else [self.rows[p] for p in chunk]
            yield from session.cell_values(rows, columns, query)

    def sample_cells(self, positions: Sequence[int]) -> list[list[str]]:
        """The cells as text of many scattered positions in one backend request (the table's column-width
        sample), without filling the cache: reading them block by block would read a block per position."""
        rows = [self.rows[p] for p in positions]
        return [[cell_text(v) for v in row] for row in self.session.cell_values(rows, self.columns, self.query)]

    def row_ids(self, positions: Optional[Sequence[int]] = None) -> list[int]:
        positions = range(len(self.rows)) if positions is None else positions
        return [self.rows[p] for p in positions]


def _accepts_progress(backend: Backend) -> bool:
    """True when the backend's ``filter`` takes a ``progress`` callable (it is optional for backends)."""
    import inspect

    try:
        return "progress" in inspect.signature(backend.filter).parameters
    except (TypeError, ValueError):
        return False


class Session:
    """Loaded events plus everything one can ask of them (see the module docstring)."""

    def __init__(self, backend: Optional[Backend] = None, **backend_options: Any) -> None:
        self.backend: Backend = backend if backend is not None else make_backend("memory", **backend_options)
        self.paths: list[str] = []
        """Every input given to :meth:`load`, in order (for "copy as command" and reports)."""
        self._programs: dict[str, Any] = {}

    def __len__(self) -> int:
        return len(self.backend)

    # -- loading -----------------------------------------------------------------------------------

    def load(self, paths: Sequence[str], *, cancelled: Cancelled = None, stdin: Any = None) -> Iterator[LoadItem]:
        """Load ``paths`` (added to what is loaded), yielding the loader's items as they happen."""
        self.paths.extend(paths)
        yield from self.backend.load(list(paths), cancelled=cancelled, stdin=stdin)
        # What loaded lives as long as the session: keep the collector from re-scanning it.
        gc.freeze()

    # -- one event ---------------------------------------------------------------------------------

    def raw(self, row: int) -> bytes:
        return self.backend.raw(row)

    def record(self, row: int) -> Any:
        return next(self.backend.records([row]))

    def provenance(self, row: int) -> str:
        return self.backend.provenance(row)

    def row_of_event_id(self, event_id: str) -> Optional[int]:
        return self.backend.row_of_event_id(event_id)

    def pivots(self, row: int) -> dict[str, Optional[pivots.Pivot]]:
        """Every pivot kind from ``row`` (None where the event has no such value)."""
        return pivots.available(self.backend, row)

    def pivot(self, row: int, kind: str) -> Optional[pivots.Pivot]:
        return pivots.pivot_for(self.backend, row, kind)

    def pivot_choices(self, row: int, kind: str) -> list[pivots.Pivot]:
        """Every pivot of ``kind`` from ``row`` (several for an event naming several resources or keys)."""
        return pivots.choices(self.backend, row, kind)

    def path_counts(self) -> dict[str, int]:
        return self.backend.path_counts()

    # -- questions ---------------------------------------------------------------------------------

    def compile(self, text: str) -> EventQuery:
        """Compile a filter (raises :class:`~trailtui.engine.errors.QueryError` with position and reason)."""
        return compile_query(text)

    def view(
        self,
        query: "EventQuery | str",
        *,
        sort: Optional[Sort] = Sort(),
        columns: Optional[Sequence[Column]] = None,
        n: Optional[int] = None,
        within: Optional[Sequence[int]] = None,
        cancelled: Cancelled = None,
        select: bool = True,
        reading: Optional[str] = None,
        defaults: Optional[Sequence[Column]] = None,
        progress: Optional[Callable[[int, int], None]] = None,
    ) -> Optional[View]:
        """Select, sort and lay out the events a filter asks for.

        ``sort=None`` keeps load order. ``columns=None`` means the projection's columns for a projection
        filter, else the default columns. ``n`` limits to the first ``n`` rows (a snapshot while loading).
        Returns None when ``cancelled()`` became true. Root-mode (aggregate) filters have no rows: use
        :meth:`run_root`. ``select=False`` keeps every event (the program's outputs are printed, not used
        to select: ``trailtui query`` with ``.Records[] | .readOnly`` prints every event's boolean).

        ``reading`` forces ``"select"`` or ``"project"`` (see :func:`~trailtui.engine.query.compile_query`).
        Otherwise a filter whose shape does not say is read by what it yields: when every output over the
        events is ``true`` or ``false`` it selects the events with a ``true`` (as ``select(F)`` would), else
        its outputs are the columns.

        ``defaults`` replaces the default columns (the screen has its own). ``progress(scanned, total)`` is
        called now and then while events are scanned, by backends that can (others ignore it).
        """
        if isinstance(query, str) or (reading is not None and query.reading_open):
            query = compile_query(query if isinstance(query, str) else query.text, reading)
        if select and query.reading_open and query.mode == "events":
            decided = self.decide_reading(query, n, within, cancelled)
            if decided is None:
                return None
            query = compile_query(query.text, decided)
        if query.mode == "root":
            raise UsageError(
                "this filter uses .Records as a whole (an aggregate)",
                "run it with `trailtui query`, which evaluates it on every event at once",
            )
        if select:
            if progress is not None and _accepts_progress(self.backend):
                result = self.backend.filter(query, n=n, cancelled=cancelled, within=within, progress=progress)
            else:
                result = self.backend.filter(query, n=n, cancelled=cancelled, within=within)
        else:
            total = len(self.backend) if n is None else n
            result = FilterResult(array("I", range(total) if within is None else within), total)
        if result.cancelled or (cancelled is not None and cancelled()):
            return None
        if columns is None:
            if query.is_projection:
                columns = projection_columns(query.columns)
            else:
                columns = list(defaults) if defaults is not None else default_columns()
        started = time.perf_counter()
        rows: Sequence[int] = result.rows
        if sort is not None:
            sorted_rows = self.sorted_rows(rows, sort, columns, query, cancelled)
            if sorted_rows is None:
                return None
            rows = sorted_rows
        return View(self, query, rows, columns, result, sort, (time.perf_counter() - started) * 1000)

    def decide_reading(
        self, query: EventQuery, n: Optional[int] = None, within: Optional[Sequence[int]] = None,
        cancelled: Cancelled = None,
    ) -> Optional[str]:
        """``select`` when every value the filter yields over the events is a boolean, else ``project``.

        Stops at the first value that is not a boolean, so a projection costs a few events; a filter that
        yields only booleans is run on every event (None when cancelled). Events that raise are skipped.
        """
        rows: Sequence[int] = range(len(self.backend) if n is None else n) if within is None else within
        program = query.body
        for start in range(0, len(rows), 4096):
            if cancelled is not None and cancelled():
                return None
            block = rows[start : start + 4096]
            for record in self.backend.records(block):
                try:
                    for value in program.run(record):
                        if value is not True and value is not False:
                            return "project"
                except jq.JqRuntimeError:
                    continue
        return "select"

    def sorted_rows(
        self, rows: Sequence[int], sort: Sort, columns: Sequence[Column], query: Optional[EventQuery],
        cancelled: Cancelled = None,
    ) -> Optional[Sequence[int]]:
        """``rows`` ordered by a column (stable both ways); None when cancelled."""
        column = next((c for c in columns if c.key == sort.key), None)
        if column is None:
            # A projection's column that is gone (the filter changed) sorts by time, as the table shows.
            column = resolve("time" if sort.key.startswith("#") else sort.key)
        if column.is_field:
            return self.backend.order(rows, column.key, sort.descending)
        in_sql = getattr(self.backend, "order_projection", None)
        if in_sql is not None and column.is_projected and query is not None and query.projection:
            # A backend that can order by a projected cell itself (the columnar one, in SQL); None: it cannot.
            ordered = in_sql(rows, query, int(column.key[1:]), sort.descending)
            if ordered is not None:
                return ordered
        keys: list[tuple] = []
        for start in range(0, len(rows), 4096):
            if cancelled is not None and cancelled():
                return None
            block = rows[start : start + 4096]
            for values in self.cell_values(block, [column], query):
                keys.append(sort_key(values[0]))
        order = sorted(range(len(rows)), key=keys.__getitem__, reverse=sort.descending)
        return array("I", [rows[i] for i in order])

    def cell_values(self, rows: Sequence[int], columns: Sequence[Column], query: Optional[EventQuery]) -> list[list[Any]]:
        """The cells of ``rows`` for ``columns`` as JSON values, one list per row.

        A backend with ``projected_cells`` (the columnar one) computes a projection's cells for many rows in
        one request; jq runs only on the rows it leaves (None), and on every row for path columns."""
        backend = self.backend
        fields = list(dict.fromkeys(column.key for column in columns if column.is_field))
        many = getattr(backend, "display_fields", None)  # optional: every field in one request
        if many is not None and len(fields) > 1:
            found = dict(zip(fields, many(fields, rows)))
        else:
            found = {field: backend.display(field, rows) for field in fields}
        by_column: list[Optional[list[Any]]] = []
        needs_record = False
        for column in columns:
            if column.is_field:
                by_column.append(found[column.key])
            else:
                by_column.append(None)
                needs_record = True
        if not needs_record:
            return [list(cells) for cells in zip(*by_column)] if columns else [[] for _ in rows]
        projecting = query is not None and query.projection is not None
        in_bulk = getattr(backend, "projected_cells", None)  # optional: a projection's cells for many rows at once
        known = in_bulk(query, rows) if in_bulk is not None and projecting and any(c.is_projected for c in columns) else None
        if known is not None and all(c.is_projected for c in columns):
            return self._projected_values(rows, columns, query, known)
        out: list[list[Any]] = []
        for i, record in enumerate(backend.records(rows)):
            projected: Optional[list[Any]] = known[i] if known is not None else None
            cells: list[Any] = []
            for column, values in zip(columns, by_column):
                if values is not None:
                    cells.append(values[i])
                elif column.is_projected:
                    if projected is None:
                        projected = (cells_of(query, record) or []) if projecting else []
                    index = int(column.key[1:])
                    cells.append(projected[index] if index < len(projected) else None)
                else:
                    cells.append(self.path_value(column.key, record))
            out.append(cells)
        return out

    def _projected_values(self, rows: Sequence[int], columns: Sequence[Column], query: EventQuery,
                          known: list[Optional[list[Any]]]) -> list[list[Any]]:
        """``cell_values`` when every column is a projected cell and the backend gave ``known`` (a row's cells,
        or None where jq computes them): only those rows are read and run."""
        indexes = [int(column.key[1:]) for column in columns]
        same = list(range(len(indexes)))

        def pick(cells: list[Any]) -> list[Any]:
            if len(cells) == len(indexes) and indexes == same:
                return cells
            return [cells[index] if index < len(cells) else None for index in indexes]

        out: list[Any] = list(known)
        missing = [i for i, cells in enumerate(known) if cells is None] if None in known else []
        for i, record in zip(missing, self.backend.records([rows[i] for i in missing])):
            out[i] = pick(cells_of(query, record) or [])
        width = next((len(cells) for cells in known if cells is not None), None)
        if width == len(indexes) and indexes == same:
            return out  # the projection's own columns in order: a row from the backend is already its cells
        return [cells if known[i] is None else pick(cells) for i, cells in enumerate(out)]

    def column_program(self, path: str) -> Any:
        """A jq path column compiled once, with the prelude in scope (UsageError for a bad one)."""
        program = self._programs.get(path)
        if program is None:
            try:
                program = self._programs[path] = jq.compile_program(path, prelude=PRELUDE)
            except jq.JqCompileError as err:
                raise UsageError(f"bad column {path!r}: {err.reason}") from None
        return program

    def path_value(self, path: str, record: Any) -> Any:
        """The first value a jq path column yields on ``record`` (None if none; ``error: …`` text on error)."""
        try:
            return next(iter(self.column_program(path).run(record)), None)
        except jq.JqRuntimeError as err:
            return f"error: {err}"

    # -- headless output ---------------------------------------------------------------------------

    def outputs(self, view: View, on_error: Callable[[int, str], None]) -> Iterator[str]:
        """What ``jq -rc PROGRAM`` prints for the view's events, line by line (no newline).

        A runtime error on one event calls ``on_error(row, message)`` and skips the rest of that event.
        """
        dumps_raw = jq.dumps_raw
        query = view.query
        for value in query.header_outputs:
            yield dumps_raw(value)
        if query.kind == "project" and query.match is None and query.fmt is None:
            # No selects and no format: each event's output is the projection's, which a backend may compute.
            for _row, value in self.projection_rows(view, on_error):
                yield dumps_raw(value)
            return
        rows = view.rows
        source_of = self.backend.source_of
        for row, record in zip(rows, self.backend.records(rows)):
            try:
                for value in event_outputs(query, record, source_of(row).path if query.uses_filename else None):
                    yield dumps_raw(value)
            except jq.JqRuntimeError as err:
                on_error(row, str(err))

    def projection_rows(self, view: View, on_error: Callable[[int, str], None]) -> Iterator[tuple[int, Any]]:
        """Every output of the projection for every event of the view: ``(row, value)`` pairs, in order.

        Unlike the table, which shows an event's first output, this yields them all (jq's behaviour).
        """
        query = view.query
        rows = view.rows
        in_bulk = getattr(self.backend, "projected_cells", None)  # optional: see cell_values
        if in_bulk is None or query.uses_filename:
            yield from self._run_projection(query, rows, self.backend.records(rows), on_error)
            return
        for start in range(0, len(rows), BULK_ROWS):
            chunk = rows[start : start + BULK_ROWS]
            # A backend answers only for a projection `[e0, e1, …]`, whose one output per event is its cells.
            known = in_bulk(query, chunk)
            if known is None:
                yield from self._run_projection(query, chunk, self.backend.records(chunk), on_error)
                continue
            missing = [chunk[i] for i, cells in enumerate(known) if cells is None]
            records = self.backend.records(missing)
            for row, cells in zip(chunk, known):
                if cells is not None:
                    yield row, cells
                else:
                    yield from self._run_projection(query, [row], records, on_error)

    def _run_projection(self, query: EventQuery, rows: Sequence[int], records: Iterator[Any],
                        on_error: Callable[[int, str], None]) -> Iterator[tuple[int, Any]]:
        """``projection_rows`` by jq for ``rows``, whose records ``records`` yields in order."""
        source_of = self.backend.source_of
        for row, record in zip(rows, records):
            try:
                filename = source_of(row).path if query.uses_filename else None
                for value in query.projection.run(record, filename=filename):
                    yield row, value
            except jq.JqRuntimeError as err:
                on_error(row, str(err))

    def run_root(self, query: EventQuery, rows: Optional[Sequence[int]] = None) -> list[Any]:
        """A root-mode (aggregate) program's outputs on ``{"Records": [the events]}``."""
        return list(run_root(query, self.backend, rows))

    # -- reproducing a view ------------------------------------------------------------------------

    def command_line(
        self, filter_text: str, sort: Optional[Sort] = None, columns: Optional[Sequence[Column]] = None
    ) -> tuple[str, str]:
        """The jq one-liner and the ``trailtui query`` command that reproduce a view of these inputs."""
        paths = [p for p in self.paths if p != "-"] or ["FILE"]
        quoted = " ".join(shlex.quote(p) for p in paths)
        text = filter_text.strip() or "."
        try:
            query: Optional[EventQuery] = compile_query(text)
        except Exception:
            query = None
        if query is not None and query.mode == "events" and not query.records_form and query.header is None:
            body = f"select({text})" if query.kind == "boolean" else text
            jq_program = f".Records[] | {body}"
        else:
            jq_program = text
        if query is not None and function_names(query.ast) & PRELUDE_FUNCTIONS:
            defs = " ".join(
                line.strip() for line in PRELUDE.splitlines() if line.strip() and not line.strip().startswith("#")
            )
            jq_program = f"{defs} {jq_program}"
        jq_cmd = f"jq -rc {shlex.quote(jq_program)} {quoted}"
        tt = f"trailtui query {quoted} -f {shlex.quote(text)}"
        if sort is not None and (sort.key != "time" or sort.descending):
            tt += f" --sort {shlex.quote(sort.key)}{':desc' if sort.descending else ''}"
        if columns:
            names = [c.key for c in columns if not c.is_projected]
            if names:
                tt += f" --columns {shlex.quote(','.join(names))} --format table"
        return jq_cmd, tt

    def close(self) -> None:
        self.backend.close()

