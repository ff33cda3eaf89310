"""Property tests: the MRR engine's shared (cached) derivations equal a from-scratch walk.

Random ledgers (the subscription histories of ``test_mrr_properties``, plus exchange rates with
gaps) go in through the API in several imports; after each import the history loaded through
the cache (:mod:`billstats.metrics.derived`, kept warm across the imports) is compared with one
built from a fresh load without the cache: day closes, customer changes, MRR at instants,
cancellations, the history as it stands at instants, the movement log (filters, the
subscriptions involved, cursor keys), one customer's history, and the native MRR book's per-day
valuation (sums per kind, missing rates) and customer counts against the plain walk over the
changes they replace; the counts of existing and active subscriptions at instants against the
versions in effect.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from billstats.db import tables as t
from billstats.db.dialect import read_transaction
from billstats.metrics import shared_rates, subscription_states
from billstats.metrics.activities import LogFilter, activity_log
from billstats.metrics.attribution import Attribution
from billstats.metrics.calendar import Span, local_date
from billstats.metrics.customer_mrr import customer_history
from billstats.metrics.derived import snapshot
from billstats.metrics.fx import RATE_SCALE, Converter, MissingRate
from billstats.metrics.mrr import MrrHistory
from billstats.metrics.mrr_movements import (
    CHURN,
    CONTRACTION,
    EXPANSION,
    NEW,
    REACTIVATION,
    CustomerChange,
)
from billstats.metrics.mrr_timeline import Scope, load_segments
from billstats.metrics.native_mrr_book import Book
from billstats.metrics.native_mrr_valued import ChurnCounts, Valuation
from tests.conftest import LiveServer, make_tenant
from tests.metrics.test_mrr_properties import BASE, PLANS, STEPS, instant, ledgers

SCOPES = [
    Scope(),
    Scope(livemode=False),
    Scope(product_id="A"),
    Scope(plan_id="eur_m"),
    Scope(currency="EUR"),
]
RATE_DAYS = 24


@st.composite
def rates(draw: st.DrawFn) -> list[dict[str, Any]]:
    """EUR and JPY rates in USD on some of the ledger's days (gaps make rates missing)."""
    out = []
    first = BASE.date() - timedelta(days=2)
    for currency, lo, hi in (("EUR", 1_000_000, 1_300_000), ("JPY", 6_000, 7_500)):
        for n in draw(st.sets(st.integers(0, RATE_DAYS - 1), max_size=RATE_DAYS)):
            value = Decimal(draw(st.integers(lo, hi))).scaleb(-6)
            out.append(
                {
                    "kind": "fx_rates",
                    "data": {
                        "currency": currency,
                        "date": (first + timedelta(days=n)).isoformat(),
                        "rate": f"{value:f}",
                    },
                }
            )
    return out


def _catalog() -> list[dict[str, Any]]:
    return (
        [{"kind": "products", "data": {"id": p, "name": p}} for p in ("A", "B")]
        + [
            {
                "kind": "plans",
                "data": {
                    "id": pid,
                    "product_id": prod,
                    "name": pid,
                    "currency": cur,
                    "amount": amount,
                    "interval_unit": unit,
                    "interval_count": count,
                },
            }
            for pid, (amount, unit, count, cur, prod) in PLANS.items()
        ]
        + [
            {
                "kind": "customers",
                "data": {"id": f"c{i}", "name": "x", "created_at": BASE.isoformat()},
            }
            for i in range(4)
        ]
    )


def _import(client: httpx.Client, lines: list[dict[str, Any]]) -> None:
    body = "\n".join(json.dumps(line) for line in lines).encode()
    response = client.post("/v1/import", content=body)
    assert response.status_code == 200, response.text


def _valued(change: CustomerChange, conv: Converter) -> tuple[str, Fraction] | None:
    """A change valued the straightforward way: each currency's amount converted exactly
    (``Converter.convert``, a fraction) at the change's day rate; (kind, positive amount)."""

    def total(amounts: Any) -> Fraction:
        return sum((conv.convert(v, cur, change.day) for cur, v in amounts), Fraction(0))

    if change.kind in (NEW, REACTIVATION):
        return change.kind, total(change.after)
    if change.kind == CHURN:
        return CHURN, total(change.before)
    delta = total(change.deltas().items())
    if delta > 0:
        return EXPANSION, delta
    return (CONTRACTION, -delta) if delta < 0 else None


