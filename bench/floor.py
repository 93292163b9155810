"""The floor: what the database and the json module alone take for the same rows.

    from floor import floor_import, floor_json_dumps
    secs = floor_import({"kind": "sqlite", "path": "/tmp/f.db"}, Path("wl/tasks_ner.json"))
    secs = floor_json_dumps(tasks)

``floor_import`` is the minimal end-to-end import: read the workload file with ``json.load``,
turn each task into a row (its ``data`` serialised with ``json.dumps``) and each prediction into
a row, ``executemany`` both into a minimal table (PostgreSQL: ``jsonb`` columns) and commit once.
No validation, no counters, no indexes beyond the primary keys.
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import Any

SQLITE_DDL = (
    "CREATE TABLE floor_task (id INTEGER PRIMARY KEY, project_id INTEGER NOT NULL,"
    " inner_id INTEGER NOT NULL, data TEXT NOT NULL)",
    "CREATE TABLE floor_prediction (id INTEGER PRIMARY KEY, task_id INTEGER NOT NULL,"
    " project_id INTEGER NOT NULL, result TEXT NOT NULL, score REAL, model_version TEXT)",
)
PG_DDL = (
    "CREATE TABLE floor_task (id BIGINT PRIMARY KEY, project_id INTEGER NOT NULL,"
    " inner_id INTEGER NOT NULL, data JSONB NOT NULL)",
    "CREATE TABLE floor_prediction (id BIGSERIAL PRIMARY KEY, task_id BIGINT NOT NULL,"
    " project_id INTEGER NOT NULL, result JSONB NOT NULL, score DOUBLE PRECISION,"
    " model_version TEXT)",
)


def _rows(tasks: list[dict[str, Any]]) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    task_rows = []
    pred_rows = []
    for i, t in enumerate(tasks, start=1):
        task_rows.append((i, 1, i, json.dumps(t["data"])))
        for p in t.get("predictions", ()):
            pred_rows.append(
                (i, 1, json.dumps(p["result"]), p.get("score"), p.get("model_version"))
            )
    return task_rows, pred_rows


def floor_import(db: dict[str, str], tasks_file: Path) -> float:
    """Seconds for the minimal import of ``tasks_file`` into a new minimal table in ``db``
    (the tables are dropped and created outside the timed part)."""
    if db["kind"] == "sqlite":
        conn = sqlite3.connect(db["path"])
        conn.execute("PRAGMA journal_mode=WAL")
        for t in ("floor_task", "floor_prediction"):
            conn.execute(f"DROP TABLE IF EXISTS {t}")
        for ddl in SQLITE_DDL:
            conn.execute(ddl)
        conn.commit()
        t0 = time.perf_counter()
        with open(tasks_file, encoding="utf-8") as f:
            tasks = json.load(f)
        task_rows, pred_rows = _rows(tasks)
        conn.executemany("INSERT INTO floor_task VALUES (?, ?, ?, ?)", task_rows)
        conn.executemany(
            "INSERT INTO floor_prediction (task_id, project_id, result, score, model_version)"
            " VALUES (?, ?, ?, ?, ?)",
            pred_rows,
        )
        conn.commit()
        elapsed = time.perf_counter() - t0
        conn.close()
        return elapsed
    import psycopg

    with psycopg.connect(db["url"]) as pg:
        for t in ("floor_task", "floor_prediction"):
            pg.execute(f"DROP TABLE IF EXISTS {t}")
        for ddl in PG_DDL:
            pg.execute(ddl)
        pg.commit()
        t0 = time.perf_counter()
        with open(tasks_file, encoding="utf-8") as f:
            tasks = json.load(f)
        task_rows, pred_rows = _rows(tasks)
        with pg.cursor() as cur:
            cur.executemany("INSERT INTO floor_task VALUES (%s, %s, %s, %s::jsonb)", task_rows)
            cur.executemany(
                "INSERT INTO floor_prediction (task_id, project_id, result, score, model_version)"
                " VALUES (%s, %s, %s::jsonb, %s, %s)",
                pred_rows,
            )
        pg.commit()
        return time.perf_counter() - t0


def floor_json_dumps(tasks: list[dict[str, Any]]) -> float:
    """Seconds for ``json.dumps`` of the whole task list (already in memory)."""
    t0 = time.perf_counter()
    json.dumps(tasks)
    return time.perf_counter() - t0
