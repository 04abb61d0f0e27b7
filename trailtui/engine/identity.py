"""Who did it and from where: rules R1–R5 of the CloudTrail guide, as fast pure functions of one record.

Every function takes one parsed CloudTrail record (a dict) and never raises, whatever the input holds:
wrong types, missing keys and nulls all count as "absent". Only non-empty **strings** are used as
values; a number or object where a string is expected is ignored. ``trailtui/engine/prelude.jq``
implements the same rules in jq, and ``tests/test_prelude_vs_jq.py`` proves the two agree.

* ``actor_key`` (R1): the "same user" pivot key, e.g. ``role:111122223333:Admin``,
  ``sso-user:jane@example.com``, ``user:123456789012:glitch``, ``root:123456789012``,
  ``service:ec2.amazonaws.com``; None for Insight records and records without ``userIdentity``.
* ``actor_name`` (R2): the User column, e.g. ``Admin/session``, ``jane [PermissionSet]``, ``root (alias)``.
* ``access_keys`` / ``signing_key`` (R3): the access key ids an event uses, mints, creates or changes.
* ``session_keys`` (R4): the event's own session key, then the sessions of credentials it minted.
* ``ip_key`` / ``ip_class`` (R5): the canonical source-address key.
* ``resources``: resource identifiers for the "same resource" pivot.
* ``extract_row``: every table field at once, called for each event at load time.
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

__all__ = [
    "NO_ACTOR",
    "ROW_FIELDS",
    "access_keys",
    "account",
    "actor_key",
    "actor_name",
    "event_display_name",
    "event_source_display",
    "extract_row",
    "ip_class",
    "ip_key",
    "is_insight",
    "is_key_id",
    "outcome",
    "display_outcome",
    "enriched_value",
    "ENRICHED_FALLBACKS",
    "ENRICHED_MARK",
    "resources",
    "session_keys",
    "signing_key",
]

ROW_FIELDS = (
    "time",
    "event",
    "source",
    "actor",
    "account",
    "region",
    "ip",
    "error",
    "agent",
    "read_only",
    "event_id",
    "actor_key",
    "ip_key",
    "outcome",
    "origin_ip",
    "client",
    "request_id",
)
"""The names of the values ``extract_row`` returns, in order.

The last four are for the screen: ``outcome`` is the error code when there is one, else :func:`outcome`;
``origin_ip``, ``client`` and ``request_id`` are ``sourceIPAddress``, ``userAgent`` and ``requestID``, or,
when the record lacks them, the enrichment fields log pipelines add (:data:`ENRICHED_FALLBACKS`) followed
by :data:`ENRICHED_MARK`, so the screen never passes an enrichment value off as CloudTrail's own.
"""

ENRICHED_MARK = " (enriched)"
"""Appended to a display value read from an enrichment field instead of the CloudTrail field."""

ENRICHED_FALLBACKS: dict[str, tuple[str, tuple[str, ...]]] = {
    "origin_ip": ("sourceIPAddress", ("network", "client", "ip")),
    "client": ("userAgent", ("http", "useragent")),
    "request_id": ("requestID", ("http", "request_id")),
}
"""Display field -> (CloudTrail field, enrichment path used when it is missing; Datadog's names)."""

NO_ACTOR = "—"
"""The actor name shown for records with no ``userIdentity`` (Insight events)."""

_SSO_PREFIX = "AWSReservedSSO_"
_HEX = frozenset("0123456789abcdefABCDEF")
_KEY_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_DIGITS = frozenset("0123456789")
# Exactly the characters jq 1.8's `trim` removes (Python's str.strip() would also drop U+001C–U+001F).
_JQ_WHITESPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u2028\u2029\u202f\u205f\u3000"
)
_ASCII_LOWER = {c: c + 32 for c in range(65, 91)}


# -- small helpers -------------------------------------------------------------------------------------


def _str(value: Any) -> Optional[str]:
    """``value`` when it is a non-empty string, else None."""
    return value if type(value) is str and value else None


_EMPTY: dict = {}  # never mutated: stands in for a missing object


def _obj(value: Any) -> dict:
    return value if type(value) is dict else _EMPTY


