"""``GET /v1/customers/{id}/metrics`` on the movement log scenario (its table is in
test_activity_scenario.py), every value hand-computed; "now" = 2024-03-28 12:00 Berlin.

c1's EUR closes: 03-01 30.00 (s1), 03-05 60.00 (+ s3), 03-10 60.00 (s1 ends, s3 x2),
03-12 38.33 (s3 x1, + s10), 03-22 0.00 (s3 paused, s10 ends), 03-26 20.00 (s8, product other).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from tests.conftest import Frozen, TenantCtx
from tests.metrics_api.test_activity_scenario import EXPECTED, LEDGER, NOW
from tests.metrics_api.test_activity_support import analyst, entry_tuple, fail, get

FIELDS = ["date", "currency", "mrr", "new_business", "expansion", "contraction", "churn",
          "reactivation"]  # fmt: skip


@pytest.fixture
def client(frozen: Frozen) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=frozen.url, timeout=60) as c:
        yield c


@pytest.fixture
def berlin(engine: Engine, client: httpx.Client, frozen: Frozen) -> tuple[TenantCtx, str]:
    tenant, token = analyst(engine, client, LEDGER, timezone="Europe/Berlin", currency="EUR")
    frozen.clock.now = NOW
    return tenant, token


def metrics(client: httpx.Client, token: str, customer: str, **params: Any) -> dict[str, Any]:
    return get(client, token, f"/v1/customers/{customer}/metrics", **params)


def rows(body: dict[str, Any]) -> list[tuple[Any, ...]]:
    for entry in body["entries"]:
        assert list(entry) == FIELDS
    return [tuple(e[f] for f in FIELDS) for e in body["entries"]]


def _z(day: str, cur: str, mrr: str, zero: str = "0.00") -> tuple[str, ...]:
    return (day, cur, mrr, zero, zero, zero, zero, zero)


def test_weeks(client: httpx.Client, berlin: tuple[TenantCtx, str]) -> None:
    """Weeks start on Monday: 2024-03-01 is a Friday, so the first week is partial; the last
    reads today's close (03-28)."""
    _, token = berlin
    body = metrics(client, token, "c1", interval="week", start_date="2024-03-01",
                   end_date="2024-03-31")  # fmt: skip
    assert body["customer"] == {"id": "c1", "name": "Acme GmbH"}
    assert (body["interval"], body["start_date"], body["end_date"]) == (
        "week",
        "2024-03-01",
        "2024-03-31",
    )
    assert body["livemode"] is True
    assert body["currencies"] == ["EUR"]
    assert rows(body) == [
        ("2024-03-01", "EUR", "30.00", "30.00", "0.00", "0.00", "0.00", "0.00"),
        ("2024-03-04", "EUR", "60.00", "0.00", "30.00", "0.00", "0.00", "0.00"),
        ("2024-03-11", "EUR", "38.33", "0.00", "0.00", "21.67", "0.00", "0.00"),
        ("2024-03-18", "EUR", "0.00", "0.00", "0.00", "0.00", "38.33", "0.00"),
        ("2024-03-25", "EUR", "20.00", "0.00", "0.00", "0.00", "0.00", "20.00"),
    ]
    c1 = [e for e in EXPECTED if e[1] == "c1"]
    assert [entry_tuple(m) for m in body["movements"]] == c1
    assert list(body) == ["customer", "interval", "start_date", "end_date", "livemode",
                          "currencies", "entries", "movements"]  # fmt: skip


def test_months_roll_forward(client: httpx.Client, berlin: tuple[TenantCtx, str]) -> None:
    """A month before any revenue shows 0; a month after today shows today's level and no
    movement; 0 + 30 + 30 - 21.67 - 38.33 + 20 = 20."""
    _, token = berlin
    body = metrics(client, token, "c1", interval="month", start_date="2024-02-01",
                   end_date="2024-04-30")  # fmt: skip
    assert rows(body) == [
        _z("2024-02-01", "EUR", "0.00"),
        ("2024-03-01", "EUR", "20.00", "30.00", "30.00", "21.67", "38.33", "20.00"),
        _z("2024-04-01", "EUR", "20.00"),
    ]


def test_scheduled_churn_is_not_history(
    client: httpx.Client, berlin: tuple[TenantCtx, str], frozen: Frozen
) -> None:
    """c2's s4 ends on 04-20 (cancelled at period end on 03-28): not yet on 03-28; once the
    clock passes 04-20 it is churn in April."""
    _, token = berlin
    query = {"interval": "month", "start_date": "2024-03-01", "end_date": "2024-04-30"}
    march = ("2024-03-01", "EUR", "30.00", "8.33", "0.00", "0.00", "8.33", "30.00")
    assert rows(metrics(client, token, "c2", **query)) == [march, _z("2024-04-01", "EUR", "30.00")]
    frozen.clock.now = datetime.fromisoformat("2024-05-02T00:00:00+02:00")
    assert rows(metrics(client, token, "c2", **query)) == [
        march,
        ("2024-04-01", "EUR", "0.00", "0.00", "0.00", "0.00", "30.00", "0.00"),
    ]


