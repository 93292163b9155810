"""Stored review quality of tasks (data-manager columns review_state, agreement,
annotation_states) and review claims (issue 11).

The rows are derived: ``LabelCore`` keeps them current on every annotation and review write;
``LabelCore.refresh_quality(user, project_id)`` fills them for work done before this upgrade.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # refreshing a task's quality reads its reviews by task
    op.create_index(
        "ix_labelcore_annotation_review_task_id", "labelcore_annotation_review", ["task_id"]
    )
    op.create_table(
        "labelcore_task_quality",
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("review_state", sa.String(length=16), nullable=False),
        sa.Column("agreement", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["task_id"], ["labelcore_task.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("task_id"),
    )
    op.create_index(
        "labelcore_task_quality_state_ix", "labelcore_task_quality", ["project_id", "review_state"]
    )
    op.create_index(
        "labelcore_task_quality_agreement_ix",
        "labelcore_task_quality",
        ["project_id", "agreement"],
    )
    op.create_table(
        "labelcore_annotation_state",
        sa.Column("annotation_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["annotation_id"], ["labelcore_annotation.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("annotation_id"),
    )
    op.create_index(
        "labelcore_annotation_state_task_ix", "labelcore_annotation_state", ["task_id", "state"]
    )
    op.create_table(
        "labelcore_review_claim",
        sa.Column("annotation_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=255), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["annotation_id"], ["labelcore_annotation.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("annotation_id"),
    )
    op.create_index(
        "labelcore_review_claim_user_ix", "labelcore_review_claim", ["project_id", "user_id"]
    )


def downgrade() -> None:
    op.drop_table("labelcore_review_claim")
    op.drop_table("labelcore_annotation_state")
    op.drop_table("labelcore_task_quality")
    op.drop_index("ix_labelcore_annotation_review_task_id", "labelcore_annotation_review")
