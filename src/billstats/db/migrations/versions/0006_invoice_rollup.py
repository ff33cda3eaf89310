"""daily roll-up of invoices

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 07:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import billstats.db.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "invoice_days",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("billing_reason", sa.String(length=32), nullable=False),
        sa.Column("invoices", sa.BigInteger(), nullable=False),
        sa.Column("total", billstats.db.types.Micros(), nullable=False),
        sa.PrimaryKeyConstraint(
            "tenant_id",
            "day",
            "currency",
            "livemode",
            "status",
            "billing_reason",
            name=op.f("pk_invoice_days"),
        ),
    )
    # The data already stored: every tenant's invoice roll-up computed from its raw rows.
    from billstats.ingest.rollups import rebuild

    conn = op.get_bind()
    for (tenant_id,) in conn.execute(sa.text("SELECT id FROM tenants ORDER BY id")).all():
        rebuild(conn, tenant_id, ("invoices",))


def downgrade() -> None:
    op.drop_table("invoice_days")
