"""What one source produced: records gathered into batches, problems held or released, the final verdict.

A source's problems are held back until its first record, so a file with no records at all ends up as
exactly one fatal `Problem` (the first reason, and how many there were); once records exist, each
problem is released in order between the batches around it. At most `limits.limits.MAX_PROBLEMS_SHOWN` are
shown per source, then one summary.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator, Optional

from ..model import LoadItem, Problem, RecordBatch, Source
from ..sniff import describe, in_records
from . import limits

if TYPE_CHECKING:
    from .run import Loader


class SourceCollector:
    """Collects the records and problems of one source into the items the loader yields."""

    def __init__(self, loader: Loader, source: Source) -> None:
        self.loader = loader
        self.source = source
        self.path = source.path
        self.batch_size = loader.batch_size
        self.recs: list[dict] = []
        self.locs: list[str] = []
        self.envs: list[Optional[dict]] = []
        self.n_env = 0
        self.partial = False
        self.out: list[LoadItem] = []
        self.held: list[Problem] = []
        self.problems = 0
        self.first_reason = ""
        self.first_where: tuple[Optional[int], Optional[int]] = (None, None)
        self.digest = False
        self.controls = 0
        self.container = ""
        self.wrapper = ""
        self.huge_noted = False
        self.stream_reason = ""
        """Why the input's bytes ended early (a `StreamError`), if they did."""

    # output -----------------------------------------------------------------------------------

    def add(self, record: dict, loc: str, env: Optional[dict] = None, partial: bool = False) -> None:
        if partial is not self.partial:
            self.seal()
            self.partial = partial
        if not self.source.shape:
            self.source.shape = self.wrapper or self.container
        if self.held:  # problems met before the first record: now they are not the whole story
            self.seal()
            self.out.extend(self.held)
            self.held = []
        self.recs.append(record)
        self.locs.append(loc)
        self.envs.append(env)
        if env is not None:
            self.n_env += 1
        if len(self.recs) >= self.batch_size:
            self.seal()

    def add_records(self, records: list, outer: str, base: int) -> None:
        """The elements of a ``Records`` array. Fast path: a run of objects holding ``eventVersion`` is
        appended as is; anything else is checked one by one (`in_records`)."""
        if not self.wrapper:
            self.wrapper = "records"
        prefix = f"{outer}, Records[" if outer else "Records["
        if not records:
            return
        if self.partial or not self.source.shape or self.held:
            self.add_record_element(records[0], f"{prefix}{base}]")
            records, base = records[1:], base + 1
        if all(type(r) is dict and "eventVersion" in r for r in records):
            i = 0
            while i < len(records):
                room = self.batch_size - len(self.recs)
                part = records[i : i + room]
                self.recs.extend(part)
                self.locs.extend([f"{prefix}{k}]" for k in range(base + i, base + i + len(part))])
                self.envs.extend([None] * len(part))
                i += len(part)
                if len(self.recs) >= self.batch_size:
                    self.seal()
            return
        quiet = 0  # elements skipped past the messages shown are only counted (1,000,000 × {} stays fast)
        for k, record in enumerate(records, base):
            if type(record) is dict and "eventVersion" in record:
                self.add(record, f"{prefix}{k}]")
            elif self.problems >= limits.MAX_PROBLEMS_SHOWN and (
                not record or type(record) is not dict or not in_records(record)
            ):
                quiet += 1
            else:
                self.add_record_element(record, f"{prefix}{k}]")
        if quiet:
            self.problems += quiet
            self.source.skipped += quiet

    def add_record_element(self, record: object, loc: str) -> None:
        """One element of a ``Records`` array: loaded when it could be a CloudTrail record (`in_records`);
        an object with none of CloudTrail's fields (``{}``) is skipped with a message, not loaded blank."""
        if type(record) is dict and in_records(record):
            self.add(record, loc)
        elif type(record) is dict:
            self.skip(f"{loc} is {describe(record)}, not a CloudTrail record")
        else:
            self.skip(f"{loc} is {describe(record)}, not a record object")

    def seal(self) -> None:
        if not self.recs:
            return
        n = len(self.recs)
        start = self.source.events
        batch = RecordBatch(
            source=self.source,
            records=self.recs,
            positions=list(range(start, start + n)),
            locations=self.locs,
            envelopes=self.envs if self.n_env else None,
            partial=self.partial,
        )
        self.source.events += n
        self.loader.events += n
        self.out.append(batch)
        self.recs, self.locs, self.envs, self.n_env = [], [], [], 0

    def flush(self) -> Iterator[LoadItem]:
        """Yield what is ready; checks for cancellation and gives progress between batches."""
        if not self.out:
            return
        out, self.out = self.out, []
        for item in out:
            yield item
            if isinstance(item, RecordBatch):
                self.loader.check_cancel()
                tick = self.loader.progress()
                if tick is not None:
                    yield tick

    def _message(self, reason: str) -> str:
        return f"{self.path}: {reason}"

    def problem(
        self, reason: str, line: Optional[int] = None, offset: Optional[int] = None, skipped: bool = False
    ) -> None:
        """Record a problem. Held back until the first record, so a file with no records at all ends up
        as exactly one fatal `Problem`."""
        if skipped:
            self.source.skipped += 1
        self.problems += 1
        if not self.first_reason:
            self.first_reason = reason
            self.first_where = (line, offset)
        if self.problems > limits.MAX_PROBLEMS_SHOWN:
            return
        item = Problem(self.path, self._message(reason), fatal=False, line=line, offset=offset)
        if self.source.events or self.recs:
            self.seal()
            self.out.append(item)
        else:
            self.held.append(item)

    def skip(self, reason: str, line: Optional[int] = None, offset: Optional[int] = None) -> None:
        """A value or line that could not be used (counted in ``Source.skipped``)."""
        self.problem(reason, line=line, offset=offset, skipped=True)

    def note_huge(self, size: int, loc: str) -> None:
        if size > limits.HUGE_RECORD and not self.huge_noted:
            self.huge_noted = True
            where = f"{loc}: " if loc else ""
            self.problem(
                f"{where}record of {limits.mb(size)} is far larger than any real CloudTrail record (at most 1 MB); "
                "loaded anyway"
            )

    def note_repaired(self, where: str, count: int, line: Optional[int] = None, offset: Optional[int] = None) -> None:
        """Text with invalid UTF-8 or lone surrogates was repaired (U+FFFD) so its records are kept."""
        places = f" ({count} places)" if count > 1 else ""
        self.problem(f"{where}: invalid UTF-8 or a lone surrogate{places} replaced by U+FFFD; the records were kept",
                     line=line, offset=offset)

    def finish(self) -> Iterator[LoadItem]:
        self.seal()
        source = self.source
        if self.digest and not source.events:
            source.shape = source.shape or "digest"
            self.held = []
        elif not source.events:
            if not source.shape:
                source.shape = self.wrapper or self.container or "empty"
            if self.stream_reason and self.stream_reason != self.first_reason:
                # the input was cut short (corrupt, truncated, a bomb, a limit): that is the news
                reason = f"{self.stream_reason} (before it: {self.first_reason}"
                reason += f"; {self.problems - 1} problems in all)" if self.problems > 2 else ")"
            elif self.first_reason:
                reason = self.first_reason
                if self.problems > 1:
                    reason += f" ({self.problems} problems in this file; no CloudTrail records found)"
            elif self.controls:
                reason = "only CloudWatch Logs CONTROL_MESSAGE payloads; no CloudTrail records"
            elif self.wrapper:
                reason = f"no CloudTrail records (an empty {self.wrapper} document)"
            else:
                reason = "no CloudTrail records found"
            self.held = []
            line, offset = self.first_where
            self.out.append(Problem(self.path, self._message(reason), fatal=True, line=line, offset=offset))
        else:
            self.out.extend(self.held)
            self.held = []
        if self.problems > limits.MAX_PROBLEMS_SHOWN and source.events:
            hidden = self.problems - limits.MAX_PROBLEMS_SHOWN
            self.out.append(
                Problem(
                    self.path,
                    self._message(f"{hidden} more problems not shown ({source.skipped} values skipped in all)"),
                    fatal=False,
                )
            )
        yield from self.flush()
