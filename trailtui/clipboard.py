"""Copy text to the user's clipboard where trailtui actually runs: over SSH, inside tmux, often without X.

:func:`copy_text` tries every route that can work and reports honestly which ones it used:

1. **OSC 52** — the terminal escape that asks the user's own terminal to set its clipboard. It travels over
   SSH, but gives no acknowledgement and many terminals drop large payloads, so it is used only up to a size
   limit (100 kB by default, ``$TRAILTUI_OSC52_LIMIT`` overrides, e.g. ``500000`` or ``500k``).
2. **tmux** — when ``$TMUX`` is set, ``tmux load-buffer -w -`` fills tmux's paste buffer and (``-w``) forwards
   it to the outer terminal, which tmux's default ``set-clipboard external`` would otherwise block. Above the
   limit the buffer is still filled, without ``-w``.
3. **pyperclip** — the local system clipboard, only when a display exists (macOS, Windows, ``$DISPLAY`` or
   ``$WAYLAND_DISPLAY``) and pyperclip finds a backend for it.
4. **A file** — above the limit, or when no route worked, the text is saved to a mode-0600 file under
   ``$XDG_CACHE_HOME/trailtui/`` (or ``~/.cache/trailtui/``, mode 0700) and the message shows its path.

Log content is hostile: unless the caller passes ``raw=True`` (the user asked for the exact bytes), the
text is escaped first with :func:`~trailtui.engine.textsafe.safe_block` — control, C1 and bidi characters
become visible escapes (newlines and tabs stay), so an embedded ESC cannot end a bracketed paste early or
drive the terminal it is pasted into. The fallback file is created with ``O_EXCL|O_NOFOLLOW`` in a 0700
directory made by :func:`~trailtui.engine.safefile.private_dir`, which refuses a symlinked cache folder
rather than follow it (or chmod its target).

Nothing here raises to the caller: every failure ends up in :class:`CopyResult`.
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

from trailtui.engine.safefile import private_dir
from trailtui.engine.textsafe import safe_block

__all__ = ["DEFAULT_LIMIT", "CopyResult", "copy_text", "human_size", "osc52_sequence"]

DEFAULT_LIMIT = 100_000
"""Largest text (UTF-8 bytes) sent through OSC 52 unless ``$TRAILTUI_OSC52_LIMIT`` says otherwise."""

ROUTE_OSC52 = "OSC 52"
ROUTE_TMUX = "tmux buffer"
ROUTE_SYSTEM = "system clipboard"

_TMUX_TIMEOUT = 5.0


def osc52_sequence(text: str, *, terminator: str = "\a") -> str:
    """The OSC 52 escape that sets the terminal's clipboard to ``text``.

    ``terminator`` is BEL (``"\\a"``, the default, understood most widely) or ST (``"\\x1b\\\\"``).
    """
    if terminator not in ("\a", "\x1b\\"):
        raise ValueError("terminator must be BEL or ST")
    payload = base64.b64encode(text.encode("utf-8", "surrogatepass")).decode("ascii")
    return f"\x1b]52;c;{payload}{terminator}"


def human_size(n: int) -> str:
    """``n`` bytes in decimal units: ``512 B``, ``3.4 kB``, ``2.1 MB``."""
    if n < 1000:
        return f"{n} B"
    for unit, scale in (("kB", 1e3), ("MB", 1e6), ("GB", 1e9)):
        if n < scale * 1000 or unit == "GB":
            value = n / scale
            return f"{value:.1f} {unit}" if value < 100 else f"{value:.0f} {unit}"
    raise AssertionError("unreachable")


@dataclass
class CopyResult:
    """What :func:`copy_text` did: the routes that took the text, its size, the fallback file, the failures."""

    routes: list[str] = field(default_factory=list)
    """Routes that accepted the text, in order (``"OSC 52"``, ``"tmux buffer"``, ``"system clipboard"``)."""
    bytes: int = 0
    """Size of the text in UTF-8 bytes."""
    file: Optional[Path] = None
    """Where the text was saved when it was too big or nothing else worked."""
    limit: int = DEFAULT_LIMIT
    """The OSC 52 size limit that applied."""
    failures: list[str] = field(default_factory=list)
    """One ``"route: reason"`` per route that was tried and failed."""
    too_big: bool = False
    """True when the text was above :attr:`limit`, so OSC 52 was not used."""

    @property
    def ok(self) -> bool:
        """True when the text went somewhere: at least one route or the file."""
        return bool(self.routes) or self.file is not None

    def message(self, rows: Optional[int] = None) -> str:
        """One honest line for a notification, e.g. ``12 rows · 3.4 kB sent via OSC 52 + tmux buffer``."""
        size = human_size(self.bytes)
        head = "" if rows is None else f"{rows:,} row{'' if rows == 1 else 's'} · "
        via = " + ".join(self.routes)
        if self.too_big:
            text = f"{head}too big for the terminal clipboard ({size} > {human_size(self.limit)})"
            if self.file is not None:
                text += f": saved to {_display_path(self.file)}"
            if self.routes:
                text += f"; also sent via {via}"
        elif self.routes:
            text = f"{head}{size} sent via {via}"
        elif self.file is not None:
            text = f"{head}{size}: no clipboard available, saved to {_display_path(self.file)}"
        else:
            text = f"{head}{size}: nothing could be copied"
        if self.failures:
            text += f" ({'; '.join(self.failures)})"
        return text


def _display_path(path: Path) -> str:
    home = os.path.expanduser("~")
    text = str(path)
    if home not in ("", "/", "~") and text.startswith(home.rstrip("/") + "/"):
        return "~" + text[len(home.rstrip("/")):]
    return text


def _limit_from_env(env: Mapping[str, str], default: int) -> int:
    raw = env.get("TRAILTUI_OSC52_LIMIT", "").strip().lower().replace("_", "")
    if not raw:
        return default
    scale = 1
    for suffix, factor in (("kb", 1000), ("k", 1000), ("mb", 1_000_000), ("m", 1_000_000), ("b", 1)):
        if raw.endswith(suffix):
            raw, scale = raw[: -len(suffix)].strip(), factor
            break
    try:
        value = int(float(raw) * scale)
    except ValueError:
        return default
    return value if value >= 0 else default


def _short_error(err: BaseException) -> str:
    text = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    return text[:120]


def _has_display(env: Mapping[str, str]) -> bool:
    if sys.platform == "darwin" or sys.platform.startswith("win") or sys.platform == "cygwin":
        return True
    return bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"))


def _tmux_load(text: bytes, forward: bool, run: Callable[..., Any]) -> Optional[str]:
    """Load tmux's buffer; return None on success or the reason it failed."""
    command = ["tmux", "load-buffer", "-w", "-"] if forward else ["tmux", "load-buffer", "-"]
    try:
        done = run(command, input=text, capture_output=True, timeout=_TMUX_TIMEOUT)
    except FileNotFoundError:
        return "tmux not found"
    except subprocess.TimeoutExpired:
        return f"tmux did not answer within {_TMUX_TIMEOUT:g} s"
    except Exception as err:  # noqa: BLE001 - a failed route is reported, never raised
        return _short_error(err)
    if done.returncode == 0:
        return None
    stderr = done.stderr.decode("utf-8", "replace") if isinstance(done.stderr, bytes) else str(done.stderr or "")
    if forward and ("-w" in stderr or "unknown flag" in stderr or "usage" in stderr):
        # tmux before 3.2 has no -w: the buffer alone is still worth having
        return _tmux_load(text, False, run)
    return stderr.strip().splitlines()[0][:120] if stderr.strip() else f"tmux exited with {done.returncode}"


