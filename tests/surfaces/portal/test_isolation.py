"""A portal token shows its own customer's data only: not another customer's, not another
tenant's (even under the same ids)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import Engine

from tests.conftest import TenantCtx, make_tenant
from tests.surfaces.portal.builders import Ledger, feature
from tests.surfaces.portal.conftest import Clock, dashboard, issue
from tests.surfaces.portal.schema import DASHBOARD, validate

NOW = datetime(2025, 2, 20, tzinfo=UTC)


def _customer_data(ledger: Ledger, customer: str, sub: str, quantity: int, usage: str) -> None:
    ledger.customer(customer)
    ledger.subscription(sub, customer, "p", "2025-01-15T00:00:00Z", quantity=quantity)
    ledger.usage(f"{customer}-e1", customer, "api_calls", usage, "2025-02-16T00:00:00Z")
    ledger.add(
        "invoices",
        f"{customer}-inv",
        customer_id=customer,
        currency="USD",
        status="open",
        issued_at="2025-02-15T00:00:00Z",
        lines=[{"type": "one_time", "amount": f"{quantity}.00"}],
        total=f"{quantity}.00",
    )
    ledger.add("wallets", f"{customer}-w", customer_id=customer, currency="USD", status="active")
    ledger.add(
        "wallet_transactions",
        f"{customer}-w-t",
        wallet_id=f"{customer}-w",
        amount=f"{quantity * 10}.00",
        created_at="2025-02-01T00:00:00Z",
    )


def _plan(ledger: Ledger, amount: str) -> Ledger:
    return ledger.product().plan(
        "p",
        amount,
        features=[feature("api_calls", "quantity", "100")],
        usage={"api_calls": "1.00"},
    )


def _view(client: httpx.Client, tenant: TenantCtx, customer: str) -> dict[str, Any]:
    response = dashboard(client, issue(client, tenant, customer)["token"])
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    validate(body, DASHBOARD)
    return body


def _numbers(body: dict[str, Any]) -> tuple[Any, ...]:
    [charge] = body["upcoming_charges"]
    [progress] = body["usage_progress"]
    q = body["quick_actions"]
    return (
        charge["subscription_external_id"],
        charge["base_amount_cents"],
        charge["usage_amount_cents"],
        progress["current_usage"],
        q["outstanding_invoice_count"],
        q["outstanding_amount_cents"],
        q["wallet_balance_cents"],
    )


def test_customers_of_one_tenant_see_only_their_own(
    client: httpx.Client, clock: Clock, tenant: TenantCtx
) -> None:
    ledger = _plan(Ledger(), "10.00")
    _customer_data(ledger, "a", "sub-a", 1, "3")
    _customer_data(ledger, "b", "sub-b", 2, "40")
    ledger.load(client, tenant)
    clock.now = NOW
    assert _numbers(_view(client, tenant, "a")) == ("sub-a", 1000, 300, "3", 1, 100, 1000)
    assert _numbers(_view(client, tenant, "b")) == ("sub-b", 2000, 4000, "40", 1, 200, 2000)


def _tamper_tenant(token: str, tenant_id: int) -> str:
    header, payload, signature = token.split(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data["tid"] = tenant_id
    raw = base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    return f"{header}.{raw}.{signature}"


def test_same_ids_in_two_tenants_stay_apart(
    client: httpx.Client, clock: Clock, tenant: TenantCtx, engine: Engine
) -> None:
    other = make_tenant(engine)
    first = _plan(Ledger(), "10.00")
    _customer_data(first, "c", "sub-1", 1, "3")
    first.load(client, tenant)
    second = _plan(Ledger(), "99.00")
    _customer_data(second, "c", "sub-1", 5, "70")
    second.load(client, other)
    clock.now = NOW

    mine = _view(client, tenant, "c")
    theirs = _view(client, other, "c")
    assert _numbers(mine) == ("sub-1", 1000, 300, "3", 1, 100, 1000)
    assert _numbers(theirs) == ("sub-1", 49500, 7000, "70", 1, 500, 5000)
    # The same external id, a different UUID per tenant; stable across calls.
    assert (
        mine["next_billing"][0]["subscription_id"] != theirs["next_billing"][0]["subscription_id"]
    )
    again = _view(client, tenant, "c")
    assert again["next_billing"][0]["subscription_id"] == mine["next_billing"][0]["subscription_id"]
    assert (
        mine["upcoming_charges"][0]["subscription_id"] == mine["next_billing"][0]["subscription_id"]
    )

    # A token of the first tenant edited to name the second is refused.
    token = issue(client, tenant, "c")["token"]
    response = dashboard(client, _tamper_tenant(token, other.id))
    assert (response.status_code, response.json()) == (401, {"detail": "Invalid portal token"})
