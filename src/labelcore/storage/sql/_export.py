"""SQLStore's export rows: Label Studio's full-export task JSON straight from the rows.

    for task in store.iter_export_tasks(project_id):   # dicts, as task_to_json makes them
        ...

``iter_bundles`` + ``task_to_json`` decode every JSON column through SQLAlchemy's types,
build attrs objects, and rebuild dicts from them; this path selects the JSON columns as
text and the timestamps as ``YYYY-MM-DD HH:MM:SS.ffffff`` UTC text (SQLite stores them so;
PostgreSQL formats them with ``to_char``) and formats them once. The dicts are equal to
``task_to_json``'s, key order included, so every exporter writes the same bytes
(tests/storage/test_store_export.py compares the two paths).

The JSON export does not need the dicts at all: ``_export_json.tasks_text`` writes each
task's JSON text directly from the same rows.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import sqlalchemy as sa

from labelcore._converter import dt_to_json
from labelcore.storage.sql._jsonsplice import jsonb_texts, spaced, spaced_all
from labelcore.storage.sql.tables import TASKS

T = TASKS
_loads = json.loads
# timestamps as SQLite stores them (SQLAlchemy's naive UTC text); PostgreSQL formats them so
_PG_STAMP = "YYYY-MM-DD HH24:MI:SS.US"


def stamp(value: Any) -> str | None:
    """A stored timestamp as ``dt_to_json`` writes it. The text ``YYYY-MM-DD
    HH:MM:SS.ffffff`` (UTC) is reformatted without parsing; datetimes are formatted."""
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


@functools.lru_cache(maxsize=4096)
def stamp_json(value: str | None) -> str:
    """The stored timestamp as JSON text (its characters need no escaping)."""
    text = None if value is None else _stamp_text(value)
    return "null" if text is None else f'"{text}"'


def _json(value: Any) -> Any:
    return _loads(value) if isinstance(value, str) else value


def _user(value: Any) -> Any:
    """A stored user id (JSON text: ``7`` or ``"7"``) back to the int or str it was."""
    if value is None:
        return None
    if value.isascii() and value.isdigit() and value[0] != "0":
        return int(value)
    return _loads(value)


@functools.lru_cache(maxsize=1024)
def user_json(value: str | None) -> str:
    return "null" if value is None else spaced(value)


# the child rows of a batch: one range query each, tuples read by position
_A_SQL = (
    "SELECT task_id, id, completed_by, {result}, was_cancelled, ground_truth, {created}, "
    "{updated}, lead_time, unique_id, import_id, last_action, project_id, updated_by, "
    "parent_prediction, parent_annotation, version FROM labelcore_annotation {where}"
)
_P_SQL = (
    "SELECT task_id, id, {result}, model_version, score, {created}, {updated}, project_id "
    "FROM labelcore_prediction {where}"
)
_D_SQL = (
    "SELECT task_id, id, user_id, {result}, lead_time, was_postponed, {created}, {updated}, "
    "annotation_id, project_id FROM labelcore_draft {where}"
)


class Dialect:
    """What differs between the databases: the SQL that reads JSON and timestamps as text,
    and how that JSON text becomes the export's (compact SQLite text is re-spaced; JSONB's
    text output already has the export's separators)."""

    def __init__(self, name: str) -> None:
        pg = name == "postgresql"
        self.marks = "%s" if pg else "?"
        self.json_texts: Callable[[list[str]], list[str]] = jsonb_texts if pg else spaced_all

        def col(c: Any) -> sa.ColumnElement[Any]:
            if not pg:  # the stored text, without SQLAlchemy's result processing
                return sa.type_coerce(c, sa.String()).label(c.name)
            if c.name in ("data", "meta"):
                return sa.cast(c, sa.Text()).label(c.name)
            return sa.func.to_char(sa.func.timezone("UTC", c), _PG_STAMP).label(c.name)

        self._col = col
        ts = f"to_char(timezone('UTC', {{}}), '{_PG_STAMP}')" if pg else "{}"
        parts = {
            "result": "result::text" if pg else "result",
            "created": ts.format("created_at"),
            "updated": ts.format("updated_at"),
            "where": f"WHERE task_id BETWEEN {self.marks} AND {self.marks} ORDER BY id",
        }
        self.annotations_sql = _A_SQL.format(**parts)
        self.predictions_sql = _P_SQL.format(**parts)
        self.drafts_sql = _D_SQL.format(**parts)

    def task_columns(self, src: Any) -> tuple[Any, ...]:
        """The task columns the export reads, from ``src`` (the task table, or a page of
        it as a subquery), in the order ``tasks_json`` unpacks them."""
        c = src.c
        return (
            c.id,
            c.file_upload,
            self._col(c.data),
            self._col(c.meta),
            self._col(c.created_at),
            self._col(c.updated_at),
            c.inner_id,
            c.total_annotations,
            c.cancelled_annotations,
            c.total_predictions,
            c.project_id,
        )


