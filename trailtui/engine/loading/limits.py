"""Every resource limit of the loader, in one place (the README's "Limits" section lists them).

A limit never crashes a load: what it stops becomes one `Problem` naming the file, where, and which
limit, and everything before it (and every other file) is still loaded. Other modules read these as
``limits.NAME`` so tests can lower them.
"""

from __future__ import annotations

# -- parsing in slices ---------------------------------------------------------------------------------
SPLIT_THRESHOLD = 4 << 20
"""Documents larger than this are parsed in slices (when their bulk is one array)."""
SLICE_TARGET = 1 << 20
"""Approximate size of one parsed slice of a big document."""
HEAD_SIZE = 1 << 20
"""How much decompressed content is looked at to recognise the shape (after leading whitespace)."""
READ_CHUNK = 1 << 20
"""Raw bytes read (and decompressed bytes produced) per step."""
COMPRESSED_READ = 64 << 10
"""Compressed bytes fed to the decompressor per step: small, so `MAX_RATIO` is checked often."""

# -- sizes ---------------------------------------------------------------------------------------------
MAX_EMBEDDED = 8 << 20
"""Largest JSON string inside a record wrapper (``CloudTrailEvent``, log ``message``) that is parsed.
CloudTrail records are at most 256 KB (1 MB in Lake)."""
HUGE_RECORD = 4 << 20
"""A record larger than this is loaded, with a warning: it cannot be a genuine CloudTrail record."""
MAX_LINE = 64 << 20
"""Longest JSON Lines line that is parsed; a longer line is skipped with a message (the rest loads)."""
MAX_DOCUMENT = 2 << 30
"""Largest decompressed content of one input read as a whole document (not JSON Lines); beyond it the
input is cut there, with a message, and the records before the cut are kept."""

# -- decompression -------------------------------------------------------------------------------------
MAX_RATIO = 200
"""Largest decompressed/compressed size ratio accepted once `RATIO_GRACE` bytes came out. CloudTrail
gzip files compress about 10–20×; a decompression bomb compresses 1000× or more."""
RATIO_GRACE = 16 << 20
"""Decompressed bytes always allowed before `MAX_RATIO` is checked (small files may compress very well)."""

# -- memory --------------------------------------------------------------------------------------------
MEMORY_RESERVE = 4 << 20
"""Allocated at the start of a load and freed on `MemoryError`, so the loader can still report the
problem, keep what it loaded and move on to the next file."""

# -- messages ------------------------------------------------------------------------------------------
MAX_PROBLEMS_SHOWN = 10
"""Per source; further problems are summarised in one message."""
MAX_ARCHIVE_DEPTH = 2
"""Archives inside archives deeper than this are not opened."""


def mb(size: int) -> str:
    """A size for messages: ``4.2 MB``."""
    return f"{size / 1e6:.1f} MB"