def test_default_range_is_daily_30_days(
    client: httpx.Client, berlin: tuple[TenantCtx, str]
) -> None:
    _, token = berlin
    body = metrics(client, token, "c5")
    assert (body["interval"], body["start_date"], body["end_date"]) == (
        "day",
        "2024-02-28",
        "2024-03-28",
    )
    got = rows(body)
    assert len(got) == 30
    assert got[0] == _z("2024-02-28", "USD", "0.00")
    assert got[21] == ("2024-03-20", "USD", "50.00", "50.00", "0.00", "0.00", "0.00", "0.00")
    # Today: s5's quantity 2 at 18:00 has not happened at 12:00.
    assert got[-1] == _z("2024-03-28", "USD", "50.00")


def test_currencies_date_then_currency(client: httpx.Client, berlin: tuple[TenantCtx, str]) -> None:
    """c6 pays in EUR and JPY (JPY has no decimals)."""
    _, token = berlin
    body = metrics(client, token, "c6", interval="year", start_date="2024-01-01",
                   end_date="2024-12-31")  # fmt: skip
    assert body["currencies"] == ["EUR", "JPY"]
    assert rows(body) == [
        ("2024-01-01", "EUR", "30.00", "30.00", "0.00", "0.00", "0.00", "0.00"),
        ("2024-01-01", "JPY", "1000", "1000", "0", "0", "0", "0"),
    ]
    assert [entry_tuple(m) for m in body["movements"]] == [e for e in EXPECTED if e[1] == "c6"]
    only = metrics(client, token, "c6", interval="year", start_date="2024-01-01",
                   end_date="2024-12-31", currency="JPY")  # fmt: skip
    assert only["currencies"] == ["JPY"]
    assert rows(only) == [("2024-01-01", "JPY", "1000", "1000", "0", "0", "0", "0")]
    assert [m["currency"] for m in only["movements"]] == ["JPY"]


@pytest.mark.parametrize(
    ("customer", "params", "expected"),
    [
        # Product "other": only s8, new business under that product.
        ("c1", {"product_id": "other"},
         [("2024-03-01", "EUR", "20.00", "20.00", "0.00", "0.00", "0.00", "0.00")]),
        # Plan e30: only s1, started 03-01 and cancelled 03-10.
        ("c1", {"plan_id": "e30"},
         [("2024-03-01", "EUR", "0.00", "30.00", "0.00", "0.00", "30.00", "0.00")]),
        ("c1", {"currency": "USD"}, []),
        ("c4", {}, []),  # test data only
        ("c4", {"livemode": "false"},
         [("2024-03-01", "EUR", "30.00", "30.00", "0.00", "0.00", "0.00", "0.00")]),
        # The range before anything happened still lists the currency only when it had MRR.
        ("c1", {"start_date": "2024-01-01", "end_date": "2024-01-31"}, []),
        # A range after its churn still shows the currency (MRR 0).
        ("c2", {"start_date": "2024-03-16", "end_date": "2024-03-19"},
         [_z("2024-03-16", "EUR", "0.00")]),
    ],
)  # fmt: skip
def test_filters(
    client: httpx.Client,
    berlin: tuple[TenantCtx, str],
    customer: str,
    params: dict[str, str],
    expected: list[tuple[str, ...]],
) -> None:
    _, token = berlin
    query = {"interval": "month", "start_date": "2024-03-01", "end_date": "2024-03-31", **params}
    body = metrics(client, token, customer, **query)
    assert rows(body) == expected
    assert body["currencies"] == sorted({r[1] for r in expected})
    moves = body["movements"]
    assert all(m["customer"]["id"] == customer for m in moves)
    for cur in body["currencies"]:
        # The movements add up to the bucket's movements.
        total = {
            t: sum(int(m["amount"].replace(".", "")) for m in moves
                   if m["type"] == t and m["currency"] == cur)
            for t in ("new_business", "expansion", "contraction", "churn", "reactivation")
        }  # fmt: skip
        entry = next(e for e in body["entries"] if e["currency"] == cur)
        assert total == {t: int(entry[t].replace(".", "")) for t in total}


def test_unknown_customer(
    client: httpx.Client, berlin: tuple[TenantCtx, str], engine: Engine
) -> None:
    _, token = berlin
    error = fail(client, 404, token, "/v1/customers/nobody/metrics")
    assert error["code"] == "not_found" and "nobody" in error["message"]
    # Another tenant's key never sees this tenant's customers.
    _, other = analyst(engine, client, [], timezone="UTC", currency="USD")
    for cid in ("c1", "c2", "c6"):
        assert fail(client, 404, other, f"/v1/customers/{cid}/metrics")["code"] == "not_found"
