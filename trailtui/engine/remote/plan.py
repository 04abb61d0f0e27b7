"""The plan of a remote run: what runs on the engine, what runs here, which partitions are read.

A filter is compiled by :func:`trailtui.engine.query.compile_query` exactly as for the local engines; its
selection plan (``query.plan``) becomes a coarse remote predicate (:mod:`.translate`) and a choice of
partitions (:mod:`.partitions`). The remote engine returns the raw records that pass, in **load order** —
(input path in the loader's order, position of the record in its file), the order the local engines
number events in — and the *whole* filter then runs locally on them with the jq engine, as
``trailtui query`` would run it on the full input. The residual is therefore always the exact filter: it
removes what the coarse predicate let through and computes projections, formats and ``--sort``.

Refused, with the reason: root-mode programs (``.Records | length``, aggregates over every event: they
would need every record here) and filters whose selection is a projection only when ``select`` is not the
intent (a projection still runs: the remote side then returns every record of the chosen partitions).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Sequence

from sqlglot import exp

from ..errors import UsageError
from ..query import EventQuery, compile_query
from .partitions import DEFAULT_SLACK, Partitions, athena_predicate, partitions_of
from .table import DIALECTS, TABLE
from .translate import TRUE, Notes, coarse

ENGINES = ("spark", "athena", "lake")

KEY_COLUMNS = ("_file", "_pos", "_raw")
"""What the Spark scan returns per record: its file, position in the file, and JSON text."""


@dataclass
class RemotePlan:
    engine: str
    query: EventQuery
    predicate: exp.Expression
    """The coarse predicate (TRUE: no restriction) over the engine's table."""
    partitions: Partitions
    notes: list = field(default_factory=list)
    table: str = ""

    @property
    def dialect(self) -> str:
        return DIALECTS[self.engine]

    def where(self) -> exp.Expression:
        """The full WHERE: partitions (Athena) and the coarse predicate; Spark adds ``OR _odd``."""
        terms = []
        if self.engine == "athena":
            part = athena_predicate(self.partitions)
            if part is not None:
                terms.append(part)
        if self.predicate is not TRUE:
            pred = self.predicate.copy()
            if self.engine == "spark":
                pred = exp.or_(exp.Paren(this=pred), exp.column("_odd"))
            terms.append(pred)
        if not terms:
            return TRUE
        return exp.and_(*terms) if len(terms) > 1 else terms[0]

    def select(self) -> exp.Select:
        """The remote query as one SQL tree (rendered per dialect by :meth:`sql`)."""
        if self.engine == "spark":
            columns = [exp.column(c) for c in KEY_COLUMNS]
        elif self.engine == "athena":
            # Athena's table has no record text: the file and event id name each record, and the pull reads
            # those records from S3 (see the README); eventtime for a rough order.
            columns = [exp.column("$path", quoted=True), exp.column("eventid"), exp.column("eventtime")]
        else:
            # CloudTrail Lake returns columns, not records: the event id names each one.
            columns = [exp.column(c) for c in ("eventid", "eventtime", "eventsource", "eventname", "awsregion",
                                               "recipientaccountid")]
        query = exp.select(*columns).from_(exp.to_table(self.table, dialect=self.dialect)
                                           if self.engine != "lake" else exp.table_(self.table))
        where = self.where()
        if where is not TRUE:
            query = query.where(where)
        return query

    def sql(self, dialect: Optional[str] = None, pretty: bool = False) -> str:
        return self.select().sql(dialect=dialect or self.dialect, pretty=pretty)

    def explain(self, sources: Sequence[str] = (), listing: Optional[object] = None) -> list[str]:
        lines = [f"engine: {self.engine} ({self.dialect} SQL, rendered by sqlglot)", "remote query:"]
        lines += ["  " + line for line in self.sql(pretty=True).splitlines()]
        if self.predicate is TRUE:
            lines.append("remote predicate: none (every record of the chosen partitions comes back)")
        lines.append("local residual: the whole filter, by trailtui's jq engine, on the returned records "
                     "(exact; output in load order: input path, then position in the file)")
        for note in self.notes:
            lines.append(f"  kept local: {note}")
        lines.append("partitions:")
        lines += ["  " + line for line in self.partitions.describe()]
        if listing is not None and listing.directories_listed + len(listing.files):
            lines.append(f"  files to read: {len(listing.files)} (in {listing.directories_listed} folders listed)")
        return lines


def build(text: str, engine: str, table: Optional[str] = None, slack: Optional[int] = DEFAULT_SLACK,
          reading: Optional[str] = None) -> RemotePlan:
    """The remote plan of a filter; raises :class:`UsageError` when the filter cannot run remotely."""
    if engine not in ENGINES:
        raise UsageError(f"unknown engine {engine!r} (one of {', '.join(ENGINES)})")
    query = compile_query(text, reading=reading)
    if query.mode == "root":
        raise UsageError("this filter runs once over all events (root mode): it cannot be split per record "
                         "for a remote engine", "run it locally, or select per record first (`select(...)`)")
    notes = Notes()
    predicate = coarse(query.plan, engine, notes)
    if query.kind == "project" and not query.selection_only:
        notes.add("the projection yields what the local jq decides (outputs of a non-constructor projection)")
    parts = partitions_of(query.plan, slack)
    return RemotePlan(engine, query, predicate, parts, notes.items, table or TABLE[engine])
