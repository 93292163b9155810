"""Index the annotations of a project by ``updated_at``: the review stream
(``review_candidates``) walks a project's annotations oldest change first and stops after a
page, instead of sorting the whole project on each ``next_review``.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

NAME = "labelcore_annotation_project_updated_ix"


def upgrade() -> None:
    op.create_index(NAME, "labelcore_annotation", ["project_id", "updated_at", "id"])
    bind = op.get_bind()
    if (
        bind.dialect.name == "sqlite"
        and bind.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").first()
    ):
        op.execute(f"ANALYZE {NAME}")  # as 0006: a new index without statistics misleads


def downgrade() -> None:
    op.drop_index(NAME, table_name="labelcore_annotation")
