"""Records from a remote run into a JSON Lines file in trailtui's cache, for ``trailtui query`` or the screen.

The remote side returns the coarse candidates (:mod:`.spark`); they are written to a private temporary
file in ``$XDG_CACHE_HOME/trailtui/remote/`` and loaded by the in-memory engine, which runs the exact
filter (dedupe included) as on the full input. A pull keeps only the records the filter selects, written
atomically to ``pull-<hash>.jsonl`` next to it; the screen then opens that file.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Callable, Iterable, Optional, Sequence

from ..columnar.cache import cache_root
from ..safefile import atomic_writer, private_dir


def remote_dir() -> Path:
    return private_dir(cache_root() / "remote")


def write_candidates(raws: Iterable[str]) -> str:
    """The records (JSON texts) as a new private JSON Lines file; the caller removes it."""
    fd, path = tempfile.mkstemp(prefix="candidates-", suffix=".jsonl", dir=remote_dir())
    with os.fdopen(fd, "wb") as out:
        for raw in raws:
            out.write(raw.replace("\n", " ").encode("utf-8", "surrogatepass") + b"\n")
        out.flush()
        os.fsync(out.fileno())
    return path


def pull_path(engine: str, text: str, sources: Sequence[str]) -> Path:
    key = hashlib.sha256("\0".join([engine, text, *map(os.path.abspath, sources)]).encode()).hexdigest()[:16]
    return remote_dir() / f"pull-{key}.jsonl"


def select_exact(candidates: str, text: str, target: Path, progress: Optional[Callable[[str], None]] = None) -> int:
    """Run the filter exactly on the candidates file and write the selected records to ``target``."""
    from ..backend import make_backend
    from ..export import write_records
    from ..model import Problem
    from ..session import Session

    session = Session(make_backend("memory"))
    for item in session.load([candidates]):
        if isinstance(item, Problem) and progress is not None:
            progress(item.message)
    query = session.compile(text)
    view = session.view(query, select=True)
    with atomic_writer(target, force=True, text=False) as out:
        count = write_records("jsonl", session.backend.raws(view.rows), out)
    session.close()
    return count
