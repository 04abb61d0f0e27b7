"""Read CloudTrail logs in every shape they come in, incrementally, and never raise.

`load(paths)` is a generator of `RecordBatch`, `Problem`, `DigestSkipped`, `SourceDone` and `Progress`
messages (see `trailtui.engine.model`), meant to run in a worker thread while the UI stays responsive.
Shapes are recognised by content (gzip/bzip2/xz by magic bytes, never by file name). Bad input becomes
one clear `Problem` naming the file and the reason; the other files still load, and a bad line in JSON
Lines costs only that line.

The package, by meaning:

* `paths` — which files: expansion, globs, directory walks, opening without blocking on a FIFO.
* `streams` — the bytes: decompression in bounded steps, bomb and size limits.
* `limits` — every resource limit, named, in one place.
* `reader` — one source: sniff its shape, parse lines, documents, slices of huge arrays.
* `shapes` — what a parsed value holds: the CloudTrail records inside each known wrapper.
* `collect` — records into batches, problems held or released, the verdict on a source.
* `archives` — zip and tar members as sources of their own.
* `run` — the load loop: progress, cancellation, the paused garbage collector.
"""

from __future__ import annotations

from .paths import count_inputs, expand_paths
from .run import load, load_all

__all__ = ["load", "load_all", "count_inputs", "expand_paths"]
