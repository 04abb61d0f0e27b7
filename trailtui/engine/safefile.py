"""Writing files so that a failure never costs the old content, and private files stay private.

* :func:`atomic_writer` / :func:`atomic_write` — the new content goes to a temporary file created next to
  the target (same directory, so the rename cannot cross file systems), is flushed and fsynced, then
  renamed over the target. If anything fails (a full disk, ``/dev/full``, an exception in the caller's
  code) the temporary file is removed and the old file is untouched. An existing target is replaced only
  with ``force=True``. A symbolic link whose target exists is written through (the file it points to is
  replaced, the link stays); a dangling link is refused, never followed to create a file somewhere else.
  A target that is a device or a FIFO (``/dev/stdout``, ``/dev/null``) cannot be replaced by a rename and
  is written in place.
* :func:`private_dir` / :func:`write_private` — mode 0700 directories and 0600 files for what the user
  did not mean to share (filter history, clipboard fallback files). A symbolic link in place of the
  directory or the file is refused, never followed, and ``chmod`` only ever applies to a descriptor
  opened with ``O_NOFOLLOW`` (so a symlink's target is never chmodded).

Every error is a :class:`WriteError`: one line, ``PATH: reason``.
"""

from __future__ import annotations

import contextlib
import io
import os
import stat
import tempfile
from pathlib import Path
from typing import IO, Iterator, Union

__all__ = ["WriteError", "atomic_writer", "atomic_write", "private_dir", "write_private"]

PathLike = Union[str, "os.PathLike[str]"]


class WriteError(OSError):
    """A write that did not happen; ``str()`` is one line, ``PATH: reason``. The old file is intact."""

    def __init__(self, path: PathLike, reason: str) -> None:
        super().__init__(f"{os.fspath(path)}: {reason}")
        self.path = os.fspath(path)
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc) or type(exc).__name__


def _resolve_target(path: str, force: bool) -> tuple[str, bool]:
    """Where to write for ``path``: ``(real path, in place?)``. Raises `WriteError` when refused."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        parent = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(parent):
            raise WriteError(path, f"directory {parent} does not exist") from None
        return path, False
    except OSError as exc:
        raise WriteError(path, _reason(exc)) from None
    target = path
    if stat.S_ISLNK(st.st_mode):
        try:
            st = os.stat(path)
        except OSError:
            raise WriteError(path, f"a symbolic link to {os.readlink(path)!r}, which does not exist; not followed") from None
        target = os.path.realpath(path)
    if stat.S_ISDIR(st.st_mode):
        raise WriteError(path, "is a directory")
    if not stat.S_ISREG(st.st_mode):
        return target, True  # a device or a FIFO: no rename possible, and nothing to lose
    if not force:
        raise WriteError(path, "already exists; not overwritten (use --force to replace it)")
    return target, False


@contextlib.contextmanager
def atomic_writer(
    path: PathLike, *, force: bool = False, text: bool = True, encoding: str = "utf-8", newline: str = ""
) -> Iterator[IO]:
    """A file object whose content replaces ``path`` only when the ``with`` block ends without error.

    Raises `WriteError` (before the block runs) when the target is refused: it exists and ``force`` is
    False, it is a directory, a dangling symbolic link, or its directory is missing; and (after) when
    writing, syncing or renaming failed — the old file is then intact and no temporary file remains.
    ``text=False`` gives a binary file.
    """
    name = os.fspath(path)
    target, in_place = _resolve_target(name, force)
    if in_place:
        try:
            raw = open(target, "wb")  # noqa: SIM115 - closed below
        except OSError as exc:
            raise WriteError(name, _reason(exc)) from None
        handle: IO = io.TextIOWrapper(raw, encoding=encoding, newline=newline) if text else raw
        try:
            yield handle
            handle.flush()
        except OSError as exc:
            raise WriteError(name, _reason(exc)) from None
        finally:
            with contextlib.suppress(OSError):
                handle.close()
        return
    directory = os.path.dirname(os.path.abspath(target))
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{os.path.basename(target)}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise WriteError(name, f"cannot create a temporary file in {directory}: {_reason(exc)}") from None
    try:
        try:
            existing = os.stat(target).st_mode & 0o7777
        except FileNotFoundError:
            umask = os.umask(0)
            os.umask(umask)
            existing = 0o666 & ~umask
        os.fchmod(fd, existing)
        raw = os.fdopen(fd, "wb")
        handle = io.TextIOWrapper(raw, encoding=encoding, newline=newline) if text else raw
        with handle:
            yield handle
            handle.flush()
            os.fsync(raw.fileno())
        os.replace(temporary, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(exc, OSError) and not isinstance(exc, WriteError):
            raise WriteError(name, _reason(exc)) from None
        raise
    _sync_directory(directory)


def _sync_directory(directory: str) -> None:
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write(path: PathLike, data: Union[str, bytes], *, force: bool = False, encoding: str = "utf-8") -> None:
    """Write ``data`` to ``path`` atomically (see `atomic_writer`)."""
    with atomic_writer(path, force=force, text=isinstance(data, str), encoding=encoding) as out:
        out.write(data)


def private_dir(path: PathLike) -> Path:
    """Make sure ``path`` is a directory only its owner can use (0700), creating it and its parents
    (new parents get 0700 too). Refuses a symbolic link in its place rather than follow or chmod it."""
    directory = Path(path)
    try:
        directory.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            os.mkdir(directory, 0o700)
        except FileExistsError:
            pass
        fd = os.open(directory, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_DIRECTORY", 0))
    except OSError as exc:
        if os.path.islink(directory):
            raise WriteError(directory, "is a symbolic link; refusing to use it for private files") from None
        raise WriteError(directory, _reason(exc)) from None
    try:
        st = os.fstat(fd)
        if hasattr(os, "getuid") and st.st_uid != os.getuid():
            raise WriteError(directory, "belongs to another user; refusing to use it for private files")
        if st.st_mode & 0o077:
            os.fchmod(fd, 0o700)
    except OSError as exc:
        if isinstance(exc, WriteError):
            raise
        raise WriteError(directory, _reason(exc)) from None
    finally:
        os.close(fd)
    return directory


def write_private(path: PathLike, data: Union[str, bytes], *, encoding: str = "utf-8") -> None:
    """Replace ``path`` atomically with a 0600 file in a 0700 directory (`private_dir`).

    The temporary file is created with ``O_EXCL`` under a random name (a planted ``.tmp`` symlink is
    never followed), and a symbolic link at ``path`` itself is refused, not written through."""
    target = Path(path)
    private_dir(target.parent)
    if os.path.islink(target):
        raise WriteError(target, "is a symbolic link; refusing to write a private file through it")
    payload = data.encode(encoding) if isinstance(data, str) else data
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise WriteError(target, f"cannot create a temporary file: {_reason(exc)}") from None
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(payload)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise WriteError(target, _reason(exc)) from None
    _sync_directory(str(target.parent))
