"""Label Studio JSON in and out of the domain types: the one place this mapping happens.

    from labelcore._converter import task_from_import, task_to_json
    new = task_from_import({"data": {"text": "hi"}, "annotations": [{"result": []}]}, row=1)
    exported = task_to_json(task, annotations=anns, predictions=preds)

A private cattrs converter (:func:`make_converter`, never cattrs' global one) carries the
generic hooks (datetimes as Label Studio's ``...Z`` strings, enums by value, frozensets as
lists); the functions below add Label Studio's field names and shapes on top of it.

Conventions the service relies on:

* ``result_from_json`` / ``result_to_json`` round-trip exactly: unknown keys live in
  ``Result.extra``, and a *known* key that was present with ``null`` is kept in ``extra``
  too (so ``{"score": null}`` comes back as ``{"score": null}``, not as a missing key).
* ``task_from_import`` is structural only (no config checks). An imported annotation's
  ``completed_by`` may be a user id (kept as given), a user object with an ``email``
  (kept in ``NewAnnotation.completed_by_email`` with ``completed_by=None``: the service
  resolves it against the user directory), an object with only ``id``, or missing
  (``default_user``). Imported annotations keep ``ground_truth`` if given, else False,
  get ``last_action="imported"``, ``imported=True`` and ``import_id`` from ``id``.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import cattrs

from labelcore.errors import ValidationError
from labelcore.model import (
    Annotation,
    Draft,
    NewAnnotation,
    NewPrediction,
    NewTask,
    Prediction,
    Project,
    ProjectCounts,
    ProjectSettings,
    Result,
    Sampling,
    SkipQueue,
    Task,
    UserId,
)

__all__ = [
    "annotation_to_json",
    "converter",
    "draft_to_json",
    "dt_from_json",
    "dt_to_json",
    "make_converter",
    "prediction_to_json",
    "project_to_json",
    "result_from_json",
    "result_to_json",
    "results_from_json",
    "settings_from_json",
    "task_from_export",
    "task_from_import",
    "task_to_json",
]

# -- datetimes --------------------------------------------------------------------------------


def dt_to_json(value: dt.datetime | None) -> str | None:
    """Label Studio's timestamp form: ISO 8601 in UTC with a ``Z`` (naive means UTC)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    text = value.astimezone(dt.UTC).isoformat()
    return text.removesuffix("+00:00") + "Z"


