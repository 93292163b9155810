"""MemoryStore: the whole Store protocol in process memory, for tests and prototypes.

    from labelcore.storage.memory import MemoryStore
    store = MemoryStore()
    pid = store.add_project(ProjectSettings(title="Demo"), created_by=1).id

Thread-safe (one re-entrant lock; a ``transaction()`` block holds it until it ends, so
blocks are serializable). Every write goes through an undo log, so an exception leaving the
outermost transaction restores every row it touched. JSON given to the store is copied in
and out (a caller mutating a returned dict cannot change stored rows), and must be valid
JSON as it would have to be for a database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Iterator, Sequence
from typing import Any

import attrs

from labelcore.errors import Conflict, NotFound, ValidationError
from labelcore.model import (
    ApiToken,
    DirectoryUser,
    Member,
    NewTask,
    Project,
    ProjectCounts,
    ProjectSettings,
    Task,
    User,
    UserId,
    organization_key,
    utcnow,
)
from labelcore.query import PageRequest, TaskQuery, check_page, validate_query
from labelcore.storage import evaluate
from labelcore.storage._memory_base import jcopy, uid_key
from labelcore.storage._memory_ml import MemoryML
from labelcore.storage._memory_queue import MemoryQueue
from labelcore.storage._memory_reviews import MemoryReviews
from labelcore.storage._memory_stats import MemoryStats
from labelcore.storage._memory_uploads import MemoryUploads
from labelcore.storage.base import (
    MAX_DATA_COLUMN,
    CandidateSpec,
    QualityOfNew,
    TaskBundle,
    TaskPage,
    TaskQuality,
)

__all__ = ["MemoryStore"]


class MemoryStore(MemoryML, MemoryQueue, MemoryReviews, MemoryStats, MemoryUploads):
    """A complete in-memory Store (see ``labelcore.storage.base`` for the guarantees)."""

    # -- users, members, tokens -------------------------------------------------------------
    def upsert_user(self, user: User, seen_at: dt.datetime) -> None:
        with self.transaction():
            row = DirectoryUser(
                id=user.id,
                name=user.name,
                email=user.email,
                roles=user.roles,
                last_seen=seen_at,
                organization=organization_key(user.organization),
            )
            self._put("users", uid_key(user.id), row)

    def get_users(self, ids: Collection[UserId]) -> dict[UserId, DirectoryUser]:
        with self._lock:
            rows = self._t["users"]
            return {i: rows[uid_key(i)] for i in ids if uid_key(i) in rows}

    def find_user_by_email(self, email: str) -> DirectoryUser | None:
        wanted = email.strip().casefold()
        if not wanted:
            return None
        with self._lock:
            for row in self._t["users"].values():
                if row.email.strip().casefold() == wanted:
                    return row  # type: ignore[no-any-return]
        return None

    def set_members(self, project_id: int, members: Sequence[Member]) -> None:
        with self.transaction():
            self._require_project(project_id)
            rows = tuple(attrs.evolve(m, project_id=project_id) for m in members)
            self._put("members", project_id, rows)

    def list_members(self, project_id: int) -> list[Member]:
        with self._lock:
            return list(self._t["members"].get(project_id, ()))

    def members_of(self, project_ids: Collection[int]) -> dict[int, list[Member]]:
        with self._lock:
            members = self._t["members"]
            return {pid: list(members[pid]) for pid in project_ids if members.get(pid)}

    def projects_with_member(self, user_id: UserId) -> set[int]:
        key = uid_key(user_id)
        with self._lock:
            return {
                pid
                for pid, rows in self._t["members"].items()
                if any(uid_key(m.user_id) == key for m in rows)
            }

    def add_token(self, user_id: UserId, name: str, token_hash: str, prefix: str) -> ApiToken:
        with self.transaction():
            if any(t.token_hash == token_hash for t in self._t["tokens"].values()):
                raise Conflict("a token with this hash exists", code="token.duplicate")
            token = ApiToken(
                id=self._next_id("tokens"),
                user_id=user_id,
                name=name,
                token_hash=token_hash,
                prefix=prefix,
            )
            self._put("tokens", token.id, token)
            return token

    def find_token(self, token_hash: str) -> ApiToken | None:
        with self._lock:
            return next((t for t in self._t["tokens"].values() if t.token_hash == token_hash), None)

    def list_tokens(self, user_id: UserId) -> list[ApiToken]:
        key = uid_key(user_id)
        with self._lock:
            return sorted(
                (t for t in self._t["tokens"].values() if uid_key(t.user_id) == key),
                key=lambda t: t.id,
            )

    def revoke_token(self, token_id: int) -> bool:
        with self.transaction():
            token = self._t["tokens"].get(token_id)
            if token is None:
                return False
            self._put("tokens", token_id, attrs.evolve(token, revoked=True))
            return True

    def touch_token(self, token_id: int, at: dt.datetime) -> None:
        with self.transaction():
            token = self._t["tokens"].get(token_id)
            if token is not None:
                self._put("tokens", token_id, attrs.evolve(token, last_used_at=at))

    # -- projects ---------------------------------------------------------------------------
    def add_project(
        self, settings: ProjectSettings, created_by: UserId | None, organization: str | None = None
    ) -> Project:
        with self.transaction():
            project = Project(
                id=self._next_id("projects"),
                settings=settings,
                created_by=created_by,
                organization=organization,
            )
            self._put("projects", project.id, project)
            self._put("inner", project.id, 0)
            return project

    def get_project(self, project_id: int) -> Project | None:
        with self._lock:
            return self._t["projects"].get(project_id)

    def list_projects(
        self,
        ids: Collection[int] | None = None,
        *,
        organizations: Collection[str | None] | None = None,
    ) -> list[Project]:
        with self._lock:
            rows = [
                p
                for p in self._t["projects"].values()
                if (ids is None or p.id in ids)
                and (organizations is None or p.organization in organizations)
            ]
        return sorted(rows, key=lambda p: (p.created_at, p.id), reverse=True)

    def update_project(self, project_id: int, settings: ProjectSettings) -> Project:
        with self.transaction():
            project = attrs.evolve(
                self._require_project(project_id), settings=settings, updated_at=utcnow()
            )
            self._put("projects", project_id, project)
            return project

    def add_data_columns(self, project_id: int, keys: Collection[str]) -> None:
        with self.transaction():
            known: frozenset[str] = self._t["data_columns"].get(project_id, frozenset())
            new = {k for k in keys if len(k) <= MAX_DATA_COLUMN} - known
            if new and project_id in self._t["projects"]:
                self._put("data_columns", project_id, known | new)

    def data_columns(self, project_id: int) -> list[str]:
        with self._lock:
            return sorted(self._t["data_columns"].get(project_id, ()))

    def delete_project(self, project_id: int) -> int:
        with self.transaction():
            if project_id not in self._t["projects"]:
                return 0
            self.delete_tasks(project_id)
            for table in ("members", "inner", "projects", "data_columns"):
                self._del(table, project_id)
            for table in ("views", "webhooks", "ml_backends", "jobs", "file_uploads"):
                for row in list(self._t[table].values()):
                    if row.project_id == project_id:
                        self._del(table, row.id)
                        if table == "file_uploads":
                            self._del("upload_content", row.id)
            return 1

    def project_counts(self, project_ids: Collection[int]) -> dict[int, ProjectCounts]:
        with self._lock:
            out = {pid: ProjectCounts() for pid in project_ids if pid in self._t["projects"]}
            for task in self._t["tasks"].values():
                counts = out.get(task.project_id)
                if counts is not None:
                    out[task.project_id] = ProjectCounts(
                        task_count=counts.task_count + 1,
                        labeled_count=counts.labeled_count + int(task.is_labeled),
                        annotation_count=counts.annotation_count + task.total_annotations,
                        skipped_count=counts.skipped_count + task.cancelled_annotations,
                        prediction_count=counts.prediction_count + task.total_predictions,
                        annotated_count=counts.annotated_count + int(task.total_annotations > 0),
                    )
            return out

    # -- tasks ------------------------------------------------------------------------------
    def add_tasks(self, project_id: int, tasks: Iterable[NewTask]) -> list[int]:
        return self._add_tasks(project_id, tasks, None)

    def add_tasks_with_quality(
        self, project_id: int, tasks: Iterable[NewTask], quality: QualityOfNew
    ) -> list[int]:
        return self._add_tasks(project_id, tasks, quality)

    def _add_tasks(
        self, project_id: int, tasks: Iterable[NewTask], quality: QualityOfNew | None
    ) -> list[int]:
        with self.transaction():
            self._require_project(project_id)
            if quality is not None:
                self._quality()  # the table exists before a row is put in it
            ids: list[int] = []
            now = utcnow()
            for row, new in enumerate(tasks):
                if not isinstance(new, NewTask) or not isinstance(new.data, dict):
                    raise ValidationError(
                        f"row {row}: task data must be an object", code="task.data"
                    )
                if (
                    isinstance(new.overlap, bool)
                    or not isinstance(new.overlap, int)
                    or new.overlap < 1
                ):
                    raise ValidationError(f"row {row}: overlap must be >= 1", code="task.overlap")
                inner = self._t["inner"][project_id] + 1
                self._put("inner", project_id, inner)
                task = Task(
                    id=self._next_id("tasks"),
                    project_id=project_id,
                    inner_id=inner,
                    data=jcopy(new.data, f"row {row}: data"),
                    meta=jcopy(new.meta, f"row {row}: meta"),
                    overlap=new.overlap,
                    created_at=now,
                    updated_at=now,
                    file_upload=new.file_upload,
                    data_hash=new.data_hash,
                )
                self._put("tasks", task.id, task)
                anns = [
                    self._insert_annotation(attrs.evolve(ann, task_id=task.id), task)
                    for ann in new.annotations
                ]
                if quality is not None and anns:
                    q = quality(anns)
                    states = dict(zip((a.id for a in anns), q.annotation_states, strict=True))
                    self._put(
                        "quality",
                        task.id,
                        TaskQuality(
                            task_id=task.id,
                            state=q.state,
                            agreement=q.agreement,
                            annotation_states=states,
                        ),
                    )
                for pred in new.predictions:
                    self._insert_prediction(attrs.evolve(pred, task_id=task.id), task)
                self._recount(task.id)
                ids.append(task.id)
            return ids

    def get_task(self, task_id: int) -> Task | None:
        with self._lock:
            task = self._t["tasks"].get(task_id)
            return None if task is None else self._out(task)

    @staticmethod
    def _out(task: Task) -> Task:
        return attrs.evolve(task, data=jcopy(task.data, "data"), meta=jcopy(task.meta, "meta"))

    def get_tasks(self, task_ids: Collection[int]) -> list[Task]:
        with self._lock:
            rows = self._t["tasks"]
            return [self._out(rows[i]) for i in sorted(set(task_ids)) if i in rows]

    def update_task(
        self,
        task_id: int,
        *,
        data: dict[str, Any] | None = None,
        meta: dict[str, Any] | None = None,
    ) -> Task:
        with self.transaction():
            task = self._require_task(task_id)
            changes: dict[str, Any] = {"updated_at": utcnow()}
            if data is not None:
                if not isinstance(data, dict):
                    raise ValidationError("task data must be an object", code="task.data")
                changes["data"] = jcopy(data, "data")
            if meta is not None:
                changes["meta"] = jcopy(meta, "meta")
            self._put("tasks", task_id, attrs.evolve(task, **changes))
            return self._out(self._t["tasks"][task_id])

    def delete_tasks(self, project_id: int, task_ids: Collection[int] | None = None) -> int:
        with self.transaction():
            wanted = None if task_ids is None else set(task_ids)
            doomed = [
                t.id
                for t in self._t["tasks"].values()
                if t.project_id == project_id and (wanted is None or t.id in wanted)
            ]
            gone = set(doomed)
            for ann in list(self._t["annotations"].values()):
                if ann.task_id in gone:
                    self._drop_annotation(ann.id)
            for table in ("drafts", "predictions"):
                for row in list(self._t[table].values()):
                    if row.task_id in gone:
                        self._del(table, row.id)
            for table in ("claims", "assignments"):
                for key in [k for k in self._t[table] if k[0] in gone]:
                    self._del(table, key)
            for task_id in doomed:
                self._del("tasks", task_id)
            return len(doomed)

    def find_tasks_by_hash(self, project_id: int, hashes: Collection[str]) -> dict[str, int]:
        wanted = set(hashes)
        out: dict[str, int] = {}
        with self._lock:
            for task in self._t["tasks"].values():
                if task.project_id == project_id and task.data_hash in wanted:
                    out.setdefault(task.data_hash, task.id)
        return out

    def set_task_overlap(self, project_id: int, overlaps: dict[int, int]) -> None:
        with self.transaction():
            for task_id, overlap in overlaps.items():
                task = self._t["tasks"].get(task_id)
                if task is None or task.project_id != project_id:
                    raise NotFound(
                        f"task {task_id} is not in project {project_id}", code="task.not_found"
                    )
                if isinstance(overlap, bool) or not isinstance(overlap, int) or overlap < 1:
                    raise ValidationError(
                        f"task {task_id}: overlap must be >= 1", code="task.overlap"
                    )
                self._put("tasks", task_id, attrs.evolve(task, overlap=overlap))
                self._recount(task_id)

    def recount_tasks(self, project_id: int, task_ids: Collection[int] | None = None) -> None:
        with self.transaction():
            for task in list(self._t["tasks"].values()):
                if task.project_id == project_id and (task_ids is None or task.id in task_ids):
                    self._recount(task.id)

    # -- queries ----------------------------------------------------------------------------
    def _getter(self, task: Task) -> evaluate.Getter:
        def get(column: str) -> Any:
            if column.startswith("data."):
                value: Any = task.data
                for part in column.split(".")[1:]:
                    if not isinstance(value, dict) or part not in value:
                        return None
                    value = value[part]
                return value
            if hasattr(task, column) and column != "data":
                return getattr(task, column)
            anns = [a for a in self._t["annotations"].values() if a.task_id == task.id]
            preds = [p for p in self._t["predictions"].values() if p.task_id == task.id]
            if column == "annotators":
                return list(
                    {
                        uid_key(a.completed_by): a.completed_by
                        for a in anns
                        if a.completed_by is not None
                    }.values()
                )
            if column == "annotations_ids":
                return [a.id for a in anns]
            if column == "annotations_results":
                return "\n".join(evaluate.as_text(a.result) or "" for a in anns) if anns else None
            if column == "predictions_results":
                return "\n".join(evaluate.as_text(p.result) or "" for p in preds) if preds else None
            if column == "predictions_model_versions":
                return list(dict.fromkeys(p.model_version for p in preds))
            if column == "predictions_score":
                scores = [p.score for p in preds if p.score is not None]
                return sum(scores) / len(scores) if scores else None
            if column == "avg_lead_time":
                return sum(a.lead_time for a in anns) / len(anns) if anns else None
            if column == "draft_exists":
                return any(d.task_id == task.id for d in self._t["drafts"].values())
            if column in ("review_state", "agreement", "annotation_states"):
                return self._quality_column(task, column)
            if column in ("reviews_accepted", "reviews_rejected"):
                want = column == "reviews_accepted"
                return sum(
                    1
                    for r in self._t.get("reviews", {}).values()
                    if r.task_id == task.id
                    and r.accepted == want
                    and r.annotation_id in self._t["annotations"]
                )
            raise AssertionError(f"unhandled column {column}")

        return get

    def _select(
        self, project_id: int, query: TaskQuery
    ) -> list[tuple[Task, tuple[list[Any], int]]]:
        query = validate_query(query)
        sel = query.selection
        rows = []
        for task in self._t["tasks"].values():
            if task.project_id != project_id:
                continue
            if sel is not None and (
                (task.id in sel.excluded) if sel.all else (task.id not in sel.included)
            ):
                continue
            get = self._getter(task)
            if evaluate.matches(query.filters, get):
                key = (
                    [evaluate.order_value(o.column, get(o.column)) for o in query.ordering],
                    task.id,
                )
                rows.append((task, key))
        return evaluate.sort_rows(rows, query.ordering, key_of=lambda r: r[1])

    def query_tasks(
        self, project_id: int, query: TaskQuery, page: PageRequest, *, sums: bool = False
    ) -> TaskPage:
        check_page(page)
        with self._lock:
            rows = self._select(project_id, query)
        totals = (
            (sum(t.total_annotations for t, _ in rows), sum(t.total_predictions for t, _ in rows))
            if sums
            else None
        )
        if page.cursor is not None:
            after = evaluate.decode_cursor(page.cursor, validate_query(query).ordering)
            chunk = [r for r in rows if evaluate.after_cursor(r[1], after, query.ordering)]
            chunk = chunk[: page.page_size + 1]
        else:
            start = (page.page - 1) * page.page_size
            chunk = rows[start : start + page.page_size + 1]
        more = len(chunk) > page.page_size
        chunk = chunk[: page.page_size]
        cursor = None
        if more and chunk:
            values, last_id = chunk[-1][1]
            cursor = evaluate.encode_cursor(values, last_id, query.ordering)
        return TaskPage(
            tasks=[self._out(t) for t, _ in chunk],
            total=len(rows),
            next_cursor=cursor,
            sums=totals,
        )

    def task_totals(self, project_id: int, query: TaskQuery) -> tuple[int, int]:
        with self._lock:
            rows = self._select(project_id, query)
            return (
                sum(t.total_annotations for t, _ in rows),
                sum(t.total_predictions for t, _ in rows),
            )

    def _ordered_tasks(self, project_id: int, spec: CandidateSpec) -> list[Task]:
        if spec.query is None:
            rows = (t for t in self._t["tasks"].values() if t.project_id == project_id)
            return sorted(rows, key=lambda t: t.id)
        return [t for t, _ in self._select(project_id, spec.query)]

    def task_ids(self, project_id: int, query: TaskQuery) -> Iterator[int]:
        with self._lock:
            ids = [t.id for t, _ in self._select(project_id, query)]
        return iter(ids)

    def _bundle(self, task: Task, include_drafts: bool) -> TaskBundle:
        return TaskBundle(
            task=self._out(task),
            annotations=sorted(
                (a for a in self._t["annotations"].values() if a.task_id == task.id),
                key=lambda a: a.id,
            ),
            predictions=sorted(
                (p for p in self._t["predictions"].values() if p.task_id == task.id),
                key=lambda p: p.id,
            ),
            drafts=sorted(
                (d for d in self._t["drafts"].values() if d.task_id == task.id), key=lambda d: d.id
            )
            if include_drafts
            else [],
        )

    def iter_bundles(
        self,
        project_id: int,
        query: TaskQuery | None = None,
        *,
        only_annotated: bool = False,
        include_drafts: bool = False,
        batch_size: int = 500,
    ) -> Iterator[TaskBundle]:
        with self._lock:
            if query is None:
                ids = sorted(t.id for t in self._t["tasks"].values() if t.project_id == project_id)
            else:
                ids = sorted(
                    t.id for t, _ in self._select(project_id, attrs.evolve(query, ordering=()))
                )
        for start in range(0, len(ids), max(1, batch_size)):
            with self._lock:
                batch = [self._t["tasks"].get(i) for i in ids[start : start + batch_size]]
                bundles = [self._bundle(t, include_drafts) for t in batch if t is not None]
            for bundle in bundles:
                if not only_annotated or bundle.annotations:
                    yield bundle

    def get_bundle(self, task_id: int, *, include_drafts: bool = True) -> TaskBundle | None:
        with self._lock:
            task = self._t["tasks"].get(task_id)
            return None if task is None else self._bundle(task, include_drafts)
