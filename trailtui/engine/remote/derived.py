"""Derived keys as coarse remote predicates: ``actor_key``, ``ip_key``, ``has_access_key``, ``has_session``,
``has_resource`` (rules R1–R5, written in jq in ``prelude.jq``) — what the pivots select on.

A derived key is computed by trailtui from several fields, so no engine has a column for it; left alone,
a pivot's filter ("same user") would bring back every record of the chosen partitions. But every value
such a key can take is assembled from *verbatim* pieces of the record's strings (a user name, an access key
id, an ARN, a bucket name) plus fixed text ("role:", "?", "s3://"). So a record whose key equals V holds
each such piece of V (a *needle*) inside one of its strings, and "the record's text contains every needle"
is a superset predicate, as :mod:`.translate` requires:

* ``actor_key == "<kind>:…:<last>"`` — the last ``:``-separated piece comes from the principal's name,
  ARN, id, service or account (never from the computed kind), unless it is the ``?`` fallback;
* ``has_access_key(K)`` — K itself; ``has_session`` — the ARN (and creation date) or key id it names;
* ``has_resource(R)`` — R itself (an ARN, an instance id, a role or policy ARN), the bucket for
  ``s3://bucket[/key]`` (the text before the first ``/``: a prefix of the bucket name), the name for
  ``iam-user:``/``iam-role:`` keys;
* ``ip_key`` — on the ``sourceIPAddress`` column, on every engine: an IPv4 key's address appears in the text
  (or the text is an IPv6 form, which holds a ``:``), an IPv6 key's text holds a ``:``, ``service:`` keys
  match the name case-insensitively (ASCII), ``other:`` keys appear as they are, ``aws-internal`` is
  ``AWS Internal``.

The needles are matched on Spark's ``_raw`` (the record's JSON text), so only on Spark. A needle is used
only when it is printable ASCII without ``"`` or ``\\``: such text appears literally in any JSON rendering
of a string that contains it, except where the writer used a ``\\uXXXX`` or ``\\/`` escape — so records whose
text holds ``\\u`` or ``\\/`` are always kept. Anything else returns None: no narrowing, as before.
"""

from __future__ import annotations

import re
from typing import Optional

from sqlglot import exp

from .table import access

_SAFE = re.compile(r'[ !#-\[\]-~]+')
"""Printable ASCII without ``"`` and ``\\``."""
_IPV4 = re.compile(r"[0-9]{1,3}(\.[0-9]{1,3}){3}")


def needles(key: str, value: object) -> list[str]:
    """Pieces of the record's text every record with ``key`` equal to (or holding) ``value`` contains."""
    if not isinstance(value, str) or not value:
        return []
    found: list[str] = []
    if key == "actor_key":
        if ":" in value:
            found = [value.rsplit(":", 1)[1]]
    elif key == "has_access_key":
        found = [value]
    elif key == "has_session":
        kind, _, rest = value.partition(":")
        if kind in ("signin", "key"):
            found = [rest]
        elif kind == "arn" and "@" in rest:
            arn, _, created = rest.rpartition("@")
            found = [arn, created]
    elif key == "has_resource":
        if value.startswith("s3://"):
            found = [value[5:].split("/", 1)[0]]
        elif value.startswith(("iam-user:", "iam-role:")):
            found = [value.rsplit(":", 1)[1]]
        else:
            found = [value]
    return [n for n in found if n and n != "?" and _SAFE.fullmatch(n)]


def _contains(text: exp.Expression, needle: exp.Expression) -> exp.Expression:
    return exp.GT(this=exp.StrPosition(this=text.copy(), substr=needle), expression=exp.Literal.number(0))


def _escaped(raw: exp.Expression) -> exp.Expression:
    """The JSON text uses a ``\\u`` or ``\\/`` escape somewhere (written without a backslash in SQL, whose
    string escapes differ across dialects)."""
    backslash = exp.func("chr", exp.Literal.number(92))
    return exp.or_(*(_contains(raw, exp.func("concat", backslash.copy(), exp.Literal.string(c))) for c in "u/"))


def raw_predicate(key: str, value: object, engine: str) -> Optional[exp.Expression]:
    """The needles of ``key == value`` as a predicate on Spark's ``_raw`` (None: no narrowing)."""
    if engine != "spark":
        return None
    found = needles(key, value)
    if not found:
        return None
    raw = exp.column("_raw")
    held = exp.and_(*(_contains(raw, exp.Literal.string(n)) for n in found))
    return exp.Paren(this=exp.or_(exp.Paren(this=held), _escaped(raw)))


def ip_predicate(value: object, engine: str) -> Optional[exp.Expression]:
    """``ip_key == value`` as a predicate on the ``sourceIPAddress`` column (None: no narrowing)."""
    if not isinstance(value, str) or "\x00" in value:
        return None
    col = access(("sourceIPAddress",), engine).scalar
    colon = _contains(col, exp.Literal.string(":"))
    if value == "aws-internal":
        return _contains(col, exp.Literal.string("AWS Internal"))
    kind, _, rest = value.partition(":")
    if kind == "ip":
        address = rest.split("@", 1)[0]
        if _IPV4.fullmatch(address):
            return exp.Paren(this=exp.or_(_contains(col, exp.Literal.string(address)), colon))
        return colon if ":" in address else None
    if kind == "service" and _SAFE.fullmatch(rest):
        return exp.RegexpLike(this=col.copy(), expression=exp.Literal.string("(?i)" + _literal_regex(rest)))
    if kind == "other" and rest and _SAFE.fullmatch(rest):
        return _contains(col, exp.Literal.string(rest))
    return None


def _literal_regex(text: str) -> str:
    """A regex matching ``text`` (printable ASCII) literally, read alike by Java, RE2 and Joni: letters and
    digits as they are, ``^`` and ``]`` escaped, anything else in a one-character class."""
    return "".join(c if c.isalnum() else "\\" + c if c in "^]" else f"[{c}]" for c in text)


def derived_predicate(key: str, value: object, engine: str) -> Optional[exp.Expression]:
    """A superset predicate for the derived key ``key`` equal to / holding ``value``, or None."""
    if key == "ip_key":
        return ip_predicate(value, engine)
    return raw_predicate(key, value, engine)
