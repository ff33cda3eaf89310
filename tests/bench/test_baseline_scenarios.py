"""The benchmark's baseline (straight SQL) on a small ledger whose numbers are computed by hand,
then the same ledger through billstats' endpoints: the checks find no difference.

Tenant in America/New_York (EST, UTC-5, until DST starts on 2025-03-09), reporting USD.  A day's
close is its last microsecond: March d closes at March d+1 04:59:59.999999Z.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from bench import baseline, baseline_calls, baseline_payments, checks
from billstats.db.dialect import read_transaction
from tests.conftest import LiveServer, TenantCtx, make_tenant

M = 1_000_000
NOW = datetime(2025, 3, 10, tzinfo=UTC)
T0 = "2025-03-01T12:00:00Z"


def _sub(sid: str, customer: str, plan: str, status: str, effective: str, **extra: Any) -> Any:
    started = extra.pop("started_at", T0)
    data = {"id": sid, "customer_id": customer, "plan_id": plan, "status": status,
            "started_at": started, "effective_at": effective, **extra}  # fmt: skip
    return ("subscriptions", data)


def _customer(cid: str, **extra: Any) -> Any:
    return ("customers", {"id": cid, "name": cid, "created_at": "2025-01-01T00:00:00Z", **extra})


def _pay(pid: str, customer: str, amount: str, currency: str, at: str, **extra: Any) -> Any:
    data = {"id": pid, "customer_id": customer, "amount": amount, "currency": currency,
            "status": extra.pop("status", "succeeded"), "created_at": at, **extra}  # fmt: skip
    return ("payments", data)


def _call(cid: str, account: str, direction: str, product: str, at: str, billed: int,
          cost: str) -> Any:  # fmt: skip
    data = {"id": cid, "account_id": account, "direction": direction, "product": product,
            "started_at": at, "duration_seconds": billed, "billed_seconds": billed,
            "answered": billed > 0, "cost": cost, "currency": "INR"}  # fmt: skip
    return ("call_records", data)


def ledger() -> list[tuple[str, dict[str, Any]]]:
    plan = {"product_id": "prod", "name": "p", "interval_unit": "month"}
    return [
        ("fx_rates", {"currency": "EUR", "date": "2025-03-01", "rate": "1.10"}),
        ("fx_rates", {"currency": "EUR", "date": "2025-03-04", "rate": "1.20"}),
        ("products", {"id": "prod", "name": "Prod", "payment_provider": {"configured": True}}),
        ("products", {"id": "other", "name": "Other"}),
        ("plans", {"id": "basic", **plan, "currency": "USD", "amount": "30.00"}),
        ("plans", {"id": "quarterly", **plan, "currency": "USD", "amount": "90.00",
                   "interval_count": 3}),  # 30.00 a month
        ("plans", {"id": "annual", **plan, "currency": "EUR", "amount": "120.00",
                   "interval_unit": "year"}),
        ("affiliates", {"id": "aff", "name": "Aff"}),
        ("partners", {"id": "p1", "name": "P1", "slug": "p1",
                      "created_at": "2025-01-01T00:00:00Z"}),
        *(_customer(c) for c in ("c1", "c2", "c3", "c4", "c5", "c6", "c7")),
        _customer("a1", partner_id="p1", currency="INR"),
        _customer("a2", partner_id="p1", currency="INR", is_active=False),
        # s1: 30 from Mar 1 15:00Z.
        _sub("s1", "c1", "basic", "active", "2025-03-01T15:00:00Z",
             started_at="2025-03-01T15:00:00Z"),
        # s2: 2 x 120 EUR a year less 25 % forever = 15.00 EUR a month, from Mar 2 12:00Z.
        _sub("s2", "c2", "annual", "active", "2025-03-02T12:00:00Z", quantity=2,
             started_at="2025-03-02T12:00:00Z",
             discount={"percent": "25", "duration": "forever"}),
        # s3: 30 once its trial ends on Mar 4 15:00Z.
        _sub("s3", "c3", "basic", "active", T0, trial_ends_at="2025-03-04T15:00:00Z"),
        # s4: cancelled on Mar 3 at period end (Mar 5 12:00Z): keeps paying 30 until then.
        _sub("s4", "c4", "quarterly", "active", T0),
        _sub("s4", "c4", "quarterly", "cancelled", "2025-03-03T12:00:00Z",
             cancelled_at="2025-03-03T12:00:00Z", ended_at="2025-03-05T12:00:00Z"),
        # s5: paused on Mar 2, then cancelled at period end: the pause carries on (0).
        _sub("s5", "c5", "basic", "active", T0),
        _sub("s5", "c5", "basic", "paused", "2025-03-02T12:00:00Z"),
        _sub("s5", "c5", "basic", "cancelled", "2025-03-03T12:00:00Z",
             cancelled_at="2025-03-03T12:00:00Z", ended_at="2025-03-06T12:00:00Z"),
        # s6: test mode, 30: never in live MRR.
        _sub("s6", "c6", "basic", "active", T0, livemode=False),
        # s7: a paused version superseded at its own instant by a cancellation at period end
        # (Mar 8 12:00Z): the paused one never applies, the subscription pays 30 until the end.
        _sub("s7", "c7", "basic", "paused", "2025-03-02T12:00:00Z"),
        _sub("s7", "c7", "basic", "cancelled", "2025-03-02T12:00:00Z",
             cancelled_at="2025-03-02T12:00:00Z", ended_at="2025-03-08T12:00:00Z"),
        ("invoices", {"id": "in1", "customer_id": "c3", "subscription_id": "s3",
                      "currency": "USD", "status": "paid", "billing_reason": "subscription_cycle",
                      "issued_at": "2025-03-04T15:00:00Z", "paid_at": "2025-03-04T16:00:00Z",
                      "total": "40.00",
                      "lines": [{"type": "subscription", "amount": "40.00"}]}),
        _pay("py1", "c1", "100.00", "USD", "2025-03-03T15:00:00Z", subscription_id="s1",
             fee_amount="3.20"),
        # Mar 2 23:30 in New York: March 2's rate (Mar 1's, 1.10).
        _pay("py2", "c2", "50.00", "EUR", "2025-03-03T04:30:00Z", fee_amount="1.00",
             affiliate_id="aff", affiliate_commission="5.00"),
        _pay("py3", "c1", "20.00", "USD", "2025-03-03T16:00:00Z", status="failed"),
        _pay("py4", "c6", "10.00", "USD", "2025-03-03T17:00:00Z", livemode=False),
        _pay("py5", "c3", "40.00", "USD", "2025-03-04T16:00:00Z", invoice_id="in1",
             fee_amount="1.46"),
        ("refunds", {"id": "re1", "payment_id": "py1", "amount": "25.00",
                     "created_at": "2025-03-05T15:00:00Z"}),
        ("refunds", {"id": "re2", "payment_id": "py2", "amount": "10.00",
                     "created_at": "2025-03-06T15:00:00Z"}),  # at Mar 4's 1.20: 12.00
        ("wallets", {"id": "w1", "customer_id": "a1", "currency": "INR"}),
        ("wallets", {"id": "w2", "customer_id": "a2", "currency": "INR", "status": "terminated"}),
        ("wallet_transactions", {"id": "wt1", "wallet_id": "w1", "amount": "100.00",
                                 "created_at": "2025-03-01T10:00:00Z"}),
        ("wallet_transactions", {"id": "wt2", "wallet_id": "w1", "amount": "-20.50",
                                 "created_at": "2025-03-03T10:00:00Z"}),
        ("wallet_transactions", {"id": "wt3", "wallet_id": "w1", "amount": "7.00",
                                 "created_at": "2025-03-20T10:00:00Z"}),  # after NOW
        ("wallet_transactions", {"id": "wt4", "wallet_id": "w2", "amount": "50.00",
                                 "created_at": "2025-03-01T10:00:00Z"}),  # terminated wallet
        _call("cr1", "a1", "outbound", "sip_trunking", "2025-03-03T15:00:00Z", 93, "1.55"),
        # Mar 3 23:30 and Mar 4 00:30 in New York.
        _call("cr2", "a1", "inbound", "voice_api", "2025-03-04T04:30:00Z", 60, "0.50"),
        _call("cr3", "a2", "outbound", "voice_api", "2025-03-04T05:30:00Z", 0, "0.10"),
        _call("cr4", "c1", "outbound", "voice_api", "2025-03-03T15:00:00Z", 60, "9.00"),  # not p1's
        _call("cr5", "a1", "outbound", "voice_api", "2025-03-01T04:30:00Z", 60, "9.00"),  # Feb 28
    ]  # fmt: skip


@pytest.fixture(scope="module")
def scene(engine: Engine, live_server: LiveServer) -> Iterator[TenantCtx]:
    tenant = make_tenant(engine, timezone="America/New_York", currency="USD")
    body = "\n".join(json.dumps({"kind": k, "data": d}) for k, d in ledger())
    response = httpx.post(
        f"{live_server.url}/v1/import", content=body, headers=tenant.headers, timeout=60
    )
    assert response.status_code == 200, response.text
    yield tenant


# Day of March -> (USD, EUR) at the close, in units, and the USD total at that day's EUR rate.
MRR = {
    1: (90, 0, "90.00"),  # s1, s4, s5 (s3 trialing, s2 not started, s7 not yet there)
    2: (90, 15, "106.50"),  # s5 paused, s7 starts running to its end; s2 at 1.10
    3: (90, 15, "106.50"),  # s4 and s7 running to their ends, s5 still paused
    4: (120, 15, "138.00"),  # s3's trial over; EUR at 1.20
    5: (90, 15, "108.00"),  # s4 ended at 12:00Z
    6: (90, 15, "108.00"),
    7: (90, 15, "108.00"),
    8: (60, 15, "78.00"),  # s7 ended at 12:00Z
}


def test_mrr_per_currency_and_converted(engine: Engine, scene: TenantCtx) -> None:
    first, last = date(2025, 3, 1), date(2025, 3, 8)
    with read_transaction(engine) as conn:
        per_currency = baseline.mrr_series(conn, scene.id, first, last)
        converted = baseline.mrr_converted(conn, scene.id, first, last)
    expected = {
        date(2025, 3, d): {c: v * M for c, v in (("EUR", eur), ("USD", usd)) if v}
        for d, (usd, eur, _) in MRR.items()
    }
    assert per_currency == expected
    assert {d: checks.units(v) for d, v in converted.items()} == {
        date(2025, 3, d): Decimal(total) for d, (_, _, total) in MRR.items()
    }


def test_mrr_of_test_data_and_instants(engine: Engine, scene: TenantCtx) -> None:
    instants = [
        datetime(2025, 3, 1, 11, 59, tzinfo=UTC),  # before anything started
        datetime(2025, 3, 5, 11, 59, tzinfo=UTC),  # s4 still running to its end
        datetime(2025, 3, 5, 12, 0, tzinfo=UTC),  # s4's end is effective at its instant
    ]
    with read_transaction(engine) as conn:
        assert baseline.mrr_at(conn, scene.id, instants) == [
            {},
            {"EUR": 15 * M, "USD": 120 * M},
            {"EUR": 15 * M, "USD": 90 * M},
        ]
        assert baseline.mrr_at(conn, scene.id, instants[1:2], livemode=False) == [{"USD": 30 * M}]


SALES_MAR_1_7 = {
    "total_sales_count": 3,  # py1, py2, py5 (py3 failed, py4 test mode)
    "total_sales_amount": 195 * M,
    "total_recurring_sales_count": 2,  # py1 (its subscription), py5 (its invoice's)
    "total_recurring_sales_amount": 140 * M,
    "total_onetime_sales_count": 1,
    "total_onetime_sales_amount": 55 * M,  # 50 EUR x 1.10
    "total_refund_count": 2,
    "total_refund_amount": 37 * M,  # 25 + 10 EUR x 1.20
    "total_paid_customer_count": 3,
    "total_affiliate_count": 1,
    "total_affiliate_sales_amount": 55 * M,
    "total_affiliate_commission_amount": 5_500_000,  # 5 EUR x 1.10
    "total_net_amount_via_affiliate": 49_500_000,
    "total_net_revenue": 146_740_000,  # 195 - 37 - 5.50 - fees (3.20 + 1.10 + 1.46)
}


def test_sales(engine: Engine, scene: TenantCtx) -> None:
    with read_transaction(engine) as conn:
        week = baseline_payments.sales(conn, scene.id, date(2025, 3, 1), date(2025, 3, 7), NOW)
        later = baseline_payments.sales(conn, scene.id, date(2025, 3, 3), date(2025, 3, 7), NOW)
    assert week == SALES_MAR_1_7
    # py2 was made on March 2 (local): out; the refunds of the window count all the same.
    assert later["total_sales_count"] == 2
    assert later["total_onetime_sales_amount"] == 0
    assert later["total_refund_amount"] == 37 * M
    assert later["total_net_revenue"] == (140 - 37) * M - 4_660_000  # fees 3.20 + 1.46


@pytest.mark.parametrize(
    ("test_mode", "expected"),
    [
        # s1..s7 exist; current status active/trialing: s1, s2, s3, s6 (s4, s5, s7 cancelled).
        (True, (7, 4, 5, 4, 20500)),  # revenue 100 + 55 + 40 + 10 (test) USD
        (False, (6, 3, 4, 3, 19500)),
    ],
)
def test_payment_stats(
    engine: Engine, scene: TenantCtx, test_mode: bool, expected: tuple[int, ...]
) -> None:
    with read_transaction(engine) as conn:
        stats = baseline_payments.payment_stats(conn, scene.id, test_mode, NOW)
    subs, active, payments, succeeded, cents = expected
    assert stats == {
        "total_projects": 2,
        "projects_with_config": 1,
        "projects_with_test": 0,
        "projects_with_live": 0,
        "total_subscriptions": subs,
        "active_subscriptions": active,
        "total_payments": payments,
        "successful_payments": succeeded,
        "total_revenue_cents": cents,
        "currency": "usd",
    }


def test_partner_analytics(engine: Engine, scene: TenantCtx) -> None:
    with read_transaction(engine) as conn:
        got = baseline_calls.partner_analytics(
            conn, scene.id, "p1", date(2025, 3, 1), date(2025, 3, 7), NOW
        )
    d = Decimal

    def figures(prefix: str, calls: int, answered: int, minutes: str, cost: str | None) -> Any:
        out = {f"{prefix}.total_calls": calls, f"{prefix}.answered_calls": answered,
               f"{prefix}.total_minutes": d(minutes)}  # fmt: skip
        return out if cost is None else {**out, f"{prefix}.total_cost": d(cost)}

    assert got == {
        "accounts.total": 2,
        "accounts.active": 1,
        "currency": "INR",
        "total_balance": d("79.50000"),  # w1 before NOW; w2 is terminated
        **figures("calls", 3, 2, "2.6", "2.15"),  # 153 s = 2.55 min -> 2.6 (half-even)
        **figures("traffic.inbound", 1, 1, "1.0", "0.50"),
        **figures("traffic.outbound", 2, 1, "1.6", "1.65"),  # 93 s = 1.55 -> 1.6
        **figures("by_product.sip_trunking", 1, 1, "2", "1.55"),  # whole minutes
        **figures("by_product.voice_api", 2, 1, "1.0", "0.60"),
        **figures("time_series.2025-03-03", 2, 2, "2.6", "2.05"),
        **figures("time_series.2025-03-03.inbound", 1, 1, "1.0", None),
        **figures("time_series.2025-03-03.outbound", 1, 1, "1.6", None),
        **figures("time_series.2025-03-04", 1, 0, "0", "0.10"),
        **figures("time_series.2025-03-04.inbound", 0, 0, "0", None),
        **figures("time_series.2025-03-04.outbound", 1, 0, "0", None),
    }


def _get(url: str, path: str, headers: dict[str, str]) -> Any:
    response = httpx.get(f"{url}{path}", headers=headers, timeout=60)
    assert response.status_code == 200, response.text
    return json.loads(response.text, parse_float=Decimal)


def test_billstats_answers_the_same(
    engine: Engine, scene: TenantCtx, live_server: LiveServer
) -> None:
    """The checks' comparison of billstats' HTTP answers with the baseline finds nothing."""
    url, bearer = live_server.url, scene.headers
    now = datetime.now(UTC)
    mrr = _get(url, "/v1/metrics/mrr?start_date=2025-03-01&end_date=2025-03-08", bearer)
    fynn = _get(url, "/analytics/subscription-revenue?from=2025-03-01&to=2025-03-08", bearer)
    body = json.dumps({"product_id": "all", "interval": "custom",
                       "start_date": "2025-03-01", "end_date": "2025-03-07"})  # fmt: skip
    pabbly = httpx.post(f"{url}/api/v2/getdashboardstats", content=body,
                        auth=(scene.key_id, scene.secret), timeout=60,
                        headers={"Content-Type": "application/json"})  # fmt: skip
    assert pabbly.status_code == 200, pabbly.text
    credential = httpx.post(f"{url}/v1/partners/p1/credentials", headers=bearer, timeout=60)
    assert credential.status_code == 201, credential.text
    partner = {
        "X-Auth-ID": credential.json()["auth_id"],
        "X-Auth-Token": credential.json()["token"],
    }
    vobiz = _get(url, "/api/v1/partner/analytics?from_date=2025-03-01&to_date=2025-03-07", partner)
    token = httpx.post(f"{url}/api/v1/auth/token", data={"grant_type": "client_credentials"},
                       auth=(scene.key_id, scene.secret), timeout=60)  # fmt: skip
    assert token.status_code == 200, token.text
    access = {"Authorization": f"Bearer {token.json()['access_token']}"}
    devkit = _get(url, "/api/v1/payments/stats?test_mode=false", access)
    with read_transaction(engine) as conn:
        pairs = [
            (checks._mrr_extract(mrr), checks._mrr_values(date(2025, 3, 1), date(2025, 3, 8))),
            (checks._fynn_extract(fynn),
             checks._fynn_values(date(2025, 3, 1), date(2025, 3, 8))),
            (checks._sales_extract(json.loads(pabbly.text, parse_float=Decimal)),
             checks._sales_values(date(2025, 3, 1), date(2025, 3, 7))),
            (checks._partner_extract(vobiz),
             checks._partner_values(date(2025, 3, 1), date(2025, 3, 7), "p1")),
            (checks._whole(devkit), checks._devkit_values(False)),
        ]  # fmt: skip
        for answered, compute in pairs:
            assert answered
            assert checks.differences(answered, compute(conn, scene.id, now)) == []
