"""The benchmark harness runs end to end at a tiny N, so bench/run.py cannot rot.

No timing assertions: only that every measurement ran, counted what it should and that
RESULTS.md was written from it.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]
RUN_PY = REPO / "bench" / "run.py"


def _load_run() -> ModuleType:
    spec = importlib.util.spec_from_file_location("labelcore_bench_run", RUN_PY)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _workload() -> Path:
    for parent in REPO.parents:
        candidate = parent / "shared" / "bench" / "workload.py"
        if candidate.exists():
            return candidate
    pytest.skip("the shared workload generator (../shared/bench/workload.py) is not here")


def _run(tmp_path: Path, *args: str) -> dict:
    run = _load_run()
    out = tmp_path / "RESULTS.md"
    rc = run.main(
        [
            "--n", "200", "--quick", "--workdir", str(tmp_path / "work"),
            "--workload", str(_workload()), "--out", str(out), *args,
        ]
    )  # fmt: skip
    assert rc == 0
    raw = json.loads(out.with_suffix(".json").read_text())
    raw["markdown"] = out.read_text()
    return raw


def _samples(raw: dict, column: str) -> dict:
    merged: dict = {}
    for res in raw["results"]:
        if res["column"] == column:
            merged.update(res.get("samples", {}))
            merged.update(res.get("extra", {}))
    return merged


def test_floor_and_api_on_sqlite_run_end_to_end(tmp_path: Path) -> None:
    raw = _run(tmp_path, "--backends", "sqlite", "--modes", "floor,api")
    assert raw["skipped"] == []
    floor = _samples(raw, "sqlite/floor")
    assert len(floor["import"]) == 1
    api = _samples(raw, "sqlite/api")
    for key in ("import", "import_boxes", "page_plain", "page_ordered", "page_contains"):
        assert len(api[key]) == 1, key
    assert api["page_plain_total"] == 200
    assert api["page_has_predictions_total"] == 60  # the workload's 30%
    assert 0 < api["page_contains_total"] < 200
    assert len(api["next"]) == len(api["submit"]) == 20
    for fmt in ("JSON", "JSON_MIN", "CSV", "CONLL2003", "COCO", "YOLO"):
        assert api[f"export_{fmt}_bytes"] > 0, fmt
    conc = api["concurrent"]
    assert conc["errors"] == 0, conc["error_samples"]
    assert conc["over_overlap"] == 0
    assert conc["submits"] == conc["expected_submits"] == 80
    md = raw["markdown"]
    assert "## N = 200" in md and "SQLite API" in md and "Label Studio 1.23.2" in md
    assert "× floor" in md


def test_http_on_sqlite_runs_end_to_end(tmp_path: Path) -> None:
    raw = _run(tmp_path, "--backends", "sqlite", "--modes", "http")
    assert raw["skipped"] == []
    http = _samples(raw, "sqlite/http")
    assert http["page_plain_total"] == 200
    assert len(http["next"]) == 20
    assert http["export_JSON_bytes"] > 0
    conc = http["concurrent"]
    assert conc["errors"] == 0, conc["error_samples"]
    assert conc["over_overlap"] == 0
    assert conc["submits"] == 80
    rss = [r for r in raw["results"] if r["column"] == "sqlite/http"][0]["rss_detail"]
    assert set(rss) >= {"import (server)", "pages (server)", "export (server)"}


@pytest.mark.postgres
def test_floor_and_api_on_postgres_run_end_to_end(tmp_path: Path, pg_server: str) -> None:
    admin = pg_server.replace("postgresql+psycopg://", "postgresql://")
    raw = _run(tmp_path, "--backends", "postgres", "--modes", "floor,api", "--pg", admin)
    assert raw["skipped"] == []
    api = _samples(raw, "postgres/api")
    assert api["page_plain_total"] == 200
    assert api["concurrent"]["over_overlap"] == 0
    assert api["concurrent"]["errors"] == 0
