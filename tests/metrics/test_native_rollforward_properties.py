"""Property tests of the native MRR metrics on random data (ingested through the API, both
databases), random exchange rates, random ranges, intervals, clocks and currency filters.

Checked for every example and bucket:

- the roll-forward: MRR(end) = MRR(start) + new + expansion + reactivation - contraction -
  churn + fx_impact, exactly, where MRR(start) is the previous bucket's MRR (the first bucket's
  is recomputed from scratch), and fx_impact is 0 in one currency;
- every value of ``mrr``, ``customers``, ``arpa``, ``asp``, the churn ratios, ``nrr``,
  ``quick_ratio``, ``subscriptions`` and ``trials`` equals a naive from-scratch recomputation
  from the subscription versions read back through the API (phases instant by instant, closes
  day by day, customers classified across currencies, each amount converted at its day's rate,
  each figure rounded once).
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from billstats.metrics.calendar import each_day, local_date
from billstats.metrics.mrr import day_close
from billstats.metrics.registry import INTERVALS, REGISTRY, Context, Filters, make_buckets
from billstats.money import minor_exponent
from tests.conftest import LiveServer, make_tenant
from tests.metrics.test_mrr_properties import (
    BASE,
    BY_CURRENCY,
    DISCOUNTS,
    PLANS,
    STATUSES,
    STEPS,
    V,
    instant,
    ref_mrr,
    ref_phase,
    reference_versions,
)
from tests.metrics.test_native_mrr_support import MODULES

assert MODULES
TICK = timedelta(microseconds=1)
FAR = datetime(2030, 1, 1, tzinfo=UTC)
RATE_DAYS = (BASE.date() - timedelta(days=45), BASE.date() + timedelta(days=95))
NAMES = ("mrr", "customers", "arpa", "asp", "customer_churn_rate", "gross_mrr_churn_rate",
         "net_mrr_churn_rate", "nrr", "quick_ratio", "subscriptions", "trials")  # fmt: skip
Closes = dict[tuple[str, str], int]


def rate_table(seed: int) -> dict[tuple[str, date], Fraction]:
    """A random walk per foreign currency, one rate every day (USD per unit, 6 decimals)."""
    rng = random.Random(seed)
    out: dict[tuple[str, date], Fraction] = {}
    for cur, lo, hi in (("EUR", 800_000, 1_500_000), ("JPY", 5_000, 12_000)):
        value = rng.randint(lo, hi)
        for day in each_day(*RATE_DAYS):
            out[(cur, day)] = Fraction(value, 1_000_000)
            value = min(hi, max(lo, value + rng.randint(-(hi - lo) // 20, (hi - lo) // 20)))
    return out


def decimal(value: Fraction) -> str:
    return str(Decimal(value.numerator) / Decimal(value.denominator))


def rounded(value: Fraction, currency: str) -> Fraction:
    step = 10 ** (6 - minor_exponent(currency))
    return Fraction(round(value / step) * step)


def ratio6(num: Fraction | int, den: Fraction | int) -> Fraction | None:
    return None if not den else Fraction(round(Fraction(num) / Fraction(den) * 10**6), 10**6)


class Reference:
    """The naive recomputation, from the versions as read back through the API."""

    def __init__(
        self,
        ref: dict[str, list[V]],
        tz: ZoneInfo,
        now: datetime,
        currency: str | None,
        rates: dict[tuple[str, date], Fraction],
    ) -> None:
        self.ref, self.tz, self.now, self.currency, self.rates = ref, tz, now, currency, rates
        self.target = currency or "USD"
        self._closes: dict[date, Closes] = {}
        self._marks: list[tuple[datetime, str, bool]] | None = None

    def closes(self, day: date) -> Closes:
        if day not in self._closes:
            at = min(day_close(day, self.tz), self.now - TICK)
            values = ref_mrr(self.ref, at)
            self._closes[day] = {k: v for k, v in values.items()
                                 if self.currency is None or k[1] == self.currency}  # fmt: skip
        return self._closes[day]

    def rate(self, cur: str, day: date) -> Fraction:
        return Fraction(1) if cur == self.target else self.rates[(cur, day)]

    def level(self, day: date) -> tuple[Fraction, int]:
        closes = self.closes(day)
        total = sum((v * self.rate(c, day) for (_, c), v in closes.items()), Fraction(0))
        return rounded(total, self.target), len({cust for (cust, _), v in closes.items() if v})

    def movements(self, after: date, upto: date) -> dict[str, Any]:
        """Customer-level movements on days ``after < d <= upto``, classified naively."""
        sums: dict[str, Fraction] = defaultdict(Fraction)
        new: set[str] = set()
        churned: set[str] = set()
        ever: set[str] = set()
        for day in each_day(BASE.date() - timedelta(days=3), upto):
            prev, cur = self.closes(day - timedelta(days=1)), self.closes(day)
            for customer in sorted({k[0] for k in (*prev, *cur)}):
                a = {c: v for (k, c), v in prev.items() if k == customer and v}
                b = {c: v for (k, c), v in cur.items() if k == customer and v}
                if day > after and a != b:
                    if not a:
                        kind = "reactivation" if customer in ever else "new"
                        amount = sum((v * self.rate(c, day) for c, v in b.items()), Fraction(0))
                    elif not b:
                        kind = "churn"
                        amount = sum((v * self.rate(c, day) for c, v in a.items()), Fraction(0))
                    else:
                        delta = sum(
                            ((b.get(c, 0) - a.get(c, 0)) * self.rate(c, day) for c in {*a, *b}),
                            Fraction(0),
                        )
                        kind = "expansion" if delta > 0 else "contraction"
                        amount = abs(delta)
                    sums[kind] += amount
                    if kind == "new":
                        new.add(customer)
                    if kind == "churn":
                        churned.add(customer)
                if b:
                    ever.add(customer)
        out: dict[str, Any] = {k: rounded(v, self.target) for k, v in sums.items()}
        out["new_customers"], out["churned_customers"] = len(new), len(churned)
        return out

    def in_scope(self, v: V | None) -> bool:
        return v is not None and v.livemode and (self.currency in (None, v.currency))

    def phase(self, versions: list[V], at: datetime) -> str:
        phase, v = ref_phase(versions, at)
        return phase if self.in_scope(v) else "out"

    def counts(self, at: datetime) -> tuple[int, int]:
        """(active or past_due, trialing) subscriptions at ``at``."""
        phases = [self.phase(vs, at) for vs in self.ref.values()]
        return sum(p in ("active", "past_due") for p in phases), phases.count("trialing")

    def trial_marks(self) -> list[tuple[datetime, str, bool]]:
        """Every trial start (``"start"``) and end (``"end"``, converted?) before now, found by
        sampling each subscription's phase on the half-hour grid every version date lies on."""
        if self._marks is None:
            self._marks = []
            for versions in self.ref.values():
                for step in range(0, STEPS + 1):
                    t = instant(step)
                    if t >= self.now:
                        break
                    before, after = self.phase(versions, t - TICK), self.phase(versions, t)
                    if after == "trialing" and before != "trialing":
                        self._marks.append((t, "start", False))
                    if before == "trialing" and after != "trialing":
                        _, v = ref_phase(versions, t)
                        paying = after in ("active", "past_due") and v is not None and v.value > 0
                        self._marks.append((t, "end", paying))
        return self._marks

    def trial_flows(self, lo: datetime, hi: datetime) -> tuple[int, int, int]:
        """(trials started, ended, converted) at instants ``lo <= t < hi``."""
        marks = [m for m in self.trial_marks() if lo <= m[0] < hi]
        ends = [converted for _, kind, converted in marks if kind == "end"]
        return sum(kind == "start" for _, kind, _ in marks), len(ends), sum(ends)


