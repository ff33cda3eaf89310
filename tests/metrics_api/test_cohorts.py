"""``GET /v1/metrics/cohorts``, every value hand-computed: a New York tenant (USD), "now" =
2024-04-15 12:00 local.

Succeeded live payments (cohort = month of the first one, New York time):

| customer | payments                                                       | cohort  |
|----------|----------------------------------------------------------------|---------|
| c1       | Jan 10 100, Feb 10 100 (50 refunded), Mar 10 120, Apr 10 100   | 2024-01 |
|          | (subscription sub1, plan pa of product A)                      |         |
| c2       | Jan 31 23:30 local (Feb 1 UTC) 50, Mar 5 50 (sub2, plan pb, B) | 2024-01 |
| c3       | EUR 100 Jan 20 (rate 1.10 = 110.00), EUR 100 Feb 20 (1.20 =    | 2024-01 |
|          | 120.00), EUR 10 Apr 2 (no rate that day: Mar 29's 1.25 = 12.50)|         |
| c4       | Feb 5 30, Mar 5 30 failed, Apr 5 30                            | 2024-02 |
| c5       | Dec 15 2023 10, Feb 15 10                                      | 2023-12 |
| c6       | Jan 5 999 test data                                            | (test)  |
| c7       | Mar 1 40 pending, Mar 15 40                                    | 2024-03 |
| c8       | Apr 20 70 (after now)                                          | -       |

Jan cohort (c1, c2, c3): month 0 = 100 + 50 + 110 = 260.00; month 1 = 100 + 120 = 220.00
(2 customers); month 2 = 120 + 50 = 170.00 (2); month 3 = 100 + 12.50 = 112.50 (2).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from tests.conftest import Frozen, TenantCtx
from tests.metrics_api.test_activity_support import COHORTS, Lines, analyst, fail, get

NOW = datetime.fromisoformat("2024-04-15T12:00:00-04:00")


def _pay(pid: str, cust: str, amount: str, at: str, cur: str = "USD", **extra: Any) -> Any:
    data = {"id": pid, "customer_id": cust, "amount": amount, "currency": cur,
            "status": extra.pop("status", "succeeded"), "created_at": at, **extra}  # fmt: skip
    return ("payments", data)


LEDGER: Lines = [
    ("products", {"id": "A", "name": "A"}),
    ("products", {"id": "B", "name": "B"}),
    ("plans", {"id": "pa", "product_id": "A", "name": "pa", "currency": "USD",
               "amount": "100.00", "interval_unit": "month"}),
    ("plans", {"id": "pb", "product_id": "B", "name": "pb", "currency": "USD",
               "amount": "50.00", "interval_unit": "month"}),
    *[("customers", {"id": f"c{i}", "name": f"Customer {i}", "created_at": "2023-01-01T00:00:00Z"})
      for i in range(1, 9)],
    ("subscriptions", {"id": "sub1", "customer_id": "c1", "plan_id": "pa", "status": "active",
                       "started_at": "2024-01-01T00:00:00-05:00"}),
    ("subscriptions", {"id": "sub2", "customer_id": "c2", "plan_id": "pb", "status": "active",
                       "started_at": "2024-01-01T00:00:00-05:00"}),
    *[("fx_rates", {"currency": "EUR", "date": day, "rate": rate})
      for day, rate in (("2024-01-20", "1.10"), ("2024-02-20", "1.20"), ("2024-03-29", "1.25"))],
    _pay("P1", "c1", "100.00", "2024-01-10T10:00:00-05:00", subscription_id="sub1"),
    _pay("P2", "c1", "100.00", "2024-02-10T10:00:00-05:00", subscription_id="sub1"),
    _pay("P3", "c1", "120.00", "2024-03-10T10:00:00-04:00", subscription_id="sub1"),
    _pay("P4", "c1", "100.00", "2024-04-10T10:00:00-04:00", subscription_id="sub1"),
    _pay("P5", "c2", "50.00", "2024-01-31T23:30:00-05:00", subscription_id="sub2"),
    _pay("P6", "c2", "50.00", "2024-03-05T10:00:00-05:00", subscription_id="sub2"),
    _pay("P7", "c3", "100.00", "2024-01-20T10:00:00-05:00", "EUR"),
    _pay("P8", "c3", "100.00", "2024-02-20T10:00:00-05:00", "EUR"),
    _pay("P9", "c3", "10.00", "2024-04-02T10:00:00-04:00", "EUR"),
    _pay("P10", "c4", "30.00", "2024-02-05T10:00:00-05:00"),
    _pay("P11", "c4", "30.00", "2024-03-05T10:00:00-05:00", status="failed"),
    _pay("P12", "c4", "30.00", "2024-04-05T10:00:00-04:00"),
    _pay("P13", "c5", "10.00", "2023-12-15T10:00:00-05:00"),
    _pay("P14", "c5", "10.00", "2024-02-15T10:00:00-05:00"),
    _pay("P15", "c6", "999.00", "2024-01-05T10:00:00-05:00", livemode=False),
    _pay("P16", "c7", "40.00", "2024-03-01T10:00:00-05:00", status="pending"),
    _pay("P17", "c7", "40.00", "2024-03-15T10:00:00-04:00"),
    _pay("P18", "c8", "70.00", "2024-04-20T10:00:00-04:00"),
    ("refunds", {"id": "R1", "payment_id": "P2", "amount": "50.00",
                 "created_at": "2024-02-11T10:00:00-05:00"}),
]  # fmt: skip

Cell = tuple[str, int, str | None, str, str | None]  # date, retained, c. ret., revenue, r. ret.


@pytest.fixture
def client(frozen: Frozen) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=frozen.url, timeout=60) as c:
        yield c


@pytest.fixture
def new_york(engine: Engine, client: httpx.Client, frozen: Frozen) -> tuple[TenantCtx, str]:
    tenant, token = analyst(engine, client, LEDGER, timezone="America/New_York", currency="USD")
    frozen.clock.now = NOW
    return tenant, token


def table(body: dict[str, Any]) -> list[tuple[str, int, list[Cell]]]:
    """Each cohort as (month, customers, cells), checking the redundant fields."""
    out = []
    for c in body["cohorts"]:
        assert c["date"][:7] == c["cohort"] and c["date"].endswith("-01")
        assert [p["month"] for p in c["periods"]] == list(range(len(c["periods"])))
        cells = [
            (p["date"], p["retained_customers"], p["customer_retention"], p["revenue"],
             p["revenue_retention"])
            for p in c["periods"]
        ]  # fmt: skip
        out.append((c["cohort"], c["customers"], cells))
    return out


def overall(body: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [
        (a["month"], a["cohorts"], a["customers"], a["retained_customers"],
         a["customer_retention"], a["revenue"], a["revenue_retention"])
        for a in body["all_cohorts"]
    ]  # fmt: skip


ONE = "1.000000"
ZERO = "0.000000"
TWO_THIRDS = "0.666667"


def test_every_field(client: httpx.Client, new_york: tuple[TenantCtx, str]) -> None:
    _, token = new_york
    body = get(client, token, COHORTS, start_date="2024-01-01", end_date="2024-04-30")
    assert {k: body[k] for k in ("currency", "start_date", "end_date", "livemode")} == {
        "currency": "USD",
        "start_date": "2024-01-01",
        "end_date": "2024-04-30",
        "livemode": True,
    }
    assert list(body) == ["currency", "start_date", "end_date", "livemode", "cohorts",
                          "all_cohorts"]  # fmt: skip
    assert table(body) == [
        ("2024-01", 3, [
            ("2024-01-01", 3, ONE, "260.00", ONE),
            ("2024-02-01", 2, TWO_THIRDS, "220.00", "0.846154"),
            ("2024-03-01", 2, TWO_THIRDS, "170.00", "0.653846"),
            ("2024-04-01", 2, TWO_THIRDS, "112.50", "0.432692"),
        ]),
        ("2024-02", 1, [
            ("2024-02-01", 1, ONE, "30.00", ONE),
            ("2024-03-01", 0, ZERO, "0.00", ZERO),
            ("2024-04-01", 1, ONE, "30.00", ONE),
        ]),
        ("2024-03", 1, [
            ("2024-03-01", 1, ONE, "40.00", ONE),
            ("2024-04-01", 0, ZERO, "0.00", ZERO),
        ]),
        ("2024-04", 0, [("2024-04-01", 0, None, "0.00", None)]),
    ]  # fmt: skip
    assert overall(body) == [
        (0, 3, 5, 5, ONE, "330.00", ONE),
        (1, 3, 5, 2, "0.400000", "220.00", TWO_THIRDS),
        (2, 2, 4, 3, "0.750000", "200.00", "0.689655"),
        (3, 1, 3, 2, TWO_THIRDS, "112.50", "0.432692"),
    ]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        # Only EUR payments, in EUR: c3 alone.
        ({"currency": "EUR"}, [
            ("2024-01", 1, [("2024-01-01", 1, ONE, "100.00", ONE),
                            ("2024-02-01", 1, ONE, "100.00", ONE),
                            ("2024-03-01", 0, ZERO, "0.00", ZERO),
                            ("2024-04-01", 1, ONE, "10.00", "0.100000")]),
            ("2024-02", 0, [("2024-02-01", 0, None, "0.00", None),
                            ("2024-03-01", 0, None, "0.00", None),
                            ("2024-04-01", 0, None, "0.00", None)]),
            ("2024-03", 0, [("2024-03-01", 0, None, "0.00", None),
                            ("2024-04-01", 0, None, "0.00", None)]),
            ("2024-04", 0, [("2024-04-01", 0, None, "0.00", None)]),
        ]),
        # Product A: c1's payments of sub1; revenue above month 0 in month 2.
        ({"product_id": "A", "end_date": "2024-03-31"}, [
            ("2024-01", 1, [("2024-01-01", 1, ONE, "100.00", ONE),
                            ("2024-02-01", 1, ONE, "100.00", ONE),
                            ("2024-03-01", 1, ONE, "120.00", "1.200000")]),
            ("2024-02", 0, [("2024-02-01", 0, None, "0.00", None),
                            ("2024-03-01", 0, None, "0.00", None)]),
            ("2024-03", 0, [("2024-03-01", 0, None, "0.00", None)]),
        ]),
        # Plan pb: c2 (first paid Jan 31 in New York).
        ({"plan_id": "pb", "end_date": "2024-02-29"}, [
            ("2024-01", 1, [("2024-01-01", 1, ONE, "50.00", ONE),
                            ("2024-02-01", 0, ZERO, "0.00", ZERO)]),
            ("2024-02", 0, [("2024-02-01", 0, None, "0.00", None)]),
        ]),
        ({"livemode": "false", "end_date": "2024-02-29"}, [
            ("2024-01", 1, [("2024-01-01", 1, ONE, "999.00", ONE),
                            ("2024-02-01", 0, ZERO, "0.00", ZERO)]),
            ("2024-02", 0, [("2024-02-01", 0, None, "0.00", None)]),
        ]),
        # Months chosen by any day in them; c1-c3 are January's, so not here.
        ({"start_date": "2024-02-29", "end_date": "2024-03-01"}, [
            ("2024-02", 1, [("2024-02-01", 1, ONE, "30.00", ONE),
                            ("2024-03-01", 0, ZERO, "0.00", ZERO)]),
            ("2024-03", 1, [("2024-03-01", 1, ONE, "40.00", ONE)]),
        ]),
        # Months after the current one are not shown.
        ({"start_date": "2024-04-01", "end_date": "2024-06-30"}, [
            ("2024-04", 0, [("2024-04-01", 0, None, "0.00", None)]),
        ]),
        ({"start_date": "2024-05-01", "end_date": "2024-06-30"}, []),
    ],
    ids=["eur", "product", "plan", "test-data", "months", "future", "all-future"],
)  # fmt: skip
def test_filters(
    client: httpx.Client,
    new_york: tuple[TenantCtx, str],
    params: dict[str, str],
    expected: list[Any],
) -> None:
    _, token = new_york
    body = get(client, token, COHORTS, **{"start_date": "2024-01-01", **params})
    assert table(body) == expected
    assert body["currency"] == params.get("currency", "USD")


def test_default_range_is_twelve_months(
    client: httpx.Client, new_york: tuple[TenantCtx, str]
) -> None:
    _, token = new_york
    body = get(client, token, COHORTS)
    assert (body["start_date"], body["end_date"]) == ("2023-05-01", "2024-04-30")
    got = table(body)
    assert [c[0] for c in got] == [f"2023-{m:02}" for m in range(5, 13)] + [
        f"2024-{m:02}" for m in range(1, 5)
    ]
    assert got[7] == ("2023-12", 1, [
        ("2023-12-01", 1, ONE, "10.00", ONE),
        ("2024-01-01", 0, ZERO, "0.00", ZERO),
        ("2024-02-01", 1, ONE, "10.00", ONE),
        ("2024-03-01", 0, ZERO, "0.00", ZERO),
        ("2024-04-01", 0, ZERO, "0.00", ZERO),
    ])  # fmt: skip
    assert got[0] == ("2023-05", 0, [
        (f"{y}-{m:02}-01", 0, None, "0.00", None)
        for y, m in [(2023, n) for n in range(5, 13)] + [(2024, n) for n in range(1, 5)]
    ])  # fmt: skip


def test_current_month_counts_up_to_now(
    client: httpx.Client, new_york: tuple[TenantCtx, str], frozen: Frozen
) -> None:
    """c8 pays on Apr 20: not yet on Apr 15; in April's cohort from then on."""
    _, token = new_york
    query = {"start_date": "2024-04-01", "end_date": "2024-04-30"}
    assert table(get(client, token, COHORTS, **query))[0][1] == 0
    frozen.clock.now = datetime.fromisoformat("2024-04-20T10:00:00-04:00")
    assert table(get(client, token, COHORTS, **query))[0][1] == 0  # spans end at now
    frozen.clock.now = datetime.fromisoformat("2024-04-20T10:00:01-04:00")
    body = get(client, token, COHORTS, **query)
    assert table(body) == [("2024-04", 1, [("2024-04-01", 1, ONE, "70.00", ONE)])]


