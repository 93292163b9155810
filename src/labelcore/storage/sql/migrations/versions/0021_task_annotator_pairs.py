"""A task's ``sole_annotator`` also names a pair: the two users of its annotations (skips
aside) in code point order, joined by the character 0x1f (JSON escapes it inside a string
id, and an integer id has none); "" now stands for more than two users (or one without an
id, or a pair longer than the column).

With overlap 3, a user and a follower who had both annotated many tasks walked every one of
those tasks on each next task (they are open at two annotations: 40,000 rows at 100,000
tasks), and the user then their own tasks below them. A count of annotations whose least
and greatest ``sole_annotator`` are the same pair holds nothing for either of the two, and
the walk passes every such count (labelcore.storage.sql._candidates.BreadthFirst).

The upgrade writes the pairs of the tasks that have two users; nothing else changes.

Revision ID: 0021
Revises: 0020
"""

from __future__ import annotations

from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


# as _base.SQLBase._sole_annotator computes a pair, where "" stood for several users (the
# two ids in code point order: PostgreSQL's min() and max() under COLLATE "C")
PAIRS = (
    "UPDATE labelcore_task SET sole_annotator = ("
    "SELECT CASE WHEN count(DISTINCT coalesce(a.completed_by, 'null')) = 2"
    " AND count(a.completed_by) = count(*)"
    " AND length(min(a.completed_by {c})) + length(max(a.completed_by {c})) < 255"
    " THEN min(a.completed_by {c}) || {sep} || max(a.completed_by {c}) ELSE '' END"
    " FROM labelcore_annotation a"
    " WHERE a.task_id = labelcore_task.id AND a.was_cancelled = false)"
    " WHERE sole_annotator = ''"
)
UNPAIR = (
    "UPDATE labelcore_task SET sole_annotator = '' WHERE sole_annotator LIKE '%' || {sep} || '%'"
)
PG = {"c": 'COLLATE "C"', "sep": "chr(31)"}
SQLITE = {"c": "COLLATE BINARY", "sep": "char(31)"}


def upgrade() -> None:
    names = PG if op.get_bind().dialect.name == "postgresql" else SQLITE
    op.execute(PAIRS.format(**names))


def downgrade() -> None:
    names = PG if op.get_bind().dialect.name == "postgresql" else SQLITE
    op.execute(UNPAIR.format(**names))
