"""Tenants never see each other: two tenants with the same customer ids, each key sees only
its own log, cohorts and customers; a cursor never crosses tenants."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import Engine

from tests.conftest import Frozen
from tests.metrics_api.test_activity_scenario import EXPECTED, LEDGER, NOW
from tests.metrics_api.test_activity_support import (
    ACTIVITIES,
    COHORTS,
    Lines,
    analyst,
    entry_tuple,
    fail,
    get,
)

# The other tenant: its own c1 (another name, in USD) and a payment.
OTHER: Lines = [
    ("products", {"id": "prod", "name": "Prod"}),
    ("plans", {"id": "e30", "product_id": "prod", "name": "x", "currency": "USD",
               "amount": "99.00", "interval_unit": "month"}),
    ("customers", {"id": "c1", "name": "Other One", "created_at": "2024-01-01T00:00:00Z"}),
    ("subscriptions", {"id": "s1", "customer_id": "c1", "plan_id": "e30", "status": "active",
                       "started_at": "2024-03-07T12:00:00Z"}),
    ("payments", {"id": "P1", "customer_id": "c1", "amount": "99.00", "currency": "USD",
                  "status": "succeeded", "created_at": "2024-03-07T12:00:00Z"}),
]  # fmt: skip


@pytest.fixture
def client(frozen: Frozen) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=frozen.url, timeout=60) as c:
        yield c


def test_each_key_sees_its_own_tenant(engine: Engine, client: httpx.Client, frozen: Frozen) -> None:
    _, mine = analyst(engine, client, LEDGER, timezone="Europe/Berlin", currency="EUR")
    _, theirs = analyst(engine, client, OTHER, timezone="UTC", currency="USD")
    frozen.clock.now = NOW

    assert [entry_tuple(e) for e in get(client, mine, ACTIVITIES)["data"]] == EXPECTED
    assert [entry_tuple(e) for e in get(client, theirs, ACTIVITIES)["data"]] == [
        ("2024-03-07", "c1", "Other One", "USD", "new_business", "99.00", "0.00", "99.00",
         (("s1", "0.00", "99.00"),)),
    ]  # fmt: skip
    # Their key does not find my customers by id or by name, nor my products and plans.
    for params in ({"q": "acme"}, {"q": "c2"}, {"currency": "EUR"}):
        assert get(client, theirs, ACTIVITIES, **params)["data"] == []
    assert fail(client, 404, theirs, ACTIVITIES, customer_id="c2")["code"] == "not_found"
    assert fail(client, 404, theirs, ACTIVITIES, product_id="other")["code"] == "not_found"
    assert fail(client, 404, theirs, ACTIVITIES, plan_id="e100y")["code"] == "not_found"
    # The same customer id is each tenant's own customer.
    mine_c1 = get(client, mine, "/v1/customers/c1/metrics", start_date="2024-03-01")
    theirs_c1 = get(client, theirs, "/v1/customers/c1/metrics", start_date="2024-03-01")
    assert (mine_c1["customer"]["name"], mine_c1["currencies"]) == ("Acme GmbH", ["EUR"])
    assert (theirs_c1["customer"]["name"], theirs_c1["currencies"]) == ("Other One", ["USD"])
    assert [m["subscriptions"][0]["id"] for m in theirs_c1["movements"]] == ["s1"]
    assert fail(client, 404, theirs, "/v1/customers/c6/metrics")["code"] == "not_found"
    # Cohorts: their one payment only (the scenario tenant has no payments at all).
    body = get(client, theirs, COHORTS, start_date="2024-03-01", end_date="2024-03-31")
    assert [(c["cohort"], c["customers"]) for c in body["cohorts"]] == [("2024-03", 1)]
    body = get(client, mine, COHORTS, start_date="2024-03-01", end_date="2024-03-31")
    assert [(c["cohort"], c["customers"]) for c in body["cohorts"]] == [("2024-03", 0)]
    # A cursor of my log is refused under their key, with the very same query.
    cursor = get(client, mine, ACTIVITIES, limit=1)["next_cursor"]
    assert fail(client, 400, theirs, ACTIVITIES, limit=1, cursor=cursor)["code"] == (
        "invalid_cursor"
    )
    assert get(client, mine, ACTIVITIES, limit=1, cursor=cursor)["data"]
