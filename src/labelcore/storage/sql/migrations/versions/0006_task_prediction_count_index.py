"""Index the tasks' prediction count per project: the data manager's "has predictions"
filter (``total_predictions > 0``) counts through it instead of scanning the project.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

NAME = "labelcore_task_predictions_ix"


def upgrade() -> None:
    op.create_index(NAME, "labelcore_task", ["project_id", "total_predictions"])
    bind = op.get_bind()
    if (
        bind.dialect.name == "sqlite"
        and bind.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").first()
    ):
        # the other indexes have statistics and a new one without would look perfectly
        # selective: SQLite would then read whole projects through it to serve plain pages
        op.execute(f"ANALYZE {NAME}")


def downgrade() -> None:
    op.drop_index(NAME, table_name="labelcore_task")
