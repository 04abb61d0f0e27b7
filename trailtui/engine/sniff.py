"""Recognising what an input is, by content only: its byte-level kind, and what a parsed JSON value holds.

File names are never used to decide a shape; `s3_meta` only reads facts (account, region, date…) from a
path that follows the CloudTrail S3 key layout, for provenance.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import orjson

from . import jsonvalues as jv

UTF8_BOM = b"\xef\xbb\xbf"

_CWL_EXPORT_LINE = re.compile(rb"[0-9]{4}-[0-9]{2}-[0-9]{2}T[^ \t\r\n]+[ \t]+[{\[]")
"""A CloudWatch Logs export line: ``<ISO timestamp> <message>``."""

CWL_EXPORT_PREFIX = re.compile(rb"([0-9]{4}-[0-9]{2}-[0-9]{2}T[^ \t\r\n]+)[ \t]+")

_ARCHIVES = ((b"PK\x03\x04", "zip"), (b"PK\x05\x06", "zip"))
_UNSUPPORTED = (
    (b"PAR1", "Parquet (Security Lake/OCSF) is not supported; only CloudTrail JSON can be loaded"),
    (b"\x28\xb5\x2f\xfd", "zstd-compressed data is not supported; decompress it first (zstd -d)"),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip archives are not supported; extract them first"),
    (b"Rar!", "RAR archives are not supported; extract them first"),
    (b"SQLite format 3\x00", "an SQLite database, not a CloudTrail log"),
)
_BINARY_NAMES = (
    (b"\x7fELF", "an ELF executable"),
    (b"MZ", "a Windows executable"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
)


@dataclass
class Sniffed:
    """What the first bytes of a (decompressed) input say it is.

    ``kind`` is one of ``empty``, ``lines`` (JSON Lines), ``cwl-export`` (timestamped lines),
    ``document`` (one or more JSON values to read whole), ``utf16``/``utf32`` (read whole after
    converting; ``detail`` names the codec), ``zip``, ``tar``, ``unsupported`` or ``binary``
    (``detail`` says why). ``start`` skips a UTF-8 byte-order mark.
    """

    kind: str
    start: int = 0
    detail: str = ""


def _looks_binary(head: bytes) -> bool:
    sample = head[:8192]
    if b"\x00" in sample:
        return True
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        # a multi-byte character cut by the sample's end is fine
        return exc.start < len(sample) - 4
    return False


def _parses_as_container(line: bytes) -> bool:
    try:
        value = orjson.loads(line)
    except orjson.JSONDecodeError:
        try:
            value = jv.loads(line)
        except (orjson.JSONDecodeError, ValueError):
            return False
    return isinstance(value, (dict, list))


def sniff(head: bytes, at_eof: bool) -> Sniffed:
    """Classify an input from its first bytes (``at_eof``: ``head`` is the whole input)."""
    start = 3 if head.startswith(UTF8_BOM) else 0
    if not head[start:].strip():
        return Sniffed("empty", start)
    for magic, kind in _ARCHIVES:
        if head.startswith(magic):
            return Sniffed(kind)
    if len(head) > 262 and head[257:262] == b"ustar":
        return Sniffed("tar")
    for magic, why in _UNSUPPORTED:
        if head.startswith(magic):
            return Sniffed("unsupported", detail=why)
    if start == 0 and (head[:2] in (b"\xff\xfe", b"\xfe\xff") or (len(head) >= 4 and b"\x00" in head[:4])):
        encoding = json.detect_encoding(head[:4])
        text = head[:256].decode(encoding, "ignore").lstrip("\ufeff \t\r\n")
        if text[:1] in ("{", "[") and encoding.startswith("utf-16"):
            return Sniffed("utf16", detail=encoding)
        if text[:1] in ("{", "[") and encoding.startswith("utf-32"):
            return Sniffed("utf32", detail=encoding)
    first = jv.skip_ws(head, start)
    lead = head[first : first + 1]
    if lead not in (b"{", b"["):
        if _CWL_EXPORT_LINE.match(head, first):
            return Sniffed("cwl-export", start)
        line = head[first : head.find(b"\n", first) if b"\n" in head[first:] else len(head)]
        if line.count(b",") >= 3 and not _looks_binary(head) and _lines_or_document(head, first, at_eof) != "lines":
            return Sniffed("unsupported", detail="CSV is not supported; export or download the events as JSON")
        if _looks_binary(head):
            for magic, name in _BINARY_NAMES:
                if head.startswith(magic):
                    return Sniffed("binary", detail=f"binary data ({name}), not JSON text")
            shown = " ".join(f"{b:02x}" for b in head[:8])
            return Sniffed("binary", detail=f"binary data, not JSON text (starts with bytes {shown})")
    return Sniffed(_lines_or_document(head, first, at_eof), start)


def _lines_or_document(head: bytes, first: int, at_eof: bool) -> str:
    """``lines`` when the input is one JSON value per line, else ``document``.

    JSON Lines: the first line is a whole object/array and more follows; or, when the first line is broken,
    most of the next few complete lines are whole objects (so one bad first line does not lose the file).
    Pretty-printed JSON never qualifies: its lines are fragments.
    """
    end = head.find(b"\n", first)
    if end < 0:
        return "document"
    rest_has_content = bool(head[end + 1 :].strip()) or not at_eof
    if _parses_as_container(head[first:end]):
        return "lines" if rest_has_content else "document"
    complete = head[end + 1 :].split(b"\n")
    if not at_eof:
        complete = complete[:-1]
    sample = [line for line in complete if line.strip()][:10]
    good = sum(1 for line in sample if _parses_as_container(line))
    return "lines" if good >= 2 and good * 2 >= len(sample) else "document"


def looks_like_record(value: dict) -> bool:
    """A CloudTrail record: ``eventVersion``, or ``eventTime`` with ``eventName``/``eventType``."""
    return "eventVersion" in value or ("eventTime" in value and ("eventName" in value or "eventType" in value))


RECORD_FIELDS = frozenset({
    "eventVersion", "eventTime", "eventName", "eventSource", "eventID", "eventType", "userIdentity",
    "awsRegion", "sourceIPAddress", "userAgent", "requestParameters", "responseElements", "recipientAccountId",
})
"""Top-level fields of a CloudTrail record (any one of them is enough inside a ``Records`` array)."""


def in_records(value: dict) -> bool:
    """An element of a ``Records`` array worth loading: an object with at least one CloudTrail field.
    Lenient on purpose (trimmed or redacted records still load); ``{}`` and foreign objects do not."""
    return "eventVersion" in value or not RECORD_FIELDS.isdisjoint(value)


def is_digest(value: dict) -> bool:
    """A CloudTrail digest file (log-file integrity), which holds no events."""
    return "digestS3Object" in value or "digestSignatureAlgorithm" in value or (
        isinstance(value.get("logFiles"), list) and "Records" not in value
    )


def describe(value: Any) -> str:
    """A short description of a JSON value for messages: ``an object with keys a, b, c``."""
    if isinstance(value, dict):
        if not value:
            return "an empty object"
        keys = list(value)
        shown = ", ".join(str(k)[:40] for k in keys[:6])
        more = f", … ({len(keys)} keys)" if len(keys) > 6 else ""
        return f"an object with keys {shown}{more}"
    if isinstance(value, list):
        return f"an array of {len(value)} items"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if value is None:
        return "null"
    return "a number"


_S3_KEY = re.compile(
    r"(?:^|/)AWSLogs/(?:(?P<org>o-[a-z0-9]{10,32})/)?(?P<account>\d{12})/"
    r"(?P<kind>CloudTrail|CloudTrail-Digest|CloudTrail-Insight)/(?P<region>[a-z0-9-]+)/"
    r"(?P<y>\d{4})/(?P<m>\d{2})/(?P<d>\d{2})/"
)
_S3_NAME = re.compile(
    r"(?:^|/)(?P<account>\d{12})_(?P<kind>CloudTrail(?:-Digest|-Insight)?)_(?P<region>[a-z0-9-]+?)_"
    r"(?:[^/]*_)?(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})T\d{4}"
)
_ORG = re.compile(r"(?:^|/)AWSLogs/(?P<org>o-[a-z0-9]{10,32})/")


def s3_meta(path: str) -> dict[str, str]:
    """Facts from a CloudTrail S3 key (``account``, ``org``, ``region``, ``kind``, ``date``); ``{}`` if none.

    Lenient: the ``AWSLogs/…/YYYY/MM/DD/`` folders are tried first, then the file-name convention
    ``<account>_CloudTrail_<region>_<YYYYMMDD>T…``. Never used to accept or reject a file.
    """
    norm = path.replace("\\", "/")
    match = _S3_KEY.search(norm) or _S3_NAME.search(norm)
    if match is None:
        return {}
    meta = {
        "account": match.group("account"),
        "region": match.group("region"),
        "kind": match.group("kind"),
        "date": f"{match.group('y')}-{match.group('m')}-{match.group('d')}",
    }
    org = match.groupdict().get("org")
    if org is None:
        org_match = _ORG.search(norm)
        org = org_match.group("org") if org_match else None
    if org:
        meta["org"] = org
    return meta
