"""daily roll-up of invoice events; invoices indexed by paid_at and due_at

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import billstats.db.types

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "invoice_event_days",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("event", sa.String(length=16), nullable=False),
        sa.Column("invoices", sa.BigInteger(), nullable=False),
        sa.Column("total", billstats.db.types.Micros(), nullable=False),
        sa.PrimaryKeyConstraint(
            "tenant_id", "day", "currency", "livemode", "event", name=op.f("pk_invoice_event_days")
        ),
    )
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_invoices_tenant_id_paid_at"), ["tenant_id", "paid_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_invoices_tenant_id_due_at"), ["tenant_id", "due_at"], unique=False
        )
    # The data already stored: every tenant's invoice roll-ups computed from its raw rows.
    from billstats.ingest.rollups import rebuild

    conn = op.get_bind()
    for (tenant_id,) in conn.execute(sa.text("SELECT id FROM tenants ORDER BY id")).all():
        rebuild(conn, tenant_id, ("invoices", "invoice_events"))


def downgrade() -> None:
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invoices_tenant_id_due_at"))
        batch_op.drop_index(batch_op.f("ix_invoices_tenant_id_paid_at"))
    op.drop_table("invoice_event_days")
