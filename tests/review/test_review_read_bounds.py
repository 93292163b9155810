"""The review reads cost what their caller asked for, not the project: the review stream a
constant number of statements per page, review states and an annotator's rejected work only
the tasks they name or find, agreement no list of the project's tasks. Their answers equal
the walk over every task that they replaced, on every store."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from rv_fixtures import ANN_A, ANN_B, ANN_C, MANAGER, REVIEWER, REVIEWER2, choice, new_core

from labelcore import LabelCore, User
from labelcore.quality.states import annotation_state, reviews_by_annotation, task_state
from labelcore.quality.tables import report_to_json
from labelcore.storage.memory import MemoryStore
from labelcore.storage.sql import SQLStore
from labelcore.web.http import Response


def _statements(core: LabelCore) -> list[str]:
    seen: list[str] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(" ".join(statement.split()))

    sa.event.listen(core.store.engine, "before_cursor_execute", before)  # type: ignore[attr-defined]
    return seen


def _project(core: LabelCore, n_tasks: int, annotated: int, **settings: Any) -> int:
    """``n_tasks`` tasks, the first ``annotated`` labeled by ANN_A and ANN_B."""
    settings.setdefault("maximum_annotations", 2)
    project = core.create_project(
        MANAGER, title="Bounds", label_config=_CONFIG, show_skip_button=True, **settings
    )
    rows = [
        {
            "data": {"text": f"task {i}"},
            "annotations": [
                {"result": choice(), "completed_by": ANN_A.id},
                {"result": choice("Negative" if i % 2 else "Positive"), "completed_by": ANN_B.id},
            ]
            if i < annotated
            else [],
        }
        for i in range(n_tasks)
    ]
    core.import_tasks(MANAGER, project.id, rows)
    return project.id


_CONFIG = """<View><Text name="text" value="$text"/>
<Choices name="sentiment" toName="text"><Choice value="Positive"/><Choice value="Negative"/>
</Choices></View>"""


def _varied(core: LabelCore) -> int:
    """A project with every review state: accepted (by one and by two reviewers), rejected
    (then fixed by its author, and again rejected), fixed and accepted, in review, skipped,
    unannotated."""
    pid = _project(core, 9, 6, reviews_per_annotation=2)
    anns = core.store.list_annotations(project_id=pid)
    a = [x for x in anns if x.completed_by == ANN_A.id]
    b = [x for x in anns if x.completed_by == ANN_B.id]
    core.accept_annotation(REVIEWER, a[0].id)
    core.accept_annotation(REVIEWER2, a[0].id)
    core.accept_annotation(REVIEWER, a[1].id)  # in review: two needed
    core.reject_annotation(REVIEWER, a[2].id, comment="first")
    core.reject_annotation(REVIEWER, a[3].id, comment="wrong")
    core.update_annotation(ANN_A, a[3].id, result=choice("Negative"))  # fixed: annotated again
    core.reject_annotation(REVIEWER2, a[4].id, comment="again")
    core.fix_and_accept(REVIEWER, b[0].id, result=choice("Positive"))
    core.reject_annotation(REVIEWER, b[1].id, comment="b's")
    tasks = sorted({x.task_id for x in anns})
    core.skip_task(ANN_C, tasks[0])
    core.submit_annotation(ANN_C, tasks[5], choice("Negative"))
    core.reject_annotation(REVIEWER, core.store.list_annotations(task_id=tasks[5])[-1].id)
    return pid


def _walked_states(core: LabelCore, pid: int, user: User) -> tuple[dict[int, str], dict[int, str]]:
    """review_states as it was: every bundle of the project and every review."""
    project = core.store.get_project(pid)
    assert project is not None
    needed = project.settings.reviews_per_annotation
    reviews = reviews_by_annotation(core.store.list_reviews(project_id=pid))
    sees_all = "manager" in user.roles or "reviewer" in user.roles
    tasks: dict[int, str] = {}
    anns: dict[int, str] = {}
    for bundle in core.store.iter_bundles(pid):
        states = [annotation_state(a, reviews.get(a.id, []), needed) for a in bundle.annotations]
        tasks[bundle.task.id] = task_state(states)
        for a, s in zip(bundle.annotations, states, strict=True):
            if sees_all or a.completed_by == user.id:
                anns[a.id] = s
    return tasks, anns


def _walked_rejected(core: LabelCore, pid: int, user: User) -> list[tuple[int, int]]:
    project = core.store.get_project(pid)
    assert project is not None
    reviews = reviews_by_annotation(core.store.list_reviews(project_id=pid))
    out = []
    for ann in core.store.list_annotations(project_id=pid, completed_by=user.id):
        mine = reviews.get(ann.id, [])
        if annotation_state(ann, mine, project.settings.reviews_per_annotation) == "rejected":
            out.append((ann.id, mine[-1].id))
    return out


def test_states_and_rejected_work_equal_the_walk(store_core: LabelCore) -> None:
    pid = _varied(store_core)
    for user in (MANAGER, ANN_A, ANN_B):
        expected = _walked_states(store_core, pid, user)
        got = store_core.review_states(user, pid)
        assert got == expected
        assert [list(d.items()) for d in got] == [list(d.items()) for d in expected]  # order
    tasks, anns = store_core.review_states(MANAGER, pid)
    assert set(anns.values()) == {
        "accepted", "in_review", "rejected", "annotated", "skipped"
    }  # fmt: skip
    assert set(tasks.values()) == {"rejected", "in_review", "annotated", "unannotated"}
    some = sorted(tasks)[::2]
    expected_some = ({t: tasks[t] for t in some}, {a: s for a, s in anns.items()})
    got_some = store_core.review_states(MANAGER, pid, [*some, some[0], 99_999])
    assert got_some[0] == expected_some[0]
    in_some = {a.id for a in store_core.store.list_annotations(project_id=pid, task_ids=some)}
    assert got_some[1] == {a: s for a, s in expected_some[1].items() if a in in_some}
    other = store_core.create_project(MANAGER, title="Other", label_config=_CONFIG)
    assert store_core.review_states(MANAGER, other.id, some) == ({}, {})  # not its tasks
    for user in (ANN_A, ANN_B, ANN_C):
        got_rejected = store_core.rejected_annotations(user, pid)
        assert [(a.id, r.id) for a, r in got_rejected] == _walked_rejected(store_core, pid, user)
    assert len(store_core.rejected_annotations(ANN_A, pid)) == 2
    assert [r.comment for _, r in store_core.rejected_annotations(ANN_B, pid)] == ["b's"]


def test_rejected_work_past_one_batch(store_core: LabelCore) -> None:
    pid = _project(store_core, 520, 520)
    mine = store_core.store.list_annotations(project_id=pid, completed_by=ANN_A.id)
    for ann in mine[:3] + mine[-503:]:
        store_core.store.add_review(ann.id, REVIEWER.id, action="rejected", accepted=False)
    store_core.refresh_quality(MANAGER, pid)
    got = store_core.rejected_annotations(ANN_A, pid)
    assert [(a.id, r.id) for a, r in got] == _walked_rejected(store_core, pid, ANN_A)
    assert len(got) == 506


def _reads(monkeypatch: pytest.MonkeyPatch, core: LabelCore) -> list[tuple[str, Any]]:
    """The store reads that grow with the project: whole-project review and annotation
    lists, the project's task ids, bundle walks."""
    seen: list[tuple[str, Any]] = []
    store = core.store
    for name in ("list_reviews", "list_annotations", "task_ids", "iter_bundles"):
        real = getattr(store, name)

        def spy(*args: Any, _real: Any = real, _name: str = name, **kw: Any) -> Any:
            seen.append((_name, kw or args))
            return _real(*args, **kw)

        monkeypatch.setattr(store, name, spy)
    return seen


