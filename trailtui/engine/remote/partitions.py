"""Partition pruning: the filter's time range, regions and accounts as a choice of CloudTrail S3 folders.

A trail writes ``AWSLogs/[<org-id>/]<account>/CloudTrail/<region>/<yyyy>/<mm>/<dd>/<file>``, where the date
folders and the ``YYYYMMDDTHHmmZ`` stamp in the file name are the **delivery** time (UTC), and a file holds
events from before its delivery. So, from the top-level conjunction of the filter's plan:

* ``.eventTime >= L`` (also ``> L``, and ``fromdate >= N``): only files delivered at or after L can hold
  such events — exact, since delivery follows the event;
* ``.eventTime < U`` (``<=``): a file delivered after U may still hold older events (AWS delivers within
  about 5 minutes on average, without guarantee), so files are kept up to U + ``slack`` (default 2 hours;
  ``None`` keeps every later file). This is the one assumption pruning makes, and ``--explain`` says so;
* ``.awsRegion == R`` / ``IN(...)`` and ``.recipientAccountId == A`` / ``IN(...)`` pick the region and
  account folders (the folder of an event is its region and recipient account).

It also assumes each record's ``eventTime`` is the ISO time of its event (a record with a malformed time
in an early folder could be pruned). Folders outside the layout are read whole; digest folders
(``CloudTrail-Digest``) hold no events and are skipped.

:func:`list_files` walks a local tree entering only matching folders, in the loader's order (sorted path
order, see :mod:`trailtui.engine.loading.paths`); :func:`athena_predicate` gives the same choice as a
predicate on the Athena table's projected partitions.
"""

from __future__ import annotations

import calendar
import os
import re
import time
from dataclasses import dataclass, field
from typing import Optional

from sqlglot import exp

from ..loading.paths import _skipped_in_directory, sort_key
from ..planner import PAnd, PEq, POr, PPred, PTimeRange, Plan
from ..jq.parser import parse
from .translate import fromdate_condition

DEFAULT_SLACK = 2 * 3600
"""How long after an event's time its file is assumed delivered (upper time bounds only)."""

_ISO = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})(?:T([0-9]{2}):([0-9]{2}):([0-9]{2}))?")
_STAMP = re.compile(r"_([0-9]{8}T[0-9]{4})Z")
_ACCOUNT = re.compile(r"[0-9]{12}")
_ORG = re.compile(r"o-[a-z0-9]{10,32}")


@dataclass
class Partitions:
    accounts: Optional[frozenset] = None
    regions: Optional[frozenset] = None
    earliest: Optional[int] = None
    """No event before this epoch second is wanted (files delivered before it are skipped)."""
    latest: Optional[int] = None
    """No event at or after this epoch second is wanted."""
    slack: Optional[int] = DEFAULT_SLACK
    notes: list = field(default_factory=list)

    @property
    def last_delivery(self) -> Optional[int]:
        if self.latest is None or self.slack is None:
            return None
        return self.latest + self.slack

    def day_range(self) -> tuple[Optional[str], Optional[str]]:
        first = time.strftime("%Y/%m/%d", time.gmtime(self.earliest)) if self.earliest is not None else None
        last_at = self.last_delivery
        last = time.strftime("%Y/%m/%d", time.gmtime(last_at)) if last_at is not None else None
        return first, last

    def prunes(self) -> bool:
        return bool(self.accounts is not None or self.regions is not None or self.earliest is not None
                    or self.last_delivery is not None)

    def describe(self) -> list[str]:
        lines = []
        lines.append("accounts: " + (", ".join(sorted(self.accounts)) if self.accounts is not None else "all"))
        lines.append("regions: " + (", ".join(sorted(self.regions)) if self.regions is not None else "all"))
        first, last = self.day_range()
        if first or last:
            lines.append(f"delivery days: {first or 'start'} .. {last or 'end'}")
        else:
            lines.append("delivery days: all")
        if self.earliest is not None:
            lines.append(f"  files delivered from {_iso(self.earliest)} (events at or after it)")
        if self.latest is not None:
            if self.slack is None:
                lines.append(f"  events before {_iso(self.latest)}: later files kept (no delivery slack assumed)")
            else:
                lines.append(f"  files delivered up to {_iso(self.last_delivery)}: events before {_iso(self.latest)}, "
                             f"assuming delivery within {self.slack // 60} min (AWS: about 5 min on average, not guaranteed)")
        return lines


