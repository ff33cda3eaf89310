"""partner credentials and server secrets

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import billstats.db.types

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "partner_credentials",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("auth_id", sa.String(length=32), nullable=False),
        sa.Column("partner_id", sa.String(length=128), nullable=False),
        sa.Column("token_hash", sa.String(length=200), nullable=False),
        sa.Column("created_at", billstats.db.types.UTCDateTime(), nullable=False),
        sa.Column("revoked_at", billstats.db.types.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("tenant_id", "auth_id", name=op.f("pk_partner_credentials")),
        sa.UniqueConstraint("auth_id", name=op.f("uq_partner_credentials_auth_id")),
    )
    with op.batch_alter_table("partner_credentials", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_partner_credentials_tenant_id_partner_id"),
            ["tenant_id", "partner_id"],
            unique=False,
        )
    op.create_table(
        "server_secrets",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("created_at", billstats.db.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_server_secrets")),
    )


def downgrade() -> None:
    with op.batch_alter_table("partner_credentials", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_partner_credentials_tenant_id_partner_id"))
    op.drop_table("partner_credentials")
    op.drop_table("server_secrets")
