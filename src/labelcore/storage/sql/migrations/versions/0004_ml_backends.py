"""ML backends of projects (issue 9): connections that survive restarts.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "labelcore_ml_backends",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("is_interactive", sa.Boolean(), nullable=False),
        sa.Column("auth_method", sa.String(length=16), nullable=False),
        sa.Column("basic_auth_user", sa.String(length=255), nullable=False),
        sa.Column("basic_auth_pass", sa.String(length=255), nullable=False),
        sa.Column("extra_params", _JSON, nullable=False),
        sa.Column("timeout", sa.Float(), nullable=False),
        sa.Column("model_version", sa.String(length=255), nullable=False),
        sa.Column("state", sa.String(length=2), nullable=False),
        sa.Column("error_message", sa.Text(), nullable=False),
        sa.Column("dialect", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["labelcore_project.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index(
        op.f("ix_labelcore_ml_backends_project_id"),
        "labelcore_ml_backends",
        ["project_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_table("labelcore_ml_backends")
