"""trailtui's jq prelude (``prelude.jq``): rules R1–R5 as jq functions in scope of every filter.

``PRELUDE`` is the source text; ``PRELUDE_FUNCTIONS`` the names it defines, so a caller can tell whether a
filter needs the prelude (e.g. "copy as jq command" prepends it only then).
"""

from __future__ import annotations

import re
from pathlib import Path

PRELUDE_PATH = Path(__file__).with_name("prelude.jq")
PRELUDE = PRELUDE_PATH.read_text(encoding="utf-8")
"""trailtui's jq extensions (``actor_key``, ``ip_key``, ``has_access_key`` …), written in plain jq."""

PRELUDE_FUNCTIONS = frozenset(re.findall(r"^def\s+([A-Za-z_][A-Za-z0-9_]*)", PRELUDE, re.M))
"""Every function name the prelude defines (top-level ``def`` lines)."""
