"""Athena and CloudTrail Lake: what a run needs, checked before anything starts.

boto3 is optional and imported only here, lazily. Credentials come from the standard AWS chain
(environment, ``~/.aws``, an instance or task role). This build plans and explains Athena and Lake
queries (``--explain``) and its SQL is tested by parsing it in the engine's dialect and running its
DuckDB transpilation on the same records; submitting it (StartQueryExecution / StartQuery, then fetching
the named records from S3 for the local residual) is not built yet: :func:`require` says so after
checking the prerequisites, so a user learns everything that is missing at once.
"""

from __future__ import annotations

from typing import Optional

from ..errors import UsageError

NEEDS = {
    "athena": ("a database and the table of the README (--table DB.TABLE), a workgroup, a query result "
               "location (s3://...), and s3:GetObject on the trail bucket for the records"),
    "lake": "an event data store ID (--table EDS_ID) and cloudtrail:StartQuery / GetQueryResults permissions",
}


def missing(engine: str) -> list[str]:
    """What is missing on this machine to run on ``engine``."""
    out = []
    try:
        import boto3  # noqa: F401  (optional dependency)
    except ImportError:
        out.append("boto3 (pip install boto3)")
        return out + ["AWS credentials (standard chain: AWS_PROFILE / environment, ~/.aws, instance role)"]
    try:
        creds: Optional[object] = boto3.Session().get_credentials()
    except Exception:  # botocore raises many kinds on broken configuration
        creds = None
    if creds is None:
        out.append("AWS credentials (standard chain: AWS_PROFILE / environment, ~/.aws, instance role)")
    return out


def require(engine: str) -> None:
    """Raise :class:`UsageError` saying what running on ``engine`` needs."""
    lacking = missing(engine)
    head = f"--engine {engine} cannot run here"
    if lacking:
        raise UsageError(f"{head}: missing {'; '.join(lacking)}",
                         f"a run also needs {NEEDS[engine]}; --explain shows the plan without any of it")
    raise UsageError(f"{head}: submitting {engine} queries is not built yet (the SQL from --explain runs as is)",
                     f"a run needs {NEEDS[engine]}")
