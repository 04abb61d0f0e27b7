"""``compile_program`` and ``Program``: the entry points that tie parser, compiler and builtins together."""

from __future__ import annotations

import contextvars
import ctypes
import sys
import threading
from typing import Any, Dict, Iterable, Iterator, List, Optional, Tuple

from . import ast as A
from . import context
from .context import MessageSink
from .builtins import JQ_DEFS, NATIVES
from .compiler import EMPTY, Code, Compiler, Scope, VAR
from .errors import BreakSignal, JqRuntimeError, JqSyntaxError
from .parser import deep_recursion, parse, parse_defs

_lock = threading.Lock()
_builtin_scope: Optional[Scope] = None
_prelude_cache: Dict[str, Scope] = {}


def builtin_scope() -> Scope:
    """The scope holding every builtin written in jq (compiled once per process)."""
    global _builtin_scope
    with _lock:
        if _builtin_scope is None:
            comp = Compiler(JQ_DEFS, NATIVES)
            scope = Scope({})
            for name, params, body, pos in parse_defs(JQ_DEFS):
                ref = comp.define(name, params, body, scope, static=True, pos=pos)
                scope = scope.bind({ref.key: ref})
            _builtin_scope = scope
        return _builtin_scope


def _prelude_scope(prelude: Optional[str]) -> Scope:
    base = builtin_scope()
    if not prelude:
        return base
    with _lock:
        cached = _prelude_cache.get(prelude)
    if cached is not None:
        return cached
    comp = Compiler(prelude, NATIVES)
    scope = base
    for name, params, body, pos in parse_defs(prelude):
        ref = comp.define(name, params, body, scope, static=True, pos=pos)
        scope = scope.bind({ref.key: ref})
    with _lock:
        _prelude_cache[prelude] = scope
    return scope


class Program:
    """A compiled jq program: ``run(value)`` lazily yields its outputs for one input."""

    def __init__(self, source: str, tree: A.Node, code: Code) -> None:
        self.source = source
        self.ast = tree
        self._code = code
        self._runner = _make_runner(code)

    def run(self, value: Any, variables: Optional[Dict[str, Any]] = None, *, filename: Any = None,
            on_debug: Optional[MessageSink] = None, on_stderr: Optional[MessageSink] = None) -> Iterator[Any]:
        """Yield the outputs for ``value``; runtime errors raise ``JqRuntimeError`` from the iterator.

        ``variables`` supplies the ``$name``s declared at compile time. ``filename`` is what
        ``input_filename`` yields (jq: the file the input was read from; default null).
        ``on_debug(line)`` receives each ``debug`` message as jq prints it (``["DEBUG:",value]``);
        ``on_stderr(text)`` what ``stderr`` prints. Both default to writing to ``sys.stderr``.
        """
        ctx = context.make(filename, on_debug, on_stderr)
        outputs = self._runner(value, variables)
        if ctx is context.DEFAULT:
            return outputs
        return context.stepped(ctx, outputs)


DEEP_STACK_BYTES = 1 << 30
"""Stack of the thread that re-runs a program which hit Python's recursion limit (address space, paged
in only as used)."""
DEEP_RECURSION_LIMIT = 1_500_000
"""Python frames allowed in that thread: about 100,000 levels of jq recursion, as libjq reaches."""


