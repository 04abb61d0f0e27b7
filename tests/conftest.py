"""Shared fixtures: where the public datasets live, and skipping cleanly when they are absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("TRAILTUI_SHARED", REPO.parent / "shared"))
DATASETS = SHARED / "datasets"
JQ_TESTS = SHARED / "jq-tests"
SAMPLES = REPO / "samples"


def _require(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} is not available (the shared datasets live beside the repository)")
    return path


@pytest.fixture
def datasets() -> Path:
    """The directory of real CloudTrail files from public sources (skips the test when absent)."""
    return _require(DATASETS)


@pytest.fixture
def jq_tests() -> Path:
    """jq's own test vectors (skips the test when absent)."""
    return _require(JQ_TESTS)


@pytest.fixture(autouse=True)
def _private_user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep tests away from the real filter history and clipboard cache of whoever runs them."""
    base = tmp_path_factory.mktemp("xdg")
    monkeypatch.setenv("XDG_STATE_HOME", str(base / "state"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(base / "cache"))


@pytest.fixture(params=["memory", "duckdb"])
def backend(request: pytest.FixtureRequest):
    """An empty backend of each kind (``trailtui.engine.backend.make_backend``), closed after the test.

    The DuckDB backend caches under the test's private ``XDG_CACHE_HOME`` (see ``_private_user_dirs``)."""
    from trailtui.engine.backend import make_backend

    store = make_backend(request.param)
    yield store
    store.close()
