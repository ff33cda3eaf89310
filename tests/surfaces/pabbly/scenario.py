"""The scenario ledger: a New York tenant (reporting USD) with USD and EUR records.

"Now" is frozen at Wednesday 2025-02-12 10:00 EST (15:00Z).  Every expected figure in
``test_scenario.py`` is computed by hand from the records below; the comments give each
record's local day and what it is for.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

NOW = "2025-02-12T15:00:00Z"
TIMEZONE = "America/New_York"

Record = tuple[str, dict[str, Any]]


def _fx() -> list[Record]:
    """EUR -> USD 1.10 on every day from 2024-11-01 to 2025-02-12, except 1.05 on Jan 31 and
    1.20 on Feb 1 (so a record of Jan 31 23:30 local converted on its UTC day would show)."""
    out: list[Record] = []
    day = date(2024, 11, 1)
    special = {date(2025, 1, 31): "1.05", date(2025, 2, 1): "1.20"}
    while day <= date(2025, 2, 12):
        out.append(
            (
                "fx_rates",
                {"currency": "EUR", "date": day.isoformat(), "rate": special.get(day, "1.10")},
            )
        )
        day += timedelta(days=1)
    return out


def _catalog() -> list[Record]:
    return [
        ("products", {"id": "prod_a", "name": "Alpha"}),
        ("products", {"id": "prod_b", "name": "Beta"}),
        ("affiliates", {"id": "aff1", "name": "Affiliate One"}),
        ("affiliates", {"id": "aff2", "name": "Affiliate Two"}),
        (
            "plans",
            {
                "id": "a_month_usd",
                "product_id": "prod_a",
                "name": "A monthly",
                "currency": "USD",
                "amount": "30.00",
                "interval_unit": "month",
            },
        ),
        (
            "plans",
            {
                "id": "a_year_eur",
                "product_id": "prod_a",
                "name": "A yearly EUR",
                "currency": "EUR",
                "amount": "120.00",
                "interval_unit": "year",
            },
        ),
        (
            "plans",
            {
                "id": "b_month_usd",
                "product_id": "prod_b",
                "name": "B monthly",
                "currency": "USD",
                "amount": "50.00",
                "interval_unit": "month",
            },
        ),
        *[
            (
                "customers",
                {"id": f"c{n}", "name": f"Customer {n}", "created_at": "2024-06-01T00:00:00Z"},
            )
            for n in range(1, 12)
        ],
    ]


def _sub(sid: str, customer: str, plan: str, status: str, started: str, **extra: Any) -> Record:
    data = {
        "id": sid,
        "customer_id": customer,
        "plan_id": plan,
        "status": status,
        "started_at": started,
    }
    return ("subscriptions", {**data, **extra})


def _subscriptions() -> list[Record]:
    return [
        # s1: A, 30 USD/month, active since Dec 1.
        _sub("s1", "c1", "a_month_usd", "active", "2024-12-01T15:00:00Z"),
        # s2: A, 120 EUR/year = 10 EUR MRR, from Jan 31 23:00 local.
        _sub("s2", "c2", "a_year_eur", "active", "2025-02-01T04:00:00Z"),
        # s3: B, 50 USD, cancelled Feb 11 10:00 local (yesterday).
        _sub("s3", "c3", "b_month_usd", "active", "2024-11-20T15:00:00Z"),
        _sub(
            "s3",
            "c3",
            "b_month_usd",
            "cancelled",
            "2024-11-20T15:00:00Z",
            cancelled_at="2025-02-11T15:00:00Z",
            effective_at="2025-02-11T15:00:00Z",
        ),
        # s4: A, trialing from Feb 10 (a customer, no MRR).
        _sub(
            "s4",
            "c4",
            "a_month_usd",
            "trialing",
            "2025-02-10T15:00:00Z",
            trial_ends_at="2025-02-24T15:00:00Z",
        ),
        # s5: A, 120 EUR/year less 10% forever = 9 EUR MRR; cancelled Jan 20 (rate 1.10).
        _sub(
            "s5",
            "c5",
            "a_year_eur",
            "active",
            "2024-10-01T12:00:00Z",
            discount={"percent": "10", "duration": "forever"},
        ),
        _sub(
            "s5",
            "c5",
            "a_year_eur",
            "cancelled",
            "2024-10-01T12:00:00Z",
            discount={"percent": "10", "duration": "forever"},
            cancelled_at="2025-01-20T17:00:00Z",
            effective_at="2025-01-20T17:00:00Z",
        ),
        # s7: test mode: never counts.
        _sub("s7", "c7", "a_month_usd", "active", "2025-01-01T15:00:00Z", livemode=False),
        # s8: A (30 USD) from Dec 15, moved to B (50 USD) on Jan 20.
        _sub("s8", "c8", "a_month_usd", "active", "2024-12-15T15:00:00Z"),
        _sub(
            "s8",
            "c8",
            "b_month_usd",
            "active",
            "2024-12-15T15:00:00Z",
            effective_at="2025-01-20T15:00:00Z",
        ),
        # s9: B, past due (50 USD MRR) from Sep 1, cancelled Dec 31 2024.
        _sub("s9", "c9", "b_month_usd", "past_due", "2024-09-01T15:00:00Z"),
        _sub(
            "s9",
            "c9",
            "b_month_usd",
            "cancelled",
            "2024-09-01T15:00:00Z",
            cancelled_at="2024-12-31T15:00:00Z",
            effective_at="2024-12-31T15:00:00Z",
        ),
        # s10: A, active from Dec 1, paused on Jan 10 (not a customer after, not a cancellation).
        _sub("s10", "c10", "a_month_usd", "active", "2024-12-01T15:00:00Z"),
        _sub(
            "s10",
            "c10",
            "a_month_usd",
            "paused",
            "2024-12-01T15:00:00Z",
            effective_at="2025-01-10T15:00:00Z",
        ),
    ]


def _invoice(
    iid: str,
    customer: str,
    sub: str | None,
    reason: str,
    status: str,
    issued: str,
    total: str,
    currency: str = "USD",
    **extra: Any,
) -> Record:
    data: dict[str, Any] = {
        "id": iid,
        "customer_id": customer,
        "currency": currency,
        "status": status,
        "billing_reason": reason,
        "issued_at": issued,
        "lines": [{"type": "subscription" if sub else "one_time", "amount": total}],
        "total": total,
    }
    if sub:
        data["subscription_id"] = sub
    if status == "paid":
        data["paid_at"] = issued
    return ("invoices", {**data, **extra})


CYCLE, CREATE, MANUAL = "subscription_cycle", "subscription_create", "manual"


def _invoices() -> list[Record]:
    return [
        _invoice("I1", "c1", "s1", CYCLE, "paid", "2025-02-01T15:00:00Z", "30.00"),  # Feb 1, A
        _invoice(  # Feb 3, s8 (B then); open, due Feb 10: missed
            "I2",
            "c8",
            "s8",
            CYCLE,
            "open",
            "2025-02-03T15:00:00Z",
            "50.00",
            due_at="2025-02-10T15:00:00Z",
        ),
        _invoice("I4", "c3", "s3", CYCLE, "paid", "2025-01-20T15:00:00Z", "50.00"),  # Jan 20, B
        _invoice("Iold", "c3", "s3", CYCLE, "paid", "2024-12-20T15:00:00Z", "50.00"),  # Dec 20
        _invoice(  # Feb 11, manual, EUR, paid by P5
            "Iman", "c6", None, MANUAL, "paid", "2025-02-11T12:00:00Z", "50.00", "EUR"
        ),
        _invoice(  # Feb 5, manual EUR 40 (44.00 USD), uncollectible, due before now: missed
            "I6",
            "c6",
            None,
            MANUAL,
            "uncollectible",
            "2025-02-05T12:00:00Z",
            "40.00",
            "EUR",
            due_at="2025-02-12T12:00:00Z",
        ),
        _invoice(  # Feb 10, open but due Feb 20: not missed
            "I7",
            "c6",
            None,
            MANUAL,
            "open",
            "2025-02-10T12:00:00Z",
            "15.00",
            due_at="2025-02-20T12:00:00Z",
        ),
        _invoice("I8", "c1", "s1", CYCLE, "draft", "2025-02-12T13:00:00Z", "30.00"),  # today
        _invoice("I9", "c2", "s2", CREATE, "paid", "2025-02-01T04:00:00Z", "120.00", "EUR"),
        _invoice(  # test mode: never counts
            "Itest",
            "c7",
            "s7",
            CYCLE,
            "open",
            "2025-02-01T15:00:00Z",
            "30.00",
            due_at="2025-02-02T15:00:00Z",
            livemode=False,
        ),
        _invoice(  # Dec 1 2024, s9 (B), open, due Dec 8: missed, and a rebill
            "I10",
            "c9",
            "s9",
            CYCLE,
            "open",
            "2024-12-01T15:00:00Z",
            "50.00",
            due_at="2024-12-08T15:00:00Z",
        ),
        _invoice(  # Feb 6, open without a due date: due when issued, so missed
            "I11", "c6", None, MANUAL, "open", "2025-02-06T12:00:00Z", "5.00"
        ),
    ]


def _pay(pid: str, customer: str, amount: str, created: str, fee: str, **extra: Any) -> Record:
    data = {
        "id": pid,
        "customer_id": customer,
        "amount": amount,
        "currency": "USD",
        "status": "succeeded",
        "fee_amount": fee,
        "created_at": created,
    }
    return ("payments", {**data, **extra})


def _payments() -> list[Record]:
    return [
        _pay("P0", "c9", "50.00", "2024-09-01T15:00:00Z", "1.50", subscription_id="s9"),
        _pay("P1", "c1", "30.00", "2025-01-01T15:00:00Z", "1.20", subscription_id="s1"),
        # Tied to s1 only through its invoice.
        _pay(
            "P2",
            "c1",
            "30.00",
            "2025-02-01T15:00:00Z",
            "1.20",
            invoice_id="I1",
            affiliate_id="aff1",
            affiliate_commission="3.00",
        ),
        # Jan 31 23:30 local (Feb 1 04:30 UTC): January, converted at 1.05 -> 126.00 USD,
        # fee 3.15, commission 12.60.
        _pay(
            "P3",
            "c2",
            "120.00",
            "2025-02-01T04:30:00Z",
            "3.00",
            currency="EUR",
            subscription_id="s2",
            affiliate_id="aff2",
            affiliate_commission="12.00",
        ),
        _pay("P4", "c5", "19.99", "2025-02-12T14:00:00Z", "0.60"),  # one-time, today
        # One-time in EUR through a manual invoice, Feb 11: 55.00 USD, fee 1.65.
        _pay(
            "P5", "c6", "50.00", "2025-02-11T12:00:00Z", "1.50", currency="EUR", invoice_id="Iman"
        ),
        _pay(
            "P6",
            "c3",
            "50.00",
            "2025-01-20T15:00:00Z",
            "1.75",
            subscription_id="s3",
            invoice_id="I4",
            affiliate_id="aff1",
            affiliate_commission="5.00",
        ),
        _pay(
            "P7", "c1", "30.00", "2025-02-05T15:00:00Z", "0", subscription_id="s1", status="failed"
        ),
        _pay(
            "P8", "c7", "99.00", "2025-02-12T12:00:00Z", "0", subscription_id="s7", livemode=False
        ),
        _pay("P9", "c8", "30.00", "2025-01-05T15:00:00Z", "0.90", subscription_id="s8"),  # A then
        _pay("P10", "c8", "50.00", "2025-01-25T15:00:00Z", "1.50", subscription_id="s8"),  # B then
        _pay(
            "P11",
            "c3",
            "50.00",
            "2024-12-20T15:00:00Z",
            "1.75",
            subscription_id="s3",
            invoice_id="Iold",
        ),
        _pay("P12", "c11", "10.00", "2025-02-12T16:00:00Z", "0"),  # after "now"
        (
            "refunds",
            {
                "id": "R1",
                "payment_id": "P1",
                "amount": "10.00",
                "created_at": "2025-02-04T15:00:00Z",
            },
        ),
        # 20 EUR on Feb 11 (rate 1.10, not the payment day's 1.05): 22.00 USD.
        (
            "refunds",
            {
                "id": "R2",
                "payment_id": "P3",
                "amount": "20.00",
                "created_at": "2025-02-11T20:00:00Z",
            },
        ),
        (
            "refunds",
            {
                "id": "R3",
                "payment_id": "P4",
                "amount": "5.00",
                "created_at": "2025-02-12T14:30:00Z",
            },
        ),
    ]


def records() -> list[Record]:
    return [*_fx(), *_catalog(), *_subscriptions(), *_invoices(), *_payments()]