def expected_row(ref: Reference, start: datetime, end: datetime) -> dict[str, Any]:
    tz, now = ref.tz, ref.now
    s_day = local_date(min(start, now) - TICK, tz)
    r_day = local_date(min(end, now) - TICK, tz)
    start_mrr, start_customers = ref.level(s_day)
    mrr, customers = ref.level(r_day)
    m = ref.movements(s_day, r_day)
    z = Fraction(0)
    new, exp, con = m.get("new", z), m.get("expansion", z), m.get("contraction", z)
    churn, react = m.get("churn", z), m.get("reactivation", z)
    gained, lost = new + exp + react, churn + con
    net = ratio6(churn + con - exp - react, start_mrr)
    read = min(end, now) - TICK
    active, trialing = ref.counts(read)
    started, ended, converted = ref.trial_flows(start, read + TICK)

    def per(amount: Fraction, n: int) -> Fraction | None:
        return rounded(amount / n, ref.target) if n else None

    return {
        "mrr": mrr, "new_business": new, "expansion": exp, "contraction": con, "churn": churn,
        "reactivation": react, "fx_impact": mrr - start_mrr - (gained - lost),
        "customers": customers, "new_customers": m["new_customers"],
        "churned_customers": m["churned_customers"],
        "arpa": per(mrr, customers), "asp": per(new, m["new_customers"]),
        "customer_churn_rate": ratio6(m["churned_customers"], start_customers),
        "gross_mrr_churn_rate": ratio6(lost, start_mrr), "net_mrr_churn_rate": net,
        "nrr": None if net is None else 1 - net, "quick_ratio": ratio6(gained, lost),
        "subscriptions": active, "trials": trialing, "trials_started": started,
        "trials_converted": converted, "trial_conversion_rate": ratio6(converted, ended),
        "_start_mrr": start_mrr,
    }  # fmt: skip


