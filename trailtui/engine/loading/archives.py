"""Zip and tar archives: each member is read as a source of its own (``archive!/member``).

Hidden members and ``__MACOSX`` are skipped silently; a member whose name climbs out of the archive
(``../x``, an absolute path) is still read (nothing is ever extracted to disk) but reported, since such a
name is a sign of a crafted archive.
"""

from __future__ import annotations

import io
import tarfile
import zipfile
from typing import TYPE_CHECKING, Iterator, Optional

from ..model import LoadItem, Problem, Source, SourceDone
from ..sniff import s3_meta
from .paths import sort_key
from .streams import Stream, StreamError, StreamFile

if TYPE_CHECKING:
    from .reader import SourceReader


def _parts(name: str) -> list[str]:
    return name.replace("\\", "/").split("/")


def _hidden(name: str) -> bool:
    """A hidden member (``.git/x``, ``._x``) or macOS resource fork folder: skipped silently."""
    return any(
        (part.startswith(".") and part not in (".", "..")) or part == "__MACOSX" for part in _parts(name)
    )


def _leaves_archive(name: str) -> bool:
    """A name that would land outside the folder it was extracted to: ``../x``, ``/etc/x``, ``C:x``."""
    parts = _parts(name)
    return name.startswith(("/", "\\")) or ".." in parts or (len(name) > 1 and name[1] == ":")


def _name_warning(path: str, name: str) -> Problem:
    return Problem(
        path,
        f"{path}: the member name {name!r} leads out of the archive (a crafted archive?); "
        "read anyway, nothing is extracted",
        fatal=False,
    )



def read_zip(reader: "SourceReader", stream: Stream, fs_path: Optional[str], depth: int) -> Iterator[LoadItem]:
    """Read each member as a source of its own; returns False when no member could be reached."""
    loader = reader.loader
    try:
        if fs_path is not None and stream.compression is None:
            archive = zipfile.ZipFile(fs_path)
        else:
            data, error = stream.read_all()
            if error is not None:
                reader.problem(error.reason, offset=error.offset)
                return False
            archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        reader.problem(f"not a readable zip archive: {exc}")
        return False
    with archive:
        members = sorted(
            (
                info
                for info in archive.infolist()
                if not info.is_dir() and not _hidden(info.filename)
            ),
            key=lambda info: sort_key(info.filename),
        )
        if not members:
            reader.problem("zip archive has no files")
            return False
        for info in members:
            loader.check_cancel()
            member = Source(path=f"{reader.path}!/{info.filename}", size=info.compress_size, meta=s3_meta(info.filename))
            if _leaves_archive(info.filename):
                yield _name_warning(member.path, info.filename)
            try:
                handle = archive.open(info)
            except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError, ValueError) as exc:
                yield Problem(member.path, f"{member.path}: cannot read archive member: {exc}")
                yield SourceDone(member)
                continue
            with handle:
                saved = loader.stream
                yield from loader.read_raw(member, handle, None, depth + 1)
                loader.stream = saved
    return True


def read_tar(reader: "SourceReader", stream: Stream, depth: int) -> Iterator[LoadItem]:
    """Read each member (streaming, archive order); returns False when no member could be reached."""
    loader = reader.loader
    count = 0
    try:
        archive = tarfile.open(fileobj=io.BufferedReader(StreamFile(stream)), mode="r|")
        for info in archive:
            if not info.isfile():
                continue
            name = info.name
            if _hidden(name):
                continue
            handle = archive.extractfile(info)
            if handle is None:
                continue
            count += 1
            loader.check_cancel()
            member = Source(path=f"{reader.path}!/{name}", size=info.size, meta=s3_meta(name))
            if _leaves_archive(name):
                yield _name_warning(member.path, name)
            yield from loader.read_raw(member, handle, None, depth + 1)
            loader.stream = stream
    except (tarfile.TarError, StreamError, OSError, EOFError) as exc:
        reason = exc.reason if isinstance(exc, StreamError) else f"cannot read tar archive: {exc}"
        reader.problem(reason)
        return count > 0
    if count == 0:
        reader.problem("tar archive has no files")
        return False
    return True
