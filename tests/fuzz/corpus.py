"""Seed inputs for the loader fuzzer: every hostile case of issue #12, small enough to run in the test
suite (the size-driven ones are scaled down; the tests lower the limits to match).

`CASES` maps a name to the bytes of one file; `record()` builds a plausible CloudTrail record.
"""

from __future__ import annotations

import gzip
import io
import json
import tarfile
from typing import Any


def record(i: int, **extra: Any) -> dict:
    base = {"eventVersion": "1.08", "eventTime": "2024-01-01T00:00:00Z", "eventSource": "s3.amazonaws.com",
            "eventName": "GetObject", "eventID": f"id-{i}", "userAgent": "aws-cli/2"}
    base.update(extra)
    return base


def _records_doc(recs: list[dict]) -> bytes:
    return json.dumps({"Records": recs}).encode()


def _tar(name: str, data: bytes) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as archive:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


def _with_bad_bytes(bad: bytes) -> bytes:
    doc = _records_doc([record(i) for i in range(5)])
    at = doc.index(b'"eventID": "id-2"')
    return doc[:at] + b'"bad": "' + bad + b'", ' + doc[at:]


CASES: dict[str, bytes] = {
    "huge-line-not-first.jsonl": (json.dumps(record(1)) + "\n" + json.dumps(record(2, x="A" * (5 << 20)))
                                  + "\n" + json.dumps(record(3)) + "\n").encode(),
    "inf-and-bigint.json": b'{"Records":[{"eventVersion":"1.08","eventTime":"t","eventName":"A","eventID":"i",'
                           b'"a":1e400,"b":-1e400,"c":123456789012345678901234567890}]}',
    "inf-alone.jsonl": b'{"eventVersion":"1.08","eventTime":"t","eventName":"A","eventID":"i","a":1e400}\n',
    "invalid-utf8.json": _with_bad_bytes(b"\xff\xfe"),
    "lone-surrogate.json": _with_bad_bytes(b"\\ud800"),
    "lone-low-surrogate.jsonl": b'{"eventVersion":"1.08","eventID":"a","x":"\\udc00"}\n'
                                b'{"eventVersion":"1.08","eventID":"b"}\n',
    "whitespace-first.json": b" \n" * (1 << 20) + _records_doc([record(0)]),
    "tar-climbing.tar": _tar("../../etc/x", _records_doc([record(0)])),
    "empty-objects.json": _records_doc([{}] * 1000),  # type: ignore[list-item]
    "markup-and-escapes.json": _records_doc([record(0, userAgent="curl [/x]\x1b]52;c;SGVsbG8=\x07",
                                                    userIdentity={"userName": "[@click=app.quit]CLICKME[/]"},
                                                    eventName="A\u202eB\u009b2J\u2028"),
                                             {"[/x]": 1, "eventVersion": "1.08", "eventID": "k"}]),
    "gzip-records-spaces.json.gz": gzip.compress(b'{"Records":[' + b" " * (4 << 20), 1),
    "gzip-records-empties.json.gz": gzip.compress(b'{"Records":[' + b"{}," * (2 << 20), 1),
    "gzip-bomb.gz": gzip.compress(b"\0" * (8 << 20), 9),
    "truncated.json": _records_doc([record(i) for i in range(20)])[:-300],
}
