"""Domain objects out as Label Studio JSON (and a full export task read back)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import cattrs

from labelcore._converter._base import _cattrs_messages, _kind, converter, dt_to_json
from labelcore._jsontext import export_dumps
from labelcore.errors import ValidationError
from labelcore.model import (
    Annotation,
    Draft,
    Prediction,
    Project,
    ProjectCounts,
    ProjectSettings,
    Sampling,
    SkipQueue,
    Task,
)

if TYPE_CHECKING:
    from labelcore.config import LabelConfig
    from labelcore.storage.base import PredictionScore, TaskBundle

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


def parsed_config_to_json(config: LabelConfig) -> dict[str, Any]:
    """Label Studio's ``parsed_label_config``: for each control tag, its ``type``, ``to_name``
    list, ``inputs`` (the object tags it labels: ``type`` and ``value``, the data key, or
    ``valueList``), ``labels`` and ``labels_attrs`` (attribute names as the parser keeps
    them, lowercased), and ``dynamic_labels`` for a control whose labels come from the task.
    SDK clients and ML backends read it."""
    out: dict[str, Any] = {}
    for name, control in config.controls.items():
        inputs: list[dict[str, Any]] = []
        for target in control.to_names:
            obj = config.objects.get(target)
            if obj is None:
                continue
            value = obj.data_key if obj.data_key is not None else obj.value
            inputs.append({"type": obj.tag, "valueList" if obj.value_list else "value": value})
        item: dict[str, Any] = {
            "type": control.tag,
            "to_name": list(control.to_names),
            "inputs": inputs,
            "labels": list(control.labels),
            "labels_attrs": {label: dict(a) for label, a in control.label_attrs.items()},
        }
        if control.dynamic_labels:
            item["dynamic_labels"] = True
        out[name] = item
    return out


def task_columns(
    bundle: TaskBundle,
    *,
    results: bool = True,
    draft_exists: bool | None = None,
    scores: Sequence[PredictionScore] | None = None,
) -> dict[str, Any]:
    """The data-manager fields of Label Studio's task list (``/api/tasks``) for one task,
    from the rows the caller may see: the values the columns "Completed", "Annotated by",
    "Annotation results", "Prediction score"... show. Without ``results`` the two result
    columns are empty strings (Label Studio's value for a column it did not compute);
    ``draft_exists`` defaults to whether the bundle holds a draft; ``scores`` (the task's
    predictions read without their results) stand in for the bundle's predictions in the
    score and model version columns."""
    task, annotations, predictions = bundle.task, bundle.annotations, bundle.predictions
    scored: Sequence[PredictionScore | Prediction] = predictions if scores is None else scores
    anns = [a for a in annotations if not a.was_cancelled]
    latest = max(annotations, key=lambda a: a.updated_at, default=None)
    annotators: list[Any] = []
    for a in annotations:
        if a.completed_by is not None and a.completed_by not in annotators:
            annotators.append(a.completed_by)
    values = [p.score for p in scored if p.score is not None]
    versions = list(dict.fromkeys(p.model_version for p in scored if p.model_version))
    return {
        "is_labeled": task.is_labeled,
        "completed_at": dt_to_json(task.completed_at) if task.is_labeled else None,
        "annotators": annotators,
        "annotations_ids": ", ".join(str(a.id) for a in annotations),
        "annotations_results": export_dumps([a.result for a in anns]) if results and anns else "",
        "predictions_score": sum(values) / len(values) if values else None,
        "predictions_model_versions": ", ".join(versions),
        "predictions_results": (
            export_dumps([p.result for p in predictions]) if results and predictions else ""
        ),
        "avg_lead_time": sum(a.lead_time for a in anns) / len(anns) if anns else None,
        "draft_exists": bool(bundle.drafts) if draft_exists is None else draft_exists,
        "updated_by": None if latest is None else (latest.updated_by or latest.completed_by),
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


def project_to_json(
    project: Project, counts: ProjectCounts | None = None, config: LabelConfig | None = None
) -> dict[str, Any]:
    """Label Studio's project API fields (plus labelcore's own settings under their names);
    with the parsed ``config``, also ``parsed_label_config`` and ``data_types``."""
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
        "num_tasks_with_annotations": c.annotated_count,
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
    if config is not None:
        out["parsed_label_config"] = parsed_config_to_json(config)
        out["data_types"] = dict(config.data_types)
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