def test_zone_decides_the_cohort(engine: Engine, client: httpx.Client, frozen: Frozen) -> None:
    """c2's first payment is Jan 31 in New York but Feb 1 in UTC."""
    _, token = analyst(engine, client, LEDGER, timezone="UTC", currency="USD")
    frozen.clock.now = NOW
    body = get(client, token, COHORTS, start_date="2024-01-01", end_date="2024-02-29")
    assert [(c[0], c[1]) for c in table(body)] == [("2024-01", 2), ("2024-02", 2)]


def test_missing_rate(engine: Engine, client: httpx.Client, frozen: Frozen) -> None:
    lines: Lines = [
        ("customers", {"id": "g", "name": "G", "created_at": "2024-01-01T00:00:00Z"}),
        _pay("G1", "g", "10.00", "2024-02-01T10:00:00Z", "GBP"),
    ]
    _, token = analyst(engine, client, lines, timezone="UTC", currency="USD")
    frozen.clock.now = NOW
    error = fail(client, 422, token, COHORTS, start_date="2024-01-01")
    assert error["code"] == "missing_fx_rate"
    assert "GBP" in error["message"] and "2024-02-01" in error["message"]
    # In its own currency no rate is needed.
    body = get(client, token, COHORTS, start_date="2024-02-01", end_date="2024-02-29",
               currency="GBP")  # fmt: skip
    assert table(body) == [("2024-02", 1, [("2024-02-01", 1, ONE, "10.00", ONE)])]
