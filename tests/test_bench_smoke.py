"""Smoke test of scripts/bench.py: a tiny run must produce every section with sane, consistent numbers.

No timing assertions (CI machines vary); instead the match counts the benchmark reports are checked against
the reference jq (PyPI ``jq``, libjq 1.8) run on the same generated file, and the app section against the
filters section.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "scripts" / "bench.py"
EVENTS = 2000

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> dict:
    data = tmp_path_factory.mktemp("bench-data")
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--events", str(EVENTS), "--quick", "--json", "--data", str(data)],
        capture_output=True, text=True, timeout=120, cwd=str(REPO),
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


def test_document_shape(bench: dict) -> None:
    assert bench["schema"] == 1
    assert bench["config"]["events"] == EVENTS
    assert bench["config"]["sections"] == ["load", "filters", "app"]
    machine = bench["machine"]
    assert machine["cores"] >= 1 and machine["python"].count(".") == 2
    assert set(bench["sections"]) == {"load", "filters", "app"}
    shapes = bench["data"]["shapes"]
    assert set(shapes) == {"records", "tree", "jsonl"}
    assert shapes["tree"]["files"] > 1
    assert shapes["tree"]["raw_bytes"] > shapes["tree"]["disk_bytes"]  # gzip really compressed it


def test_load_section(bench: dict) -> None:
    rows = bench["sections"]["load"]
    assert [r["shape"] for r in rows] == ["records", "tree", "jsonl"]
    for row in rows:
        assert "error" not in row and "baseline_error" not in row, row
        assert row["events"] == EVENTS and row["baseline_events"] == EVENTS
        assert row["seconds"] > 0 and row["baseline_seconds"] > 0
        assert row["events_per_s"] == pytest.approx(EVENTS / row["seconds"])
        assert row["mb_per_s"] == pytest.approx(row["raw_bytes"] / 1e6 / row["seconds"])
        assert 0 < row["first_rows_seconds"] <= row["seconds"]
        assert 0 <= row["store_seconds"] <= row["seconds"]
        assert row["peak_rss"] > 10e6 and row["rss_per_raw_byte"] > 0
        assert row["ratio"] == pytest.approx(row["seconds"] / row["baseline_seconds"])


def _jq_count(program: str, records: list) -> int:
    """Outputs of the reference jq for ``program`` run on each event alone (``{"Records": [event]}``).

    An event on which jq raises counts as no output, which is what trailtui promises (jq itself would
    stop the whole run at the first error).
    """
    import jq

    compiled = jq.compile(program)
    count = 0
    for record in records:
        try:
            count += len(compiled.input_value({"Records": [record]}).all())
        except ValueError:
            pass
    return count


def test_filter_counts_match_reference_jq(bench: dict) -> None:
    pytest.importorskip("jq")
    from trailtui.engine.prelude import PRELUDE

    section = bench["sections"]["filters"]
    assert section["events"] == EVENTS
    with open(bench["data"]["paths"]["records"], encoding="utf-8") as fh:
        records = json.load(fh)["Records"]
    names = [q["name"] for q in section["questions"]]
    assert len(names) == 16 + 4 + 28 + 7  # everyday questions, the slow ones and sorted projection, the hunts,
    # and #15's facets, timeline and find-next
    assert [n for n in names if n.startswith("hunt Q")] == [f"hunt Q{i:02d}" for i in range(1, 29)]
    for q in section["questions"]:
        assert "error" not in q, q
        assert q["median_ms"] >= 0 and q["runs"] == bench["config"]["repeat"]
        assert q["first_ms"] >= 0 and q["max_ms"] >= q["median_ms"]
        assert q["pass"] == (q["median_ms"] <= q["target_ms"])
        if q["group"] == "sort":
            assert q["matches"] == EVENTS
            continue
        if q["group"] in ("facets", "timeline", "find"):
            # Their numbers are checked against libjq in tests/test_facets.py; here: they answered something.
            assert q["matches"] >= (8 if q["group"] == "facets" else 0), q
            continue
        program = q.get("jq") or f".Records[] | {q['text']}"
        if q.get("prelude") or q["group"] == "pivot":
            program = PRELUDE + "\n" + program
        expected = _jq_count(program, records)
        assert q["matches"] == expected, (q["name"], q["matches"], expected)
    by_name = {q["name"]: q for q in section["questions"]}
    # The generator plants the Wareville incident: the investigator's questions find something.
    assert by_name["eventName == AttachUserPolicy"]["matches"] >= 1
    assert by_name["S3 program (source and bucket)"]["matches"] >= 1
    assert by_name["pivot: user"]["matches"] >= 1 and by_name["pivot: ip"]["matches"] >= 1
    assert by_name["projection with // (all cells)"]["matches"] == EVENTS


def test_app_section(bench: dict) -> None:
    app = bench["sections"]["app"]
    assert "error" not in app, app
    assert app["events_loaded"] == EVENTS
    assert 0 < app["first_rows_shown_s"] <= app["load_done_s"] + 5
    filters = {q["text"]: q["matches"] for q in bench["sections"]["filters"]["questions"] if "text" in q}
    for typed in app["typing"]:
        assert typed["status"] == "ok", typed
        assert typed["keys"] == len(typed["filter"])
        assert 0 < typed["last_key_to_result_s"] <= typed["first_key_to_result_s"]
        if typed["filter"] in filters:
            assert typed["shown"] == filters[typed["filter"]]
    keys = app["keys_during_filter"]
    assert keys["samples"] >= 1, keys
    assert 0 < keys["p50_ms"] <= keys["p95_ms"] <= keys["max_ms"]