def _lower(text: str) -> str:
    """ASCII-only lower-casing, like jq's ``ascii_downcase``."""
    return text.lower() if text.isascii() else text.translate(_ASCII_LOWER)


def _last_segment(arn: Optional[str]) -> Optional[str]:
    """The part after the last ``/`` (the whole string when there is none), if non-empty."""
    if arn is None:
        return None
    return arn.rsplit("/", 1)[-1] or None


def is_insight(rec: Any) -> bool:
    """True for CloudTrail Insights records (``eventType`` ``AwsCloudTrailInsight``/``eventCategory`` ``Insight``)."""
    if type(rec) is not dict:
        return False
    return rec.get("eventType") == "AwsCloudTrailInsight" or rec.get("eventCategory") == "Insight"


def account(rec: Any) -> Optional[str]:
    """The account the event belongs to: ``recipientAccountId``, else ``userIdentity.accountId``."""
    if type(rec) is not dict:
        return None
    return _str(rec.get("recipientAccountId")) or _str(_obj(rec.get("userIdentity")).get("accountId"))


def _principal_account(rec: dict, ui: dict) -> str:
    """R1's ``acct``: the principal's account, else the receiving account, else ``?``."""
    return _str(ui.get("accountId")) or _str(rec.get("recipientAccountId")) or "?"


def _session_name(ui: dict) -> Optional[str]:
    """Last segment of an ``:assumed-role/`` ARN, else what follows the first ``:`` of ``principalId``."""
    arn = _str(ui.get("arn"))
    if arn is not None and ":assumed-role/" in arn:
        name = arn.rsplit("/", 1)[-1]
        if name:
            return name
    pid = _str(ui.get("principalId"))
    if pid is not None and ":" in pid:
        return pid.split(":", 1)[1] or None
    return None


def _role_name(ui: dict) -> Optional[str]:
    """The issuer's ``userName``, else the role segment of an ``:assumed-role/`` or ``:role/`` ARN."""
    name = _str(_obj(_obj(ui.get("sessionContext")).get("sessionIssuer")).get("userName"))
    if name is not None:
        return name
    arn = _str(ui.get("arn"))
    if arn is None:
        return None
    if ":assumed-role/" in arn:
        return arn.split(":assumed-role/")[1].split("/")[0] or None
    if ":role/" in arn:
        return arn.rsplit("/", 1)[-1] or None
    return None


def _permission_set(role: str) -> str:
    """``AWSReservedSSO_<set>_<16 hex>`` → ``<set>``."""
    name = role[len(_SSO_PREFIX) :]
    if len(name) > 17 and name[-17] == "_" and _HEX.issuperset(name[-16:]):
        return name[:-17]
    return name


# -- R1 / R2 -------------------------------------------------------------------------------------------


def _actor_key(rec: dict, ui: dict) -> str:
    kind = ui.get("type")
    if type(kind) is not str:
        kind = ""
    if kind == "AssumedRole" or kind == "Role":
        role = _role_name(ui) or "?"
        if role.startswith(_SSO_PREFIX):
            return "sso-user:" + (_session_name(ui) or "?")
        return "role:" + _principal_account(rec, ui) + ":" + role
    if kind == "IAMUser":
        name = (
            _str(ui.get("userName"))
            or _last_segment(_str(ui.get("arn")))
            or _str(ui.get("principalId"))
            or "?"
        )
        return "user:" + _principal_account(rec, ui) + ":" + name
    if kind == "Root":
        return "root:" + _principal_account(rec, ui)
    if kind == "FederatedUser":
        name = _last_segment(_str(ui.get("arn"))) or _str(ui.get("principalId")) or "?"
        return "federated:" + _principal_account(rec, ui) + ":" + name
    if kind == "SAMLUser" or kind == "WebIdentityUser":
        return (
            _lower(kind)
            + ":"
            + (_str(ui.get("identityProvider")) or "?")
            + ":"
            + (_str(ui.get("userName")) or _str(ui.get("principalId")) or "?")
        )
    if kind == "IdentityCenterUser":
        behalf = _obj(ui.get("onBehalfOf"))
        store = _last_segment(_str(behalf.get("identityStoreArn"))) or "?"
        return "idc:" + store + ":" + (_str(behalf.get("userId")) or "?")
    if kind == "AWSService":
        return "service:" + (_str(ui.get("invokedBy")) or "?")
    if kind == "AWSAccount":
        return "account:" + (_str(ui.get("accountId")) or "?") + ":" + (_str(ui.get("principalId")) or "?")
    if kind == "":
        invoked = _str(ui.get("invokedBy"))
        if invoked is not None:
            return "service:" + invoked
        return "account:" + _principal_account(rec, ui)
    ident = _str(ui.get("arn")) or _str(ui.get("userName")) or _str(ui.get("principalId")) or "?"
    return _lower(kind) + ":" + _principal_account(rec, ui) + ":" + ident


