"""The benchmark harness runs end to end at a tiny N, so bench/run.py cannot rot.

No timing assertions: only that every measurement ran, counted what it should and that
RESULTS.md was written from it.
"""

from __future__ import annotations

import importlib.util
import json
import os
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


run_module = _load_run


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


def test_floor_api_and_http_on_sqlite_run_end_to_end(tmp_path: Path) -> None:
    raw = _run(tmp_path, "--backends", "sqlite", "--modes", "floor,api,http")
    assert raw["skipped"] == []
    assert raw["meta"]["complete"] is True
    floor = _samples(raw, "sqlite/floor")
    assert len(floor["import"]) == 1
    for column in ("sqlite/api", "sqlite/http"):
        got = _samples(raw, column)
        for key in ("import", "import_boxes", "page_plain", "page_ordered", "page_contains"):
            assert len(got[key]) == 1, (column, key)
        assert got["page_plain_total"] == 200, column
        assert got["page_has_predictions_total"] == 60, column  # the workload's 30%
        assert 0 < got["page_contains_total"] < 200, column
        assert len(got["next"]) == len(got["submit"]) == 5, column
        for fmt in ("JSON", "JSON_MIN", "CSV", "CONLL2003", "COCO", "YOLO"):
            assert got[f"export_{fmt}_bytes"] > 0, (column, fmt)
        conc = got["concurrent"]
        assert conc["errors"] == 0, conc["error_samples"]
        assert conc["over_overlap"] == 0, column
        # every slot is served on SQLite (a shortfall would show as "slots never served")
        assert conc["submits"] == conc["expected_submits"] == 32, column
    http = [r for r in raw["results"] if r["column"] == "sqlite/http"][0]
    # served by gunicorn's worker processes (the default), named in RESULTS.md
    assert raw["meta"]["http_server"].startswith("gunicorn ")
    assert "- HTTP server: gunicorn" in raw["markdown"]
    assert http["extra"]["pair_server_cpu_ms"] > 0
    assert http["extra"]["concurrent"]["server_cpu_s"] > 0
    assert set(http["rss_detail"]) >= {"import (server)", "pages (server)", "export (server)"}
    md = raw["markdown"]
    assert "## N = 200" in md and "SQLite API" in md and "SQLite HTTP" in md
    assert "Label Studio 1.23.2" in md and "× floor" in md


@pytest.mark.postgres
def test_api_on_postgres_runs_end_to_end(tmp_path: Path, pg_server: str) -> None:
    admin = pg_server.replace("postgresql+psycopg://", "postgresql://")
    raw = _run(tmp_path, "--backends", "postgres", "--modes", "api", "--pg", admin)
    assert raw["skipped"] == []
    api = _samples(raw, "postgres/api")
    assert api["page_plain_total"] == 200
    assert api["page_has_predictions_total"] == 60
    assert len(api["next"]) == 5
    assert api["concurrent"]["over_overlap"] == 0
    assert api["concurrent"]["errors"] == 0
    # an annotator may be told "no task" while slots are open under contention on
    # PostgreSQL (seen once: 21 of 32); the table reports it as "slots never served"
    assert 0 < api["concurrent"]["submits"] <= api["concurrent"]["expected_submits"] == 32
    # the server's CPU for the import; the pages right after it, with no VACUUM of the
    # bench's own (a big import vacuums itself once committed: tests/storage)
    assert len(api["pg_server_cpu_import"]) == 1 and "pg_vacuum" not in api
    tables = raw["markdown"].split("\n## Notes")[0]
    assert "server CPU" in tables and "VACUUM" not in tables
    # every database the run made is gone (named after the run's tag)
    import psycopg

    tag = os.environ[run_module().harness.RUN_TAG_ENV]
    with psycopg.connect(admin, autocommit=True) as conn:
        left = conn.execute(
            "SELECT count(*) FROM pg_database WHERE datname LIKE %s", (f"lc_bench_{tag}_%",)
        ).fetchone()
    assert left == (0,)


def test_a_failed_measurement_is_recorded_and_the_others_are_kept(tmp_path: Path) -> None:
    """A measurement whose child fails is listed under "Not measured" and the results file
    is rewritten at once, so a run that dies later still has every earlier row."""
    run = run_module()
    args = run.parse_args(["--out", str(tmp_path / "R.md"), "--workdir", str(tmp_path)])
    runner = run.Runner(args, tmp_path)
    runner.results.append({"n": 200, "column": "sqlite/floor", "op": "floor_json"})
    written: list[tuple[int, int]] = []
    runner.write = lambda: written.append((len(runner.results), len(runner.skipped)))
    assert runner.measure(200, "sqlite/api", {"op": "no_such_op"}) is None
    assert written == [(1, 1)]
    assert runner.skipped[0]["op"] == "no_such_op"
    assert "unknown child op" in runner.skipped[0]["why"]


@pytest.mark.postgres
def test_bench_pg_contains_runs_on_a_store_database(pg_url: str) -> None:
    """bench/bench_pg_contains.py (the per-row cost split of a contains page) runs against a
    database the store made, counts the exact matches and measures every part."""
    import subprocess
    import sys

    from labelcore.model import NewTask, ProjectSettings
    from labelcore.storage.sql import SQLStore

    store = SQLStore(pg_url)
    pid = store.add_project(ProjectSettings(title="contains"), created_by=1).id
    texts = ["in Berlin", "BERLIN wall", "Bern", "berlinale", "Paris"]
    store.add_tasks(pid, [NewTask(data={"text": t, "i": i}) for i, t in enumerate(texts)])
    store.close()
    script = REPO / "bench" / "bench_pg_contains.py"
    done = subprocess.run(
        [sys.executable, str(script), pg_url, "--project", str(pid), "--runs", "1"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    out = json.loads(done.stdout)
    assert out["count"]["matches"] == out["rows"] == 3
    assert set(out["per_row_us"]) >= {"both today", "both folded", "jsonb -> text (data::text)"}
    assert out["rows_kept"]["both today"] == out["rows_kept"]["both folded"] == 3


def test_annotated_export_builds_a_file_the_import_takes(tmp_path: Path) -> None:
    import subprocess
    import sys

    from labelcore import LabelCore, User

    wl = tmp_path / "wl"
    subprocess.run(
        [sys.executable, str(_workload()), "--out", str(wl), "--n", "2500"],
        check=True,
        capture_output=True,
    )
    script = REPO / "bench" / "annotated_export.py"
    subprocess.run([sys.executable, str(script), str(wl)], check=True, capture_output=True)
    core = LabelCore(store="memory://", start_jobs=False)
    manager = User(id=1, roles={"manager"})
    config = (wl / "config_ner.xml").read_text()
    project = core.create_project(manager, title="annotated", label_config=config)
    with open(wl / "tasks_ner_annotated.json", "rb") as f:
        report = core.import_tasks(manager, project.id, f, filename="t.json")
    # every other task, past the 2,000 workload annotations too (their spans moved)
    assert (report.task_count, report.annotation_count) == (2500, 1250)
