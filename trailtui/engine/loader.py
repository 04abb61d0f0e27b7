"""The loader's public entry points; the implementation is the `trailtui.engine.loading` package."""

from __future__ import annotations

from .loading import count_inputs, expand_paths, load, load_all

__all__ = ["load", "load_all", "count_inputs", "expand_paths"]
