"""Another tenant's key never sees this tenant's revenue."""

from __future__ import annotations

from datetime import datetime

import httpx
from sqlalchemy import Engine

from tests.surfaces.fynn.conftest import Frozen, fetch, ingest, key, new_tenant, rows
from tests.surfaces.fynn.test_scenario import EXPECTED, LEDGER


def test_other_tenant_sees_none_of_it(client: httpx.Client, engine: Engine, frozen: Frozen) -> None:
    owner, other = new_tenant(engine), new_tenant(engine)
    ingest(client, owner, LEDGER)
    frozen.clock.now = datetime.fromisoformat("2024-02-10T12:00:00+01:00")
    window = {"from_": "2024-01-30", "to": "2024-02-02"}
    assert rows(fetch(client, key(engine, owner, "analytics:read"), **window)) == EXPECTED
    # The other tenant: nothing, whatever the filter.
    token = key(engine, other, "analytics:read")
    for extra in ({}, {"currency": "EUR"}, {"currency": "USD"}):
        body = fetch(client, token, **window, **extra)
        assert body["data"] == []
        assert body["meta"]["pagination"]["totalItems"] == 0
    # With its own (same ids!) subscription it sees only its own numbers.
    ingest(
        client,
        other,
        [
            ("products", {"id": "prod", "name": "Prod"}),
            ("plans", {"id": "e30", "product_id": "prod", "name": "e30", "currency": "EUR",
                       "amount": "12.00", "interval_unit": "month"}),
            ("customers", {"id": "c1", "name": "c1", "created_at": "2023-01-01T00:00:00Z"}),
            ("subscriptions", {"id": "s1e", "customer_id": "c1", "plan_id": "e30",
                               "status": "active", "started_at": "2024-01-31T23:30:00+01:00"}),
        ],
    )  # fmt: skip
    assert rows(fetch(client, token, **window)) == [
        ("2024-01-30 00:00:00", "EUR", "0.00", None, None, None),
        ("2024-01-31 00:00:00", "EUR", "12.00", None, None, "12.00"),
        ("2024-02-01 00:00:00", "EUR", "12.00", None, None, None),
        ("2024-02-02 00:00:00", "EUR", "12.00", None, None, None),
    ]
    # and the owner's figures did not move.
    assert rows(fetch(client, key(engine, owner, "analytics:read"), **window)) == EXPECTED
