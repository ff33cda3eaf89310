"""Property: on random payments (ingested through the API), ``GET /v1/metrics/cohorts`` equals
a naive recomputation: each customer's cohort is the local month of its first succeeded live
payment, a period retains the customers paying in it, revenue is converted per payment day and
rounded once per cell, ratios are exact and rounded to 6 decimals half-even."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from tests.conftest import Frozen, make_tenant

BASE = datetime(2024, 1, 1, tzinfo=UTC)
DAYS = 150  # five months of payments
NOW = datetime(2024, 5, 20, 12, tzinfo=UTC)  # in the fifth month: the last one is partial
ZONES = ["UTC", "America/Los_Angeles", "Pacific/Auckland"]


def eur_rate(day: date) -> Fraction:
    """A different rate every day: 1.05 + day-of-year / 1000."""
    return Fraction(105, 100) + Fraction(day.timetuple().tm_yday, 1000)


@st.composite
def payments(draw: st.DrawFn) -> list[dict[str, Any]]:
    out = []
    for n in range(draw(st.integers(3, 25))):
        minutes = draw(st.integers(0, DAYS * 24 * 60))
        out.append(
            {
                "id": f"p{n}",
                "customer_id": f"c{draw(st.integers(0, 5))}",
                "amount": f"{draw(st.integers(1, 50000)) / 100:.2f}",
                "currency": draw(st.sampled_from(["USD", "USD", "EUR"])),
                "status": draw(st.sampled_from(["succeeded", "succeeded", "failed"])),
                "created_at": (BASE + timedelta(minutes=minutes)).isoformat(),
                "livemode": draw(st.integers(0, 6)) > 0,
            }
        )
    return out


def month(day: date) -> int:
    return day.year * 12 + day.month - 1


def exact_ratio(part: Fraction, whole: Fraction) -> str | None:
    if not whole:
        return None
    scaled = Fraction(part, whole) * 10**6
    return f"{Decimal(round(scaled)).scaleb(-6):f}"


def money(value: Fraction) -> str:
    cents = round(value * 100)
    return f"{Decimal(cents).scaleb(-2):f}"


def reference(
    zone: str, rows: list[dict[str, Any]], start: date = date(2024, 1, 1), currency: str = ""
) -> list[tuple[Any, ...]]:
    """The cohorts of the months from ``start`` (``currency``: only payments in it, valued in
    it; else all, converted to USD)."""
    tz = ZoneInfo(zone)
    paid = [
        (r["customer_id"], datetime.fromisoformat(r["created_at"]), r)
        for r in rows
        if r["status"] == "succeeded" and r["livemode"] and datetime.fromisoformat(
            r["created_at"]) < NOW and currency in ("", r["currency"])
    ]  # fmt: skip
    first: dict[str, int] = {}
    for cid, at, _ in paid:
        m = month(at.astimezone(tz).date())
        first[cid] = min(first.get(cid, m), m)
    lo, hi = month(start), month(NOW.astimezone(tz).date())
    retained: dict[tuple[int, int], set[str]] = defaultdict(set)
    revenue: dict[tuple[int, int], Fraction] = defaultdict(Fraction)
    for cid, at, r in paid:
        day = at.astimezone(tz).date()
        k = month(day) - first[cid]
        retained[(first[cid], k)].add(cid)
        amount = Fraction(r["amount"])
        converted = r["currency"] == "EUR" and not currency
        revenue[(first[cid], k)] += amount * (eur_rate(day) if converted else 1)
    out = []
    for m in range(lo, hi + 1):
        size = sum(1 for c in first.values() if c == m)
        cells = []
        for k in range(hi - m + 1):
            kept = len(retained[(m, k)])
            money_k, base = revenue[(m, k)], revenue[(m, 0)]
            cells.append(
                (kept, exact_ratio(Fraction(kept), Fraction(size)), money(money_k),
                 exact_ratio(money_k, base))
            )  # fmt: skip
        out.append((size, cells))
    return out


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(zone=st.sampled_from(ZONES), rows=payments())
def test_cohorts_match_reference(
    frozen_server: Frozen, engine: Engine, zone: str, rows: list[dict[str, Any]]
) -> None:
    tenant = make_tenant(engine, timezone=zone, currency="USD")
    lines = [
        {"kind": "customers", "data": {"id": f"c{i}", "name": f"c{i}",
                                       "created_at": BASE.isoformat()}}
        for i in range(6)
    ]  # fmt: skip
    day = date(2023, 12, 31)
    while day <= date(2024, 6, 1):
        rate = eur_rate(day)
        text = f"{Decimal(rate.numerator) / Decimal(rate.denominator):f}"
        lines.append({"kind": "fx_rates", "data": {"currency": "EUR", "date": day.isoformat(),
                                                   "rate": text}})  # fmt: skip
        day += timedelta(days=1)
    lines += [{"kind": "payments", "data": r} for r in rows]
    frozen_server.clock.now = NOW
    try:
        with httpx.Client(base_url=frozen_server.url, headers=tenant.headers, timeout=60) as c:
            body = "\n".join(json.dumps(line) for line in lines).encode()
            assert c.post("/v1/import", content=body).status_code == 200
            asked = {
                (start, currency): c.get(
                    "/v1/metrics/cohorts",
                    params={"start_date": start.isoformat(), "end_date": "2024-12-31",
                            **({"currency": currency} if currency else {})},
                ).json()
                for start in (date(2024, 1, 1), date(2024, 3, 1))
                for currency in ("", "EUR")
            }  # fmt: skip
    finally:
        frozen_server.clock.now = None
    for (start, currency), got in asked.items():
        assert got["end_date"] == "2024-12-31"
        assert got["currency"] == (currency or "USD")
        actual = [
            (c["customers"], [(p["retained_customers"], p["customer_retention"], p["revenue"],
                               p["revenue_retention"]) for p in c["periods"]])
            for c in got["cohorts"]
        ]  # fmt: skip
        assert actual == reference(zone, rows, start, currency), (start, currency)
