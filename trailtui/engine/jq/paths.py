"""Indexing, slicing and path operations (getpath/setpath/delpaths) with jq's rules and messages."""

from __future__ import annotations

import math
from typing import Any, Iterable, Optional

from .errors import JqRuntimeError
from .values import desc, type_name


def _idx_err(v: Any, k: Any) -> JqRuntimeError:
    return JqRuntimeError(f"Cannot index {type_name(v)} with {desc(k)}")


def slice_bounds(length: int, start: Any, end: Any) -> tuple[int, int]:
    """Clamp jq slice bounds (floats: start floored, end rounded up) to ``0 <= s <= e <= length``."""
    if start is None:
        s = 0.0
    elif type(start) in (int, float) and not isinstance(start, bool):
        s = float(start)
    else:
        raise JqRuntimeError("Start and end indices of an array slice must be numbers")
    if end is None:
        e = float(length)
    elif type(end) in (int, float) and not isinstance(end, bool):
        e = float(end)
    else:
        raise JqRuntimeError("Start and end indices of an array slice must be numbers")
    if s != s:
        s = 0.0
    if e != e:
        e = float(length)
    if s < 0:
        s += length
    if e < 0:
        e += length
    s = max(-1.0, min(s, float(length)))
    e = max(-1.0, min(e, float(length)))
    si = int(math.floor(s))
    ei = int(math.ceil(e))
    si = min(max(si, 0), length)
    ei = min(max(ei, 0), length)
    if ei < si:
        ei = si
    return si, ei


def do_slice(v: Any, start: Any, end: Any) -> Any:
    if v is None:
        return None
    t = type(v)
    if t is list or t is str:
        s, e = slice_bounds(len(v), start, end)
        if s == 0 and e == len(v):
            return v  # jq returns the very same value, which keeps it a path (`.[:1] as $x | path($x[0])`)
        return v[s:e]
    raise _idx_err(v, {"start": start, "end": end})


def _is_num(k: Any) -> bool:
    t = type(k)
    return t is int or t is float


def array_indices(a: list, b: list) -> list:
    if not b:
        return []
    n = len(b)
    return [i for i in range(len(a) - n + 1) if a[i:i + n] == b and _deq_all(a[i:i + n], b)]


def _deq_all(x: list, y: list) -> bool:
    from .values import equal

    return all(equal(p, q) for p, q in zip(x, y))


def index(v: Any, k: Any) -> Any:
    """``v[k]`` with jq semantics."""
    tv = type(v)
    tk = type(k)
    if tv is dict:
        if tk is str:
            return v.get(k)
        raise _idx_err(v, k)
    if tv is list:
        if tk is int:
            if k < 0:
                k += len(v)
                if k < 0:
                    return None
            return v[k] if k < len(v) else None
        if tk is float:
            if k != k:
                return None
            if math.isinf(k):
                return None
            i = int(k)  # jq casts to int: truncation toward zero, then counts from the end
            if i < 0:
                i += len(v)
                if i < 0:
                    return None
            return v[i] if i < len(v) else None
        if tk is dict:
            return _slice_obj(v, k)
        if tk is list:
            return array_indices(v, k)
        raise _idx_err(v, k)
    if v is None:
        if tk is str or tk is int or tk is float or tk is dict:
            return None
        raise _idx_err(v, k)
    if tv is str and tk is dict:
        return _slice_obj(v, k)
    raise _idx_err(v, k)


def _slice_obj(v: Any, k: dict) -> Any:
    if "start" not in k and "end" not in k:
        raise _idx_err(v, k)
    if "start" not in k or "end" not in k:
        raise JqRuntimeError("Array/string slice indices must be integers")
    return do_slice(v, k.get("start"), k.get("end"))


MAX_PATH = 10000


def _check_path(path: Any) -> None:
    if type(path) is not list:
        raise JqRuntimeError("Path must be specified as an array")
    if len(path) > MAX_PATH:
        raise JqRuntimeError("Path too deep")


def getpath(v: Any, path: Any) -> Any:
    _check_path(path)
    for k in path:
        if v is None:
            return None
        try:
            v = index(v, k)
        except JqRuntimeError:
            raise
    return v


def setpath(v: Any, path: Any, newval: Any, owned: Optional[dict] = None) -> Any:
    """``v`` with the value at ``path`` replaced; ``v`` itself is never changed.

    ``owned`` (``id -> container``) makes a run of several ``setpath`` calls linear instead of
    quadratic: containers this function copied are recorded there, and a later call writes into them
    in place instead of copying them again. The caller must not let an owned container escape while
    the run goes on (see ``disown``)."""
    _check_path(path)
    return _setpath(v, path, 0, newval, owned)


def disown(owned: dict, value: Any) -> None:
    """Forget every owned container when ``value`` (about to be shared, e.g. handed to a filter) is one."""
    if owned and id(value) in owned:
        owned.clear()


