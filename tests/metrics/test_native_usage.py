"""The ``usage`` and ``calls`` metrics through the real HTTP stack on both databases.

A Kolkata tenant (UTC+05:30, reporting USD; EUR at 1.10, 1.20 on Mar 3).  "Now" is
2025-03-10 12:00 IST (06:30Z).

Usage events: U1 a1/s1 (prod_x) api_calls 100 on Mar 1; U2 a1/s1 api_calls 2.5 at Mar 3 00:30
IST (still Mar 2 in UTC); U3 d1 (no subscription) storage_gb 0.000125 on Mar 3; U4 d1 on a
test-mode subscription api_calls 7 on Mar 3; U5 after now.

Calls: K1 a1 (partner pa) outbound voice_api Mar 1, 90 s billed, answered, 0.50 USD; K2 a2 (pa)
inbound sip_trunking Mar 1, unanswered, 0 s, 0.00; K3 b1 (pb) outbound sip_trunking at Mar 3
00:30 IST (Mar 2 UTC), 61 s, answered, 1.00 EUR = 1.20 USD at Mar 3's rate; K4 d1 (no partner)
inbound voice_api Mar 3, 30 s, answered, 0.25 USD; K5 after now.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from tests.conftest import Frozen, make_tenant
from tests.metrics_api.support import Api, column, ingest, reader

NOW = datetime(2025, 3, 10, 6, 30, tzinfo=UTC)
DAYS = {"start_date": "2025-03-01", "end_date": "2025-03-03"}


def _call(cid: str, account: str, direction: str, product: str, at: str, **extra: Any) -> Any:
    data = {
        "id": cid,
        "account_id": account,
        "direction": direction,
        "product": product,
        "started_at": at,
        "duration_seconds": extra.get("billed_seconds", 0),
        "billed_seconds": 0,
        "answered": False,
        "cost": "0.00",
        "currency": "USD",
        **extra,
    }
    return ("call_records", data)


def _usage(uid: str, customer: str, code: str, qty: str, at: str, sub: str | None) -> Any:
    data = {"id": uid, "customer_id": customer, "metric_code": code, "quantity": qty,
            "timestamp": at}  # fmt: skip
    if sub:
        data["subscription_id"] = sub
    return ("usage_events", data)


def _partner(pid: str) -> Any:
    return ("partners", {"id": pid, "name": pid, "slug": pid, "created_at": "2025-01-01T00:00:00Z"})


def _customer(cid: str, partner: str | None) -> Any:
    data = {"id": cid, "name": cid, "created_at": "2025-01-01T00:00:00Z"}
    if partner:
        data["partner_id"] = partner
    return ("customers", data)


def _records() -> list[Any]:
    fx = [
        ("fx_rates", {"currency": "EUR", "date": d.isoformat(),
                      "rate": "1.20" if d == date(2025, 3, 3) else "1.10"})
        for d in (date(2025, 2, 20) + timedelta(days=n) for n in range(18))
    ]  # fmt: skip
    return [
        *fx,
        ("products", {"id": "prod_x", "name": "X"}),
        ("plans", {"id": "plan_x", "product_id": "prod_x", "name": "X", "currency": "USD",
                   "amount": "10.00", "interval_unit": "month"}),
        _partner("pa"),
        _partner("pb"),
        _customer("a1", "pa"),
        _customer("a2", "pa"),
        _customer("b1", "pb"),
        _customer("d1", None),
        ("subscriptions", {"id": "s1", "customer_id": "a1", "plan_id": "plan_x",
                           "status": "active", "started_at": "2025-01-01T00:00:00Z"}),
        ("subscriptions", {"id": "s_test", "customer_id": "d1", "plan_id": "plan_x",
                           "status": "active", "started_at": "2025-01-01T00:00:00Z",
                           "livemode": False}),
        _usage("U1", "a1", "api_calls", "100", "2025-03-01T10:00:00Z", "s1"),
        _usage("U2", "a1", "api_calls", "2.5", "2025-03-02T19:00:00Z", "s1"),
        _usage("U3", "d1", "storage_gb", "0.000125", "2025-03-03T05:00:00Z", None),
        _usage("U4", "d1", "api_calls", "7", "2025-03-03T05:00:00Z", "s_test"),
        _usage("U5", "a1", "api_calls", "1", "2025-03-10T07:00:00Z", "s1"),
        _call("K1", "a1", "outbound", "voice_api", "2025-03-01T10:00:00Z", billed_seconds=90,
              answered=True, cost="0.50"),
        _call("K2", "a2", "inbound", "sip_trunking", "2025-03-01T12:00:00Z"),
        _call("K3", "b1", "outbound", "sip_trunking", "2025-03-02T19:00:00Z", billed_seconds=61,
              answered=True, cost="1.00", currency="EUR"),
        _call("K4", "d1", "inbound", "voice_api", "2025-03-03T05:00:00Z", billed_seconds=30,
              answered=True, cost="0.25"),
        _call("K5", "a1", "outbound", "voice_api", "2025-03-10T07:00:00Z", billed_seconds=60,
              answered=True, cost="9.00"),
    ]  # fmt: skip


@pytest.fixture
def api(engine: Engine, frozen: Frozen) -> Iterator[Api]:
    tenant = make_tenant(engine, timezone="Asia/Kolkata", currency="USD")
    client = Api(frozen, reader(engine, tenant), NOW)
    ingest(client.client, tenant, _records())
    yield client
    client.close()


USAGE_CASES: list[tuple[dict[str, str], list[tuple[Any, ...]]]] = [
    (
        DAYS,
        [
            ("2025-03-01", {"api_calls": "100", "storage_gb": "0"}, 1),
            ("2025-03-02", {"api_calls": "0", "storage_gb": "0"}, 0),
            ("2025-03-03", {"api_calls": "2.5", "storage_gb": "0.000125"}, 2),
        ],
    ),
    (
        {**DAYS, "product_id": "prod_x"},  # U3 has no subscription
        [
            ("2025-03-01", {"api_calls": "100"}, 1),
            ("2025-03-02", {"api_calls": "0"}, 0),
            ("2025-03-03", {"api_calls": "2.5"}, 1),
        ],
    ),
    (
        {**DAYS, "plan_id": "plan_x", "livemode": "false"},
        [
            ("2025-03-01", {"api_calls": "0"}, 0),
            ("2025-03-02", {"api_calls": "0"}, 0),
            ("2025-03-03", {"api_calls": "7"}, 1),
        ],
    ),
    (
        {"start_date": "2025-02-15", "end_date": "2025-03-31", "interval": "month"},
        [
            ("2025-02-15", {"api_calls": "0", "storage_gb": "0"}, 0),
            ("2025-03-01", {"api_calls": "102.5", "storage_gb": "0.000125"}, 3),
        ],
    ),
]


def test_usage_by_metric_code(api: Api) -> None:
    for params, expected in USAGE_CASES:
        body = api.metric("usage", **params)
        got = [(e["date"], e["usage"], e["usage_events"]) for e in body["entries"]]
        assert got == expected, params
    body = api.metric("usage", **DAYS)
    assert body["summary"] == {
        "current": {"api_calls": "102.5", "storage_gb": "0.000125"},
        "previous": {"api_calls": "0", "storage_gb": "0"},
        "percentage_change": {"api_calls": None, "storage_gb": None},
    }
    # Mar 1-2 against Feb 27-28, and Mar 2-3 against Feb 28 - Mar 1 (a change per code)
    body = api.metric("usage", start_date="2025-03-02", end_date="2025-03-03")
    assert body["summary"] == {
        "current": {"api_calls": "2.5", "storage_gb": "0.000125"},
        "previous": {"api_calls": "100", "storage_gb": "0"},
        "percentage_change": {"api_calls": "-97.50", "storage_gb": None},
    }


PARTS = ("", "inbound_", "outbound_", "sip_trunking_", "voice_api_")
ZERO = (0, 0, "0", "0.00")
K1 = (1, 1, "1.5", "0.50")
K2 = (1, 0, "0", "0.00")
K3 = (1, 1, "1.016667", "1.20")  # 61 s = 1.0166666... min
K3_EUR = (1, 1, "1.016667", "1.00")  # K3 unconverted
K4 = (1, 1, "0.5", "0.25")
# per day: total, inbound, outbound, sip_trunking, voice_api
MAR1 = ((2, 1, "1.5", "0.50"), K2, K1, K2, K1)
MAR3 = ((2, 2, "1.516667", "1.45"), K4, K3, K3, K4)  # 91 s
NONE = (ZERO,) * 5
CALL_CASES: list[tuple[dict[str, str], list[tuple[Any, ...]]]] = [
    (DAYS, [MAR1, NONE, MAR3]),
    ({**DAYS, "product_id": "prod_x"}, [MAR1, NONE, MAR3]),  # calls have no billing product
    ({**DAYS, "partner_id": "pa"}, [MAR1, NONE, NONE]),
    ({**DAYS, "partner_id": "pb"}, [NONE, NONE, (K3, ZERO, K3, K3, ZERO)]),
    (
        {**DAYS, "currency": "EUR"},
        [NONE, NONE, (K3_EUR, ZERO, K3_EUR, K3_EUR, ZERO)],
    ),
    ({**DAYS, "livemode": "false"}, [NONE, NONE, NONE]),
    (
        {"start_date": "2025-02-24", "end_date": "2025-03-31", "interval": "week"},
        [MAR1, MAR3, NONE, NONE, NONE, NONE],  # K5 (Mar 10) is after now
    ),
    (
        {"start_date": "2025-02-24", "end_date": "2025-03-31", "interval": "month"},
        [NONE, ((4, 3, "3.016667", "1.95"), (2, 1, "0.5", "0.25"), (2, 2, "2.516667", "1.70"),
                (2, 1, "1.016667", "1.20"), (2, 2, "2", "0.75"))],
    ),
]  # fmt: skip


def test_calls_by_direction_product_and_partner(api: Api) -> None:
    for params, expected in CALL_CASES:
        body = api.metric("calls", **params)
        got = [
            tuple(
                (e[f"{p}calls"], e[f"{p}answered_calls"], e[f"{p}minutes"], e[f"{p}cost"])
                for p in PARTS
            )
            for e in body["entries"]
        ]
        assert got == expected, params
        assert len(body["entries"][0]) == 1 + 4 * len(PARTS)
    body = api.metric("calls", **DAYS)
    assert body["summary"] == {"current": 4, "previous": 0, "percentage_change": None}
    assert column(api.metric("calls", start_date="2025-03-10", end_date="2025-03-10"), "calls") == [
        0
    ]