def actor_key(rec: Any) -> Optional[str]:
    """R1: the "same user" pivot key; None for Insight records and records without ``userIdentity``."""
    if type(rec) is not dict:
        return None
    ui = rec.get("userIdentity")
    if type(ui) is not dict or is_insight(rec):
        return None
    return _actor_key(rec, ui)


def _actor_name(rec: dict, ui: dict) -> str:
    kind = ui.get("type")
    if type(kind) is not str:
        kind = ""
    if kind == "AssumedRole" or kind == "Role":
        role = _role_name(ui) or "?"
        session = _session_name(ui)
        if role.startswith(_SSO_PREFIX):
            return (session or "?") + " [" + _permission_set(role) + "]"
        return role + "/" + session if session is not None else role
    if kind == "IAMUser":
        return (
            _str(ui.get("userName"))
            or _last_segment(_str(ui.get("arn")))
            or _str(ui.get("principalId"))
            or "?"
        )
    if kind == "Root":
        alias = _str(ui.get("userName"))
        return "root (" + alias + ")" if alias is not None else "root"
    if kind == "FederatedUser":
        return (_last_segment(_str(ui.get("arn"))) or _str(ui.get("principalId")) or "?") + " (fed)"
    if kind == "SAMLUser" or kind == "WebIdentityUser":
        return _str(ui.get("userName")) or _str(ui.get("principalId")) or "?"
    if kind == "IdentityCenterUser":
        name = _str(_obj(rec.get("additionalEventData")).get("UserName"))
        if name is not None:
            return name
        return "idc:" + (_str(_obj(ui.get("onBehalfOf")).get("userId")) or "?")
    if kind == "AWSService":
        return _str(ui.get("invokedBy")) or "?"
    if kind == "AWSAccount":
        return "acct:" + (_str(ui.get("accountId")) or "?")
    if kind == "":
        return _str(ui.get("invokedBy")) or "acct:" + _principal_account(rec, ui)
    return _str(ui.get("userName")) or _str(ui.get("principalId")) or _str(ui.get("arn")) or "?"


def actor_name(rec: Any) -> str:
    """R2: the User column's display name (``—`` for Insight records and records without ``userIdentity``)."""
    if type(rec) is not dict:
        return NO_ACTOR
    ui = rec.get("userIdentity")
    if type(ui) is not dict or is_insight(rec):
        return NO_ACTOR
    return _actor_name(rec, ui)


# -- R3 / R4 -------------------------------------------------------------------------------------------


def is_key_id(value: Any) -> bool:
    """True for an ``AKIA…``/``ASIA…`` access key id (16–128 upper-case letters and digits)."""
    return (
        type(value) is str
        and 16 <= len(value) <= 128
        and (value.startswith("AKIA") or value.startswith("ASIA"))
        and _KEY_CHARS.issuperset(value)
    )


def _path(rec: Any, first: str, second: str, third: Optional[str] = None) -> Any:
    value = rec.get(first) if type(rec) is dict else None
    value = value.get(second) if type(value) is dict else None
    if third is not None:
        value = value.get(third) if type(value) is dict else None
    return value


