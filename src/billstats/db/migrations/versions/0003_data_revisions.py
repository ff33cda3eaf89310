"""data revisions: a per-tenant counter raised by every write that changes the ledger

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 04:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "data_revisions",
        sa.Column("tenant_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("revision", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", name=op.f("pk_data_revisions")),
    )
    # Tenants that already hold data start at revision 1 (any value works: caches live in memory
    # and start empty; a row makes the first write an update like every later one).
    op.execute("INSERT INTO data_revisions (tenant_id, revision) SELECT id, 1 FROM tenants")


def downgrade() -> None:
    op.drop_table("data_revisions")