def _own(v: Any, copy: Any, owned: Optional[dict]) -> Any:
    if owned is None:
        return copy(v)
    if id(v) in owned:
        return v
    r = copy(v)
    owned[id(r)] = r
    return r


def _setpath(v: Any, path: list, i: int, newval: Any, owned: Optional[dict] = None) -> Any:
    if i == len(path):
        return newval
    k = path[i]
    tk = type(k)
    tv = type(v)
    if tk is str:
        if v is None:
            return {k: _setpath(None, path, i + 1, newval)}
        if tv is dict:
            r = _own(v, dict, owned)
            r[k] = _setpath(r.get(k), path, i + 1, newval, owned)
            return r
        raise _idx_err(v, k)
    if tk is int or tk is float:
        if v is None:
            v = []
            tv = list
        if tv is not list:
            raise _idx_err(v, k)
        if tk is float:
            if k != k:
                raise JqRuntimeError("Cannot set array element at NaN index")
            k = int(math.floor(k))
        if k < 0:
            k += len(v)
            if k < 0:
                raise JqRuntimeError("Out of bounds negative array index")
        r = _own(v, list, owned)
        cur = r[k] if k < len(r) else None
        nv = _setpath(cur, path, i + 1, newval, owned)
        if k >= len(r):
            if k > 100000000:
                raise JqRuntimeError("Array index too large")
            r.extend([None] * (k - len(r) + 1))
        r[k] = nv
        return r
    if tk is dict:
        if v is None:
            v = []
            tv = list
        if tv is str:
            raise JqRuntimeError("Cannot update string slices")
        if tv is not list:
            raise _idx_err(v, k)
        if "start" not in k or "end" not in k:
            raise JqRuntimeError("Array/string slice indices must be integers")
        s, e = slice_bounds(len(v), k.get("start"), k.get("end"))
        cur = v[s:e]
        nv = _setpath(cur, path, i + 1, newval, owned)
        if type(nv) is not list:
            raise JqRuntimeError("A slice of an array can only be assigned another array")
        r = _own(v, list, owned)
        r[s:e] = nv
        return r
    if tv is list and tk is list:
        raise JqRuntimeError("Cannot update field at array index of array")
    raise _idx_err(v, k)


def delpaths(v: Any, paths: Any) -> Any:
    """Delete several paths at once (indices refer to the original value, as in jq)."""
    if type(paths) is not list:
        raise JqRuntimeError("Paths must be specified as an array")
    for p in paths:
        _check_path(p)
    return _dels(v, paths)


def _dels(v: Any, paths: list) -> Any:
    if not paths:
        return v
    for p in paths:
        if not p:
            return None
    if v is None:
        return None
    tv = type(v)
    if tv is dict:
        groups: dict = {}
        for p in paths:
            k = p[0]
            if type(k) is not str:
                if len(p) == 1:
                    raise JqRuntimeError(f"Cannot delete {type_name(k)} field of object")
                raise _idx_err(v, k)
            groups.setdefault(k, []).append(p[1:])
        r = dict(v)
        for k, tails in groups.items():
            if any(not t for t in tails):
                r.pop(k, None)
            elif k in r:
                r[k] = _dels(r[k], tails)
        return r
    if tv is list:
        n = len(v)
        drop: set = set()
        sub: dict = {}
        slices = []
        for p in paths:
            k, tail = p[0], p[1:]
            tk = type(k)
            if tk is int or tk is float:
                if k != k:
                    continue
                i = int(math.floor(k)) if tk is float else k
                if i < 0:
                    i += n
                    if i < 0:
                        if tail:
                            raise JqRuntimeError("Out of bounds negative array index")
                        continue
                if i >= n:
                    continue
                if tail:
                    sub.setdefault(i, []).append(tail)
                else:
                    drop.add(i)
            elif tk is dict:
                s, e = slice_bounds(n, k.get("start"), k.get("end"))
                if tail:
                    slices.append((s, e, tail))
                else:
                    drop.update(range(s, e))
            else:
                if not tail:
                    raise JqRuntimeError(f"Cannot delete {type_name(k)} element of array")
                raise _idx_err(v, k)
        r = list(v)
        for i, tails in sub.items():
            if i not in drop:
                r[i] = _dels(r[i], tails)
        for s, e, tail in slices:
            part = _dels(r[s:e], [tail])
            if type(part) is not list:
                raise JqRuntimeError("A slice of an array can only be assigned another array")
            r[s:e] = part
            if len(part) != e - s:
                # indices after the slice moved; jq applies slice edits last for the same reason
                pass
        return [x for i, x in enumerate(r) if i not in drop] if drop else r
    raise JqRuntimeError(f"Cannot delete fields from {type_name(v)}")


def iter_values(v: Any) -> Iterable[Any]:
    t = type(v)
    if t is list:
        return v
    if t is dict:
        return v.values()
    raise JqRuntimeError(f"Cannot iterate over {desc(v)}")