def access_keys(rec: Any) -> list[str]:
    """R3: distinct access key ids the event references, signing key first.

    In order: ``userIdentity.accessKeyId`` (signed the request), ``responseElements.credentials.accessKeyId``
    (minted by AssumeRole*/GetSessionToken/GetFederationToken), ``responseElements.accessKey.accessKeyId``
    (created by CreateAccessKey), ``requestParameters.accessKeyId`` (changed by Update/DeleteAccessKey).
    Only values that pass ``is_key_id`` count (``""``, ``"Unknown"`` and ``AIDA…`` ids do not).
    """
    if type(rec) is not dict:
        return []
    out: list[str] = []
    ui = rec.get("userIdentity")
    if type(ui) is dict:
        value = ui.get("accessKeyId")
        if value is not None and is_key_id(value):
            out.append(value)
    response = rec.get("responseElements")
    if type(response) is dict:
        for name in ("credentials", "accessKey"):
            inner = response.get(name)
            if type(inner) is dict:
                value = inner.get("accessKeyId")
                if value is not None and is_key_id(value) and value not in out:
                    out.append(value)
    params = rec.get("requestParameters")
    if type(params) is dict:
        value = params.get("accessKeyId")
        if value is not None and is_key_id(value) and value not in out:
            out.append(value)
    return out


def signing_key(rec: Any) -> Optional[str]:
    """The access key id that signed the request (``userIdentity.accessKeyId``), when it is a key id."""
    value = _path(rec, "userIdentity", "accessKeyId")
    return value if is_key_id(value) else None


def session_keys(rec: Any) -> list[str]:
    """R4: the event's own session key first, then ``key:<ASIA…>`` of credentials it minted.

    The own key is the first that exists of ``signin:<sessionContext.signInSessionArn>``,
    ``key:<ASIA… signing key>`` and ``arn:<userIdentity.arn>@<sessionContext.attributes.creationDate>``.
    Long-term keys without a session context have none (use the access-key pivot instead).
    """
    if type(rec) is not dict:
        return []
    out: list[str] = []
    ui = rec.get("userIdentity")
    if type(ui) is dict:
        context = _obj(ui.get("sessionContext"))
        signin = _str(context.get("signInSessionArn"))
        key = ui.get("accessKeyId")
        if signin is not None:
            out.append("signin:" + signin)
        elif type(key) is str and key.startswith("ASIA") and is_key_id(key):
            out.append("key:" + key)
        else:
            arn = _str(ui.get("arn"))
            created = _str(_obj(context.get("attributes")).get("creationDate"))
            if arn is not None and created is not None:
                out.append("arn:" + arn + "@" + created)
    response = rec.get("responseElements")
    if type(response) is dict:
        credentials = response.get("credentials")
        if type(credentials) is dict:
            minted = credentials.get("accessKeyId")
            if type(minted) is str and minted.startswith("ASIA") and is_key_id(minted):
                minted = "key:" + minted
                if minted not in out:
                    out.append(minted)
    return out


# -- R5 ------------------------------------------------------------------------------------------------


def _ipv4_octets(text: str) -> Optional[list[int]]:
    """The four octets of a strict dotted-quad IPv4 address (no leading zeros), else None."""
    parts = text.split(".")
    if len(parts) != 4:
        return None
    out = []
    for part in parts:
        if not part or len(part) > 3 or not _DIGITS.issuperset(part) or (part[0] == "0" and len(part) > 1):
            return None
        value = int(part)
        if value > 255:
            return None
        out.append(value)
    return out


def _ipv6_words(text: str) -> Optional[list[int]]:
    """The eight 16-bit words of an IPv6 literal (same acceptance as ``ipaddress``, minus ``%zone``)."""
    parts = text.split(":")
    if len(parts) < 3:
        return None
    if "." in parts[-1]:
        octets = _ipv4_octets(parts.pop())
        if octets is None:
            return None
        parts.append("%x" % (octets[0] * 256 + octets[1]))
        parts.append("%x" % (octets[2] * 256 + octets[3]))
    if len(parts) > 9:
        return None
    gap = -1
    for i in range(1, len(parts) - 1):
        if not parts[i]:
            if gap >= 0:
                return None
            gap = i
    if gap >= 0:
        # "::" stands for at least one zero word; it may also swallow the empty first or last part.
        hi = gap
        lo = len(parts) - gap - 1
        if not parts[0]:
            hi -= 1
            if hi:
                return None
        if not parts[-1]:
            lo -= 1
            if lo:
                return None
        skipped = 8 - (hi + lo)
        if skipped < 1:
            return None
        chosen = parts[:hi] + parts[len(parts) - lo :]
    else:
        if len(parts) != 8:
            return None
        hi = 8
        skipped = 0
        chosen = parts
    words = []
    for part in chosen:
        if not part or len(part) > 4 or not _HEX.issuperset(part):
            return None
        words.append(int(part, 16))
    words[hi:hi] = [0] * skipped
    return words


