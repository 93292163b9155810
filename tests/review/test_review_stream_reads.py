"""What the review stream reads: the items' tasks in one batch, and next_review only the
candidates it looks at (the statements grow with the page, not with the project)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from rv_fixtures import ANN_A, ANN_B, MANAGER, REVIEWER, choice, make_project, new_core, task_ids

from labelcore.storage.memory import MemoryStore


def _count(monkeypatch: pytest.MonkeyPatch, store: Any, names: list[str]) -> Counter[str]:
    calls: Counter[str] = Counter()
    for name in names:
        real = getattr(store, name)

        def spy(*args: Any, _real: Any = real, _name: str = name, **kw: Any) -> Any:
            calls[_name] += 1
            return _real(*args, **kw)

        monkeypatch.setattr(store, name, spy)
    return calls


def test_review_queue_reads_the_items_tasks_in_one_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    core = new_core(MemoryStore())
    project = make_project(core, 12, maximum_annotations=2)
    for tid in task_ids(core, project.id):
        core.submit_annotation(ANN_A, tid, choice("Positive"))
        core.submit_annotation(ANN_B, tid, choice("Negative"))
    expected = [(i.annotation.id, i.bundle, i.agreement) for i in core.review_queue(
        REVIEWER, project.id, limit=30)]  # fmt: skip
    calls = _count(monkeypatch, core.store, ["get_bundle", "iter_bundles", "get_annotation"])
    items = core.review_queue(REVIEWER, project.id, limit=30)
    assert [(i.annotation.id, i.bundle, i.agreement) for i in items] == expected
    assert len(items) == 24 and items[0].agreement == 0.0
    assert calls["get_bundle"] == 0 and calls["iter_bundles"] == 1
    calls.clear()
    item = core.next_review(REVIEWER, project.id)
    assert item is not None and item.annotation.id == expected[0][0]
    assert calls["get_annotation"] <= 2  # the first candidate (and its re-check after the claim)
    assert core.review_queue(MANAGER, project.id, annotator=999) == []
    core.close()


def test_review_candidates_walk_the_index_on_an_unanalyzed_table(pg_url: str) -> None:
    """PostgreSQL: the stream's page query walks (project_id, updated_at, id) and stops
    after the page even when the annotation table was never analyzed (autovacuum off): the
    planner then took the project for a dozen rows and sorted all of them on every call."""
    import datetime as dt

    import sqlalchemy as sa

    from labelcore.model import NewAnnotation, NewTask, ProjectSettings
    from labelcore.storage.sql import SQLStore

    store = SQLStore(pg_url)
    store.migrate()
    try:
        pid = store.add_project(ProjectSettings(title="p"), created_by=1).id
        ann = NewAnnotation(result=choice(), completed_by=3)
        store.add_tasks(pid, [NewTask(data={"i": i}, annotations=(ann,)) for i in range(3000)])
        seen: list[tuple[str, Any]] = []

        def log(conn: Any, cursor: Any, statement: str, params: Any, *rest: Any) -> None:
            seen.append((statement, params))

        sa.event.listen(store.engine, "before_cursor_execute", log)
        now = dt.datetime.now(dt.UTC)
        got = store.review_candidates(pid, 9, ("annotated", "in_review"), now, limit=50)
        sa.event.remove(store.engine, "before_cursor_execute", log)
        assert len(got) == 50
        texts = [s for s, _ in seen]
        page = next(i for i, s in enumerate(texts) if "ORDER BY" in s)
        assert any("enable_sort = off" in s for s in texts[:page])
        with store.engine.connect() as conn, conn.begin():
            conn.exec_driver_sql("SET LOCAL enable_sort = off")
            plan = "\n".join(
                r[0] for r in conn.exec_driver_sql("EXPLAIN " + texts[page], seen[page][1])
            )
        assert "labelcore_annotation_project_updated_ix" in plan and "Sort" not in plan, plan
    finally:
        store.close()
