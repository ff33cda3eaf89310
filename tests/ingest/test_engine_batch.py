"""The write path below HTTP: Batch chunking, waiting references, all-or-nothing, outcomes."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from billstats.db import tables as t
from billstats.db.dialect import read_transaction, write_transaction
from billstats.errors import ValidationFailed
from billstats.ingest import service
from billstats.ingest.engine import MAX_PROBLEMS, Batch
from billstats.ingest.kinds import KINDS
from tests.conftest import TenantCtx
from tests.ingest.test_payloads import BASE, T0, base_lines, ndjson_body


def _count(engine: Engine, tenant_id: int, kind: str) -> int:
    table = KINDS[kind].table
    with read_transaction(engine) as conn:
        return int(
            conn.execute(
                select(func.count()).select_from(table).where(table.c.tenant_id == tenant_id)
            ).scalar_one()
        )


@pytest.mark.parametrize("chunk_size", [1, 2, 3, 5000])
def test_reverse_order_across_chunks(engine: Engine, tenant: TenantCtx, chunk_size: int) -> None:
    """Dependents arrive chunks before what they reference; they wait for the end."""
    with write_transaction(engine) as conn:
        batch = Batch(conn, tenant.id, chunk_size=chunk_size)
        for n, (kind, data) in enumerate(reversed(BASE), start=1):
            batch.add(kind, dict(data), line=n)
        result = batch.finish()
    assert result.total == len(BASE)
    assert {k: v["created"] for k, v in result.summary().items()} == {
        "affiliates": 1,
        "customers": 2,
        "invoices": 1,
        "partners": 1,
        "payments": 2,
        "plans": 2,
        "products": 1,
        "subscriptions": 2,
        "wallets": 1,
    }
    assert _count(engine, tenant.id, "payments") == 2


@pytest.mark.parametrize("chunk_size", [1, 2, 5000])
def test_repeats_keep_their_order_while_waiting(
    engine: Engine, tenant: TenantCtx, chunk_size: int
) -> None:
    """A repeat of a record that waits for a reference waits too, so the last one wins."""
    lines: list[tuple[str, dict[str, Any]]] = [
        ("customers", {"id": "c1", "name": "First", "partner_id": "pa", "created_at": T0}),
        ("customers", {"id": "c1", "name": "Second", "created_at": T0}),
        ("partners", {"id": "pa", "name": "P", "slug": "p", "created_at": T0}),
    ]
    with write_transaction(engine) as conn:
        batch = Batch(conn, tenant.id, chunk_size=chunk_size)
        for n, (kind, data) in enumerate(lines, start=1):
            batch.add(kind, data, line=n)
        batch.finish()
    with read_transaction(engine) as conn:
        row = (
            conn.execute(select(t.customers).where(t.customers.c.tenant_id == tenant.id))
            .mappings()
            .one()
        )
    assert (row["name"], row["partner_id"]) == ("Second", None)


def test_failed_batch_rolls_back_everything(engine: Engine, tenant: TenantCtx) -> None:
    with pytest.raises(ValidationFailed) as caught, write_transaction(engine) as conn:
        batch = Batch(conn, tenant.id, chunk_size=2)  # early chunks are written...
        for n, (kind, data) in enumerate(BASE, start=1):
            batch.add(kind, dict(data), line=n)
        batch.add(
            "refunds",
            {"id": "r1", "payment_id": "pay", "amount": "99", "created_at": T0},
            line=len(BASE) + 1,
        )
        batch.finish()
    assert [(p.line, p.code) for p in caught.value.problems] == [
        (len(BASE) + 1, "refund_exceeds_payment")
    ]
    for kind in KINDS:  # ... and rolled back with the rest
        assert _count(engine, tenant.id, kind) == 0, kind


def test_problems_are_capped(engine: Engine, tenant: TenantCtx) -> None:
    with pytest.raises(ValidationFailed) as caught, write_transaction(engine) as conn:
        batch = Batch(conn, tenant.id)
        for n in range(MAX_PROBLEMS + 50):
            batch.add("products", {"id": f"p{n}", "name": ""}, line=n + 1)
        batch.finish()
    assert len(caught.value.problems) == MAX_PROBLEMS
    assert caught.value.problems[0].line == 1


def test_import_records_service_with_small_chunks(engine: Engine, tenant: TenantCtx) -> None:
    body = ndjson_body(list(reversed(base_lines())))
    with write_transaction(engine) as conn:
        summary = service.import_records(
            conn, tenant.id, service.iter_ndjson(body.splitlines(keepends=True), 1024), chunk_size=2
        )
    assert summary["records"] == len(BASE)
    with write_transaction(engine) as conn:
        again = service.import_records(
            conn, tenant.id, service.iter_ndjson(body.splitlines(keepends=True), 1024), chunk_size=2
        )
    assert {k: v["unchanged"] for k, v in again["kinds"].items()} == {
        k: v["created"] for k, v in summary["kinds"].items()
    }
    assert all(v["created"] == v["updated"] == 0 for v in again["kinds"].values())


def test_max_records_limit(engine: Engine, tenant: TenantCtx) -> None:
    from billstats.errors import PayloadTooLarge

    body = ndjson_body([("products", {"id": f"p{n}", "name": "P"}) for n in range(5)])
    with pytest.raises(PayloadTooLarge), write_transaction(engine) as conn:
        service.import_records(
            conn, tenant.id, service.iter_ndjson(body.splitlines(), 1024), max_records=4
        )
    assert _count(engine, tenant.id, "products") == 0


def test_single_upsert_outcome(engine: Engine, tenant: TenantCtx) -> None:
    from billstats.ingest.engine import single_upsert

    with write_transaction(engine) as conn:
        first = single_upsert(conn, tenant.id, KINDS["products"], {"id": "p1"}, {"name": "P"})
        again = single_upsert(conn, tenant.id, KINDS["products"], {"id": "p1"}, {"name": "P"})
        changed = single_upsert(conn, tenant.id, KINDS["products"], {"id": "p1"}, {"name": "Q"})
    assert [o.result for o in (first, again, changed)] == ["created", "unchanged", "updated"]
    assert (first.kind, first.key) == ("products", {"id": "p1"})
