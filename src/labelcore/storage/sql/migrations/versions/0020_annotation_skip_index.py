"""A partial index of the skips: ``labelcore_annotation_skip_ix (project_id, completed_by,
task_id) WHERE was_cancelled``.

With ``requeue_for_me``, once nothing else is left for a user their own skipped tasks come
back. Under uniform or uncertainty sampling those few tasks were found among every open
task of the project: the open tasks sorted at random, or the scored predictions walked in
score order, each probing its task for the user's skip (100,000 open tasks read at 100,000
tasks). With this index the user's skips are read first: when they are few (up to 500 on
open tasks), their tasks are sorted alone. Submits, updates and imports without skips add
nothing to it.

Revision ID: 0020
Revises: 0019
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

# the index's condition as this revision wrote it (labelcore.storage.sql.tables.SKIPS at the
# time): a later change there must not change what this builds
NAME = "labelcore_annotation_skip_ix"
WHERE = "was_cancelled"


def upgrade() -> None:
    op.create_index(
        NAME,
        "labelcore_annotation",
        ["project_id", "completed_by", "task_id"],
        postgresql_where=sa.text(WHERE),
        sqlite_where=sa.text(WHERE),
    )
    bind = op.get_bind()
    if (
        bind.dialect.name == "sqlite"
        and bind.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").first()
    ):
        # as in 0006, 0012, 0014, 0016 and 0019: a new index without statistics beside
        # analyzed ones looks perfectly selective to SQLite
        op.execute(f"ANALYZE {NAME}")


def downgrade() -> None:
    op.drop_index(NAME, table_name="labelcore_annotation")
