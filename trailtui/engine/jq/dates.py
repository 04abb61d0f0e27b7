"""jq's date builtins: gmtime, localtime, mktime, strftime, strflocaltime, strptime."""

from __future__ import annotations

import calendar
import math
import time
from functools import lru_cache
from datetime import datetime
from typing import Any

from .errors import JqRuntimeError


def _isnum(x: Any) -> bool:
    return type(x) in (int, float)


def _broken(t: float, local: bool) -> list:
    # jq truncates to whole seconds (toward zero) but adds the fraction above floor(t)
    secs = int(t)
    frac = t - math.floor(t)
    if local:
        st = time.localtime(secs)
    else:
        try:
            st = time.gmtime(secs)
        except (OverflowError, OSError, ValueError):
            raise JqRuntimeError("gmtime: value out of range")
    sec: Any = st.tm_sec + frac if frac else st.tm_sec
    if type(t) is float and not frac:
        sec = float(st.tm_sec)
    return [st.tm_year, st.tm_mon - 1, st.tm_mday, st.tm_hour, st.tm_min, sec,
            (st.tm_wday + 1) % 7, st.tm_yday - 1]


def gmtime(v: Any) -> list:
    if not _isnum(v):
        raise JqRuntimeError("gmtime() requires numeric inputs")
    return _broken(v, False)


def localtime(v: Any) -> list:
    if not _isnum(v):
        raise JqRuntimeError("localtime() requires numeric inputs")
    return _broken(v, True)


def _tm(v: Any, who: str) -> tuple:
    if type(v) is not list or not all(_isnum(x) for x in v):
        raise JqRuntimeError(f"{who} requires parsed datetime inputs")
    # missing fields are zero in C's struct tm: year 1900, day 0 (normalised to the day before)
    v = list(v) + [1900, 0, 0, 0, 0, 0][len(v):]
    y, mo, d, h, mi, s = (int(math.floor(x)) for x in v[:6])
    wd = int(v[6]) if len(v) > 6 and _isnum(v[6]) else 0
    yd = int(v[7]) if len(v) > 7 and _isnum(v[7]) else 0
    return y, mo, d, h, mi, s, wd, yd


def mktime(v: Any) -> int:
    if type(v) is not list:
        raise JqRuntimeError("mktime requires array inputs")
    y, mo, d, h, mi, s, _, _ = _tm(v, "mktime")
    return calendar.timegm((y, mo + 1, d, h, mi, s, 0, 0, 0))


def _from_input(v: Any, who: str, local: bool) -> list:
    if _isnum(v):
        return _broken(v, local)
    if type(v) is not list:
        raise JqRuntimeError(f"{who} requires parsed datetime inputs")
    return v


def _strftime(v: Any, fmt: Any, who: str, local: bool) -> str:
    if type(fmt) is not str:
        raise JqRuntimeError(f"{who} requires a string format")
    bt = _from_input(v, f"{who}", local)
    y, mo, d, h, mi, s, wd, yd = _tm(bt, who)
    st = (y, mo + 1, d, h, mi, s, (wd - 1) % 7, yd + 1, -1 if local else 0)
    f = fmt
    if not local:
        f = f.replace("%Z", "GMT").replace("%z", "+0000")
    try:
        try:
            datetime(y, mo + 1, d)
            valid = True
        except ValueError:
            valid = False
        if not valid:
            # out-of-range fields are normalised, as timegm() does
            n = time.gmtime(calendar.timegm((y, mo + 1, 1, h, mi, s)) + (d - 1) * 86400)
            y, mo, d = n.tm_year, n.tm_mon - 1, n.tm_mday
            st = (y, mo + 1, d, h, mi, s, 0, 1, st[8])
        # like timegm(), jq derives the weekday and day of the year from the date
        d = datetime(y, mo + 1, d)
        st = (y, mo + 1, d.day, h, mi, s, d.weekday(), d.timetuple().tm_yday, st[8])
    except (ValueError, OverflowError):
        pass
    try:
        return time.strftime(f, st)
    except (ValueError, OverflowError) as e:
        raise JqRuntimeError(f"{who}: {e}")


def strftime(v: Any, fmt: Any) -> str:
    return _strftime(v, fmt, "strftime/1", False)


def strflocaltime(v: Any, fmt: Any) -> str:
    return _strftime(v, fmt, "strflocaltime/1", True)


_GLIBC_ONLY = {"%F": "%Y-%m-%d", "%T": "%H:%M:%S", "%D": "%m/%d/%y", "%R": "%H:%M", "%h": "%b",
               "%e": "%d", "%n": " ", "%t": " "}


@lru_cache(maxsize=64)
def _glibc_format(fmt: str) -> str:
    """Spell glibc's strptime shorthands (``%F``, ``%T``, ...) in the directives Python knows."""
    out, i = [], 0
    while i < len(fmt):
        d = fmt[i:i + 2]
        if d == "%%":
            out.append(d)
            i += 2
        elif d in _GLIBC_ONLY:
            out.append(_GLIBC_ONLY[d])
            i += 2
        else:
            out.append(fmt[i])
            i += 1
    return "".join(out)


def strptime(v: Any, fmt: Any) -> list:
    if type(v) is not str:
        raise JqRuntimeError("strptime/1 requires string inputs and arguments")
    if type(fmt) is not str:
        raise JqRuntimeError("strptime/1 requires string inputs and arguments")
    f = _glibc_format(fmt)
    s = v
    rest = None
    try:
        dt = datetime.strptime(s, f)
    except Exception as e:  # noqa: BLE001 - Python rejects some formats glibc accepts (e.g. "%Y%Y")
        if not isinstance(e, ValueError) or "redefinition" in str(e):
            raise JqRuntimeError(f"date \"{v}\" does not match format \"{fmt}\"") from None
        msg = str(e)
        if msg.startswith("unconverted data remains: ") and msg[26:27].isspace():
            # glibc's strptime stops early; jq then appends the unparsed remainder
            rest = msg[len("unconverted data remains: "):]
            try:
                dt = datetime.strptime(s[: len(s) - len(rest)], f)
            except Exception:  # noqa: BLE001
                raise JqRuntimeError(f"date \"{v}\" does not match format \"{fmt}\"") from None
        else:
            raise JqRuntimeError(f"date \"{v}\" does not match format \"{fmt}\"") from None
    # glibc stores a %z offset in tm_gmtoff, which jq ignores: the fields stay as written
    dt = dt.replace(tzinfo=None)
    tt = dt.timetuple()
    out: list = [tt.tm_year, tt.tm_mon - 1, tt.tm_mday, tt.tm_hour, tt.tm_min, tt.tm_sec,
                 (tt.tm_wday + 1) % 7, tt.tm_yday - 1]
    if rest is not None:
        out.append(rest)
    return out
