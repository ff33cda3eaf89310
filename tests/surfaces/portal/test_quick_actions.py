"""``quick_actions``: open invoices, wallets, active subscriptions, currency (hand-computed)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import Engine

from tests.conftest import make_tenant
from tests.surfaces.portal.builders import Ledger
from tests.surfaces.portal.conftest import Clock, dashboard, issue
from tests.surfaces.portal.schema import DASHBOARD, HTTP_VALIDATION_ERROR, validate


def invoice(
    ledger: Ledger, id: str, total: str, status: str, issued_at: str, currency: str = "USD"
) -> Ledger:
    extra: dict[str, Any] = {"paid_at": issued_at} if status == "paid" else {}
    return ledger.add(
        "invoices",
        id,
        customer_id="c",
        currency=currency,
        status=status,
        issued_at=issued_at,
        lines=[{"type": "one_time", "amount": total}],
        total=total,
        **extra,
    )


def payment(
    ledger: Ledger, id: str, invoice_id: str, amount: str, status: str, created_at: str
) -> Ledger:
    return ledger.add(
        "payments",
        id,
        customer_id="c",
        invoice_id=invoice_id,
        amount=amount,
        currency="USD",
        status=status,
        created_at=created_at,
    )


def wallet(
    ledger: Ledger, id: str, currency: str, status: str, *amounts: tuple[str, str]
) -> Ledger:
    ledger.add("wallets", id, customer_id="c", currency=currency, status=status)
    for n, (amount, at) in enumerate(amounts):
        ledger.add("wallet_transactions", f"{id}-t{n}", wallet_id=id, amount=amount, created_at=at)
    return ledger


def rate(ledger: Ledger, currency: str, day: str, value: str) -> Ledger:
    return ledger.add("fx_rates", None, currency=currency, date=day, rate=value)


def _actions(
    client: httpx.Client,
    engine: Engine,
    clock: Clock,
    ledger: Ledger,
    now: str,
    tz: str = "UTC",
    currency: str = "USD",
) -> dict[str, Any]:
    tenant = make_tenant(engine, timezone=tz, currency=currency)
    ledger.load(client, tenant)
    clock.now = datetime.fromisoformat(now)
    response = dashboard(client, issue(client, tenant, "c")["token"])
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    validate(body, DASHBOARD)
    actions: dict[str, Any] = body["quick_actions"]
    return actions


def test_open_invoices_and_wallets(client: httpx.Client, clock: Clock, engine: Engine) -> None:
    ledger = Ledger().customer("c")
    invoice(ledger, "inv-1", "100.00", "open", "2025-03-01T00:00:00Z")
    invoice(ledger, "inv-2", "50.00", "open", "2025-03-01T00:00:00Z")
    payment(ledger, "pay-1", "inv-2", "20.00", "succeeded", "2025-03-02T00:00:00Z")
    payment(ledger, "pay-2", "inv-2", "10.00", "failed", "2025-03-02T00:00:00Z")
    ledger.add(
        "refunds", "ref-1", payment_id="pay-1", amount="5.00", created_at="2025-03-03T00:00:00Z"
    )
    invoice(ledger, "inv-3", "70.00", "paid", "2025-03-01T00:00:00Z")
    invoice(ledger, "inv-4", "10.00", "draft", "2025-03-01T00:00:00Z")
    invoice(ledger, "inv-5", "40.00", "open", "2025-03-11T00:00:00Z")  # issued after now
    invoice(ledger, "inv-6", "5.00", "uncollectible", "2025-03-01T00:00:00Z")
    invoice(ledger, "inv-7", "6.00", "void", "2025-03-01T00:00:00Z")
    invoice(ledger, "inv-8", "12.345", "open", "2025-03-01T00:00:00Z")
    payment(ledger, "pay-3", "inv-8", "12.345", "succeeded", "2025-03-11T00:00:00Z")  # later
    wallet(
        ledger,
        "w1",
        "USD",
        "active",
        ("100.00", "2025-03-01T00:00:00Z"),
        ("-30.25", "2025-03-05T00:00:00Z"),
        ("1000.00", "2025-03-10T12:00:01Z"),  # after now
    )
    wallet(ledger, "w2", "USD", "active", ("20.00", "2025-03-01T00:00:00Z"))
    wallet(ledger, "w3", "USD", "terminated", ("500.00", "2025-03-01T00:00:00Z"))
    actions = _actions(client, engine, clock, ledger, "2025-03-10T12:00:00Z")
    # Due: inv-1 100 + inv-2 (50 - 20 + 5 refunded) 35 + inv-8 12.345 = 147.345 -> 147.34.
    assert actions == {
        "outstanding_invoice_count": 3,
        "outstanding_amount_cents": 14734,
        "has_wallet": True,
        "wallet_balance_cents": 8975,  # 69.75 + 20.00
        "has_active_subscription": False,
        "currency": "USD",
    }


def test_foreign_amounts_use_the_rate_of_the_tenants_today(
    client: httpx.Client, clock: Clock, engine: Engine
) -> None:
    """Now is Mar 10 03:00 UTC = Mar 9 23:00 in New York: the rates of Mar 9 apply."""
    ledger = Ledger().customer("c")
    invoice(ledger, "inv-eur", "20.00", "open", "2025-03-01T00:00:00Z", currency="EUR")
    wallet(ledger, "w-eur", "EUR", "active", ("10.00", "2025-03-01T00:00:00Z"))
    wallet(ledger, "w-usd", "USD", "active", ("5.00", "2025-03-01T00:00:00Z"))
    rate(ledger, "EUR", "2025-03-09", "1.5")
    rate(ledger, "EUR", "2025-03-10", "1.1")
    actions = _actions(client, engine, clock, ledger, "2025-03-10T03:00:00Z", tz="America/New_York")
    assert actions["outstanding_amount_cents"] == 3000  # 20 x 1.5
    assert actions["wallet_balance_cents"] == 2000  # 10 x 1.5 + 5


def test_cross_rate_into_the_customers_currency(
    client: httpx.Client, clock: Clock, engine: Engine
) -> None:
    """Customer in EUR, tenant reporting in USD: GBP and USD amounts cross through USD."""
    ledger = Ledger().customer("c", "EUR")
    invoice(ledger, "inv-usd", "11.00", "open", "2025-03-01T00:00:00Z")
    wallet(ledger, "w-gbp", "GBP", "active", ("10.00", "2025-03-01T00:00:00Z"))
    rate(ledger, "GBP", "2025-03-10", "1.25")
    rate(ledger, "EUR", "2025-03-10", "1.1")
    actions = _actions(client, engine, clock, ledger, "2025-03-10T12:00:00Z")
    assert actions["currency"] == "EUR"
    assert actions["outstanding_amount_cents"] == 1000  # 11 USD / 1.1
    assert actions["wallet_balance_cents"] == 1136  # 12.5 USD / 1.1 = 11.3636...


def test_a_missing_rate_is_a_422_naming_it(
    client: httpx.Client, clock: Clock, engine: Engine
) -> None:
    tenant = make_tenant(engine)
    ledger = Ledger().customer("c")
    wallet(ledger, "w-chf", "CHF", "active", ("10.00", "2025-03-01T00:00:00Z"))
    ledger.load(client, tenant)
    clock.now = datetime.fromisoformat("2025-03-10T12:00:00Z")
    response = dashboard(client, issue(client, tenant, "c")["token"])
    assert response.status_code == 422
    body = response.json()
    validate(body, HTTP_VALIDATION_ERROR)
    [problem] = body["detail"]
    assert problem["type"] == "missing_fx_rate"
    assert "CHF on 2025-03-10" in problem["msg"]


def test_currency_falls_back_to_the_first_subscription_then_the_tenant(
    client: httpx.Client, clock: Clock, engine: Engine
) -> None:
    ledger = (
        Ledger()
        .product()
        .plan("p-eur", "10.00", currency="EUR")
        .plan("p-usd", "10.00")
        .customer("c", None)
        .subscription(
            "s-old",
            "c",
            "p-eur",
            "2024-01-01T00:00:00Z",
            status="cancelled",
            cancelled_at="2024-06-01T00:00:00Z",
        )
        .subscription("s-new", "c", "p-usd", "2025-01-01T00:00:00Z")
    )
    actions = _actions(client, engine, clock, ledger, "2025-03-10T12:00:00Z")
    assert actions["currency"] == "EUR"
    assert actions["has_active_subscription"] is True

    bare = _actions(
        client, engine, clock, Ledger().customer("c", None), "2025-03-10T12:00:00Z", currency="GBP"
    )
    assert bare == {
        "outstanding_invoice_count": 0,
        "outstanding_amount_cents": 0,
        "has_wallet": False,
        "wallet_balance_cents": 0,
        "has_active_subscription": False,
        "currency": "GBP",
    }


def test_has_active_subscription_by_status(
    client: httpx.Client, clock: Clock, engine: Engine
) -> None:
    expected = {"trialing": True, "active": True, "past_due": True, "paused": False}
    for status, active in expected.items():
        extra = {"trial_ends_at": "2025-04-01T00:00:00Z"} if status == "trialing" else {}
        ledger = (
            Ledger()
            .product()
            .plan("p")
            .customer("c")
            .subscription("s", "c", "p", "2025-01-01T00:00:00Z", status=status, **extra)
        )
        actions = _actions(client, engine, clock, ledger, "2025-03-10T12:00:00Z")
        assert actions["has_active_subscription"] is active, status
