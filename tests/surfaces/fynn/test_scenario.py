"""Every field, hand-computed: a Berlin tenant with EUR and USD subscriptions over four days.

Opening MRR (close of 2024-01-29): EUR c2 8.33 (100.00/year) + c3 27.00 (30.00 less a forever
10 %) = 35.33; USD c4 50.00.

| day    | EUR                                     | USD                                   |
|--------|-----------------------------------------|---------------------------------------|
| Jan 30 | 35.33                                   | c4 50 -> 30: churn 20.00 -> 30.00     |
| Jan 31 | c1 new 30.00 at 23:30 local -> 65.33    | 30.00                                 |
| Feb 1  | c2 x3 (25.00): expansion 16.67 -> 82.00 | c1 new 43.33 (10.00/week) -> 73.33    |
| Feb 2  | c3 cancels 00:30 local: churn 27 -> 55  | 73.33                                 |

Test data (c5) and trials (c6) never count.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from tests.conftest import TenantCtx
from tests.surfaces.fynn.conftest import Frozen, fetch, ingest, key, new_tenant, rows


def _plan(pid: str, cur: str, amount: str, unit: str = "month") -> tuple[str, dict[str, Any]]:
    return (
        "plans",
        {"id": pid, "product_id": "prod", "name": pid, "currency": cur, "amount": amount,
         "interval_unit": unit},
    )  # fmt: skip


def _sub(sid: str, cust: str, plan: str, status: str, start: str, **extra: Any) -> Any:
    data = {"id": sid, "customer_id": cust, "plan_id": plan, "status": status,
            "started_at": start, **extra}  # fmt: skip
    return ("subscriptions", data)


LEDGER: list[tuple[str, dict[str, Any]]] = [
    ("products", {"id": "prod", "name": "Prod"}),
    _plan("e30", "EUR", "30.00"), _plan("e100y", "EUR", "100.00", "year"),
    _plan("u10w", "USD", "10.00", "week"), _plan("u50", "USD", "50.00"),
    _plan("u30", "USD", "30.00"), _plan("u1000", "USD", "1000.00"),
    *[("customers", {"id": f"c{i}", "name": f"c{i}", "created_at": "2023-01-01T00:00:00Z"})
      for i in range(1, 7)],
    _sub("s1e", "c1", "e30", "active", "2024-01-31T23:30:00+01:00"),
    _sub("s2", "c2", "e100y", "active", "2024-01-10T00:00:00+01:00"),
    _sub("s2", "c2", "e100y", "active", "2024-01-10T00:00:00+01:00", quantity=3,
         effective_at="2024-02-01T10:00:00+01:00"),
    _sub("s3", "c3", "e30", "active", "2024-01-05T00:00:00+01:00",
         discount={"percent": "10", "duration": "forever"}),
    _sub("s3", "c3", "e30", "cancelled", "2024-01-05T00:00:00+01:00",
         discount={"percent": "10", "duration": "forever"},
         effective_at="2024-02-02T00:30:00+01:00", cancelled_at="2024-02-02T00:30:00+01:00"),
    _sub("s1u", "c1", "u10w", "active", "2024-02-01T12:00:00Z"),
    _sub("s4", "c4", "u50", "active", "2024-01-01T00:00:00Z"),
    _sub("s4", "c4", "u30", "active", "2024-01-01T00:00:00Z",
         effective_at="2024-01-30T15:00:00Z"),
    _sub("s5", "c5", "u1000", "active", "2024-01-01T00:00:00Z", livemode=False),
    _sub("s6", "c6", "u1000", "trialing", "2024-01-20T00:00:00Z",
         trial_ends_at="2024-03-01T00:00:00Z"),
]  # fmt: skip

EXPECTED = [
    ("2024-01-30 00:00:00", "EUR", "35.33", None, None, None),
    ("2024-01-30 00:00:00", "USD", "30.00", "20.00", None, None),
    ("2024-01-31 00:00:00", "EUR", "65.33", None, None, "30.00"),
    ("2024-01-31 00:00:00", "USD", "30.00", None, None, None),
    ("2024-02-01 00:00:00", "EUR", "82.00", None, "16.67", None),
    ("2024-02-01 00:00:00", "USD", "73.33", None, None, "43.33"),
    ("2024-02-02 00:00:00", "EUR", "55.00", "27.00", None, None),
    ("2024-02-02 00:00:00", "USD", "73.33", None, None, None),
]


@pytest.fixture
def berlin(engine: Engine, client: httpx.Client, frozen: Frozen) -> tuple[TenantCtx, str]:
    tenant = new_tenant(engine)
    ingest(client, tenant, LEDGER)
    frozen.clock.now = datetime.fromisoformat("2024-02-10T12:00:00+01:00")
    return tenant, key(engine, tenant, "analytics:read")


def test_every_field(client: httpx.Client, berlin: tuple[TenantCtx, str]) -> None:
    _, token = berlin
    body = fetch(client, token, from_="2024-01-30", to="2024-02-02")
    assert rows(body) == EXPECTED
    assert body["meta"]["pagination"] == {
        "totalItems": 8,
        "itemsPerPage": 30,
        "currentPage": 1,
        "lastPage": 1,
        "pageTotalItems": 8,
    }
    assert list(body["data"][0]) == [
        "date",
        "currency_code",
        "revenue",
        "churn_revenue",
        "expansion_revenue",
        "new_revenue",
    ]


def test_identity_holds_day_by_day(client: httpx.Client, berlin: tuple[TenantCtx, str]) -> None:
    """revenue(d) = revenue(d-1) + new + expansion - churn, in every currency, to the cent."""
    _, token = berlin
    body = fetch(client, token, from_="2024-01-01", to="2024-02-10", limit=100)
    cents: dict[str, int] = {}
    seen = 0
    for p in body["data"]:

        def c(v: str | None) -> int:
            return int(v.replace(".", "")) if v is not None else 0

        prev = cents.get(p["currency_code"])
        now = c(p["revenue"])
        if prev is not None:
            assert now == prev + c(p["new_revenue"]) + c(p["expansion_revenue"]) - c(
                p["churn_revenue"]
            )
            seen += 1
        cents[p["currency_code"]] = now
    assert seen == 2 * 40
    assert cents == {"EUR": 5500, "USD": 7333}


def test_currency_filter(client: httpx.Client, berlin: tuple[TenantCtx, str]) -> None:
    _, token = berlin
    usd = fetch(client, token, from_="2024-01-30", to="2024-02-02", currency="usd")
    assert rows(usd) == [r for r in EXPECTED if r[1] == "USD"]
    assert usd["meta"]["pagination"]["totalItems"] == 4
    gbp = fetch(client, token, from_="2024-01-30", to="2024-02-02", currency="GBP")
    assert gbp["data"] == []
    assert gbp["meta"]["pagination"] == {
        "totalItems": 0,
        "itemsPerPage": 30,
        "currentPage": 1,
        "lastPage": 1,
        "pageTotalItems": 0,
    }


def test_currencies_the_tenant_has_had(client: httpx.Client, berlin: tuple[TenantCtx, str]) -> None:
    """A range before USD revenue began still lists USD (the tenant has had it), at 0.00."""
    _, token = berlin
    body = fetch(client, token, from_="2023-12-01", to="2023-12-01")
    assert rows(body) == [
        ("2023-12-01 00:00:00", "EUR", "0.00", None, None, None),
        ("2023-12-01 00:00:00", "USD", "0.00", None, None, None),
    ]


def test_backdated_change_reshapes_the_series(
    client: httpx.Client, berlin: tuple[TenantCtx, str]
) -> None:
    tenant, token = berlin
    # Recorded now, effective Jan 31 12:00 UTC: c4 back to 50.00 (expansion 20.00 that day).
    body = {"customer_id": "c4", "plan_id": "u50", "status": "active",
            "started_at": "2024-01-01T00:00:00Z",
            "effective_at": "2024-01-31T12:00:00Z"}  # fmt: skip
    response = client.put("/v1/subscriptions/s4", json=body, headers=tenant.headers)
    assert response.status_code == 200, response.text
    usd = fetch(client, token, from_="2024-01-30", to="2024-02-02", currency="USD")
    assert rows(usd) == [
        ("2024-01-30 00:00:00", "USD", "30.00", "20.00", None, None),
        ("2024-01-31 00:00:00", "USD", "50.00", None, "20.00", None),
        ("2024-02-01 00:00:00", "USD", "93.33", None, None, "43.33"),
        ("2024-02-02 00:00:00", "USD", "93.33", None, None, None),
    ]


def test_default_window_and_open_ends(
    client: httpx.Client, berlin: tuple[TenantCtx, str], frozen: Frozen
) -> None:
    _, token = berlin
    # 2024-02-10 23:30 UTC is already Feb 11 in Berlin: "today" is the tenant's.
    frozen.clock.now = datetime.fromisoformat("2024-02-10T23:30:00+00:00")
    default = fetch(client, token, currency="EUR")
    assert [p["date"][:10] for p in default["data"]][::29] == ["2024-01-13", "2024-02-11"]
    assert default["meta"]["pagination"]["totalItems"] == 30
    only_from = fetch(client, token, from_="2024-02-09", currency="EUR")
    assert [p["date"][:10] for p in only_from["data"]] == ["2024-02-09", "2024-02-10", "2024-02-11"]
    only_to = fetch(client, token, to="2024-02-02", currency="EUR")
    assert only_to["data"][0]["date"] == "2024-01-04 00:00:00"
    assert only_to["data"][-1]["date"] == "2024-02-02 00:00:00"
    assert len(only_to["data"]) == 30
    # from in the future with no to: that single day
    ahead = fetch(client, token, from_="2024-03-01", currency="EUR")
    assert rows(ahead) == [("2024-03-01 00:00:00", "EUR", "55.00", None, None, None)]


def test_minor_units_and_rounding(client: httpx.Client, engine: Engine, frozen: Frozen) -> None:
    """JPY shows two decimals, KWD its three; yearly plans divide exactly per subscription."""
    tenant = new_tenant(engine, timezone="Asia/Tokyo")
    ingest(
        client,
        tenant,
        [
            ("products", {"id": "prod", "name": "p"}),
            _plan("jpy", "JPY", "1000", "year"),
            _plan("kwd", "KWD", "1.000", "year"),
            ("customers", {"id": "c", "name": "c", "created_at": "2023-01-01T00:00:00Z"}),
            _sub("j", "c", "jpy", "active", "2024-05-01T00:00:00+09:00"),
            _sub("k", "c", "kwd", "active", "2024-05-01T00:00:00+09:00"),
        ],
    )
    frozen.clock.now = datetime.fromisoformat("2024-05-02T00:00:00+09:00")
    body = fetch(client, key(engine, tenant, "analytics:read"), from_="2024-05-01", to="2024-05-01")
    assert rows(body) == [
        ("2024-05-01 00:00:00", "JPY", "83.00", None, None, "83.00"),  # 1000 / 12 -> 83 yen
        ("2024-05-01 00:00:00", "KWD", "0.083", None, None, "0.083"),
    ]
