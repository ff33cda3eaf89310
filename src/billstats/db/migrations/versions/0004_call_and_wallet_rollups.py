"""daily roll-ups of calls (per partner and per account) and wallet totals

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 05:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import billstats.db.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "call_days",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.String(length=128), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("product", sa.String(length=16), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("answered", sa.Boolean(), nullable=False),
        sa.Column("calls", sa.BigInteger(), nullable=False),
        sa.Column("billed_seconds", sa.BigInteger(), nullable=False),
        sa.Column("cost", billstats.db.types.Micros(), nullable=False),
        sa.PrimaryKeyConstraint(
            "tenant_id",
            "partner_id",
            "day",
            "direction",
            "product",
            "currency",
            "answered",
            name=op.f("pk_call_days"),
        ),
    )
    op.create_table(
        "call_account_days",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.String(length=128), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("calls", sa.BigInteger(), nullable=False),
        sa.Column("billed_seconds", sa.BigInteger(), nullable=False),
        sa.Column("cost", billstats.db.types.Micros(), nullable=False),
        sa.PrimaryKeyConstraint(
            "tenant_id", "account_id", "day", "currency", name=op.f("pk_call_account_days")
        ),
    )
    with op.batch_alter_table("call_account_days", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_call_account_days_tenant_id_day"), ["tenant_id", "day"], unique=False
        )
    op.create_table(
        "wallet_totals",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("wallet_id", sa.String(length=128), nullable=False),
        sa.Column("amount", billstats.db.types.Micros(), nullable=False),
        sa.Column("transactions", sa.BigInteger(), nullable=False),
        sa.Column("last_at", billstats.db.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "wallet_id", name=op.f("pk_wallet_totals")),
    )
    # The data already stored: every tenant's roll-ups computed from its raw rows.
    from billstats.ingest.rollups import rebuild

    conn = op.get_bind()
    for (tenant_id,) in conn.execute(sa.text("SELECT id FROM tenants ORDER BY id")).all():
        rebuild(conn, tenant_id, ("calls", "wallets"))


def downgrade() -> None:
    op.drop_table("wallet_totals")
    with op.batch_alter_table("call_account_days", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_call_account_days_tenant_id_day"))
    op.drop_table("call_account_days")
    op.drop_table("call_days")