@st.composite
def version(draw: st.DrawFn, currency: str, start: int, first: bool) -> dict[str, Any]:
    """As ``test_mrr_properties.version``, with paying statuses more likely (more movements)."""
    status = draw(st.sampled_from(["active", "active", "active", "past_due", *STATUSES]))
    later = st.integers(start, STEPS)
    data: dict[str, Any] = {
        "plan_id": draw(st.sampled_from(BY_CURRENCY[currency])),
        "quantity": draw(st.integers(1, 3)),
        "status": status,
    }
    if status == "trialing" or draw(st.integers(0, 2)) == 0:
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
    """A zone and up to 8 subscriptions of 4 customers (mostly live), in three currencies."""
    zone = draw(st.sampled_from(["UTC", "America/New_York", "Asia/Kolkata"]))
    subs: list[dict[str, Any]] = []
    for n in range(draw(st.integers(1, 8))):
        currency = draw(st.sampled_from(["EUR", "USD", "JPY"]))
        customer = f"c{draw(st.integers(0, 3))}"
        start = draw(st.integers(0, STEPS))
        livemode = draw(st.integers(0, 9)) > 0
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


@st.composite
def queries(draw: st.DrawFn) -> dict[str, Any]:
    base = BASE.date()
    first = base + timedelta(days=draw(st.integers(-12, 15)))
    last = first + timedelta(days=draw(st.integers(0, 60)))
    interval = draw(st.sampled_from(["day", "week", *INTERVALS]))  # more buckets more often
    if draw(st.integers(0, 4)) < 3:
        now = FAR
    else:
        now = instant(draw(st.integers(0, STEPS))) + timedelta(minutes=draw(st.integers(0, 29)))
    currency = draw(st.sampled_from([None, None, None, "EUR", "USD", "JPY"]))
    return {"first": first, "last": last, "interval": interval, "now": now, "currency": currency}


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(ledger=ledgers(), query=queries(), seed=st.integers(0, 2**32))
def test_rollforward_and_recomputation(
    live_server: LiveServer,
    engine: Engine,
    ledger: tuple[str, list[dict[str, Any]]],
    query: dict[str, Any],
    seed: int,
) -> None:
    zone_name, subs = ledger
    tz = ZoneInfo(zone_name)
    tenant = make_tenant(engine, timezone=zone_name)
    rates = rate_table(seed)
    lines = [
        {"kind": "fx_rates", "data": {"currency": c, "date": day.isoformat(), "rate": decimal(v)}}
        for (c, day), v in rates.items()
    ] + [{"kind": "products", "data": {"id": p, "name": p}} for p in ("A", "B")] + [
        {"kind": "plans",
         "data": {"id": pid, "product_id": prod, "name": pid, "currency": cur, "amount": amount,
                  "interval_unit": unit, "interval_count": count}}
        for pid, (amount, unit, count, cur, prod) in PLANS.items()
    ] + [
        {"kind": "customers", "data": {"id": f"c{i}", "name": "x", "created_at": BASE.isoformat()}}
        for i in range(4)
    ] + [{"kind": "subscriptions", "data": s} for s in subs]  # fmt: skip
    with httpx.Client(base_url=live_server.url, headers=tenant.headers, timeout=60) as client:
        body = "\n".join(json.dumps(line) for line in lines).encode()
        response = client.post("/v1/import", content=body)
        assert response.status_code == 200, response.text
        ref_versions = reference_versions(client, {s["id"] for s in subs})

    now, currency = query["now"], query["currency"]
    with engine.connect() as conn:
        ctx = Context(conn, tenant.id, tz, "USD", Filters(currency=currency), now)
        buckets = make_buckets(query["first"], query["last"], query["interval"], tz, now)
        got: list[dict[str, Any]] = [{} for _ in buckets]
        for name in NAMES:
            for row, values in zip(got, REGISTRY[name].compute(ctx, buckets), strict=True):
                row.update(values)

    ref = Reference(ref_versions, tz, now, currency, rates)
    previous: Fraction | None = None
    for bucket, row in zip(buckets, got, strict=True):
        want = expected_row(ref, bucket.span.start, bucket.span.end)
        start = want.pop("_start_mrr") if previous is None else previous
        # The roll-forward, exact.
        net = (row["new_business"] + row["expansion"] + row["reactivation"]
               - row["contraction"] - row["churn"])  # fmt: skip
        assert row["mrr"] == start + net + row["fx_impact"], bucket
        if currency is not None:
            assert row["fx_impact"] == 0
        for kind in ("new_business", "expansion", "contraction", "churn", "reactivation"):
            assert row[kind] >= 0
        want.pop("_start_mrr", None)
        assert row == want, bucket
        previous = row["mrr"]
    event(f"buckets: {min(len(buckets), 5)}{'+' if len(buckets) > 5 else ''}")
    event("some movement" if any(r["new_business"] or r["churn"] for r in got) else "no movement")
    event("fx_impact != 0" if any(r["fx_impact"] for r in got) else "fx_impact == 0")
    event("mrr > 0 somewhere" if any(r["mrr"] for r in got) else "mrr always 0")
    event(f"now {'far' if now == FAR else 'near'}, currency {currency}")
    event("trials" if any(r["trials_started"] for r in got) else "no trial")
