"""Sample records for every kind, shared by the ingest tests.

``seed`` stores a small, consistent graph (product, plan, partner, affiliate, customer,
subscription, invoice, payment, wallet) that the other samples reference.  ``CASES`` holds, per
kind, a new record, the same values spelled differently, a changed record and the exact JSON the
API must return for each.  The tests in this module only guard the table itself: every registered
kind has a case, so a new kind cannot slip past the upsert tests.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx

from billstats.ingest.kinds import KINDS

T0 = "2025-01-01T00:00:00Z"
T0_OUT = "2025-01-01T00:00:00+00:00"

Json = dict[str, Any]

# The base graph, in dependency order.  Ids are short and stable; tests refer to them by name.
BASE: list[tuple[str, Json]] = [
    ("products", {"id": "prod", "name": "Product"}),
    (
        "plans",
        {
            "id": "plan",
            "product_id": "prod",
            "name": "Plan",
            "currency": "USD",
            "amount": "10",
            "interval_unit": "month",
        },
    ),
    (
        "plans",
        {
            "id": "plan-eur",
            "product_id": "prod",
            "name": "Plan EUR",
            "currency": "EUR",
            "amount": "9",
            "interval_unit": "month",
        },
    ),
    ("partners", {"id": "partner", "name": "Partner", "slug": "partner", "created_at": T0}),
    ("affiliates", {"id": "aff", "name": "Affiliate"}),
    ("customers", {"id": "cus", "name": "Customer", "created_at": T0}),
    ("customers", {"id": "cus-other", "name": "Other customer", "created_at": T0}),
    (
        "subscriptions",
        {
            "id": "sub",
            "customer_id": "cus",
            "plan_id": "plan",
            "status": "active",
            "started_at": T0,
        },
    ),
    (
        "subscriptions",
        {
            "id": "sub-other",
            "customer_id": "cus-other",
            "plan_id": "plan",
            "status": "active",
            "started_at": T0,
        },
    ),
    (
        "invoices",
        {
            "id": "inv",
            "customer_id": "cus",
            "subscription_id": "sub",
            "currency": "USD",
            "status": "paid",
            "issued_at": T0,
            "paid_at": T0,
            "lines": [{"type": "subscription", "amount": "10"}],
            "total": "10",
        },
    ),
    (
        "payments",
        {
            "id": "pay",
            "customer_id": "cus",
            "invoice_id": "inv",
            "amount": "10",
            "currency": "USD",
            "status": "succeeded",
            "created_at": T0,
        },
    ),
    (
        "payments",
        {
            "id": "pay-failed",
            "customer_id": "cus",
            "amount": "10",
            "currency": "USD",
            "status": "failed",
            "created_at": T0,
        },
    ),
    ("wallets", {"id": "wal", "customer_id": "cus", "currency": "USD"}),
]


def seed(client: httpx.Client) -> None:
    """Store the base graph with single PUTs (independent of the bulk import)."""
    for kind, data in BASE:
        body = dict(data)
        record_id = body.pop("id")
        response = client.put(f"/v1/{kind}/{record_id}", json=body)
        assert response.status_code == 201, response.text


def ndjson_body(lines: list[Any]) -> bytes:
    """NDJSON from (kind, data) pairs; a str is sent verbatim (blank or broken lines)."""
    out = []
    for line in lines:
        if isinstance(line, str):
            out.append(line)
        else:
            kind, data = line
            out.append(json.dumps({"kind": kind, "data": data}))
    return "\n".join(out).encode()


def base_lines() -> list[Any]:
    return [(kind, dict(data)) for kind, data in BASE]


@dataclass(frozen=True)
class Case:
    """One kind's upsert scenario.  ``path`` is the URL key ("id" or "CUR/YYYY-MM-DD")."""

    kind: str
    path: str
    new: Json
    respelled: Json
    changed: Json
    stored: Json
    stored_changed: Json
    respelled_path: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"/v1/{self.kind}/{self.path}"

    @property
    def append_only(self) -> bool:
        return KINDS[self.kind].append_only

    @property
    def keyed_by_id(self) -> bool:
        return KINDS[self.kind].key_cols == ("id",)


_PLAN_NEW: Json = {
    "product_id": "prod",
    "name": "Gold",
    "currency": "usd",
    "amount": "10",
    "interval_unit": "month",
    "features": [{"code": "seats", "name": "Seats", "type": "quantity", "value": "5"}],
    "usage_charges": [{"metric_code": "api_calls", "unit_amount": "0.000125"}],
}
_PLAN_OUT: Json = {
    "id": "gold",
    "product_id": "prod",
    "name": "Gold",
    "currency": "USD",
    "amount": "10.00",
    "interval_unit": "month",
    "interval_count": 1,
    "trial_days": 0,
    "features": [{"code": "seats", "name": "Seats", "type": "quantity", "value": "5"}],
    "usage_charges": [{"metric_code": "api_calls", "unit_amount": "0.000125"}],
}

