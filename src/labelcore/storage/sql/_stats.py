"""SQLStore part: the aggregates of project statistics (private; see
``labelcore.storage.base.StatisticsReads``).

    store = SQLStore("sqlite:///labelcore.db")
    store.annotation_totals(project.id).annotators     # per stored completed_by
    sum(1 for _ in store.iter_results(project.id))     # completed annotations' results

Counts, medians and days are computed by the database (a handful of statements whatever the
project's size); results stream through a server-side cursor, a batch at a time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa

from labelcore.model import Annotation, ResultList
from labelcore.storage.base import AnnotationTotals, AnnotatorTotals
from labelcore.storage.sql._base import SQLBase, annotation_from_row
from labelcore.storage.sql.tables import ANNOTATIONS, PROJECTS, TASKS

A, T = ANNOTATIONS, TASKS
_PID: Any = sa.bindparam("pid")


def _middles(partition: Any) -> Any:
    """SQLite: the lead times at the middle position(s) of the project's completed
    annotations (one row for an odd count, two for an even one), per ``partition`` value (or
    overall for ``None``): what ``statistics.median`` averages, without reading every value.
    PostgreSQL gets them from ``percentile_disc`` in the per-annotator statement."""
    over = {"partition_by": partition} if partition is not None else {}
    inner = sa.select(
        (partition if partition is not None else sa.null()).label("who"),
        A.c.lead_time,
        sa.func.row_number().over(order_by=A.c.lead_time, **over).label("rn"),
        sa.func.count().over(**over).label("n"),
    ).where(A.c.project_id == _PID, A.c.was_cancelled.is_(False))
    sub = inner.subquery("ranked")
    return sa.select(sub.c.who, sub.c.lead_time, sub.c.n).where(
        sub.c.rn.in_([(sub.c.n + 1) // 2, sub.c.n // 2 + 1])
    )


def _median(values: list[float], n: int) -> float | None:
    """``statistics.median`` of ``n`` values given their middle one(s) in order."""
    if not values:
        return None
    return values[0] if n % 2 else (values[0] + values[1]) / 2


class SQLStats(SQLBase):
    def _totals_stmts(self) -> tuple[Any, ...]:
        done = A.c.was_cancelled.is_(False)
        # the project's maintained count (migration 0010) and the labeled ones through
        # (project_id, is_labeled, inner_id): no pass over the project's tasks
        labeled = (
            sa.select(sa.func.count())
            .where(T.c.project_id == _PID, T.c.is_labeled.is_(True))
            .scalar_subquery()
        )
        tasks = sa.select(
            sa.func.coalesce(
                sa.select(PROJECTS.c.task_count).where(PROJECTS.c.id == _PID).scalar_subquery(),
                0,
            ),
            labeled,
        )
        counts = [
            sa.func.count().filter(done).label("done"),
            sa.func.count().filter(A.c.was_cancelled.is_(True)).label("skipped"),
        ]
        if self.is_pg:
            # one pass: per annotator and overall (the grouping() = 1 row), the lower and
            # upper middle lead times (percentile_disc ascending and descending)
            middle = [
                sa.func.percentile_disc(0.5).within_group(order).filter(done).label(name)
                for order, name in ((A.c.lead_time, "lo"), (A.c.lead_time.desc(), "hi"))
            ]
            people = (
                sa.select(
                    A.c.completed_by, sa.func.grouping(A.c.completed_by).label("all"), *counts,
                    *middle,
                )
                .where(A.c.project_id == _PID)
                .group_by(sa.func.grouping_sets(sa.tuple_(A.c.completed_by), sa.tuple_()))
            )  # fmt: skip
            day = sa.func.date(sa.func.timezone("UTC", A.c.created_at))  # from timestamptz
            extra: tuple[Any, ...] = ()
        else:
            people = (
                sa.select(A.c.completed_by, *counts)
                .where(A.c.project_id == _PID)
                .group_by(A.c.completed_by)
            )
            day = sa.func.date(A.c.created_at)  # SQLite keeps naive UTC text
            extra = (_middles(A.c.completed_by), _middles(None))
        days = (
            sa.select(day.label("day"), sa.func.count())
            .where(A.c.project_id == _PID, done)
            .group_by(day)
        )
        return tasks, people, days, *extra

    def _people(
        self, conn: sa.Connection, people: Any, extra: tuple[Any, ...], params: dict[str, Any]
    ) -> tuple[list[AnnotatorTotals], float | None]:
        """The annotators' totals and the overall median lead time."""
        rows: list[AnnotatorTotals] = []
        if self.is_pg:
            overall = None
            for r in conn.execute(people, params):
                n = r.done
                median = None if not n else r.lo if n % 2 else (r.lo + r.hi) / 2
                if r.all:
                    overall = median
                    continue
                rows.append(
                    AnnotatorTotals(
                        completed_by=r.completed_by,
                        annotations=n,
                        skipped=r.skipped,
                        median_lead_time=median,
                    )
                )
            return rows, overall
        per_person, everyone = extra
        middles: dict[Any, tuple[list[float], int]] = {}
        for r in conn.execute(per_person, params):
            middles.setdefault(r.who, ([], r.n))[0].append(r.lead_time)
        values, total = [], 0
        for r in conn.execute(everyone, params):
            values.append(r.lead_time)
            total = r.n
        for r in conn.execute(people, params):
            mine, n = middles.get(r.completed_by, ([], 0))
            rows.append(
                AnnotatorTotals(
                    completed_by=r.completed_by,
                    annotations=r.done,
                    skipped=r.skipped,
                    median_lead_time=_median(sorted(mine), n),
                )
            )
        return rows, _median(sorted(values), total)

    def annotation_totals(self, project_id: int) -> AnnotationTotals:
        tasks, people, days, *extra = self._stmt("stats.totals", self._totals_stmts)
        params = {"pid": project_id}
        with self._tx(write=False) as conn:
            n_tasks, labeled = conn.execute(tasks, params).one()
            annotators, median = self._people(conn, people, tuple(extra), params)
            per_day = conn.execute(days, params).all()
        return AnnotationTotals(
            tasks=n_tasks,
            labeled_tasks=int(labeled),
            median_lead_time=median,
            per_day=tuple(
                sorted(
                    (d if isinstance(d, dt.date) else dt.date.fromisoformat(d), n)
                    for d, n in per_day
                )
            ),
            annotators=tuple(annotators),
        )

    def iter_results(self, project_id: int, *, batch_size: int = 1000) -> Iterator[ResultList]:
        empty: Any = sa.literal_column("'[]'::jsonb" if self.is_pg else "'[]'")
        stmt = sa.select(A.c.result).where(
            A.c.project_id == project_id, A.c.was_cancelled.is_(False), A.c.result != empty
        )
        with self._tx(write=False) as conn:
            rows = conn.execution_options(yield_per=max(1, batch_size)).execute(stmt)
            for batch in rows.partitions():
                yield from (r.result for r in batch)

    def iter_compared_tasks(
        self, project_id: int, *, batch_size: int = 1000
    ) -> Iterator[tuple[int, list[Annotation]]]:
        # One statement streamed, driven by the compared tasks (a MATERIALIZED CTE on
        # PostgreSQL: an annotation table that was never analyzed reads as a dozen rows,
        # and the planner then probed the task of every annotation of the project: 95 ms
        # at 50,000 annotations with no task to compare, against 1 ms). Not a keyset walk
        # over the tasks: a total_annotations filter with stale statistics could plan
        # every batch as a scan of the project.
        compared = sa.select(T.c.id).where(T.c.project_id == project_id, T.c.total_annotations > 1)
        tasks = compared.cte("compared")
        if self.is_pg:
            tasks = tasks.prefix_with("MATERIALIZED")
        stmt = (
            sa.select(A)
            .select_from(tasks.join(A, A.c.task_id == tasks.c.id))
            .order_by(A.c.task_id, A.c.id)
        )
        task_id, anns = 0, list[Annotation]()
        with self._tx(write=False) as conn:
            rows = conn.execution_options(yield_per=max(1, batch_size)).execute(stmt)
            for batch in rows.partitions():
                for row in batch:
                    if row.task_id != task_id and anns:
                        yield task_id, anns
                        anns = []
                    task_id = row.task_id
                    anns.append(annotation_from_row(row))
        if anns:
            yield task_id, anns