def _ipv6_text(words: list[int]) -> str:
    """RFC 5952 text: lower-case, no leading zeros, the longest run (≥2) of zero words as ``::``."""
    best = -1
    best_len = 0
    start = -1
    for i, word in enumerate(words):
        if word == 0:
            if start < 0:
                start = i
            if i - start + 1 > best_len:
                best = start
                best_len = i - start + 1
        else:
            start = -1
    hexes = ["%x" % w for w in words]
    if best_len >= 2:
        return ":".join(hexes[:best]) + "::" + ":".join(hexes[best + best_len :])
    return ":".join(hexes)


def _ipv4_private(o: list[int]) -> bool:
    a, b = o[0], o[1]
    return (
        a == 10
        or a == 127
        or (a == 172 and 16 <= b <= 31)
        or (a == 192 and b == 168)
        or (a == 100 and 64 <= b <= 127)
        or (a == 169 and b == 254)
    )


def canonical_ip(text: str) -> Optional[tuple[str, bool]]:
    """``(canonical text, is_private)`` for an IPv4/IPv6 literal, else None.

    IPv4-mapped IPv6 (``::ffff:a.b.c.d``) is unwrapped to IPv4. Private means 10/8, 172.16/12,
    192.168/16, 100.64/10, 127/8, 169.254/16, fc00::/7, fe80::/10 or ::1 (documentation ranges are public).
    """
    if ":" not in text:
        octets = _ipv4_octets(text)
        if octets is None:
            return None
        return text, _ipv4_private(octets)
    words = _ipv6_words(text)
    if words is None:
        return None
    if words[:6] == [0, 0, 0, 0, 0, 0xFFFF]:
        octets = [words[6] >> 8, words[6] & 255, words[7] >> 8, words[7] & 255]
        return "%d.%d.%d.%d" % tuple(octets), _ipv4_private(octets)
    first = words[0]
    private = 0xFC00 <= first <= 0xFDFF or 0xFE80 <= first <= 0xFEBF or words == [0, 0, 0, 0, 0, 0, 0, 1]
    return _ipv6_text(words), private


def _classify_address(text: str) -> tuple[Optional[str], bool]:
    """``(key, scope_by_account)`` for one raw ``sourceIPAddress`` string."""
    text = text.strip(_JQ_WHITESPACE)
    if not text:
        return None, False
    if text == "AWS Internal":
        return "aws-internal", False
    parsed = canonical_ip(text)
    if parsed is not None:
        return "ip:" + parsed[0], parsed[1]
    lowered = _lower(text)
    if lowered.endswith(".amazonaws.com"):
        return "service:" + lowered, False
    return "other:" + text, False


# Source addresses repeat heavily within a log, so classification is memoised (bounded: cleared when full).
_ADDRESS_CACHE: dict[str, tuple[Optional[str], bool]] = {}
_ADDRESS_CACHE_MAX = 1 << 16


def _ip_key(rec: dict) -> Optional[str]:
    raw = rec.get("sourceIPAddress")
    if type(raw) is not str:
        return None
    cached = _ADDRESS_CACHE.get(raw)
    if cached is None:
        if len(_ADDRESS_CACHE) >= _ADDRESS_CACHE_MAX:
            _ADDRESS_CACHE.clear()
        cached = _ADDRESS_CACHE[raw] = _classify_address(raw)
    key, scoped = cached
    if scoped:
        return key + "@" + (account(rec) or "")  # type: ignore[operator]
    return key


