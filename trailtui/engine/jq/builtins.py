"""Native builtins (implemented in Python) and the builtins defined in jq itself."""

from __future__ import annotations

import math
import os
import time
from typing import Any, Callable, Dict, List, Optional, Tuple

from .compiler import (EMPTY, Code, code_from_opt, invalid_path, real_paths, value_paths, _recurse_paths,
                       _recurse_values)
from .context import current
from .errors import JqRuntimeError
from .paths import delpaths, disown, getpath, index, iter_values, setpath
from .values import compare, desc, dumps, equal, norm_num, sort_key, sorted_values, truthy, type_name

NATIVES: Dict[Tuple[str, int], "Native"] = {}


class Native:
    """A builtin implemented in Python; ``make(argcodes, compiler, node)`` returns its ``Code``."""

    def __init__(self, name: str, arity: int, make: Callable) -> None:
        self.name, self.arity, self._make = name, arity, make

    def make(self, args: List[Code], compiler: Any, node: Any) -> Code:
        return self._make(args, compiler, node)


def _reg(name: str, arity: int, make: Callable) -> None:
    NATIVES[(name, arity)] = Native(name, arity, make)


def unsupported(name: str, arity: int) -> None:
    def make(args, compiler, node):
        raise compiler.unsupported(f"{name}/{arity}", node)
    _reg(name, arity, make)


def valfn(name: str, arity: int = 0, order: str = "jq") -> Callable:
    """Register ``f(input, *argvalues) -> value``; arguments are cartesian products of their outputs."""
    def deco(f: Callable) -> Callable:
        def make(args, compiler, node):
            if arity == 0:
                def opt0(v, env):
                    return f(v)
                return code_from_opt(opt0, True)
            if all(a.single for a in args):
                opts = [a.opt for a in args]
                if arity == 1:
                    o1 = opts[0]
                    c1 = args[0].const
                    from .compiler import _NOCONST
                    if c1 is not _NOCONST:
                        def opt1c(v, env):
                            return f(v, c1)
                        return code_from_opt(opt1c, True)

                    def opt1(v, env):
                        return f(v, o1(v, env))
                    return code_from_opt(opt1, True)

                def optn(v, env):
                    return f(v, *[o(v, env) for o in opts])
                return code_from_opt(optn, True)
            runs = [a.run for a in args]
            if order == "c":
                def run(v, env):
                    return _cart_c(f, v, env, runs, len(runs) - 1, [None] * len(runs))
            else:
                def run(v, env):
                    return _cart(f, v, env, runs, 0, [])
            return Code(run)
        _reg(name, arity, make)
        return f
    return deco


def _cart(f, v, env, runs, i, acc):
    if i == len(runs):
        yield f(v, *acc)
        return
    for x in runs[i](v, env):
        acc.append(x)
        yield from _cart(f, v, env, runs, i + 1, acc)
        acc.pop()


def _cart_c(f, v, env, runs, i, acc):
    if i < 0:
        yield f(v, *acc)
        return
    for x in runs[i](v, env):
        acc[i] = x
        yield from _cart_c(f, v, env, runs, i - 1, acc)


def genfn(name: str, arity: int, paths: Optional[Callable] = None) -> Callable:
    """Register ``f(input, env, argcodes) -> iterable``; ``paths(p, v, env, argcodes)`` for path mode."""
    def deco(f: Callable) -> Callable:
        def make(args, compiler, node):
            def run(v, env):
                return f(v, env, args)
            if paths is not None:
                def p(pp, v, env):
                    return paths(pp, v, env, args)
                return Code(run, paths=p)
            return Code(run)
        _reg(name, arity, make)
        return f
    return deco


# ---------------------------------------------------------------- arithmetic

def _isnum(x: Any) -> bool:
    t = type(x)
    return t is int or t is float


_BIG = 1 << 53


def _dbl(a: Any, b: Any) -> tuple:
    """Operands as jq sees them: integers beyond 2**53 are doubles."""
    if type(a) is int and (a >= _BIG or a <= -_BIG):
        a = float(a)
    if type(b) is int and (b >= _BIG or b <= -_BIG):
        b = float(b)
    return a, b


def op_add(a: Any, b: Any) -> Any:
    ta, tb = type(a), type(b)
    if (ta is int or ta is float) and (tb is int or tb is float):
        a, b = _dbl(a, b)
        return norm_num(a + b)
    if a is None:
        return b
    if b is None:
        return a
    if ta is tb:
        if ta is str or ta is list:
            return a + b
        if ta is dict:
            r = dict(a)
            r.update(b)
            return r
    raise JqRuntimeError(f"{desc(a)} and {desc(b)} cannot be added")


def op_sub(a: Any, b: Any) -> Any:
    ta, tb = type(a), type(b)
    if (ta is int or ta is float) and (tb is int or tb is float):
        a, b = _dbl(a, b)
        return norm_num(a - b)
    if ta is list and tb is list:
        return [x for x in a if not any(equal(x, y) for y in b)]
    raise JqRuntimeError(f"{desc(a)} and {desc(b)} cannot be subtracted")


def _deep_merge(a: dict, b: dict) -> dict:
    r = dict(a)
    for k, x in b.items():
        y = r.get(k)
        if type(x) is dict and type(y) is dict:
            r[k] = _deep_merge(y, x)
        else:
            r[k] = x
    return r


def _repeat(s: str, n: Any) -> Any:
    if n < 0 or n != n:
        return None
    if not s:
        return s
    n = int(n) if n < 1e9 else None
    if n is None or n * len(s) > 500_000_000:
        raise JqRuntimeError("Repeat string result too long")
    return s * n


def op_mul(a: Any, b: Any) -> Any:
    ta, tb = type(a), type(b)
    if (ta is int or ta is float) and (tb is int or tb is float):
        a, b = _dbl(a, b)
        r = a * b
        if r == 0 and type(r) is int and (a < 0) != (b < 0):
            return -0.0
        return norm_num(r)
    if ta is str and (tb is int or tb is float):
        return _repeat(a, b)
    if tb is str and (ta is int or ta is float):
        return _repeat(b, a)
    if ta is dict and tb is dict:
        return _deep_merge(a, b)
    raise JqRuntimeError(f"{desc(a)} and {desc(b)} cannot be multiplied")


