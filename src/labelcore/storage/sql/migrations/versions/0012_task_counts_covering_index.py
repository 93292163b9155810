"""Widen the tasks' prediction-count index to (project_id, total_predictions,
total_annotations): it still serves the "has predictions" filter, and it now covers the task
list's ``total_annotations``/``total_predictions`` sums (``Store.task_totals``), which read
the index alone instead of every task row. Without it SQLite's planner could read those sums
through a data-key index with a row lookup per task (177 ms instead of 6 ms at 100k tasks).

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

OLD = "labelcore_task_predictions_ix"
NEW = "labelcore_task_counts_ix"


def upgrade() -> None:
    op.create_index(NEW, "labelcore_task", ["project_id", "total_predictions", "total_annotations"])
    op.drop_index(OLD, table_name="labelcore_task")
    bind = op.get_bind()
    if (
        bind.dialect.name == "sqlite"
        and bind.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").first()
    ):
        # as in 0006: a new index without statistics beside analyzed ones looks perfectly
        # selective to SQLite
        op.execute(f"ANALYZE {NEW}")


def downgrade() -> None:
    op.create_index(OLD, "labelcore_task", ["project_id", "total_predictions"])
    op.drop_index(NEW, table_name="labelcore_task")