def dt_from_json(value: str) -> dt.datetime:
    """Parse an ISO 8601 timestamp (``Z`` or an offset; naive means UTC) to aware UTC."""
    if not isinstance(value, str):
        raise ValidationError(f"expected an ISO 8601 timestamp string, got {value!r}")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError(f"not an ISO 8601 timestamp: {value!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


# -- the converter ----------------------------------------------------------------------------


def make_converter() -> cattrs.Converter:
    """A fresh converter with labelcore's hooks (datetimes, enums, frozensets, Result)."""
    conv = cattrs.Converter()
    conv.register_unstructure_hook(dt.datetime, dt_to_json)
    conv.register_structure_hook(dt.datetime, lambda v, _t: dt_from_json(v))
    conv.register_unstructure_hook(frozenset, lambda v: sorted(v, key=str))
    conv.register_unstructure_hook(enum.Enum, lambda v: v.value)
    for prim in (bool, int, float, str):
        conv.register_structure_hook(prim, _strict(prim))
    conv.register_structure_hook(UserId, _structure_user_id)
    conv.register_structure_hook(UserId | None, _structure_user_id)
    conv.register_unstructure_hook(Result, result_to_json)
    conv.register_structure_hook(Result, lambda v, _t: result_from_json(v))
    return conv


def _structure_user_id(val: Any, _t: Any) -> UserId | None:
    if val is None or _is_user_id(val):
        return val  # type: ignore[no-any-return]
    raise ValueError(f"expected a user id (string or integer), got {val!r}")


def _strict(t: type) -> Any:
    """cattrs' default would turn "false" into True and "3" into 3: refuse instead."""

    def hook(val: Any, target: Any) -> Any:
        if isinstance(target, type) and issubclass(target, enum.Enum):
            # StrEnum subclasses str, so this hook also receives them
            try:
                return target(val)
            except ValueError:
                allowed = ", ".join(repr(m.value) for m in target)
                raise ValueError(f"expected one of {allowed}, got {val!r}") from None
        ok = isinstance(val, t) and (t is bool or not isinstance(val, bool))
        if t is float and isinstance(val, int) and not isinstance(val, bool):
            return float(val)
        if not ok:
            raise ValueError(f"expected {_json_type(t)}, got {val!r}")
        return val

    return hook


# -- results ----------------------------------------------------------------------------------

# JSON key -> (Result attribute, accepted JSON types)
_NUM = (int, float)
_RESULT_FIELDS: dict[str, tuple[str, tuple[type, ...]]] = {
    "id": ("id", (str,)),
    "type": ("type", (str,)),
    "from_name": ("from_name", (str,)),
    "to_name": ("to_name", (str,)),
    "value": ("value", (dict,)),
    "origin": ("origin", (str,)),
    "score": ("score", _NUM),
    "readonly": ("readonly", (bool,)),
    "parentID": ("parent_id", (str,)),
    "item_index": ("item_index", (int,)),
    "original_width": ("original_width", _NUM),
    "original_height": ("original_height", _NUM),
    "image_rotation": ("image_rotation", _NUM),
    "original_length": ("original_length", _NUM),
    "from_id": ("from_id", (str,)),
    "to_id": ("to_id", (str,)),
    "direction": ("direction", (str,)),
    "labels": ("labels", (list,)),
    "meta": ("meta", (dict,)),
}


def result_from_json(d: Mapping[str, Any]) -> Result:
    """The typed view of one result item; raises ValidationError for a wrongly typed field."""
    if not isinstance(d, Mapping):
        raise ValidationError(f"a result item must be an object, got {type(d).__name__}")
    kwargs: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for key, val in d.items():
        spec = _RESULT_FIELDS.get(key)
        if spec is None or val is None:
            extra[key] = val
            continue
        attr, types = spec
        bad_bool = isinstance(val, bool) and bool not in types
        if not isinstance(val, types) or bad_bool:
            names = " or ".join(_json_type(t) for t in types)
            raise ValidationError(
                f"result field {key!r} must be {names}, got {val!r}",
                code="result.invalid",
                errors=[{"code": "result.invalid", "message": f"{key} must be {names}"}],
            )
        kwargs[attr] = val
    if "type" not in kwargs:
        raise ValidationError(
            "a result item needs a string 'type'",
            code="result.invalid",
            errors=[{"code": "result.invalid", "message": "type is required"}],
        )
    return Result(extra=extra, **kwargs)


def result_to_json(r: Result) -> dict[str, Any]:
    """Label Studio's JSON for one result item; the exact inverse of result_from_json."""
    out: dict[str, Any] = {}
    for key, (attr, _types) in _RESULT_FIELDS.items():
        val = getattr(r, attr)
        if val is not None:
            out[key] = val
    for key, val in r.extra.items():
        out.setdefault(key, val)
    return out


def results_from_json(items: Iterable[Mapping[str, Any]]) -> list[Result]:
    """Typed views of a result list; a bad item is named by its index."""
    out = []
    for i, item in enumerate(items):
        try:
            out.append(result_from_json(item))
        except ValidationError as exc:
            raise ValidationError(
                f"result item {i}: {exc.message}", code=exc.code, errors=exc.errors
            ) from None
    return out


def _json_type(t: type) -> str:
    return {
        str: "a string",
        int: "an integer",
        float: "a number",
        bool: "a boolean",
        dict: "an object",
        list: "a list",
    }.get(t, t.__name__)


converter = make_converter()

# -- annotations, predictions, drafts, tasks (out) --------------------------------------------


def annotation_to_json(a: Annotation) -> dict[str, Any]:
    """Label Studio's annotation JSON (the shape its export and API use), plus ``version``."""
    return {
        "id": a.id,
        "completed_by": a.completed_by,
        "result": a.result,
        "was_cancelled": a.was_cancelled,
        "ground_truth": a.ground_truth,
        "created_at": dt_to_json(a.created_at),
        "updated_at": dt_to_json(a.updated_at),
        "draft_created_at": None,
        "lead_time": a.lead_time,
        "prediction": {},
        "result_count": len(a.result),
        "unique_id": a.unique_id,
        "import_id": a.import_id,
        "last_action": a.last_action,
        "bulk_created": False,
        "task": a.task_id,
        "project": a.project_id,
        "updated_by": a.updated_by,
        "parent_prediction": a.parent_prediction,
        "parent_annotation": a.parent_annotation,
        "last_created_by": None,
        "version": a.version,
    }


def prediction_to_json(p: Prediction) -> dict[str, Any]:
    """Label Studio's prediction JSON."""
    return {
        "id": p.id,
        "result": p.result,
        "model_version": p.model_version,
        "score": p.score,
        "cluster": None,
        "neighbors": None,
        "mislabeling": 0.0,
        "created_at": dt_to_json(p.created_at),
        "updated_at": dt_to_json(p.updated_at),
        "model": None,
        "model_run": None,
        "task": p.task_id,
        "project": p.project_id,
    }


def draft_to_json(d: Draft) -> dict[str, Any]:
    """Label Studio's draft JSON (``annotation`` is None for a draft of a new annotation)."""
    return {
        "id": d.id,
        "user": d.user_id,
        "result": d.result,
        "lead_time": d.lead_time,
        "was_postponed": d.was_postponed,
        "import_id": None,
        "created_at": dt_to_json(d.created_at),
        "updated_at": dt_to_json(d.updated_at),
        "task": d.task_id,
        "annotation": d.annotation_id,
        "project": d.project_id,
    }


def task_to_json(
    task: Task,
    annotations: Sequence[Annotation] | None = None,
    predictions: Sequence[Prediction] | None = None,
    drafts: Sequence[Draft] | None = None,
) -> dict[str, Any]:
    """One task in Label Studio's full JSON export shape.

    ``updated_by`` is the user of the most recently updated annotation (Label Studio keeps
    it on the task); labelcore has no comments, so the comment fields are empty.
    """
    anns = list(annotations or ())
    latest = max(anns, key=lambda a: a.updated_at, default=None)
    return {
        "id": task.id,
        "annotations": [annotation_to_json(a) for a in anns],
        "file_upload": task.file_upload,
        "drafts": [draft_to_json(d) for d in drafts or ()],
        "predictions": [prediction_to_json(p) for p in predictions or ()],
        "data": task.data,
        "meta": task.meta,
        "created_at": dt_to_json(task.created_at),
        "updated_at": dt_to_json(task.updated_at),
        "inner_id": task.inner_id,
        "total_annotations": task.total_annotations,
        "cancelled_annotations": task.cancelled_annotations,
        "total_predictions": task.total_predictions,
        "comment_count": 0,
        "unresolved_comment_count": 0,
        "last_comment_updated_at": None,
        "project": task.project_id,
        "updated_by": None if latest is None else (latest.updated_by or latest.completed_by),
        "comment_authors": [],
    }


def task_from_export(
    obj: Mapping[str, Any],
) -> tuple[Task, list[Annotation], list[Prediction], list[Draft]]:
    """Read back one task of a full JSON export (the inverse of :func:`task_to_json` for the
    fields labelcore models). Raises ValidationError naming the field that does not fit."""
    if not isinstance(obj, Mapping):
        raise ValidationError(f"an exported task must be an object, got {_kind(obj)}")
    try:
        task_id = obj["id"]
        project_id = obj.get("project") or 0
        task = converter.structure(
            {
                "id": task_id,
                "project_id": project_id,
                "inner_id": obj.get("inner_id") or task_id,
                "data": obj["data"],
                "meta": obj.get("meta") or {},
                "total_annotations": obj.get("total_annotations", 0),
                "cancelled_annotations": obj.get("cancelled_annotations", 0),
                "total_predictions": obj.get("total_predictions", 0),
                "created_at": obj["created_at"],
                "updated_at": obj["updated_at"],
                "file_upload": obj.get("file_upload"),
            },
            Task,
        )
        anns = [
            converter.structure(
                {
                    "id": a["id"],
                    "task_id": a.get("task") or task_id,
                    "project_id": a.get("project") or project_id,
                    "result": a["result"],
                    "completed_by": _user_ref(a.get("completed_by")),
                    "was_cancelled": a.get("was_cancelled", False),
                    "ground_truth": a.get("ground_truth", False),
                    "lead_time": a.get("lead_time") or 0.0,
                    "created_at": a["created_at"],
                    "updated_at": a["updated_at"],
                    "updated_by": _user_ref(a.get("updated_by")),
                    "version": a.get("version", 1),
                    "unique_id": a.get("unique_id"),
                    "last_action": a.get("last_action"),
                    "import_id": a.get("import_id"),
                    "parent_prediction": a.get("parent_prediction"),
                    "parent_annotation": a.get("parent_annotation"),
                },
                Annotation,
            )
            for a in obj.get("annotations") or ()
        ]
        preds = [
            converter.structure(
                {
                    "id": p["id"],
                    "task_id": p.get("task") or task_id,
                    "project_id": p.get("project") or project_id,
                    "result": p["result"],
                    "score": p.get("score"),
                    "model_version": p.get("model_version") or "",
                    "created_at": p["created_at"],
                    "updated_at": p["updated_at"],
                },
                Prediction,
            )
            for p in obj.get("predictions") or ()
        ]
        drafts = [
            converter.structure(
                {
                    "id": d["id"],
                    "task_id": d.get("task") or task_id,
                    "project_id": d.get("project") or project_id,
                    "user_id": _user_ref(d.get("user")),
                    "annotation_id": d.get("annotation"),
                    "result": d["result"],
                    "lead_time": d.get("lead_time") or 0.0,
                    "was_postponed": d.get("was_postponed", False),
                    "created_at": d["created_at"],
                    "updated_at": d["updated_at"],
                },
                Draft,
            )
            for d in obj.get("drafts") or ()
        ]
    except KeyError as exc:
        raise ValidationError(f"exported task is missing {exc.args[0]!r}") from None
    except (cattrs.BaseValidationError, ValueError, TypeError) as exc:
        msg = "; ".join(_cattrs_messages(exc))
        raise ValidationError(f"exported task {obj.get('id')!r}: {msg}") from None
    return task, anns, preds, drafts


def _user_ref(val: Any) -> Any:
    """Exports write users as ids, or as objects when not exported "only_id"."""
    if isinstance(val, Mapping):
        return val.get("id")
    return val


# -- projects ---------------------------------------------------------------------------------

_SAMPLING_LS = {
    Sampling.SEQUENTIAL: "Sequential sampling",
    Sampling.UNIFORM: "Uniform sampling",
    Sampling.UNCERTAINTY: "Uncertainty sampling",
}
_SKIP_LS = {
    SkipQueue.REQUEUE_FOR_ME: "REQUEUE_FOR_ME",
    SkipQueue.REQUEUE_FOR_OTHERS: "REQUEUE_FOR_OTHERS",
    SkipQueue.IGNORE_SKIPPED: "IGNORE_SKIPPED",
}
# Label Studio project field -> ProjectSettings attribute, where the names differ
_SETTINGS_LS_NAMES = {
    "expert_instruction": "instructions",
    "show_instruction": "show_instructions",
    "show_collab_predictions": "reveal_predictions",
}


def project_to_json(project: Project, counts: ProjectCounts | None = None) -> dict[str, Any]:
    """Label Studio's project API fields (plus labelcore's own settings under their names)."""
    s = project.settings
    c = counts or ProjectCounts()
    out: dict[str, Any] = {
        "id": project.id,
        "title": s.title,
        "description": s.description,
        "label_config": s.label_config,
        "expert_instruction": s.instructions,
        "show_instruction": s.show_instructions,
        "show_skip_button": s.show_skip_button,
        "enable_empty_annotation": s.enable_empty_annotation,
        "color": s.color,
        "maximum_annotations": s.maximum_annotations,
        "overlap_cohort_percentage": s.overlap_cohort_percentage,
        "model_version": s.model_version,
        "created_by": project.created_by,
        "created_at": dt_to_json(project.created_at),
        "updated_at": dt_to_json(project.updated_at),
        "min_annotations_to_start_training": s.min_annotations_to_start_training,
        "show_collab_predictions": s.reveal_predictions,
        "sampling": _SAMPLING_LS[s.sampling],
        "skip_queue": _SKIP_LS[s.skip_queue],
        "show_overlap_first": s.show_overlap_first,
        "task_number": c.task_count,
        "finished_task_number": c.labeled_count,
        "total_annotations_number": c.annotation_count,
        "skipped_annotations_number": c.skipped_count,
        "total_predictions_number": c.prediction_count,
        "num_tasks_with_annotations": c.labeled_count,
        "is_published": True,
        "is_draft": False,
        # labelcore's own settings, under their own names
        "lock_ttl_seconds": s.lock_ttl_seconds,
        "assignment_mode": s.assignment_mode.value,
        "predict_on_import": s.predict_on_import,
        "review_required": s.review_required,
        "reviews_per_annotation": s.reviews_per_annotation,
        "requeue_rejected_to_annotator": s.requeue_rejected_to_annotator,
    }
    return out


def settings_from_json(
    d: Mapping[str, Any], base: ProjectSettings | None = None
) -> ProjectSettings:
    """Project settings from Label Studio project JSON (unknown keys ignored); fields not
    given keep ``base``'s values. Raises ValidationError naming the field for a bad value."""
    if not isinstance(d, Mapping):
        raise ValidationError("project settings must be a JSON object")
    current: dict[str, Any] = converter.unstructure(base or ProjectSettings())
    fields = set(current)
    for key, val in d.items():
        attr = _SETTINGS_LS_NAMES.get(key, key)
        if attr not in fields:
            continue
        if attr == "sampling" and isinstance(val, str):
            val = {v.lower(): k.value for k, v in _SAMPLING_LS.items()}.get(val.lower(), val)
        if attr == "skip_queue" and isinstance(val, str):
            val = val.lower()
        current[attr] = val
    try:
        return converter.structure(current, ProjectSettings)
    except Exception as exc:  # cattrs wraps per-field errors in an exception group
        problems = _cattrs_messages(exc)
        raise ValidationError(
            "invalid project settings: " + "; ".join(problems),
            code="project.invalid",
            errors=[{"code": "project.invalid", "message": p} for p in problems],
        ) from None


def _cattrs_messages(exc: BaseException) -> list[str]:
    if isinstance(exc, cattrs.ClassValidationError):
        with_notes, without = exc.group_exceptions()
        msgs = [f"{note.name}: {sub}" for sub, note in with_notes]
        msgs += [str(sub) for sub in without]
        return msgs or [str(exc)]
    return [str(exc)]


# -- import (in) ------------------------------------------------------------------------------


def task_from_import(obj: Any, *, row: int, default_user: UserId | None = None) -> NewTask:
    """A Label Studio import item as a NewTask (structure only, no config checks).

    An item without ``"data"`` is wrapped whole as the task data, as Label Studio does.
    ``row`` is the 1-based item number (or file line) used in error messages.
    """
    if not isinstance(obj, Mapping):
        raise _row_error(row, f"a task must be a JSON object, got {_kind(obj)}")
    if "data" not in obj:
        return NewTask(data=dict(obj))
    data = obj["data"]
    if not isinstance(data, Mapping):
        raise _row_error(row, f"'data' must be an object, got {_kind(data)}")
    meta = obj.get("meta")
    if meta is None:
        meta = {}
    elif not isinstance(meta, Mapping):
        raise _row_error(row, f"'meta' must be an object, got {_kind(meta)}")
    annotations = tuple(
        _annotation_from_import(a, f"annotation {i}", row, default_user)
        for i, a in enumerate(_list(obj, "annotations", row))
    )
    predictions = tuple(
        _prediction_from_import(p, f"prediction {i}", row)
        for i, p in enumerate(_list(obj, "predictions", row))
    )
    return NewTask(
        data=dict(data), meta=dict(meta), annotations=annotations, predictions=predictions
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
    if not isinstance(a, Mapping):
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
    if not isinstance(p, Mapping):
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
    for i, item in enumerate(result):
        if not isinstance(item, Mapping):
            raise _row_error(row, f"{where}: result item {i} must be an object")
    return [dict(item) for item in result]


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


def _is_user_id(val: Any) -> bool:
    return (isinstance(val, int) and not isinstance(val, bool)) or (
        isinstance(val, str) and val != ""
    )


def _kind(val: Any) -> str:
    names = {
        dict: "an object",
        list: "a list",
        str: "a string",
        bool: "a boolean",
        int: "a number",
        float: "a number",
        type(None): "null",
    }
    return names.get(type(val), type(val).__name__)


def _row_error(row: int, message: str) -> ValidationError:
    text = f"row {row}: {message}"
    return ValidationError(
        text,
        code="import.invalid_task",
        errors=[{"code": "import.invalid_task", "message": text, "row": row}],
    )
