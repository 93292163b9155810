"""A project's tasks in id order: ``labelcore_task_project_ix`` ``(project_id, id)``.

The keyset streams over a project's tasks (task ids, review rows, task bundles, exports)
read ``WHERE project_id = ? AND id > ? ORDER BY id LIMIT n``. With no index in that order,
SQLite walked the primary key and filtered by project, and so did PostgreSQL for a project
of some size: the batch that met a project's end read every task of the projects after it
(a 100-task project followed by a 100,000-task one: 100,000 rows, twice per stream). The
index also gives the project's first and last task id in two probes, which bound the
streams whichever index PostgreSQL takes.

Revision ID: 0022
Revises: 0021
"""

from __future__ import annotations

from alembic import op

from labelcore.storage.sql.engine import analyze_new_index

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

NAME = "labelcore_task_project_ix"


def upgrade() -> None:
    op.create_index(NAME, "labelcore_task", ["project_id", "id"])
    analyze_new_index(op.get_bind(), NAME)


def downgrade() -> None:
    op.drop_index(NAME, table_name="labelcore_task")