def op_div(a: Any, b: Any) -> Any:
    ta, tb = type(a), type(b)
    if (ta is int or ta is float) and (tb is int or tb is float):
        if b == 0:
            raise JqRuntimeError(f"{desc(a)} and {desc(b)} cannot be divided because the divisor is zero")
        a, b = _dbl(a, b)
        r = a / b
        if ta is int and tb is int and r.is_integer() and abs(r) < 2 ** 53 and r != 0:
            return int(r)
        return r
    if ta is str and tb is str:
        return split_str(a, b)
    raise JqRuntimeError(f"{desc(a)} and {desc(b)} cannot be divided")


def _to_intmax(x: Any) -> int:
    if x != x:
        return 0
    if x >= 9.223372036854775807e18:
        return 9223372036854775807
    if x <= -9.223372036854775808e18:
        return -9223372036854775808
    return int(x)


def op_mod(a: Any, b: Any) -> Any:
    ta, tb = type(a), type(b)
    if (ta is int or ta is float) and (tb is int or tb is float):
        if a != a or b != b:
            return math.nan
        ia, ib = _to_intmax(a), _to_intmax(b)
        if ib == 0:
            raise JqRuntimeError(
                f"{desc(a)} and {desc(b)} cannot be divided (remainder) because the divisor is zero")
        r = abs(ia) % abs(ib)
        return -r if ia < 0 else r
    raise JqRuntimeError(f"{desc(a)} and {desc(b)} cannot be divided (remainder)")


def op_eq(a: Any, b: Any) -> bool:
    return equal(a, b)


def op_ne(a: Any, b: Any) -> bool:
    return not equal(a, b)


def _cmp_fast(a: Any, b: Any) -> int:
    ta, tb = type(a), type(b)
    if ta is tb and (ta is str or ta is int) or ((ta is int or ta is float) and (tb is int or tb is float)
                                              and a == a and b == b):
        return -1 if a < b else (0 if a == b else 1)
    return compare(a, b)


BINOPS: Dict[str, Callable] = {
    "+": op_add, "-": op_sub, "*": op_mul, "/": op_div, "%": op_mod,
    "==": op_eq, "!=": op_ne,
    "<": lambda a, b: _cmp_fast(a, b) < 0, "<=": lambda a, b: _cmp_fast(a, b) <= 0,
    ">": lambda a, b: _cmp_fast(a, b) > 0, ">=": lambda a, b: _cmp_fast(a, b) >= 0,
}


def negate(x: Any) -> Any:
    if _isnum(x):
        if x == 0:
            return -float(x)
        return -x
    raise JqRuntimeError(f"{desc(x)} cannot be negated")


def split_str(a: str, sep: str) -> list:
    if a == "":
        return []
    if sep == "":
        return _split_empty(a)
    return a.split(sep)


def _split_empty(a: str) -> list:
    return [c for c in a]


# ---------------------------------------------------------------- core generators

def _make_empty(args, compiler, node):
    def opt(v, env):
        return EMPTY
    return Code(lambda v, env: (), opt, False, lambda p, v, env: ())


_reg("empty", 0, _make_empty)


@genfn("error", 0, paths=lambda p, v, env, a: _raise(v))
def _error0(v, env, args):
    raise JqRuntimeError(v)


def _raise(v):
    raise JqRuntimeError(v)


@genfn("error", 1, paths=lambda p, v, env, a: _error1(v, env, a))
def _error1(v, env, args):
    for m in args[0].run(v, env):
        raise JqRuntimeError(m)
    return ()


def _make_select(args, compiler, node):
    c = args[0]
    cp = c.run

    def paths(p, v, env):
        for x in cp(v, env):
            if x is not None and x is not False:
                yield p, v
    if c.single:
        co = c.opt

        def opt(v, env):
            x = co(v, env)
            return EMPTY if x is None or x is False else v
        return code_from_opt(opt, False, paths)

    def run(v, env):
        for x in cp(v, env):
            if x is not None and x is not False:
                yield v
    return Code(run, paths=paths)


_reg("select", 1, _make_select)


def _make_path(args, compiler, node):
    f = value_paths(args[0])

    def run(v, env):
        for p, _ in real_paths(f((), v, env)):
            yield list(p)
    return Code(run)


_reg("path", 1, _make_path)


def _make_getpath(args, compiler, node):
    a = args[0]

    def run(v, env):
        for p in a.run(v, env):
            try:
                yield getpath(v, p)
            except JqRuntimeError:
                if type(p) is not list:
                    raise
                raise

    def paths(pp, v, env):
        for p in a.run(v, env):
            r = getpath(v, p)
            if pp is None:
                raise invalid_path(v)
            yield pp + tuple(p), r
    if a.single:
        ao = a.opt

        def opt(v, env):
            return getpath(v, ao(v, env))
        return code_from_opt(opt, True, paths)
    return Code(run, paths=paths)


_reg("getpath", 1, _make_getpath)


@valfn("setpath", 2, order="c")
def _setpath(v, p, x):
    return setpath(v, p, x)


@valfn("delpaths", 1)
def _delpaths(v, ps):
    return delpaths(v, ps)


@genfn("del", 1)
def _del(v, env, args):
    ps = [list(p) for p, _ in real_paths(value_paths(args[0])((), v, env))]
    yield delpaths(v, ps)


def _recurse1_run(v, env, args):
    f = args[0]
    fr = f.run
    stack = [iter((v,))]
    while stack:
        for x in stack[-1]:
            yield x
            stack.append(iter(fr(x, env)))
            break
        else:
            stack.pop()


def _recurse1_paths(p, v, env, args):
    fp = value_paths(args[0])
    stack = [iter(((p, v),))]
    while stack:
        for q, x in stack[-1]:
            yield q, x
            stack.append(iter(fp(q, x, env)))
            break
        else:
            stack.pop()


genfn("recurse", 1, paths=_recurse1_paths)(_recurse1_run)
_reg("recurse", 0, lambda a, c, n: Code(_recurse_values, paths=_recurse_paths))


def _make_map(args, compiler, node):
    f = args[0]
    if f.single:
        fo = f.opt

        def opt(v, env):
            return [fo(x, env) for x in iter_values(v)]
    else:
        fr = f.run

        def opt(v, env):
            return [y for x in iter_values(v) for y in fr(x, env)]
    return code_from_opt(opt, True)


_reg("map", 1, _make_map)


