"""The registry of record kinds: schema, table, references, and row <-> JSON mapping.

Adding a kind means adding one entry here (and its schema); the engine, the API routes, the bulk
import and the CLI all work from this registry.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Table

from billstats.db import tables as t
from billstats.ingest.schemas import billing, catalog, usage
from billstats.money import format_micros, from_micros, to_micros

Row = dict[str, Any]


@dataclass(frozen=True)
class Ref:
    """``field`` of a record names a record of kind ``target`` (optional when None is allowed)."""

    field: str
    target: str


@dataclass(frozen=True)
class Kind:
    name: str
    schema: type[BaseModel]
    table: Table
    rank: int  # dependency order: a kind only references kinds of lower rank
    refs: tuple[Ref, ...] = ()
    money: frozenset[str] = frozenset()
    quantities: frozenset[str] = frozenset()
    append_only: bool = False
    versioned: bool = False
    time_column: str | None = None
    filters: tuple[str, ...] = ()
    key_cols: tuple[str, ...] = ("id",)
    pack_extra: Callable[[BaseModel, Row], None] | None = None
    unpack_extra: Callable[[Row, dict[str, Any]], None] | None = None
    nested: frozenset[str] = field(default_factory=frozenset)

    @cached_property
    def _pack_plan(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(fields left out of the row, fields stored as micro-units), computed once per kind."""
        names = tuple(self.schema.model_fields)
        drop = tuple(n for n in names if n in self.nested or n == "effective_at")
        micros = tuple(
            n for n in names if n not in drop and (n in self.money or n in self.quantities)
        )
        return drop, micros

    def pack(self, model: BaseModel, key: Mapping[str, Any]) -> Row:
        """Validated model -> storage row (money as micro-units)."""
        drop, micros = self._pack_plan
        # A model's __dict__ holds exactly its field values (what getattr would return).
        row: Row = {**key, **model.__dict__}
        for name in drop:
            del row[name]
        for name in micros:
            value = row[name]
            if value is not None:
                row[name] = to_micros(value)
        if self.pack_extra is not None:
            self.pack_extra(model, row)
        return row

    def unpack(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """Storage row -> JSON-ready dict (decimal strings, ISO 8601 timestamps)."""
        out: dict[str, Any] = {}
        for name, value in row.items():
            if name == "tenant_id" or name.startswith("pp_") or name.startswith("discount_"):
                continue
            out[str(name)] = _json_value(name, value, self)
        if self.unpack_extra is not None:
            self.unpack_extra(dict(row), out)
        return out


def _json_value(name: str, value: Any, kind: Kind) -> Any:
    if value is None:
        return None
    if name in kind.money:
        return format_micros(value)
    if name in kind.quantities:
        return _plain(from_micros(value))
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _plain(value: Decimal) -> str:
    return f"{value:f}"


# -- per-kind extras ---------------------------------------------------------------------------


def _pack_product(model: BaseModel, row: Row) -> None:
    assert isinstance(model, catalog.Product)
    pp = model.payment_provider
    row["pp_configured"] = pp.configured
    row["pp_test_credentials"] = pp.test_credentials
    row["pp_live_credentials"] = pp.live_credentials


def _unpack_product(row: Row, out: dict[str, Any]) -> None:
    out["payment_provider"] = {
        "configured": bool(row["pp_configured"]),
        "test_credentials": bool(row["pp_test_credentials"]),
        "live_credentials": bool(row["pp_live_credentials"]),
    }


def _pack_plan(model: BaseModel, row: Row) -> None:
    assert isinstance(model, catalog.Plan)
    row["features"] = [f.model_dump() for f in model.features]
    row["usage_charges"] = [
        {"metric_code": u.metric_code, "unit_amount": to_micros(u.unit_amount)}
        for u in model.usage_charges
    ]


def _unpack_plan(row: Row, out: dict[str, Any]) -> None:
    out["usage_charges"] = [
        {"metric_code": u["metric_code"], "unit_amount": format_micros(u["unit_amount"])}
        for u in row["usage_charges"]
    ]


def _pack_partner(model: BaseModel, row: Row) -> None:
    assert isinstance(model, catalog.Partner)
    row["updated_at"] = model.updated


def _pack_customer(model: BaseModel, row: Row) -> None:
    if row.get("auth_id") is None:
        row["auth_id"] = row["id"]


def _pack_subscription(model: BaseModel, row: Row) -> None:
    assert isinstance(model, billing.Subscription)
    d = model.discount
    row["discount_percent"] = to_micros(d.percent) if d and d.percent is not None else None
    row["discount_amount"] = to_micros(d.amount) if d and d.amount is not None else None
    row["discount_duration"] = d.duration if d else None
    row["discount_ends_at"] = d.ends_at if d else None


def _unpack_subscription(row: Row, out: dict[str, Any]) -> None:
    if row.get("discount_duration") is None:
        out["discount"] = None
    else:
        percent = row["discount_percent"]
        amount = row["discount_amount"]
        ends = row["discount_ends_at"]
        out["discount"] = {
            "percent": None if percent is None else _plain(from_micros(percent)),
            "amount": None if amount is None else format_micros(amount),
            "duration": row["discount_duration"],
            "ends_at": None if ends is None else ends.isoformat(),
        }


def _pack_invoice(model: BaseModel, row: Row) -> None:
    assert isinstance(model, billing.Invoice)
    row["_lines"] = [
        {
            "line_no": n,
            "type": line.type,
            "description": line.description,
            "amount": to_micros(line.amount),
            "quantity": None if line.quantity is None else to_micros(line.quantity),
            "metric_code": line.metric_code,
            "period_start": line.period_start,
            "period_end": line.period_end,
        }
        for n, line in enumerate(model.lines, start=1)
    ]


def _unpack_invoice(row: Row, out: dict[str, Any]) -> None:
    lines = row.get("_lines")
    if lines is None:
        return
    out.pop("_lines", None)
    out["lines"] = [
        {
            "type": line["type"],
            "description": line["description"],
            "amount": format_micros(line["amount"]),
            "quantity": None if line["quantity"] is None else _plain(from_micros(line["quantity"])),
            "metric_code": line["metric_code"],
            "period_start": _iso(line["period_start"]),
            "period_end": _iso(line["period_end"]),
        }
        for line in lines
    ]


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _pack_fx(model: BaseModel, row: Row) -> None:
    assert isinstance(model, usage.FxRate)
    row["rate"] = int(model.rate.scaleb(usage.RATE_DIGITS))


def _unpack_fx(row: Row, out: dict[str, Any]) -> None:
    out["rate"] = _plain(Decimal(row["rate"]).scaleb(-usage.RATE_DIGITS).normalize())
    out["date"] = out.pop("day")


_KINDS = [
    Kind(
        "products",
        catalog.Product,
        t.products,
        10,
        nested=frozenset({"payment_provider"}),
        pack_extra=_pack_product,
        unpack_extra=_unpack_product,
    ),
    Kind(
        "partners",
        catalog.Partner,
        t.partners,
        10,
        filters=("is_active",),
        time_column="created_at",
        pack_extra=_pack_partner,
    ),
    Kind("affiliates", catalog.Affiliate, t.affiliates, 10),
    Kind(
        "plans",
        catalog.Plan,
        t.plans,
        20,
        refs=(Ref("product_id", "products"),),
        money=frozenset({"amount"}),
        filters=("product_id", "currency"),
        nested=frozenset({"features", "usage_charges"}),
        pack_extra=_pack_plan,
        unpack_extra=_unpack_plan,
    ),
    Kind(
        "customers",
        catalog.Customer,
        t.customers,
        20,
        refs=(Ref("partner_id", "partners"),),
        filters=("partner_id", "is_active", "currency"),
        time_column="created_at",
        pack_extra=_pack_customer,
    ),
    Kind(
        "subscriptions",
        billing.Subscription,
        t.subscriptions,
        30,
        refs=(
            Ref("customer_id", "customers"),
            Ref("plan_id", "plans"),
            Ref("affiliate_id", "affiliates"),
        ),
        versioned=True,
        filters=("customer_id", "plan_id", "status", "livemode"),
        time_column="started_at",
        nested=frozenset({"discount"}),
        pack_extra=_pack_subscription,
        unpack_extra=_unpack_subscription,
    ),
    Kind(
        "invoices",
        billing.Invoice,
        t.invoices,
        40,
        refs=(Ref("customer_id", "customers"), Ref("subscription_id", "subscriptions")),
        money=frozenset({"tax_amount", "total"}),
        filters=("customer_id", "subscription_id", "status", "billing_reason", "livemode"),
        time_column="issued_at",
        nested=frozenset({"lines"}),
        pack_extra=_pack_invoice,
        unpack_extra=_unpack_invoice,
    ),
    Kind(
        "payments",
        billing.Payment,
        t.payments,
        50,
        refs=(
            Ref("customer_id", "customers"),
            Ref("invoice_id", "invoices"),
            Ref("subscription_id", "subscriptions"),
            Ref("affiliate_id", "affiliates"),
        ),
        money=frozenset({"amount", "fee_amount", "affiliate_commission"}),
        filters=("customer_id", "invoice_id", "subscription_id", "status", "livemode"),
        time_column="created_at",
    ),
    Kind(
        "refunds",
        billing.Refund,
        t.refunds,
        60,
        refs=(Ref("payment_id", "payments"),),
        money=frozenset({"amount"}),
        filters=("payment_id",),
        time_column="created_at",
    ),
    Kind(
        "wallets",
        usage.Wallet,
        t.wallets,
        40,
        refs=(Ref("customer_id", "customers"),),
        filters=("customer_id", "status", "currency"),
    ),
    Kind(
        "wallet_transactions",
        usage.WalletTransaction,
        t.wallet_transactions,
        50,
        refs=(Ref("wallet_id", "wallets"),),
        money=frozenset({"amount"}),
        append_only=True,
        filters=("wallet_id",),
        time_column="created_at",
    ),
    Kind(
        "usage_events",
        usage.UsageEvent,
        t.usage_events,
        40,
        refs=(Ref("customer_id", "customers"), Ref("subscription_id", "subscriptions")),
        quantities=frozenset({"quantity"}),
        append_only=True,
        filters=("customer_id", "subscription_id", "metric_code"),
        time_column="timestamp",
    ),
    Kind(
        "call_records",
        usage.CallRecord,
        t.call_records,
        30,
        refs=(Ref("account_id", "customers"),),
        money=frozenset({"cost"}),
        append_only=True,
        filters=("account_id", "direction", "product", "answered"),
        time_column="started_at",
    ),
    Kind(
        "fx_rates",
        usage.FxRate,
        t.fx_rates,
        5,
        key_cols=("currency", "day"),
        filters=("currency",),
        pack_extra=_pack_fx,
        unpack_extra=_unpack_fx,
    ),
]

KINDS: dict[str, Kind] = {k.name: k for k in _KINDS}


def get_kind(name: str) -> Kind | None:
    return KINDS.get(name)
