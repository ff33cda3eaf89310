"""The movement log, every field hand-computed: a Berlin tenant (EUR) in March 2024, "now" =
2024-03-28 12:00 local.

Subscriptions (plans: e30 30.00/month, e100y 100.00/year = 8.33, e90q 90.00/quarter = 30.00,
o20 20.00/month of product "other", u50 USD 50.00/month, j12k JPY 12000/year = 1000):

| day   | what happens (local time)                             | movement                     |
|-------|-------------------------------------------------------|------------------------------|
| 03-01 | s1 c1 e30 starts 10:00                                | c1 new_business 30.00 [s1]   |
| 03-02 | s2 c2 e100y starts 00:30 local (03-01 23:30 UTC)      | c2 new_business 8.33 [s2]    |
| 03-03 | s7 c4 e30 starts, test data                           | only with livemode=false     |
| 03-05 | s3 c1 e90q starts                                     | c1 expansion 30.00 [s3]      |
| 03-10 | s1 cancelled 09:00, s3 quantity 2 at 15:00: 60 -> 60  | none (nets out)              |
| 03-12 | s3 back to quantity 1 (60 -> 30), s10 c1 e100y starts | c1 contraction 21.67 [s10 s3]|
| 03-15 | s2 cancelled                                          | c2 churn 8.33 [s2]           |
| 03-18 | s11 c6 j12k starts, s14 c6 e30 starts                 | c6 new_business EUR 30.00    |
|       |                                                       | and JPY 1000 (EUR first)     |
| 03-20 | s4 c2 e30 starts                                      | c2 reactivation 30.00 [s4]   |
| 03-20 | s5 c5 u50 starts                                      | c5 new_business USD 50.00    |
| 03-22 | s3 paused, s10 cancelled                              | c1 churn 38.33 [s10 s3]      |
| 03-25 | s6 c3 e30 ends its trial (started 03-01)              | c3 new_business 30.00 [s6]   |
| 03-26 | s8 c1 o20 starts (product "other")                    | c1 reactivation 20.00 [s8]   |
| 03-27 | s9 c2 e30 starts 10:00, cancelled 18:00               | none (same day)              |
| 03-28 | s5 quantity 2 at 18:00 (after "now")                  | shown once the clock passes  |
| 04-20 | s4 ends (cancelled at period end, recorded 03-28)     | after today: never shown     |
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from tests.conftest import Frozen, TenantCtx
from tests.metrics_api.test_activity_support import (
    ACTIVITIES,
    Lines,
    analyst,
    entry_tuple,
    get,
)


@pytest.fixture
def client(frozen: Frozen) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=frozen.url, timeout=60) as c:
        yield c


NOW = datetime.fromisoformat("2024-03-28T12:00:00+01:00")


def _plan(pid: str, cur: str, amount: str, unit: str = "month", **extra: Any) -> Any:
    data = {"id": pid, "product_id": extra.pop("product", "prod"), "name": pid, "currency": cur,
            "amount": amount, "interval_unit": unit, **extra}  # fmt: skip
    return ("plans", data)


def _sub(sid: str, cust: str, plan: str, status: str, start: str, **extra: Any) -> Any:
    data = {"id": sid, "customer_id": cust, "plan_id": plan, "status": status,
            "started_at": f"2024-{start}:00+01:00", **extra}  # fmt: skip
    if "effective_at" in data:
        data["effective_at"] = f"2024-{data['effective_at']}:00+01:00"
    for name in ("cancelled_at", "ended_at", "trial_ends_at"):
        if name in data:
            data[name] = f"2024-{data[name]}:00+01:00"
    return ("subscriptions", data)


NAMES = {"c1": "Acme GmbH", "c2": "Beta, Ltd", "c3": "=Gamma", "c4": "Delta", "c5": "Epsilon",
         "c6": "Zeta KK"}  # fmt: skip

LEDGER: Lines = [
    ("products", {"id": "prod", "name": "Prod"}),
    ("products", {"id": "other", "name": "Other"}),
    _plan("e30", "EUR", "30.00"), _plan("e100y", "EUR", "100.00", "year"),
    _plan("e90q", "EUR", "90.00", "month", interval_count=3),
    _plan("o20", "EUR", "20.00", product="other"), _plan("u50", "USD", "50.00"),
    _plan("j12k", "JPY", "12000", "year"),
    *[("customers", {"id": cid, "name": name, "created_at": "2024-01-01T00:00:00Z"})
      for cid, name in NAMES.items()],
    _sub("s1", "c1", "e30", "active", "03-01T10:00"),
    _sub("s1", "c1", "e30", "cancelled", "03-01T10:00", effective_at="03-10T09:00",
         cancelled_at="03-10T09:00"),
    _sub("s2", "c2", "e100y", "active", "03-02T00:30"),
    _sub("s2", "c2", "e100y", "cancelled", "03-02T00:30", effective_at="03-15T08:00",
         cancelled_at="03-15T08:00"),
    _sub("s3", "c1", "e90q", "active", "03-05T12:00"),
    _sub("s3", "c1", "e90q", "active", "03-05T12:00", quantity=2, effective_at="03-10T15:00"),
    _sub("s3", "c1", "e90q", "active", "03-05T12:00", effective_at="03-12T11:00"),
    _sub("s3", "c1", "e90q", "paused", "03-05T12:00", effective_at="03-22T10:00"),
    _sub("s4", "c2", "e30", "active", "03-20T10:00"),
    _sub("s4", "c2", "e30", "cancelled", "03-20T10:00", effective_at="03-28T10:00",
         cancelled_at="03-28T10:00", ended_at="04-20T10:00"),
    _sub("s5", "c5", "u50", "active", "03-20T12:00"),
    _sub("s5", "c5", "u50", "active", "03-20T12:00", quantity=2, effective_at="03-28T18:00"),
    _sub("s6", "c3", "e30", "active", "03-01T09:00", trial_ends_at="03-25T00:00"),
    _sub("s7", "c4", "e30", "active", "03-03T09:00", livemode=False),
    _sub("s8", "c1", "o20", "active", "03-26T09:00"),
    _sub("s9", "c2", "e30", "active", "03-27T10:00"),
    _sub("s9", "c2", "e30", "cancelled", "03-27T10:00", effective_at="03-27T18:00",
         cancelled_at="03-27T18:00"),
    _sub("s10", "c1", "e100y", "active", "03-12T16:00"),
    _sub("s10", "c1", "e100y", "cancelled", "03-12T16:00", effective_at="03-22T11:00",
         cancelled_at="03-22T11:00"),
    _sub("s11", "c6", "j12k", "active", "03-18T09:00"),
    _sub("s14", "c6", "e30", "active", "03-18T10:00"),
]  # fmt: skip

# (date, customer, name, currency, type, amount, before, after, subscriptions)
E = [
    ("2024-03-26", "c1", "Acme GmbH", "EUR", "reactivation", "20.00", "0.00", "20.00",
     (("s8", "0.00", "20.00"),)),
    ("2024-03-25", "c3", "=Gamma", "EUR", "new_business", "30.00", "0.00", "30.00",
     (("s6", "0.00", "30.00"),)),
    ("2024-03-22", "c1", "Acme GmbH", "EUR", "churn", "38.33", "38.33", "0.00",
     (("s10", "8.33", "0.00"), ("s3", "30.00", "0.00"))),
    ("2024-03-20", "c2", "Beta, Ltd", "EUR", "reactivation", "30.00", "0.00", "30.00",
     (("s4", "0.00", "30.00"),)),
    ("2024-03-20", "c5", "Epsilon", "USD", "new_business", "50.00", "0.00", "50.00",
     (("s5", "0.00", "50.00"),)),
    ("2024-03-18", "c6", "Zeta KK", "EUR", "new_business", "30.00", "0.00", "30.00",
     (("s14", "0.00", "30.00"),)),
    ("2024-03-18", "c6", "Zeta KK", "JPY", "new_business", "1000", "0", "1000",
     (("s11", "0", "1000"),)),
    ("2024-03-15", "c2", "Beta, Ltd", "EUR", "churn", "8.33", "8.33", "0.00",
     (("s2", "8.33", "0.00"),)),
    ("2024-03-12", "c1", "Acme GmbH", "EUR", "contraction", "21.67", "60.00", "38.33",
     (("s10", "0.00", "8.33"), ("s3", "60.00", "30.00"))),
    ("2024-03-05", "c1", "Acme GmbH", "EUR", "expansion", "30.00", "30.00", "60.00",
     (("s3", "0.00", "30.00"),)),
    ("2024-03-02", "c2", "Beta, Ltd", "EUR", "new_business", "8.33", "0.00", "8.33",
     (("s2", "0.00", "8.33"),)),
    ("2024-03-01", "c1", "Acme GmbH", "EUR", "new_business", "30.00", "0.00", "30.00",
     (("s1", "0.00", "30.00"),)),
]  # fmt: skip
EXPECTED = E


@pytest.fixture
def berlin(engine: Engine, client: httpx.Client, frozen: Frozen) -> tuple[TenantCtx, str]:
    tenant, token = analyst(engine, client, LEDGER, timezone="Europe/Berlin", currency="EUR")
    frozen.clock.now = NOW
    return tenant, token


def log(client: httpx.Client, token: str, **params: Any) -> list[tuple[Any, ...]]:
    body = get(client, token, ACTIVITIES, limit=1000, **params)
    assert body["has_more"] is False and body["next_cursor"] is None
    return [entry_tuple(e) for e in body["data"]]


def test_every_field(client: httpx.Client, berlin: tuple[TenantCtx, str]) -> None:
    _, token = berlin
    body = get(client, token, ACTIVITIES)
    assert body["start_date"] == "2024-02-28"  # default: the 30 days up to today
    assert body["end_date"] == "2024-03-28"
    assert body["livemode"] is True
    assert [entry_tuple(e) for e in body["data"]] == EXPECTED
    assert list(body["data"][0]) == [
        "date",
        "customer",
        "currency",
        "type",
        "amount",
        "mrr_before",
        "mrr_after",
        "subscriptions",
    ]
    assert body["data"][0]["customer"] == {"id": "c1", "name": "Acme GmbH"}
    assert body["data"][0]["subscriptions"] == [
        {"id": "s8", "mrr_before": "0.00", "mrr_after": "20.00"}
    ]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"type": "churn"}, [E[2], E[7]]),
        ({"type": "new_business,reactivation"},
         [E[0], E[1], E[3], E[4], E[5], E[6], E[10], E[11]]),
        ({"type": "expansion", "customer_id": "c2"}, []),
        ({"customer_id": "c2"}, [E[3], E[7], E[10]]),
        ({"customer_id": "c6"}, [E[5], E[6]]),
        ({"currency": "USD"}, [E[4]]),
        ({"currency": "jpy"}, [E[6]]),
        ({"q": "acme"}, [E[0], E[2], E[8], E[9], E[11]]),
        ({"q": "GAM"}, [E[1]]),  # the name "=Gamma"
        ({"q": "c5"}, [E[4]]),  # the id
        ({"q": "beta, l", "type": "churn"}, [E[7]]),
        ({"q": "nobody"}, []),
        ({"q": "  "}, E),  # an empty search box filters nothing
        ({"start_date": "2024-03-12", "end_date": "2024-03-20"}, E[3:9]),
        ({"start_date": "2024-03-20", "end_date": "2024-03-20"}, E[3:5]),
        ({"start_date": "2024-03-27", "end_date": "2024-04-30"}, []),  # s4's end is future
        ({"start_date": "2024-01-01", "end_date": "2024-02-29"}, []),
        # Only product "prod": s8 (product "other") is not there.
        ({"product_id": "prod"}, E[1:]),
        # Only product "other": c1's first MRR under it is new business.
        ({"product_id": "other"},
         [("2024-03-26", "c1", "Acme GmbH", "EUR", "new_business", "20.00", "0.00", "20.00",
           (("s8", "0.00", "20.00"),))]),
        # Only plan e30: s1, s4, s6, s14 (s3's quantity change is another plan's).
        ({"plan_id": "e30"}, [
            E[1],
            ("2024-03-20", "c2", "Beta, Ltd", "EUR", "new_business", "30.00", "0.00", "30.00",
             (("s4", "0.00", "30.00"),)),
            E[5],
            ("2024-03-10", "c1", "Acme GmbH", "EUR", "churn", "30.00", "30.00", "0.00",
             (("s1", "30.00", "0.00"),)),
            E[11],
        ]),
        ({"livemode": "false"},
         [("2024-03-03", "c4", "Delta", "EUR", "new_business", "30.00", "0.00", "30.00",
           (("s7", "0.00", "30.00"),))]),
    ],
)  # fmt: skip
def test_filters(
    client: httpx.Client,
    berlin: tuple[TenantCtx, str],
    params: dict[str, str],
    expected: list[tuple[Any, ...]],
) -> None:
    _, token = berlin
    assert log(client, token, **params) == expected


def test_amounts_add_up(client: httpx.Client, berlin: tuple[TenantCtx, str]) -> None:
    """Every entry: amount = |after - before|, and its subscriptions' changes add up to it."""
    _, token = berlin
    for e in get(client, token, ACTIVITIES, livemode="true")["data"]:
        before, after = (int(e[k].replace(".", "")) for k in ("mrr_before", "mrr_after"))
        assert int(e["amount"].replace(".", "")) == abs(after - before)
        change = sum(
            int(s["mrr_after"].replace(".", "")) - int(s["mrr_before"].replace(".", ""))
            for s in e["subscriptions"]
        )
        assert change == after - before


def test_nothing_after_now(
    client: httpx.Client, berlin: tuple[TenantCtx, str], frozen: Frozen
) -> None:
    """A change dated later today is not in the log until it has happened (the request's
    span ends at "now", exclusive)."""
    _, token = berlin
    assert log(client, token, start_date="2024-03-28", end_date="2024-12-31") == []
    frozen.clock.now = datetime.fromisoformat("2024-03-28T18:00:00+01:00")
    assert log(client, token, start_date="2024-03-28", end_date="2024-12-31") == []
    frozen.clock.now = datetime.fromisoformat("2024-03-28T18:00:00.000001+01:00")
    assert log(client, token, start_date="2024-03-28", end_date="2024-12-31") == [
        ("2024-03-28", "c5", "Epsilon", "USD", "expansion", "50.00", "50.00", "100.00",
         (("s5", "50.00", "100.00"),)),
    ]  # fmt: skip
