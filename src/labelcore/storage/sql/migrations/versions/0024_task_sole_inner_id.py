"""``labelcore_task_sole_ix`` gains ``inner_id``: ``(project_id, total_annotations DESC,
sole_annotator, inner_id)`` over the started open tasks.

Breadth first, the queue walks a count of annotations in import order. When that count
mixes a user's own tasks with others' (a user ahead on 50,000 tasks of overlap 2, and
others on a few thousand more), the walk read and passed every one of the user's before
it found one of the others': 50,000 rows for each of their next tasks. With ``inner_id``
after ``sole_annotator``, the tasks of one ``sole_annotator`` at one count come in import
order from the index; the queue reads the first few of each other user's and merges them
(``_candidates.MixedLevel``), and the count of the user's own at a count is a bounded
probe.

Revision ID: 0024
Revises: 0023
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from labelcore.storage.sql.engine import analyze_new_index

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

# tables.SOLE at the time: a later change there must not change what this builds
SOLE = "NOT is_labeled AND sole_annotator IS NOT NULL"
NAME = "labelcore_task_sole_ix"


def _create(columns: list[str]) -> None:
    op.create_index(
        NAME,
        "labelcore_task",
        ["project_id", sa.literal_column("total_annotations").desc(), *columns],
        postgresql_where=sa.text(SOLE),
        sqlite_where=sa.text(SOLE),
    )


def upgrade() -> None:
    op.drop_index(NAME, table_name="labelcore_task")
    _create(["sole_annotator", "inner_id"])
    analyze_new_index(op.get_bind(), NAME)


def downgrade() -> None:
    op.drop_index(NAME, table_name="labelcore_task")
    _create(["sole_annotator"])
    analyze_new_index(op.get_bind(), NAME)
