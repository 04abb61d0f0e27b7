"""A jq implementation (jq 1.8 semantics) compiled to Python closures.

Public API (stable; the rest of trailtui depends only on this):

- ``parse(src) -> ast.Node`` — raises ``JqSyntaxError`` (``.pos``, ``.reason``).
- ``compile_program(src) -> Program`` — parse and compile; raises ``JqSyntaxError`` or
  ``JqUnsupported`` (both ``JqCompileError``) with the position of the offending construct.
- ``Program.run(value, variables=None) -> Iterator[Any]`` — lazily yields the outputs for one input.
  A runtime error raises ``JqRuntimeError`` from the iterator (outputs already yielded stay valid).
- ``Program.ast`` — the parsed tree; ``Program.source`` — the text.
- ``dumps(value) -> str`` — compact JSON exactly as ``jq -c`` prints it.
- ``dumps_raw(value) -> str`` — as ``jq -r -c`` prints it (strings raw, everything else ``dumps``).

Values are plain Python JSON values: dict (insertion-ordered), list, str, int, float, bool, None.
"""
