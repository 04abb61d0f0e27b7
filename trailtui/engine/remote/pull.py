"""Records from a remote run into a JSON Lines file in trailtui's cache, for ``trailtui query`` or the screen.

The remote side returns the coarse candidates (:mod:`.spark`); they are written to private temporary
files in ``$XDG_CACHE_HOME/trailtui/remote/`` (in the shapes of their original files) and loaded by the in-memory engine, which runs the exact
filter (dedupe included) as on the full input. A pull keeps only the records the filter selects, written
atomically to ``pull-<hash>.jsonl`` next to it; the screen then opens that file.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable, Iterable, Optional, Sequence

from ..columnar.cache import cache_root
from ..safefile import atomic_writer, private_dir


def remote_dir() -> Path:
    return private_dir(cache_root() / "remote")


def write_candidates(items: Iterable[tuple[str, str]]) -> list[str]:
    """The records as private files in a new folder of the cache, in order: each run of records from files
    of one shape (``records``, ``array``, ``lines``) becomes one file of that shape, so the loader applies
    the rules it applied to the originals. The caller removes the folder (:func:`remove_candidates`)."""
    folder = tempfile.mkdtemp(prefix="candidates-", dir=remote_dir())
    paths: list[str] = []
    run: list[str] = []
    shape = ""

    def flush() -> None:
        if not run:
            return
        path = os.path.join(folder, f"{len(paths):06d}.{'jsonl' if shape == 'lines' else 'json'}")
        body = [raw.replace("\n", " ").encode("utf-8", "surrogatepass") for raw in run]
        if shape == "lines":
            data = b"".join(line + b"\n" for line in body)
        elif shape == "array":
            data = b"[" + b",\n".join(body) + b"]\n"
        else:
            data = b'{"Records":[' + b",\n".join(body) + b"]}\n"
        with open(path, "xb") as out:
            out.write(data)
        paths.append(path)
        run.clear()

    for kind, raw in items:
        if kind != shape:
            flush()
            shape = kind
        run.append(raw)
    flush()
    if not paths:
        os.rmdir(folder)  # nothing came back: no folder for the caller to remove
    return paths


def remove_candidates(paths: Sequence[str]) -> None:
    if paths:
        shutil.rmtree(os.path.dirname(paths[0]), ignore_errors=True)


def pull_path(engine: str, text: str, sources: Sequence[str]) -> Path:
    key = hashlib.sha256("\0".join([engine, text, *map(os.path.abspath, sources)]).encode()).hexdigest()[:16]
    return remote_dir() / f"pull-{key}.jsonl"


def select_exact(candidates: Sequence[str], text: str, target: Path, progress: Optional[Callable[[str], None]] = None) -> int:
    """Run the filter exactly on the candidates file and write the selected records to ``target``."""
    from ..backend import make_backend
    from ..export import write_records
    from ..model import Problem
    from ..session import Session

    session = Session(make_backend("memory"))
    for item in session.load(list(candidates)):
        if isinstance(item, Problem) and progress is not None:
            progress(item.message)
    query = session.compile(text)
    view = session.view(query, select=True)
    with atomic_writer(target, force=True, text=False) as out:
        count = write_records("jsonl", session.backend.raws(view.rows), out)
    session.close()
    return count
