"""SQLStore's export rows: Label Studio's full-export task JSON straight from the rows.

    for task in store.iter_export_tasks(project_id):   # dicts, as task_to_json makes them
        ...

``iter_bundles`` + ``task_to_json`` decode every JSON column through SQLAlchemy's types,
build attrs objects, and rebuild dicts from them; this path selects the JSON, user id and
timestamp columns as the driver returns them (SQLite: the stored text) and formats them
once. The dicts are equal to ``task_to_json``'s, key order included, so every exporter
writes the same bytes (tests/storage/test_store_export.py compares the two paths).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable, Iterable
from typing import Any

import sqlalchemy as sa

from labelcore._converter import dt_to_json
from labelcore.storage.sql.tables import TASKS

T = TASKS
_loads = json.loads


def _raw(column: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    """The column without its SQLAlchemy result processing (JSON, user id, UTC datetime)."""
    return sa.type_coerce(column, sa.String()).label(column.name)


def stamp(value: Any) -> str | None:
    """A stored timestamp as ``dt_to_json`` writes it. SQLite keeps SQLAlchemy's naive UTC
    text ``YYYY-MM-DD HH:MM:SS.ffffff``, reformatted without parsing; PostgreSQL returns
    aware datetimes."""
    if value is None:
        return None
    if isinstance(value, str):
        return _stamp_text(value)
    return dt_to_json(value)


@functools.lru_cache(maxsize=4096)  # rows written together share their timestamps
def _stamp_text(value: str) -> str | None:
    if len(value) == 26 and value[10] == " " and value[19] == ".":
        if value.endswith(".000000"):  # isoformat() leaves out zero microseconds
            return f"{value[:10]}T{value[11:19]}Z"
        return f"{value[:10]}T{value[11:]}Z"
    return dt_to_json(dt.datetime.fromisoformat(value))


def _json(value: Any) -> Any:
    return _loads(value) if isinstance(value, str) else value


def _user(value: Any) -> Any:
    """A stored user id (JSON text: ``7`` or ``"7"``) back to the int or str it was."""
    if value is None:
        return None
    if value.isascii() and value.isdigit() and value[0] != "0":
        return int(value)
    return _loads(value)


TASK_COLUMNS = tuple(
    _raw(c) if c.name in ("data", "meta", "created_at", "updated_at") else c
    for c in (
        T.c.id,
        T.c.file_upload,
        T.c.data,
        T.c.meta,
        T.c.created_at,
        T.c.updated_at,
        T.c.inner_id,
        T.c.total_annotations,
        T.c.cancelled_annotations,
        T.c.total_predictions,
        T.c.project_id,
    )
)
# the child rows of a batch: one range query each, tuples read by position
_A_SQL = (
    "SELECT task_id, id, completed_by, result, was_cancelled, ground_truth, created_at, "
    "updated_at, lead_time, unique_id, import_id, last_action, project_id, updated_by, "
    "parent_prediction, parent_annotation, version FROM labelcore_annotation "
    "WHERE task_id BETWEEN {0} AND {0} ORDER BY id"
)
_P_SQL = (
    "SELECT task_id, id, result, model_version, score, created_at, updated_at, project_id "
    "FROM labelcore_prediction WHERE task_id BETWEEN {0} AND {0} ORDER BY id"
)
_D_SQL = (
    "SELECT task_id, id, user_id, result, lead_time, was_postponed, created_at, updated_at, "
    "annotation_id, project_id FROM labelcore_draft WHERE task_id BETWEEN {0} AND {0} "
    "ORDER BY id"
)


def annotation(r: Any) -> tuple[Any, dict[str, Any]]:
    """(the raw updated_at, for the task's ``updated_by``; the annotation JSON)."""
    result = _json(r[3])
    return r[7], {
        "id": r[1],
        "completed_by": _user(r[2]),
        "result": result,
        "was_cancelled": bool(r[4]),
        "ground_truth": bool(r[5]),
        "created_at": stamp(r[6]),
        "updated_at": stamp(r[7]),
        "draft_created_at": None,
        "lead_time": r[8],
        "prediction": {},
        "result_count": len(result),
        "unique_id": r[9],
        "import_id": r[10],
        "last_action": r[11],
        "bulk_created": False,
        "task": r[0],
        "project": r[12],
        "updated_by": _user(r[13]),
        "parent_prediction": r[14],
        "parent_annotation": r[15],
        "last_created_by": None,
        "version": r[16],
    }


def prediction(r: Any) -> dict[str, Any]:
    return {
        "id": r[1],
        "result": _json(r[2]),
        "model_version": r[3],
        "score": r[4],
        "cluster": None,
        "neighbors": None,
        "mislabeling": 0.0,
        "created_at": stamp(r[5]),
        "updated_at": stamp(r[6]),
        "model": None,
        "model_run": None,
        "task": r[0],
        "project": r[7],
    }


def draft(r: Any) -> dict[str, Any]:
    return {
        "id": r[1],
        "user": _user(r[2]),
        "result": _json(r[3]),
        "lead_time": r[4],
        "was_postponed": bool(r[5]),
        "import_id": None,
        "created_at": stamp(r[6]),
        "updated_at": stamp(r[7]),
        "task": r[0],
        "annotation": r[8],
        "project": r[9],
    }


def _by_task(
    conn: sa.Connection, sql: str, ids: list[int], make: Callable[[Any], Any]
) -> dict[int, list[Any]]:
    """Rows of the tasks ``ids`` (ascending), grouped by task in id order: one range query
    (the batch's ids are a keyset page, so few rows in the range belong to other tasks)."""
    out: dict[int, list[Any]] = {}
    wanted = set(ids)
    marks = "%s" if conn.dialect.name == "postgresql" else "?"
    for r in conn.exec_driver_sql(sql.format(marks), (ids[0], ids[-1])):
        if r[0] in wanted:
            out.setdefault(r[0], []).append(make(r))
    return out


def tasks_json(
    conn: sa.Connection, rows: Iterable[Any], include_drafts: bool
) -> list[dict[str, Any]]:
    """The export JSON of these task rows (``TASK_COLUMNS``), three queries in all."""
    rows = list(rows)
    ids = [r[0] for r in rows]
    if not ids:
        return []
    anns = _by_task(conn, _A_SQL, ids, annotation)
    preds = _by_task(conn, _P_SQL, ids, prediction)
    drafts = _by_task(conn, _D_SQL, ids, draft) if include_drafts else {}
    out = []
    # TASK_COLUMNS by position (a Row's attribute lookup costs ~15x an index)
    for tid, upload, data, meta, created, updated, inner, total, skipped, npreds, pid in rows:
        mine = anns.get(tid, [])
        updated_by = None
        if mine:
            latest = max(mine, key=_updated_at)[1]
            updated_by = latest["updated_by"] or latest["completed_by"]
        out.append(
            {
                "id": tid,
                "annotations": [a for _, a in mine],
                "file_upload": upload,
                "drafts": drafts.get(tid, []),
                "predictions": preds.get(tid, []),
                "data": _json(data),
                "meta": _json(meta),
                "created_at": stamp(created),
                "updated_at": stamp(updated),
                "inner_id": inner,
                "total_annotations": total,
                "cancelled_annotations": skipped,
                "total_predictions": npreds,
                "comment_count": 0,
                "unresolved_comment_count": 0,
                "last_comment_updated_at": None,
                "project": pid,
                "updated_by": updated_by,
                "comment_authors": [],
            }
        )
    return out


def _updated_at(pair: tuple[Any, dict[str, Any]]) -> Any:
    value = pair[0]
    if isinstance(value, str) and len(value) != 26:  # not SQLAlchemy's fixed-width text
        return dt.datetime.fromisoformat(value)
    return value