def ip_key(rec: Any) -> Optional[str]:
    """R5: the source-address pivot key, or None when ``sourceIPAddress`` is missing or blank.

    ``ip:<canonical>`` for public addresses; ``ip:<canonical>@<account>`` for private/local ranges (they
    collide across VPCs, so they are scoped by ``account(rec)``); ``aws-internal``; ``service:<name>`` for
    ``*.amazonaws.com`` callers (lower-cased); ``other:<text>`` for anything else. The value is first
    stripped of the whitespace jq's ``trim`` removes.
    """
    if type(rec) is not dict:
        return None
    return _ip_key(rec)


def ip_class(key: Optional[str]) -> Optional[str]:
    """The class of an ``ip_key``: ``ip``, ``private``, ``aws-internal``, ``service`` or ``other``."""
    if not key:
        return None
    if key.startswith("ip:"):
        return "private" if "@" in key else "ip"
    if key == "aws-internal":
        return "aws-internal"
    if key.startswith("service:"):
        return "service"
    return "other"


# -- resources -----------------------------------------------------------------------------------------


def _instance_ids(container: Any, out: list[str]) -> None:
    items = _obj(_obj(container).get("instancesSet")).get("items")
    if type(items) is list:
        for item in items:
            iid = _obj(item).get("instanceId")
            if type(iid) is str and iid.startswith("i-") and iid not in out:
                out.append(iid)


def resources(rec: Any) -> list[str]:
    """Resource identifiers for the "same resource" pivot, deduplicated, in this order:

    1. every non-empty ``resources[].ARN``;
    2. ``s3://<bucket>`` then ``s3://<bucket>/<key>`` from ``requestParameters.bucketName``/``key``;
    3. EC2 instance ids (``i-…``) from ``requestParameters.instanceId``, then the ``instancesSet.items[].instanceId``
       of ``requestParameters`` and of ``responseElements``;
    4. ``requestParameters.roleArn`` and ``requestParameters.policyArn``;
    5. for ``iam.amazonaws.com`` events, ``iam-user:<acct>:<requestParameters.userName>`` and
       ``iam-role:<acct>:<requestParameters.roleName>`` (``acct`` = ``account(rec)`` or ``?``).
    """
    if type(rec) is not dict:
        return []
    out: list[str] = []
    listed = rec.get("resources")
    if type(listed) is list:
        for item in listed:
            arn = _str(_obj(item).get("ARN"))
            if arn is not None and arn not in out:
                out.append(arn)
    params = rec.get("requestParameters")
    if type(params) is dict:
        bucket = _str(params.get("bucketName"))
        if bucket is not None:
            for value in ("s3://" + bucket, None):
                if value is None:
                    key = _str(params.get("key"))
                    if key is None:
                        break
                    value = "s3://" + bucket + "/" + key
                if value not in out:
                    out.append(value)
        iid = params.get("instanceId")
        if type(iid) is str and iid.startswith("i-") and iid not in out:
            out.append(iid)
        _instance_ids(params, out)
    _instance_ids(rec.get("responseElements"), out)
    if type(params) is dict:
        for name in ("roleArn", "policyArn"):
            value = _str(params.get(name))
            if value is not None and value not in out:
                out.append(value)
        if rec.get("eventSource") == "iam.amazonaws.com":
            acct = account(rec) or "?"
            for name, prefix in (("userName", "iam-user:"), ("roleName", "iam-role:")):
                value = _str(params.get(name))
                if value is not None:
                    value = prefix + acct + ":" + value
                    if value not in out:
                        out.append(value)
    return out


# -- display fields ------------------------------------------------------------------------------------


def event_display_name(rec: Any) -> str:
    """``eventName``; for Insights ``<insightDetails.eventName> (Insight <state>)``."""
    if type(rec) is not dict:
        return ""
    if is_insight(rec):
        details = _obj(rec.get("insightDetails"))
        return (
            (_str(details.get("eventName")) or "?") + " (Insight " + (_str(details.get("state")) or "?") + ")"
        )
    return _str(rec.get("eventName")) or ""


def event_source_display(rec: Any) -> str:
    """``eventSource``; for Insights ``insightDetails.eventSource``."""
    if type(rec) is not dict:
        return ""
    if is_insight(rec):
        return _str(_obj(rec.get("insightDetails")).get("eventSource")) or ""
    return _str(rec.get("eventSource")) or ""


