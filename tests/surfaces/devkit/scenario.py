"""A hand-computed account for the overview (devkit payment statistics).

Tenant: America/New_York, reporting currency USD.  Every expected number below is worked out
by hand in the comments; the metrics tests (``tests/metrics/test_overview.py``, any instant)
and the HTTP tests (``test_stats.py``, now) both use it.

Products (never filtered by mode):
  prod-full    configured, test and live credentials
  prod-test    configured, test credentials
  prod-config  configured, no credentials
  prod-bare    nothing
  -> 4 products, 3 configured, 2 with test, 1 with live credentials.

Subscriptions (L = live, T = test; all start 2025-01-05T10:00Z unless noted):
  sub-active           L active
  sub-trial            L trialing
  sub-pastdue          L past_due
  sub-cancelled        L cancelled
  sub-test-active      T active
  sub-test-paused      T paused
  sub-test-trial       T trialing, starts 2025-01-25T00:00Z
  sub-scheduled-cancel L active; a second version cancels it from 2199-01-01 (after "now")
  sub-was-active       L active; a second version cancels it from 2025-02-10T00:00Z
  sub-test-scheduled   T active; a second version cancels it from 2199-01-01
  sub-tie              L active; then paused and, at the same instant (2025-01-20T00:00Z) but
                       recorded later, active again (the later version wins); cancelled from
                       2199-01-01: active from its start until 2199
  sub-future           L active, starts 2199-06-01 (does not exist yet)

Payments (customer cus-a):
  pay-usd-ok      L succeeded USD 100.00   2025-01-10T15:00Z
  pay-usd-failed  L failed    USD  50.00   2025-01-11T15:00Z
  pay-usd-pending L pending   USD  20.00   2025-01-11T16:00Z
  pay-refunded    L succeeded USD  40.00   2025-01-12T15:00Z  (refunded 15.00: still 40.00)
  pay-test-usd    T succeeded USD  30.00   2025-01-15T15:00Z
  pay-test-failed T failed    USD   7.00   2025-01-16T15:00Z
  pay-eur-edge    L succeeded EUR  10.00   2025-02-01T04:30Z = 2025-01-31 23:30 in New York
                  -> rate of Jan 31 (1.10) = 11.00 USD (the UTC day's rate, 1.30, would be 13.00)
  pay-test-eur    T succeeded EUR   5.00   2025-02-01T12:00Z = Feb 1 07:00 -> 1.30 = 6.50 USD
  pay-cad-1/2/3   L succeeded CAD   0.01 each, 2025-02-03T12:00Z -> 0.725 each = 0.00725 USD;
                  together 0.02175 (rounding each to a cent would give 0.03)
  pay-eur-failed  L failed    EUR  99.00   2025-03-01T12:00Z (no rate that day: not needed)
  pay-future      L succeeded USD 1000.00  2199-01-01T00:00Z (after "now")
"""

from __future__ import annotations

from typing import Any

Line = tuple[str, dict[str, Any]]

START = "2025-01-05T10:00:00Z"
WAS_ACTIVE_CANCEL = "2025-02-10T00:00:00Z"
SCHEDULED_CANCEL = "2199-01-01T00:00:00Z"
FUTURE_START = "2199-06-01T00:00:00Z"
EUR_EDGE_AT = "2025-02-01T04:30:00Z"


def _product(pid: str, configured: bool, test: bool, live: bool) -> Line:
    provider = {"configured": configured, "test_credentials": test, "live_credentials": live}
    return ("products", {"id": pid, "name": pid, "payment_provider": provider})


def _sub(sid: str, status: str, *, live: bool = True, start: str = START, **extra: Any) -> Line:
    data: dict[str, Any] = {
        "id": sid,
        "customer_id": "cus-a",
        "plan_id": "plan-usd",
        "status": status,
        "started_at": start,
        "livemode": live,
        **extra,
    }
    if status == "trialing":
        data["trial_ends_at"] = "2025-02-05T10:00:00Z"
    if status == "cancelled" and "cancelled_at" not in data:
        data["cancelled_at"] = "2025-01-20T10:00:00Z"
    return ("subscriptions", data)


def payment(
    pid: str, status: str, currency: str, amount: str, at: str, *, live: bool = True
) -> Line:
    data = {
        "id": pid,
        "customer_id": "cus-a",
        "amount": amount,
        "currency": currency,
        "status": status,
        "created_at": at,
        "livemode": live,
    }
    return ("payments", data)


def fx(currency: str, day: str, rate: str) -> Line:
    return ("fx_rates", {"currency": currency, "date": day, "rate": rate})


def catalog(customer: str = "cus-a") -> list[Line]:
    """A product, a plan and a customer: what payments and subscriptions refer to."""
    return [
        _product("prod-full", True, True, True),
        (
            "plans",
            {
                "id": "plan-usd",
                "product_id": "prod-full",
                "name": "Pro",
                "currency": "USD",
                "amount": "10",
                "interval_unit": "month",
            },
        ),
        ("customers", {"id": customer, "name": customer, "created_at": "2025-01-01T00:00:00Z"}),
    ]


