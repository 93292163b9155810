"""An index of each project's scored predictions in score order, for the next task's
uncertainty sampling (least sure first): ``(project_id, score, task_id) WHERE score IS NOT
NULL``.

Without it the queue computed every open task's score and sorted them all: 0.3-1 s a next
task at 100,000 tasks. With it the candidates are read in score order from this index,
each joined to its task and checked, and the read stops once it has the few it needs; a
task is ranked by its least sure prediction (its first row in that order).

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

NAME = "labelcore_prediction_score_ix"


def upgrade() -> None:
    op.create_index(
        NAME,
        "labelcore_prediction",
        ["project_id", "score", "task_id"],
        postgresql_where=sa.text("score IS NOT NULL"),
        sqlite_where=sa.text("score IS NOT NULL"),
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
    op.drop_index(NAME, table_name="labelcore_prediction")
