"""GET /api/v1/partner/dashboard on the hand-computed scenario: every field, schema-valid."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import Engine

from billstats.metrics.partner import Account
from billstats.surfaces.vobiz.shape import customers
from tests.conftest import make_tenant
from tests.surfaces.vobiz import scenario
from tests.surfaces.vobiz.conftest import DASHBOARD, World, issue, load
from tests.surfaces.vobiz.schema import assert_valid


def _get(http: httpx.Client, path: str, headers: dict[str, str], **params: str) -> Any:
    response = http.get(path, headers=headers, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert_valid(body)
    return body


def test_dashboard_every_field(http: httpx.Client, world: World) -> None:
    body = _get(http, DASHBOARD, world.p1.headers)
    partner = body.pop("partner")
    partner_uuid = uuid.UUID(partner.pop("id"))
    assert partner_uuid.version == 5
    assert partner == {
        "account_id": 500000,
        "name": "John Doe",
        "slug": "acme-partner",
        "company": "Acme Corp",
        "auth_id": world.p1.auth_id,
        "email": "admin@example.com",
        "phone": "+919876543210",
        "billing_model": "direct",
        "is_active": True,
        "is_verified": False,
        "max_accounts": 1000,
        "can_create_accounts": True,
        "can_create_pricing_tiers": True,
        "can_view_cdrs": True,
        "can_transfer_balance": True,
        "default_pricing_tier_id": "tier-inr-standard",
        "account_count": 3,
        "balance": None,
        "created_at": "2026-01-19T18:39:14.529435Z",
        "updated_at": "2026-05-11T13:31:06.283235Z",
    }
    assert body == {
        "period": {"from": "2026-04-12", "to": "2026-05-12"},
        "accounts": {"total": 3, "active": 2, "customers": scenario.EXPECTED_CUSTOMERS},
        "total_balance": scenario.TOTAL_BALANCE,
        "currency": "INR",
        "calls": scenario.DASHBOARD_CALLS,
        "traffic": scenario.DASHBOARD_TRAFFIC,
        "by_product": scenario.DASHBOARD_BY_PRODUCT,
        "time_series": scenario.DASHBOARD_SERIES,
    }


def test_json_types_are_the_vendors(http: httpx.Client, world: World) -> None:
    """Strings stay strings, counts are integers, minutes numbers (an integer when whole)."""
    response = http.get(DASHBOARD, headers=world.p1.headers)
    raw = response.text
    assert '"total_balance":"1238.15432"' in raw
    assert '"balance":null' in raw
    # sip_trunking minutes: an integer in the vendor's schema, never 2.0
    assert '"sip_trunking":{"total_calls":3,"answered_calls":2,"total_minutes":2,' in raw
    assert '"inbound":{"total_calls":1,"answered_calls":0,"total_minutes":0}' in raw
    assert '"total_minutes":3.8,"total_cost":"1.60"' in raw


def test_invariants(http: httpx.Client, world: World) -> None:
    body = _get(http, DASHBOARD, world.p1.headers)
    calls = body["calls"]["total_calls"]
    traffic, products = body["traffic"], body["by_product"]
    assert traffic["inbound"]["total_calls"] + traffic["outbound"]["total_calls"] == calls
    assert products["sip_trunking"]["total_calls"] + products["voice_api"]["total_calls"] == calls
    assert sum(d["total_calls"] for d in body["time_series"]) == calls
    for day in body["time_series"]:
        assert day["inbound"]["total_calls"] + day["outbound"]["total_calls"] == day["total_calls"]


def test_partner_without_optional_fields(http: httpx.Client, world: World) -> None:
    """p2 was ingested with only the required fields; its account b1 has no currency."""
    body = _get(http, DASHBOARD, world.p2.headers)
    partner = body["partner"]
    assert {k: partner[k] for k in ("company", "email", "phone", "default_pricing_tier_id")} == {
        "company": "",
        "email": "",
        "phone": "",
        "default_pricing_tier_id": "",
    }
    assert (partner["account_id"], partner["max_accounts"], partner["account_count"]) == (0, 0, 1)
    # created_at again as updated_at when the record has none
    assert partner["created_at"] == partner["updated_at"] == "2026-01-01T00:00:00.000000Z"
    # b1 has no currency: the tenant's reporting currency; its call 600 s = 10 min
    assert (body["currency"], body["total_balance"]) == ("USD", "777.00000")
    assert body["calls"] == scenario.roll(1, 1, 10, "100.00")
    assert body["accounts"]["customers"] == [
        {
            "auth_id": "MA_BBBBBBB1",
            "name": "Beta Client",
            "email": "",
            "phone": "",
            "is_active": True,
            "created_at": "2026-02-01T00:00:00.000000+00:00",
        }
    ]


def test_partner_uuid_is_stable_and_distinct(
    engine: Engine, http: httpx.Client, world: World
) -> None:
    first = _get(http, DASHBOARD, world.p1.headers)["partner"]["id"]
    again = issue(http, world.tenant, "p1")  # another credential of the same partner
    assert _get(http, DASHBOARD, again.headers)["partner"]["id"] == first
    assert _get(http, DASHBOARD, world.p2.headers)["partner"]["id"] != first
    other = make_tenant(engine, timezone=scenario.TIMEZONE)  # same partner id, other tenant
    load(http, other, [("partners", scenario.PARTNER)])
    assert _get(http, DASHBOARD, issue(http, other, "p1").headers)["partner"]["id"] != first


def test_window_follows_the_clock(
    http: httpx.Client, world: World, pin_clock: Callable[[datetime], None]
) -> None:
    # 2026-04-12 03:59 UTC is still 2026-04-11 in New York: window 03-12 .. 04-11
    pin_clock(datetime(2026, 4, 12, 3, 59, tzinfo=UTC))
    body = _get(http, DASHBOARD, world.p1.headers)
    assert body["period"] == {"from": "2026-03-12", "to": "2026-04-11"}
    # x1 (23:30 local on 04-11) is the only call by then; the balance has t1 and t4 only
    assert body["calls"] == scenario.roll(1, 1, 1, "9.00")
    assert body["time_series"] == [
        {
            "date": "2026-04-11",
            **scenario.roll(1, 1, 1, "9.00"),
            "inbound": scenario.counts(0, 0, 0),
            "outbound": scenario.counts(1, 1, 1),
        }
    ]
    assert body["total_balance"] == "1250.50000"
    # The same data (no write: the wallets read at this revision are reused) at NOW, then just
    # after t3 (dated a second after NOW): each instant sees exactly the transactions up to it.
    pin_clock(scenario.NOW)
    assert _get(http, DASHBOARD, world.p1.headers)["total_balance"] == scenario.TOTAL_BALANCE
    pin_clock(scenario.NOW + timedelta(seconds=1))
    assert _get(http, DASHBOARD, world.p1.headers)["total_balance"] == "1738.15432"  # + t3's 500
    pin_clock(datetime(2026, 4, 12, 3, 59, tzinfo=UTC))
    assert _get(http, DASHBOARD, world.p1.headers)["total_balance"] == "1250.50000"


def test_a_partner_without_accounts(engine: Engine, http: httpx.Client, pin_clock: Any) -> None:
    tenant = make_tenant(engine, timezone="Asia/Kolkata", currency="INR")
    load(http, tenant, [("partners", scenario.OTHER_PARTNER)])
    body = _get(http, DASHBOARD, issue(http, tenant, "p2").headers)
    assert body["period"] == {"from": "2026-04-12", "to": "2026-05-12"}
    assert body["accounts"] == {"total": 0, "active": 0, "customers": []}
    assert (body["total_balance"], body["currency"]) == ("0.00000", "INR")
    assert body["calls"] == scenario.roll(0, 0, 0, "0.00")
    assert body["by_product"]["sip_trunking"] == scenario.roll(0, 0, 0, "0.00")
    assert body["time_series"] == []


def test_customers_are_shaped_once_per_account_list() -> None:
    when = datetime(2026, 4, 1, 12, 0, tzinfo=UTC)
    accounts = [Account("a1", "MA1", "One", None, None, "USD", True, when)]
    first = customers(accounts)
    assert first == [
        {
            "auth_id": "MA1",
            "name": "One",
            "email": "",
            "phone": "",
            "is_active": True,
            "created_at": "2026-04-01T12:00:00.000000+00:00",
        }
    ]
    assert customers(accounts) is first  # the same list: shaped once
    # another list (the accounts of a newer revision), even with equal content, is shaped anew
    renamed = [Account("a1", "MA1", "Renamed", None, None, "USD", True, when)]
    assert customers(renamed)[0]["name"] == "Renamed"
    assert customers(list(accounts)) is not first