def _whole_project(seen: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    return [
        (name, how)
        for name, how in seen
        if name in ("task_ids", "iter_bundles")
        or (isinstance(how, dict) and not how.keys() & {"task_ids", "annotation_ids", "task_id"})
    ]


def test_one_tasks_states_and_rejected_work_read_no_whole_project(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    core = new_core(MemoryStore())
    pid = _varied(core)
    tid = core.store.list_annotations(project_id=pid)[0].task_id
    seen = _reads(monkeypatch, core)
    core.review_states(MANAGER, pid, [tid])  # the review task page asks this
    core.rejected_annotations(ANN_A, pid)
    core.agreement(MANAGER, pid)
    assert seen and _whole_project(seen) == []
    core.close()


def test_review_states_of_one_task_does_not_grow_with_the_project(sql_core: LabelCore) -> None:
    counts = []
    for n in (3, 1200):
        pid = _project(sql_core, n, 3)
        tid = sql_core.store.list_annotations(project_id=pid)[0].task_id
        seen = _statements(sql_core)
        tasks, _ = sql_core.review_states(MANAGER, pid, [tid])
        assert tasks == {tid: "annotated"}
        counts.append(len(seen))
    assert counts[0] == counts[1] <= 12


def test_review_queue_statements_per_page_not_per_item(sql_core: LabelCore) -> None:
    counts = []
    for n in (5, 60):
        pid = _project(sql_core, n, n)
        seen = _statements(sql_core)
        items = sql_core.review_queue(REVIEWER, pid, limit=1000)
        assert len(items) == 2 * n
        counts.append(len(seen))
        seen = _statements(sql_core)
        filtered = sql_core.review_queue(REVIEWER, pid, limit=1000, min_agreement=0.0)
        assert [i.annotation.id for i in filtered] == [i.annotation.id for i in items]
        counts.append(len(seen))
    assert counts[0] == counts[2] and counts[1] == counts[3]
    assert counts[0] <= 24 and counts[1] <= 26


def test_agreement_keeps_no_list_of_the_projects_tasks(store_core: LabelCore) -> None:
    pid = _project(store_core, 7, 3)
    report = store_core.agreement(MANAGER, pid)
    ids = [b.task.id for b in store_core.store.iter_bundles(pid)]
    assert list(report.tasks) == ids and len(report.tasks) == 7
    assert [t for t, v in report.tasks.items() if v is not None] == ids[:3]
    assert report.tasks[ids[-1]] is None and report.tasks.get(99_999, "x") == "x"
    assert 99_999 not in report.tasks and ids[0] in report.tasks
    body = report_to_json(report)
    assert [t["task"] for t in body["tasks"]] == ids
    assert body == report_to_json(
        type(report)(**{**_fields(report), "tasks": dict(report.tasks.items())})
    )
    assert Response.json(body).body == Response.json(report_to_json(report)).body


def _fields(report: Any) -> dict[str, Any]:
    import attrs

    return {f.name: getattr(report, f.name) for f in attrs.fields(type(report))}


def test_an_annotators_reviews_read_their_annotations_in_one_statement(
    sql_core: LabelCore,
) -> None:
    counts = []
    for n in (2, 30):
        pid = _project(sql_core, n, n)
        for ann in sql_core.store.list_annotations(project_id=pid):
            sql_core.accept_annotation(REVIEWER, ann.id)
        seen = _statements(sql_core)
        mine = sql_core.list_reviews(ANN_A, project_id=pid)
        counts.append(len(seen))
        assert len(mine) == n and len(sql_core.list_reviews(MANAGER, project_id=pid)) == 2 * n
    assert counts[0] == counts[1]


class _Plain:
    """The store without its ReviewReads: the service reads whole annotations instead."""

    def __init__(self, store: Any) -> None:
        self._store = store

    def __getattr__(self, name: str) -> Any:
        if name in ("iter_review_rows", "completed_annotators"):
            raise AttributeError(name)
        return getattr(self._store, name)


def _paged(core: LabelCore, pid: int, user: User, limit: int, after: int = 0) -> tuple[Any, ...]:
    tasks: list[tuple[int, str]] = []
    anns: list[tuple[int, str]] = []
    pages = 0
    while True:
        page = core.review_states_page(user, pid, after=after, limit=limit)
        pages += 1
        assert len(page.tasks) <= limit
        tasks += page.tasks.items()
        anns += page.annotations.items()
        if page.next is None:
            return tasks, anns, pages
        assert page.next == list(page.tasks)[-1] and len(page.tasks) == limit
        after = page.next


def test_state_pages_join_to_the_whole_projects_states(
    store_core: LabelCore, monkeypatch: pytest.MonkeyPatch
) -> None:
    pid = _varied(store_core)
    for plain in (False, True):
        if plain:  # a custom store without ReviewReads: the same pages
            monkeypatch.setattr(store_core, "store", _Plain(store_core.store))
        for user in (MANAGER, ANN_A, ANN_B):
            tasks, anns = _walked_states(store_core, pid, user)
            assert store_core.review_states(user, pid) == (tasks, anns)
            for limit in (1, 2, 4, 9, 10, 1000):
                got = _paged(store_core, pid, user, limit)
                assert got[:2] == (list(tasks.items()), list(anns.items()))
                assert got[2] == max(1, -(-len(tasks) // limit))
            middle = sorted(tasks)[3]
            later, _, _ = _paged(store_core, pid, user, 2, after=middle)
            assert later == [(t, s) for t, s in tasks.items() if t > middle]
            for past in (max(tasks), 2**31, 2**70):  # past any id a column can hold too
                last = store_core.review_states_page(user, pid, after=past, limit=5)
                assert (last.tasks, last.annotations, last.next) == ({}, {}, None)


def test_state_pages_refuse_bad_bounds() -> None:
    from labelcore.errors import NotFound, ValidationError

    core = new_core(MemoryStore())
    pid = _project(core, 3, 1)
    for kw, code in (
        ({"limit": 0}, "review.limit"),
        ({"limit": 10_001}, "review.limit"),
        ({"limit": "5"}, "review.limit"),
        ({"limit": True}, "review.limit"),
        ({"after": -1}, "review.after"),
        ({"after": 1.5}, "review.after"),
    ):
        with pytest.raises(ValidationError) as err:
            core.review_states_page(MANAGER, pid, **kw)
        assert err.value.code == code
    with pytest.raises(NotFound):
        core.review_states_page(MANAGER, 999, limit=0)  # an unseen project: 404 first
    core.close()


def test_whole_project_states_read_no_result_and_no_task_data(sql_core: LabelCore) -> None:
    counts = []
    for n in (3, 1200):
        pid = _project(sql_core, n, min(n, 600))
        seen = _statements(sql_core)
        tasks, anns = sql_core.review_states(MANAGER, pid)
        assert len(tasks) == n and len(anns) == 2 * min(n, 600)
        assert seen and not [s for s in seen if "result" in s or "labelcore_task.data" in s]
        counts.append(len(seen))
    # the access check, then one batch of tasks: the project's first and last task id, ids,
    # annotations, reviews (PostgreSQL: in one transaction of their own)
    assert counts[0] == counts[1] <= 7


def test_agreement_reads_its_annotators_without_the_totals(sql_core: LabelCore) -> None:
    pid = _project(sql_core, 30, 20)
    seen = _statements(sql_core)
    report = sql_core.agreement(MANAGER, pid)
    assert report.annotators == tuple(sorted({str(ANN_A.id), str(ANN_B.id)}))
    # annotation_totals groups every annotation of the project (0.3 s at 50,000 on SQLite)
    assert not [s for s in seen if "GROUP BY" in s or "count(" in s.lower()]


def test_rejected_work_is_found_in_one_look(monkeypatch: pytest.MonkeyPatch) -> None:
    core = new_core(MemoryStore())
    pid = _varied(core)
    looks: list[int] = []
    real = core.store.tasks_with_state

    def spy(*args: Any, **kw: Any) -> list[int]:
        found = real(*args, **kw)
        looks.append(len(found))
        return found

    monkeypatch.setattr(core.store, "tasks_with_state", spy)
    assert len(core.rejected_annotations(ANN_A, pid)) == 2
    assert looks == [2]  # fewer than a batch: no second look that finds none
    core.close()


def test_rejected_tasks_start_from_the_rejected_rows(tmp_path: Any) -> None:
    """SQLite's plan of an annotator's rejected work reads the rejected rows' partial index,
    not every annotation of theirs in the project."""
    core = new_core(SQLStore(f"sqlite:///{tmp_path / 'plan.db'}"))
    pid = _varied(core)
    seen: list[tuple[str, Any]] = []

    def before(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        seen.append((statement, params))

    sa.event.listen(core.store.engine, "before_cursor_execute", before)  # type: ignore[attr-defined]
    assert len(core.rejected_annotations(ANN_A, pid)) == 2
    statement, params = next((s, p) for s, p in seen if "labelcore_annotation_state" in s)
    with core.store.engine.connect() as conn:  # type: ignore[attr-defined]
        plan = " ".join(
            str(r) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params)
        )
    assert "labelcore_annotation_state_rejected_ix" in plan
    assert "labelcore_annotation_project_user_ix" not in plan
    core.close()
