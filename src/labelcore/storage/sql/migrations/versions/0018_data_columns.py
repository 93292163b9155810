"""The top-level data keys of each project's tasks (Label Studio's ``all_data_columns``):
``labelcore_data_column (project_id, key)``.

The data manager offered columns only for the keys the labeling config reads, so a CSV's
other columns (a ``source``, an ``id`` of the host's) could not be shown, sorted or filtered
from it. Imports and task edits now add their keys; this migration fills the table from the
tasks already stored (one pass over the task table).

Revision ID: 0018
Revises: 0017
"""

# ruff: noqa: S608 - DDL and statements built from constant names only
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

TABLE = "labelcore_data_column"
MAX_KEY = 255  # labelcore.storage.base.MAX_DATA_COLUMN when this migration was written


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column(
            "project_id",
            sa.Integer,
            sa.ForeignKey("labelcore_project.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("key", sa.String(MAX_KEY), primary_key=True),
    )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(
            f"INSERT INTO {TABLE} (project_id, key) SELECT DISTINCT t.project_id, k "
            "FROM labelcore_task t, jsonb_object_keys(t.data) k "
            f"WHERE jsonb_typeof(t.data) = 'object' AND length(k) <= {MAX_KEY}"
        )
    else:
        op.execute(
            f"INSERT INTO {TABLE} (project_id, key) SELECT DISTINCT t.project_id, j.key "
            "FROM labelcore_task t, json_each(t.data) j "
            f"WHERE json_type(t.data) = 'object' AND length(j.key) <= {MAX_KEY}"
        )


def downgrade() -> None:
    op.drop_table(TABLE)
