"""Subscriptions written a group at a time equal subscriptions written one record at a time.

A bulk import applies the payloads of many subscriptions together (versions.apply_subscriptions:
their current rows and stored versions read at once, the new ones written together).  Random
histories (undated and dated changes, backdating before the first version and between versions,
repeats of the state in effect, repeats of the undated first payload, changes of livemode) are
imported into one tenant as one batch and into another one record per batch; every version,
every current row, every result and the usage roll-up (which follows a subscription's mode)
must be the same.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, Table, select

from billstats.db import tables as t
from billstats.db.dialect import read_transaction, write_transaction
from billstats.ingest.engine import Batch
from tests.conftest import make_tenant

NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)
START = datetime(2025, 1, 1, tzinfo=UTC)
SUBSCRIPTIONS = 25

CATALOG: list[tuple[str, dict[str, Any]]] = [
    ("products", {"id": "prod", "name": "Product"}),
    *(
        (
            "plans",
            {
                "id": plan,
                "product_id": "prod",
                "name": plan,
                "currency": "USD",
                "amount": "10",
                "interval_unit": "month",
            },
        )
        for plan in ("plan-a", "plan-b")
    ),
    *(
        ("customers", {"id": f"cus-{n}", "name": "C", "created_at": START.isoformat()})
        for n in range(SUBSCRIPTIONS)
    ),
]


def history(rng: random.Random) -> list[tuple[str, dict[str, Any]]]:
    """Payloads of every subscription, each subscription's in order, the subscriptions mixed."""
    per_sub: list[list[dict[str, Any]]] = []
    for n in range(SUBSCRIPTIONS):
        started = START + timedelta(days=rng.randrange(60))
        first = {
            "id": f"sub-{n}",
            "customer_id": f"cus-{n}",
            "plan_id": "plan-a",
            "status": "active",
            "started_at": started.isoformat(),
        }
        if rng.random() < 0.3:
            first["effective_at"] = (started + timedelta(days=rng.randrange(-5, 5))).isoformat()
        payloads: list[dict[str, Any]] = [first]
        for _ in range(rng.randrange(6)):
            change: dict[str, Any] = rng.choice(
                [
                    {**first},  # the undated first payload again, or a return to it
                    {**payloads[-1]},  # the state in effect again
                    {**first, "quantity": rng.randrange(1, 4)},
                    {**first, "plan_id": "plan-b", "status": "past_due"},
                    {**first, "livemode": False},
                ]
            )
            change.pop("effective_at", None)
            if rng.random() < 0.7:
                days = rng.choice([-10, 0, 1, 15, 40, 200])
                change["effective_at"] = (started + timedelta(days=days)).isoformat()
            payloads.append(change)
        per_sub.append(payloads)
    out: list[tuple[str, dict[str, Any]]] = []
    while any(per_sub):
        queue = rng.choice([p for p in per_sub if p])
        out.append(("subscriptions", queue.pop(0)))
        for n in range(rng.randrange(2)):  # usage events follow the subscription's mode
            sub = out[-1][1]
            event = {
                "id": f"evt-{len(out)}-{n}",
                "customer_id": sub["customer_id"],
                "subscription_id": sub["id"],
                "metric_code": "api_calls",
                "quantity": "1",
                "timestamp": (START + timedelta(hours=len(out))).isoformat(),
            }
            out.append(("usage_events", event))
    return out


def _rows(engine: Engine, table: Table, tenant_id: int) -> list[dict[str, Any]]:
    with read_transaction(engine) as conn:
        found = conn.execute(select(table).where(table.c.tenant_id == tenant_id)).mappings()
        rows = [{k: v for k, v in r.items() if k != "tenant_id"} for r in found]
    return sorted(rows, key=lambda r: sorted((k, str(v)) for k, v in r.items()))


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_a_batch_of_histories_equals_one_record_at_a_time(engine: Engine, seed: int) -> None:
    records = CATALOG + history(random.Random(seed))
    together, apart = make_tenant(engine), make_tenant(engine)
    with write_transaction(engine) as conn:
        batch = Batch(conn, together.id, chunk_size=20_000, now=NOW)
        for kind, data in records:
            batch.add(kind, dict(data))
        summary = batch.finish().summary()
    counts: dict[str, dict[str, int]] = {}
    with write_transaction(engine) as conn:
        for kind, data in records:
            single = Batch(conn, apart.id, now=NOW)
            single.add(kind, dict(data))
            for name, result in single.finish().summary().items():
                for outcome, n in result.items():
                    per_kind = counts.setdefault(name, {})
                    per_kind[outcome] = per_kind.get(outcome, 0) + n
    assert summary == counts
    assert summary["subscriptions"]["updated"] > 0
    assert summary["subscriptions"]["unchanged"] > 0
    for table in (t.subscription_versions, t.subscriptions, t.usage_days):
        assert _rows(engine, table, together.id) == _rows(engine, table, apart.id), table.name