def _iso(epoch: Optional[int]) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch)) if epoch is not None else "?"


def _conjuncts(plan: Plan) -> list:
    if isinstance(plan, PAnd):
        return [leaf for item in plan.items for leaf in _conjuncts(item)]
    return [plan]


def _values(plan: Plan, path: tuple) -> Optional[frozenset]:
    """The strings the plan allows at ``path`` (``== S`` or an ``or``/``IN`` of those), else None."""
    if isinstance(plan, PEq) and plan.path == path and isinstance(plan.value, str):
        return frozenset([plan.value])
    if isinstance(plan, POr):
        parts = [_values(item, path) for item in plan.items]
        if parts and all(p is not None for p in parts):
            return frozenset().union(*parts)
    return None


def _epoch(literal: str, upper: bool, inclusive: bool = True) -> Optional[int]:
    m = _ISO.match(literal)
    if not m:
        return None
    y, mo, d = int(m[1]), int(m[2]), int(m[3])
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return None
    day = calendar.timegm((y, mo, d, 0, 0, 0))
    if m[4] is None:
        # ``t < "2024-01-06"`` or ``t >= "2024-01-05"``: whole days (t's date <= / >= the literal's)
        return day + 86400 if upper else day
    at = day + int(m[4]) * 3600 + int(m[5]) * 60 + int(m[6])
    if upper and (inclusive or len(literal) > 19 and literal[19] not in "Z"):
        return at + 1  # ``t <= "…T07:00:00Z"``, or a longer literal (fractions): up to the next second
    return at


def partitions_of(plan: Plan, slack: Optional[int] = DEFAULT_SLACK) -> Partitions:
    """What the plan's top-level conjunction says about accounts, regions and times."""
    parts = Partitions(slack=slack)
    for leaf in _conjuncts(plan):
        for attr, path in (("accounts", ("recipientAccountId",)), ("regions", ("awsRegion",))):
            values = _values(leaf, path)
            if values is not None:
                old = getattr(parts, attr)
                setattr(parts, attr, values if old is None else old & values)
        conditions: list = []
        if isinstance(leaf, PTimeRange):
            conditions = list(leaf.conditions)
        elif isinstance(leaf, PPred) and leaf.path == ("eventTime",) and not leaf.has_default:
            cond = fromdate_condition(parse(leaf.predicate))
            if cond is not None:
                conditions = [cond]
        for op, literal in conditions:
            if not isinstance(literal, str):
                continue
            if op in (">", ">="):
                at = _epoch(literal, upper=False)
                if at is not None:
                    parts.earliest = at if parts.earliest is None else max(parts.earliest, at)
            else:
                at = _epoch(literal, upper=True, inclusive=(op == "<="))
                if at is not None:
                    parts.latest = at if parts.latest is None else min(parts.latest, at)
    return parts


# ---------------------------------------------------------------------------------------------------
# Local (file://) listing


@dataclass
class Listing:
    files: list
    """Paths in load order."""
    directories_listed: int = 0
    files_seen: int = 0
    """Files in the folders that were listed (before the delivery-stamp check)."""


def _layout_rest(parts: tuple) -> Optional[tuple]:
    """The folders below ``AWSLogs/[org/]`` of a folder's absolute path (``()`` for AWSLogs itself), None
    outside the layout."""
    if "AWSLogs" not in parts:
        return None
    i = len(parts) - 1 - parts[::-1].index("AWSLogs")
    rest = parts[i + 1:]
    if rest and _ORG.fullmatch(rest[0]):
        rest = rest[1:]
    return rest