def _limit_count(n):
    if not _isnum(n):
        if compare(n, 0) > 0:
            op_sub(n, 1)  # raises jq's error for a non-numeric count
        raise JqRuntimeError("limit doesn't support negative count")
    if n < 0:
        raise JqRuntimeError("limit doesn't support negative count")
    return n


def _limit_run(v, env, args):
    for n in args[0].run(v, env):
        n = _limit_count(n)
        if n <= 0:
            continue
        i = 0
        for x in args[1].run(v, env):
            yield x
            i += 1
            if i >= n:
                break


def _limit_paths(p, v, env, args):
    for n in args[0].run(v, env):
        n = _limit_count(n)
        if n <= 0:
            continue
        i = 0
        for x in value_paths(args[1])(p, v, env):
            yield x
            i += 1
            if i >= n:
                break


genfn("limit", 2, paths=_limit_paths)(_limit_run)


def _skip(v, env, args, source):
    for n in args[0].run(v, env):
        if n < 0:
            raise JqRuntimeError("skip doesn't support negative count")
        i = 0
        for x in source(v, env):
            if i >= n:
                yield x
            i += 1


genfn("skip", 2, paths=lambda p, v, env, args: _skip(v, env, args, lambda v, e: value_paths(args[1])(p, v, e)))(
    lambda v, env, args: _skip(v, env, args, args[1].run))


def _first_run(v, env, args):
    for x in args[0].run(v, env):
        return (x,)
    return ()


def _first_paths(p, v, env, args):
    for x in value_paths(args[0])(p, v, env):
        return (x,)
    return ()


genfn("first", 1, paths=_first_paths)(_first_run)


def _last_run(v, env, args):
    r = EMPTY
    for r in args[0].run(v, env):
        pass
    return () if r is EMPTY else (r,)


# jq 1.8 defines last(f) as a reduce, which is not a path expression
genfn("last", 1)(_last_run)


def _nth(v, env, args, source):
    for n in args[0].run(v, env):
        if n < 0:
            raise JqRuntimeError("nth doesn't support negative indices")
        i = 0
        for x in source(v, env):
            if i >= n:
                yield x
                break
            i += 1


genfn("nth", 2, paths=lambda p, v, env, args: _nth(v, env, args, lambda v, e: value_paths(args[1])(p, v, e)))(
    lambda v, env, args: _nth(v, env, args, args[1].run))


@genfn("isempty", 1)
def _isempty(v, env, args):
    for _ in args[0].run(v, env):
        return (False,)
    return (True,)


@genfn("until", 2)
def _until(v, env, args):
    cond, upd = args
    while True:
        c = _first_val(cond, v, env)
        if truthy(c):
            yield v
            return
        v = _first_val(upd, v, env, allow_empty=True)
        if v is EMPTY:
            return


def _first_val(code, v, env, allow_empty=False):
    if code.opt is not None:
        return code.opt(v, env)
    for x in code.run(v, env):
        return x
    return EMPTY


def _while_run(v, env, args):
    cond, upd = args
    # breadth of `update` outputs is honoured with an explicit stack (depth-first, like jq)
    stack = [iter((v,))]
    while stack:
        for x in stack[-1]:
            for c in cond.run(x, env):
                if truthy(c):
                    yield x
                    stack.append(iter(upd.run(x, env)))
                break
            else:
                continue
            break
        else:
            stack.pop()


genfn("while", 2)(_while_run)


@genfn("repeat", 1)
def _repeat_run(v, env, args):
    # libjq 1.8.2 re-applies f to the same input forever (`[limit(3; 1 | repeat(.+1))]` is [2,2,2])
    f = args[0]
    while True:
        yield from f.run(v, env)


def _range_gen(start, end, step):
    for x in (start, end, step):
        if not _isnum(x):
            raise JqRuntimeError("Range bounds must be numeric")
    if step > 0:
        x = start
        while x < end:
            yield x
            x = norm_num(x + step)
    elif step < 0:
        x = start
        while x > end:
            yield x
            x = norm_num(x + step)


@genfn("range", 1)
def _range1(v, env, args):
    for n in args[0].run(v, env):
        if not _isnum(n):
            raise JqRuntimeError("Range bounds must be numeric")
        yield from _range_gen(0, n, 1)


@genfn("range", 2)
def _range2(v, env, args):
    for a in args[0].run(v, env):
        for b in args[1].run(v, env):
            yield from _range_gen(a, b, 1)


@genfn("range", 3)
def _range3(v, env, args):
    for a in args[0].run(v, env):
        for b in args[1].run(v, env):
            for c in args[2].run(v, env):
                yield from _range_gen(a, b, c)


def _keyed(v, env, f, minmax=False):
    # jq computes map([f]) first, so its errors come first
    vals = list(iter_values(v))
    keys = [list(f.run(x, env)) for x in vals]
    if type(v) is not list:
        raise JqRuntimeError(f"{desc(v)} and {desc(keys)} " + (
            "cannot be iterated over" if minmax else "cannot be sorted, as they are not both arrays"))
    return vals, keys


def _order(keys):
    ks = [sort_key(k) for k in keys]
    return sorted(range(len(keys)), key=ks.__getitem__)


@genfn("sort_by", 1)
def _sort_by(v, env, args):
    vals, keys = _keyed(v, env, args[0])
    yield [vals[i] for i in _order(keys)]


@genfn("group_by", 1)
def _group_by(v, env, args):
    vals, keys = _keyed(v, env, args[0])
    out: list = []
    prev = EMPTY
    for i in _order(keys):
        if prev is not EMPTY and compare(keys[i], prev) == 0:
            out[-1].append(vals[i])
        else:
            out.append([vals[i]])
        prev = keys[i]
    yield out


@genfn("unique_by", 1)
def _unique_by(v, env, args):
    vals, keys = _keyed(v, env, args[0])
    out: list = []
    prev = EMPTY
    for i in _order(keys):
        if prev is not EMPTY and compare(keys[i], prev) == 0:
            continue
        out.append(vals[i])
        prev = keys[i]
    yield out


def _minmax_by(v, env, f, want_max):
    vals, keys = _keyed(v, env, f, True)
    if not vals:
        return None
    best = 0
    for i in range(1, len(vals)):
        c = compare(keys[i], keys[best])
        if (want_max and c >= 0) or (not want_max and c < 0):
            best = i
    return vals[best]


genfn("min_by", 1)(lambda v, env, a: (_minmax_by(v, env, a[0], False),))
genfn("max_by", 1)(lambda v, env, a: (_minmax_by(v, env, a[0], True),))


