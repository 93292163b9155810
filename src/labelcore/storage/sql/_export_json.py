"""The JSON export's text of SQLStore's export rows, written without decoding stored JSON.

    text = tasks_text(conn, rows, include_drafts=False)   # tasks joined by ",\n"

Each task is written as ``json.dumps(task, ensure_ascii=False)`` writes the dict
``_export.tasks_json`` makes of the same row: the fixed keys from templates, the stored
JSON documents spliced in (``_jsonsplice``: re-spaced on SQLite, JSONB's text on
PostgreSQL), scalars encoded one by one. tests/storage/test_store_export.py compares the
two, byte for byte, on both databases.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from labelcore._jsontext import export_dumps
from labelcore.storage.sql._export import dialect, stamp_json, updated_at, user_json

_loads = json.loads
_dumps = export_dumps  # the JSON export's encoding
_str_json: Callable[[Any], str] = functools.lru_cache(maxsize=1024)(_dumps)  # few values

# _export's dicts, as json.dumps(..., ensure_ascii=False) writes them
_TASK = (
    '{"id": %d, "annotations": [%s], "file_upload": %s, "drafts": [%s], "predictions": [%s], '
    '"data": %s, "meta": %s, "created_at": %s, "updated_at": %s, "inner_id": %d, '
    '"total_annotations": %d, "cancelled_annotations": %d, "total_predictions": %d, '
    '"comment_count": 0, "unresolved_comment_count": 0, "last_comment_updated_at": null, '
    '"project": %d, "updated_by": %s, "comment_authors": []}'
)
_ANNOTATION = (
    '{"id": %d, "completed_by": %s, "result": %s, "was_cancelled": %s, "ground_truth": %s, '
    '"created_at": %s, "updated_at": %s, "draft_created_at": null, "lead_time": %s, '
    '"prediction": {}, "result_count": %d, "unique_id": %s, "import_id": %s, '
    '"last_action": %s, "bulk_created": false, "task": %d, "project": %d, "updated_by": %s, '
    '"parent_prediction": %s, "parent_annotation": %s, "last_created_by": null, "version": %s}'
)
_PREDICTION = (
    '{"id": %d, "result": %s, "model_version": %s, "score": %s, "cluster": null, '
    '"neighbors": null, "mislabeling": 0.0, "created_at": %s, "updated_at": %s, '
    '"model": null, "model_run": null, "task": %d, "project": %d}'
)
_DRAFT = (
    '{"id": %d, "user": %s, "result": %s, "lead_time": %s, "was_postponed": %s, '
    '"import_id": null, "created_at": %s, "updated_at": %s, "task": %d, "annotation": %s, '
    '"project": %d}'
)
_BOOL = ("false", "true")


def _annotation_text(r: Any, result: str) -> tuple[Any, str | None, str]:
    """(the raw updated_at; the stored ``updated_by or completed_by``; the JSON text)."""
    count = 0 if result == "[]" else len(_loads(r[3]))
    text = _ANNOTATION % (
        r[1],
        user_json(r[2]),
        result,
        _BOOL[bool(r[4])],
        _BOOL[bool(r[5])],
        stamp_json(r[6]),
        stamp_json(r[7]),
        _dumps(r[8]),
        count,
        _dumps(r[9]),
        _dumps(r[10]),
        _str_json(r[11]),
        r[0],
        r[12],
        user_json(r[13]),
        _dumps(r[14]),
        _dumps(r[15]),
        _dumps(r[16]),
    )
    # updated_by or completed_by, as the dicts decide it (0 and "" are falsy there too)
    by = r[13] if r[13] not in (None, "0", '""') else r[2]
    return r[7], by, text


def _prediction_text(r: Any, result: str) -> str:
    score = r[4]
    return _PREDICTION % (
        r[1],
        result,
        _str_json(r[3]),
        repr(score) if type(score) is float and math.isfinite(score) else _dumps(score),
        stamp_json(r[5]),
        stamp_json(r[6]),
        r[0],
        r[7],
    )


def _draft_text(r: Any, result: str) -> str:
    return _DRAFT % (
        r[1],
        user_json(r[2]),
        result,
        _dumps(r[4]),
        _BOOL[bool(r[5])],
        stamp_json(r[6]),
        stamp_json(r[7]),
        r[0],
        _dumps(r[8]),
        r[9],
    )


def _rows(conn: sa.Connection, sql: str, ids: list[int], wanted: set[int]) -> list[Any]:
    return [r for r in conn.exec_driver_sql(sql, (ids[0], ids[-1])) if r[0] in wanted]


def tasks_text(conn: sa.Connection, rows: list[Any], include_drafts: bool) -> str | None:
    """The JSON export's text of these task rows: each task as ``json.dumps(task,
    ensure_ascii=False)`` writes its ``tasks_json`` dict, joined by ``",\\n"``. None when a
    task's data is not a JSON object (the export refuses it; the dicts say which)."""
    ids = [r[0] for r in rows]
    if not ids:
        return ""
    d = dialect(conn.dialect.name)
    wanted = set(ids)
    anns = _rows(conn, d.annotations_sql, ids, wanted)
    preds = _rows(conn, d.predictions_sql, ids, wanted)
    drafts = _rows(conn, d.drafts_sql, ids, wanted) if include_drafts else []
    # every JSON document of the batch in the export's form, in one pass
    n, na, np = len(rows), len(anns), len(preds)
    docs = d.json_texts(
        [r[2] for r in rows]
        + [r[3] for r in rows]
        + [r[3] for r in anns]
        + [r[2] for r in preds]
        + [r[3] for r in drafts]
    )
    task_anns: dict[int, list[tuple[Any, str | None, str]]] = {}
    for r, doc in zip(anns, docs[2 * n : 2 * n + na], strict=True):
        task_anns.setdefault(r[0], []).append(_annotation_text(r, doc))
    task_preds: dict[int, list[str]] = {}
    for r, doc in zip(preds, docs[2 * n + na : 2 * n + na + np], strict=True):
        task_preds.setdefault(r[0], []).append(_prediction_text(r, doc))
    task_drafts: dict[int, list[str]] = {}
    for r, doc in zip(drafts, docs[2 * n + na + np :], strict=True):
        task_drafts.setdefault(r[0], []).append(_draft_text(r, doc))
    out = []
    for i, (tid, upload, _, _, created, updated, inner, total, skipped, npreds, pid) in enumerate(
        rows
    ):
        data = docs[i]
        if data[:1] != "{":
            return None
        mine = task_anns.get(tid)
        p = task_preds.get(tid)
        dr = task_drafts.get(tid)
        out.append(
            _TASK
            % (
                tid,
                ", ".join([a[2] for a in mine]) if mine else "",
                "null" if upload is None else _dumps(upload),
                ", ".join(dr) if dr else "",
                ", ".join(p) if p else "",
                data,
                docs[n + i],
                stamp_json(created),
                stamp_json(updated),
                inner,
                total,
                skipped,
                npreds,
                pid,
                user_json(max(mine, key=updated_at)[1]) if mine else "null",
            )
        )
    return ",\n".join(out)
