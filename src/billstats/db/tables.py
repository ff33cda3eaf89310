"""The schema.  Every table leads its primary key with ``tenant_id`` (distributable by tenant).

Money and decimal quantities are BigInteger micro-units; timestamps are aware UTC.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from billstats.db.types import JSONDoc, Micros, UTCDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "pk": "pk_%(table_name)s",
        "fk": "fk_%(table_name)s_%(column_0_N_name)s",
    }
)

ID = 128  # client-chosen ids: 1-128 characters


def _tenant() -> Column[int]:
    return Column("tenant_id", Integer, primary_key=True)


def _id() -> Column[str]:
    return Column("id", String(ID), primary_key=True)


tenants = Table(
    "tenants",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("timezone", String(64), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

# The tenant's data revision: a counter raised in the same transaction as every write that
# creates or changes a record of the ledger (``billstats.db.revisions``).  Derived data kept in
# memory (``billstats.metrics.derived``) is keyed by it, so it can never outlive the data it was
# computed from.  No row: revision 0 (nothing written yet).
data_revisions = Table(
    "data_revisions",
    metadata,
    Column("tenant_id", Integer, primary_key=True, autoincrement=False),
    Column("revision", BigInteger, nullable=False),
)

# Credentials.  Only a hash of each secret is stored.  ``kind`` leaves room for the other
# credential types of the vendor surfaces (partner tokens, ...).
api_keys = Table(
    "api_keys",
    metadata,
    _tenant(),
    Column("key_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False, server_default=""),
    Column("secret_hash", String(200), nullable=False),
    Column("scopes", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime),
    Column("revoked_at", UTCDateTime),
    UniqueConstraint("key_id"),
)

# Partner credentials of the partner surface (X-Auth-ID / X-Auth-Token).  ``auth_id`` is global:
# the headers carry no tenant.  Only a hash of the token is stored.
partner_credentials = Table(
    "partner_credentials",
    metadata,
    _tenant(),
    Column("auth_id", String(32), primary_key=True),
    Column("partner_id", String(ID), nullable=False),
    Column("token_hash", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime),
    UniqueConstraint("auth_id"),
    Index(None, "tenant_id", "partner_id"),
)

# Server-wide secrets that must survive restarts (e.g. the key that signs access and portal
# tokens when none is configured).  Generated on first use, never a built-in default.
server_secrets = Table(
    "server_secrets",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

products = Table(
    "products",
    metadata,
    _tenant(),
    _id(),
    Column("name", String(500), nullable=False),
    Column("pp_configured", Boolean, nullable=False),
    Column("pp_test_credentials", Boolean, nullable=False),
    Column("pp_live_credentials", Boolean, nullable=False),
)

plans = Table(
    "plans",
    metadata,
    _tenant(),
    _id(),
    Column("product_id", String(ID), nullable=False),
    Column("name", String(500), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("amount", Micros, nullable=False),
    Column("interval_unit", String(8), nullable=False),
    Column("interval_count", Integer, nullable=False),
    Column("trial_days", Integer, nullable=False),
    Column("features", JSONDoc, nullable=False),
    Column("usage_charges", JSONDoc, nullable=False),
    Index(None, "tenant_id", "product_id"),
)

partners = Table(
    "partners",
    metadata,
    _tenant(),
    _id(),
    Column("name", String(500), nullable=False),
    Column("slug", String(200), nullable=False),
    Column("company", String(500)),
    Column("email", String(320)),
    Column("phone", String(64)),
    Column("billing_model", String(64), nullable=False),
    Column("is_active", Boolean, nullable=False),
    Column("is_verified", Boolean, nullable=False),
    Column("max_accounts", Integer),
    Column("account_id", BigInteger),
    Column("can_create_accounts", Boolean, nullable=False),
    Column("can_create_pricing_tiers", Boolean, nullable=False),
    Column("can_view_cdrs", Boolean, nullable=False),
    Column("can_transfer_balance", Boolean, nullable=False),
    Column("default_pricing_tier_id", String(ID)),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

customers = Table(
    "customers",
    metadata,
    _tenant(),
    _id(),
    Column("name", String(500), nullable=False),
    Column("email", String(320)),
    Column("phone", String(64)),
    Column("currency", String(3)),
    Column("created_at", UTCDateTime, nullable=False),
    Column("is_active", Boolean, nullable=False),
    Column("partner_id", String(ID)),
    Column("auth_id", String(ID), nullable=False),
    Index(None, "tenant_id", "partner_id"),
)

affiliates = Table(
    "affiliates",
    metadata,
    _tenant(),
    _id(),
    Column("name", String(500), nullable=False),
)


def _subscription_fields() -> list[Column[object]]:
    return [
        Column("customer_id", String(ID), nullable=False),
        Column("plan_id", String(ID), nullable=False),
        Column("currency", String(3), nullable=False),
        Column("quantity", Integer, nullable=False),
        Column("status", String(16), nullable=False),
        Column("started_at", UTCDateTime, nullable=False),
        Column("trial_ends_at", UTCDateTime),
        Column("cancelled_at", UTCDateTime),
        Column("ended_at", UTCDateTime),
        Column("discount_percent", Micros),
        Column("discount_amount", Micros),
        Column("discount_duration", String(16)),
        Column("discount_ends_at", UTCDateTime),
        Column("affiliate_id", String(ID)),
        Column("livemode", Boolean, nullable=False),
    ]


# The subscription as it stands (its latest version by effective time) ...
subscriptions = Table(
    "subscriptions",
    metadata,
    _tenant(),
    _id(),
    *_subscription_fields(),
    Column("effective_at", UTCDateTime, nullable=False),
    Column("version", Integer, nullable=False),
    Index(None, "tenant_id", "customer_id"),
    Index(None, "tenant_id", "plan_id"),
)

# ... and every version it has had.  State at time t = the version with the greatest
# (effective_at, version) not after t.
subscription_versions = Table(
    "subscription_versions",
    metadata,
    _tenant(),
    Column("subscription_id", String(ID), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("effective_at", UTCDateTime, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    *_subscription_fields(),
    Index(None, "tenant_id", "subscription_id", "effective_at"),
)

invoices = Table(
    "invoices",
    metadata,
    _tenant(),
    _id(),
    Column("customer_id", String(ID), nullable=False),
    Column("subscription_id", String(ID)),
    Column("currency", String(3), nullable=False),
    Column("status", String(16), nullable=False),
    Column("billing_reason", String(32), nullable=False),
    Column("issued_at", UTCDateTime, nullable=False),
    Column("due_at", UTCDateTime),
    Column("paid_at", UTCDateTime),
    Column("tax_amount", Micros, nullable=False),
    Column("total", Micros, nullable=False),
    Column("livemode", Boolean, nullable=False),
    Index(None, "tenant_id", "customer_id"),
    Index(None, "tenant_id", "issued_at"),
    Index(None, "tenant_id", "subscription_id"),
    # The invoices paid or falling due in a piece of a day (roll-ups hold whole days).
    Index(None, "tenant_id", "paid_at"),
    Index(None, "tenant_id", "due_at"),
)

invoice_lines = Table(
    "invoice_lines",
    metadata,
    _tenant(),
    Column("invoice_id", String(ID), primary_key=True),
    Column("line_no", Integer, primary_key=True),
    Column("type", String(16), nullable=False),
    Column("description", Text),
    Column("amount", Micros, nullable=False),
    Column("quantity", Micros),
    Column("metric_code", String(ID)),
    Column("period_start", UTCDateTime),
    Column("period_end", UTCDateTime),
    ForeignKeyConstraint(
        ["tenant_id", "invoice_id"], ["invoices.tenant_id", "invoices.id"], ondelete="CASCADE"
    ),
)

payments = Table(
    "payments",
    metadata,
    _tenant(),
    _id(),
    Column("customer_id", String(ID), nullable=False),
    Column("invoice_id", String(ID)),
    Column("subscription_id", String(ID)),
    Column("amount", Micros, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("status", String(16), nullable=False),
    Column("fee_amount", Micros, nullable=False),
    Column("affiliate_id", String(ID)),
    Column("affiliate_commission", Micros, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("livemode", Boolean, nullable=False),
    Index(None, "tenant_id", "created_at"),
    Index(None, "tenant_id", "customer_id"),
    Index(None, "tenant_id", "invoice_id"),
)

refunds = Table(
    "refunds",
    metadata,
    _tenant(),
    _id(),
    Column("payment_id", String(ID), nullable=False),
    Column("amount", Micros, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index(None, "tenant_id", "payment_id"),
    Index(None, "tenant_id", "created_at"),
)

usage_events = Table(
    "usage_events",
    metadata,
    _tenant(),
    _id(),
    Column("customer_id", String(ID), nullable=False),
    Column("subscription_id", String(ID)),
    Column("metric_code", String(ID), nullable=False),
    Column("quantity", Micros, nullable=False),
    Column("timestamp", UTCDateTime, nullable=False),
    Index(None, "tenant_id", "customer_id", "timestamp"),
)

wallets = Table(
    "wallets",
    metadata,
    _tenant(),
    _id(),
    Column("customer_id", String(ID), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("status", String(16), nullable=False),
    Index(None, "tenant_id", "customer_id"),
)

wallet_transactions = Table(
    "wallet_transactions",
    metadata,
    _tenant(),
    _id(),
    Column("wallet_id", String(ID), nullable=False),
    Column("amount", Micros, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index(None, "tenant_id", "wallet_id"),
)

call_records = Table(
    "call_records",
    metadata,
    _tenant(),
    _id(),
    Column("account_id", String(ID), nullable=False),
    Column("direction", String(8), nullable=False),
    Column("product", String(16), nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("duration_seconds", Integer, nullable=False),
    Column("billed_seconds", Integer, nullable=False),
    Column("answered", Boolean, nullable=False),
    Column("cost", Micros, nullable=False),
    Column("currency", String(3), nullable=False),
    Index(None, "tenant_id", "account_id", "started_at"),
)

fx_rates = Table(
    "fx_rates",
    metadata,
    _tenant(),
    Column("currency", String(3), primary_key=True),
    Column("day", Date, primary_key=True),
    # Units of the reporting currency per unit of ``currency``, scaled by 10**12.
    Column("rate", BigInteger, nullable=False),
)


# -- Daily roll-ups ---------------------------------------------------------------------------
#
# Derived from the rows above and kept in step with them by the ingest engine, in the transaction
# of every write (``billstats.ingest.rollups``); the read path sums them instead of scanning raw
# rows.  A "day" is a calendar day in the tenant's zone (which never changes).  Each roll-up
# always equals a recomputation from the raw rows (property-tested).

# Calls per reseller partner (``''``: accounts of no partner), local day, direction, product,
# currency and answered flag: the partner analytics and the native ``calls`` metric.
call_days = Table(
    "call_days",
    metadata,
    _tenant(),
    Column("partner_id", String(ID), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("direction", String(8), primary_key=True),
    Column("product", String(16), primary_key=True),
    Column("currency", String(3), primary_key=True),
    Column("answered", Boolean, primary_key=True),
    Column("calls", BigInteger, nullable=False),
    Column("billed_seconds", BigInteger, nullable=False),
    Column("cost", Micros, nullable=False),
)

# Calls per account, local day and currency: the native ``call_accounts`` metric.
call_account_days = Table(
    "call_account_days",
    metadata,
    _tenant(),
    Column("account_id", String(ID), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("currency", String(3), primary_key=True),
    Column("calls", BigInteger, nullable=False),
    Column("billed_seconds", BigInteger, nullable=False),
    Column("cost", Micros, nullable=False),
    Index(None, "tenant_id", "day"),
)

# Every transaction of a wallet summed, with the latest instant among them: a balance "as of
# now" is the total unless some transaction is dated later.
wallet_totals = Table(
    "wallet_totals",
    metadata,
    _tenant(),
    Column("wallet_id", String(ID), primary_key=True),
    Column("amount", Micros, nullable=False),
    Column("transactions", BigInteger, nullable=False),
    Column("last_at", UTCDateTime, nullable=False),
)

# Payments per local day of ``created_at``, currency, mode, status, whether tied to a
# subscription (its own ``subscription_id`` or its invoice's) and affiliate (``''``: none).
payment_days = Table(
    "payment_days",
    metadata,
    _tenant(),
    Column("day", Date, primary_key=True),
    Column("currency", String(3), primary_key=True),
    Column("livemode", Boolean, primary_key=True),
    Column("status", String(16), primary_key=True),
    Column("recurring", Boolean, primary_key=True),
    Column("affiliate_id", String(ID), primary_key=True),
    Column("payments", BigInteger, nullable=False),
    Column("amount", Micros, nullable=False),
    Column("fee_amount", Micros, nullable=False),
    Column("affiliate_commission", Micros, nullable=False),
)

# Refunds per local day of their own ``created_at`` and their payment's currency and mode.
refund_days = Table(
    "refund_days",
    metadata,
    _tenant(),
    Column("day", Date, primary_key=True),
    Column("currency", String(3), primary_key=True),
    Column("livemode", Boolean, primary_key=True),
    Column("refunds", BigInteger, nullable=False),
    Column("amount", Micros, nullable=False),
)

# Invoices per local day of ``issued_at``, currency, mode, status and billing reason.
invoice_days = Table(
    "invoice_days",
    metadata,
    _tenant(),
    Column("day", Date, primary_key=True),
    Column("currency", String(3), primary_key=True),
    Column("livemode", Boolean, primary_key=True),
    Column("status", String(16), primary_key=True),
    Column("billing_reason", String(32), primary_key=True),
    Column("invoices", BigInteger, nullable=False),
    Column("total", Micros, nullable=False),
)

# Usage events per local day of ``timestamp``, metric code and mode (an event's mode is its
# subscription's, as it stands; live without one).
usage_days = Table(
    "usage_days",
    metadata,
    _tenant(),
    Column("day", Date, primary_key=True),
    Column("metric_code", String(ID), primary_key=True),
    Column("livemode", Boolean, primary_key=True),
    Column("events", BigInteger, nullable=False),
    Column("quantity", Micros, nullable=False),
)

# Invoice events per local day, currency and mode (``event``): ``paid`` (status paid, on the day
# of ``paid_at``), ``overdue`` (unpaid when due: open/uncollectible, or paid after its due
# instant; on the due day), ``due`` (any but void, on the due day), ``closed`` (paid, on the day
# of the later of issue and payment) and ``due_closed`` (paid, on the day of the later of due
# and payment), ``prepaid`` (paid before issued, on the day of ``paid_at``: rare, and read apart).
# Due instant: ``due_at``, or ``issued_at`` without one.
invoice_event_days = Table(
    "invoice_event_days",
    metadata,
    _tenant(),
    Column("day", Date, primary_key=True),
    Column("currency", String(3), primary_key=True),
    Column("livemode", Boolean, primary_key=True),
    Column("event", String(16), primary_key=True),
    Column("invoices", BigInteger, nullable=False),
    Column("total", Micros, nullable=False),
)