@functools.cache
def dialect(name: str) -> Dialect:
    return Dialect(name)


# -- task dicts (every format) ----------------------------------------------------------------


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


def _by_task(conn: sa.Connection, sql: str, ids: list[int]) -> dict[int, list[Any]]:
    """Rows of the tasks ``ids`` (ascending), grouped by task in id order: one range query
    (the batch's ids are a keyset page, so few rows in the range belong to other tasks)."""
    out: dict[int, list[Any]] = {}
    wanted = set(ids)
    for r in conn.exec_driver_sql(sql, (ids[0], ids[-1])):
        if r[0] in wanted:
            out.setdefault(r[0], []).append(r)
    return out


def tasks_json(
    conn: sa.Connection, rows: Iterable[Any], include_drafts: bool, include_predictions: bool = True
) -> Iterator[dict[str, Any]]:
    """The export JSON of these task rows (``Dialect.task_columns``), three queries at most.
    The rows are read now; each task's dict is built when the iterator reaches it, so the
    dicts die young instead of a batch of them reaching the garbage collector's oldest
    generation (where each arrival of a few thousand containers costs a full collection)."""
    rows = list(rows)
    ids = [r[0] for r in rows]
    if not ids:
        return iter(())
    d = dialect(conn.dialect.name)
    anns = _by_task(conn, d.annotations_sql, ids)
    preds = _by_task(conn, d.predictions_sql, ids) if include_predictions else {}
    drafts = _by_task(conn, d.drafts_sql, ids) if include_drafts else {}
    return _task_dicts(rows, anns, preds, drafts)


def _task_dicts(
    rows: list[Any],
    anns: dict[int, list[Any]],
    preds: dict[int, list[Any]],
    drafts: dict[int, list[Any]],
) -> Iterator[dict[str, Any]]:
    # task columns by position (a Row's attribute lookup costs ~15x an index)
    for tid, upload, data, meta, created, updated, inner, total, skipped, npreds, pid in rows:
        mine = [annotation(r) for r in anns.get(tid, ())]
        updated_by = None
        if mine:
            latest = max(mine, key=updated_at)[1]
            updated_by = latest["updated_by"] or latest["completed_by"]
        yield {
            "id": tid,
            "annotations": [a for _, a in mine],
            "file_upload": upload,
            "drafts": [draft(r) for r in drafts.get(tid, ())],
            "predictions": [prediction(r) for r in preds.get(tid, ())],
            "data": _json(data),
            "meta": {} if meta == "{}" else _json(meta),
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


def updated_at(pair: tuple[Any, ...]) -> Any:
    """The sort key of the task's latest annotation (its raw updated_at first in ``pair``)."""
    value = pair[0]
    if isinstance(value, str) and len(value) != 26:  # not the fixed-width text
        return dt.datetime.fromisoformat(value)
    return value
