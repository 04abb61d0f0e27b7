"""Pivots: from one event to every event related to it, as an editable jq filter.

A pivot is transparent: it is a jq filter over trailtui's prelude functions (rules R1–R5 of the CloudTrail
guide, written in plain jq in ``prelude.jq``), e.g. ``select(actor_key == "user:123456789012:glitch")``. The
filter bar shows it, the user can edit it, and the planner answers it from the store's indexes in
O(matches). The headless ``--pivot KIND:EVENT_ID`` uses the same functions, so both give the same events.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Optional, Sequence

from . import identity
from .backend import Backend

KINDS = ("user", "ip", "key", "session", "event", "resource", "agent")
"""Pivot kinds, in the order menus show them."""


@dataclass(frozen=True)
class Pivot:
    """One pivot from one event."""

    kind: str
    value: str
    """The key pivoted on (``role:111122223333:Admin``, ``ip:53.94.201.69``, ``AKIA…``)."""
    label: str
    """Short breadcrumb text: ``user glitch``, ``ip 53.94.201.69``."""
    filter: str
    """The jq filter selecting the related events."""
    note: str = ""
    """What the user should know about the scope (shown on screen), or ""."""


def _lit(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def pivot_for(
    store: Backend, row: int, kind: str, value: Optional[str] = None, record: Any = None
) -> Optional[Pivot]:
    """The pivot of ``kind`` from the event at ``row``, or None when the event has no such value.

    ``value`` picks one of several candidates (a resource or an access key); default is the first.
    ``record`` is the event already decoded, if the caller has it.
    """
    if record is None and kind in ("key", "session", "event", "resource"):
        record = next(store.records([row]))

    def field(name: str) -> str:
        return store.display(name, [row])[0]

    if kind == "user":
        key = field("actor_key")
        if not key:
            return None
        name = field("actor") or key
        return Pivot(kind, key, f"user {name}", f"select(actor_key == {_lit(key)})")
    if kind == "ip":
        key = field("ip_key")
        if not key:
            return _enriched_pivot(store, row, kind, record, "ip")
        cls = identity.ip_class(key)
        raw = field("ip")
        if cls in ("aws-internal", "service"):
            actor = field("actor_key")
            if not actor:
                return None
            note = (
                f"{raw} is not a network origin: showing only calls from it by "
                f"{field('actor')} (edit the filter to widen)"
            )
            return Pivot(kind, key, f"ip {raw} · {field('actor')}",
                         f"select(ip_key == {_lit(key)} and actor_key == {_lit(actor)})", note)
        note = ""
        if cls == "private":
            note = f"{raw} is a private address: scoped to account {key.rpartition('@')[2]}"
        return Pivot(kind, key, f"ip {raw}", f"select(ip_key == {_lit(key)})", note)
    if kind == "key":
        keys = identity.access_keys(record)
        if not keys:
            return None
        key = value if value in keys else keys[0]
        if key.startswith("AKIA"):
            note = "long-term key (IAM user or root)"
        elif key.startswith("ASIA"):
            note = "temporary credentials (one STS session), including the call that minted them"
        else:
            note = "unusual access key id"
        return Pivot(kind, key, f"key {key}", f"select(has_access_key({_lit(key)}))", note)
    if kind == "session":
        sessions = identity.session_keys(record)
        if not sessions:
            return None
        key = value if value in sessions else sessions[0]
        return Pivot(kind, key, f"session {_short(key)}", f"select(has_session({_lit(key)}))")
    if kind == "event":
        name = record.get("eventName")
        if not isinstance(name, str) or not name:
            return None
        return Pivot(kind, name, f"event {name}", f"select(.eventName == {_lit(name)})")
    if kind == "resource":
        resources = identity.resources(record)
        if not resources:
            return None
        key = value if value in resources else resources[0]
        return Pivot(kind, key, f"resource {_short(key)}", f"select(has_resource({_lit(key)}))")
    if kind == "agent":
        if record is None:
            record = next(store.records([row]))
        agent = record.get("userAgent") if isinstance(record, dict) else None
        if not isinstance(agent, str) or not agent:
            return _enriched_pivot(store, row, kind, record, "user agent")
        return Pivot(kind, agent, f"agent {_short(agent, 40)}", f"select(.userAgent == {_lit(agent)})")
    raise ValueError(f"unknown pivot kind {kind!r}")


ENRICHED_PATHS = {"ip": "origin_ip", "agent": "client"}
"""Pivot kind -> the display field whose enrichment fallback it uses when CloudTrail's own field is missing."""


def _enriched_pivot(store: Backend, row: int, kind: str, record: Any, what: str) -> Optional[Pivot]:
    """A pivot on an enrichment field (``network.client.ip``, ``http.useragent``), said to be one."""
    if record is None:
        record = next(store.records([row]))
    _own, path = identity.ENRICHED_FALLBACKS[ENRICHED_PATHS[kind]]
    value = identity.enriched_value(record, path)
    if value is None:
        return None
    dotted = ".".join(path)
    if isinstance(record, dict) and isinstance(record.get(dotted), str) and record.get(dotted):
        expression = f".[{_lit(dotted)}]"
    else:
        expression = "." + dotted
    label = f"{kind} {_short(value, 40)} (enriched)"
    note = f"{what} from the enrichment field {dotted}: these events have no CloudTrail value for it"
    return Pivot(kind, value, label, f"select({expression} == {_lit(value)})", note)


def choices(store: Backend, row: int, kind: str) -> list[Pivot]:
    """Every pivot of ``kind`` the event offers: one per resource or access key (an S3 object, then its
    bucket …), else the single pivot, else none."""
    record = next(store.records([row]))
    if kind == "resource":
        values = identity.resources(record)
    elif kind == "key":
        values = identity.access_keys(record)
    elif kind == "session":
        values = identity.session_keys(record)
    else:
        single = pivot_for(store, row, kind, record=record)
        return [single] if single is not None else []
    found = [pivot_for(store, row, kind, value, record) for value in values]
    return [pivot for pivot in found if pivot is not None]


def available(store: Backend, row: int) -> dict[str, Optional[Pivot]]:
    """Every kind's pivot from ``row`` (None where the event has no such value)."""
    record = next(store.records([row]))  # decoded once for every kind (this runs on each cursor move)
    return {kind: pivot_for(store, row, kind, record=record) for kind in KINDS}


def pivot_rows(store: Backend, pivot: Pivot) -> Sequence[int]:
    """The rows the pivot selects, in load order."""
    from .query import compile_query

    return store.filter(compile_query(pivot.filter)).rows


def _short(text: str, width: int = 48) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
