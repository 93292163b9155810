"""The Store contract suite, shipped so a custom backend's tests are one subclass.

    from labelcore.testing import StoreContract
    class TestMyStore(StoreContract):
        @pytest.fixture
        def store(self): s = MyStore(); s.migrate(); yield s; s.close()

Every test takes the ``store`` fixture (a fresh, migrated, empty store) and checks one
guarantee written in ``labelcore.storage.base``. Needs pytest (``pip install pytest``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

import attrs
import pytest

from labelcore.errors import Conflict, NotFound, QueryError, ValidationError
from labelcore.model import (
    AnnotationReview,
    FileUpload,
    JobStatus,
    Member,
    MLBackendRecord,
    NewAnnotation,
    NewPrediction,
    NewTask,
    ProjectSettings,
    SkipQueue,
    User,
    Webhook,
)
from labelcore.query import Filter, FilterGroup, Ordering, PageRequest, TaskQuery, parse_query
from labelcore.storage.base import (
    MAX_DATA_COLUMN,
    AnnotationHead,
    CandidateSpec,
    DataColumns,
    NewTaskQuality,
    PredictionScore,
    PredictionScores,
    QualityImport,
    ReviewReads,
    StatisticsReads,
    Store,
    TaskQuality,
)

__all__ = ["StoreContract"]

NOW = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
TTL = dt.timedelta(minutes=10)
REGION = {
    "id": "r1",
    "type": "choices",
    "from_name": "c",
    "to_name": "t",
    "value": {"choices": ["Positive"]},
}  # noqa: E501
# Query fixture rows: (data) for tasks 1..6 (positions, not ids).
QUERY_ROWS: list[dict[str, Any]] = [
    {"s": "Apple pie", "n": 5, "b": True, "nested": {"k": "x"}, "u": "Ünïcödé straße"},
    {"s": "banana", "n": 10.5, "b": False},
    {"s": "", "n": "7", "b": None},
    {"s": None, "n": None},
    {},
    {"s": "apple", "n": -3, "b": True, "nested": {"k": "y"}},
]


def _flt(column: str, operator: str, value: Any = None, type_: str = "String") -> dict[str, Any]:
    return {"filter": f"filter:tasks:{column}", "operator": operator, "type": type_, "value": value}


# (filter item, 1-based positions in QUERY_ROWS expected to match)
QUERY_CASES: list[tuple[dict[str, Any], set[int]]] = [
    (_flt("data.s", "equal", "apple"), {6}),
    (_flt("data.s", "not_equal", "apple"), {1, 2, 3, 4, 5}),
    (_flt("data.s", "contains", "APP"), {1, 6}),
    (_flt("data.s", "not_contains", "app"), {2, 3, 4, 5}),
    (_flt("data.s", "starts_with", "Apple"), {1}),
    (_flt("data.s", "ends_with", "pie"), {1}),
    (_flt("data.s", "regex", "an+a"), {2}),
    (_flt("data.s", "regex", "^[ab]"), {2, 6}),
    (_flt("data.s", "empty", True), {3, 4, 5}),
    (_flt("data.s", "empty", False), {1, 2, 6}),
    (_flt("data.s", "exists"), {1, 2, 3, 6}),
    (_flt("data.s", "not_exists"), {4, 5}),
    (_flt("data.s", "in_list", ["banana", "apple"]), {2, 6}),
    (_flt("data.s", "not_in_list", ["banana", "apple"]), {1, 3, 4, 5}),
    (_flt("data.n", "equal", 5, "Number"), {1}),
    (_flt("data.n", "not_equal", 5, "Number"), {2, 3, 4, 5, 6}),
    (_flt("data.n", "greater", 5, "Number"), {2, 3}),
    (_flt("data.n", "less", 0, "Number"), {6}),
    (_flt("data.n", "greater_or_equal", 7, "Number"), {2, 3}),
    (_flt("data.n", "less_or_equal", 5, "Number"), {1, 6}),
    (_flt("data.n", "in", {"min": 0, "max": 7}, "Number"), {1, 3}),
    (_flt("data.n", "not_in", {"min": 0, "max": 7}, "Number"), {2, 4, 5, 6}),
    (_flt("data.n", "empty", True, "Number"), {4, 5}),
    (_flt("data.n", "in_list", [5, 10.5], "Number"), {1, 2}),
    (_flt("data.b", "equal", True, "Boolean"), {1, 6}),
    (_flt("data.b", "equal", False, "Boolean"), {2}),
    (_flt("data.b", "not_equal", True, "Boolean"), {2, 3, 4, 5}),
    (_flt("data.b", "empty", True, "Boolean"), {3, 4, 5}),
    (_flt("data.nested.k", "equal", "y"), {6}),
    (_flt("data.u", "equal", "Ünïcödé straße"), {1}),
    (_flt("data.u", "contains", "cödé"), {1}),
    (_flt("data.s", "equal", "Ünïcödé"), set()),
    (_flt("inner_id", "greater", 4, "Number"), {5, 6}),
    (_flt("inner_id", "in", {"min": 2, "max": 3}, "Number"), {2, 3}),
    (_flt("total_annotations", "greater", 0, "Number"), {1, 2}),
    (_flt("cancelled_annotations", "equal", 1, "Number"), {3}),
    (_flt("total_predictions", "equal", 0, "Number"), {2, 3, 4, 5, 6}),
    (_flt("annotators", "contains", 7, "List"), {1}),
    (_flt("annotators", "contains", "7", "List"), {2}),
    (_flt("annotators", "not_contains", 7, "List"), {2, 3, 4, 5, 6}),
    (_flt("annotators", "empty", True, "List"), {4, 5, 6}),
    (_flt("annotations_results", "contains", "positive"), {1, 2, 3}),
    (_flt("predictions_results", "contains", "Positive"), {1}),
    (_flt("predictions_score", "less", 0.5, "Number"), {1}),
    (_flt("predictions_score", "empty", True, "Number"), {2, 3, 4, 5, 6}),
    (_flt("predictions_model_versions", "contains", "v1", "List"), {1}),
    (_flt("draft_exists", "equal", True, "Boolean"), {4}),
    (_flt("completed_at", "empty", False, "Datetime"), {1, 2, 3}),
    (_flt("created_at", "greater", "2000-01-01T00:00:00.000Z", "Datetime"), {1, 2, 3, 4, 5, 6}),
    (_flt("created_at", "less", "2000-01-01T00:00:00.000Z", "Datetime"), set()),
    (_flt("file_upload", "equal", "f.json"), {5}),
    (_flt("avg_lead_time", "greater", 2.0, "Number"), {2}),
    (_flt("is_labeled", "equal", True, "Boolean"), {1, 2}),
]
INJECTIONS = [
    "filter:tasks:data.x'); DROP TABLE labelcore_task--",
    "filter:tasks:updated_by__active_organization__active_users__password",
    "filter:tasks:data.a__b",
    "filter:tasks:password",
    "filter:tasks:data.",
    'filter:tasks:data.x"',
    "filter:tasks:data.x;y",
    "filter:tasks:data.a.b.c.d.e.f",
    "filter:tasks:data.x) OR 1=1--",
    "filter:tasks:project_id",
]


class StoreContract:
    """Subclass in a ``test_*.py`` file and provide a ``store`` fixture (fresh, migrated)."""

    @pytest.fixture
    def store(self) -> Iterator[Store]:
        raise NotImplementedError("a StoreContract subclass must define the `store` fixture")

    # -- helpers ----------------------------------------------------------------------------
    @staticmethod
    def project(store: Store, **settings: Any) -> int:
        return store.add_project(ProjectSettings(**settings), created_by=1).id

    @staticmethod
    def tasks(store: Store, project_id: int, n: int, **kw: Any) -> list[int]:
        return store.add_tasks(project_id, (NewTask(data={"i": i}, **kw) for i in range(n)))

    @staticmethod
    def annotate(store: Store, task_id: int, project_id: int, user: Any, **kw: Any) -> Any:
        new = NewAnnotation(result=[dict(REGION)], completed_by=user, task_id=task_id, **kw)
        return store.add_annotation(new, project_id)

    # -- projects, users, tokens --------------------------------------------------------------
    def test_project_round_trip(self, store: Store) -> None:
        settings = ProjectSettings(
            title="Ünï", maximum_annotations=3, skip_queue=SkipQueue.REQUEUE_FOR_ME
        )
        project = store.add_project(settings, created_by="u-1")
        got = store.get_project(project.id)
        assert got is not None and got.settings == settings and got.created_by == "u-1"
        assert got.created_at.tzinfo is not None
        second = store.add_project(ProjectSettings(title="B"), created_by=7)
        assert [p.id for p in store.list_projects()] == [second.id, project.id]
        assert [p.id for p in store.list_projects([project.id])] == [project.id]
        updated = store.update_project(project.id, attrs.evolve(settings, title="New"))
        assert updated.settings.title == "New" and updated.updated_at >= got.updated_at
        assert store.get_project(project.id).settings.title == "New"  # type: ignore[union-attr]

    def test_projects_of_organizations(self, store: Store) -> None:
        shared = store.add_project(ProjectSettings(title="shared"), created_by=1)
        acme = store.add_project(ProjectSettings(title="acme"), 2, organization="acme")
        beta = store.add_project(ProjectSettings(title="beta"), 3, organization="7")
        assert shared.organization is None and acme.organization == "acme"
        got = store.get_project(beta.id)
        assert got is not None and got.organization == "7"
        everyone = [beta.id, acme.id, shared.id]
        assert [p.id for p in store.list_projects()] == everyone
        assert [p.id for p in store.list_projects(organizations=[None, "acme"])] == [
            acme.id,
            shared.id,
        ]
        assert [p.id for p in store.list_projects(organizations=["7"])] == [beta.id]
        assert [p.id for p in store.list_projects(organizations=[None])] == [shared.id]
        assert store.list_projects(organizations=[]) == []
        assert store.list_projects([acme.id], organizations=[None, "7"]) == []
        store.upsert_user(User(id=7, name="Ada", organization=7), NOW)
        store.upsert_user(User(id=8, name="Bo"), NOW)
        users = store.get_users([7, 8])
        assert users[7].organization == "7" and users[8].organization is None
        store.upsert_user(User(id=7, name="Ada", organization="acme"), NOW)
        assert store.get_users([7])[7].organization == "acme"

    def test_missing_ids(self, store: Store) -> None:
        assert store.get_project(999) is None and store.get_task(999) is None
        assert store.get_annotation(999) is None and store.get_draft(999) is None
        assert store.get_prediction(999) is None and store.get_job(999) is None
        assert store.get_view(999) is None and store.get_webhook(999) is None
        assert store.get_bundle(999) is None and store.get_tasks([999]) == []
        with pytest.raises(NotFound):
            store.update_project(999, ProjectSettings())
        with pytest.raises(NotFound):
            store.update_task(999, data={})
        with pytest.raises(NotFound):
            store.update_annotation(999, updated_by=1, action="updated", result=[])
        with pytest.raises(NotFound):
            store.update_view(999, {})
        with pytest.raises(NotFound):
            store.update_job(999, progress=0.5)
        with pytest.raises(NotFound):
            store.add_tasks(999, [NewTask(data={})])
        assert store.delete_project(999) == 0 and store.delete_tasks(999, [1]) == 0
        assert store.delete_annotations([999]) == 0 and store.delete_drafts([999]) == 0
        assert store.delete_predictions([999]) == 0 and store.delete_views([999]) == 0
        assert store.delete_webhooks([999]) == 0 and store.revoke_token(999) is False

    def test_users_members_tokens(self, store: Store) -> None:
        store.upsert_user(User(id=7, name="Ada", email="Ada@Example.org"), NOW)
        store.upsert_user(User(id="7", name="Seven"), NOW)
        users = store.get_users([7, "7", 8])
        assert set(users) == {7, "7"} and users[7].name == "Ada" and users["7"].name == "Seven"
        assert isinstance(next(k for k in users if users[k].name == "Ada"), int)
        found = store.find_user_by_email("ada@example.ORG")
        assert found is not None and found.id == 7 and isinstance(found.id, int)
        assert found.roles == frozenset({"annotator"})
        store.upsert_user(User(id=7, name="Ada", roles={"manager", "reviewer"}), NOW)
        assert store.get_users([7])[7].roles == frozenset({"manager", "reviewer"})
        pid = self.project(store)
        store.set_members(
            pid,
            [
                Member(project_id=pid, user_id=7),
                Member(project_id=pid, user_id="x", role="reviewer"),
            ],
        )
        assert [(m.user_id, m.role) for m in store.list_members(pid)] == [
            (7, "annotator"),
            ("x", "reviewer"),
        ]
        assert store.projects_with_member(7) == {pid} and store.projects_with_member("7") == set()
        store.set_members(pid, [])
        assert store.list_members(pid) == []
        token = store.add_token(7, "ci", "hash1", "lc_ab")
        assert store.find_token("hash1") == token and store.list_tokens(7) == [token]
        assert store.list_tokens("7") == []
        store.touch_token(token.id, NOW)
        assert store.revoke_token(token.id) is True
        again = store.find_token("hash1")
        assert again is not None and again.revoked and again.last_used_at == NOW

    # -- tasks ------------------------------------------------------------------------------
    def test_add_tasks_round_trip_and_inner_ids(self, store: Store) -> None:
        pid, other = self.project(store), self.project(store)
        data = {"text": "Ünïcödé ☃ \u2028", "nested": {"a": [1, 2.5, None, True]}, "n": 10**15}
        ids = store.add_tasks(
            pid,
            iter(
                [NewTask(data=data, meta={"m": 1}, file_upload="a.csv", data_hash="h1", overlap=2)]
            ),
        )
        more = store.add_tasks(pid, (NewTask(data={"i": i}) for i in range(3)))
        store.add_tasks(other, [NewTask(data={})])
        task = store.get_task(ids[0])
        assert (
            task is not None and task.data == data and task.meta == {"m": 1} and task.overlap == 2
        )
        assert task.file_upload == "a.csv" and task.data_hash == "h1" and task.project_id == pid
        assert [t.inner_id for t in store.get_tasks(ids + more)] == [1, 2, 3, 4]
        assert [t.id for t in store.get_tasks(list(reversed(more)))] == more
        task.data["text"] = "mutated"
        assert store.get_task(ids[0]).data == data  # type: ignore[union-attr]
        assert store.find_tasks_by_hash(pid, ["h1", "nope"]) == {"h1": ids[0]}
        assert store.find_tasks_by_hash(other, ["h1"]) == {}
        updated = store.update_task(ids[0], data={"x": 1})
        assert updated.data == {"x": 1} and updated.meta == {"m": 1}
        assert store.update_task(ids[0], meta={"k": "v"}).data == {"x": 1}

    def test_add_tasks_with_nested_rows(self, store: Store) -> None:
        pid = self.project(store)
        new = NewTask(
            data={"t": 1},
            annotations=(
                NewAnnotation(
                    result=[REGION], completed_by=7, imported=True, last_action="imported"
                ),
            ),
            predictions=(NewPrediction(result=[REGION], score=0.25, model_version="v1"),),
        )
        (tid,) = store.add_tasks(pid, [new])
        bundle = store.get_bundle(tid)
        assert bundle is not None and len(bundle.annotations) == 1 and len(bundle.predictions) == 1
        ann, pred = bundle.annotations[0], bundle.predictions[0]
        assert (
            ann.task_id == tid and ann.project_id == pid and ann.result == [REGION] and ann.imported
        )
        assert pred.score == 0.25 and pred.model_version == "v1" and pred.task_id == tid
        assert bundle.task.total_annotations == 1 and bundle.task.total_predictions == 1
        assert bundle.task.is_labeled

    def test_import_failing_on_last_row_keeps_nothing(self, store: Store) -> None:
        pid = self.project(store)
        rows = [NewTask(data={"i": i}) for i in range(1200)] + [NewTask(data={"bad": {1, 2}})]
        with pytest.raises(ValidationError):
            store.add_tasks(pid, iter(rows))
        assert store.query_tasks(pid, TaskQuery(), PageRequest()).total == 0
        assert store.project_counts([pid])[pid].task_count == 0
        (tid,) = store.add_tasks(pid, [NewTask(data={})])
        assert store.get_task(tid).inner_id == 1  # type: ignore[union-attr]

    def test_import_with_duplicate_annotation_keeps_nothing(self, store: Store) -> None:
        pid = self.project(store)
        dup = NewAnnotation(result=[], completed_by=1, unique_id="u1")
        with pytest.raises(Conflict):
            store.add_tasks(
                pid, [NewTask(data={}, annotations=(dup,)), NewTask(data={}, annotations=(dup,))]
            )
        assert store.query_tasks(pid, TaskQuery(), PageRequest()).total == 0
        assert store.list_annotations(project_id=pid) == []

    @pytest.mark.parametrize("skip_queue", [SkipQueue.REQUEUE_FOR_OTHERS, SkipQueue.IGNORE_SKIPPED])
    def test_imported_counters_equal_a_recount(self, store: Store, skip_queue: SkipQueue) -> None:
        # an import writes the counters of its tasks with them; recounting from the stored
        # annotations must change nothing (several batches, COPY-sized on PostgreSQL)
        pid = self.project(store, skip_queue=skip_queue)
        when = dt.datetime(2024, 5, 1, 12, 30, 15, 123456, tzinfo=dt.UTC)
        east = when.astimezone(dt.timezone(dt.timedelta(hours=2)))
        shapes: list[list[dict[str, Any]]] = [
            [],
            [{"completed_by": 1}],
            [{"completed_by": 1}, {"completed_by": 2}],
            [{"completed_by": 1}, {"completed_by": 1}],
            [{"completed_by": 1}, {"completed_by": "1"}],  # an int and a str id differ
            [{"completed_by": None}, {"completed_by": None}, {"completed_by": 3}],
            [{"completed_by": 1}, {"completed_by": 2, "was_cancelled": True}],
            [{"completed_by": 4, "was_cancelled": True}, {"completed_by": 5, "created_at": when}],
            [{"completed_by": 6, "created_at": east}],
            [{"completed_by": 7, "created_at": when}, {"completed_by": 8, "last_action": "fixed"}],
        ]
        rows = [
            NewTask(
                data={"i": i},
                overlap=1 + i % 3,
                annotations=tuple(
                    NewAnnotation(result=[dict(REGION)], **kw) for kw in shapes[i % len(shapes)]
                ),
            )
            for i in range(1500)
        ]
        ids = store.add_tasks(pid, iter(rows))
        imported = {t.id: t for t in store.get_tasks(ids)}
        store.recount_tasks(pid)
        for task in store.get_tasks(ids):
            before = imported[task.id]
            assert (
                before.is_labeled,
                before.total_annotations,
                before.cancelled_annotations,
                before.total_predictions,
                before.completed_at,
            ) == (
                task.is_labeled,
                task.total_annotations,
                task.cancelled_annotations,
                task.total_predictions,
                task.completed_at,
            ), task.id
        labeled = {t.id for t in imported.values() if t.is_labeled}
        assert len(labeled) > 300 and len(labeled) < len(ids)  # both kinds are there
        assert imported[ids[8]].completed_at == when  # given in UTC+2
        anns = store.list_annotations(project_id=pid)
        assert len(anns) == sum(len(r.annotations) for r in rows)
        for ann in anns[:40]:
            (version,) = store.annotation_history(ann.id)
            assert (version.version, version.result, version.user_id) == (
                1,
                ann.result,
                ann.completed_by,
            )
            assert version.action == (ann.last_action or "submitted")

    def test_import_with_duplicate_annotation_late_in_a_batch_keeps_nothing(
        self, store: Store
    ) -> None:
        pid = self.project(store)
        many = [NewAnnotation(result=[], completed_by=1, unique_id=f"u{i}") for i in range(300)]
        dup = NewAnnotation(result=[], completed_by=2, unique_id="u299")
        rows = [NewTask(data={"i": i}, annotations=(a,)) for i, a in enumerate([*many, dup])]
        with pytest.raises(Conflict) as caught:
            store.add_tasks(pid, iter(rows))
        assert caught.value.code == "annotation.duplicate"
        assert store.query_tasks(pid, TaskQuery(), PageRequest()).total == 0
        assert store.list_annotations(project_id=pid) == []

    def test_list_annotations_of_many_tasks(self, store: Store) -> None:
        pid, other = self.project(store), self.project(store)
        tids = self.tasks(store, pid, 3)
        (foreign,) = self.tasks(store, other, 1)
        made = [self.annotate(store, t, pid, u) for t in (tids[2], tids[0]) for u in (1, 2)]
        self.annotate(store, foreign, other, 1)
        found = store.list_annotations(task_ids=[tids[0], tids[2], foreign], project_id=pid)
        assert [a.id for a in found] == sorted(a.id for a in made)
        assert store.list_annotations(task_ids=[tids[1]]) == []
        assert len(store.list_annotations(task_ids=[foreign, tids[0]], completed_by=1)) == 2

    def test_list_predictions_and_drafts_of_many_tasks(self, store: Store) -> None:
        """A page of the task list reads its predictions and drafts by task ids."""
        pid, other = self.project(store), self.project(store)
        tids = self.tasks(store, pid, 3)
        (foreign,) = self.tasks(store, other, 1)
        made = store.add_predictions(
            [NewPrediction(result=[], task_id=t, model_version=v) for t in tids[::2] for v in "ab"],
            pid,
        )
        store.add_predictions([NewPrediction(result=[], task_id=foreign)], other)
        found = store.list_predictions(task_ids=[tids[0], tids[2]], project_id=pid)
        assert [p.id for p in found] == sorted(p.id for p in made)
        assert store.list_predictions(task_ids=[tids[1]]) == []
        assert store.list_predictions(task_ids=[]) == []
        assert len(store.list_predictions(task_ids=[foreign, tids[0]], model_version="a")) == 1
        d1 = store.save_draft(tids[1], 1, None, [], 1.0)
        d2 = store.save_draft(tids[0], 2, None, [], 1.0)
        store.save_draft(foreign, 1, None, [], 1.0)
        assert store.list_drafts(task_ids=[tids[1], tids[0]]) == sorted(
            [d1, d2], key=lambda d: d.id
        )
        assert store.list_drafts(task_ids=[tids[0], tids[1]], user_id=2) == [d2]
        assert store.list_drafts(task_ids=[tids[2]]) == [] == store.list_drafts(task_ids=[])

    def test_data_columns(self, store: Store) -> None:
        """The data keys a project's tasks hold, for the data manager's columns."""
        if not isinstance(store, DataColumns):
            pytest.skip("the store has no DataColumns (the data manager lists the config's)")
        pid, other = self.project(store), self.project(store)
        assert store.data_columns(pid) == []
        store.add_data_columns(pid, {"text", "source"})
        store.add_data_columns(pid, ["source", "id", "Zeta", "x" * (MAX_DATA_COLUMN + 1)])
        store.add_data_columns(other, ["image"])
        # sorted by code point on every backend (not by a database collation)
        assert store.data_columns(pid) == ["Zeta", "id", "source", "text"]
        assert store.data_columns(other) == ["image"]
        with pytest.raises(RuntimeError), store.transaction():  # in the caller's transaction
            store.add_data_columns(pid, ["gone"])
            raise RuntimeError
        assert store.data_columns(pid) == ["Zeta", "id", "source", "text"]
        store.delete_project(pid)
        assert store.data_columns(pid) == [] and store.data_columns(other) == ["image"]

    def test_prediction_scores_of_many_tasks(self, store: Store) -> None:
        """The task list's prediction columns read scores and model versions alone."""
        if not isinstance(store, PredictionScores):
            pytest.skip("the store has no PredictionScores (the service reads list_predictions)")
        pid, other = self.project(store), self.project(store)
        tids = self.tasks(store, pid, 3)
        (foreign,) = self.tasks(store, other, 1)
        store.add_predictions(
            [
                NewPrediction(result=[], task_id=t, model_version=v, score=s)
                for t in (tids[2], tids[0])
                for v, s in (("a", 0.25), ("b", None))
            ],
            pid,
        )
        store.add_predictions([NewPrediction(result=[], task_id=foreign)], other)
        expected = [
            PredictionScore(task_id=p.task_id, score=p.score, model_version=p.model_version)
            for p in store.list_predictions(task_ids=[tids[0], tids[2]])
        ]
        assert len(expected) == 4
        assert store.prediction_scores(pid, [tids[2], tids[0], tids[1]]) == expected
        assert store.prediction_scores(pid, [foreign]) == []  # another project's task
        assert store.prediction_scores(other, [foreign])[0].score is None
        assert store.prediction_scores(pid, []) == []

    def test_list_annotations_by_id(self, store: Store) -> None:
        pid = self.project(store)
        t1, t2 = self.tasks(store, pid, 2)
        a1, a2, a3 = (self.annotate(store, t, pid, u) for t, u in ((t2, 1), (t1, 2), (t2, 2)))
        found = store.list_annotations(annotation_ids=[a3.id, a1.id, 10_000])
        assert found == [a1, a3]  # in id order, missing ids left out
        assert store.list_annotations(annotation_ids=[]) == []
        assert store.list_annotations(annotation_ids=[a1.id, a2.id], completed_by=2) == [a2]
        both = store.list_annotations(annotation_ids=[a1.id, a2.id, a3.id], task_ids=[t2])
        assert both == [a1, a3]
        many = [self.annotate(store, t1, pid, 9) for _ in range(3)]
        ids = [a.id for a in many] + list(range(20_000, 21_200))  # past one batch
        assert store.list_annotations(annotation_ids=ids, task_ids=[t1, t2]) == many

    def test_transaction_rolls_back_everything(self, store: Store) -> None:
        pid = self.project(store)
        (tid,) = self.tasks(store, pid, 1)
        ann = self.annotate(store, tid, pid, 7)
        with pytest.raises(RuntimeError), store.transaction():
            other = self.project(store)
            self.tasks(store, other, 3)
            store.update_task(tid, data={"changed": True})
            store.update_annotation(ann.id, updated_by=7, action="updated", result=[])
            store.delete_annotations([ann.id])
            with store.transaction():  # nested blocks join the outer one
                store.add_job("x", {})
            raise RuntimeError("boom")
        assert [p.id for p in store.list_projects()] == [pid]
        assert store.get_task(tid).data == {"i": 0}  # type: ignore[union-attr]
        again = store.get_annotation(ann.id)
        assert again is not None and again.version == 1 and again.result == [REGION]
        assert store.get_task(tid).total_annotations == 1  # type: ignore[union-attr]
        assert len(store.annotation_history(ann.id)) == 1 and store.list_jobs() == []

    def test_failed_call_inside_a_transaction_undoes_only_itself(self, store: Store) -> None:
        with store.transaction():
            pid = self.project(store)
            (kept,) = self.tasks(store, pid, 1)
            with pytest.raises(ValidationError):
                store.add_tasks(pid, [NewTask(data={"i": 1}), NewTask(data={"bad": float("nan")})])
            with pytest.raises(Conflict):
                self.annotate(store, kept, pid, 7, unique_id="u")
                self.annotate(store, kept, pid, 7, unique_id="u")
            (second,) = self.tasks(store, pid, 1)
        assert [t.id for t in store.get_tasks(range(1, 10_000))] == [kept, second]
        assert store.get_task(second).inner_id == 2  # type: ignore[union-attr]
        assert len(store.list_annotations(task_id=kept)) == 1

    def test_transaction_without_savepoints_is_still_all_or_nothing(self, store: Store) -> None:
        pid = self.project(store)
        (tid,) = self.tasks(store, pid, 1)
        with pytest.raises(Conflict), store.transaction(savepoints=False):
            self.annotate(store, tid, pid, 7, unique_id="u")
            store.update_task(tid, data={"changed": True})
            self.annotate(store, tid, pid, 8, unique_id="u")  # fails: ends the block
        assert store.list_annotations(task_id=tid) == []
        assert store.get_task(tid).data == {"i": 0}  # type: ignore[union-attr]
        with store.transaction(savepoints=False):
            self.annotate(store, tid, pid, 7)
            store.update_task(tid, data={"changed": True})
        assert store.get_task(tid).total_annotations == 1  # type: ignore[union-attr]
        self._caught_conflict_goes_on(store, pid, tid)  # the next ordinary block: savepoints

    def _caught_conflict_goes_on(self, store: Store, pid: int, tid: int) -> None:
        """An ordinary transaction whose failing call is caught keeps its other writes."""
        before = len(store.list_annotations(task_id=tid))
        with store.transaction():
            self.annotate(store, tid, pid, 21, unique_id="again")
            with pytest.raises(Conflict):
                self.annotate(store, tid, pid, 22, unique_id="again")
            self.annotate(store, tid, pid, 23)
        assert len(store.list_annotations(task_id=tid)) == before + 2

    def test_ordinary_block_inside_one_without_savepoints_undoes_only_itself(
        self, store: Store
    ) -> None:
        pid = self.project(store)
        (tid,) = self.tasks(store, pid, 1)
        with store.transaction(savepoints=False):
            self.annotate(store, tid, pid, 7)
            with pytest.raises(Conflict), store.transaction():
                self.annotate(store, tid, pid, 8, unique_id="u")
                self.annotate(store, tid, pid, 9, unique_id="u")
            self.annotate(store, tid, pid, 10)
        kept = [a.completed_by for a in store.list_annotations(task_id=tid)]
        assert kept == [7, 10]

    def test_nested_block_without_savepoints_undoes_only_itself(self, store: Store) -> None:
        pid = self.project(store)
        (tid,) = self.tasks(store, pid, 1)
        with store.transaction():
            with pytest.raises(Conflict), store.transaction(savepoints=False):
                self.annotate(store, tid, pid, 7, unique_id="u")
                self.annotate(store, tid, pid, 8, unique_id="u")
            (second,) = self.tasks(store, pid, 1)  # the enclosing block goes on
        assert store.list_annotations(task_id=tid) == []
        assert [t.id for t in store.get_tasks([tid, second])] == [tid, second]
        self._caught_conflict_goes_on(store, pid, tid)

    def test_transaction_commits(self, store: Store) -> None:
        with store.transaction():
            pid = self.project(store)
            self.tasks(store, pid, 2)
        assert store.project_counts([pid])[pid].task_count == 2

    def test_delete_cascades(self, store: Store) -> None:
        pid, keep = self.project(store), self.project(store)
        t1, t2 = self.tasks(store, pid, 2)
        (k1,) = self.tasks(store, keep, 1)
        assert store.try_claim(t1, 9, NOW, TTL)
        ann = self.annotate(store, t1, pid, 7)
        store.save_draft(t1, 7, ann.id, [], 1.0)
        store.save_draft(t1, 8, None, [], 1.0)
        store.add_predictions([NewPrediction(result=[], task_id=t1)], pid)
        store.assign(pid, [t1], [9])
        assert store.delete_tasks(pid, [t1, k1]) == 1
        assert store.get_task(k1) is not None and store.get_annotation(ann.id) is None
        assert store.annotation_history(ann.id) == [] and store.list_drafts(task_id=t1) == []
        assert store.list_predictions(task_id=t1) == [] and store.assignees([t1]) == {}
        assert store.user_claim(pid, 9, NOW) is None
        store.set_members(pid, [Member(project_id=pid, user_id=1)])
        view = store.add_view(pid, 1, {"title": "Tab"})
        hook = store.add_webhook(Webhook(id=0, project_id=pid, url="https://h.example/x"))
        glob = store.add_webhook(Webhook(id=0, project_id=None, url="https://h.example/g"))
        job = store.add_job("export", {"a": 1}, project_id=pid)
        assert store.delete_project(pid) == 1
        assert store.get_project(pid) is None and store.get_task(t2) is None
        assert store.get_view(view.id) is None and store.get_webhook(hook.id) is None
        assert store.get_job(job.id) is None and store.list_members(pid) == []
        assert store.get_webhook(glob.id) is not None and store.get_task(k1) is not None

    # -- counters -----------------------------------------------------------------------------
    def test_counters_follow_rows(self, store: Store) -> None:
        pid = self.project(store)
        (tid,) = self.tasks(store, pid, 1, overlap=2)
        a1 = self.annotate(store, tid, pid, 7)
        task = store.get_task(tid)
        assert task is not None and task.total_annotations == 1 and not task.is_labeled
        assert task.completed_at is not None
        self.annotate(store, tid, pid, 7)  # the same user twice: still one distinct annotator
        assert not store.get_task(tid).is_labeled  # type: ignore[union-attr]
        skip = self.annotate(store, tid, pid, "7", was_cancelled=True)
        task = store.get_task(tid)
        assert task is not None and task.cancelled_annotations == 1 and not task.is_labeled
        store.update_annotation(skip.id, updated_by="7", action="submitted", was_cancelled=False)
        task = store.get_task(tid)
        assert task is not None and task.is_labeled and task.total_annotations == 3
        store.set_task_overlap(pid, {tid: 3})
        assert not store.get_task(tid).is_labeled  # type: ignore[union-attr]
        preds = store.add_predictions([NewPrediction(result=[], task_id=tid, score=0.5)] * 2, pid)
        assert store.get_task(tid).total_predictions == 2  # type: ignore[union-attr]
        store.delete_predictions([preds[0].id])
        store.delete_annotations([a1.id])
        task = store.get_task(tid)
        assert task is not None and task.total_predictions == 1 and task.total_annotations == 2
        counts = store.project_counts([pid, 999])
        assert set(counts) == {pid}
        assert (
            counts[pid].task_count,
            counts[pid].annotation_count,
            counts[pid].prediction_count,
            counts[pid].annotated_count,
        ) == (1, 2, 1, 1)
        store.delete_annotations([a.id for a in store.list_annotations(task_id=tid)])
        task = store.get_task(tid)
        assert task is not None and task.completed_at is None and task.total_annotations == 0

    def test_ignore_skipped_counts_skips_as_completion(self, store: Store) -> None:
        pid = self.project(store, skip_queue=SkipQueue.IGNORE_SKIPPED)
        (tid,) = self.tasks(store, pid, 1)
        self.annotate(store, tid, pid, 7, was_cancelled=True)
        assert store.get_task(tid).is_labeled  # type: ignore[union-attr]
        counts = store.project_counts([pid])[pid]
        assert (
            counts.labeled_count == 1 and counts.skipped_count == 1 and counts.annotation_count == 0
        )
        assert counts.annotated_count == 0  # a skip is not an annotation of the task

    def test_candidates_take_the_skip_setting_from_the_spec_or_the_project(
        self, store: Store
    ) -> None:
        """``CandidateSpec.ignore_skipped`` as the caller read it from the project, or None
        (the store reads it): the same candidates either way."""
        for queue, told in (
            (SkipQueue.IGNORE_SKIPPED, True),
            (SkipQueue.REQUEUE_FOR_OTHERS, False),
        ):
            pid = self.project(store, maximum_annotations=2, skip_queue=queue)
            t1, t2 = self.tasks(store, pid, 2)
            store.set_task_overlap(pid, {t1: 2, t2: 2})
            self.annotate(store, t1, pid, 7, was_cancelled=True)  # one skip of two slots
            self.annotate(store, t2, pid, 8, was_cancelled=True)
            self.annotate(store, t2, pid, 9, was_cancelled=True)
            want = [t1] if told else [t1, t2]
            for spec in (CandidateSpec(), CandidateSpec(ignore_skipped=told)):
                assert store.next_task_candidates(pid, 1, spec, NOW, 10) == want, (queue, spec)

    def test_recount_repairs(self, store: Store) -> None:
        pid = self.project(store)
        (tid,) = self.tasks(store, pid, 1)
        self.annotate(store, tid, pid, 1)
        store.recount_tasks(pid)
        store.recount_tasks(pid, [tid])
        task = store.get_task(tid)
        assert task is not None and task.total_annotations == 1 and task.is_labeled

    # -- annotations ------------------------------------------------------------------------
    def test_annotation_versions_and_history(self, store: Store) -> None:
        pid = self.project(store)
        (tid,) = self.tasks(store, pid, 1)
        ann = self.annotate(store, tid, pid, 7, unique_id="req-1", lead_time=2.5)
        assert ann.version == 1 and ann.unique_id == "req-1" and ann.completed_by == 7
        assert store.get_annotation_by_unique_id("req-1") == ann
        assert store.get_annotation_by_unique_id("nope") is None
        with pytest.raises(Conflict):
            self.annotate(store, tid, pid, 7, unique_id="req-1")
        new_result = [dict(REGION, value={"choices": ["Négatif"]})]
        v2 = store.update_annotation(
            ann.id, updated_by="7", action="updated", expected_version=1, result=new_result
        )
        assert (
            v2.version == 2
            and v2.result == new_result
            and v2.updated_by == "7"
            and v2.completed_by == 7
        )
        with pytest.raises(Conflict):
            store.update_annotation(
                ann.id, updated_by=7, action="updated", expected_version=1, result=[]
            )
        assert store.get_annotation(ann.id).result == new_result  # type: ignore[union-attr]
        store.update_annotation(
            ann.id,
            updated_by=8,
            action="fixed_and_accepted",
            ground_truth=True,
            last_action="accepted",
        )
        history = store.annotation_history(ann.id)
        assert [(h.version, h.action, h.user_id) for h in history] == [
            (1, "submitted", 7),
            (2, "updated", "7"),
            (3, "fixed_and_accepted", 8),
        ]
        assert history[0].result == [REGION] and history[2].ground_truth
        assert store.get_annotation(ann.id).last_action == "accepted"  # type: ignore[union-attr]

    def test_update_annotation_replaces_its_unique_id(self, store: Store) -> None:
        pid = self.project(store)
        (tid,) = self.tasks(store, pid, 1)
        skipped = self.annotate(store, tid, pid, 7, unique_id="skip-1")
        other = self.annotate(store, tid, pid, 8, unique_id="other-1")
        done = store.update_annotation(
            skipped.id, updated_by=7, action="submitted", unique_id="submit-1"
        )
        assert done.unique_id == "submit-1"
        assert store.get_annotation_by_unique_id("submit-1") == done
        assert store.get_annotation_by_unique_id("skip-1") is None
        with pytest.raises(Conflict):  # another annotation's: nothing changes
            store.update_annotation(
                skipped.id, updated_by=7, action="updated", unique_id="other-1", result=[]
            )
        assert store.get_annotation(skipped.id) == done
        assert store.get_annotation_by_unique_id("other-1") == other
        kept = store.update_annotation(skipped.id, updated_by=7, action="updated")
        assert kept.unique_id == "submit-1"  # None leaves it as it is

    def test_annotation_lists_gt_and_anonymise(self, store: Store) -> None:
        pid, other = self.project(store), self.project(store)
        t1, t2 = self.tasks(store, pid, 2)
        (o1,) = self.tasks(store, other, 1)
        a1 = self.annotate(store, t1, pid, 7, ground_truth=True)
        a2 = self.annotate(store, t1, pid, "7", ground_truth=True)
        a3 = self.annotate(store, t2, pid, 7)
        self.annotate(store, o1, other, 7)
        with pytest.raises(NotFound):
            self.annotate(store, o1, pid, 7)  # the task is in another project
        assert [a.id for a in store.list_annotations(project_id=pid, completed_by=7)] == [
            a1.id,
            a3.id,
        ]
        assert [a.id for a in store.list_annotations(task_id=t1)] == [a1.id, a2.id]
        store.clear_ground_truth(t1, except_id=a2.id)
        assert not store.get_annotation(a1.id).ground_truth  # type: ignore[union-attr]
        assert store.get_annotation(a2.id).ground_truth  # type: ignore[union-attr]
        assert store.anonymise_annotations(7, None) == 3
        assert store.get_annotation(a1.id).completed_by is None  # type: ignore[union-attr]
        assert store.get_annotation(a2.id).completed_by == "7"  # type: ignore[union-attr]
        assert store.annotation_history(a1.id)[0].user_id is None

    def test_recent_task_ids(self, store: Store) -> None:
        pid, other = self.project(store), self.project(store)
        t1, t2, t3, t4 = self.tasks(store, pid, 4)
        (o1,) = self.tasks(store, other, 1)
        a1 = self.annotate(store, t1, pid, 7)
        self.annotate(store, t2, pid, 7, was_cancelled=True)  # a skip counts
        self.annotate(store, t3, pid, 8)  # someone else's
        self.annotate(store, t4, pid, "7")  # another user id
        self.annotate(store, o1, other, 7)  # another project
        self.annotate(store, t3, pid, 7)
        time.sleep(0.002)  # the update below is strictly later (ties go by annotation id)
        store.update_annotation(a1.id, updated_by=7, action="updated", result=[])
        assert store.recent_task_ids(pid, 7, 10) == [t2, t3, t1]
        assert store.recent_task_ids(pid, 7, 2) == [t3, t1]  # the most recent ones
        assert store.recent_task_ids(pid, 7, 0) == []
        assert store.recent_task_ids(pid, 9, 10) == []
        self.annotate(store, t2, pid, 7)  # a second annotation moves its task last
        assert store.recent_task_ids(pid, 7, 10) == [t3, t1, t2]
        assert store.recent_task_ids(pid, "7", 10) == [t4]

    # -- drafts and predictions ----------------------------------------------------------------
    def test_drafts(self, store: Store) -> None:
        pid = self.project(store)
        t1, t2 = self.tasks(store, pid, 2)
        ann = self.annotate(store, t1, pid, 7)
        d1 = store.save_draft(t1, 7, None, [REGION], 1.5)
        d2 = store.save_draft(t1, 7, None, [], 3.0, was_postponed=True)
        assert d2.id == d1.id and d2.result == [] and d2.was_postponed and d2.lead_time == 3.0
        d3 = store.save_draft(t1, 7, ann.id, [REGION], 1.0)
        d4 = store.save_draft(t1, "7", None, [], 1.0)
        d5 = store.save_draft(t2, 8, None, [], 1.0)
        assert len({d1.id, d3.id, d4.id, d5.id}) == 4 and d5.project_id == pid
        assert [d.id for d in store.list_drafts(task_id=t1, user_id=7)] == [d1.id, d3.id]
        assert [d.id for d in store.list_drafts(annotation_id=ann.id)] == [d3.id]
        assert len(store.list_drafts(project_id=pid)) == 4
        assert store.get_draft(d3.id) == d3
        with pytest.raises(NotFound):
            store.save_draft(999, 7, None, [], 1.0)
        store.delete_annotations([ann.id])
        assert store.get_draft(d3.id) is None
        assert store.delete_drafts([d1.id, d1.id, 999]) == 1

    def test_predictions(self, store: Store) -> None:
        pid, other = self.project(store), self.project(store)
        t1, t2, t3 = self.tasks(store, pid, 3)
        (o1,) = self.tasks(store, other, 1)
        made = store.add_predictions(
            [
                NewPrediction(result=[REGION], task_id=t1, score=0.9, model_version="v1"),
                NewPrediction(result=[], task_id=t2, model_version="v2"),
            ],
            pid,
        )
        assert [p.task_id for p in made] == [t1, t2] and made[1].score is None
        assert store.get_prediction(made[0].id) == made[0]
        with pytest.raises(NotFound):
            store.add_predictions([NewPrediction(result=[], task_id=o1)], pid)
        assert [p.id for p in store.list_predictions(project_id=pid, model_version="v1")] == [
            made[0].id
        ]
        assert store.tasks_lacking_model_version(pid, "v1") == [t2, t3]
        assert store.tasks_lacking_model_version(pid, "v1", [t1, t3]) == [t3]
        changed = store.update_prediction(made[1].id, result=[REGION], score=0.25)
        assert (changed.id, changed.result, changed.score, changed.model_version) == (
            made[1].id,
            [REGION],
            0.25,
            "v2",
        )
        assert store.get_prediction(made[1].id) == changed
        assert store.get_task(t2).total_predictions == 1  # type: ignore[union-attr]
        with pytest.raises(NotFound):
            store.update_prediction(999_999, score=0.5)
        assert store.delete_predictions([made[0].id, 999]) == 1

    # -- claims and the next-task queue --------------------------------------------------------
    def test_claims(self, store: Store) -> None:
        pid = self.project(store, maximum_annotations=2)
        t1, t2 = self.tasks(store, pid, 2, overlap=2)
        assert store.try_claim(t1, 1, NOW, TTL) and store.try_claim(t1, 2, NOW, TTL)
        assert not store.try_claim(t1, 3, NOW, TTL)  # two live claims fill overlap 2
        assert store.try_claim(t1, 1, NOW + dt.timedelta(minutes=1), TTL)  # refresh
        claim = store.user_claim(pid, 1, NOW)
        assert (
            claim is not None
            and claim.task_id == t1
            and claim.expires_at == NOW + dt.timedelta(minutes=11)
        )
        assert store.try_claim(t1, 3, NOW + dt.timedelta(minutes=10, seconds=1), TTL)  # 2's expired
        assert store.user_claim(pid, 2, NOW + dt.timedelta(minutes=11)) is None
        assert store.try_claim(t2, 1, NOW, TTL)  # moving on releases the claim on t1
        assert store.user_claim(pid, 1, NOW).task_id == t2  # type: ignore[union-attr]
        self.annotate(store, t2, pid, 4)
        assert not store.try_claim(t2, 4, NOW, TTL)  # already annotated by this user
        assert not store.try_claim(999, 1, NOW, TTL)
        assert store.release_claims(user_id=1) == 1
        assert store.purge_expired_claims(NOW + dt.timedelta(hours=1)) >= 1
        assert store.release_claims(task_id=t1) == 0

    def test_claims_with_eight_threads_never_exceed_overlap(self, store: Store) -> None:
        pid = self.project(store, maximum_annotations=2)
        tasks = self.tasks(store, pid, 5, overlap=2)
        won: list[tuple[int, int]] = []
        errors: list[BaseException] = []
        barrier = threading.Barrier(8)

        def worker(user: int) -> None:
            try:
                barrier.wait()
                for task_id in tasks:
                    if store.try_claim(task_id, user, NOW, TTL):
                        won.append((task_id, user))
                        return
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=worker, args=(u,)) for u in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert not errors, errors
        per_task: dict[int, list[int]] = {}
        for task_id, user in won:
            per_task.setdefault(task_id, []).append(user)
        assert len(won) == 8 and all(len(users) <= 2 for users in per_task.values()), per_task
        assert len(set(won)) == len(won)
        live = [store.user_claim(pid, u, NOW) for u in range(8)]
        assert all(c is not None for c in live)

    def test_next_task_candidates(self, store: Store) -> None:
        pid = self.project(store, maximum_annotations=2)
        t1, t2, t3, t4 = self.tasks(store, pid, 4)
        store.set_task_overlap(pid, {t3: 2})
        spec = CandidateSpec()
        assert store.next_task_candidates(pid, 1, spec, NOW, 10) == [t1, t2, t3, t4]
        assert store.next_task_candidates(pid, 1, spec, NOW, 2) == [t1, t2]
        self.annotate(store, t1, pid, 2)  # labeled
        self.annotate(store, t2, pid, 1, was_cancelled=True)  # skipped by user 1
        assert store.try_claim(t4, 3, NOW, TTL)  # t4 full for others
        assert store.next_task_candidates(pid, 1, spec, NOW, 10) == [t3]
        assert store.next_task_candidates(pid, 3, spec, NOW, 10) == [t2, t3, t4]
        requeue = CandidateSpec(include_skipped_by_user=True)
        assert store.next_task_candidates(pid, 1, requeue, NOW, 10) == [t3, t2]
        assert store.next_task_candidates(
            pid, 1, CandidateSpec(only_skipped_by_user=True), NOW, 10
        ) == [t2]
        assert store.next_task_candidates(pid, 1, CandidateSpec(overlap_first=True), NOW, 10) == [
            t3
        ]
        self.annotate(store, t3, pid, 5)
        assert store.next_task_candidates(pid, 6, CandidateSpec(breadth_first=True), NOW, 10) == [
            t3,
            t2,
        ]
        store.assign(pid, [t2], [6])
        assert store.next_task_candidates(pid, 6, CandidateSpec(assigned_to=6), NOW, 10) == [t2]
        assert store.next_task_candidates(
            pid, 7, CandidateSpec(unassigned_or_assigned_to=7), NOW, 10
        ) == [t3]
        q = parse_query({"filters": {"items": [_flt("data.i", "equal", 2, "Number")]}})
        assert store.next_task_candidates(pid, 6, CandidateSpec(query=q), NOW, 10) == [t3]
        assert store.next_task_candidates(pid, 6, CandidateSpec(order="random"), NOW, 10) in (
            [t2, t3],
            [t3, t2],
        )

    def test_uncertainty_order(self, store: Store) -> None:
        pid = self.project(store)
        t1, t2, t3 = self.tasks(store, pid, 3)
        store.add_predictions(
            [
                NewPrediction(result=[], task_id=t1, score=0.9),
                NewPrediction(result=[], task_id=t2, score=0.1),
            ],
            pid,
        )
        assert store.next_task_candidates(pid, 1, CandidateSpec(order="uncertainty"), NOW, 10) == [
            t2,
            t1,
            t3,
        ]

    def test_assignments(self, store: Store) -> None:
        pid = self.project(store)
        t1, t2 = self.tasks(store, pid, 2)
        assert store.assign(pid, [t1, t2], [7, "7"]) == 4
        assert store.assign(pid, [t1], [7]) == 0
        assert store.assignees([t1, t2, 999]) == {t1: [7, "7"], t2: [7, "7"]}
        assert store.unassign(pid, [t1], ["7"]) == 1
        assert store.unassign(pid, [t2]) == 2
        assert store.assignees([t1, t2]) == {t1: [7]}

    # -- views, webhooks, jobs -------------------------------------------------------------------
    def test_views(self, store: Store) -> None:
        pid = self.project(store)
        v1 = store.add_view(pid, 7, {"title": "A", "filters": {"conjunction": "and", "items": []}})
        v2 = store.add_view(pid, None, {"title": "B"})
        assert store.get_view(v1.id) == v1 and v1.user_id == 7
        assert [v.id for v in store.list_views(pid)] == [v1.id, v2.id]
        moved = store.update_view(v1.id, {"title": "A2"}, order=v2.order + 1)
        assert moved.data == {"title": "A2"}
        assert [v.id for v in store.list_views(pid)] == [v2.id, v1.id]
        assert store.delete_views([v1.id, v2.id]) == 2

    def test_webhooks(self, store: Store) -> None:
        pid = self.project(store)
        hook = store.add_webhook(
            Webhook(
                id=0,
                project_id=pid,
                url="https://h.example/x",
                secret="s",  # noqa: S106 - a test value
                actions=frozenset({"ANNOTATION_CREATED"}),
                headers={"X-A": "1"},
                send_for_all_actions=False,
            )
        )
        glob = store.add_webhook(Webhook(id=0, project_id=None, url="https://h.example/g"))
        assert hook.id != glob.id and store.get_webhook(hook.id) == hook
        assert [w.id for w in store.list_webhooks(pid)] == [hook.id, glob.id]
        assert [w.id for w in store.list_webhooks(pid, include_global=False)] == [hook.id]
        changed = store.update_webhook(
            attrs.evolve(hook, is_active=False, url="https://h.example/y")
        )
        assert store.get_webhook(hook.id) == changed and not changed.is_active

    def test_ml_backends(self, store: Store) -> None:
        pid = self.project(store)
        other = self.project(store)
        made = store.add_ml_backend(
            MLBackendRecord(
                id=0,
                project_id=pid,
                title="NER",
                url="http://models.example:9090",
                auth_method="BASIC_AUTH",
                basic_auth_user="u",
                basic_auth_pass="p",  # noqa: S106 - a test value
                extra_params={"lang": "en", "n": [1, 2]},
                timeout=12.5,
                model_version="v1",
                dialect="legacy",
            )
        )
        local = store.add_ml_backend(MLBackendRecord(id=0, project_id=other, title="Local"))
        assert made.id != local.id and store.get_ml_backend(made.id) == made
        assert made.basic_auth_pass == "p"  # noqa: S105 - a test value
        assert made.extra_params == {"lang": "en", "n": [1, 2]}
        assert [b.id for b in store.list_ml_backends(pid)] == [made.id]
        assert [b.id for b in store.list_ml_backends()] == [made.id, local.id]
        changed = store.update_ml_backend(
            attrs.evolve(made, state="ER", error_message="down", model_version="v2")
        )
        assert store.get_ml_backend(made.id) == changed and changed.created_at == made.created_at
        assert changed.state == "ER" and changed.model_version == "v2"
        with pytest.raises(NotFound):
            store.add_ml_backend(MLBackendRecord(id=0, project_id=10**6, title="x"))
        assert store.delete_ml_backends([made.id, made.id, 10**6]) == 1
        assert store.get_ml_backend(made.id) is None
        with pytest.raises(NotFound):
            store.update_ml_backend(made)
        store.delete_project(other)  # cascades
        assert store.list_ml_backends() == []

    def test_file_uploads(self, store: Store) -> None:
        pid = self.project(store)
        other = self.project(store)
        made = store.add_file_upload(
            FileUpload(
                id=0,
                project_id=pid,
                user_id=7,
                filename="t.csv",
                content_type="text/csv",
                task_count=2,
            ),
            b"text\na\nb\n",
        )
        theirs = store.add_file_upload(
            FileUpload(id=0, project_id=other, user_id="7", filename="u.json"), b"[]"
        )
        assert made.id != theirs.id and made.size == 9 and made.task_ids == ()
        assert store.get_file_upload(made.id) == made and made.user_id == 7
        assert store.get_file_upload(theirs.id).user_id == "7"  # type: ignore[union-attr]
        assert store.file_upload_content(made.id) == b"text\na\nb\n"
        assert store.file_upload_content(10**6) is None and store.get_file_upload(10**6) is None
        assert [u.id for u in store.list_file_uploads(pid)] == [made.id]
        assert store.list_file_uploads(pid, ids=[theirs.id]) == []
        assert store.set_file_upload_tasks(made.id, [3, 4]).task_ids == (3, 4)
        assert store.get_file_upload(made.id).task_ids == (3, 4)  # type: ignore[union-attr]
        with pytest.raises(NotFound):
            store.set_file_upload_tasks(10**6, [])
        with pytest.raises(NotFound):
            store.add_file_upload(FileUpload(id=0, project_id=10**6, user_id=1, filename="x"), b"")
        with pytest.raises(RuntimeError), store.transaction():
            store.add_file_upload(FileUpload(id=0, project_id=pid, user_id=1, filename="y"), b"1")
            raise RuntimeError("roll back")
        assert [u.id for u in store.list_file_uploads(pid)] == [made.id]
        assert store.delete_file_uploads([made.id, made.id, 10**6]) == 1
        assert store.get_file_upload(made.id) is None and store.file_upload_content(made.id) is None
        store.delete_project(other)  # cascades
        assert store.get_file_upload(theirs.id) is None

    def test_jobs(self, store: Store) -> None:
        pid = self.project(store)
        later = store.add_job(
            "export", {"n": 1}, project_id=pid, run_at=NOW + dt.timedelta(hours=1)
        )
        first = store.add_job("import", {"n": 2}, run_at=NOW, max_attempts=2)
        assert store.claim_job("w1", NOW, TTL, kinds=["other"]) is None
        got = store.claim_job("w1", NOW, TTL)
        assert got is not None and got.id == first.id and got.status == JobStatus.RUNNING
        assert got.attempts == 1 and got.worker == "w1" and got.lease_until == NOW + TTL
        assert store.claim_job("w2", NOW, TTL) is None  # lease live; the other is not due
        again = store.claim_job("w2", NOW + TTL, TTL)  # lease expired: a crashed worker's job
        assert again is not None and again.id == first.id and again.attempts == 2
        done = store.update_job(
            first.id, status=JobStatus.COMPLETED, progress=1.0, result={"ok": True}
        )
        assert done.status == JobStatus.COMPLETED and done.result == {"ok": True}
        assert store.claim_job("w3", NOW + dt.timedelta(hours=2), TTL).id == later.id  # type: ignore[union-attr]
        assert [j.id for j in store.list_jobs(status=JobStatus.RUNNING)] == [later.id]
        assert [j.id for j in store.list_jobs(project_id=pid, kind="export")] == [later.id]

    def test_jobs_claimed_once_across_threads(self, store: Store) -> None:
        for i in range(20):
            store.add_job("k", {"i": i}, run_at=NOW)
        got: list[int] = []
        barrier = threading.Barrier(6)

        def worker(name: str) -> None:
            barrier.wait()
            while (job := store.claim_job(name, NOW, TTL)) is not None:
                got.append(job.id)

        threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert sorted(got) == sorted({*got}) and len(got) == 20

    # -- queries ----------------------------------------------------------------------------
    def _query_project(self, store: Store) -> tuple[int, list[int]]:
        pid = self.project(store)
        noise = self.project(store)
        store.add_tasks(noise, [NewTask(data={"s": "apple"})])
        ids = store.add_tasks(
            pid,
            [
                NewTask(data=d, file_upload="f.json" if i == 4 else None)
                for i, d in enumerate(QUERY_ROWS)
            ],
        )
        self.annotate(store, ids[0], pid, 7, lead_time=1.0)
        self.annotate(store, ids[1], pid, "7", lead_time=3.0)
        self.annotate(store, ids[2], pid, 8, was_cancelled=True, lead_time=1.0)
        store.add_predictions(
            [NewPrediction(result=[REGION], task_id=ids[0], score=0.25, model_version="v1")], pid
        )
        store.save_draft(ids[3], 9, None, [], 1.0)
        return pid, ids

    def _ids(self, store: Store, pid: int, query: TaskQuery, size: int = 100) -> list[int]:
        return [t.id for t in store.query_tasks(pid, query, PageRequest(page_size=size)).tasks]

    def test_every_operator(self, store: Store) -> None:
        pid, ids = self._query_project(store)
        failures = []
        for item, expected in QUERY_CASES:
            query = parse_query({"filters": {"conjunction": "and", "items": [item]}})
            got = set(self._ids(store, pid, query))
            want = {ids[i - 1] for i in expected}
            if got != want:
                failures.append(
                    (item["filter"], item["operator"], item.get("value"), sorted(got), sorted(want))
                )
            assert set(store.task_ids(pid, query)) == got
        assert not failures, failures

    def test_task_totals_over_the_filtered_set(self, store: Store) -> None:
        pid, ids = self._query_project(store)
        assert store.task_totals(pid, TaskQuery()) == (2, 1)  # skips are not annotations
        apples = parse_query({"filters": {"items": [_flt("data.s", "contains", "app")]}})
        assert store.task_totals(pid, apples) == (1, 1)
        picked = parse_query({"selectedItems": {"all": False, "included": [ids[1], ids[2]]}})
        assert store.task_totals(pid, picked) == (1, 0)
        none = parse_query({"filters": {"items": [_flt("data.s", "equal", "nothing")]}})
        assert store.task_totals(pid, none) == (0, 0)
        assert store.task_totals(10**6, TaskQuery()) == (0, 0)

    def test_page_sums_equal_task_totals(self, store: Store) -> None:
        """``query_tasks(..., sums=True)`` counts what ``task_totals`` does, for every kind
        of page: unfiltered, filtered, ordered by data, past the end, after a cursor."""
        pid, ids = self._query_project(store)
        queries = [
            TaskQuery(),
            parse_query({"filters": {"items": [_flt("data.s", "contains", "app")]}}),
            parse_query({"filters": {"items": [_flt("data.s", "equal", "nothing")]}}),
            parse_query({"selectedItems": {"all": False, "included": [ids[1], ids[2]]}}),
            parse_query(
                {
                    "filters": {"items": [_flt("total_annotations", "greater", 0, "Number")]},
                    "ordering": ["-tasks:data.s"],
                }
            ),
        ]
        for query in queries:
            want = store.task_totals(pid, query)
            first = store.query_tasks(pid, query, PageRequest(page_size=1), sums=True)
            assert first.sums == want, query
            beyond = store.query_tasks(pid, query, PageRequest(page=99, page_size=1), sums=True)
            assert (beyond.tasks, beyond.total, beyond.sums) == ([], first.total, want)
            if first.next_cursor is not None:
                page = PageRequest(page_size=1, cursor=first.next_cursor)
                assert store.query_tasks(pid, query, page, sums=True).sums == want
            assert store.query_tasks(pid, query, PageRequest()).sums is None
        assert store.query_tasks(10**6, TaskQuery(), PageRequest(), sums=True).sums == (0, 0)

    def test_conjunctions_nesting_and_selection(self, store: Store) -> None:
        pid, ids = self._query_project(store)
        q_or = parse_query(
            {
                "filters": {
                    "conjunction": "or",
                    "items": [
                        _flt("data.s", "equal", "apple"),
                        _flt("data.n", "equal", 5, "Number"),
                    ],
                }
            }
        )
        assert self._ids(store, pid, q_or) == [ids[0], ids[5]]
        nested = parse_query(
            {
                "filters": {
                    "conjunction": "and",
                    "items": [
                        _flt("data.b", "equal", True, "Boolean"),
                        {
                            "conjunction": "or",
                            "items": [
                                _flt("data.n", "less", 0, "Number"),
                                _flt("data.s", "contains", "pie"),
                            ],
                        },
                    ],
                },
                "selectedItems": {"all": True, "excluded": [ids[0]]},
            }
        )
        assert self._ids(store, pid, nested) == [ids[5]]
        picked = parse_query({"selectedItems": {"all": False, "included": [ids[2], ids[4], 10**9]}})
        assert self._ids(store, pid, picked) == [ids[2], ids[4]]

    def test_ordering_nulls_last_and_ties_by_id(self, store: Store) -> None:
        pid = self.project(store)
        rows: list[dict[str, Any]] = [
            {"k": 3, "t": "b"},
            {"k": None, "t": "a"},
            {"k": 1, "t": "b"},
            {},
            {"k": 3, "t": "c"},
            {"k": 2.5},
        ]
        ids = store.add_tasks(pid, [NewTask(data=d) for d in rows])
        asc = self._ids(store, pid, parse_query({"ordering": ["tasks:data.k"]}))
        assert asc == [ids[2], ids[5], ids[0], ids[4], ids[1], ids[3]]
        desc = self._ids(store, pid, parse_query({"ordering": ["-tasks:data.k"]}))
        assert desc == [ids[0], ids[4], ids[5], ids[2], ids[1], ids[3]]
        by_text = self._ids(store, pid, parse_query({"ordering": ["-tasks:data.t"]}))
        assert by_text == [ids[4], ids[0], ids[2], ids[1], ids[3], ids[5]]
        assert self._ids(store, pid, parse_query({"ordering": ["-tasks:id"]})) == ids[::-1]
        assert self._ids(store, pid, TaskQuery()) == ids

    def test_pagination_and_cursor(self, store: Store) -> None:
        pid = self.project(store)
        ids = store.add_tasks(
            pid, [NewTask(data={"g": i % 4, "w": f"w{i:03d}"}) for i in range(53)]
        )
        query = parse_query(
            {
                "filters": {
                    "conjunction": "and",
                    "items": [_flt("data.g", "not_equal", 3, "Number")],
                },
                "ordering": ["-tasks:data.g"],
            }
        )
        expected = sorted((i for i, x in enumerate(ids) if i % 4 != 3), key=lambda i: (-(i % 4), i))
        expected_ids = [ids[i] for i in expected]
        first = store.query_tasks(pid, query, PageRequest(page=1, page_size=10))
        assert first.total == len(expected_ids) and [t.id for t in first.tasks] == expected_ids[:10]
        third = store.query_tasks(pid, query, PageRequest(page=3, page_size=10))
        assert [t.id for t in third.tasks] == expected_ids[20:30]
        beyond = store.query_tasks(pid, query, PageRequest(page=99, page_size=10))
        assert beyond.tasks == [] and beyond.total == len(expected_ids)
        walked: list[int] = []
        cursor: str | None = None
        while True:
            page = store.query_tasks(pid, query, PageRequest(page_size=7, cursor=cursor))
            walked += [t.id for t in page.tasks]
            assert page.total == len(expected_ids)
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        assert walked == expected_ids
        assert list(store.task_ids(pid, query)) == expected_ids
        with pytest.raises(QueryError):
            store.query_tasks(pid, query, PageRequest(cursor="not-a-cursor"))
        with pytest.raises(QueryError):
            store.query_tasks(pid, query, PageRequest(page=0))

    def test_bad_regex_is_a_query_error(self, store: Store) -> None:
        pid, _ = self._query_project(store)
        with pytest.raises(QueryError):
            parse_query({"filters": {"items": [_flt("data.s", "regex", "([a-z")]}})
        bad = TaskQuery(
            filters=FilterGroup(
                items=(Filter(column="data.s", operator="regex", type="String", value="(?<"),)
            )
        )
        with pytest.raises(QueryError):
            store.query_tasks(pid, bad, PageRequest())

    def test_catastrophic_regex_cannot_stall(self, store: Store) -> None:
        pid = self.project(store)
        store.add_tasks(pid, [NewTask(data={"s": "a" * 40 + "!"}) for _ in range(3)])
        query = parse_query({"filters": {"items": [_flt("data.s", "regex", "^(a+)+$")]}})
        # a backend may answer (no match) or refuse, but it must not hang
        with contextlib.suppress(QueryError):
            assert store.query_tasks(pid, query, PageRequest()).total == 0

    @pytest.mark.parametrize("column", INJECTIONS)
    def test_injected_filter_columns_are_refused(self, store: Store, column: str) -> None:
        pid, _ = self._query_project(store)
        with pytest.raises(QueryError):
            parse_query(
                {
                    "filters": {
                        "items": [
                            {"filter": column, "operator": "equal", "type": "String", "value": "x"}
                        ]
                    }
                }
            )
        with pytest.raises(QueryError):
            parse_query({"ordering": [column.replace("filter:tasks:", "-tasks:")]})
        raw = column.replace("filter:tasks:", "")
        sneaky = TaskQuery(
            filters=FilterGroup(
                items=(Filter(column=raw, operator="equal", type="String", value="x"),)
            )
        )
        with pytest.raises(QueryError):
            store.query_tasks(pid, sneaky, PageRequest())
        with pytest.raises(QueryError):
            store.query_tasks(pid, TaskQuery(ordering=(Ordering(column=raw),)), PageRequest())
        assert store.query_tasks(pid, TaskQuery(), PageRequest()).total == len(QUERY_ROWS)

    def test_bad_operators_and_values_are_refused(self, store: Store) -> None:
        for item in (
            _flt("data.s", "less", "x"),
            _flt("id", "regex", "1", "Number"),
            _flt("data.n", "in", [1], "Number"),
            _flt("data.n", "equal", "abc", "Number"),
            _flt("created_at", "less", "yesterday", "Datetime"),
            _flt("data.s", "equal", "x", "Datetime"),
            _flt("annotators", "equal", 1, "List"),
            _flt("data.s", "equal", {"$gt": 1}),
        ):
            with pytest.raises(QueryError):
                parse_query({"filters": {"items": [item]}})
        with pytest.raises(QueryError):
            parse_query({"ordering": ["tasks:annotators"]})
        with pytest.raises(QueryError):
            parse_query({"filters": {"conjunction": "xor", "items": []}})
        pid = self.project(store)
        sneaky = TaskQuery(
            filters=FilterGroup(
                items=(Filter(column="id", operator="regex", type="Number", value="1"),)
            )
        )
        with pytest.raises(QueryError):
            store.query_tasks(pid, sneaky, PageRequest())

    # -- streaming --------------------------------------------------------------------------
    def test_iter_bundles(self, store: Store) -> None:
        pid = self.project(store)
        ids = self.tasks(store, pid, 25)
        for tid in ids[::3]:
            self.annotate(store, tid, pid, 7)
        store.add_predictions([NewPrediction(result=[], task_id=ids[1])], pid)
        store.save_draft(ids[0], 7, None, [], 1.0)
        bundles = list(store.iter_bundles(pid, batch_size=4))
        assert [b.task.id for b in bundles] == ids
        assert [len(b.annotations) for b in bundles] == [int(i % 3 == 0) for i in range(25)]
        assert len(bundles[1].predictions) == 1 and bundles[0].drafts == []
        annotated = list(
            store.iter_bundles(pid, only_annotated=True, include_drafts=True, batch_size=2)
        )
        assert [b.task.id for b in annotated] == ids[::3] and len(annotated[0].drafts) == 1
        query = parse_query(
            {"filters": {"items": [_flt("data.i", "less", 5, "Number")]}, "ordering": ["-tasks:id"]}
        )
        assert [b.task.id for b in store.iter_bundles(pid, query)] == ids[:5]
        bundle = store.get_bundle(ids[0])
        assert bundle is not None and len(bundle.drafts) == 1 and len(bundle.annotations) == 1

    # -- reviews (issue 11) -----------------------------------------------------------------
    def test_reviews_round_trip_and_filters(self, store: Store) -> None:
        pid = self.project(store)
        other = self.project(store)
        t1, t2 = self.tasks(store, pid, 2)
        (t3,) = self.tasks(store, other, 1)
        a1 = self.annotate(store, t1, pid, 7)
        a2 = self.annotate(store, t2, pid, "7")
        a3 = self.annotate(store, t3, other, 7)
        r1 = store.add_review(a1.id, 9, action="rejected", accepted=False, comment="Fix ü")
        store.update_annotation(a1.id, updated_by=9, action="fixed_and_accepted", result=[])
        r2 = store.add_review(a1.id, "9", action="fixed_and_accepted", accepted=True)
        r3 = store.add_review(a2.id, 9, action="accepted", accepted=True, annotation_version=1)
        r4 = store.add_review(a3.id, 9, action="accepted", accepted=True)
        assert r1.annotation_version == 1 and r2.annotation_version == 2
        assert (r1.task_id, r1.project_id, r1.comment, r1.accepted) == (t1, pid, "Fix ü", False)
        assert r1.created_at.tzinfo is not None and r2.comment == ""
        assert store.get_review(r1.id) == r1 and store.get_review(999) is None
        assert [r.id for r in store.list_reviews(project_id=pid)] == [r1.id, r2.id, r3.id]
        assert [r.id for r in store.list_reviews(annotation_id=a1.id)] == [r1.id, r2.id]
        assert [r.id for r in store.list_reviews(task_id=t2)] == [r3.id]
        assert [r.id for r in store.list_reviews(reviewer_id=9)] == [r1.id, r3.id, r4.id]
        got = store.list_reviews(reviewer_id="9")
        assert [r.id for r in got] == [r2.id] and got[0].reviewer_id == "9"
        with pytest.raises(NotFound):
            store.add_review(999, 9, action="accepted", accepted=True)

    def test_reviews_of_many_tasks_or_annotations(self, store: Store) -> None:
        pid, other = self.project(store), self.project(store)
        t1, t2, t3 = self.tasks(store, pid, 3)
        (t4,) = self.tasks(store, other, 1)
        a1, a2, a3 = (self.annotate(store, t, pid, 7) for t in (t1, t2, t3))
        a4 = self.annotate(store, t4, other, 7)
        r = [
            store.add_review(a.id, 9, action="accepted", accepted=True)
            for a in (a3, a1, a2, a4, a1)
        ]

        def ids(rows: list[AnnotationReview]) -> list[int]:
            return [x.id for x in rows]

        assert ids(store.list_reviews(task_ids=[t1, t4, 999])) == [r[1].id, r[3].id, r[4].id]
        assert ids(store.list_reviews(annotation_ids=[a3.id, a1.id])) == [
            r[0].id, r[1].id, r[4].id
        ]  # fmt: skip
        assert store.list_reviews(task_ids=[]) == [] == store.list_reviews(annotation_ids=[])
        assert ids(store.list_reviews(project_id=pid, task_ids=[t1, t4])) == [r[1].id, r[4].id]
        assert ids(store.list_reviews(task_ids=[t1, t2], annotation_ids=[a2.id, a3.id])) == [
            r[2].id
        ]  # fmt: skip
        assert store.list_reviews(annotation_ids=[a2.id], reviewer_id=8) == []

    def test_reviews_cascade_with_annotations_tasks_projects(self, store: Store) -> None:
        pid = self.project(store)
        t1, t2 = self.tasks(store, pid, 2)
        a1 = self.annotate(store, t1, pid, 7)
        a2 = self.annotate(store, t2, pid, 7)
        r1 = store.add_review(a1.id, 9, action="accepted", accepted=True)
        store.add_review(a2.id, 9, action="accepted", accepted=True)
        store.delete_annotations([a1.id])
        assert store.get_review(r1.id) is None
        assert [r.annotation_id for r in store.list_reviews(project_id=pid)] == [a2.id]
        store.delete_tasks(pid, [t2])
        assert store.list_reviews(project_id=pid) == []
        (t3,) = self.tasks(store, pid, 1)
        a3 = self.annotate(store, t3, pid, 7)
        store.add_review(a3.id, 9, action="rejected", accepted=False)
        store.delete_project(pid)
        assert store.list_reviews() == []

    def test_review_rolls_back_with_transaction(self, store: Store) -> None:
        pid = self.project(store)
        (tid,) = self.tasks(store, pid, 1)
        ann = self.annotate(store, tid, pid, 7)
        with contextlib.suppress(RuntimeError), store.transaction():
            store.add_review(ann.id, 9, action="accepted", accepted=True)
            raise RuntimeError("boom")
        assert store.list_reviews(annotation_id=ann.id) == []

    def test_review_count_columns_filter_and_order(self, store: Store) -> None:
        pid = self.project(store)
        t1, t2, t3 = self.tasks(store, pid, 3)
        a1 = self.annotate(store, t1, pid, 7)
        a2 = self.annotate(store, t2, pid, 7)
        b2 = self.annotate(store, t2, pid, 8)
        store.add_review(a1.id, 9, action="accepted", accepted=True)
        store.add_review(a2.id, 9, action="rejected", accepted=False)
        store.add_review(b2.id, 9, action="rejected", accepted=False)
        store.add_review(b2.id, 10, action="accepted", accepted=True)

        def ids(column: str, operator: str, value: Any, order: str = "tasks:id") -> list[int]:
            query = parse_query(
                {
                    "filters": {"items": [_flt(column, operator, value, "Number")]},
                    "ordering": [order],
                }
            )
            return [t.id for t in store.query_tasks(pid, query, PageRequest()).tasks]

        assert ids("reviews_accepted", "greater", 0) == [t1, t2]
        assert ids("reviews_rejected", "equal", 2) == [t2]
        assert ids("reviews_rejected", "equal", 0, "-tasks:reviews_accepted") == [t1, t3]
        store.delete_annotations([a2.id, b2.id])
        assert ids("reviews_rejected", "greater", 0) == []

    def test_task_quality_rows_columns_and_cascades(self, store: Store) -> None:
        pid = self.project(store)
        other = self.project(store)
        t1, t2, t3 = self.tasks(store, pid, 3)
        (foreign,) = self.tasks(store, other, 1)
        a1 = self.annotate(store, t1, pid, 7)
        b1 = self.annotate(store, t1, pid, 8)
        a2 = self.annotate(store, t2, pid, 7)
        store.set_task_quality(
            pid,
            [
                TaskQuality(
                    task_id=t1,
                    state="rejected",
                    agreement=0.25,
                    annotation_states={a1.id: "rejected", b1.id: "accepted", a2.id: "x"},
                ),
                TaskQuality(
                    task_id=t2,
                    state="accepted",
                    agreement=1.0,
                    annotation_states={a2.id: "accepted"},
                ),
                TaskQuality(task_id=foreign, state="accepted"),  # not this project: ignored
            ],
        )
        got = store.get_task_quality([t1, t2, t3, foreign])
        assert set(got) == {t1, t2}
        assert got[t1].annotation_states == {a1.id: "rejected", b1.id: "accepted"}

        def ids(flt: dict[str, Any], order: str = "tasks:id") -> list[int]:
            query = parse_query({"filters": {"items": [flt]}, "ordering": [order]})
            return [t.id for t in store.query_tasks(pid, query, PageRequest()).tasks]

        assert ids(_flt("review_state", "equal", "unannotated")) == [t3]
        assert ids(_flt("agreement", "less", 0.5, "Number")) == [t1]
        assert ids(_flt("agreement", "empty", True, "Number")) == [t3]
        assert ids(_flt("annotation_states", "contains", "rejected", "List")) == [t1]
        assert ids(_flt("annotation_states", "not_contains", "accepted", "List")) == [t3]
        assert ids(_flt("id", "greater", 0, "Number"), "-tasks:agreement")[:2] == [t2, t1]
        assert store.tasks_with_state(pid, 7, "rejected") == [t1]
        assert store.tasks_with_state(pid, "7", "rejected") == []  # ids keep their type
        assert store.tasks_with_state(pid, 7, "rejected", after=t1) == []
        assert store.tasks_with_state(pid, 7, "rejected", after=t1 - 1) == [t1]
        # a row is replaced whole, and goes with its annotations and task
        store.set_task_quality(pid, [TaskQuality(task_id=t1, state="annotated")])
        assert store.get_task_quality([t1])[t1].annotation_states == {}
        store.delete_annotations([a2.id])
        assert store.get_task_quality([t2])[t2].annotation_states == {}
        store.delete_tasks(pid, [t2])
        assert store.get_task_quality([t2]) == {}

    def test_tasks_with_state_finds_only_the_users_own_work(self, store: Store) -> None:
        pid = self.project(store)
        other = self.project(store)
        tasks = self.tasks(store, pid, 5)
        (foreign,) = self.tasks(store, other, 1)
        mine = [self.annotate(store, t, pid, 7) for t in tasks]
        theirs = self.annotate(store, tasks[1], pid, 8)
        skip = self.annotate(store, tasks[2], pid, 7, was_cancelled=True)
        away = self.annotate(store, foreign, other, 7)
        states = {
            tasks[0]: {mine[0].id: "rejected"},
            tasks[1]: {mine[1].id: "accepted", theirs.id: "rejected"},
            tasks[2]: {mine[2].id: "annotated", skip.id: "rejected"},  # a skip never counts
            tasks[3]: {mine[3].id: "rejected"},
            tasks[4]: {mine[4].id: "rejected"},
        }
        rows = [
            TaskQuality(task_id=t, state="rejected", annotation_states=s) for t, s in states.items()
        ]
        store.set_task_quality(pid, rows)
        store.set_task_quality(
            other,
            [
                TaskQuality(
                    task_id=foreign, state="rejected", annotation_states={away.id: "rejected"}
                )
            ],
        )
        assert store.tasks_with_state(pid, 7, "rejected") == [tasks[0], tasks[3], tasks[4]]
        assert store.tasks_with_state(pid, 7, "rejected", 2) == [tasks[0], tasks[3]]
        assert store.tasks_with_state(pid, 7, "rejected", 2, after=tasks[3]) == [tasks[4]]
        assert store.tasks_with_state(pid, 8, "rejected") == [tasks[1]]
        assert store.tasks_with_state(other, 7, "rejected") == [foreign]
        assert store.tasks_with_state(pid, 7, "accepted") == [tasks[1]]
        assert store.tasks_with_state(pid, 7, "annotated") == [tasks[2]]
        assert store.tasks_with_state(pid, 7, "in_review") == []

    def test_review_claims_are_exclusive_and_expire(self, store: Store) -> None:
        pid = self.project(store)
        t1, t2 = self.tasks(store, pid, 2)
        a1 = self.annotate(store, t1, pid, 7)
        a2 = self.annotate(store, t2, pid, 7)
        now = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
        ttl = dt.timedelta(minutes=10)
        assert store.claim_review(a1.id, 9, now, ttl)
        assert not store.claim_review(a1.id, 10, now, ttl)
        assert store.claim_review(a1.id, 9, now, ttl)  # one's own claim again
        assert store.claim_review(a2.id, 9, now, ttl)  # releases the first: one per project
        assert store.review_claims(pid, now) == {a2.id: 9}
        assert store.claim_review(a1.id, 10, now, ttl)
        assert store.claim_review(a2.id, 10, now + ttl, ttl)  # 9's claim expired
        assert store.review_claims(pid, now + ttl) == {a2.id: 10}
        assert store.release_review_claims(user_id=10) == 1
        assert not store.claim_review(999_999, 9, now, ttl)

    def test_review_candidates_by_stored_state_and_claims(self, store: Store) -> None:
        pid = self.project(store)
        t1, t2, t3 = self.tasks(store, pid, 3)
        a1 = self.annotate(store, t1, pid, 7)
        a2 = self.annotate(store, t2, pid, 8)
        a3 = self.annotate(store, t3, pid, 9)  # the reviewer's own
        b1 = self.annotate(store, t1, pid, 8)
        store.set_task_quality(
            pid,
            [
                TaskQuality(task_id=t1, state="x", annotation_states={a1.id: "annotated"}),
                TaskQuality(task_id=t2, state="x", annotation_states={a2.id: "in_review"}),
                TaskQuality(task_id=t3, state="x", annotation_states={a3.id: "annotated"}),
            ],
        )
        now = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
        ttl = dt.timedelta(minutes=10)
        waiting = ("annotated", "in_review")
        # b1 has no stored state (a database not refreshed yet): a candidate to check
        assert store.review_candidates(pid, 9, waiting, now) == [a1.id, a2.id, b1.id]
        store.set_task_quality(
            pid,
            [
                TaskQuality(
                    task_id=t1,
                    state="x",
                    annotation_states={a1.id: "annotated", b1.id: "accepted"},
                )
            ],
        )
        assert store.review_candidates(pid, 9, waiting, now) == [a1.id, a2.id]
        assert store.review_candidates(pid, 9, ("in_review",), now) == [a2.id]
        assert store.review_candidates(pid, 9, waiting, now, offset=1, limit=1) == [a2.id]
        assert store.claim_review(a2.id, 9, now, ttl)
        assert store.review_candidates(pid, 9, waiting, now) == [a2.id, a1.id]  # held first
        assert store.review_candidates(pid, 9, waiting, now, offset=1) == [a1.id]
        assert store.review_candidates(pid, 10, waiting, now) == [a1.id, a3.id]  # 9 holds a2
        assert store.review_candidates(pid, 10, waiting, now + ttl) == [a1.id, a2.id, a3.id]
        assert store.review_candidates(pid, "7", waiting, now) == [a1.id, a3.id]  # typed ids
        assert store.review_candidates(pid, 7, waiting, now + ttl) == [a2.id, a3.id]

    def test_review_comment_update_and_delete(self, store: Store) -> None:
        pid = self.project(store)
        (tid,) = self.tasks(store, pid, 1)
        ann = self.annotate(store, tid, pid, 7)
        review = store.add_review(ann.id, 9, action="rejected", accepted=False, comment="a")
        changed = store.update_review(review.id, comment="b")
        assert changed == attrs.evolve(review, comment="b") == store.get_review(review.id)
        with pytest.raises(NotFound):
            store.update_review(999_999, comment="x")
        assert store.delete_reviews([review.id, 999_999]) == 1
        assert store.list_reviews(project_id=pid) == []

    # -- optional: QualityImport (skipped for a store without it) ----------------------------
    @staticmethod
    def _made_up_quality(annotations: Sequence[Any]) -> NewTaskQuality:
        """Any rule will do: the store stores what it is given, in the annotations' order."""
        return NewTaskQuality(
            state=f"n{len(annotations)}",
            agreement=None if len(annotations) < 2 else 1 / len(annotations),
            annotation_states=tuple(
                f"s{k}{int(a.was_cancelled)}{a.completed_by}" for k, a in enumerate(annotations)
            ),
        )

    def test_add_tasks_with_quality_stores_each_annotated_tasks_rows(self, store: Store) -> None:
        if not isinstance(store, QualityImport):
            pytest.skip("the store has no QualityImport (the service stores quality after)")
        pid = self.project(store)
        (before,) = self.tasks(store, pid, 1)
        shapes: list[list[dict[str, Any]]] = [
            [],
            [{"completed_by": 1}],
            [{"completed_by": 1}, {"completed_by": 2, "was_cancelled": True}],
            [{"completed_by": 3}, {"completed_by": "3"}, {"completed_by": None}],
        ]
        rows = [
            NewTask(
                data={"i": i},
                annotations=tuple(
                    NewAnnotation(result=[dict(REGION)], **kw) for kw in shapes[i % len(shapes)]
                ),
            )
            for i in range(1500)  # several batches; COPY-sized on PostgreSQL
        ]
        ids = store.add_tasks_with_quality(pid, iter(rows), self._made_up_quality)
        assert len(ids) == 1500
        stored = store.get_task_quality([before, *ids])
        annotated = [t for t, new in zip(ids, rows) if new.annotations]
        assert sorted(stored) == annotated  # tasks without annotations have no row
        for task_id in annotated:
            anns = store.list_annotations(task_id=task_id)
            made = self._made_up_quality(anns)
            assert stored[task_id] == TaskQuality(
                task_id=task_id,
                state=made.state,
                agreement=made.agreement,
                annotation_states=dict(zip([a.id for a in anns], made.annotation_states)),
            )

    def test_add_tasks_with_quality_keeps_nothing_when_quality_fails(self, store: Store) -> None:
        if not isinstance(store, QualityImport):
            pytest.skip("the store has no QualityImport (the service stores quality after)")
        pid = self.project(store)

        def one_state_short(annotations: Sequence[Any]) -> NewTaskQuality:
            made = self._made_up_quality(annotations)
            return attrs.evolve(made, annotation_states=made.annotation_states[1:])

        row = NewTask(data={}, annotations=(NewAnnotation(result=[], completed_by=1),))
        with pytest.raises(ValueError):
            store.add_tasks_with_quality(pid, [NewTask(data={}), row], one_state_short)
        assert store.query_tasks(pid, TaskQuery(), PageRequest()).total == 0
        assert store.list_annotations(project_id=pid) == []

    # -- optional: StatisticsReads (skipped for a store without them) ----------------------
    def test_statistics_reads_aggregate_the_rows(self, store: Store) -> None:
        if not isinstance(store, StatisticsReads):
            pytest.skip("the store has no StatisticsReads (the service walks the tasks)")
        pid = self.project(store)
        other = self.project(store)
        t1, t2, t3 = self.tasks(store, pid, 3)
        (t4,) = self.tasks(store, other, 1)
        day = dt.datetime(2029, 12, 31, 23, 59, tzinfo=dt.UTC)
        made: list[tuple[int, Any, float, dt.datetime, bool, list[Any]]] = [
            (t1, 7, 3.0, NOW, False, [dict(REGION)]),
            (t2, 7, 1.0, day + dt.timedelta(minutes=2), False, [dict(REGION)]),
            (t3, 7, 2.5, day, False, [dict(REGION)]),
            (t1, "7", 8.0, NOW, False, [dict(REGION)]),
            (t2, "7", 9.0, NOW, True, [dict(REGION)]),
            (t1, None, 4.0, NOW, False, []),
            (t4, 7, 100.0, NOW, False, [dict(REGION)]),
        ]
        for task, user, lead, at, cancelled, result in made:
            new = NewAnnotation(
                result=result,
                completed_by=user,
                task_id=task,
                lead_time=lead,
                created_at=at,
                was_cancelled=cancelled,
            )
            store.add_annotation(new, pid if task != t4 else other)
        store.set_task_overlap(pid, {t1: 4})
        totals = store.annotation_totals(pid)
        assert (totals.tasks, totals.labeled_tasks) == (3, 2)
        assert totals.median_lead_time == 3.0  # of 1, 2.5, 3, 4, 8
        assert totals.per_day == ((day.date(), 1), (NOW.date(), 4))
        rows = {(type(r.completed_by), r.completed_by): r for r in totals.annotators}
        assert len(rows) == len(totals.annotators) == 3
        seven, text, nobody = rows[(int, 7)], rows[(str, "7")], rows[(type(None), None)]
        assert (seven.annotations, seven.skipped, seven.median_lead_time) == (3, 0, 2.5)
        assert (text.annotations, text.skipped, text.median_lead_time) == (1, 1, 8.0)
        assert (nobody.annotations, nobody.median_lead_time) == (1, 4.0)
        empty = self.project(store)
        nothing = store.annotation_totals(empty)
        assert (nothing.tasks, nothing.median_lead_time, nothing.annotators) == (0, None, ())
        results = list(store.iter_results(pid, batch_size=2))
        assert len(results) == 4 and all(r == [REGION] for r in results)  # [] may be left out
        assert list(store.iter_results(empty)) == []
        compared = list(store.iter_compared_tasks(pid, batch_size=1))
        assert [(t, [a.completed_by for a in anns]) for t, anns in compared] == [
            (t1, [7, "7", None])  # t2 has one completed annotation and one skip
        ]
        assert compared[0][1] == store.list_annotations(task_id=t1)
        assert list(store.iter_compared_tasks(empty)) == []

    # -- optional: ReviewReads (skipped for a store without them) ---------------------------
    def test_review_reads_give_each_task_its_heads_and_reviews(self, store: Store) -> None:
        if not isinstance(store, ReviewReads):
            pytest.skip("the store has no ReviewReads (the service reads whole annotations)")
        pid = self.project(store)
        other = self.project(store)
        t1, t2, t3, t4 = self.tasks(store, pid, 4)
        (foreign,) = self.tasks(store, other, 1)
        a = self.annotate(store, t1, pid, 7)
        b = self.annotate(store, t1, pid, "7", was_cancelled=True)
        c = self.annotate(store, t3, pid, None)
        gone = self.annotate(store, t3, pid, 8)
        away = self.annotate(store, foreign, other, 7)
        store.update_annotation(a.id, result=[], updated_by=7, action="updated")  # version 2
        r1 = store.add_review(a.id, 2, action="rejected", accepted=False)
        r2 = store.add_review(c.id, 2, action="accepted", accepted=True)
        store.add_review(gone.id, 2, action="accepted", accepted=True)
        store.add_review(away.id, 2, action="accepted", accepted=True)
        store.delete_annotations([gone.id])  # its review goes with it
        r3 = store.add_review(a.id, 3, action="accepted", accepted=True, annotation_version=1)

        def head(ann: Any, version: int = 1) -> AnnotationHead:
            return AnnotationHead(
                id=ann.id,
                task_id=ann.task_id,
                completed_by=ann.completed_by,
                was_cancelled=ann.was_cancelled,
                version=version,
            )

        got = [(t, list(h), list(r)) for t, h, r in store.iter_review_rows(pid)]
        assert got == [
            (t1, [head(a, 2), head(b)], [r1, r3]),
            (t2, [], []),
            (t3, [head(c)], [r2]),
            (t4, [], []),
        ]
        assert type(got[0][1][1].completed_by) is str and got[2][1][0].completed_by is None
        assert [r[0] for r in store.iter_review_rows(pid, after=t1, limit=2)] == [t2, t3]
        assert [r[0] for r in store.iter_review_rows(pid, after=t2)] == [t3, t4]
        assert list(store.iter_review_rows(pid, after=t4)) == []
        assert list(store.iter_review_rows(pid, limit=0)) == []
        assert [r[0] for r in store.iter_review_rows(other)] == [foreign]

    def test_review_reads_list_the_authors_of_completed_annotations(self, store: Store) -> None:
        if not isinstance(store, ReviewReads):
            pytest.skip("the store has no ReviewReads")
        pid = self.project(store)
        other = self.project(store)
        t1, t2 = self.tasks(store, pid, 2)
        (foreign,) = self.tasks(store, other, 1)
        assert store.completed_annotators(pid) == []
        self.annotate(store, t1, pid, "only-skips", was_cancelled=True)
        self.annotate(store, t2, pid, None, was_cancelled=True)
        self.annotate(store, foreign, other, "elsewhere")
        assert store.completed_annotators(pid) == []
        for user in (7, "7", 7, "Zoë", None):
            self.annotate(store, t1, pid, user)
            self.annotate(store, t2, pid, user, was_cancelled=True)
        got = store.completed_annotators(pid)
        assert len(got) == 4
        assert {(type(u).__name__, u) for u in got} == {
            ("int", 7), ("str", "7"), ("str", "Zoë"), ("NoneType", None)
        }  # fmt: skip
        assert store.completed_annotators(other) == ["elsewhere"]
