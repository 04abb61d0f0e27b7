"""A jq implementation (jq 1.8 semantics) compiled to Python closures.

Public API (stable; the rest of trailtui depends only on this):

- ``parse(src) -> ast.Node`` — raises ``JqSyntaxError`` (``.pos``, ``.reason``).
- ``compile_program(src, prelude=None) -> Program`` — parse and compile; raises ``JqSyntaxError`` or
  ``JqUnsupported`` (both ``JqCompileError``) with the position of the offending construct.
  ``prelude`` is jq source made only of ``def``s whose definitions are in scope for ``src``.
  Keyword ``variables=("name", ...)`` declares ``$name``s that ``Program.run`` will supply.
- ``Program.run(value, variables=None) -> Iterator[Any]`` — lazily yields the outputs for one input.
  A runtime error raises ``JqRuntimeError`` from the iterator (outputs already yielded stay valid).
- ``Program.ast`` — the parsed tree; ``Program.source`` — the text.
- ``dumps(value) -> str`` — compact JSON exactly as ``jq -c`` prints it.
- ``dumps_raw(value) -> str`` — as ``jq -r -c`` prints it (strings raw, everything else ``dumps``).

Values are plain Python JSON values: dict (insertion-ordered), list, str, int, float, bool, None.
"""

from . import ast
from .errors import JqCompileError, JqError, JqRuntimeError, JqSyntaxError, JqUnsupported
from .parser import parse
from .program import Program, compile_program
from .values import compare, dumps, dumps_raw, equal

__all__ = [
    "ast", "parse", "compile_program", "Program", "dumps", "dumps_raw", "compare", "equal",
    "JqError", "JqCompileError", "JqSyntaxError", "JqUnsupported", "JqRuntimeError",
]
