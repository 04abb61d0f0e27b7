"""The same jq filters on Spark, Athena and CloudTrail Lake: one compiler, several SQL dialects.

* :mod:`.table` — the remote table of CloudTrail records on each engine, and how a jq path reads it;
* :mod:`.translate` — a filter's logical plan as a coarse (superset) predicate, one sqlglot tree;
* :mod:`.partitions` — time, region and account conditions as a choice of S3 layout folders;
* :mod:`.plan` — the remote query, the local residual (always the exact filter) and ``--explain``;
* :mod:`.spark` — running it on Spark (local mode in the tests, ``file://`` or ``s3a://``);
* :mod:`.cloud` — Athena and CloudTrail Lake: what a run needs (boto3, credentials), imported lazily;
* :mod:`.pull` — the matching raw records into a JSON Lines file in the cache, for the screen.

The remote engine never decides alone: it narrows, and trailtui's jq engine decides on what comes back,
so the output is the local engine's output for the same records (see :mod:`.plan`).
"""
