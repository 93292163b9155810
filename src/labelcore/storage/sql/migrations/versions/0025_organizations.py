"""Tenants: the organization a project belongs to and the one a user was last seen in.

``labelcore_project.organization`` (None: a project of no organization, visible to every
tenant as before) with ``labelcore_project_org_ix`` for a tenant's project list, newest
first; ``labelcore_user.organization``, so an API token acts in its user's organization.
Existing rows keep None: a host that was single-tenant stays so.

Revision ID: 0025
Revises: 0024
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # nullable columns without a default: an ALTER TABLE that rewrites no row
    op.add_column("labelcore_project", sa.Column("organization", sa.String(255), nullable=True))
    op.create_index(
        "labelcore_project_org_ix", "labelcore_project", ["organization", "created_at", "id"]
    )
    op.add_column("labelcore_user", sa.Column("organization", sa.String(255), nullable=True))


def downgrade() -> None:
    op.drop_index("labelcore_project_org_ix", table_name="labelcore_project")
    # plain DROP COLUMNs (SQLite >= 3.35), as 0010: rebuilding the project table would
    # cascade to its tasks
    op.execute("ALTER TABLE labelcore_project DROP COLUMN organization")
    op.execute("ALTER TABLE labelcore_user DROP COLUMN organization")