def _sums_walk(book: Book, conv: Converter, after: date, upto: date) -> dict[str, Fraction]:
    """What the native MRR figures summed before: every change of the range, valued."""
    sums: dict[str, Fraction] = {}
    for i in book.span(after, upto):
        valued = _valued(book.changes[i], conv)
        if valued is not None:
            sums[valued[0]] = sums.get(valued[0], Fraction(0)) + valued[1]
    return sums


def _valuation_sums(valuation: Valuation, after: date, upto: date) -> dict[str, Fraction]:
    return {k: Fraction(v, RATE_SCALE) for k, v in valuation.sums(after, upto).items()}


def _outcome(call: Any, *args: Any) -> Any:
    try:
        return ("ok", {k: Fraction(v) for k, v in call(*args).items() if v})
    except MissingRate as exc:
        return ("missing", exc.currency, exc.day)


def _check_book(book: Book, conv: Converter, days: list[date]) -> None:
    valuation = Valuation(book, conv)
    for i, after in enumerate(days):
        for upto in days[i:]:
            walked = _outcome(_sums_walk, book, conv, after, upto)
            assert _outcome(_valuation_sums, valuation, after, upto) == walked, (after, upto)
            assert book.count_new(after, upto) == len(book.customers_between(after, upto, NEW))
            assert book.count_churned(after, upto) == len(
                book.customers_between(after, upto, CHURN)
            )


def _check_log(cached: MrrHistory, fresh: MrrHistory, tz: ZoneInfo) -> None:
    """The movement log (with the subscriptions involved) and one customer's history."""
    first = local_date(instant(0), tz)
    for lo, hi in ((-2, 25), (3, 9), (10, 10), (12, 4)):
        a, b = first + timedelta(days=lo), first + timedelta(days=hi)
        for where in (
            LogFilter(),
            LogFilter(currency="EUR"),
            LogFilter(customer_ids={"c1", "c2"}),
            LogFilter(types=frozenset({"churn", "new_business"})),
        ):
            log = activity_log(cached, a, b, tz, where)
            assert list(log) == list(activity_log(fresh, a, b, tz, where))
            assert list(log.order_keys) == [x.order_key for x in log]
    for customer in ("c0", "c1", "c2", "c3"):
        mine, theirs = customer_history(cached, customer), customer_history(fresh, customer)
        assert mine.segments == theirs.segments
        assert mine.closes(tz) == theirs.closes(tz)


def _check_states(conn: Any, tenant_id: int, probes: list[int]) -> None:
    """Subscriptions existing / active at instants, against the versions in effect."""
    v = t.subscription_versions
    versions: dict[str, list[Any]] = {}
    for row in conn.execute(select(v).where(v.c.tenant_id == tenant_id)).mappings():
        versions.setdefault(row["subscription_id"], []).append(row)
    counts = subscription_states.states(conn, tenant_id)
    for step in [*probes, -1000, STEPS + 1000]:
        at = instant(step)
        for include_test in (True, False):
            in_effect = [
                max((r for r in rows if r["effective_at"] <= at), default=None,
                    key=lambda r: (r["effective_at"], r["version"]))
                for rows in versions.values()
            ]  # fmt: skip
            kept = [r for r in in_effect if r is not None and (include_test or r["livemode"])]
            active = sum(1 for r in kept if r["status"] in ("active", "trialing"))
            assert counts.at(at, include_test) == (len(kept), active), (at, include_test)


