"""A partial index of the open tasks with overlap > 1, for the next task's
``show_overlap_first``: ``(project_id, inner_id) WHERE NOT is_labeled AND overlap > 1``.

The queue hands those tasks out first, read from the queue index in import order and
filtered by overlap: in a project with no open task of overlap > 1 (every task of overlap
1, or the cohort of overlap > 1 done) that read went through every open task to find none
(25-270 ms a next task at 100,000 tasks). From this index it finds them, or that there are
none, at once. A project of overlap 1 adds nothing to it.

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from labelcore.storage.sql.tables import OVERLAP

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

NAME = "labelcore_task_overlap_ix"


def upgrade() -> None:
    op.create_index(
        NAME,
        "labelcore_task",
        ["project_id", "inner_id"],
        postgresql_where=sa.text(OVERLAP),
        sqlite_where=sa.text(OVERLAP),
    )
    bind = op.get_bind()
    if (
        bind.dialect.name == "sqlite"
        and bind.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").first()
    ):
        # as in 0006, 0012 and 0014: a new index without statistics beside analyzed ones
        # looks perfectly selective to SQLite
        op.execute(f"ANALYZE {NAME}")


def downgrade() -> None:
    op.drop_index(NAME, table_name="labelcore_task")
