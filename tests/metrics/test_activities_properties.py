"""Property: on random subscription histories (ingested through the API), the movement log
served by ``GET /v1/metrics/activities`` summed per day, currency and type equals the MRR
engine's ``daily_movements``; every entry's subscriptions add up to its change; the CSV export
equals the JSON pages; and one customer's ``/metrics`` movements are its entries of the log.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from billstats.metrics.calendar import local_date
from billstats.metrics.mrr import daily_movements
from tests.conftest import Frozen, make_tenant

BASE = datetime(2025, 3, 1, tzinfo=UTC)
STEP = timedelta(minutes=30)
STEPS = 12 * 48  # 12 days of half hours: crosses New York's DST start on Mar 9
ZONES = ["UTC", "America/New_York", "Asia/Kolkata"]
# plan id -> (amount, unit, currency, product)
PLANS: dict[str, tuple[str, str, str, str]] = {
    "usd_m": ("30.00", "month", "USD", "A"),
    "usd_y": ("100.00", "year", "USD", "B"),
    "eur_m": ("19.99", "month", "EUR", "A"),
    "eur_w": ("5.00", "week", "EUR", "B"),
    "jpy_y": ("1000", "year", "JPY", "A"),
}
STATUSES = ["trialing", "active", "active", "past_due", "paused", "cancelled"]
TYPES = {
    "new_business": "new",
    "expansion": "expansion",
    "contraction": "contraction",
    "churn": "churn",
    "reactivation": "reactivation",
}


def at(step: int) -> str:
    return (BASE + STEP * step).isoformat()


@st.composite
def ledgers(draw: st.DrawFn) -> tuple[str, list[dict[str, Any]]]:
    zone = draw(st.sampled_from(ZONES))
    subs: list[dict[str, Any]] = []
    for n in range(draw(st.integers(1, 8))):
        plans = draw(st.sampled_from([["usd_m", "usd_y"], ["eur_m", "eur_w"], ["jpy_y"]]))
        start = draw(st.integers(0, STEPS))
        later = st.integers(start, STEPS)  # dates a version names are not before its start
        base = {
            "id": f"s{n}",
            "customer_id": f"c{draw(st.integers(0, 3))}",
            "started_at": at(start),
            "livemode": draw(st.integers(0, 5)) > 0,
        }
        for i in range(draw(st.integers(1, 4))):
            version = {
                **base,
                "plan_id": draw(st.sampled_from(plans)),
                "quantity": draw(st.integers(1, 3)),
                "status": draw(st.sampled_from(STATUSES)),
            }
            if version["status"] == "cancelled":
                version["cancelled_at"] = at(draw(later))
            if version["status"] == "trialing" or draw(st.integers(0, 3)) == 0:
                version["trial_ends_at"] = at(draw(later))
            if i > 0 or draw(st.booleans()):
                version["effective_at"] = at(draw(st.integers(0, STEPS)))
            subs.append(version)
    return zone, subs


def _cents(text: str) -> int:
    whole, _, frac = text.partition(".")
    return int(whole + frac.ljust(6, "0"))  # micros


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(ledger=ledgers(), limit=st.integers(1, 7))
def test_log_sums_to_daily_movements(
    frozen_server: Frozen, engine: Engine, ledger: tuple[str, list[dict[str, Any]]], limit: int
) -> None:
    zone, subs = ledger
    tz = ZoneInfo(zone)
    tenant = make_tenant(engine, timezone=zone, scopes=("admin",))
    lines = [{"kind": "products", "data": {"id": p, "name": p}} for p in ("A", "B")]
    lines += [
        {"kind": "plans", "data": {"id": pid, "product_id": prod, "name": pid, "currency": cur,
                                   "amount": amount, "interval_unit": unit}}
        for pid, (amount, unit, cur, prod) in PLANS.items()
    ]  # fmt: skip
    lines += [
        {"kind": "customers", "data": {"id": f"c{i}", "name": f"Name {i}",
                                       "created_at": BASE.isoformat()}}
        for i in range(4)
    ]  # fmt: skip
    lines += [{"kind": "subscriptions", "data": s} for s in subs]
    first = local_date(BASE, tz) - timedelta(days=1)
    last = local_date(BASE + STEP * STEPS, tz) + timedelta(days=1)
    frozen_server.clock.now = datetime(2026, 1, 1, tzinfo=UTC)
    try:
        with httpx.Client(base_url=frozen_server.url, headers=tenant.headers, timeout=60) as c:
            body = "\n".join(json.dumps(line) for line in lines).encode()
            assert c.post("/v1/import", content=body).status_code == 200
            query = {"start_date": first.isoformat(), "end_date": last.isoformat()}
            entries: list[dict[str, Any]] = []
            cursor: str | None = None
            while True:
                page = c.get(
                    "/v1/metrics/activities",
                    params={**query, "limit": limit, **({"cursor": cursor} if cursor else {})},
                ).json()
                assert len(page["data"]) <= limit
                entries += page["data"]
                cursor = page["next_cursor"]
                if cursor is None:
                    break
            exported = c.get("/v1/metrics/activities", params={**query, "format": "csv"}).text
            per_customer = {
                cid: c.get(f"/v1/customers/{cid}/metrics", params=query).json()["movements"]
                for cid in ("c0", "c1", "c2", "c3")
            }
    finally:
        frozen_server.clock.now = None

    # Log order: day descending, then customer, then currency; one entry per key at most.
    keys = [(e["date"], e["customer"]["id"], e["currency"]) for e in entries]
    assert keys == sorted(keys, key=lambda k: (-datetime.fromisoformat(k[0]).toordinal(), *k[1:]))
    assert len(set(keys)) == len(keys)

    sums: dict[tuple[str, str, str], int] = defaultdict(int)
    for e in entries:
        before, after = _cents(e["mrr_before"]), _cents(e["mrr_after"])
        assert _cents(e["amount"]) == abs(after - before) > 0
        changes = [_cents(s["mrr_after"]) - _cents(s["mrr_before"]) for s in e["subscriptions"]]
        assert all(changes) and sum(changes) == after - before
        assert [s["id"] for s in e["subscriptions"]] == sorted(s["id"] for s in e["subscriptions"])
        sums[(e["date"], e["currency"], TYPES[e["type"]])] += _cents(e["amount"])

    with engine.connect() as conn:
        series = daily_movements(conn, tenant.id, first, last, tz)
    expected = {
        (p.day.isoformat(), p.currency, kind): getattr(p, kind)
        for p in series
        for kind in TYPES.values()
        if getattr(p, kind)
    }
    assert dict(sums) == expected

    rows = list(csv.reader(io.StringIO(exported)))
    assert rows[1:] == [
        [e["date"], e["customer"]["id"], e["customer"]["name"], e["currency"], e["type"],
         e["amount"], e["mrr_before"], e["mrr_after"],
         " ".join(s["id"] for s in e["subscriptions"])]
        for e in entries
    ]  # fmt: skip
    for cid, moves in per_customer.items():
        assert moves == [e for e in entries if e["customer"]["id"] == cid]
