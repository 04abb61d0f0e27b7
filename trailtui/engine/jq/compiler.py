"""Compiles jq ASTs into Python closures.

Every node becomes a ``Code``: ``run(v, env)`` returns an iterable of outputs; nodes that yield at most
one output also get ``opt(v, env)`` (returns the value or ``EMPTY``) so that hot filters such as
``select(.a == "x")`` run without building generators; ``paths(p, v, env)`` yields ``(path, value)``
pairs for path expressions (``path(f)``, assignments, ``del``). ``env`` is a small dict of runtime
bindings (``$x`` variables, closures of user functions and filter parameters, labels); it is copied,
never mutated, when a binding is added. Builtins are resolved statically at compile time.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Tuple

from . import ast as A
from .errors import BreakSignal, JqRuntimeError, JqSyntaxError, JqUnsupported
from .paths import _idx_err, do_slice, index, iter_values
from .values import desc, trunc_dump, truthy, type_name

EMPTY: Any = type("EmptyType", (), {"__repr__": lambda self: "EMPTY"})()
_NOCONST = object()


class Code:
    """A compiled filter (see the module docstring)."""

    __slots__ = ("run", "opt", "single", "paths", "const", "cpath")

    def __init__(self, run: Callable, opt: Optional[Callable] = None, single: bool = False,
                 paths: Optional[Callable] = None, const: Any = _NOCONST) -> None:
        self.run = run
        self.opt = opt
        self.single = single
        self.paths = paths
        self.const = const
        self.cpath: Optional[Tuple[str, ...]] = None  # set for constant paths like .a.b


def code_from_opt(opt: Callable, single: bool, paths: Optional[Callable] = None,
                  const: Any = _NOCONST) -> Code:
    if single:
        def run(v, env):
            return (opt(v, env),)
    else:
        def run(v, env):
            r = opt(v, env)
            return () if r is EMPTY else (r,)
    return Code(run, opt, single, paths, const)


def const_code(value: Any) -> Code:
    def opt(v, env):
        return value
    return code_from_opt(opt, True, _value_paths_for(opt), const=value)


def _identical(a: Any, b: Any) -> bool:
    if a is None or a is True or a is False:
        return a is b
    t = type(a)
    if t is int or t is float:
        return False
    return a is b


def invalid_path(r: Any) -> JqRuntimeError:
    return JqRuntimeError(f"Invalid path expression with result {trunc_dump(r)}")


def _value_paths_for(run_or_opt: Callable, is_opt: bool = True) -> Callable:
    """Path behaviour of an expression that is not a path: its outputs carry the path ``None``.

    Only the unchanged input keeps its path; a consumer that needs a real path raises jq's
    "Invalid path expression" error when it meets ``None``.
    """
    if is_opt:
        def paths(p, v, env):
            r = run_or_opt(v, env)
            if r is EMPTY:
                return ()
            return ((p if _identical(r, v) else None, r),)
    else:
        def paths(p, v, env):
            for r in run_or_opt(v, env):
                yield (p if _identical(r, v) else None, r)
    return paths


def near_access(k: Any, v: Any) -> JqRuntimeError:
    return JqRuntimeError(f"Invalid path expression near attempt to access element {trunc_dump(k)} of "
                          f"{trunc_dump(v)}")


def near_iterate(v: Any) -> JqRuntimeError:
    return JqRuntimeError(f"Invalid path expression near attempt to iterate through {trunc_dump(v)}")


def real_paths(it: Iterable) -> Iterator[tuple]:
    """Paths for a final consumer (``path(f)``, assignments): a non-path result is an error."""
    for p, v in it:
        if p is None:
            raise invalid_path(v)
        yield p, v


def value_paths(code: Code) -> Callable:
    if code.paths is not None:
        return code.paths
    return _value_paths_for(code.run, False)


class Closure:
    """A filter argument bound to the environment of its call site."""

    __slots__ = ("code", "env")

    def __init__(self, code: Code, env: dict) -> None:
        self.code = code
        self.env = env


class FuncRef:
    """Compile-time record of a ``def``: its body (filled once compiled) and parameters."""

    __slots__ = ("name", "params", "body", "key", "static", "pos")

    def __init__(self, name: str, params: Tuple[str, ...], key: str, static: bool, pos: int) -> None:
        self.name = name
        self.params = params
        self.body: Optional[Code] = None
        self.key = key
        self.static = static
        self.pos = pos


class FuncClosure:
    __slots__ = ("ref", "env")

    def __init__(self, ref: FuncRef, env: dict) -> None:
        self.ref = ref
        self.env = env


PARAM = "param"
VAR = "var"


class Scope:
    """Compile-time names: variables, functions, filter parameters and labels (persistent)."""

    __slots__ = ("names",)

    def __init__(self, names: Dict[str, Any]) -> None:
        self.names = names

    def bind(self, items: Dict[str, Any]) -> "Scope":
        d = dict(self.names)
        d.update(items)
        return Scope(d)

    def get(self, key: str) -> Any:
        return self.names.get(key)


def pattern_vars(pat: A.Pattern) -> List[str]:
    out: List[str] = []

    def walk(p: A.Pattern) -> None:
        if isinstance(p, A.VarPattern):
            out.append(p.name)
        elif isinstance(p, A.ArrayPattern):
            for it in p.items:
                walk(it)
        else:
            for e in p.entries:
                if isinstance(e.key, A.Var):
                    out.append(e.key.name)
                if e.pattern is not None:
                    walk(e.pattern)
    walk(pat)
    return out


class Compiler:
    """Turns AST nodes into ``Code`` objects."""

    def __init__(self, src: str, natives: dict, builtin_scope: Optional[Scope] = None) -> None:
        self.src = src
        self.natives = natives
        self.builtin_scope = builtin_scope

    # -- errors
    def syntax(self, msg: str, node: Any) -> JqSyntaxError:
        return JqSyntaxError(msg, getattr(node, "pos", 0), self.src)

    def unsupported(self, what: str, node: Any) -> JqUnsupported:
        return JqUnsupported(what, getattr(node, "pos", 0), self.src)

    def compile(self, node: A.Node, scope: Scope) -> Code:
        m = getattr(self, "c_" + type(node).__name__, None)
        if m is None:
            raise self.unsupported(type(node).__name__, node)
        return m(node, scope)

    # -- simple nodes
    def c_Identity(self, node: A.Identity, scope: Scope) -> Code:
        def opt(v, env):
            return v

        def paths(p, v, env):
            return ((p, v),)
        return code_from_opt(opt, True, paths)

    def c_RecurseAll(self, node: A.RecurseAll, scope: Scope) -> Code:
        return Code(_recurse_values, paths=_recurse_paths)

    def c_Literal(self, node: A.Literal, scope: Scope) -> Code:
        return const_code(node.value)

    def c_Var(self, node: A.Var, scope: Scope) -> Code:
        name = node.name
        if name == "__loc__":
            line = self.src.count("\n", 0, node.pos) + 1
            return const_code({"file": "<top-level>", "line": line})
        key = "$" + name
        if scope.get(key) is None:
            if name == "ENV":
                def opt_env(v, env):
                    return dict(os.environ)
                return code_from_opt(opt_env, True)
            raise self.syntax(f"${name} is not defined", node)
        pkey = ("@path", key)

        def opt(v, env):
            return env[key]

        def paths(p, v, env):
            val = env[key]
            vp = env.get(pkey)
            if vp is not None and vp[1] is val:
                return ((vp[0], val),)
            return ((p if _identical(val, v) else None, val),)
        return code_from_opt(opt, True, paths)

    def c_Format(self, node: A.Format, scope: Scope) -> Code:
        from .formats import get_format
        try:
            f = get_format(node.name)
        except JqRuntimeError as exc:
            # jq reports an unknown format when it runs, not when it compiles
            def f(v, exc=exc):
                raise JqRuntimeError(exc.value)

        def opt(v, env):
            return f(v)
        return code_from_opt(opt, True)

    # -- indexing
    def c_Index(self, node: A.Index, scope: Scope) -> Code:
        cpath = A.path_of(node)
        if cpath is not None and cpath and all(type(k) is str for k in cpath):
            return _const_path_code(cpath)
        tgt = self.compile(node.target, scope)
        key = self.compile(node.index, scope)
        return _index_code(tgt, key, node.optional)

    def c_Slice(self, node: A.Slice, scope: Scope) -> Code:
        tgt = self.compile(node.target, scope)
        st = self.compile(node.start, scope) if node.start is not None else const_code(None)
        en = self.compile(node.end, scope) if node.end is not None else const_code(None)

        optional = node.optional

        def run(v, env):
            for s in st.run(v, env):
                for e in en.run(v, env):
                    for t in tgt.run(v, env):
                        if optional:
                            try:
                                r = do_slice(t, s, e)
                            except JqRuntimeError:
                                continue
                            yield r
                        else:
                            yield do_slice(t, s, e)

        tpaths = value_paths(tgt)

        def paths(p, v, env):
            for s in st.run(v, env):
                for e in en.run(v, env):
                    for tp, tv in tpaths(p, v, env):
                        if tp is None:
                            raise near_access({"start": s, "end": e}, tv)
                        try:
                            r = None if tv is None else do_slice(tv, s, e)
                        except JqRuntimeError:
                            if optional:
                                continue
                            raise
                        yield tp + ({"start": s, "end": e},), r
        if tgt.single and st.single and en.single and not optional:
            so, eo, to = st.opt, en.opt, tgt.opt

            def opt(v, env):
                s = so(v, env)
                e = eo(v, env)
                return do_slice(to(v, env), s, e)
            code = Code(lambda v, env: (opt(v, env),), opt, True, paths)
        else:
            code = Code(run, None, False, paths)
        return code

    def c_Iterate(self, node: A.Iterate, scope: Scope) -> Code:
        tgt = self.compile(node.target, scope)
        optional = node.optional
        if optional:
            def run(v, env):
                for t in tgt.run(v, env):
                    tt = type(t)
                    if tt is list:
                        yield from t
                    elif tt is dict:
                        yield from t.values()
        elif tgt.single:
            to = tgt.opt

            def run(v, env):
                return iter_values(to(v, env))
        else:
            def run(v, env):
                for t in tgt.run(v, env):
                    yield from iter_values(t)
        tpaths = value_paths(tgt)

        def paths(p, v, env):
            for tp, tv in tpaths(p, v, env):
                t = type(tv)
                if tp is None and (t is list or t is dict or not optional):
                    raise near_iterate(tv)
                if t is list:
                    for i, x in enumerate(tv):
                        yield tp + (i,), x
                elif t is dict:
                    for k, x in tv.items():
                        yield tp + (k,), x
                elif not optional:
                    iter_values(tv)
        return Code(run, None, False, paths)

    # -- constructors
    def c_StringInterp(self, node: A.StringInterp, scope: Scope) -> Code:
        from .formats import get_format, tostring
        try:
            conv = get_format(node.fmt) if node.fmt else tostring
        except JqRuntimeError as exc:
            def conv(v, exc=exc):
                raise JqRuntimeError(exc.value)
        parts: List[Any] = []
        for p in node.parts:
            if isinstance(p, str):
                parts.append(p)
            else:
                parts.append(self.compile(p, scope))
        if all(isinstance(p, str) or p.single for p in parts):
            items = [(p if isinstance(p, str) else p.opt) for p in parts]

            def opt(v, env):
                return "".join([x if type(x) is str else conv(x(v, env)) for x in items])
            return code_from_opt(opt, True)
        nparts = len(parts)

        def gen(i, v, env, acc):
            # the last part is the outermost loop, as in jq
            if i < 0:
                yield "".join(reversed(acc))
                return
            p = parts[i]
            if isinstance(p, str):
                acc.append(p)
                yield from gen(i - 1, v, env, acc)
                acc.pop()
            else:
                for x in p.run(v, env):
                    acc.append(conv(x))
                    yield from gen(i - 1, v, env, acc)
                    acc.pop()

        def run(v, env):
            return gen(nparts - 1, v, env, [])
        return Code(run)

    def c_ArrayCons(self, node: A.ArrayCons, scope: Scope) -> Code:
        if node.body is None:
            def opt0(v, env):
                return []
            return code_from_opt(opt0, True)
        body = self.compile(node.body, scope)
        brun = body.run
        if body.single:
            bo = body.opt

            def opt(v, env):
                return [bo(v, env)]
        else:
            def opt(v, env):
                return list(brun(v, env))
        return code_from_opt(opt, True)

    def c_ObjectCons(self, node: A.ObjectCons, scope: Scope) -> Code:
        entries: List[Tuple[Code, Code]] = []
        for e in node.entries:
            k = e.key
            if isinstance(k, A.Var):
                kname = "__loc__" if k.name == "__loc__" else k.name
                if e.value is None:
                    kc = const_code(kname)
                    vc = self.compile(k, scope)
                else:
                    kc = self.compile(k, scope)
                    vc = self.compile(e.value, scope)
            else:
                kc = self.compile(k, scope)
                if e.value is None:
                    # `{"\(f)"}` / `{@fmt}`: the value is `.[key]` for each key produced (not a product)
                    vc = _const_path_code((k.value,)) if isinstance(k, A.Literal) else None
                else:
                    vc = self.compile(e.value, scope)
            if kc.const is not _NOCONST and type(kc.const) is not str:
                raise self.syntax(f"Cannot use {desc(kc.const)} as object key", k)
            entries.append((kc, vc))
        if all(kc.const is not _NOCONST and vc is not None and vc.single for kc, vc in entries):
            items = [(kc.const, vc.opt) for kc, vc in entries]

            def opt(v, env):
                return {k: f(v, env) for k, f in items}
            return code_from_opt(opt, True)
        n = len(entries)

        def gen(i, v, env, acc):
            if i == n:
                yield dict(acc)
                return
            kc, vc = entries[i]
            for k in kc.run(v, env):
                for x in ((index(v, k),) if vc is None else vc.run(v, env)):
                    if type(k) is not str:
                        raise JqRuntimeError(f"Cannot use {desc(k)} as object key")
                    acc.append((k, x))
                    yield from gen(i + 1, v, env, acc)
                    acc.pop()

        def run(v, env):
            return gen(0, v, env, [])
        return Code(run)

    # -- combinators
    def c_Pipe(self, node: A.Pipe, scope: Scope) -> Code:
        left = self.compile(node.left, scope)
        right = self.compile(node.right, scope)
        return pipe_code(left, right)

    def c_Comma(self, node: A.Comma, scope: Scope) -> Code:
        left = self.compile(node.left, scope)
        right = self.compile(node.right, scope)
        lr, rr = left.run, right.run

        def run(v, env):
            yield from lr(v, env)
            yield from rr(v, env)
        lp, rp = value_paths(left), value_paths(right)

        def paths(p, v, env):
            yield from lp(p, v, env)
            yield from rp(p, v, env)
        return Code(run, paths=paths)

    def c_Neg(self, node: A.Neg, scope: Scope) -> Code:
        from .builtins import negate
        e = self.compile(node.expr, scope)
        if isinstance(node.expr, A.Literal) and type(e.const) in (int, float):
            # jq folds a negated literal into a literal: `-0` prints as 0
            return const_code(-e.const if e.const != 0 else 0)
        return _map1(e, negate)

    def c_Binary(self, node: A.Binary, scope: Scope) -> Code:
        from .builtins import BINOPS
        left = self.compile(node.left, scope)
        right = self.compile(node.right, scope)
        op = node.op
        f = BINOPS[op]
        if left.const is not _NOCONST and right.const is not _NOCONST:
            try:
                return const_code(f(left.const, right.const))
            except JqRuntimeError:
                pass
        if left.single and right.single:
            lo, ro = left.opt, right.opt
            rc = right.const
            if op in ("==", "!=") and rc is not _NOCONST and type(rc) is str and left.cpath is not None \
                    and len(left.cpath) <= 2:
                opt = _path_eq_str(left.cpath, lo, rc, op == "==")
            elif op in ("==", "!=") and rc is not _NOCONST and type(rc) is str:
                if op == "==":
                    def opt(v, env):
                        return lo(v, env) == rc
                else:
                    def opt(v, env):
                        return lo(v, env) != rc
            elif rc is not _NOCONST:
                def opt(v, env):
                    return f(lo(v, env), rc)
            else:
                def opt(v, env):
                    r = ro(v, env)
                    return f(lo(v, env), r)
            return code_from_opt(opt, True)
        lr, rr = left.run, right.run

        def run(v, env):
            for r in rr(v, env):
                for l in lr(v, env):
                    yield f(l, r)
        return Code(run)

    def c_And(self, node: A.And, scope: Scope) -> Code:
        return self._logic(node, scope, True)

    def c_Or(self, node: A.Or, scope: Scope) -> Code:
        return self._logic(node, scope, False)

    def _logic(self, node: Any, scope: Scope, is_and: bool) -> Code:
        left = self.compile(node.left, scope)
        right = self.compile(node.right, scope)
        if left.single and right.single:
            lo, ro = left.opt, right.opt
            if is_and:
                def opt(v, env):
                    x = lo(v, env)
                    if x is None or x is False:
                        return False
                    y = ro(v, env)
                    return not (y is None or y is False)
            else:
                def opt(v, env):
                    x = lo(v, env)
                    if not (x is None or x is False):
                        return True
                    y = ro(v, env)
                    return not (y is None or y is False)
            return code_from_opt(opt, True)
        lr, rr = left.run, right.run

        def run(v, env):
            for x in lr(v, env):
                if truthy(x) != is_and:
                    yield not is_and
                    continue
                for y in rr(v, env):
                    yield truthy(y)
        return Code(run)

    def c_Alt(self, node: A.Alt, scope: Scope) -> Code:
        # errors raised by the left side propagate (jq 1.6-1.8 behave so, whatever the manual says)
        left = self.compile(node.left, scope)
        right = self.compile(node.right, scope)
        lr, rr = left.run, right.run
        if left.opt is not None and right.opt is not None:
            lo, ro = left.opt, right.opt

            def opt(v, env):
                x = lo(v, env)
                if x is not EMPTY and x is not None and x is not False:
                    return x
                return ro(v, env)
            return code_from_opt(opt, right.single, _alt_paths(left, right))

        def run(v, env):
            found = False
            for x in lr(v, env):
                if x is not None and x is not False:
                    found = True
                    yield x
            if not found:
                yield from rr(v, env)
        return Code(run, paths=_alt_paths(left, right))

    def c_If(self, node: A.If, scope: Scope) -> Code:
        cond = self.compile(node.cond, scope)
        then = self.compile(node.then, scope)
        if node.elifs:
            (c2, t2), rest = node.elifs[0], node.elifs[1:]
            els = self.c_If(A.If(c2, t2, rest, node.else_, pos=c2.pos), scope)
        elif node.else_ is not None:
            els = self.compile(node.else_, scope)
        else:
            els = self.c_Identity(A.Identity(), scope)
        if cond.const is not _NOCONST:
            return then if truthy(cond.const) else els
        cr, tr, er = cond.run, then.run, els.run
        tp, ep = value_paths(then), value_paths(els)

        def paths(p, v, env):
            for c in cr(v, env):
                if c is None or c is False:
                    yield from ep(p, v, env)
                else:
                    yield from tp(p, v, env)
        if cond.single and then.opt is not None and els.opt is not None:
            co, to, eo = cond.opt, then.opt, els.opt

            def opt(v, env):
                c = co(v, env)
                if c is None or c is False:
                    return eo(v, env)
                return to(v, env)
            return code_from_opt(opt, then.single and els.single, paths)

        def run(v, env):
            for c in cr(v, env):
                if c is None or c is False:
                    yield from er(v, env)
                else:
                    yield from tr(v, env)
        return Code(run, paths=paths)

    def c_Try(self, node: A.Try, scope: Scope) -> Code:
        body = self.compile(node.body, scope)
        catch = self.compile(node.catch, scope) if node.catch is not None else None
        return _try_code(body, catch)

    def c_TryOpt(self, node: A.TryOpt, scope: Scope) -> Code:
        return _try_code(self.compile(node.body, scope), None)

    # -- bindings
    def _bind_scope(self, scope: Scope, names: Iterable[str]) -> Scope:
        return scope.bind({"$" + n: VAR for n in names})

    def compile_pattern(self, pat: A.Pattern, scope: Scope) -> Callable:
        """Returns ``bind(value, input, env) -> iterator of envs``; ``scope`` must already hold the names."""
        if isinstance(pat, A.VarPattern):
            key = "$" + pat.name

            def bind(val, v, env):
                e = env.copy()
                e[key] = val
                return (e,)
            return bind
        if isinstance(pat, A.ArrayPattern):
            subs = [self.compile_pattern(p, scope) for p in pat.items]

            def bind(val, v, env):
                if val is not None and type(val) is not list:
                    raise JqRuntimeError(f"Cannot index {type_name(val)} with number")
                return _bind_seq([(i, s) for i, s in enumerate(subs)], val, v, env, 0)
            return bind
        steps = []
        for e in pat.entries:
            if isinstance(e.key, A.Var):
                kc = const_code(e.key.name)
                var = "$" + e.key.name
            else:
                kc = self.compile(e.key, scope)
                if kc.const is not _NOCONST and type(kc.const) is not str:
                    raise self.syntax(f"Cannot use {desc(kc.const)} as object key", e.key)
                var = None
            sub = self.compile_pattern(e.pattern, scope) if e.pattern is not None else None
            steps.append((kc, var, sub))

        def bind(val, v, env):
            return _bind_obj(steps, 0, val, v, env)
        return bind

    def c_As(self, node: A.As, scope: Scope) -> Code:
        src = self.compile(node.source, scope)
        allnames: List[str] = []
        for p in node.patterns:
            for n in pattern_vars(p):
                if n not in allnames:
                    allnames.append(n)
        inner = self._bind_scope(scope, allnames)
        binders = [self.compile_pattern(p, inner) for p in node.patterns]
        body = self.compile(node.body, inner)
        sr, br = src.run, body.run
        bpaths = value_paths(body)
        if len(binders) == 1 and isinstance(node.patterns[0], A.VarPattern):
            key = "$" + node.patterns[0].name
            if src.single and body.opt is not None:
                so, bo = src.opt, body.opt

                def opt(v, env):
                    e = env.copy()
                    e[key] = so(v, env)
                    return bo(v, e)

                def paths1(p, v, env):
                    e = env.copy()
                    e[key] = so(v, env)
                    return bpaths(p, v, e)
                return code_from_opt(opt, body.single, paths1)

            def run(v, env):
                for x in sr(v, env):
                    e = env.copy()
                    e[key] = x
                    yield from br(v, e)

            def paths(p, v, env):
                for x in sr(v, env):
                    e = env.copy()
                    e[key] = x
                    yield from bpaths(p, v, e)
            return Code(run, paths=paths)
        nulls = {"$" + n: None for n in allnames}
        last = len(binders) - 1

        def gen(v, env, mode, p):
            for x in sr(v, env):
                base = env.copy()
                base.update(nulls)
                for i, b in enumerate(binders):
                    if i == last:
                        for e in b(x, v, base):
                            yield from (br(v, e) if mode else bpaths(p, v, e))
                        break
                    try:
                        for e in b(x, v, base):
                            yield from (br(v, e) if mode else bpaths(p, v, e))
                        break
                    except JqRuntimeError:
                        continue

        def run(v, env):
            return gen(v, env, True, None)

        def paths(p, v, env):
            return gen(v, env, False, p)
        return Code(run, paths=paths)

    def c_Reduce(self, node: A.Reduce, scope: Scope) -> Code:
        src = self.compile(node.source, scope)
        inner = self._bind_scope(scope, pattern_vars(node.pattern))
        bind = self.compile_pattern(node.pattern, inner)
        init = self.compile(node.init, scope)
        upd = self.compile(node.update, inner)
        sr, ir, ur = src.run, init.run, upd.run
        uo = upd.opt

        def run(v, env):
            for acc in ir(v, env):
                for x in sr(v, env):
                    for e in bind(x, v, env):
                        if uo is not None:
                            r = uo(acc, e)
                            acc = None if r is EMPTY else r
                        else:
                            r = EMPTY
                            for r in ur(acc, e):
                                pass
                            acc = None if r is EMPTY else r
                yield acc
        ip, up = value_paths(init), value_paths(upd)

        def paths(p, v, env):
            for accp in ip(p, v, env):
                for x in sr(v, env):
                    for e in bind(x, v, env):
                        r = None
                        for r in up(accp[0], accp[1], e):
                            pass
                        accp = r if r is not None else (accp[0], None)
                yield accp
        return Code(run, paths=paths)

    def c_Foreach(self, node: A.Foreach, scope: Scope) -> Code:
        src = self.compile(node.source, scope)
        names = pattern_vars(node.pattern)
        inner = self._bind_scope(scope, names)
        bind = self.compile_pattern(node.pattern, inner)
        init = self.compile(node.init, scope)
        upd = self.compile(node.update, inner)
        ext = self.compile(node.extract, inner) if node.extract is not None else None
        sr, ir, ur = src.run, init.run, upd.run
        er = ext.run if ext is not None else None

        def run(v, env):
            for acc in ir(v, env):
                for x in sr(v, env):
                    for e in bind(x, v, env):
                        for u in ur(acc, e):
                            acc = u
                            if er is None:
                                yield u
                            else:
                                yield from er(u, e)
        ip, up = value_paths(init), value_paths(upd)
        ep = value_paths(ext) if ext is not None else None
        spaths = src.paths
        simple_var = "$" + node.pattern.name if isinstance(node.pattern, A.VarPattern) else None

        def paths(p, v, env):
            for accp in ip(p, v, env):
                if spaths is not None and simple_var is not None:
                    items = ((sp, x) for sp, x in spaths(p, v, env))
                else:
                    items = ((None, x) for x in sr(v, env))
                for sp, x in items:
                    for e in bind(x, v, env):
                        if sp is not None:
                            e[("@path", simple_var)] = (sp, x)
                        for u in up(accp[0], accp[1], e):
                            accp = u
                            if ep is None:
                                yield u
                            else:
                                yield from ep(u[0], u[1], e)
        return Code(run, paths=paths)

    def c_Label(self, node: A.Label, scope: Scope) -> Code:
        key = "*label-" + node.name
        body = self.compile(node.body, scope.bind({key: VAR}))
        br = body.run
        bp = value_paths(body)

        def run(v, env):
            tok = object()
            e = env.copy()
            e[key] = tok
            try:
                yield from br(v, e)
            except BreakSignal as b:
                if b.label is not tok:
                    raise

        def paths(p, v, env):
            tok = object()
            e = env.copy()
            e[key] = tok
            try:
                yield from bp(p, v, e)
            except BreakSignal as b:
                if b.label is not tok:
                    raise
        return Code(run, paths=paths)

    def c_Break(self, node: A.Break, scope: Scope) -> Code:
        key = "*label-" + node.name
        if scope.get(key) is None:
            raise self.syntax(f"$*label-{node.name} is not defined", node)

        def run(v, env):
            raise BreakSignal(env[key])

        def paths(p, v, env):
            raise BreakSignal(env[key])
        return Code(run, paths=paths)

    # -- functions
    def c_FuncDef(self, node: A.FuncDef, scope: Scope) -> Code:
        ref = self.define(node.name, node.params, node.body, scope, static=False, pos=node.pos)
        rest = self.compile(node.rest, scope.bind({ref.key: ref}))
        key = ref.key
        rr = rest.run
        rp = value_paths(rest)

        def mkenv(env):
            e = env.copy()
            e[key] = FuncClosure(ref, e)
            return e
        if rest.opt is not None:
            ro = rest.opt

            def opt(v, env):
                return ro(v, mkenv(env))
            return code_from_opt(opt, rest.single, lambda p, v, env: rp(p, v, mkenv(env)))
        return Code(lambda v, env: rr(v, mkenv(env)), paths=lambda p, v, env: rp(p, v, mkenv(env)))

    def define(self, name: str, params: Tuple[str, ...], body: A.Node, scope: Scope, static: bool,
               pos: int) -> FuncRef:
        key = f"{name}/{len(params)}"
        ref = FuncRef(name, params, key, static, pos)
        binds: Dict[str, Any] = {key: ref}
        for prm in params:
            if prm.startswith("$"):
                binds["$" + prm[1:]] = VAR
                binds[prm[1:] + "/0"] = PARAM
            else:
                binds[prm + "/0"] = PARAM
        ref.body = self.compile(body, scope.bind(binds))
        return ref

    def c_FuncCall(self, node: A.FuncCall, scope: Scope) -> Code:
        name, args = node.name, node.args
        key = f"{name}/{len(args)}"
        ent = scope.get(key)
        if ent is PARAM:
            def run(v, env):
                c = env[key]
                return c.code.run(v, c.env)

            def paths(p, v, env):
                c = env[key]
                return value_paths(c.code)(p, v, c.env)

            return Code(run, None, False, paths)
        if isinstance(ent, FuncRef):
            return self._call_user(ent, args, scope, node)
        nat = self.natives.get((name, len(args)))
        if nat is not None:
            argcodes = [self.compile(a, scope) for a in args]
            return nat.make(argcodes, self, node)
        if self.natives.get((name, -1)) is not None:
            raise self.unsupported(f"{name}/{len(args)}", node)
        raise self.syntax(f"{name}/{len(args)} is not defined", node)

    def _call_user(self, ref: FuncRef, args: Tuple[A.Node, ...], scope: Scope, node: A.Node) -> Code:
        argcodes = [self.compile(a, scope) for a in args]
        key = ref.key
        params = ref.params
        static_clo = FuncClosure(ref, {}) if ref.static else None
        filt = [(p + "/0", c) for p, c in zip(params, argcodes) if not p.startswith("$")]
        vals = [(p[1:], c) for p, c in zip(params, argcodes) if p.startswith("$")]

        def callenvs_v(v, env):
            clo = static_clo if static_clo is not None else env[key]
            if not params:
                return (clo.env,)
            base = clo.env.copy()
            for pk, c in filt:
                base[pk] = Closure(c, env)
            if not vals:
                return (base,)
            return _bind_vals(vals, 0, base, env, v)

        def paths(p, v, env):
            for e in callenvs_v(v, env):
                yield from value_paths(ref.body)(p, v, e)

        def run2(v, env):
            for e in callenvs_v(v, env):
                yield from ref.body.run(v, e)

        if not vals:
            def opt(v, env):
                body = ref.body
                o = body.opt
                e = callenvs_v(v, env)[0]
                if o is not None:
                    return o(v, e)
                it = iter(body.run(v, e))
                for x in it:
                    for _ in it:
                        raise _NotSingle()
                    return x
                return EMPTY
            return _LazyCode(ref, run2, opt, paths)
        return Code(run2, paths=paths)


class _NotSingle(Exception):
    pass


def _LazyCode(ref: FuncRef, run: Callable, opt: Callable, paths: Callable) -> Code:
    """A call whose body may not be compiled yet (recursion): single-output status is decided late."""
    code = Code(run, None, False, paths)
    if ref.body is not None and ref.body.opt is not None:
        code.opt = opt
        code.single = ref.body.single
    return code


def _bind_vals(vals: list, i: int, base: dict, env: dict, v: Any) -> Iterator[dict]:
    if i == len(vals):
        yield base
        return
    name, c = vals[i]
    for x in c.run(v, env):
        e = base.copy()
        e["$" + name] = x
        e[name + "/0"] = Closure(c, env)
        yield from _bind_vals(vals, i + 1, e, env, v)


def _bind_seq(items: list, val: Any, v: Any, env: dict, i: int) -> Iterator[dict]:
    if i == len(items):
        yield env
        return
    idx, sub = items[i]
    x = None if val is None else (val[idx] if idx < len(val) else None)
    for e in sub(x, v, env):
        yield from _bind_seq(items, val, v, e, i + 1)


def _bind_obj(steps: list, i: int, val: Any, v: Any, env: dict) -> Iterator[dict]:
    if i == len(steps):
        yield env
        return
    kc, var, sub = steps[i]
    for k in kc.run(val, env):
        if type(k) is not str:
            raise _idx_err(val, k)
        x = index(val, k)
        e = env
        if var is not None:
            e = env.copy()
            e[var] = x
        if sub is None:
            yield from _bind_obj(steps, i + 1, val, v, e)
        else:
            for e2 in sub(x, v, e):
                yield from _bind_obj(steps, i + 1, val, v, e2)


def pipe_code(left: Code, right: Code) -> Code:
    lr, rr = left.run, right.run
    lp, rp = value_paths(left), value_paths(right)

    def paths(p, v, env):
        for q, x in lp(p, v, env):
            yield from rp(q, x, env)
    if left.opt is not None and right.opt is not None:
        lo, ro = left.opt, right.opt
        if left.single:
            def opt(v, env):
                return ro(lo(v, env), env)
        else:
            def opt(v, env):
                x = lo(v, env)
                if x is EMPTY:
                    return EMPTY
                return ro(x, env)
        return code_from_opt(opt, left.single and right.single, paths)
    if left.single:
        lo = left.opt

        def run(v, env):
            return rr(lo(v, env), env)
        return Code(run, paths=paths)

    def run2(v, env):
        for x in lr(v, env):
            yield from rr(x, env)
    return Code(run2, paths=paths)


def _map1(e: Code, f: Callable) -> Code:
    if e.single:
        eo = e.opt

        def opt(v, env):
            return f(eo(v, env))
        return code_from_opt(opt, True)
    er = e.run

    def run(v, env):
        for x in er(v, env):
            yield f(x)
    return Code(run)


def _path_eq_str(cpath: Tuple[str, ...], slow: Callable, rc: str, eq: bool) -> Callable:
    """``.a == "s"`` / ``.a.b != "s"`` without intermediate calls (the hot filter-bar case)."""
    if len(cpath) == 1:
        k1 = cpath[0]

        def opt1(v, env):
            if type(v) is dict:
                return (v.get(k1) == rc) is eq
            return (slow(v, env) == rc) is eq
        return opt1
    k1, k2 = cpath

    def opt2(v, env):
        if type(v) is dict:
            x = v.get(k1)
            if type(x) is dict:
                return (x.get(k2) == rc) is eq
        return (slow(v, env) == rc) is eq
    return opt2


def _const_path_code(cpath: Tuple[str, ...]) -> Code:
    code = _const_path_code_(cpath)
    code.cpath = cpath
    return code


def _const_path_code_(cpath: Tuple[str, ...]) -> Code:
    if len(cpath) == 1:
        k = cpath[0]

        def opt(v, env):
            if type(v) is dict:
                return v.get(k)
            if v is None:
                return None
            return index(v, k)

        def paths(p, v, env):
            if p is None:
                raise near_access(k, v)
            if type(v) is dict:
                return ((p + (k,), v.get(k)),)
            return ((p + (k,), None if v is None else index(v, k)),)
        return code_from_opt(opt, True, paths)
    keys = cpath

    def optn(v, env):
        for k in keys:
            if type(v) is dict:
                v = v.get(k)
            elif v is None:
                return None
            else:
                v = index(v, k)
        return v

    def pathsn(p, v, env):
        if p is None:
            raise near_access(keys[0], v)
        for k in keys:
            if type(v) is dict:
                v = v.get(k)
            elif v is not None:
                v = index(v, k)
        return ((p + keys, v),)
    return code_from_opt(optn, True, pathsn)


def _index_code(tgt: Code, key: Code, optional: bool = False) -> Code:
    tpaths = value_paths(tgt)
    kr, tr = key.run, tgt.run

    def paths(p, v, env):
        for k in kr(v, env):
            for tp, tv in tpaths(p, v, env):
                if tp is None:
                    raise near_access(k, tv)
                if tv is None and type(k) in (str, int, float, dict):
                    yield tp + (k,), None
                    continue
                try:
                    r = index(tv, k)
                except JqRuntimeError:
                    if optional:
                        continue
                    raise
                yield tp + (k,), r
    if tgt.single and key.single:
        to, ko = tgt.opt, key.opt
        if optional:
            def opt_o(v, env):
                k = ko(v, env)
                t = to(v, env)
                try:
                    return index(t, k)
                except JqRuntimeError:
                    return EMPTY
            return code_from_opt(opt_o, False, paths)
        if key.const is not _NOCONST:
            kc = key.const

            def opt(v, env):
                return index(to(v, env), kc)
        else:
            def opt(v, env):
                k = ko(v, env)
                return index(to(v, env), k)
        return code_from_opt(opt, True, paths)

    def run(v, env):
        for k in kr(v, env):
            for t in tr(v, env):
                if optional:
                    try:
                        r = index(t, k)
                    except JqRuntimeError:
                        continue
                    yield r
                else:
                    yield index(t, k)
    return Code(run, paths=paths)


def _try_code(body: Code, catch: Optional[Code]) -> Code:
    br = body.run
    bp = value_paths(body)
    if catch is None:
        if body.opt is not None:
            bo = body.opt

            def opt(v, env):
                try:
                    return bo(v, env)
                except JqRuntimeError:
                    return EMPTY

            def paths_o(p, v, env):
                try:
                    return list(bp(p, v, env))
                except JqRuntimeError:
                    return ()
            return code_from_opt(opt, False, paths_o)

        def run(v, env):
            try:
                yield from br(v, env)
            except JqRuntimeError:
                return

        def paths(p, v, env):
            try:
                yield from bp(p, v, env)
            except JqRuntimeError:
                return
        return Code(run, paths=paths)
    cr = catch.run

    def run_c(v, env):
        try:
            yield from br(v, env)
        except JqRuntimeError as e:
            yield from cr(e.value, env)

    def paths_c(p, v, env):
        try:
            yield from bp(p, v, env)
        except JqRuntimeError as e:
            for r in cr(e.value, env):
                yield None, r
    return Code(run_c, paths=paths_c)


def _alt_paths(left: Code, right: Code) -> Callable:
    lp, rp = value_paths(left), value_paths(right)

    def paths(p, v, env):
        found = False
        for q, x in lp(p, v, env):
            if x is not None and x is not False:
                found = True
                yield q, x
        if not found:
            yield from rp(p, v, env)
    return paths


def _recurse_values(v: Any, env: Any) -> Iterator[Any]:
    """``..``: pre-order walk with an explicit stack (no generator chain, so depth costs nothing)."""
    yield v
    t = type(v)
    if t is not list and t is not dict:
        return
    stack = [iter(v if t is list else v.values())]
    while stack:
        for x in stack[-1]:
            yield x
            tx = type(x)
            if tx is list:
                stack.append(iter(x))
                break
            if tx is dict:
                stack.append(iter(x.values()))
                break
        else:
            stack.pop()


def _recurse_paths(p: tuple, v: Any, env: Any) -> Iterator[Tuple[tuple, Any]]:
    """Path mode of ``..`` (same walk as `_recurse_values`)."""
    yield p, v
    if p is None:
        return
    t = type(v)
    if t is not list and t is not dict:
        return
    stack = [(p, iter(enumerate(v)) if t is list else iter(v.items()))]
    while stack:
        base, it = stack[-1]
        for k, x in it:
            q = base + (k,)
            yield q, x
            tx = type(x)
            if tx is list:
                stack.append((q, iter(enumerate(x))))
                break
            if tx is dict:
                stack.append((q, iter(x.items())))
                break
        else:
            stack.pop()


def _c_update(self: Compiler, node: A.Update, scope: Scope) -> Code:
    from .builtins import update_code
    return update_code(node.op, self.compile(node.lhs, scope), self.compile(node.rhs, scope))


Compiler.c_Update = _c_update  # type: ignore[attr-defined]