LINES: list[Line] = [
    *catalog(),
    _product("prod-test", True, True, False),
    _product("prod-config", True, False, False),
    _product("prod-bare", False, False, False),
    _sub("sub-active", "active"),
    _sub("sub-trial", "trialing"),
    _sub("sub-pastdue", "past_due"),
    _sub("sub-cancelled", "cancelled"),
    _sub("sub-test-active", "active", live=False),
    _sub("sub-test-paused", "paused", live=False),
    _sub("sub-test-trial", "trialing", live=False, start="2025-01-25T00:00:00Z"),
    _sub("sub-scheduled-cancel", "active"),
    _sub("sub-was-active", "active"),
    _sub("sub-future", "active", start=FUTURE_START),
    _sub("sub-tie", "active"),
    _sub("sub-test-scheduled", "active", live=False),
    payment("pay-usd-ok", "succeeded", "USD", "100.00", "2025-01-10T15:00:00Z"),
    payment("pay-usd-failed", "failed", "USD", "50.00", "2025-01-11T15:00:00Z"),
    payment("pay-usd-pending", "pending", "USD", "20.00", "2025-01-11T16:00:00Z"),
    payment("pay-refunded", "succeeded", "USD", "40.00", "2025-01-12T15:00:00Z"),
    (
        "refunds",
        {
            "id": "re-1",
            "payment_id": "pay-refunded",
            "amount": "15.00",
            "created_at": "2025-01-13T15:00:00Z",
        },
    ),
    payment("pay-test-usd", "succeeded", "USD", "30.00", "2025-01-15T15:00:00Z", live=False),
    payment("pay-test-failed", "failed", "USD", "7.00", "2025-01-16T15:00:00Z", live=False),
    payment("pay-eur-edge", "succeeded", "EUR", "10.00", EUR_EDGE_AT),
    payment("pay-test-eur", "succeeded", "EUR", "5.00", "2025-02-01T12:00:00Z", live=False),
    *(
        payment(f"pay-cad-{n}", "succeeded", "CAD", "0.01", "2025-02-03T12:00:00Z")
        for n in (1, 2, 3)
    ),
    payment("pay-eur-failed", "failed", "EUR", "99.00", "2025-03-01T12:00:00Z"),
    payment("pay-future", "succeeded", "USD", "1000.00", "2199-01-01T00:00:00Z"),
    fx("EUR", "2025-01-31", "1.10"),
    fx("EUR", "2025-02-01", "1.30"),
    fx("CAD", "2025-02-03", "0.725"),
]

TIE_AT = "2025-01-20T00:00:00Z"


def _change(sid: str, status: str, at: str, **extra: Any) -> tuple[str, dict[str, Any]]:
    return (sid, {**_sub(sid, status, **extra)[1], "effective_at": at})


# Later versions, sent as PUT /v1/subscriptions/<id> with effective_at after the import.
CHANGES: list[tuple[str, dict[str, Any]]] = [
    _change("sub-tie", "paused", TIE_AT),
    _change("sub-tie", "active", TIE_AT),
    _change("sub-tie", "cancelled", SCHEDULED_CANCEL, cancelled_at=SCHEDULED_CANCEL),
    _change(
        "sub-test-scheduled",
        "cancelled",
        SCHEDULED_CANCEL,
        cancelled_at=SCHEDULED_CANCEL,
        live=False,
    ),
    _change("sub-was-active", "cancelled", WAS_ACTIVE_CANCEL, cancelled_at=WAS_ACTIVE_CANCEL),
    _change("sub-scheduled-cancel", "cancelled", SCHEDULED_CANCEL, cancelled_at=SCHEDULED_CANCEL),
]

PRODUCTS = {
    "total_projects": 4,
    "projects_with_config": 3,
    "projects_with_test": 2,
    "projects_with_live": 1,
}

# As of the real "now" (between 2025 and 2199).
# test_mode=true: subscriptions existing = all but sub-future = 11; active or trialing:
#   sub-active, sub-trial, sub-test-active, sub-test-trial, sub-scheduled-cancel, sub-tie,
#   sub-test-scheduled = 7.
#   payments: all but pay-future = 12; succeeded: usd-ok, refunded, test-usd, eur-edge,
#   test-eur, cad x3 = 8; revenue 100 + 40 + 30 + 11 + 6.50 + 0.02175 = 187.52175 -> 18752.
NOW_WITH_TEST = {
    **PRODUCTS,
    "total_subscriptions": 11,
    "active_subscriptions": 7,
    "total_payments": 12,
    "successful_payments": 8,
    "total_revenue_cents": 18752,
    "currency": "usd",
}
# test_mode=false: live subscriptions existing: active, trial, pastdue, cancelled,
#   scheduled-cancel, was-active, tie = 7; active or trialing: active, trial, scheduled-cancel,
#   tie = 4.
#   live payments: usd-ok, usd-failed, usd-pending, refunded, eur-edge, cad x3, eur-failed = 9;
#   succeeded: usd-ok, refunded, eur-edge, cad x3 = 6; revenue 100 + 40 + 11 + 0.02175
#   = 151.02175 -> 15102.
NOW_LIVE_ONLY = {
    **PRODUCTS,
    "total_subscriptions": 7,
    "active_subscriptions": 4,
    "total_payments": 9,
    "successful_payments": 6,
    "total_revenue_cents": 15102,
    "currency": "usd",
}
