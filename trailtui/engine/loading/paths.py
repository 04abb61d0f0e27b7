"""Which files a load reads: paths, directories walked, glob patterns expanded, stdin; and opening them.

Directories are walked in sorted path order following symbolic links, each directory entered once (a
symlink loop is reported as one). Inside directories, hidden files and folders (names starting with
``.``), ``Thumbs.db``, ``desktop.ini``, CloudTrail Lake's ``result_sign.json``, and files with an
obviously non-log extension (`SKIPPED_SUFFIXES`) are skipped; files named explicitly are always read.
"""

from __future__ import annotations

import errno
import glob
import os
import stat
from dataclasses import dataclass
from typing import BinaryIO, Optional, Sequence, Union

from ..model import Problem

SKIPPED_NAMES = frozenset({"Thumbs.db", "desktop.ini", "result_sign.json"})
SKIPPED_SUFFIXES = (
    ".md", ".rst", ".pdf", ".doc", ".docx", ".xls", ".xlsx", ".png", ".jpg", ".jpeg", ".gif", ".svg",
    ".ico", ".py", ".pyc", ".sh", ".exe", ".dll", ".so", ".sha256", ".sha1", ".md5", ".sig", ".asc",
)

@dataclass
class Input:
    path: str
    """As shown to the user."""
    fs_path: Optional[str]
    """None for stdin."""
    size: int


def _is_glob(path: str) -> bool:
    return any(ch in path for ch in "*?[")


def sort_key(path: str) -> tuple[str, ...]:
    return tuple(path.replace("\\", "/").split("/"))


def _skipped_in_directory(name: str) -> bool:
    return name.startswith(".") or name in SKIPPED_NAMES or name.lower().endswith(SKIPPED_SUFFIXES)


def _stat_failure(path: str, exc: OSError) -> str:
    """Why ``os.stat`` failed, in words: a loop of symbolic links is not a broken link."""
    if exc.errno == errno.ELOOP:
        return "symbolic link loop (too many levels of symbolic links)"
    if os.path.islink(path) and isinstance(exc, FileNotFoundError):
        return "broken symbolic link"
    return exc.strerror or str(exc)


def _walk(root: str) -> list[Union[Input, Problem]]:
    found: list[tuple[tuple[str, ...], Union[Input, Problem]]] = []
    seen: dict[tuple[int, int], str] = {}

    def on_error(exc: OSError) -> None:
        where = exc.filename or root
        found.append((sort_key(where), Problem(where, f"{where}: cannot read directory: {exc.strerror}")))

    for dirpath, dirnames, filenames in os.walk(root, onerror=on_error, followlinks=True):
        try:
            st = os.stat(dirpath)
            ident = (st.st_dev, st.st_ino)
        except OSError:
            ident = None
        if ident is not None:
            earlier = seen.get(ident)
            if earlier is not None:
                dirnames[:] = []
                if (dirpath + os.sep).startswith(earlier.rstrip(os.sep) + os.sep):
                    found.append((sort_key(dirpath), Problem(
                        dirpath, f"{dirpath}: symbolic link loop (leads back to {earlier}); not followed", fatal=False)))
                continue  # otherwise a second link to a folder already read
            seen[ident] = dirpath
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            if _skipped_in_directory(name):
                continue
            full = os.path.join(dirpath, name)
            try:
                size = os.stat(full).st_size
            except OSError as exc:
                found.append((sort_key(full), Problem(full, f"{full}: {_stat_failure(full, exc)}")))
                continue
            found.append((sort_key(full), Input(full, full, size)))
    found.sort(key=lambda pair: pair[0])
    return [item for _, item in found]


def _expand_one(path: str) -> list[Union[Input, Problem]]:
    if path == "-":
        return [Input("-", None, 0)]
    try:
        st = os.stat(path)
    except OSError as exc:
        if isinstance(exc, FileNotFoundError) and _is_glob(path):
            matches = sorted(glob.glob(path, recursive=True), key=sort_key)
            if not matches:
                return [Problem(path, f"{path}: no files match this pattern")]
            out: list[Union[Input, Problem]] = []
            for match in matches:
                out.extend(_walk(match) if os.path.isdir(match) else _expand_one(match))
            return out
        if os.path.islink(path):
            return [Problem(path, f"{path}: {_stat_failure(path, exc)}")]
        if isinstance(exc, FileNotFoundError):
            return [Problem(path, f"{path}: no such file or directory")]
        return [Problem(path, f"{path}: {exc.strerror or exc}")]
    if stat.S_ISDIR(st.st_mode):
        return _walk(path)
    return [Input(path, path, st.st_size)]


def expand_paths(paths: Sequence[str]) -> list[Union[Input, Problem]]:
    """The inputs ``paths`` name, in the order given: directories walked recursively in sorted path
    order, glob patterns expanded (sorted), ``-`` kept for stdin; a `Problem` for each missing path."""
    if isinstance(paths, (str, bytes, os.PathLike)):
        paths = [paths]  # one path, not a sequence of characters
    out: list[Union[Input, Problem]] = []
    for path in paths:
        out.extend(_expand_one(os.fsdecode(path)))
    return out


def count_inputs(paths: Sequence[str]) -> tuple[int, int]:
    """``(files, bytes)`` that `load` would read (stat only; stdin counts as one file of 0 bytes)."""
    files = size = 0
    for item in expand_paths(paths):
        if isinstance(item, Input):
            files += 1
            size += item.size
    return files, size


def open_input(path: str) -> BinaryIO:
    """Open a file for reading without ever blocking on a FIFO that has no writer."""
    st = os.stat(path)
    if stat.S_ISDIR(st.st_mode):
        raise IsADirectoryError(21, "is a directory", path)
    if stat.S_ISREG(st.st_mode):
        return open(path, "rb")
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        import fcntl

        flags = fcntl.fcntl(fd, fcntl.F_GETFL)
        fcntl.fcntl(fd, fcntl.F_SETFL, flags & ~os.O_NONBLOCK)
    except (ImportError, OSError):  # pragma: no cover - non-POSIX
        pass
    return os.fdopen(fd, "rb")