def outcome(rec: Any) -> str:
    """``Failure`` if ``errorCode``/``errorMessage`` is non-empty, else ConsoleLogin's result, else ``Success``.

    Insight records have no outcome (``""``).
    """
    if type(rec) is not dict or is_insight(rec):
        return ""
    if _str(rec.get("errorCode")) is not None or _str(rec.get("errorMessage")) is not None:
        return "Failure"
    return _str(_path(rec, "responseElements", "ConsoleLogin")) or "Success"


def enriched_value(rec: Any, path: Sequence[str]) -> Optional[str]:
    """The non-empty string at an enrichment ``path``: nested objects, or one flattened dotted key."""
    if type(rec) is not dict:
        return None
    flat = _str(rec.get(".".join(path)))
    if flat is not None:
        return flat
    value: Any = rec
    for key in path:
        value = value.get(key) if type(value) is dict else None
    return _str(value)


def display_outcome(rec: Any) -> str:
    """The Outcome column: the ``errorCode`` when there is one, else :func:`outcome`."""
    if type(rec) is not dict:
        return ""
    return _str(rec.get("errorCode")) or outcome(rec)


def _with_fallback(rec: dict, field: str) -> str:
    own, path = ENRICHED_FALLBACKS[field]
    value = _str(rec.get(own))
    if value is not None:
        return value
    value = enriched_value(rec, path)
    return value + ENRICHED_MARK if value is not None else ""


def extract_row(rec: Any) -> tuple:
    """The table's fields of one record, as strings (``''`` when missing), in ``ROW_FIELDS`` order.

    ``(time, event, source, actor, account, region, ip, error, agent, read_only, event_id, actor_key,
    ip_key, outcome, origin_ip, client, request_id)``; ``read_only`` is ``'true'``, ``'false'`` or ``''``. Equal to calling the public functions
    one by one, but faster: it runs once per loaded event.
    """
    if type(rec) is not dict:
        return ("", "", "", NO_ACTOR, "", "", "", "", "", "", "", "", "", "", "", "", "")
    get = rec.get
    ui = get("userIdentity")
    insight = get("eventType") == "AwsCloudTrailInsight" or get("eventCategory") == "Insight"
    if insight:
        details = _obj(get("insightDetails"))
        event = (_str(details.get("eventName")) or "?") + " (Insight " + (_str(details.get("state")) or "?") + ")"
        source = _str(details.get("eventSource")) or ""
    else:
        event = get("eventName")
        if type(event) is not str:
            event = ""
        source = get("eventSource")
        if type(source) is not str:
            source = ""
    if type(ui) is dict and not insight:
        name = _actor_name(rec, ui)
        key = _actor_key(rec, ui)
    else:
        name = NO_ACTOR
        key = ""
    acct = get("recipientAccountId")
    if type(acct) is not str or not acct:
        acct = ui.get("accountId") if type(ui) is dict else None
        if type(acct) is not str:
            acct = ""
    read_only = get("readOnly")
    if read_only is True or read_only == "true":
        read_only = "true"
    elif read_only is False or read_only == "false":
        read_only = "false"
    else:
        read_only = ""
    time = get("eventTime")
    region = get("awsRegion")
    ip = get("sourceIPAddress")
    error = get("errorCode")
    agent = get("userAgent")
    event_id = get("eventID")
    return (
        time if type(time) is str else "",
        event,
        source,
        name,
        acct,
        region if type(region) is str else "",
        ip if type(ip) is str else "",
        error if type(error) is str else "",
        agent if type(agent) is str else "",
        read_only,
        event_id if type(event_id) is str else "",
        key,
        _ip_key(rec) or "",
        display_outcome(rec),
        _with_fallback(rec, "origin_ip"),
        _with_fallback(rec, "client"),
        _with_fallback(rec, "request_id"),
    )


MULTI_KEYS = {
    "has_access_key": access_keys,
    "has_session": session_keys,
    "has_resource": resources,
}
"""Multi-valued derived keys: the prelude predicate testing membership -> the function listing a record's values."""

DERIVED_KEYS = ("actor_key", "ip_key")
"""Single-valued derived keys (the prelude functions of the same names compute them in jq)."""
