"""Baseline: every labelcore table as of 0.1.0.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "labelcore_project",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("settings", _JSON, nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("task_seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "labelcore_token",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("token_hash", sa.String(length=255), nullable=False),
        sa.Column("prefix", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
        sqlite_autoincrement=True,
    )
    op.create_index(
        op.f("ix_labelcore_token_user_id"), "labelcore_token", ["user_id"], unique=False
    )
    op.create_table(
        "labelcore_user",
        sa.Column("id", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("email_lower", sa.String(length=320), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_labelcore_user_email_lower"), "labelcore_user", ["email_lower"], unique=False
    )
    op.create_table(
        "labelcore_job",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("payload", _JSON, nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("run_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("worker", sa.String(length=255), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("result", _JSON, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["labelcore_project.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index(
        op.f("ix_labelcore_job_project_id"), "labelcore_job", ["project_id"], unique=False
    )
    op.create_index("labelcore_job_due_ix", "labelcore_job", ["status", "run_at"], unique=False)
    op.create_table(
        "labelcore_member",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["labelcore_project.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("project_id", "user_id"),
    )
    op.create_index(
        op.f("ix_labelcore_member_user_id"), "labelcore_member", ["user_id"], unique=False
    )
    op.create_table(
        "labelcore_task",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("inner_id", sa.Integer(), nullable=False),
        sa.Column("data", _JSON, nullable=False),
        sa.Column("meta", _JSON, nullable=False),
        sa.Column("overlap", sa.Integer(), nullable=False),
        sa.Column("is_labeled", sa.Boolean(), nullable=False),
        sa.Column("total_annotations", sa.Integer(), nullable=False),
        sa.Column("cancelled_annotations", sa.Integer(), nullable=False),
        sa.Column("total_predictions", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("file_upload", sa.String(length=1024), nullable=True),
        sa.Column("data_hash", sa.String(length=128), nullable=True),
        sa.ForeignKeyConstraint(["project_id"], ["labelcore_project.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("project_id", "inner_id", name="labelcore_task_inner_uq"),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "labelcore_task_hash_ix", "labelcore_task", ["project_id", "data_hash"], unique=False
    )
    op.create_index(
        "labelcore_task_queue_ix",
        "labelcore_task",
        ["project_id", "is_labeled", "inner_id"],
        unique=False,
    )
    op.create_table(
        "labelcore_view",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=255), nullable=True),
        sa.Column("data", _JSON, nullable=False),
        sa.Column("order", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["labelcore_project.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index(
        op.f("ix_labelcore_view_project_id"), "labelcore_view", ["project_id"], unique=False
    )
    op.create_table(
        "labelcore_webhook",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("secret", sa.String(length=255), nullable=False),
        sa.Column("send_payload", sa.Boolean(), nullable=False),
        sa.Column("send_for_all_actions", sa.Boolean(), nullable=False),
        sa.Column("actions", _JSON, nullable=False),
        sa.Column("headers", _JSON, nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["labelcore_project.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index(
        op.f("ix_labelcore_webhook_project_id"), "labelcore_webhook", ["project_id"], unique=False
    )
    op.create_table(
        "labelcore_annotation",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("result", _JSON, nullable=False),
        sa.Column("completed_by", sa.String(length=255), nullable=True),
        sa.Column("was_cancelled", sa.Boolean(), nullable=False),
        sa.Column("ground_truth", sa.Boolean(), nullable=False),
        sa.Column("lead_time", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=255), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("unique_id", sa.String(length=255), nullable=True),
        sa.Column("last_action", sa.String(length=64), nullable=True),
        sa.Column("imported", sa.Boolean(), nullable=False),
        sa.Column("import_id", sa.BigInteger(), nullable=True),
        sa.Column("parent_prediction", sa.Integer(), nullable=True),
        sa.Column("parent_annotation", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["task_id"], ["labelcore_task.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("unique_id"),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "labelcore_annotation_project_user_ix",
        "labelcore_annotation",
        ["project_id", "completed_by"],
        unique=False,
    )
    op.create_index(
        "labelcore_annotation_task_user_ix",
        "labelcore_annotation",
        ["task_id", "completed_by"],
        unique=False,
    )
    op.create_table(
        "labelcore_assignment",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=255), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["task_id"], ["labelcore_task.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("task_id", "user_id", name="labelcore_assignment_uq"),
        sqlite_autoincrement=True,
    )
    op.create_index(
        op.f("ix_labelcore_assignment_project_id"),
        "labelcore_assignment",
        ["project_id"],
        unique=False,
    )
    op.create_table(
        "labelcore_claim",
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=255), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["task_id"], ["labelcore_task.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("task_id", "user_id"),
    )
    op.create_index(
        op.f("ix_labelcore_claim_expires_at"), "labelcore_claim", ["expires_at"], unique=False
    )
    op.create_index(
        "labelcore_claim_user_ix", "labelcore_claim", ["project_id", "user_id"], unique=False
    )
    op.create_table(
        "labelcore_prediction",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("result", _JSON, nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("model_version", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["task_id"], ["labelcore_task.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index(
        op.f("ix_labelcore_prediction_task_id"), "labelcore_prediction", ["task_id"], unique=False
    )
    op.create_index(
        "labelcore_prediction_version_ix",
        "labelcore_prediction",
        ["project_id", "model_version"],
        unique=False,
    )
    op.create_table(
        "labelcore_annotation_version",
        sa.Column("annotation_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("result", _JSON, nullable=False),
        sa.Column("was_cancelled", sa.Boolean(), nullable=False),
        sa.Column("ground_truth", sa.Boolean(), nullable=False),
        sa.Column("user_id", sa.String(length=255), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["annotation_id"], ["labelcore_annotation.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("annotation_id", "version"),
    )
    op.create_table(
        "labelcore_draft",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=255), nullable=False),
        sa.Column("annotation_id", sa.Integer(), nullable=True),
        sa.Column("annotation_key", sa.Integer(), nullable=False),
        sa.Column("result", _JSON, nullable=False),
        sa.Column("lead_time", sa.Float(), nullable=False),
        sa.Column("was_postponed", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["annotation_id"], ["labelcore_annotation.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["task_id"], ["labelcore_task.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("task_id", "user_id", "annotation_key", name="labelcore_draft_uq"),
        sqlite_autoincrement=True,
    )
    op.create_index(
        op.f("ix_labelcore_draft_annotation_id"), "labelcore_draft", ["annotation_id"], unique=False
    )
    op.create_index(
        op.f("ix_labelcore_draft_project_id"), "labelcore_draft", ["project_id"], unique=False
    )


def downgrade() -> None:
    for name in (
        "labelcore_annotation_version",
        "labelcore_draft",
        "labelcore_claim",
        "labelcore_assignment",
        "labelcore_prediction",
        "labelcore_annotation",
        "labelcore_task",
        "labelcore_view",
        "labelcore_webhook",
        "labelcore_job",
        "labelcore_member",
        "labelcore_token",
        "labelcore_user",
        "labelcore_project",
    ):
        op.drop_table(name)
