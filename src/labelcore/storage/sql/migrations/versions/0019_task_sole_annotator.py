"""The next task of an annotator far ahead of the others: a task's ``sole_annotator`` (the
user whose annotations, skips aside, are all of the task's; '' for several users or one
without an id, NULL for none), with ``labelcore_task_sole_ix`` ``(project_id,
total_annotations DESC, sole_annotator)`` over the started open tasks (``NOT is_labeled
AND sole_annotator IS NOT NULL``), and ``labelcore_task_fresh_ix`` ``(project_id,
inner_id) WHERE NOT is_labeled AND total_annotations = 0``.

Breadth first, the queue walked the started open tasks in order: for a user who had
annotated the first 50,000 of 100,000 tasks of overlap 2 alone, every one of theirs was
read and passed (100,020 rows, 60-250 ms a next task). A count of annotations whose tasks
all have that user as their sole annotator holds nothing for them; the least and greatest
``sole_annotator`` of the count (two probes of the sole index) tell it, and the walk starts
below it. The tasks nobody has started then come from the fresh index instead of the
queue index, which walked the started ones to reach them (50,000 rows for every user's
next task in that project).

The upgrade fills ``sole_annotator`` from the annotations already there.

Revision ID: 0019
Revises: 0018
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

# the partial indexes' conditions as this revision wrote them (labelcore.storage.sql.tables
# FRESH and SOLE at the time): a later change there must not change what this builds
FRESH = "NOT is_labeled AND total_annotations = 0"
SOLE = "NOT is_labeled AND sole_annotator IS NOT NULL"
SOLE_IX = "labelcore_task_sole_ix"
FRESH_IX = "labelcore_task_fresh_ix"


def upgrade() -> None:
    op.add_column("labelcore_task", sa.Column("sole_annotator", sa.String(255), nullable=True))
    # as _base.SQLBase._recount_stmt computes it: the one completer of the task's
    # annotations that are not skips, '' for several (or one without an id)
    op.execute(
        "UPDATE labelcore_task SET sole_annotator = ("
        "SELECT CASE WHEN count(DISTINCT coalesce(a.completed_by, 'null')) = 1"
        " THEN coalesce(max(a.completed_by), '') WHEN count(*) > 0 THEN '' END"
        " FROM labelcore_annotation a"
        " WHERE a.task_id = labelcore_task.id AND a.was_cancelled = false)"
        " WHERE total_annotations > 0"
    )
    op.create_index(
        SOLE_IX,
        "labelcore_task",
        ["project_id", sa.literal_column("total_annotations").desc(), "sole_annotator"],
        postgresql_where=sa.text(SOLE),
        sqlite_where=sa.text(SOLE),
    )
    op.create_index(
        FRESH_IX,
        "labelcore_task",
        ["project_id", "inner_id"],
        postgresql_where=sa.text(FRESH),
        sqlite_where=sa.text(FRESH),
    )
    bind = op.get_bind()
    if (
        bind.dialect.name == "sqlite"
        and bind.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").first()
    ):
        # as in 0006, 0012, 0014 and 0016: a new index without statistics beside analyzed
        # ones looks perfectly selective to SQLite
        op.execute(f"ANALYZE {SOLE_IX}")
        op.execute(f"ANALYZE {FRESH_IX}")


def downgrade() -> None:
    op.drop_index(FRESH_IX, table_name="labelcore_task")
    op.drop_index(SOLE_IX, table_name="labelcore_task")
    # a plain DROP COLUMN (SQLite >= 3.35), as 0010: rebuilding the table would cascade
    op.execute("ALTER TABLE labelcore_task DROP COLUMN sole_annotator")