@valfn("sort")
def _sort(v):
    if type(v) is not list:
        raise JqRuntimeError(f"{desc(v)} cannot be sorted, as it is not an array")
    return sorted_values(v)


@valfn("unique")
def _unique(v):
    if type(v) is not list:
        raise JqRuntimeError(f"{desc(v)} cannot be sorted, as it is not an array")
    out: list = []
    for x in sorted_values(v):
        if not out or compare(out[-1], x) != 0:
            out.append(x)
    return out


def _minmax(v, want_max):
    if type(v) is not list:
        raise JqRuntimeError(f"{desc(v)} and {desc(v)} cannot be iterated over")
    if not v:
        return None
    best = v[0]
    for x in v[1:]:
        c = compare(x, best)
        if (want_max and c >= 0) or (not want_max and c < 0):
            best = x
    return best


valfn("min")(lambda v: _minmax(v, False))
valfn("max")(lambda v: _minmax(v, True))


@genfn("add", 1)
def _add1(v, env, args):
    acc = None
    for x in args[0].run(v, env):
        acc = op_add(acc, x)
    yield acc


@valfn("add")
def _add(v):
    vals = iter_values(v)
    acc = None
    for x in vals:
        acc = op_add(acc, x)
    return acc


def _anyall(is_any):
    def run2(v, env, args):
        g, c = args
        for x in g.run(v, env):
            for y in c.run(x, env):
                if truthy(y) == is_any:
                    return (is_any,)
        return (not is_any,)

    def run1(v, env, args):
        c = args[0]
        for x in iter_values(v):
            for y in c.run(x, env):
                if truthy(y) == is_any:
                    return (is_any,)
        return (not is_any,)

    def run0(v):
        for x in iter_values(v):
            if truthy(x) == is_any:
                return is_any
        return not is_any
    return run0, run1, run2


for _nm, _flag in (("any", True), ("all", False)):
    _r0, _r1, _r2 = _anyall(_flag)
    valfn(_nm, 0)(_r0)
    genfn(_nm, 1)(_r1)
    genfn(_nm, 2)(_r2)


def _make_update(op):
    def make(args, compiler, node):
        return update_code(op, args[0], args[1])
    return make


def update_code(op: str, lhs: Code, rhs: Code) -> Code:
    """Assignment operators, implemented over the paths of ``lhs``."""
    lpaths = value_paths(lhs)
    rr = rhs.run

    def paths_of(v, env):
        return [list(p) for p, _ in real_paths(lpaths((), v, env))]

    # each run copies a container at most once (``owned``), so updating n paths costs O(n), not O(n^2)
    if op == "|=":
        def run(v, env):
            acc = v
            owned: dict = {}
            dels = []
            for p in paths_of(v, env):
                cur = getpath(acc, p)
                disown(owned, cur)
                for x in rr(cur, env):
                    acc = setpath(acc, p, x, owned)
                    break
                else:
                    dels.append(p)
            if dels:
                acc = delpaths(acc, dels)
            yield acc
        return Code(run)
    if op == "=":
        def run_set(v, env):
            for x in rr(v, env):
                acc = v
                owned: dict = {}
                for p in paths_of(v, env):
                    acc = setpath(acc, p, x, owned)
                yield acc
        return Code(run_set)
    if op == "//=":
        def run_alt(v, env):
            for x in rr(v, env):
                acc = v
                owned: dict = {}
                for p in paths_of(v, env):
                    cur = getpath(acc, p)
                    if truthy(cur):
                        disown(owned, cur)
                    acc = setpath(acc, p, cur if truthy(cur) else x, owned)
                yield acc
        return Code(run_alt)
    f = BINOPS[op[:-1]]

    def run_arith(v, env):
        for x in rr(v, env):
            acc = v
            owned: dict = {}
            for p in paths_of(v, env):
                cur = getpath(acc, p)
                disown(owned, cur)  # `+=` may return its left side unchanged (`. + null`)
                acc = setpath(acc, p, f(cur, x), owned)
            yield acc
    return Code(run_arith)


def _make_map_values(args, compiler, node):
    it = Code(lambda v, env: iter_values(v), paths=_iter_paths)
    return update_code("|=", it, args[0])


def _iter_paths(p, v, env):
    t = type(v)
    if t is list:
        return ((p + (i,), x) for i, x in enumerate(v))
    if t is dict:
        return ((p + (k,), x) for k, x in v.items())
    iter_values(v)
    return ()


_reg("map_values", 1, _make_map_values)


@genfn("paths", 0)
def _paths0(v, env, args):
    it = _recurse_paths((), v, env)
    next(it)
    for p, _ in it:
        yield list(p)


@genfn("paths", 1)
def _paths1(v, env, args):
    # jq 1.8: path(.. | select(f)) | select(length > 0) -- f also runs on the root
    f = args[0]
    for p, x in _recurse_paths((), v, env):
        for c in f.run(x, env):
            if truthy(c) and p:
                yield list(p)


def _debug_line(msg: Any) -> str:
    return '["DEBUG:",' + dumps(msg) + "]"


def _debug0(v, env, args):
    current().on_debug(_debug_line(v))
    return (v,)


def _debug1(v, env, args):
    sink = current().on_debug
    for m in args[0].run(v, env):  # jq: def debug(msg): (msg | debug | empty), .;
        sink(_debug_line(m))
    return (v,)


def _stderr(v, env, args):
    current().on_stderr(v if type(v) is str else dumps(v))
    return (v,)


def _side_effect_paths(effect: Callable) -> Callable:
    """Path mode of a builtin that outputs its input after a side effect: the path is unchanged."""
    def paths(p, v, env, args):
        effect(v, env, args)
        return ((p, v),)
    return paths


genfn("debug", 0, paths=_side_effect_paths(_debug0))(_debug0)
genfn("debug", 1, paths=_side_effect_paths(_debug1))(_debug1)
genfn("stderr", 0, paths=_side_effect_paths(_stderr))(_stderr)


@genfn("sub", 2)
def _sub2(v, env, args):
    from .regex import sub_gen
    for re_ in args[0].run(v, env):
        yield from sub_gen(v, re_, args[1], None, env, False)


@genfn("sub", 3)
def _sub3(v, env, args):
    from .regex import sub_gen
    for re_ in args[0].run(v, env):
        for fl in args[2].run(v, env):
            yield from sub_gen(v, re_, args[1], fl, env, False)


