"""The remote table of CloudTrail records, as each engine holds it, and how a jq path reads it.

One logical table, three physical shapes:

* **athena** — the table AWS documents for CloudTrail in Athena (lower-case columns; ``useridentity`` a
  struct; ``requestparameters``, ``responseelements``, ``additionaleventdata``, ``serviceeventdetails`` as
  JSON *text*; scalars as strings, so a number or boolean arrives as its JSON text). :data:`ATHENA_DDL` is
  the ``CREATE TABLE`` trailtui expects, with partition projection on account, region and delivery day.
* **spark** — the same columns, built by :mod:`.spark` from each record's JSON text with ``from_json`` (Spark
  resolves the lower-case names against the camel-case JSON keys case-insensitively), plus ``_raw`` (the
  record's JSON text), ``_file``/``_pos`` (load order) and ``_odd`` (the record did not fit the typed
  schema: it always goes back to the local jq).
* **lake** — CloudTrail Lake's event data store: the same lower-case names, but ``eventtime`` is a
  TIMESTAMP, ``readonly`` a BOOLEAN and the JSON objects are ``map<string,string>``.

:func:`access` maps a jq path (``.userIdentity.arn``, ``.requestParameters.bucketName``) to a
:class:`Access` or raises :class:`~trailtui.engine.jq.sql.Untranslatable` with the reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from sqlglot import exp

from ..jq.sql import Untranslatable

DIALECTS = {"spark": "spark", "athena": "athena", "lake": "trino"}
"""sqlglot dialect of each engine (CloudTrail Lake runs Trino SQL)."""

TABLE = {"spark": "cloudtrail", "athena": "cloudtrail_logs", "lake": "EVENT_DATA_STORE_ID"}
"""Default table names (``--table`` overrides; Lake's is the event data store ID)."""

SCALARS = (
    "eventVersion", "eventTime", "eventSource", "eventName", "awsRegion", "sourceIPAddress", "userAgent",
    "errorCode", "errorMessage", "requestID", "eventID", "readOnly", "eventType", "apiVersion",
    "recipientAccountId", "sharedEventID", "vpcEndpointId", "eventCategory", "managementEvent",
)
"""Top-level fields held as strings (a non-string JSON value arrives as its JSON text)."""

JSON_TEXT = ("requestParameters", "responseElements", "additionalEventData", "serviceEventDetails")
"""Top-level objects held as JSON text (athena, spark) or ``map<string,string>`` (lake)."""

_IDENTITY = ("type", "principalId", "arn", "accountId", "invokedBy", "accessKeyId", "userName")
_ISSUER = ("type", "principalId", "arn", "accountId", "userName")
_ATTRIBUTES = ("mfaAuthenticated", "creationDate")

STRUCT_PATHS = frozenset(
    [("userIdentity", f) for f in _IDENTITY]
    + [("userIdentity", "sessionContext", "sessionIssuer", f) for f in _ISSUER]
    + [("userIdentity", "sessionContext", "attributes", f) for f in _ATTRIBUTES]
)
"""Nested string fields of the ``useridentity`` struct."""

LAKE_NOT_STRING = {("eventTime",): "a TIMESTAMP", ("readOnly",): "a BOOLEAN", ("managementEvent",): "a BOOLEAN",
                   ("userIdentity", "sessionContext", "attributes", "creationDate"): "a TIMESTAMP"}
"""Lake columns that are not strings: a jq string comparison on them means something else there."""

_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Access:
    """How one jq path reads on an engine.

    ``scalar`` is a VARCHAR that equals the jq string where the value is a string (and is the value's JSON
    text, or NULL, otherwise); ``present`` is NULL wherever the value is null or missing (it may be NULL
    elsewhere too only when ``present_exact`` is False)."""

    scalar: exp.Expression
    present: exp.Expression
    json_path: bool
    """True when the value is read out of JSON text (its scalar may be the text of a number or boolean)."""


def column(name: str) -> exp.Column:
    return exp.column(name.lower(), quoted=False)


def _struct(parts: tuple) -> exp.Expression:
    node: exp.Expression = column(parts[0])
    for part in parts[1:]:
        node = exp.Dot(this=node, expression=exp.to_identifier(part.lower()))
    return node


def _json_path(keys: tuple) -> str:
    for key in keys:
        if not isinstance(key, str) or not _KEY.fullmatch(key):
            raise Untranslatable(f"the key {key!r}: JSON paths differ across engines beyond plain names")
    return "$." + ".".join(keys)


def access(path: tuple, engine: str) -> Access:
    """The :class:`Access` of a jq path (a tuple of keys) on ``engine``."""
    if not path or not all(isinstance(step, str) for step in path):
        raise Untranslatable(f"the path {_show(path)}: only object keys have remote columns")
    if engine == "lake" and path in LAKE_NOT_STRING:
        raise Untranslatable(f"{_show(path)} is {LAKE_NOT_STRING[path]} in CloudTrail Lake, not the JSON string jq compares")
    if len(path) == 1 and path[0] in SCALARS:
        col = column(path[0])
        return Access(col, col, False)
    if path in STRUCT_PATHS:
        col = _struct(path)
        return Access(col, col, False)
    if path[0] in JSON_TEXT:
        if len(path) == 1:
            if engine == "lake":
                raise Untranslatable(f"{_show(path)} is a map in CloudTrail Lake, not JSON text")
            col = column(path[0])
            return Access(col, col, False)
        if engine == "lake":
            first = exp.func("element_at", column(path[0]), exp.Literal.string(path[1]))
            if len(path) == 2:
                return Access(first, first, True)
            where = exp.Literal.string(_json_path(path[2:]))
            return Access(exp.JSONExtractScalar(this=first, expression=where),
                          exp.JSONExtract(this=first, expression=where), True)
        where = exp.Literal.string(_json_path(path[1:]))
        col = column(path[0])
        return Access(exp.JSONExtractScalar(this=col, expression=where), exp.JSONExtract(this=col, expression=where), True)
    raise Untranslatable(f"{_show(path)} has no column in the remote table")


def _show(path: tuple) -> str:
    return "." + ".".join(str(p) for p in path) if path else "."


# ---------------------------------------------------------------------------------------------------
# Physical schemas

_IDENTITY_SPARK = (
    "struct<type:string,principalId:string,arn:string,accountId:string,invokedBy:string,accessKeyId:string,"
    "userName:string,sessionContext:struct<attributes:struct<mfaAuthenticated:string,creationDate:string>,"
    "sessionIssuer:struct<type:string,principalId:string,arn:string,accountId:string,userName:string>>>"
)

SPARK_SCHEMA = ", ".join(
    [f"{name} string" for name in SCALARS]
    + [f"{name} string" for name in JSON_TEXT]
    + [f"userIdentity {_IDENTITY_SPARK}", "resources array<struct<arn:string,accountId:string,type:string>>",
       "_corrupt_record string"]
)
"""``from_json`` schema of one record on Spark (JSON key spelling; SQL reads it case-insensitively)."""


def athena_ddl(location: str = "s3://BUCKET/AWSLogs/", table: str = TABLE["athena"],
               accounts: str = "111122223333,444455556666", regions: str = "us-east-1,us-west-2,eu-west-1",
               start: str = "2024/01/01") -> str:
    """The ``CREATE TABLE`` for Athena that the generated SQL expects (partition projection: account and
    region enums, delivery day as a date range from ``start``; for an organisation trail put the org ID in
    ``location``: ``s3://BUCKET/AWSLogs/o-EXAMPLE/``)."""
    identity = _IDENTITY_SPARK.replace(":", ": ").replace(",", ", ").lower().replace("struct<", "STRUCT<").replace(
        "string", "STRING")
    scalars = ",\n".join(f"    {name.lower()} STRING" for name in SCALARS)
    texts = ",\n".join(f"    {name.lower()} STRING" for name in JSON_TEXT)
    return f"""CREATE EXTERNAL TABLE {table} (
{scalars},
{texts},
    useridentity {identity},
    resources ARRAY<STRUCT<arn: STRING, accountid: STRING, type: STRING>>
)
PARTITIONED BY (account STRING, region STRING, `timestamp` STRING)
ROW FORMAT SERDE 'org.apache.hive.hcatalog.data.JsonSerDe'
STORED AS INPUTFORMAT 'com.amazon.emr.cloudtrail.CloudTrailInputFormat'
OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'
LOCATION '{location}'
TBLPROPERTIES (
    'projection.enabled' = 'true',
    'projection.account.type' = 'enum',
    'projection.account.values' = '{accounts}',
    'projection.region.type' = 'enum',
    'projection.region.values' = '{regions}',
    'projection.timestamp.type' = 'date',
    'projection.timestamp.format' = 'yyyy/MM/dd',
    'projection.timestamp.range' = '{start},NOW',
    'projection.timestamp.interval' = '1',
    'projection.timestamp.interval.unit' = 'DAYS',
    'storage.location.template' = '{location}${{account}}/CloudTrail/${{region}}/${{timestamp}}'
)"""


ATHENA_DDL = athena_ddl()


def partition_columns(engine: str) -> Optional[dict[str, str]]:
    """Names of the account, region and day partition columns (None: the engine has none)."""
    if engine == "athena":
        return {"account": "account", "region": "region", "day": "timestamp"}
    return None
