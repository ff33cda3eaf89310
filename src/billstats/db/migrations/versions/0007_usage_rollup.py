"""daily roll-up of usage events

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import billstats.db.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "usage_days",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("metric_code", sa.String(length=128), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("events", sa.BigInteger(), nullable=False),
        sa.Column("quantity", billstats.db.types.Micros(), nullable=False),
        sa.PrimaryKeyConstraint(
            "tenant_id", "day", "metric_code", "livemode", name=op.f("pk_usage_days")
        ),
    )
    # The data already stored: every tenant's usage roll-up computed from its raw rows.
    from billstats.ingest.rollups import rebuild

    conn = op.get_bind()
    for (tenant_id,) in conn.execute(sa.text("SELECT id FROM tenants ORDER BY id")).all():
        rebuild(conn, tenant_id, ("usage",))


def downgrade() -> None:
    op.drop_table("usage_days")