@genfn("gsub", 2)
def _gsub2(v, env, args):
    from .regex import sub_gen
    for re_ in args[0].run(v, env):
        yield from sub_gen(v, re_, args[1], None, env, True)


@genfn("gsub", 3)
def _gsub3(v, env, args):
    from .regex import sub_gen
    for re_ in args[0].run(v, env):
        for fl in args[2].run(v, env):
            yield from sub_gen(v, re_, args[1], fl, env, True)


# ---------------------------------------------------------------- simple value builtins

@valfn("length")
def _length(v):
    t = type(v)
    if t is str or t is list or t is dict:
        return len(v)
    if v is None:
        return 0
    if t is int or t is float:
        return abs(v)
    raise JqRuntimeError(f"{desc(v)} has no length")


@valfn("utf8bytelength")
def _utf8bytelength(v):
    if type(v) is not str:
        raise JqRuntimeError(f"{desc(v)} only strings have UTF-8 byte length")
    return len(v.encode("utf-8", "surrogatepass"))


valfn("not")(lambda v: v is None or v is False)


@valfn("type")
def _type(v):
    return type_name(v)


@valfn("keys")
def _keys(v):
    t = type(v)
    if t is dict:
        return sorted(v)
    if t is list:
        return list(range(len(v)))
    raise JqRuntimeError(f"{desc(v)} has no keys")


@valfn("keys_unsorted")
def _keys_unsorted(v):
    t = type(v)
    if t is dict:
        return list(v)
    if t is list:
        return list(range(len(v)))
    raise JqRuntimeError(f"{desc(v)} has no keys")


@valfn("has", 1)
def _has(v, k):
    t = type(v)
    if t is dict and type(k) is str:
        return k in v
    if t is list and _isnum(k):
        return 0 <= k < len(v)
    if v is None and (type(k) is str or _isnum(k)):
        return False
    raise JqRuntimeError(f"Cannot check whether {type_name(v)} has a {type_name(k)} key")


def _kind(v: Any) -> Any:
    """jq's value kind, where true and false are different kinds (``false | contains(true)`` errors)."""
    return v if type(v) is bool else type_name(v)


def contains(a: Any, b: Any) -> bool:
    if _kind(a) != _kind(b):
        raise JqRuntimeError(f"{desc(a)} and {desc(b)} cannot have their containment checked")
    return _contains(a, b)


def _contains(a: Any, b: Any) -> bool:
    ta, tb = type(a), type(b)
    if ta is dict and tb is dict:
        for k, y in b.items():
            if k not in a or not _contains(a[k], y):
                return False
        return True
    if ta is list and tb is list:
        return all(any(_contains(x, y) for x in a) for y in b)
    if ta is str and tb is str:
        return b in a
    return type_name(a) == type_name(b) and equal(a, b)


valfn("contains", 1)(contains)
valfn("inside", 1)(lambda v, x: contains(x, v))


@valfn("tostring")
def _tostring(v):
    return v if type(v) is str else dumps(v)


@valfn("tojson")
def _tojson(v):
    return dumps(v)


@valfn("fromjson")
def _fromjson(v):
    if type(v) is not str:
        raise JqRuntimeError(f"{desc(v)} only strings can be parsed")
    return parse_json_text(v)


def parse_json_text(s: str) -> Any:
    import json
    t = s.strip()
    if t in ("nan", "NaN", "-nan", "-NaN"):
        return math.nan
    try:
        return json.loads(s, parse_constant=_bad_const, parse_int=_json_int)
    except (ValueError, RecursionError) as e:
        msg = str(e).split(":")[0]
        raise JqRuntimeError(f"{msg} (while parsing '{s}')")


def _json_int(text: str) -> Any:
    """An integer token of JSON text: exact, and ``-0`` kept as negative zero (as jq does)."""
    return -0.0 if text == "-0" else int(text)


def _bad_const(name: str) -> Any:
    raise ValueError(f"Invalid literal {name}")


