"""A small tenant with hand-known numbers, ingested through the API (``POST /v1/import``).

Tenant zone UTC, reporting currency USD; the window the tests look at is 2026-01-01..2026-06-30.

Live subscriptions (MRR = price per month):
- s1  Acme (c1)    yearly $1,200 (Analytics)  from 2026-01-10      -> $100 new business (Jan)
- s2  Globex (c2)  quarterly $90 (Analytics)  from 2026-02-05      -> $30 new business (Feb)
- s4  Initech (c3) monthly $50 (Voice)        2026-02-10..04-15    -> $50 new (Feb), churn (Apr)
- s3  Acme (c1)    monthly $50 (Voice)        from 2026-03-03      -> $50 expansion (Mar)
MRR at month ends: Jan 100, Feb 180, Mar 230, Apr 180, May 180, Jun 180; paying customers at the
end of June: Acme and Globex (2), so ARR $2,160 and ARPA $90.  Voice alone ends June at $50.

Test mode: s5 Globex monthly $50 from 2026-03-01 -> test-mode MRR $50.

Payments (live, succeeded): $1,680 in all; one $20 refund (2026-03-20).
Calls (June): Acme 2 outbound ($2.00), Globex 1 out + 1 in ($0.60), Initech 1 out ($1.25);
Globex and Initech are accounts of partner pa1.
"""

from __future__ import annotations

from typing import Any

from tests.conftest import ndjson

START, END = "2026-01-01", "2026-06-30"
MRR_BY_MONTH = ["100.00", "180.00", "230.00", "180.00", "180.00", "180.00"]
NEW_BUSINESS_BY_MONTH = ["100.00", "80.00", "0.00", "0.00", "0.00", "0.00"]
EXPANSION_BY_MONTH = ["0.00", "0.00", "50.00", "0.00", "0.00", "0.00"]
CHURN_BY_MONTH = ["0.00", "0.00", "0.00", "50.00", "0.00", "0.00"]
SALES_TOTAL = "1680.00"
REFUNDS_TOTAL = "20.00"

_T = "T00:00:00Z"


def _sub(sid: str, customer: str, plan: str, started: str, **extra: Any) -> dict[str, Any]:
    data = {"id": sid, "customer_id": customer, "plan_id": plan, "status": "active"}
    data["started_at"] = f"{started}T12:00:00Z"
    return {"kind": "subscriptions", "data": {**data, **extra}}


def _payment(pid: str, customer: str, sub: str, amount: str, day: str) -> dict[str, Any]:
    data = {
        "id": pid,
        "customer_id": customer,
        "subscription_id": sub,
        "amount": amount,
        "currency": "USD",
        "status": "succeeded",
        "created_at": f"{day}T15:00:00Z",
    }
    return {"kind": "payments", "data": data}


def _call(
    cid: str, account: str, direction: str, at: str, billed: int, cost: str
) -> dict[str, Any]:
    data = {
        "id": cid,
        "account_id": account,
        "direction": direction,
        "product": "voice_api",
        "started_at": at,
        "duration_seconds": billed,
        "billed_seconds": billed,
        "answered": billed > 0,
        "cost": cost,
        "currency": "USD",
    }
    return {"kind": "call_records", "data": data}


def records() -> list[dict[str, Any]]:
    created = f"2026-01-01{_T}"
    out: list[dict[str, Any]] = [
        {"kind": "products", "data": {"id": "p1", "name": "Analytics"}},
        {"kind": "products", "data": {"id": "p2", "name": "Voice"}},
        {
            "kind": "partners",
            "data": {
                "id": "pa1",
                "name": "Reseller One",
                "slug": "reseller-one",
                "created_at": created,
            },
        },
    ]
    plans = [
        ("yearly", "p1", "1200.00", "year", 1),
        ("quarterly", "p1", "90.00", "month", 3),
        ("monthly", "p2", "50.00", "month", 1),
    ]
    for pid, product, amount, unit, count in plans:
        data = {
            "id": pid,
            "product_id": product,
            "name": pid.title(),
            "currency": "USD",
            "amount": amount,
            "interval_unit": unit,
            "interval_count": count,
        }
        out.append({"kind": "plans", "data": data})
    for cid, name, partner in (
        ("c1", "Acme", None),
        ("c2", "Globex", "pa1"),
        ("c3", "Initech", "pa1"),
    ):
        customer: dict[str, Any] = {"id": cid, "name": name, "currency": "USD"}
        customer["created_at"] = created
        if partner:
            customer["partner_id"] = partner
        out.append({"kind": "customers", "data": customer})
    out += [
        _sub("s1", "c1", "yearly", "2026-01-10"),
        _sub("s2", "c2", "quarterly", "2026-02-05"),
        _sub("s4", "c3", "monthly", "2026-02-10"),
        _sub(
            "s4",
            "c3",
            "monthly",
            "2026-02-10",
            status="cancelled",
            cancelled_at="2026-04-15T12:00:00Z",
            effective_at="2026-04-15T12:00:00Z",
        ),
        _sub("s3", "c1", "monthly", "2026-03-03"),
        _sub("s5", "c2", "monthly", "2026-03-01", livemode=False),
    ]
    out += [
        _payment("pay1", "c1", "s1", "1200.00", "2026-01-10"),
        _payment("pay2", "c2", "s2", "90.00", "2026-02-05"),
        _payment("pay3", "c3", "s4", "50.00", "2026-02-10"),
        _payment("pay4", "c1", "s3", "50.00", "2026-03-03"),
        _payment("pay5", "c3", "s4", "50.00", "2026-03-10"),
        _payment("pay6", "c1", "s3", "50.00", "2026-04-03"),
        _payment("pay7", "c2", "s2", "90.00", "2026-05-05"),
        _payment("pay8", "c1", "s3", "50.00", "2026-05-03"),
        _payment("pay9", "c1", "s3", "50.00", "2026-06-03"),
        {
            "kind": "refunds",
            "data": {
                "id": "r1",
                "payment_id": "pay5",
                "amount": "20.00",
                "created_at": f"2026-03-20{_T}",
            },
        },
    ]
    out += [
        _call("k1", "c2", "outbound", "2026-06-01T10:00:00Z", 120, "0.50"),
        _call("k2", "c2", "inbound", "2026-06-01T11:00:00Z", 60, "0.10"),
        _call("k3", "c3", "outbound", "2026-06-02T09:00:00Z", 300, "1.25"),
        _call("k4", "c1", "outbound", "2026-06-02T12:00:00Z", 0, "0.00"),
        _call("k5", "c1", "outbound", "2026-06-03T08:00:00Z", 600, "2.00"),
    ]
    return out


def body() -> bytes:
    return ndjson(records())
