"""The state of the HTTP API's limits (``labelcore.service.limits``).

``labelcore_limit_lease``: one row per held slot of a concurrency limit (a running export
or import), ``(key, slot)`` unique, taken over once past ``expires_at`` so a crashed
worker's slot frees itself. ``labelcore_limit_bucket``: one token bucket per rate limit.
Times are epoch seconds (floats): the buckets refill by arithmetic in one UPDATE.

Revision ID: 0023
Revises: 0022
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "labelcore_limit_lease",
        sa.Column("key", sa.String(128), primary_key=True),
        sa.Column("slot", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("holder", sa.String(64), nullable=False),
        sa.Column("expires_at", sa.Float, nullable=False),
    )
    op.create_table(
        "labelcore_limit_bucket",
        sa.Column("key", sa.String(128), primary_key=True),
        sa.Column("tokens", sa.Float, nullable=False),
        sa.Column("stamp", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("labelcore_limit_bucket")
    op.drop_table("labelcore_limit_lease")
