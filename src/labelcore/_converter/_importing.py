"""Label Studio import items in as NewTask objects (structure only, no config checks)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from labelcore._converter._base import _is_user_id, _kind, dt_from_json
from labelcore.errors import ValidationError
from labelcore.model import NewAnnotation, NewPrediction, NewTask, UserId

# -- import (in) ------------------------------------------------------------------------------


#: the longest source file name a task keeps (``file_upload``; the column's width)
MAX_FILE_NAME = 1024


def task_from_import(obj: Any, *, row: int, default_user: UserId | None = None) -> NewTask:
    """A Label Studio import item as a NewTask (structure only, no config checks).

    An item without ``"data"`` is wrapped whole as the task data, as Label Studio does.
    ``row`` is the 1-based item number (or file line) used in error messages.
    """
    # ``type(x) is dict`` first: parsed JSON is plain dicts, and a Mapping check costs more
    if type(obj) is not dict and not isinstance(obj, Mapping):
        raise _row_error(row, f"a task must be a JSON object, got {_kind(obj)}")
    if "data" not in obj:
        return NewTask(data=dict(obj))
    data = obj["data"]
    if type(data) is not dict and not isinstance(data, Mapping):
        raise _row_error(row, f"'data' must be an object, got {_kind(data)}")
    meta = obj.get("meta")
    if meta is None:
        meta = {}
    elif type(meta) is not dict and not isinstance(meta, Mapping):
        raise _row_error(row, f"'meta' must be an object, got {_kind(meta)}")
    annotations: tuple[NewAnnotation, ...] = ()
    predictions: tuple[NewPrediction, ...] = ()
    if obj.get("annotations") is not None:
        annotations = tuple(
            _annotation_from_import(a, f"annotation {i}", row, default_user)
            for i, a in enumerate(_list(obj, "annotations", row))
        )
    if obj.get("predictions") is not None:
        predictions = tuple(
            _prediction_from_import(p, f"prediction {i}", row)
            for i, p in enumerate(_list(obj, "predictions", row))
        )
    source = obj.get("file_upload")
    if source is not None and (type(source) is not str or len(source) > MAX_FILE_NAME):
        raise _row_error(
            row, f"'file_upload' must be a file name of at most {MAX_FILE_NAME} characters"
        )
    return NewTask(
        data=dict(data),
        meta=dict(meta),
        annotations=annotations,
        predictions=predictions,
        file_upload=source or None,
    )


def _list(obj: Mapping[str, Any], key: str, row: int) -> list[Any]:
    val = obj.get(key)
    if val is None:
        return []
    if not isinstance(val, list):
        raise _row_error(row, f"'{key}' must be a list, got {_kind(val)}")
    return val


def _annotation_from_import(
    a: Any, where: str, row: int, default_user: UserId | None
) -> NewAnnotation:
    if type(a) is not dict and not isinstance(a, Mapping):
        raise _row_error(row, f"{where} must be an object, got {_kind(a)}")
    result = _result_list(a, where, row)
    completed_by: UserId | None = default_user
    email: str | None = None
    raw = a.get("completed_by")
    if isinstance(raw, Mapping):
        if isinstance(raw.get("email"), str) and raw["email"]:
            completed_by, email = None, raw["email"]
        elif _is_user_id(raw.get("id")):
            completed_by = raw["id"]
        else:
            raise _row_error(row, f"{where}: completed_by needs an 'email' or an 'id'")
    elif _is_user_id(raw):
        completed_by = raw
    elif raw is not None:
        raise _row_error(
            row, f'{where}: completed_by must be a user id or {{"email": ...}}, got {raw!r}'
        )
    import_id = a.get("id")
    if import_id is not None and (not isinstance(import_id, int) or isinstance(import_id, bool)):
        raise _row_error(row, f"{where}: 'id' must be an integer, got {import_id!r}")
    unique_id = a.get("unique_id")
    if unique_id is not None and not isinstance(unique_id, str):
        raise _row_error(row, f"{where}: 'unique_id' must be a string")
    created_at = None
    if a.get("created_at") is not None:
        try:
            created_at = dt_from_json(a["created_at"])
        except ValidationError as exc:
            raise _row_error(row, f"{where}: created_at: {exc.message}") from None
    return NewAnnotation(
        result=result,
        completed_by=completed_by,
        completed_by_email=email,
        was_cancelled=_bool(a, "was_cancelled", where, row),
        ground_truth=_bool(a, "ground_truth", where, row),
        lead_time=_number(a, "lead_time", where, row, 0.0),
        unique_id=unique_id,
        last_action="imported",
        imported=True,
        import_id=import_id,
        created_at=created_at,
    )


def _prediction_from_import(p: Any, where: str, row: int) -> NewPrediction:
    if type(p) is not dict and not isinstance(p, Mapping):
        raise _row_error(row, f"{where} must be an object, got {_kind(p)}")
    result = _result_list(p, where, row)
    score = p.get("score")
    if score is not None:
        score = _number(p, "score", where, row, 0.0)
        if not math.isfinite(score):
            raise _row_error(row, f"{where}: score must be a finite number")
    version = p.get("model_version")
    if version is None:
        version = ""
    elif not isinstance(version, str | int | float) or isinstance(version, bool):
        raise _row_error(row, f"{where}: model_version must be a string")
    return NewPrediction(result=result, score=score, model_version=str(version))


def _result_list(obj: Mapping[str, Any], where: str, row: int) -> list[dict[str, Any]]:
    result = obj.get("result")
    if not isinstance(result, list):
        got = "nothing" if result is None else _kind(result)
        raise _row_error(row, f"{where}: 'result' must be a list, got {got}")
    out = [dict(item) if type(item) is dict else item for item in result]
    for i, item in enumerate(out):
        if type(item) is not dict:
            if not isinstance(item, Mapping):
                raise _row_error(row, f"{where}: result item {i} must be an object")
            out[i] = dict(item)
    return out


def _bool(obj: Mapping[str, Any], key: str, where: str, row: int) -> bool:
    val = obj.get(key)
    if val is None:
        return False
    if not isinstance(val, bool):
        raise _row_error(row, f"{where}: '{key}' must be true or false, got {val!r}")
    return val


def _number(obj: Mapping[str, Any], key: str, where: str, row: int, default: float) -> float:
    val = obj.get(key)
    if val is None:
        return default
    if not isinstance(val, int | float) or isinstance(val, bool):
        raise _row_error(row, f"{where}: '{key}' must be a number, got {val!r}")
    return float(val)


def _row_error(row: int, message: str) -> ValidationError:
    text = f"row {row}: {message}"
    return ValidationError(
        text,
        code="import.invalid_task",
        errors=[{"code": "import.invalid_task", "message": text, "row": row}],
    )
