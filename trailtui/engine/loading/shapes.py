"""Finding the CloudTrail records inside a parsed JSON value, whatever wraps them (§1.9 of the CloudTrail
guide): S3 ``Records``, ``lookup-events`` output and items, EventBridge envelopes, CloudWatch Logs
(``filter-log-events``, subscription payloads, Logs Insights rows), CloudTrail Lake rows (partial
records), Elastic ``event.original``, single records; digest files are recognised and skipped.

Everything else is skipped with a message saying what it was (`describe`), never loaded as a blank event.
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

import orjson

from .. import jsonvalues as jv
from ..model import DigestSkipped
from ..sniff import describe, is_digest, looks_like_record
from . import limits
from .collect import SourceCollector

_ENVELOPE_LOOKUP = ("EventId", "Username", "EventTime")
_ENVELOPE_EVENTBRIDGE = ("id", "detail-type", "source", "time")

def _at(outer: str, inner: str) -> str:
    if outer and inner:
        return f"{outer}, {inner}"
    return outer or inner


def _where(loc: str) -> str:
    return f"{loc}: " if loc else ""


def _envelope(obj: dict, keys: Sequence[str]) -> Optional[dict[str, Any]]:
    env = {k: obj[k] for k in keys if k in obj and obj[k] is not None}
    return env or None


def _set_dotted(record: dict, column: str, value: Any) -> None:
    """``userIdentity.arn`` → ``record["userIdentity"]["arn"]`` (kept flat on a conflict)."""
    parts = column.split(".")
    if len(parts) == 1 or not all(parts):
        record[column] = value
        return
    node = record
    for part in parts[:-1]:
        child = node.get(part)
        if child is None:
            child = node[part] = {}
        elif not isinstance(child, dict):
            record[column] = value
            return
        node = child
    node[parts[-1]] = value


class ShapeClassifier(SourceCollector):
    """Classifies parsed values of one source and adds the records found (see the module docstring)."""

    def digest_found(self) -> None:
        if not self.digest:
            self.digest = True
            self.wrapper = self.wrapper or "digest"
            if not self.source.shape:
                self.source.shape = "digest"
            self.seal()
            self.out.append(DigestSkipped(self.path))

    def embedded(self, text: Any, loc: str, what: str) -> Optional[Any]:
        """Parse a JSON string found inside a wrapper, guarded by size (depth is bounded by the parsers)."""
        if not isinstance(text, str):
            self.skip(f"{loc}: {what} is {describe(text)}, not a JSON string")
            return None
        if len(text) > limits.MAX_EMBEDDED:
            self.skip(f"{loc}: {what} of {limits.mb(len(text))} is over the {limits.mb(limits.MAX_EMBEDDED)} limit; skipped")
            return None
        try:
            return jv.loads(text)
        except orjson.JSONDecodeError as exc:
            self.skip(f"{loc}: {what} is not valid JSON ({exc.msg} at character {exc.pos})")
        except (ValueError, RecursionError) as exc:
            self.skip(f"{loc}: {what} is not valid JSON ({exc})")
        return None

    def embedded_record(self, text: Any, loc: str, what: str, env: Optional[dict]) -> None:
        value = self.embedded(text, loc, what)
        if value is None:
            return
        if isinstance(value, dict) and looks_like_record(value):
            self.add(value, loc, env)
        else:
            self.skip(f"{loc}: {what} holds {describe(value)}, not a CloudTrail record")

    def lookup_item(self, item: Any, loc: str) -> None:
        if type(item) is not dict:
            self.skip(f"{loc}: {describe(item)}, not a lookup-events item")
            return
        if "CloudTrailEvent" in item:
            self.embedded_record(item["CloudTrailEvent"], loc, "CloudTrailEvent", _envelope(item, _ENVELOPE_LOOKUP))
        elif looks_like_record(item):
            self.add(item, loc)
        else:
            self.skip(f"{loc}: {describe(item)}, not a lookup-events item")

    def log_event(self, event: Any, loc: str, keys: Sequence[str], extra: dict) -> None:
        if type(event) is not dict or "message" not in event:
            self.skip(f"{loc}: {describe(event)}, not a log event with a message")
            return
        env = dict(extra)
        env.update({k: event[k] for k in keys if k in event and event[k] is not None})
        self.embedded_record(event["message"], loc, "message", env or None)

    def insights_row(self, row: Any, loc: str) -> None:
        if type(row) is not list:
            self.skip(f"{loc}: {describe(row)}, not a Logs Insights result row")
            return
        fields: dict[str, Any] = {}
        for cell in row:
            if isinstance(cell, dict) and "field" in cell:
                fields[str(cell["field"])] = cell.get("value")
        if "@message" in fields:
            env = {k: fields[k] for k in ("@logStream", "@timestamp", "@log") if k in fields}
            self.embedded_record(fields["@message"], loc, "@message", env or None)
            return
        record: dict[str, Any] = {}
        for name, value in fields.items():
            if not name.startswith("@"):
                _set_dotted(record, name, value)
        if record:
            self.add(record, loc, None, partial=True)
        else:
            self.skip(f"{loc}: Logs Insights row without @message or CloudTrail fields")

    def lake_row(self, row: Any, loc: str) -> None:
        if type(row) is not list:
            self.skip(f"{loc}: {describe(row)}, not a CloudTrail Lake result row")
            return
        record: dict[str, Any] = {}
        whole = None
        for cell in row:
            if not isinstance(cell, dict):
                continue
            for column, value in cell.items():
                if isinstance(value, str) and value[:1] in ("{", "[") and len(value) <= limits.MAX_EMBEDDED:
                    try:
                        parsed = jv.loads(value)
                    except (ValueError, RecursionError):
                        parsed = value
                    if whole is None and isinstance(parsed, dict) and looks_like_record(parsed):
                        whole = parsed
                        continue
                    value = parsed
                _set_dotted(record, str(column), value)
        if whole is not None:
            self.add(whole, loc, record or None)
        elif record:
            self.add(record, loc, None, partial=True)
        else:
            self.skip(f"{loc}: empty CloudTrail Lake row")

    def classify(self, value: Any, outer: str, env: Optional[dict] = None, depth: int = 0) -> None:
        """Find the CloudTrail record(s) in one parsed value (§1.9 of the CloudTrail guide)."""
        if type(value) is list:
            if depth >= 2:
                self.skip(f"{outer}: nested arrays are not CloudTrail")
                return
            for i, item in enumerate(value):
                self.classify(item, _at(outer, f"[{i}]"), env, depth + 1)
            return
        if type(value) is not dict:
            self.skip(f"{_where(outer)}{describe(value)}, not a CloudTrail record")
            return
        if "eventVersion" in value:
            self.add(value, outer or "document", env)
            return
        records = value.get("Records")
        if type(records) is list:
            self.add_records(records, outer, 0)
            return
        if is_digest(value):
            self.digest_found()
            return
        events = value.get("Events")
        if type(events) is list:
            self.wrapper = self.wrapper or "lookup-events"
            for i, item in enumerate(events):
                self.lookup_item(item, _at(outer, f"Events[{i}]"))
            return
        events = value.get("events")
        if type(events) is list and all(type(e) is dict and "message" in e for e in events[:3]):
            self.wrapper = self.wrapper or "cwl-events"
            for i, item in enumerate(events):
                self.log_event(item, _at(outer, f"events[{i}]"), ("logStreamName", "timestamp", "eventId"), {})
            return
        if "messageType" in value and ("logEvents" in value or value.get("messageType") == "CONTROL_MESSAGE"):
            self.wrapper = self.wrapper or "cwl-subscription"
            kind = value.get("messageType")
            if kind == "CONTROL_MESSAGE":
                self.controls += 1
                return
            log_events = value.get("logEvents")
            if kind != "DATA_MESSAGE" or type(log_events) is not list:
                self.skip(f"{_where(outer)}CloudWatch Logs payload of type {kind!r} without logEvents")
                return
            extra = {k: value[k] for k in ("logGroup", "logStream") if isinstance(value.get(k), str)}
            for i, item in enumerate(log_events):
                self.log_event(item, _at(outer, f"logEvents[{i}]"), ("id", "timestamp"), extra)
            return
        results = value.get("results")
        if type(results) is list and all(type(r) is list for r in results[:3]) and (
            not results or any(isinstance(c, dict) and "field" in c for c in results[0])
        ):
            self.wrapper = self.wrapper or "cwl-insights"
            for i, row in enumerate(results):
                self.insights_row(row, _at(outer, f"results[{i}]"))
            return
        rows = value.get("QueryResultRows")
        if type(rows) is list:
            self.wrapper = self.wrapper or "lake"
            for i, row in enumerate(rows):
                self.lake_row(row, _at(outer, f"QueryResultRows[{i}]"))
            return
        if "detail-type" in value and "detail" in value:
            self.wrapper = self.wrapper or "eventbridge"
            detail = value["detail"]
            loc = _at(outer, "detail")
            if type(detail) is dict and looks_like_record(detail):
                self.add(detail, loc, _envelope(value, _ENVELOPE_EVENTBRIDGE))
            else:
                self.skip(f"{loc}: EventBridge event {value.get('detail-type')!r} does not carry a CloudTrail record")
            return
        ecs = value.get("event")
        if type(ecs) is dict and isinstance(ecs.get("original"), str):
            self.embedded_record(ecs["original"], _at(outer, "event.original"), "event.original", env)
            return
        if looks_like_record(value):
            self.add(value, outer or "document", env)
            return
        if "CloudTrailEvent" in value:
            self.wrapper = self.wrapper or "lookup-events"
            self.lookup_item(value, outer or "document")
            return
        if type(ecs) is dict or "aws" in value and isinstance(value.get("aws"), dict) and "cloudtrail" in value["aws"]:
            self.skip(f"{_where(outer)}an Elastic document without event.original (its record was not kept)")
            return
        self.skip(f"{_where(outer)}not CloudTrail: {describe(value)}")
    def classify_elements(self, key: Optional[str], elements: list, base: int) -> None:
        if key is None:
            for i, value in enumerate(elements, base):
                self.classify(value, f"[{i}]", depth=1)
        elif key == "Events":
            self.wrapper = self.wrapper or "lookup-events"
            for i, value in enumerate(elements, base):
                self.lookup_item(value, f"Events[{i}]")
        elif key == "events":
            self.wrapper = self.wrapper or "cwl-events"
            for i, value in enumerate(elements, base):
                self.log_event(value, f"events[{i}]", ("logStreamName", "timestamp", "eventId"), {})
        elif key == "results":
            self.wrapper = self.wrapper or "cwl-insights"
            for i, value in enumerate(elements, base):
                self.insights_row(value, f"results[{i}]")