def _compare(engine: Engine, tenant_id: int, tz: ZoneInfo, probes: list[int]) -> None:
    with read_transaction(engine) as conn:
        _check_states(conn, tenant_id, probes)
        fresh_segments = load_segments(conn, tenant_id)
        conv = shared_rates.converter(conn, snapshot(conn, tenant_id), "USD")
        for scope in SCOPES:
            cached = MrrHistory.load(
                conn,
                tenant_id,
                livemode=scope.livemode,
                product_id=scope.product_id,
                plan_id=scope.plan_id,
                currency=scope.currency,
            )
            assert cached.source is not None
            fresh = MrrHistory(fresh_segments, scope)
            assert fresh.source is None
            assert cached.segments == fresh.segments
            assert cached.closes(tz) == fresh.closes(tz)
            assert cached.customer_changes(tz) == fresh.customer_changes(tz)
            for span in (
                Span(instant(min(probes)), instant(max(probes) + 1)),
                Span(instant(-96), instant(STEPS + 96)),
            ):
                assert cached.cancellations(span) == fresh.cancellations(span)
                assert Attribution(cached).subscribed_customers(span) == Attribution(
                    fresh
                ).subscribed_customers(span)
            for step in probes:
                at = instant(step)
                assert cached.mrr_at(at) == fresh.mrr_at(at), at
                known, known_fresh = cached.known_at(at), fresh.known_at(at)
                assert known.source is not None and known.source.epoch is not None
                assert known.segments == known_fresh.segments
                assert known.closes(tz) == known_fresh.closes(tz)
                assert known.customer_changes(tz) == known_fresh.customer_changes(tz)
                assert known.mrr_at(at) == known_fresh.mrr_at(at)
            _check_log(
                cached.known_at(instant(max(probes))), fresh.known_at(instant(max(probes))), tz
            )
            changes = cached.known_at(instant(STEPS + 48)).customer_changes(tz)
            book = Book(changes)
            first = local_date(instant(0), tz) - timedelta(days=1)
            _check_book(book, conv, [first + timedelta(days=n) for n in range(0, 22, 3)])


@st.composite
def busy_ledgers(draw: st.DrawFn) -> tuple[str, list[dict[str, Any]]]:
    """Two ledgers of ``test_mrr_properties`` in one zone (more subscriptions per customer)."""
    zone, subs = draw(ledgers())
    _, more = draw(ledgers())
    return zone, subs + [{**s, "id": "t" + s["id"]} for s in more]


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    ledger=busy_ledgers(),
    fx=rates(),
    cuts=st.lists(st.integers(0, 30), min_size=1, max_size=3),
    probes=st.lists(st.integers(-48, STEPS + 48), min_size=3, max_size=3),
)
def test_cached_history_equals_a_fresh_walk_after_each_import(
    live_server: LiveServer,
    engine: Engine,
    ledger: tuple[str, list[dict[str, Any]]],
    fx: list[dict[str, Any]],
    cuts: list[int],
    probes: list[int],
) -> None:
    zone_name, subs = ledger
    tz = ZoneInfo(zone_name)
    tenant = make_tenant(engine, timezone=zone_name)
    records = fx + [{"kind": "subscriptions", "data": s} for s in subs]
    bounds = sorted({min(c, len(records)) for c in cuts} | {len(records)})
    with httpx.Client(base_url=live_server.url, headers=tenant.headers, timeout=60) as client:
        _import(client, _catalog())
        start = 0
        for end in bounds:
            _compare(engine, tenant.id, tz, probes)  # the cache is warm at the old revision
            _import(client, records[start:end])
            start = end
        _compare(engine, tenant.id, tz, probes)


@settings(max_examples=200, deadline=None)
@given(
    churns=st.lists(st.tuples(st.integers(0, 60), st.integers(0, 5)), max_size=400),
    ranges=st.lists(st.tuples(st.integers(-1, 61), st.integers(-1, 61)), min_size=1, max_size=20),
)
def test_distinct_churned_customers_match_a_set(
    churns: list[tuple[int, int]], ranges: list[tuple[int, int]]
) -> None:
    origin = date(2026, 1, 1)
    ordered = sorted((origin + timedelta(days=d), f"c{c}") for d, c in churns)
    counts = ChurnCounts(ordered)
    for a, b in ranges:
        after, upto = origin + timedelta(days=a), origin + timedelta(days=b)
        expected = {c for day, c in ordered if after < day <= upto}
        assert counts.distinct(after, upto) == len(expected), (a, b)