@valfn("tonumber")
def _tonumber(v):
    t = type(v)
    if t is int or t is float:
        return v
    if t is str:
        import re
        if re.fullmatch(r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", v):
            if re.fullmatch(r"[-+]?[0-9]+", v):
                # jq 1.8 keeps an integer literal exact (until arithmetic); "-0" stays negative zero
                if v.lstrip("+-").strip("0") == "":
                    return -0.0 if v.startswith("-") else 0
                return int(v) if len(v) < 4000 else float(v)
            f = float(v)
            return f
        if v in ("nan", "-nan", "NaN", "-NaN"):
            return math.nan
        raise JqRuntimeError(f"{desc(v)} cannot be parsed as a number")
    raise JqRuntimeError(f"{desc(v)} cannot be parsed as a number")


@valfn("ascii_downcase")
def _ascii_downcase(v):
    if type(v) is not str:
        raise JqRuntimeError("explode input must be a string")
    return v.translate(_LOWER)


@valfn("ascii_upcase")
def _ascii_upcase(v):
    if type(v) is not str:
        raise JqRuntimeError("explode input must be a string")
    return v.translate(_UPPER)


_LOWER = {i: i + 32 for i in range(65, 91)}
_UPPER = {i: i - 32 for i in range(97, 123)}


@valfn("explode")
def _explode(v):
    if type(v) is not str:
        raise JqRuntimeError("explode input must be a string")
    return [ord(c) for c in v]


@valfn("implode")
def _implode(v):
    if type(v) is not list:
        raise JqRuntimeError("implode input must be an array")
    out = []
    for c in v:
        if not _isnum(c):
            raise JqRuntimeError(f"{desc(c)} can't be imploded, unicode codepoint needs to be numeric")
        c = int(c)
        if c < 0 or c > 0x10FFFF or 0xD800 <= c <= 0xDFFF:
            c = 0xFFFD
        out.append(chr(c))
    return "".join(out)


def _need_str2(v, x, fn):
    if type(v) is not str or type(x) is not str:
        raise JqRuntimeError(f"{fn}() requires string inputs")


@valfn("startswith", 1)
def _startswith(v, x):
    _need_str2(v, x, "startswith")
    return v.startswith(x)


@valfn("endswith", 1)
def _endswith(v, x):
    _need_str2(v, x, "endswith")
    return v.endswith(x)


@valfn("ltrimstr", 1)
def _ltrimstr(v, x):
    _need_str2(v, x, "startswith")
    return v[len(x):] if v.startswith(x) else v


@valfn("rtrimstr", 1)
def _rtrimstr(v, x):
    _need_str2(v, x, "endswith")
    return v[:len(v) - len(x)] if x and v.endswith(x) else v


@valfn("trimstr", 1)
def _trimstr(v, x):
    return _rtrimstr(_ltrimstr(v, x), x)


_WS = (" \t\n\r\f\v\u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
       "\u2009\u200a\u2028\u2029\u202f\u205f\u3000")


def _trim_fn(name, f):
    def g(v):
        if type(v) is not str:
            raise JqRuntimeError("trim input must be a string")
        return f(v)
    valfn(name)(g)


_trim_fn("trim", lambda s: s.strip(_WS))
_trim_fn("ltrim", lambda s: s.lstrip(_WS))
_trim_fn("rtrim", lambda s: s.rstrip(_WS))


@valfn("split", 1)
def _split1(v, sep):
    if type(v) is not str or type(sep) is not str:
        raise JqRuntimeError("split input and separator must be strings")
    return split_str(v, sep)


@valfn("join", 1)
def _join(v, sep):
    acc = None
    for x in iter_values(v):
        if acc is None:
            acc = ""
        else:
            acc = op_add(acc, sep)
        if x is None:
            x = ""
        elif x is True or x is False or _isnum(x):
            x = dumps(x)
        acc = op_add(acc, x)
    return "" if acc is None else acc


def _flatten(v, depth):
    out = []
    for x in v:
        if type(x) is list and depth != 0:
            out.extend(_flatten(x, depth - 1))
        else:
            out.append(x)
    return out


@valfn("flatten")
def _flatten0(v):
    return _flatten(list(iter_values(v)), 1e9)


@valfn("flatten", 1)
def _flatten1(v, d):
    if not _isnum(d):
        raise JqRuntimeError("flatten depth must not be negative")
    if d < 0:
        raise JqRuntimeError("flatten depth must not be negative")
    return _flatten(list(iter_values(v)), d)


@valfn("reverse")
def _reverse(v):
    # jq: def reverse: [.[length - 1 - range(0; length)]];
    if type(v) is list:
        return v[::-1]
    n = _length(v)
    out = []
    i = 0
    while i < n:
        out.append(index(v, norm_num(n - 1 - i)))
        i += 1
    return out


def _indices(v, x):
    if type(v) is str and type(x) is str:
        if x == "":
            return []
        out, i = [], v.find(x)
        while i >= 0:
            out.append(i)
            i = v.find(x, i + 1)
        return out
    if type(v) is list and type(x) is list:
        from .paths import array_indices
        return array_indices(v, x)
    if type(v) is list:
        return [i for i, y in enumerate(v) if equal(y, x)]
    return index(v, x)


valfn("indices", 1)(_indices)


@valfn("index", 1)
def _index1(v, x):
    # jq: def index($i): indices($i) | .[0];
    return index(_indices(v, x), 0)


@valfn("rindex", 1)
def _rindex1(v, x):
    # jq: def rindex($i): indices($i) | .[-1:][0];
    r = _indices(v, x)
    if type(r) is list:
        return r[-1] if r else None
    return index(index(r, {"start": -1, "end": None}), 0)


@valfn("to_entries")
def _to_entries(v):
    if type(v) is dict:
        return [{"key": k, "value": x} for k, x in v.items()]
    if type(v) is list:
        return [{"key": i, "value": x} for i, x in enumerate(v)]
    raise JqRuntimeError(f"{desc(v)} has no keys")


@valfn("from_entries")
def _from_entries(v):
    out: dict = {}
    for e in iter_values(v):
        k = index(e, "key")
        if k is None:
            for kn in ("k", "name", "Name", "K", "Key"):
                k = index(e, kn)
                if k is not None and k is not False:
                    break
        if type(e) is dict and "value" in e:
            val = e["value"]
        elif type(e) is dict and "v" in e:
            val = e["v"]
        else:
            val = index(e, "Value")
        if type(k) is not str:
            raise JqRuntimeError(f"Cannot use {desc(k)} as object key")
        out[k] = val
    return out


@genfn("tostream", 0)
def _tostream(v, env, args):
    def walk(p, x, top):
        t = type(x)
        if (t is list or t is dict) and len(x) > 0:
            items = list(enumerate(x)) if t is list else list(x.items())
            for k, y in items:
                yield from walk(p + [k], y, False)
            yield [p + [items[-1][0]]]
        else:
            yield [p, x]
    yield from walk([], v, True)


@valfn("transpose")
def _transpose(v):
    # jq: def transpose: [range(0; map(length) | max) as $i | [.[][$i]]];
    rows = list(iter_values(v))
    lengths = [_length(r) for r in rows]
    n = _minmax(lengths, True) if lengths else None
    out = []
    for i in _range_gen(0, n, 1) if n is not None else ():
        out.append([index(r, i) for r in rows])
    return out


@valfn("toboolean")
def _toboolean(v):
    if v is True or v is False:
        return v
    if v == "true" and type(v) is str:
        return True
    if v == "false" and type(v) is str:
        return False
    raise JqRuntimeError(f"{desc(v)} cannot be parsed as a boolean")


@valfn("_strindices", 1)
def _strindices(v, x):
    if type(v) is not str:
        raise JqRuntimeError(f"{desc(v)} cannot be searched, as it is not a string")
    if type(x) is not str:
        raise JqRuntimeError(f"{desc(x)} is not a string")
    return _indices(v, x) or []


@valfn("bsearch", 1)
def _bsearch(v, target):
    if type(v) is not list:
        raise JqRuntimeError(f"{desc(v)} cannot be searched from")
    lo, hi = 0, len(v) - 1
    while lo <= hi:
        mid = (lo + hi) // 2
        c = compare(v[mid], target)
        if c == 0:
            return mid
        if c < 0:
            lo = mid + 1
        else:
            hi = mid - 1
    return -1 - lo


valfn("have_literal_numbers")(lambda v: True)
valfn("have_decnum")(lambda v: True)
valfn("input_filename")(lambda v: current().filename)
valfn("input_line_number")(lambda v: 0)
valfn("now")(lambda v: time.time())
valfn("env")(lambda v: dict(os.environ))
valfn("builtins")(lambda v: sorted({f"{n}/{a}" for (n, a) in NATIVES if a >= 0 and not n.startswith("_")}))


@genfn("splits", 1)
def _splits1(v, env, args):
    from .regex import split_re
    for r in args[0].run(v, env):
        yield from split_re(v, r, None)


@genfn("splits", 2)
def _splits2(v, env, args):
    from .regex import split_re
    for r in args[0].run(v, env):
        for fl in args[1].run(v, env):
            yield from split_re(v, r, fl)


@valfn("split", 2)
def _split2(v, r, fl):
    from .regex import split_re
    return list(split_re(v, r, fl))


def _regex_valfns() -> None:
    from . import regex as R

    @genfn("match", 1)
    def _m1(v, env, args):
        for r in args[0].run(v, env):
            yield from R.match_gen(v, r, None, True)

    @genfn("match", 2)
    def _m2(v, env, args):
        for r in args[0].run(v, env):
            for fl in args[1].run(v, env):
                yield from R.match_gen(v, r, fl)

    valfn("test", 1)(lambda v, r: R.test(v, r, None, True))
    valfn("test", 2)(lambda v, r, fl: R.test(v, r, fl))

    @genfn("capture", 1)
    def _c1(v, env, args):
        for r in args[0].run(v, env):
            for m in R.match_gen(v, r, None, True):
                yield R.capture_obj(m)

    @genfn("capture", 2)
    def _c2(v, env, args):
        for r in args[0].run(v, env):
            for fl in args[1].run(v, env):
                for m in R.match_gen(v, r, fl):
                    yield R.capture_obj(m)

    @genfn("scan", 1)
    def _s1(v, env, args):
        for r in args[0].run(v, env):
            yield from R.scan_gen(v, r, None)

    @genfn("scan", 2)
    def _s2(v, env, args):
        for r in args[0].run(v, env):
            for fl in args[1].run(v, env):
                yield from R.scan_gen(v, r, fl)


_regex_valfns()


# ---------------------------------------------------------------- math

def _num_required(name):
    def check(v):
        if not _isnum(v):
            raise JqRuntimeError(f"{desc(v)} number required")
        return v
    return check


def _wrap_math(name, fn):
    chk = _num_required(name)

    def f(v):
        x = chk(v)
        try:
            r = fn(float(x))
        except (ValueError, ZeroDivisionError):
            return math.nan
        except OverflowError:
            return math.inf
        return r
    valfn(name)(f)


def _signed_int(f):
    """An integer-rounding function of C's libm: the result keeps the sign of ``x`` (``-0``)."""
    def g(x):
        if not math.isfinite(x):
            return x
        return math.copysign(float(f(x)), x)
    return g


_rint = _signed_int(round)
_round = _signed_int(lambda x: math.floor(abs(x) + 0.5))


def _atanh(x):
    if abs(x) == 1:
        return math.copysign(math.inf, x)
    return math.atanh(x)


def _log_safe(f):
    def g(x):
        if x == 0:
            return -math.inf
        if x < 0:
            return math.nan
        return f(x)
    return g


def _significand(x):
    if x == 0 or not math.isfinite(x):
        return x
    m, e = math.frexp(x)
    return m * 2


def _logb(x):
    if x == 0:
        return -math.inf
    if not math.isfinite(x):
        return abs(x)
    return float(math.frexp(x)[1] - 1)


def _gamma(x):
    try:
        return math.lgamma(x)
    except ValueError:
        return math.inf


def _tgamma(x):
    try:
        return math.gamma(x)
    except ValueError:
        return math.nan if x < 0 else math.inf
    except OverflowError:
        return math.inf


for _name, _fn in {
    "floor": _signed_int(math.floor), "ceil": _signed_int(math.ceil), "round": _round,
    "rint": _rint, "nearbyint": _rint, "trunc": _signed_int(math.trunc),
    "fabs": abs, "sqrt": lambda x: math.sqrt(x) if x >= 0 else math.nan,
    "cbrt": lambda x: math.copysign(abs(x) ** (1 / 3), x),
    "exp": math.exp, "exp2": lambda x: 2.0 ** x, "exp10": lambda x: 10.0 ** x,
    "expm1": math.expm1, "erf": math.erf, "erfc": math.erfc,
    "log": _log_safe(math.log), "log2": _log_safe(math.log2), "log10": _log_safe(math.log10),
    "log1p": lambda x: math.log1p(x) if x > -1 else (-math.inf if x == -1 else math.nan),
    "sin": math.sin, "cos": math.cos, "tan": math.tan, "asin": math.asin, "acos": math.acos,
    "atan": math.atan, "sinh": math.sinh, "cosh": math.cosh, "tanh": math.tanh,
    "asinh": math.asinh, "acosh": math.acosh, "atanh": _atanh,
    "gamma": _gamma, "lgamma": _gamma, "tgamma": _tgamma,
    "significand": _significand, "logb": _logb,
    "j0": lambda x: _bessel(0, x), "j1": lambda x: _bessel(1, x),
}.items():
    _wrap_math(_name, _fn)


def _bessel(n, x):
    # series expansion: adequate for moderate arguments
    s, term, k = 0.0, 1.0, 0
    term = (x / 2) ** n / math.factorial(n)
    while k < 200:
        s += term
        k += 1
        term *= -(x * x / 4) / (k * (k + n))
        if abs(term) < 1e-17 * max(1.0, abs(s)):
            break
    return s


@valfn("frexp")
def _frexp(v):
    _num_required("frexp")(v)
    m, e = math.frexp(float(v))
    return [m, e]


@valfn("modf")
def _modf(v):
    _num_required("modf")(v)
    x = float(v)
    if math.isinf(x):
        return [0.0 * (1 if x > 0 else -1), x]
    f, i = math.modf(x)
    return [f, i]


@valfn("lgamma_r")
def _lgamma_r(v):
    _num_required("lgamma_r")(v)
    x = float(v)
    sign = 1.0
    if x < 0 and math.floor(x) != x and int(math.floor(x)) % 2 == 1:
        sign = -1.0
    return [_gamma(x), sign]


def _math2(name, fn):
    def f(v, a, b):
        if not _isnum(a):
            raise JqRuntimeError(f"{desc(a)} number required")
        if not _isnum(b):
            raise JqRuntimeError(f"{desc(b)} number required")
        try:
            return fn(float(a), float(b))
        except (ValueError, ZeroDivisionError):
            return math.nan
        except OverflowError:
            return math.inf
    valfn(name, 2, order="c")(f)


def _pow(a, b):
    try:
        return math.pow(a, b)
    except ValueError:
        return math.nan
    except OverflowError:
        return math.inf


def _fmod(a, b):
    if b == 0 or math.isinf(a):
        return math.nan
    return math.fmod(a, b)


for _name, _fn in {
    "pow": _pow, "atan2": math.atan2, "fmod": _fmod, "hypot": math.hypot,
    "fmin": lambda a, b: b if a != a else (a if b != b else min(a, b)),
    "fmax": lambda a, b: b if a != a else (a if b != b else max(a, b)),
    "fdim": lambda a, b: a - b if a > b else (0.0 if a == a and b == b else math.nan),
    "copysign": math.copysign, "drem": lambda a, b: math.remainder(a, b) if b != 0 else math.nan,
    "remainder": lambda a, b: math.remainder(a, b) if b != 0 else math.nan,
    "nextafter": lambda a, b: math.nextafter(a, b), "nexttoward": lambda a, b: math.nextafter(a, b),
    "ldexp": lambda a, b: math.ldexp(a, int(b)), "scalb": lambda a, b: a * 2.0 ** b,
    "scalbln": lambda a, b: math.ldexp(a, int(b)),
}.items():
    _math2(_name, _fn)


@valfn("fma", 3, order="c")
def _fma(v, a, b, c):
    for x in (a, b, c):
        if not _isnum(x):
            raise JqRuntimeError(f"{desc(x)} number required")
    return float(a) * float(b) + float(c)


valfn("infinite")(lambda v: math.inf)
valfn("nan")(lambda v: math.nan)


@valfn("isinfinite")
def _isinfinite(v):
    return _isnum(v) and math.isinf(v)


@valfn("isnan")
def _isnan(v):
    return _isnum(v) and v != v


@valfn("isnormal")
def _isnormal(v):
    return _isnum(v) and math.isfinite(v) and v != 0 and abs(v) >= 2.2250738585072014e-308


@valfn("isfinite")
def _isfinite(v):
    return _isnum(v) and not math.isinf(v)  # jq: isinfinite | not, so nan is finite


@valfn("jn", 2, order="c")
def _jn(v, n, x):
    for y in (n, x):
        if not _isnum(y):
            raise JqRuntimeError(f"{desc(y)} number required")
    return _bessel(int(n), float(x))


@valfn("format", 1)
def _format(v, name):
    from .formats import get_format
    if type(name) is not str:
        raise JqRuntimeError(f"{desc(name)} is not a valid format")
    return get_format(name)(v)


@valfn("abs")
def _abs(v):
    if _isnum(v):
        return -v if v < 0 else v
    if compare(v, 0) < 0:
        return negate(v)
    return v


for _n, _a in (("input", 0), ("inputs", 0), ("halt", 0), ("halt_error", 0), ("halt_error", 1),
               ("modulemeta", 0), ("get_search_list", 0), ("get_prog_origin", 0), ("get_jq_origin", 0),
               ("y0", 0), ("y1", 0), ("yn", 2)):
    unsupported(_n, _a)
NATIVES[("input", -1)] = NATIVES[("input", 0)]
NATIVES[("halt_error", -1)] = NATIVES[("halt_error", 0)]


def _dates() -> None:
    from . import dates as D
    valfn("gmtime")(D.gmtime)
    valfn("localtime")(D.localtime)
    valfn("mktime")(D.mktime)
    valfn("strftime", 1)(D.strftime)
    valfn("strflocaltime", 1)(D.strflocaltime)
    valfn("strptime", 1)(D.strptime)


_dates()


def _formats() -> None:
    from .formats import FORMAT_FUNCS
    for n, f in FORMAT_FUNCS.items():
        valfn("@" + n)(f)


_formats()


# Builtins written in jq itself (compiled once, shared by every program).
JQ_DEFS = r"""
def values: select(. != null);
def nulls: select(. == null);
def booleans: select(type == "boolean");
def numbers: select(type == "number");
def strings: select(type == "string");
def arrays: select(type == "array");
def objects: select(type == "object");
def iterables: select(type|. == "array" or . == "object");
def scalars: select(type|. != "array" and . != "object");
def finites: select(isinfinite | not);
def normals: select(isnormal);
def recurse(f; cond): def r: ., (f | select(cond) | r); r;
def with_entries(f): to_entries | map(f) | from_entries;
def in(xs): . as $x | xs | has($x);
def combinations: if length == 0 then [] else .[0][] as $x | (.[1:] | combinations) as $w | [$x] + $w end;
def combinations(n): . as $dot | [range(n)] | map($dot) | combinations;
def walk(f): def w: if type == "object" then map_values(w) elif type == "array" then map(w) else . end | f; w;
def first: .[0];
def last: .[-1];
def nth($n): .[$n];
def todate: strftime("%Y-%m-%dT%H:%M:%SZ");
def fromdateiso8601: strptime("%Y-%m-%dT%H:%M:%SZ") | mktime;
def todateiso8601: strftime("%Y-%m-%dT%H:%M:%SZ");
def fromdate: fromdateiso8601;
def fromstream(f): { x: null, e: false } as $init
  | foreach f as $i ($init;
      if .e then $init else . end
      | if $i | length == 2
        then setpath(["e"]; $i[0] | length == 0) | setpath(["x"] + $i[0]; $i[1])
        else setpath(["e"]; $i[0] | length == 1) end;
      if .e then .x else empty end);
def truncate_stream(stream): . as $n | null | stream | . as $input
  | if (.[0] | length) > $n then setpath([0]; .[0][$n:]) else empty end;
def IN(s): any(s == .; .);
def JOIN($idx; idx_expr): [.[] | [., $idx[idx_expr]]];
def JOIN($idx; stream; idx_expr): stream | [., $idx[idx_expr]];
def JOIN($idx; stream; idx_expr; join_expr): stream | [., $idx[idx_expr]] | join_expr;
def IN(src; s): any(src == s; .);
def INDEX(stream; idx_expr): reduce stream as $row ({}; .[$row | idx_expr | tostring] |= $row);
def INDEX(idx_expr): INDEX(.[]; idx_expr);
def pick(pathexps): . as $top | reduce path(pathexps) as $p (null; setpath($p; $top | getpath($p)));

"""