def _system_copy(text: str, module: Any) -> Optional[str]:
    """Copy with pyperclip; return None on success or the reason it failed."""
    try:
        if module is None:
            import pyperclip as module  # noqa: PLC0415 - only the UI pays for this import
        copy_fn = module.determine_clipboard()[0]
        if not copy_fn:
            return "no clipboard backend (install xclip, xsel or wl-clipboard)"
        copy_fn(text)
    except Exception as err:  # noqa: BLE001 - pyperclip raises its own RuntimeError subclasses
        return _short_error(err)
    return None


def _cache_dir(env: Mapping[str, str]) -> Path:
    base = env.get("XDG_CACHE_HOME") or os.path.join(env.get("HOME") or os.path.expanduser("~"), ".cache")
    return Path(base) / "trailtui"


def _save(text: bytes, directory: Path, suffix: str) -> Path:
    private_dir(directory)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for attempt in range(1, 1000):
        name = f"copy-{stamp}{suffix}" if attempt == 1 else f"copy-{stamp}-{attempt}{suffix}"
        path = directory / name
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
        except FileExistsError:
            continue
        try:
            if hasattr(os, "fchmod"):  # O_CREAT's mode is reduced by the umask; make it exact
                os.fchmod(fd, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(text)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return path
    raise FileExistsError(f"too many copies saved in {directory} this second")


def copy_text(
    text: str,
    *,
    osc52_writer: Optional[Callable[[str], None]] = None,
    env: Mapping[str, str] = os.environ,
    limit: int = DEFAULT_LIMIT,
    run: Callable[..., Any] = subprocess.run,
    pyperclip_module: Any = None,
    cache_dir: Optional[Path] = None,
    suffix: str = ".txt",
    raw: bool = False,
) -> CopyResult:
    """Put ``text`` on every clipboard route that can take it; never raises (see the module docstring).

    ``osc52_writer`` sends the text through OSC 52 (the app passes ``App.copy_to_clipboard``); ``env``, ``run``
    and ``pyperclip_module`` are the environment, ``subprocess.run`` and the pyperclip module (injectable for
    tests); ``cache_dir`` overrides where the fallback file goes and ``suffix`` is its extension. ``raw=True``
    copies the exact text (only when the user asked for raw); otherwise it is escaped (module docstring).
    """
    if not raw:
        text = safe_block(text)
    data = text.encode("utf-8", "surrogatepass")
    limit = _limit_from_env(env, limit)
    result = CopyResult(bytes=len(data), limit=limit, too_big=len(data) > limit)

    if osc52_writer is not None and not result.too_big:
        try:
            osc52_writer(text)
            result.routes.append(ROUTE_OSC52)
        except Exception as err:  # noqa: BLE001
            result.failures.append(f"OSC 52: {_short_error(err)}")

    if env.get("TMUX"):
        reason = _tmux_load(data, not result.too_big, run)
        if reason is None:
            result.routes.append(ROUTE_TMUX)
        else:
            result.failures.append(f"tmux: {reason}")

    if _has_display(env):
        reason = _system_copy(text, pyperclip_module)
        if reason is None:
            result.routes.append(ROUTE_SYSTEM)
        else:
            result.failures.append(f"system clipboard: {reason}")

    if result.too_big or not result.routes:
        try:
            result.file = _save(data, cache_dir or _cache_dir(env), suffix)
        except Exception as err:  # noqa: BLE001
            result.failures.append(f"file: {_short_error(err)}")
    return result