_PARTNER_NEW: Json = {
    "name": "Reseller",
    "slug": "reseller",
    "max_accounts": 10,
    "created_at": "2025-01-01T01:00:00+01:00",
}
_PARTNER_OUT: Json = {
    "id": "reseller",
    "name": "Reseller",
    "slug": "reseller",
    "company": None,
    "email": None,
    "phone": None,
    "billing_model": "direct",
    "is_active": True,
    "is_verified": False,
    "max_accounts": 10,
    "account_id": None,
    "can_create_accounts": True,
    "can_create_pricing_tiers": False,
    "can_view_cdrs": True,
    "can_transfer_balance": False,
    "default_pricing_tier_id": None,
    "created_at": T0_OUT,
    "updated_at": T0_OUT,
}

_CUSTOMER_NEW: Json = {
    "name": "Ada",
    "email": "ada@example.com",
    "currency": "eur",
    "created_at": "2025-01-31T23:30:00-05:00",
    "partner_id": "partner",
}
_CUSTOMER_OUT: Json = {
    "id": "ada",
    "name": "Ada",
    "email": "ada@example.com",
    "phone": None,
    "currency": "EUR",
    "created_at": "2025-02-01T04:30:00+00:00",
    "is_active": True,
    "partner_id": "partner",
    "auth_id": "ada",
}

_SUB_NEW: Json = {
    "customer_id": "cus",
    "plan_id": "plan",
    "status": "trialing",
    "quantity": 2,
    "started_at": T0,
    "trial_ends_at": "2025-01-15T00:00:00+00:00",
    "affiliate_id": "aff",
    "discount": {"percent": "12.5", "duration": "forever"},
}
_SUB_OUT: Json = {
    "id": "sub2",
    "customer_id": "cus",
    "plan_id": "plan",
    "currency": "USD",
    "quantity": 2,
    "status": "trialing",
    "started_at": T0_OUT,
    "trial_ends_at": "2025-01-15T00:00:00+00:00",
    "cancelled_at": None,
    "ended_at": None,
    "affiliate_id": "aff",
    "livemode": True,
    "effective_at": T0_OUT,
    "version": 1,
    "discount": {"percent": "12.5", "amount": None, "duration": "forever", "ends_at": None},
}

_INVOICE_NEW: Json = {
    "customer_id": "cus",
    "subscription_id": "sub",
    "currency": "USD",
    "status": "open",
    "billing_reason": "subscription_cycle",
    "issued_at": T0,
    "due_at": "2025-01-15T00:00:00Z",
    "tax_amount": "2",
    "lines": [
        {
            "type": "subscription",
            "description": "Plan",
            "amount": "10",
            "period_start": T0,
            "period_end": "2025-02-01T00:00:00Z",
        },
        {"type": "usage", "amount": "0.5", "quantity": "4000", "metric_code": "api_calls"},
        {"type": "one_time", "description": "Credit", "amount": "-1.5"},
    ],
    "total": "11",
}
_INVOICE_OUT: Json = {
    "id": "inv2",
    "customer_id": "cus",
    "subscription_id": "sub",
    "currency": "USD",
    "status": "open",
    "billing_reason": "subscription_cycle",
    "issued_at": T0_OUT,
    "due_at": "2025-01-15T00:00:00+00:00",
    "paid_at": None,
    "tax_amount": "2.00",
    "total": "11.00",
    "livemode": True,
    "lines": [
        {
            "type": "subscription",
            "description": "Plan",
            "amount": "10.00",
            "quantity": None,
            "metric_code": None,
            "period_start": T0_OUT,
            "period_end": "2025-02-01T00:00:00+00:00",
        },
        {
            "type": "usage",
            "description": None,
            "amount": "0.50",
            "quantity": "4000",
            "metric_code": "api_calls",
            "period_start": None,
            "period_end": None,
        },
        {
            "type": "one_time",
            "description": "Credit",
            "amount": "-1.50",
            "quantity": None,
            "metric_code": None,
            "period_start": None,
            "period_end": None,
        },
    ],
}

_PAYMENT_NEW: Json = {
    "customer_id": "cus",
    "invoice_id": "inv",
    "subscription_id": "sub",
    "amount": "10",
    "currency": "USD",
    "status": "succeeded",
    "fee_amount": "0.59",
    "affiliate_id": "aff",
    "affiliate_commission": "1.5",
    "created_at": T0,
}
_PAYMENT_OUT: Json = {
    "id": "pay2",
    "customer_id": "cus",
    "invoice_id": "inv",
    "subscription_id": "sub",
    "amount": "10.00",
    "currency": "USD",
    "status": "succeeded",
    "fee_amount": "0.59",
    "affiliate_id": "aff",
    "affiliate_commission": "1.50",
    "created_at": T0_OUT,
    "livemode": True,
}

