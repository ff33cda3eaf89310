"""daily roll-ups of payments and refunds

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 06:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import billstats.db.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "payment_days",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("recurring", sa.Boolean(), nullable=False),
        sa.Column("affiliate_id", sa.String(length=128), nullable=False),
        sa.Column("payments", sa.BigInteger(), nullable=False),
        sa.Column("amount", billstats.db.types.Micros(), nullable=False),
        sa.Column("fee_amount", billstats.db.types.Micros(), nullable=False),
        sa.Column("affiliate_commission", billstats.db.types.Micros(), nullable=False),
        sa.PrimaryKeyConstraint(
            "tenant_id",
            "day",
            "currency",
            "livemode",
            "status",
            "recurring",
            "affiliate_id",
            name=op.f("pk_payment_days"),
        ),
    )
    op.create_table(
        "refund_days",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("refunds", sa.BigInteger(), nullable=False),
        sa.Column("amount", billstats.db.types.Micros(), nullable=False),
        sa.PrimaryKeyConstraint(
            "tenant_id", "day", "currency", "livemode", name=op.f("pk_refund_days")
        ),
    )
    # The data already stored: every tenant's roll-ups computed from its raw rows.
    from billstats.ingest.rollups import rebuild

    conn = op.get_bind()
    for (tenant_id,) in conn.execute(sa.text("SELECT id FROM tenants ORDER BY id")).all():
        rebuild(conn, tenant_id, ("payments",))


def downgrade() -> None:
    op.drop_table("refund_days")
    op.drop_table("payment_days")
