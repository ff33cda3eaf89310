"""Property tests: random subscription histories (ingested through the API) against a naive
reference that recomputes everything from the stored versions, instant by instant.

Checked for every example: the movement identity per day and currency, the daily revenue equal
to the reference MRR at each day's close, ``mrr_at`` at random instants, every customer
movement's classification, and every cancellation.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from billstats.metrics.calendar import Span, each_day, local_date
from billstats.metrics.mrr import MrrHistory, day_close
from billstats.money import minor_exponent
from tests.conftest import LiveServer, make_tenant

BASE = datetime(2025, 3, 1, tzinfo=UTC)
STEP = timedelta(minutes=30)
STEPS = 20 * 48  # 20 days of half hours: crosses New York's DST start on Mar 9
ZONES = ["UTC", "America/New_York", "Asia/Kolkata"]
# plan id -> (amount, unit, count, currency, product)
PLANS: dict[str, tuple[str, str, int, str, str]] = {
    "usd_m": ("30.00", "month", 1, "USD", "A"),
    "usd_y": ("100.00", "year", 1, "USD", "B"),
    "usd_w": ("10.00", "week", 2, "USD", "A"),
    "eur_m": ("19.99", "month", 1, "EUR", "A"),
    "eur_d": ("1.00", "day", 7, "EUR", "B"),
    "jpy_y": ("1000", "year", 1, "JPY", "A"),
}
BY_CURRENCY = {c: [p for p, v in PLANS.items() if v[3] == c] for c in ("USD", "EUR", "JPY")}
DISCOUNTS: list[dict[str, Any] | None] = [
    None,
    {"percent": "10", "duration": "forever"},
    {"amount": "5.00", "duration": "forever"},
    {"percent": "50", "duration": "once"},
]
STATUSES = ["trialing", "active", "past_due", "paused", "cancelled"]
MONTHS = {
    "day": Fraction(12, 365),
    "week": Fraction(12, 52),
    "month": Fraction(1),
    "year": Fraction(12),
}


def instant(step: int) -> datetime:
    return BASE + STEP * step


@st.composite
def version(draw: st.DrawFn, currency: str, start: int, first: bool) -> dict[str, Any]:
    status = draw(st.sampled_from(STATUSES))
    later = st.integers(start, STEPS)
    data: dict[str, Any] = {
        "plan_id": draw(st.sampled_from(BY_CURRENCY[currency])),
        "quantity": draw(st.integers(1, 3)),
        "status": status,
    }
    if status == "trialing" or draw(st.booleans()):
        data["trial_ends_at"] = instant(draw(later)).isoformat()
    if status == "cancelled" or draw(st.integers(0, 4)) == 0:
        data["cancelled_at"] = instant(draw(later)).isoformat()
    if draw(st.integers(0, 2)) == 0:
        data["ended_at"] = instant(draw(later)).isoformat()
    discount = draw(st.sampled_from(DISCOUNTS))
    if discount is not None:
        data["discount"] = discount
    if not first or draw(st.integers(0, 3)) == 0:
        data["effective_at"] = instant(draw(st.integers(0, STEPS))).isoformat()
    return data


@st.composite
def ledgers(draw: st.DrawFn) -> tuple[str, list[dict[str, Any]]]:
    zone = draw(st.sampled_from(ZONES))
    subs: list[dict[str, Any]] = []
    for n in range(draw(st.integers(1, 6))):
        currency = draw(st.sampled_from(["USD", "USD", "EUR", "JPY"]))
        customer = f"c{draw(st.integers(0, 3))}"
        start = draw(st.integers(0, STEPS))
        livemode = draw(st.integers(0, 5)) > 0
        for i in range(draw(st.integers(1, 5))):
            subs.append(
                {
                    "id": f"s{n}",
                    "customer_id": customer,
                    "started_at": instant(start).isoformat(),
                    "livemode": livemode,
                    **draw(version(currency, start, i == 0)),
                }
            )
    return zone, subs


# -- the naive reference ------------------------------------------------------------------------


@dataclass(frozen=True)
class V:
    sub: str
    customer: str
    currency: str
    version: int
    eff: datetime
    status: str
    started: datetime
    trial_end: datetime | None
    cancelled: datetime | None
    ended: datetime | None
    value: int
    livemode: bool


def _dt(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text is not None else None


Plans = dict[str, tuple[str, str, int, str, str]]


def _value(row: dict[str, Any], plans: Plans) -> int:
    amount, unit, count, currency, _ = plans[row["plan_id"]]
    gross = Fraction(amount) * row["quantity"]
    d = row["discount"]
    if d is not None and d["duration"] == "forever":
        off = gross * Fraction(d["percent"]) / 100 if d["percent"] else Fraction(d["amount"])
        gross = max(Fraction(0), gross - off)
    monthly = gross / (MONTHS[unit] * count)
    step = Fraction(1, 10 ** minor_exponent(currency))
    steps: int = round(monthly / step)
    return int(steps * step * 1_000_000)


def reference_versions(
    client: httpx.Client, sub_ids: set[str], plans: Plans = PLANS
) -> dict[str, list[V]]:
    """Every version of these subscriptions, read back through the API, valued naively."""
    out: dict[str, list[V]] = {}
    for sid in sorted(sub_ids):
        rows = client.get(f"/v1/subscriptions/{sid}/history").json()["data"]
        out[sid] = [
            V(
                sid,
                r["customer_id"],
                r["currency"],
                r["version"],
                datetime.fromisoformat(r["effective_at"]),
                r["status"],
                datetime.fromisoformat(r["started_at"]),
                _dt(r["trial_ends_at"]),
                _dt(r["cancelled_at"]),
                _dt(r["ended_at"]),
                _value(r, plans),
                r["livemode"],
            )
            for r in rows
        ]
    return out


def _in_force(versions: list[V], at: datetime) -> V | None:
    candidates = [v for v in versions if v.eff <= at]
    return max(candidates, key=lambda v: (v.eff, v.version)) if candidates else None


def ref_phase(versions: list[V], at: datetime) -> tuple[str, V | None]:
    v = _in_force(versions, at)
    if v is None:
        return "absent", None
    if at < v.started:
        return "pending", v
    end = (v.ended or v.cancelled) if v.status == "cancelled" else v.ended
    if end is not None and at >= end:
        return "ended", v
    status = v.status
    if status == "cancelled":
        earlier = [
            w
            for w in versions
            if (w.eff, w.version) < (v.eff, v.version) and _in_force(versions, w.eff) == w
        ]
        earlier.sort(key=lambda w: (w.eff, w.version))
        status = next((w.status for w in reversed(earlier) if w.status != "cancelled"), "active")
    if status == "trialing" or (v.trial_end is not None and at < v.trial_end):
        return "trialing", v
    return status, v


def ref_mrr(subs: dict[str, list[V]], at: datetime) -> dict[tuple[str, str], int]:
    """(customer, currency) -> MRR at ``at``, live data only."""
    out: dict[tuple[str, str], int] = {}
    for versions in subs.values():
        phase, v = ref_phase(versions, at)
        if v is not None and v.livemode and phase in ("active", "past_due") and v.value:
            key = (v.customer, v.currency)
            out[key] = out.get(key, 0) + v.value
    return out


def by_currency(values: dict[tuple[str, str], int]) -> dict[str, int]:
    out: dict[str, int] = {}
    for (_, cur), v in values.items():
        out[cur] = out.get(cur, 0) + v
    return {c: v for c, v in out.items() if v}


# -- the property ------------------------------------------------------------------------------


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(ledger=ledgers(), probes=st.lists(st.integers(-48, STEPS + 48), min_size=5, max_size=5))
def test_movements_match_reference(
    live_server: LiveServer,
    engine: Engine,
    ledger: tuple[str, list[dict[str, Any]]],
    probes: list[int],
) -> None:
    zone_name, subs = ledger
    tz = ZoneInfo(zone_name)
    tenant = make_tenant(engine, timezone=zone_name)
    lines = [
        {"kind": "products", "data": {"id": p, "name": p}} for p in ("A", "B")
    ] + [
        {
            "kind": "plans",
            "data": {"id": pid, "product_id": prod, "name": pid, "currency": cur,
                     "amount": amount, "interval_unit": unit, "interval_count": count},
        }
        for pid, (amount, unit, count, cur, prod) in PLANS.items()
    ] + [
        {"kind": "customers", "data": {"id": f"c{i}", "name": "x", "created_at": BASE.isoformat()}}
        for i in range(4)
    ] + [{"kind": "subscriptions", "data": s} for s in subs]  # fmt: skip
    with httpx.Client(base_url=live_server.url, headers=tenant.headers, timeout=60) as client:
        body = "\n".join(json.dumps(line) for line in lines).encode()
        response = client.post("/v1/import", content=body)
        assert response.status_code == 200, response.text
        ref = reference_versions(client, {s["id"] for s in subs})

    first = local_date(BASE, tz) - timedelta(days=1)
    last = local_date(instant(STEPS), tz) + timedelta(days=1)
    with engine.connect() as conn:
        history = MrrHistory.load(conn, tenant.id)
    series = history.daily(first, last, tz)
    moves = history.customer_movements(first, last, tz)

    # Reference closes per customer and currency, every day from before anything happened.
    days = each_day(first - timedelta(days=1), last)
    closes = {d: ref_mrr(ref, day_close(d, tz)) for d in days}
    had = {cur for d in days for (_, cur), v in closes[d].items() if v}
    assert {p.currency for p in series} == had
    assert [(p.day, p.currency) for p in series] == [
        (d, c) for d in each_day(first, last) for c in sorted(had)
    ]
    previous = by_currency(closes[first - timedelta(days=1)])
    for p in series:
        before = previous.get(p.currency, 0)
        assert p.revenue == before + p.new + p.reactivation + p.expansion - p.contraction - p.churn
        assert p.revenue == by_currency(closes[p.day]).get(p.currency, 0), (p.day, p.currency)
        assert p.customers == sum(1 for (_, c), v in closes[p.day].items() if c == p.currency and v)
        for amount in (p.new, p.reactivation, p.expansion, p.contraction, p.churn):
            assert amount >= 0
        if p.currency == sorted(had)[-1]:
            previous = by_currency(closes[p.day])

    # Every customer movement, classified naively from the reference closes.
    expected = []
    keys = {k for d in days for k in closes[d]}
    for customer, cur in keys:
        ever = False
        for prev_day, day in pairwise(days):
            a = closes[prev_day].get((customer, cur), 0)
            b = closes[day].get((customer, cur), 0)
            if a != b:
                if a == 0:
                    kind = "reactivation" if ever else "new"
                elif b == 0:
                    kind = "churn"
                else:
                    kind = "expansion" if b > a else "contraction"
                expected.append((day, cur, customer, kind, a, b))
            ever = ever or b > 0
    got = [(m.day, m.currency, m.customer_id, m.kind, m.before, m.after) for m in moves]
    assert got == sorted(expected)

    # mrr_at at arbitrary instants (including exactly on change points).
    marks = {instant(s) for s in probes}
    for versions in ref.values():
        for v in versions:
            marks.update(x for x in (v.eff, v.trial_end, v.ended, v.cancelled) if x is not None)
    for at in sorted(marks):
        assert history.mrr_at(at) == by_currency(ref_mrr(ref, at)), at

    # Cancellations: a live phase just before an instant, ended at it.
    span = Span(instant(-96), instant(STEPS + 96))
    expected_c = []
    for sid, versions in ref.items():
        for at in sorted(
            {x for v in versions for x in (v.eff, v.ended, v.cancelled, v.started) if x}
        ):
            before_phase, prev = ref_phase(versions, at - timedelta(microseconds=1))
            phase, _ = ref_phase(versions, at)
            if phase == "ended" and before_phase in ("trialing", "active", "past_due", "paused"):
                assert prev is not None
                if prev.livemode:
                    mrr = prev.value if before_phase in ("active", "past_due") else 0
                    expected_c.append((at, sid, prev.customer, prev.currency, mrr))
    got_c = [
        (c.at, c.subscription_id, c.customer_id, c.currency, c.mrr)
        for c in history.cancellations(span)
    ]
    assert got_c == sorted(expected_c)
