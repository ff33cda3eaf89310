"""The demo tenant's partner (``billstats demo --scale 0.02``-sized): schema-valid, invariants
hold, and the numbers equal an independent count over the demo generator's own records."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from billstats.demo.catalog import PARTNER_ID
from billstats.demo.config import TENANT_TIMEZONE
from billstats.demo.stream import iter_objects
from tests.surfaces.vobiz.conftest import (
    ANALYTICS,
    DASHBOARD,
    DEMO_CONFIG,
    DEMO_NOW,
    Demo,
)
from tests.surfaces.vobiz.schema import assert_valid

NY = ZoneInfo(TENANT_TIMEZONE)


@pytest.fixture
def at_demo_time(pin_clock: Callable[[datetime], None]) -> None:
    pin_clock(DEMO_NOW)


def _get(http: httpx.Client, demo: Demo, path: str, **params: str) -> Any:
    response = http.get(path, headers=demo.credential.headers, params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert_valid(body)
    return body


def _expected(first: date, last: date) -> dict[str, Any]:
    """Straight from the generator's records, without the database or the metrics code."""
    records: dict[str, list[dict[str, Any]]] = {}
    for obj in iter_objects(DEMO_CONFIG):
        records.setdefault(obj["kind"], []).append(obj["data"])
    accounts = {c["id"]: c for c in records["customers"] if c.get("partner_id") == PARTNER_ID}
    wallets = {
        w["id"]
        for w in records["wallets"]
        if w["customer_id"] in accounts and w.get("status", "active") == "active"
    }
    balance = sum(
        (
            Decimal(x["amount"])
            for x in records["wallet_transactions"]
            if x["wallet_id"] in wallets and datetime.fromisoformat(x["created_at"]) <= DEMO_NOW
        ),
        Decimal(0),
    )
    calls: Counter[str] = Counter()
    seconds, cost = 0, Decimal(0)
    days: Counter[str] = Counter()
    for call in records["call_records"]:
        started = datetime.fromisoformat(call["started_at"])
        local = started.astimezone(NY).date()
        if call["account_id"] in accounts and first <= local <= last and started < DEMO_NOW:
            calls["all"] += 1
            calls["answered"] += call["answered"]
            seconds += call["billed_seconds"]
            cost += Decimal(call["cost"])
            days[local.isoformat()] += 1
    return {
        "accounts": len(accounts),
        "active": sum(1 for a in accounts.values() if a["is_active"]),
        "balance": str(balance.quantize(Decimal("0.00001"), ROUND_HALF_EVEN)),
        "calls": calls["all"],
        "answered": calls["answered"],
        "minutes": round(Fraction(seconds, 60) * 10) / 10,
        "cost": str(cost.quantize(Decimal("0.01"), ROUND_HALF_EVEN)),
        "days": dict(sorted(days.items())),
    }


def _check_invariants(body: Any) -> None:
    calls = body["calls"]
    traffic, products, series = body["traffic"], body["by_product"], body["time_series"]
    for field in ("total_calls", "answered_calls"):
        assert traffic["inbound"][field] + traffic["outbound"][field] == calls[field]
        assert products["sip_trunking"][field] + products["voice_api"][field] == calls[field]
        assert sum(d[field] for d in series) == calls[field]
    for day in series:
        assert day["inbound"]["total_calls"] + day["outbound"]["total_calls"] == day["total_calls"]
        assert day["total_calls"] > 0
    assert [d["date"] for d in series] == sorted(d["date"] for d in series)
    # parts are rounded separately: they add up to the total within their rounding
    parts = sum(Decimal(traffic[d]["total_cost"]) for d in ("inbound", "outbound"))
    assert abs(parts - Decimal(calls["total_cost"])) <= Decimal("0.01")
    assert abs(sum(d["total_minutes"] for d in series) - calls["total_minutes"]) <= (
        0.05 * len(series) + 0.05
    )


@pytest.mark.parametrize(
    ("path", "params", "first", "last"),
    [
        (DASHBOARD, {}, date(2026, 3, 16), date(2026, 4, 15)),
        (ANALYTICS, {}, date(2026, 3, 16), date(2026, 4, 15)),
        (
            ANALYTICS,
            {"from_date": "2026-01-01", "to_date": "2026-03-31"},
            date(2026, 1, 1),
            date(2026, 3, 31),
        ),
    ],
)
def test_demo_partner(
    http: httpx.Client,
    demo: Demo,
    at_demo_time: None,
    path: str,
    params: dict[str, str],
    first: date,
    last: date,
) -> None:
    body = _get(http, demo, path, **params)
    _check_invariants(body)
    want = _expected(first, last)
    assert body["period"] == {"from": first.isoformat(), "to": last.isoformat()}
    assert body["currency"] == "INR"
    assert body["partner"]["slug"] == "acme-partner"
    assert body["partner"]["account_count"] == body["accounts"]["total"] == want["accounts"] == 4
    assert body["accounts"]["active"] == want["active"]
    assert body["total_balance"] == want["balance"]
    assert body["calls"] == {
        "total_calls": want["calls"],
        "answered_calls": want["answered"],
        "total_minutes": float(want["minutes"]),
        "total_cost": want["cost"],
    }
    assert {d["date"]: d["total_calls"] for d in body["time_series"]} == want["days"]
    # plausible: calls on most days of the window, most answered, a positive cost
    assert want["calls"] > 100 and 0.5 < want["answered"] / want["calls"] < 1
    assert len(want["days"]) > (last - first).days // 2
    assert Decimal(want["cost"]) > 0


def test_demo_window_edges(http: httpx.Client, demo: Demo, at_demo_time: None) -> None:
    """The demo's calls end on the day before its anchor; a later window is empty."""
    last_day = DEMO_CONFIG.anchor - timedelta(days=1)
    body = _get(http, demo, ANALYTICS, from_date=DEMO_CONFIG.anchor.isoformat())
    assert body["calls"]["total_calls"] == 0 and body["time_series"] == []
    body = _get(http, demo, ANALYTICS, from_date=last_day.isoformat(), to_date=last_day.isoformat())
    assert body["calls"]["total_calls"] == _expected(last_day, last_day)["calls"] > 0
