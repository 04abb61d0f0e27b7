"""Where the columnar backend keeps its databases, so opening the same inputs again costs nothing.

* Directory: ``$XDG_CACHE_HOME/trailtui`` (default ``~/.cache/trailtui``), private (0700, owned by the user).
  It is created without following a symbolic link, and a symlinked or foreign directory is refused (the
  caller then works without a cache).
* Key: a hash of the inputs' fingerprint — each input's resolved path, size and modification time in the
  order given, the schema version and the dedupe flag. Any input changed, added or removed gives another key.
* Files: ``<key>.duckdb`` is a finished database and is only ever opened read-only (so two processes can
  share it). A build writes ``<key>.<pid>.building`` under an exclusive lock on ``<key>.lock`` and renames it
  into place when the load completed; a process that finds the lock taken builds a private database instead.
* Size cap: ``TRAILTUI_CACHE_MAX`` (bytes, or with a K/M/G/T suffix; default 20G). After a build, the least
  recently used databases are removed until the total fits (opening one touches its modification time).
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import stat
import time
from pathlib import Path
from typing import Any, Optional, Sequence

from .schema import SCHEMA_VERSION

DEFAULT_MAX = 20 << 30
SUFFIX = ".duckdb"


class CacheUnavailable(Exception):
    """The cache directory cannot be used safely (the message says why)."""


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "trailtui"


def private_dir(path: Path) -> Path:
    """Create ``path`` (mode 0700) if needed and check it is a real directory of ours, private."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    except OSError as exc:
        raise CacheUnavailable(f"cannot create the cache directory {path}: {exc.strerror}") from None
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError as exc:
        reason = "it is a symbolic link" if os.path.islink(path) else exc.strerror
        raise CacheUnavailable(f"not using the cache directory {path}: {reason}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISDIR(st.st_mode):
            raise CacheUnavailable(f"not using the cache directory {path}: not a directory")
        if st.st_uid != os.getuid():
            raise CacheUnavailable(f"not using the cache directory {path}: owned by another user")
        if st.st_mode & 0o077:
            os.fchmod(fd, 0o700)
    finally:
        os.close(fd)
    return path


def fingerprint(parts: Sequence[Any], dedupe: bool) -> str:
    """The cache key of a sequence of fingerprint parts (see :func:`input_part`)."""
    text = json.dumps([SCHEMA_VERSION, bool(dedupe), list(parts)], separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def input_part(path: str, problem: bool = False) -> list[Any]:
    """One input's fingerprint: resolved path, size, mtime (ns); a missing input counts by its name."""
    if problem:
        return ["missing", path]
    try:
        st = os.stat(path)
    except OSError:
        return ["missing", path]
    return [os.path.realpath(path), st.st_size, st.st_mtime_ns]


def max_bytes() -> int:
    text = os.environ.get("TRAILTUI_CACHE_MAX", "").strip().upper()
    if not text:
        return DEFAULT_MAX
    scale = 1
    if text[-1] in "KMGT":
        scale = 1 << (10 * ("KMGT".index(text[-1]) + 1))
        text = text[:-1]
    try:
        return max(0, int(float(text) * scale))
    except ValueError:
        return DEFAULT_MAX


class BuildLock:
    """An exclusive, non-blocking lock on ``<key>.lock`` (released on close or process exit)."""

    def __init__(self, root: Path, key: str) -> None:
        self.fd: Optional[int] = None
        path = root / f"{key}.lock"
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                return
            raise
        self.fd = fd

    @property
    def held(self) -> bool:
        return self.fd is not None

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def touch(path: Path) -> None:
    try:
        os.utime(path)
    except OSError:
        pass


def evict(root: Path, keep: Optional[Path] = None, cap: Optional[int] = None) -> list[Path]:
    """Remove least recently used databases until the total size fits ``cap``; returns what was removed."""
    cap = max_bytes() if cap is None else cap
    entries = []
    for path in root.glob("*" + SUFFIX):
        try:
            st = path.stat()
        except OSError:
            continue
        entries.append((st.st_mtime, st.st_size, path))
    total = sum(size for _, size, _ in entries)
    removed = []
    for _mtime, size, path in sorted(entries):
        if total <= cap:
            break
        if keep is not None and path == keep:
            continue
        try:
            path.unlink()
            total -= size
            removed.append(path)
        except OSError:
            pass
    return removed


def remove_stale_builds(root: Path, age: float = 3600.0) -> None:
    """Delete build files left by processes that died (older than ``age`` seconds and not locked)."""
    now = time.time()
    for path in root.glob("*.building"):
        try:
            if now - path.stat().st_mtime < age:
                continue
            key = path.name.split(".", 1)[0]
            lock = BuildLock(root, key)
            if lock.held:
                path.unlink()
                lock.close()
        except OSError:
            continue


def free_bytes(root: Path) -> int:
    try:
        st = os.statvfs(root)
    except OSError:
        return 1 << 62
    return st.f_bavail * st.f_frsize


def estimated_size(paths: Sequence[str]) -> int:
    """A generous guess at a database's size for these inputs (gzip inputs expand about 9x)."""
    total = 0
    for path in paths:
        try:
            size = os.stat(path).st_size
            with open(path, "rb") as fh:
                magic = fh.read(2)
        except OSError:
            continue
        total += size * (9 if magic == b"\x1f\x8b" else 1) * 3 // 2
    return total
