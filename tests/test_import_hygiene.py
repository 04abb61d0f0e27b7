"""The engine and the headless CLI never import the UI stack (textual, rich, pyperclip)."""

from __future__ import annotations

import subprocess
import sys

import pytest

ENGINE_MODULES = [
    "trailtui.engine",
    "trailtui.engine.model",
    "trailtui.engine.loader",
    "trailtui.engine.store",
    "trailtui.engine.identity",
    "trailtui.engine.jq",
    "trailtui.engine.query",
    "trailtui.engine.unparse",
    "trailtui.engine.pivots",
    "trailtui.engine.export",
    "trailtui.engine.textsafe",
    "trailtui.tools.samplegen",
    "trailtui.engine.sortkey",
    "trailtui.engine.session",
    "trailtui.engine.planner",
    "trailtui.engine.memory_filter",
    "trailtui.engine.columns",
    "trailtui.engine.backend",
    "trailtui.engine.columnar.schema",
    "trailtui.cli",
    "trailtui.cli_evidence",
    "trailtui.engine.hunts",
    "trailtui.engine.bookmarks",
    "trailtui.engine.sessionfile",
    "trailtui.engine.report",
]

FORBIDDEN = ("textual", "rich", "pyperclip")


@pytest.mark.parametrize("module", ENGINE_MODULES)
def test_engine_module_imports_no_ui(module: str) -> None:
    code = (
        f"import sys, importlib; importlib.import_module({module!r}); "
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}); print(','.join(bad))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "", f"{module} pulled in {done.stdout.strip()}"


def test_headless_query_help_imports_no_ui() -> None:
    code = (
        "import sys\n"
        "from trailtui.cli import main\n"
        "try:\n    main(['query', '--help'])\nexcept SystemExit:\n    pass\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}); print('BAD:' + ','.join(bad), file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "PROGRAM" in done.stdout
    assert "BAD:\n" in done.stderr or done.stderr.strip().endswith("BAD:"), done.stderr