def _make_runner(code: Code):
    """``runner(value, variables)``: the lazy outputs.

    Deep recursion: the first attempt runs in the caller's thread under the normal recursion limit (fast,
    and lazy). If it hits that limit, the run is repeated from the start in a helper thread with a 1 GiB
    stack and a recursion limit of 1.5 million, skipping the outputs already given (a jq program is
    deterministic apart from ``now``/``debug``, whose effects may then repeat). The retry collects its
    outputs before returning them, so only programs that recurse deeply lose laziness.
    """
    opt, gen = code.opt, code.run
    no_env: Dict[str, Any] = {}

    def env_of(variables):
        env: Dict[str, Any] = {}
        for k, v in variables.items():
            env["$" + k.lstrip("$")] = v
        return env

    def shallow(value, variables):
        try:
            if opt is not None:
                r = opt(value, env_of(variables) if variables else no_env)
                if r is not EMPTY:
                    yield r
                return
            yield from gen(value, env_of(variables) if variables else no_env)
        except BreakSignal:
            raise JqRuntimeError("break") from None
        except KeyError as e:
            raise JqRuntimeError(f"{e.args[0]} is not defined") from None

    def runner(value, variables=None):
        done = 0
        try:
            for x in shallow(value, variables):
                done += 1
                yield x
        except RecursionError:
            pass
        else:
            return
        outputs, error = _run_deep(shallow, value, variables, done)
        yield from outputs
        if error is not None:
            raise error
    return runner


class _Stopped(BaseException):
    """Raised inside the deep-recursion thread when the caller that waits for it was interrupted."""


STOP_WAIT_SECONDS = 5.0
"""How long an interrupted caller waits for the deep thread to unwind before it gives up on it."""


def _run_deep(shallow, value: Any, variables: Any, skip: int) -> Tuple[List[Any], Optional[BaseException]]:
    """Run ``shallow`` in a thread with a deep stack: (outputs after the first ``skip``, the error or None).

    If the caller is interrupted while it waits (Ctrl-C, a time limit's alarm, any exception raised in this
    thread), the deep thread is stopped too and the recursion limit put back: left running, it would keep
    the process-wide limit at 1.5 million, so any other thread recursing deeply could overflow its C stack
    instead of raising ``RecursionError``.
    """
    outputs: List[Any] = []
    error: List[BaseException] = []
    finished = threading.Event()

    def target() -> None:
        old = sys.getrecursionlimit()
        sys.setrecursionlimit(max(old, DEEP_RECURSION_LIMIT))
        try:
            for i, x in enumerate(shallow(value, variables)):
                if i >= skip:
                    outputs.append(x)
        except RecursionError:
            error.append(JqRuntimeError("jq program recursed too deeply"))
        except _Stopped:
            pass
        except BaseException as e:  # noqa: BLE001 - handed back to the caller's thread
            error.append(e)
        finally:
            sys.setrecursionlimit(old)
            finished.set()

    ctx = contextvars.copy_context()  # input_filename / debug sinks of this run
    with _deep_lock:
        old_size = threading.stack_size(DEEP_STACK_BYTES)
        try:
            t = threading.Thread(target=ctx.run, args=(target,), name="jq-deep-recursion", daemon=True)
            t.start()
        finally:
            threading.stack_size(old_size)
    # Waited on an Event, not ``t.join()``: on CPython 3.11 a join interrupted by a signal marks a thread
    # that still runs as stopped (bpo-45274's handling), after which it can be neither joined nor tested.
    try:
        finished.wait()
    except BaseException:
        if t.ident is not None and not finished.is_set():
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(t.ident), ctypes.py_object(_Stopped))
            finished.wait(STOP_WAIT_SECONDS)
        raise
    return outputs, (error[0] if error else None)


_deep_lock = threading.Lock()


def compile_program(src: str, prelude: Optional[str] = None, *,
                    variables: Iterable[str] = ()) -> Program:
    """Parse and compile ``src`` (with ``prelude``'s definitions in scope).

    ``variables`` names extra ``$variables`` that will be supplied to ``Program.run``; any other
    undefined ``$name`` is a compile error, as in jq.
    """
    tree = parse(src)
    scope = _prelude_scope(prelude)
    names = {"$" + v.lstrip("$"): VAR for v in variables}
    if names:
        scope = scope.bind(names)
    comp = Compiler(src, NATIVES)
    with deep_recursion():
        try:
            code = comp.compile(tree, scope)
        except RecursionError:
            raise JqSyntaxError("program too deeply nested", 0, src) from None
    return Program(src, tree, code)
