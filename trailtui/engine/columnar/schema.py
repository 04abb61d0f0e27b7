"""The columnar backend's tables: one contract shared by ingest (which fills them) and the jq-to-SQL
compiler (which reads them).

``events`` holds one row per stored event, numbered ``row`` from 0 in load order:

* ``raw VARCHAR`` — the record's compact JSON text, byte for byte what the in-memory store keeps
  (``orjson.dumps`` of the parsed record; the stdlib fallback for integers beyond 64 bits): key order,
  every key, Unicode unescaped. The detail view, exports and the jq fallback read it. Stored with zstd:
  DuckDB's default analysis of long strings (FSST) costs ~20 µs per record at insert; zstd writes ~5x
  faster and ~6x smaller, for ~20 % slower scans.
* ``d_<field>`` VARCHAR for each of ``identity.ROW_FIELDS`` — exactly ``identity.extract_row``'s strings
  ("" where absent). ``d_actor_key``/``d_ip_key`` are rules R1/R5 (the prelude's ``actor_key``/``ip_key``,
  "" where those give null).
* ``v_<path>`` JSON for each path of :data:`PATH_COLUMNS` — the value jq's ``.a.b`` yields on the record, as
  compact JSON text encoded like ``raw`` (so a string's JSON text is ``orjson.dumps(value)``): JSON ``null``
  when jq yields null (the key is absent, or a parent is null), SQL NULL when jq would raise (a parent is a
  string, number, boolean or array, or the record is not an object).
* ``is_object BOOLEAN`` — the record is a JSON object (Records elements can be anything).
* ``src UINTEGER``, ``position UINTEGER``, ``location VARCHAR`` — provenance (``sources.id``, the record's
  index within its source, and "line 12" / "Records[3]").
* ``partial BOOLEAN`` — a CloudTrail Lake row holding only selected columns.

``keys(kind VARCHAR, key VARCHAR, row UBIGINT)`` holds the multi-valued derived keys: one row per value of
``identity.access_keys`` (kind ``has_access_key``), ``identity.session_keys`` (``has_session``) and
``identity.resources`` (``has_resource``) — the prelude predicates of the same names test membership.

``sources(id UINTEGER, path, shape, compressed, size, meta JSON, events, skipped)`` and
``envelopes(row UBIGINT, envelope JSON)`` complete provenance. ``meta`` (one row: ``key``, ``value``)
records what the cache needs (input fingerprints, schema version).
"""

from __future__ import annotations

from ..identity import MULTI_KEYS, ROW_FIELDS

SCHEMA_VERSION = 2
"""2: ``raw`` zstd-compressed, ``v_`` columns computed by DuckDB (``pathvalues.py``). Bump when a table's meaning changes: cached databases of another version are rebuilt."""

TOP_LEVEL_KEYS: tuple[str, ...] = (
    "eventVersion",
    "userIdentity",
    "eventTime",
    "eventSource",
    "eventName",
    "awsRegion",
    "sourceIPAddress",
    "userAgent",
    "errorCode",
    "errorMessage",
    "requestParameters",
    "responseElements",
    "additionalEventData",
    "requestID",
    "eventID",
    "readOnly",
    "resources",
    "eventType",
    "apiVersion",
    "managementEvent",
    "recipientAccountId",
    "sharedEventID",
    "serviceEventDetails",
    "vpcEndpointId",
    "eventCategory",
    "sessionCredentialFromConsole",
    "tlsDetails",
    "insightDetails",
)
"""Top-level CloudTrail fields with a ``v_`` column (values as JSON, see the module docstring)."""

NESTED_PATHS: tuple[tuple[str, ...], ...] = (
    ("userIdentity", "type"),
    ("userIdentity", "userName"),
    ("userIdentity", "arn"),
    ("userIdentity", "accessKeyId"),
    ("userIdentity", "principalId"),
    ("userIdentity", "accountId"),
    ("userIdentity", "invokedBy"),
    ("userIdentity", "sessionContext", "sessionIssuer", "userName"),
    ("requestParameters", "bucketName"),
    ("requestParameters", "key"),
    ("requestParameters", "roleArn"),
    ("requestParameters", "userName"),
    ("requestParameters", "policyArn"),
    ("responseElements", "ConsoleLogin"),
    ("additionalEventData", "MFAUsed"),
)
"""Nested paths filters and hunts use most, with their own ``v_`` column."""


def column_name(path: tuple[str, ...]) -> str:
    """``("userIdentity", "arn")`` -> ``v_userIdentity__arn``."""
    return "v_" + "__".join(path)


PATH_COLUMNS: dict[tuple[str, ...], str] = {
    **{(key,): column_name((key,)) for key in TOP_LEVEL_KEYS},
    **{path: column_name(path) for path in NESTED_PATHS},
}
"""jq path -> ``events`` column holding the value jq's path expression yields, as JSON."""

DISPLAY_COLUMNS: dict[str, str] = {name: f"d_{name}" for name in ROW_FIELDS}
"""Display field name (``identity.ROW_FIELDS``) -> ``events`` column."""

MULTI_KEY_KINDS = tuple(MULTI_KEYS)
"""``keys.kind`` values; each is the prelude predicate testing membership."""


def create_statements() -> list[str]:
    """``CREATE TABLE`` statements for an empty database of this schema version."""
    display = ", ".join(f"{column} VARCHAR" for column in DISPLAY_COLUMNS.values())
    values = ", ".join(f'"{column}" JSON' for column in PATH_COLUMNS.values())
    return [
        "CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR)",
        "CREATE TABLE sources (id UINTEGER, path VARCHAR, shape VARCHAR, compressed BOOLEAN, size UBIGINT,"
        " meta JSON, events UBIGINT, skipped UBIGINT)",
        f"CREATE TABLE events (row UBIGINT, raw VARCHAR USING COMPRESSION zstd, {display}, {values}, is_object BOOLEAN,"
        " src UINTEGER, position UINTEGER, location VARCHAR, partial BOOLEAN)",
        "CREATE TABLE keys (kind VARCHAR, key VARCHAR, row UBIGINT)",
        "CREATE TABLE envelopes (row UBIGINT, envelope JSON)",
    ]