_CALL_NEW: Json = {
    "account_id": "cus",
    "direction": "outbound",
    "product": "sip_trunking",
    "started_at": T0,
    "duration_seconds": 61,
    "billed_seconds": 120,
    "answered": True,
    "cost": "0.000125",
    "currency": "usd",
}
_CALL_OUT: Json = {
    "id": "call1",
    "account_id": "cus",
    "direction": "outbound",
    "product": "sip_trunking",
    "started_at": T0_OUT,
    "duration_seconds": 61,
    "billed_seconds": 120,
    "answered": True,
    "cost": "0.000125",
    "currency": "USD",
}


def _with(base: Json, **changes: Any) -> Json:
    return {**base, **changes}


CASES: list[Case] = [
    Case(
        "products",
        "widget",
        new={"name": "Widget", "payment_provider": {"configured": True}},
        respelled={
            "name": "Widget",
            "payment_provider": {"configured": True, "test_credentials": False},
        },
        changed={"name": "Widget 2", "payment_provider": {"configured": True}},
        stored={
            "id": "widget",
            "name": "Widget",
            "payment_provider": {
                "configured": True,
                "test_credentials": False,
                "live_credentials": False,
            },
        },
        stored_changed={
            "id": "widget",
            "name": "Widget 2",
            "payment_provider": {
                "configured": True,
                "test_credentials": False,
                "live_credentials": False,
            },
        },
    ),
    Case(
        "plans",
        "gold",
        new=_PLAN_NEW,
        respelled=_with(
            _PLAN_NEW,
            currency="USD",
            amount="10.000000",
            interval_count=1,
            trial_days=0,
            usage_charges=[{"metric_code": "api_calls", "unit_amount": "0.0001250"}],
        ),
        changed=_with(_PLAN_NEW, amount="12.5"),
        stored=_PLAN_OUT,
        stored_changed=_with(_PLAN_OUT, amount="12.50"),
    ),
    Case(
        "partners",
        "reseller",
        new=_PARTNER_NEW,
        respelled=_with(
            _PARTNER_NEW,
            created_at=T0,
            updated_at="2024-12-31T19:00:00-05:00",
            billing_model="direct",
        ),
        changed=_with(_PARTNER_NEW, is_verified=True),
        stored=_PARTNER_OUT,
        stored_changed=_with(_PARTNER_OUT, is_verified=True),
    ),
    Case(
        "affiliates",
        "aff2",
        new={"name": "Affiliate 2"},
        respelled={"id": "aff2", "name": "Affiliate 2"},
        changed={"name": "Affiliate two"},
        stored={"id": "aff2", "name": "Affiliate 2"},
        stored_changed={"id": "aff2", "name": "Affiliate two"},
    ),
    Case(
        "customers",
        "ada",
        new=_CUSTOMER_NEW,
        respelled=_with(
            _CUSTOMER_NEW,
            currency="EUR",
            created_at="2025-02-01T04:30:00Z",
            is_active=True,
            auth_id="ada",
        ),
        changed=_with(_CUSTOMER_NEW, name="Ada L."),
        stored=_CUSTOMER_OUT,
        stored_changed=_with(_CUSTOMER_OUT, name="Ada L."),
    ),
    Case(
        "subscriptions",
        "sub2",
        new=_SUB_NEW,
        respelled=_with(
            _SUB_NEW,
            currency="usd",
            started_at="2024-12-31T19:00:00-05:00",
            discount={"percent": "12.50", "duration": "forever"},
            livemode=True,
        ),
        changed=_with(_SUB_NEW, status="active", effective_at="2025-01-15T00:00:00Z"),
        stored=_SUB_OUT,
        stored_changed=_with(
            _SUB_OUT, status="active", effective_at="2025-01-15T00:00:00+00:00", version=2
        ),
    ),
    Case(
        "invoices",
        "inv2",
        new=_INVOICE_NEW,
        respelled=_with(
            _INVOICE_NEW,
            currency="usd",
            tax_amount="2.00",
            total="11.000000",
            lines=[
                _with(_INVOICE_NEW["lines"][0], amount="10.00"),
                _with(_INVOICE_NEW["lines"][1], quantity="4000.0"),
                _with(_INVOICE_NEW["lines"][2], amount="-1.50"),
            ],
        ),
        # Only a line changes: the invoice row is equal, its lines are not.
        changed=_with(
            _INVOICE_NEW,
            lines=[_with(_INVOICE_NEW["lines"][0], description="Jan"), *_INVOICE_NEW["lines"][1:]],
        ),
        stored=_INVOICE_OUT,
        stored_changed=_with(
            _INVOICE_OUT,
            lines=[_with(_INVOICE_OUT["lines"][0], description="Jan"), *_INVOICE_OUT["lines"][1:]],
        ),
    ),
    Case(
        "payments",
        "pay2",
        new=_PAYMENT_NEW,
        respelled=_with(
            _PAYMENT_NEW,
            amount="10.000",
            fee_amount="0.590000",
            currency="usd",
            created_at="2025-01-01T02:00:00+02:00",
            livemode=True,
        ),
        changed=_with(_PAYMENT_NEW, status="pending"),
        stored=_PAYMENT_OUT,
        stored_changed=_with(_PAYMENT_OUT, status="pending"),
    ),
    Case(
        "refunds",
        "ref1",
        new={"payment_id": "pay", "amount": "2.5", "created_at": "2025-01-02T00:00:00Z"},
        respelled={
            "payment_id": "pay",
            "amount": "2.50",
            "created_at": "2025-01-02T09:00:00+09:00",
        },
        changed={"payment_id": "pay", "amount": "3", "created_at": "2025-01-02T00:00:00Z"},
        stored={
            "id": "ref1",
            "payment_id": "pay",
            "amount": "2.50",
            "created_at": "2025-01-02T00:00:00+00:00",
        },
        stored_changed={
            "id": "ref1",
            "payment_id": "pay",
            "amount": "3.00",
            "created_at": "2025-01-02T00:00:00+00:00",
        },
    ),
    Case(
        "usage_events",
        "evt1",
        new={
            "customer_id": "cus",
            "subscription_id": "sub",
            "metric_code": "api_calls",
            "quantity": "1.5",
            "timestamp": "2025-01-31T23:30:00-05:00",
        },
        respelled={
            "customer_id": "cus",
            "subscription_id": "sub",
            "metric_code": "api_calls",
            "quantity": "1.500000",
            "timestamp": "2025-02-01T04:30:00Z",
        },
        changed={
            "customer_id": "cus",
            "subscription_id": "sub",
            "metric_code": "api_calls",
            "quantity": "2",
            "timestamp": "2025-01-31T23:30:00-05:00",
        },
        stored={
            "id": "evt1",
            "customer_id": "cus",
            "subscription_id": "sub",
            "metric_code": "api_calls",
            "quantity": "1.5",
            "timestamp": "2025-02-01T04:30:00+00:00",
        },
        stored_changed={},  # append-only: never changes
    ),
    Case(
        "wallets",
        "wal2",
        new={"customer_id": "cus", "currency": "usd"},
        respelled={"customer_id": "cus", "currency": "USD", "status": "active"},
        changed={"customer_id": "cus", "currency": "USD", "status": "terminated"},
        stored={"id": "wal2", "customer_id": "cus", "currency": "USD", "status": "active"},
        stored_changed={
            "id": "wal2",
            "customer_id": "cus",
            "currency": "USD",
            "status": "terminated",
        },
    ),
    Case(
        "wallet_transactions",
        "wtx1",
        new={"wallet_id": "wal", "amount": "-5.25", "created_at": T0},
        respelled={"wallet_id": "wal", "amount": "-5.250", "created_at": "2025-01-01T00:00:00Z"},
        changed={"wallet_id": "wal", "amount": "5.25", "created_at": T0},
        stored={"id": "wtx1", "wallet_id": "wal", "amount": "-5.25", "created_at": T0_OUT},
        stored_changed={},
    ),
    Case(
        "call_records",
        "call1",
        new=_CALL_NEW,
        respelled=_with(_CALL_NEW, cost="0.0001250", currency="USD"),
        changed=_with(_CALL_NEW, cost="0.000126"),
        stored=_CALL_OUT,
        stored_changed={},
    ),
    Case(
        "fx_rates",
        "EUR/2025-01-31",
        respelled_path="eur/2025-01-31",
        new={"rate": "1.0845"},
        respelled={"rate": "1.084500000000"},
        changed={"rate": "1.09"},
        stored={"currency": "EUR", "date": "2025-01-31", "rate": "1.0845"},
        stored_changed={"currency": "EUR", "date": "2025-01-31", "rate": "1.09"},
    ),
]

CASE_IDS = [c.kind for c in CASES]


def test_every_kind_has_an_upsert_case() -> None:
    assert sorted(CASE_IDS) == sorted(KINDS)


def test_append_only_cases_have_no_changed_state() -> None:
    for case in CASES:
        assert (case.stored_changed == {}) == case.append_only, case.kind


def test_base_graph_ids_are_unique_per_kind() -> None:
    seen = [(kind, data["id"]) for kind, data in BASE]
    assert len(seen) == len(set(seen))
