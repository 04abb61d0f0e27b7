"""jq's reserved words, in one place for the parser, the unparser and the screen's path writers.

A reserved word cannot name a function, and jq 1.6 (still common on responders' machines) rejects it
after a dot (``.if``), so code that writes paths for people to copy quotes such keys (``.["if"]``).
"""

KEYWORDS = frozenset(
    "__loc__ and as catch def elif else end foreach if import include label module or reduce then try".split()
)