def _keep_dir(rest: tuple, name: str, parts: Partitions) -> bool:
    """Whether to enter ``name`` inside the layout folder ``rest`` (account, kind, region, yyyy, mm, dd)."""
    depth = len(rest)
    if depth == 0:
        if _ORG.fullmatch(name):
            return True
        return parts.accounts is None or not _ACCOUNT.fullmatch(name) or name in parts.accounts
    if depth == 1:
        return name != "CloudTrail-Digest"
    if depth == 2:
        return parts.regions is None or name in parts.regions
    if 3 <= depth <= 5:
        first, last = parts.day_range()
        prefix = "/".join(rest[3:] + (name,))
        width = len(prefix)
        if first is not None and prefix < first[:width]:
            return False
        if last is not None and prefix > last[:width]:
            return False
    return True


def _keep_file(name: str, parts: Partitions) -> bool:
    m = _STAMP.search(name)
    if not m:
        return True
    try:
        stamp = calendar.timegm(time.strptime(m[1], "%Y%m%dT%H%M"))
    except ValueError:
        return True
    if parts.earliest is not None and stamp + 60 <= parts.earliest:
        return False
    last = parts.last_delivery
    if last is not None and stamp > last:
        return False
    return True


def list_files(root: str, parts: Partitions) -> Listing:
    """The files under ``root`` (a file, or a folder walked like the loader walks it) that pruning keeps."""
    if not os.path.isdir(root):
        return Listing([root], 0, 1)
    found: list = []
    listing = Listing(found)
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        listing.directories_listed += 1
        rest = _layout_rest(tuple(os.path.abspath(dirpath).replace("\\", "/").split("/")))
        keep = [d for d in dirnames if not d.startswith(".")]
        if rest is not None:
            keep = [d for d in keep if _keep_dir(rest, d, parts)]
        dirnames[:] = sorted(keep)
        for name in filenames:
            if _skipped_in_directory(name):
                continue
            listing.files_seen += 1
            if rest is not None and len(rest) == 6 and not _keep_file(name, parts):
                continue
            found.append(os.path.join(dirpath, name))
    found.sort(key=sort_key)
    return listing


# ---------------------------------------------------------------------------------------------------
# Athena partition projection


def athena_predicate(parts: Partitions) -> Optional[exp.Expression]:
    """The choice as a predicate on the projected partitions ``account``, ``region``, ``timestamp``."""
    terms = []
    if parts.accounts is not None:
        terms.append(exp.column("account").isin(*[exp.Literal.string(a) for a in sorted(parts.accounts)]))
    if parts.regions is not None:
        terms.append(exp.column("region").isin(*[exp.Literal.string(r) for r in sorted(parts.regions)]))
    first, last = parts.day_range()
    day = exp.column("timestamp", quoted=True)
    if first is not None:
        terms.append(exp.GTE(this=day.copy(), expression=exp.Literal.string(first)))
    if last is not None:
        terms.append(exp.LTE(this=day.copy(), expression=exp.Literal.string(last)))
    if not terms:
        return None
    return exp.and_(*terms) if len(terms) > 1 else terms[0]


def s3_globs(base: str, parts: Partitions, limit: int = 64) -> Optional[list]:
    """Glob patterns under ``base`` (``s3a://bucket/prefix/``) for the chosen folders, when few enough to
    list (each day a pattern); None when pruning would not help."""
    if not parts.prunes():
        return None
    accounts = sorted(parts.accounts) if parts.accounts is not None else ["*"]
    regions = sorted(parts.regions) if parts.regions is not None else ["*"]
    first, last = parts.day_range()
    if first is None or last is None:
        days = ["*/*/*"]
    else:
        days = []
        at = calendar.timegm(time.strptime(first, "%Y/%m/%d"))
        end = calendar.timegm(time.strptime(last, "%Y/%m/%d"))
        while at <= end:
            days.append(time.strftime("%Y/%m/%d", time.gmtime(at)))
            at += 86400
            if len(days) > limit:
                days = ["*/*/*"]
                break
    base = base.rstrip("/") + "/"
    return [f"{base}AWSLogs/{{,*/}}{a}/CloudTrail/{r}/{d}/*" for a in accounts for r in regions for d in days]
