"""MemoryStore's annotation, draft, prediction, claim, assignment, view, webhook and job rows
(private: use ``labelcore.storage.memory.MemoryStore``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from typing import Any

import attrs

from labelcore.errors import Conflict, NotFound, ValidationError
from labelcore.model import (
    Annotation,
    AnnotationVersion,
    Draft,
    NewAnnotation,
    NewPrediction,
    Prediction,
    ResultList,
    Task,
    UserId,
    utcnow,
)
from labelcore.storage._memory_base import MemoryBase, jcopy, uid_key
from labelcore.storage.base import PredictionScore


def _result(result: ResultList, what: str) -> ResultList:
    if not isinstance(result, list) or not all(isinstance(r, dict) for r in result):
        raise ValidationError(f"{what}: result must be a list of objects", code="result.shape")
    copied: ResultList = jcopy(result, what)
    return copied


class MemoryRows(MemoryBase):
    # -- annotations ------------------------------------------------------------------------
    def _insert_annotation(self, new: NewAnnotation, task: Task) -> Annotation:
        if new.unique_id is not None and any(
            a.unique_id == new.unique_id for a in self._t["annotations"].values()
        ):
            raise Conflict(
                f"annotation unique_id {new.unique_id!r} exists", code="annotation.duplicate"
            )
        now = utcnow()
        ann = Annotation(
            id=self._next_id("annotations"),
            task_id=task.id,
            project_id=task.project_id,
            result=_result(new.result, "annotation"),
            completed_by=new.completed_by,
            was_cancelled=new.was_cancelled,
            ground_truth=new.ground_truth,
            lead_time=float(new.lead_time),
            created_at=new.created_at or now,
            updated_at=now,
            updated_by=new.completed_by,
            version=1,
            unique_id=new.unique_id,
            last_action=new.last_action,
            imported=new.imported,
            import_id=new.import_id,
            parent_prediction=new.parent_prediction,
            parent_annotation=new.parent_annotation,
        )
        self._put("annotations", ann.id, ann)
        self._log_version(ann, new.completed_by, new.last_action)
        return ann

    def _log_version(self, ann: Annotation, user: UserId | None, action: str) -> None:
        entry = AnnotationVersion(
            annotation_id=ann.id,
            version=ann.version,
            result=jcopy(ann.result, "result"),
            was_cancelled=ann.was_cancelled,
            ground_truth=ann.ground_truth,
            user_id=user,
            action=action,
            created_at=ann.updated_at,
        )
        self._put("history", (ann.id, ann.version), entry)

    def _drop_annotation(self, annotation_id: int) -> None:
        for key in [k for k in self._t["history"] if k[0] == annotation_id]:
            self._del("history", key)
        for draft in list(self._t["drafts"].values()):
            if draft.annotation_id == annotation_id:
                self._del("drafts", draft.id)
        self._del("annotations", annotation_id)

    def add_annotation(self, annotation: NewAnnotation, project_id: int) -> Annotation:
        with self.transaction():
            task = self._t["tasks"].get(annotation.task_id)
            if task is None or task.project_id != project_id:
                raise NotFound(
                    f"task {annotation.task_id} is not in project {project_id}",
                    code="task.not_found",
                )
            ann = self._insert_annotation(annotation, task)
            self._recount(task.id)
            return ann

    def get_annotation(self, annotation_id: int) -> Annotation | None:
        with self._lock:
            return self._t["annotations"].get(annotation_id)

    def get_annotation_by_unique_id(self, unique_id: str) -> Annotation | None:
        with self._lock:
            return next(
                (a for a in self._t["annotations"].values() if a.unique_id == unique_id), None
            )

    def list_annotations(
        self,
        *,
        task_id: int | None = None,
        project_id: int | None = None,
        completed_by: UserId | None = None,
        task_ids: Collection[int] | None = None,
        annotation_ids: Collection[int] | None = None,
    ) -> list[Annotation]:
        key = uid_key(completed_by)
        among = None if task_ids is None else set(task_ids)
        with self._lock:
            table = self._t["annotations"]
            rows = table.values() if annotation_ids is None else (
                table[i] for i in set(annotation_ids) if i in table
            )  # fmt: skip
            return sorted(
                (
                    a
                    for a in rows
                    if (task_id is None or a.task_id == task_id)
                    and (among is None or a.task_id in among)
                    and (project_id is None or a.project_id == project_id)
                    and (key is None or uid_key(a.completed_by) == key)
                ),
                key=lambda a: a.id,
            )

    def recent_task_ids(self, project_id: int, completed_by: UserId, limit: int) -> list[int]:
        key = uid_key(completed_by)
        latest: dict[int, tuple[dt.datetime, int]] = {}  # task -> (latest updated_at, highest id)
        with self._lock:
            for a in self._t["annotations"].values():
                if a.project_id != project_id or uid_key(a.completed_by) != key:
                    continue
                at, top = latest.get(a.task_id, (a.updated_at, a.id))
                latest[a.task_id] = (max(at, a.updated_at), max(top, a.id))
        order = sorted(latest, key=lambda t: latest[t])
        return order[-limit:] if limit > 0 else []

    def update_annotation(
        self,
        annotation_id: int,
        *,
        updated_by: UserId | None,
        action: str,
        expected_version: int | None = None,
        result: ResultList | None = None,
        was_cancelled: bool | None = None,
        ground_truth: bool | None = None,
        lead_time: float | None = None,
        completed_by: UserId | None = None,
        last_action: str | None = None,
        unique_id: str | None = None,
    ) -> Annotation:
        with self.transaction():
            ann: Annotation | None = self._t["annotations"].get(annotation_id)
            if ann is None:
                raise NotFound(
                    f"annotation {annotation_id} does not exist", code="annotation.not_found"
                )
            if unique_id is not None and any(
                a.unique_id == unique_id and a.id != annotation_id
                for a in self._t["annotations"].values()
            ):
                raise Conflict(
                    f"annotation unique_id {unique_id!r} exists", code="annotation.duplicate"
                )
            if expected_version is not None and expected_version != ann.version:
                raise Conflict(
                    f"annotation {annotation_id} is at version {ann.version}, "
                    f"not {expected_version}: reload it and apply your change again",
                    code="annotation.version_conflict",
                )
            changes: dict[str, Any] = {
                "version": ann.version + 1,
                "updated_at": utcnow(),
                "updated_by": updated_by,
            }
            if result is not None:
                changes["result"] = _result(result, "annotation")
            for name, value in (
                ("was_cancelled", was_cancelled),
                ("ground_truth", ground_truth),
                ("completed_by", completed_by),
                ("last_action", last_action),
                ("unique_id", unique_id),
            ):
                if value is not None:
                    changes[name] = value
            if lead_time is not None:
                changes["lead_time"] = float(lead_time)
            ann = attrs.evolve(ann, **changes)
            self._put("annotations", annotation_id, ann)
            self._log_version(ann, updated_by, action)
            self._recount(ann.task_id)
            return ann

    def delete_annotations(self, annotation_ids: Collection[int]) -> int:
        with self.transaction():
            tasks = set()
            gone = 0
            for annotation_id in set(annotation_ids):
                ann = self._t["annotations"].get(annotation_id)
                if ann is not None:
                    tasks.add(ann.task_id)
                    self._drop_annotation(annotation_id)
                    gone += 1
            for task_id in tasks:
                self._recount(task_id)
            return gone

    def annotation_history(self, annotation_id: int) -> list[AnnotationVersion]:
        with self._lock:
            rows = [v for k, v in self._t["history"].items() if k[0] == annotation_id]
        return sorted(rows, key=lambda v: v.version)

    def clear_ground_truth(self, task_id: int, except_id: int | None = None) -> None:
        with self.transaction():
            for ann in list(self._t["annotations"].values()):
                if ann.task_id == task_id and ann.id != except_id and ann.ground_truth:
                    self._put("annotations", ann.id, attrs.evolve(ann, ground_truth=False))

    def anonymise_annotations(self, user_id: UserId, replacement: UserId | None) -> int:
        key = uid_key(user_id)
        with self.transaction():
            changed = 0
            for ann in list(self._t["annotations"].values()):
                changes: dict[str, Any] = {}
                if uid_key(ann.completed_by) == key:
                    changes["completed_by"] = replacement
                if uid_key(ann.updated_by) == key:
                    changes["updated_by"] = replacement
                if changes:
                    changed += 1
                    self._put("annotations", ann.id, attrs.evolve(ann, **changes))
            for hkey, entry in list(self._t["history"].items()):
                if uid_key(entry.user_id) == key:
                    self._put("history", hkey, attrs.evolve(entry, user_id=replacement))
            return changed

    # -- drafts -----------------------------------------------------------------------------
    def save_draft(
        self,
        task_id: int,
        user_id: UserId,
        annotation_id: int | None,
        result: ResultList,
        lead_time: float,
        *,
        was_postponed: bool = False,
    ) -> Draft:
        with self.transaction():
            task = self._require_task(task_id)
            if annotation_id is not None:
                ann = self._t["annotations"].get(annotation_id)
                if ann is None or ann.task_id != task_id:
                    raise NotFound(
                        f"annotation {annotation_id} is not on task {task_id}",
                        code="annotation.not_found",
                    )
            key = uid_key(user_id)
            old = next(
                (
                    d
                    for d in self._t["drafts"].values()
                    if d.task_id == task_id
                    and uid_key(d.user_id) == key
                    and d.annotation_id == annotation_id
                ),
                None,
            )
            now = utcnow()
            draft = Draft(
                id=old.id if old else self._next_id("drafts"),
                task_id=task_id,
                project_id=task.project_id,
                user_id=user_id,
                annotation_id=annotation_id,
                result=_result(result, "draft"),
                lead_time=float(lead_time),
                was_postponed=was_postponed,
                created_at=old.created_at if old else now,
                updated_at=now,
            )
            self._put("drafts", draft.id, draft)
            return draft

    def get_draft(self, draft_id: int) -> Draft | None:
        with self._lock:
            return self._t["drafts"].get(draft_id)

    def list_drafts(
        self,
        *,
        task_id: int | None = None,
        user_id: UserId | None = None,
        annotation_id: int | None = None,
        project_id: int | None = None,
        task_ids: Collection[int] | None = None,
    ) -> list[Draft]:
        key = uid_key(user_id)
        among = None if task_ids is None else set(task_ids)
        with self._lock:
            return sorted(
                (
                    d
                    for d in self._t["drafts"].values()
                    if (task_id is None or d.task_id == task_id)
                    and (among is None or d.task_id in among)
                    and (key is None or uid_key(d.user_id) == key)
                    and (annotation_id is None or d.annotation_id == annotation_id)
                    and (project_id is None or d.project_id == project_id)
                ),
                key=lambda d: d.id,
            )

    def delete_drafts(self, draft_ids: Collection[int]) -> int:
        with self.transaction():
            return sum(self._del("drafts", i) for i in set(draft_ids))

    # -- predictions ------------------------------------------------------------------------
    def _insert_prediction(self, new: NewPrediction, task: Task) -> Prediction:
        if new.score is not None and (
            isinstance(new.score, bool) or not isinstance(new.score, int | float)
        ):
            raise ValidationError(
                f"prediction score must be a number, got {new.score!r}", code="prediction.score"
            )
        now = utcnow()
        pred = Prediction(
            id=self._next_id("predictions"),
            task_id=task.id,
            project_id=task.project_id,
            result=_result(new.result, "prediction"),
            score=None if new.score is None else float(new.score),
            model_version=new.model_version,
            created_at=now,
            updated_at=now,
        )
        self._put("predictions", pred.id, pred)
        return pred

    def add_predictions(
        self, predictions: Sequence[NewPrediction], project_id: int
    ) -> list[Prediction]:
        with self.transaction():
            out = []
            for new in predictions:
                task = self._t["tasks"].get(new.task_id)
                if task is None or task.project_id != project_id:
                    raise NotFound(
                        f"task {new.task_id} is not in project {project_id}", code="task.not_found"
                    )
                out.append(self._insert_prediction(new, task))
            for task_id in {p.task_id for p in out}:
                self._recount(task_id)
            return out

    def get_prediction(self, prediction_id: int) -> Prediction | None:
        with self._lock:
            return self._t["predictions"].get(prediction_id)

    def list_predictions(
        self,
        *,
        task_id: int | None = None,
        project_id: int | None = None,
        model_version: str | None = None,
        task_ids: Collection[int] | None = None,
    ) -> list[Prediction]:
        among = None if task_ids is None else set(task_ids)
        with self._lock:
            return sorted(
                (
                    p
                    for p in self._t["predictions"].values()
                    if (task_id is None or p.task_id == task_id)
                    and (among is None or p.task_id in among)
                    and (project_id is None or p.project_id == project_id)
                    and (model_version is None or p.model_version == model_version)
                ),
                key=lambda p: p.id,
            )

    def prediction_scores(
        self, project_id: int, task_ids: Collection[int]
    ) -> list[PredictionScore]:
        among = set(task_ids)
        with self._lock:
            return [
                PredictionScore(task_id=p.task_id, score=p.score, model_version=p.model_version)
                for p in sorted(self._t["predictions"].values(), key=lambda p: p.id)
                if p.task_id in among and p.project_id == project_id
            ]

    def update_prediction(
        self,
        prediction_id: int,
        *,
        result: ResultList | None = None,
        score: float | None = None,
        model_version: str | None = None,
    ) -> Prediction:
        with self.transaction():
            pred: Prediction | None = self._t["predictions"].get(prediction_id)
            if pred is None:
                raise NotFound(f"prediction {prediction_id} not found", code="prediction.not_found")
            changed = attrs.evolve(
                pred,
                result=jcopy(result, "prediction result") if result is not None else pred.result,
                score=pred.score if score is None else score,
                model_version=pred.model_version if model_version is None else model_version,
                updated_at=utcnow(),
            )
            self._put("predictions", prediction_id, changed)
            return changed

    def delete_predictions(self, prediction_ids: Collection[int]) -> int:
        with self.transaction():
            tasks = set()
            gone = 0
            for i in set(prediction_ids):
                pred = self._t["predictions"].get(i)
                if pred is not None:
                    tasks.add(pred.task_id)
                    gone += self._del("predictions", i)
            for task_id in tasks:
                self._recount(task_id)
            return gone

    def tasks_lacking_model_version(
        self, project_id: int, model_version: str, task_ids: Collection[int] | None = None
    ) -> list[int]:
        with self._lock:
            have = {
                p.task_id
                for p in self._t["predictions"].values()
                if p.model_version == model_version
            }
            return sorted(
                t.id
                for t in self._t["tasks"].values()
                if t.project_id == project_id
                and t.id not in have
                and (task_ids is None or t.id in task_ids)
            )
