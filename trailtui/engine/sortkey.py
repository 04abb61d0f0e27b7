"""Sort keys that order JSON values the way jq does (for table sorting in the screen and the CLI).

The order itself is implemented once, in the jq engine (``trailtui.engine.jq.values.sort_key``); this
module is the name the rest of trailtui imports it by.
"""

from __future__ import annotations

from .jq.values import sort_key

__all__ = ["sort_key"]
