"""Shared inputs of the remote-engine tests: the 28 hunts, a small generated tree, the public datasets the
remote reader takes, and the local engine's answers on them."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import orjson

from trailtui.engine.backend import make_backend
from trailtui.engine.model import Problem
from trailtui.engine.remote.spark import file_shape
from trailtui.engine.session import Session
from trailtui.tools import samplegen

REPO = Path(__file__).resolve().parents[1]


def hunts() -> list[str]:
    spec = importlib.util.spec_from_file_location("trailtui_bench", REPO / "scripts" / "bench.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    return bench._hunts()


def generated_tree(root: Path, events: int = 2000, days: float = 1.0, **extra: Any) -> Path:
    samplegen.write(str(root), events, shape="tree", seed=7, incident=True, days=days, **extra)
    return root


def readable_datasets(datasets: Path) -> list[str]:
    """Public dataset files whose shape the remote reader takes (Records documents, arrays, JSON Lines)."""
    out = []
    for path in sorted(datasets.rglob("*")):
        if path.is_file() and not path.name.endswith(".md") and file_shape(str(path)) in ("records", "array", "lines"):
            out.append(str(path))
    return out


def local_session(paths: list[str]) -> Session:
    session = Session(make_backend("memory"))
    for item in session.load(paths):
        assert not (isinstance(item, Problem) and item.fatal), item.message
    return session


def local_matches(session: Session, text: str) -> list[Any]:
    """The records the local engine selects for ``text``, in its order, as parsed values."""
    view = session.view(session.compile(text), select=True)
    return [orjson.loads(raw) for raw in session.backend.raws(view.rows)]


def spark_or_skip() -> Any:
    """The process's local SparkSession; skips (outside CI) when pyspark or Java is missing."""
    import os

    import pytest

    from trailtui.engine.remote import spark

    missing = None
    try:
        import pyspark  # noqa: F401  (only whether it imports)
    except ImportError:
        missing = "pyspark is not installed (pip install -e '.[test]')"
    if missing is None and not spark.java_available():
        missing = "no Java runtime (apt-get install default-jre-headless)"
    if missing is not None:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the Spark tests: {missing}")
        pytest.skip(missing)
    os.environ.setdefault("TRAILTUI_SPARK_DRIVER_MEMORY", "512m")
    return spark.session()
