"""The user directory remembers the roles last seen, so API tokens act with them.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("labelcore_user") as batch:
        batch.add_column(
            sa.Column("roles", sa.String(length=255), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("labelcore_user") as batch:
        batch.drop_column("roles")
