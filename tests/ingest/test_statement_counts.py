"""A bulk import sends a handful of statements per chunk, never one (or several) per record.

Each kind is imported as 1,000 records in one chunk, then the same file again (every record
unchanged), then a changed copy where the kind can change.  The statements SQLAlchemy sends are
counted on the import's connection; on PostgreSQL every parameter set of an executemany counts
(psycopg runs each as a statement of its own), on SQLite an executemany counts once (one call
into the in-process library, no round trips).  The append-only kinds' documents go straight to
the driver and are not counted (a fixed two statements per chunk at most).

The bound is far below 1,000: a write path that went back to a statement or a lookup per
record (as subscriptions did: 5-6 statements each; lookups: one per 450 keys) fails here.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, event, func, select

from billstats.db import tables as t
from billstats.db.dialect import read_transaction, write_transaction
from billstats.ingest.service import import_records
from tests.conftest import TenantCtx

N = 1000
BOUND = 40
START = datetime(2025, 1, 1, tzinfo=UTC)

Record = tuple[str, dict[str, Any]]


def _at(n: int, hours: int = 0) -> str:
    return (START + timedelta(hours=7 * n + hours)).isoformat()


def catalog() -> list[Record]:
    return [
        ("products", {"id": "prod", "name": "Product"}),
        (
            "plans",
            {
                "id": "plan",
                "product_id": "prod",
                "name": "Plan",
                "currency": "USD",
                "amount": "10",
                "interval_unit": "month",
            },
        ),
        ("partners", {"id": "partner", "name": "Partner", "slug": "partner", "created_at": _at(0)}),
        ("affiliates", {"id": "aff", "name": "Affiliate"}),
    ]


def customers(name: str = "Customer", count: int = N) -> list[Record]:
    return [
        (
            "customers",
            {
                "id": f"cus-{n}",
                "name": f"{name} {n}",
                "created_at": _at(0),
                **({"partner_id": "partner"} if n % 3 == 0 else {}),
            },
        )
        for n in range(count)
    ]


def subscriptions(
    status: str = "active", effective: int | None = None, count: int = N
) -> list[Record]:
    out: list[Record] = []
    for n in range(count):
        data: dict[str, Any] = {
            "id": f"sub-{n}",
            "customer_id": f"cus-{n}",
            "plan_id": "plan",
            "status": status,
            "started_at": _at(n),
        }
        if n % 4 == 0:
            data["affiliate_id"] = "aff"
        if effective is not None:
            data["effective_at"] = _at(n, effective)
        out.append(("subscriptions", data))
    return out


def invoices(status: str = "paid") -> list[Record]:
    return [
        (
            "invoices",
            {
                "id": f"inv-{n}",
                "customer_id": f"cus-{n}",
                "subscription_id": f"sub-{n}",
                "currency": "USD",
                "status": status,
                "issued_at": _at(n),
                "paid_at": _at(n, 1) if status == "paid" else None,
                "lines": [
                    {"type": "subscription", "amount": "10"},
                    {"type": "one_time", "amount": f"{n % 7}"},
                ],
                "total": f"{10 + n % 7}",
            },
        )
        for n in range(N)
    ]


def payments(amount: str = "20") -> list[Record]:
    return [
        (
            "payments",
            {
                "id": f"pay-{n}",
                "customer_id": f"cus-{n}",
                "invoice_id": f"inv-{n}",
                "amount": amount,
                "currency": "USD",
                "status": "succeeded",
                "created_at": _at(n, 2),
            },
        )
        for n in range(N)
    ]


def refunds(amount: str = "1") -> list[Record]:
    return [
        (
            "refunds",
            {"id": f"ref-{n}", "payment_id": f"pay-{n}", "amount": amount, "created_at": _at(n, 3)},
        )
        for n in range(N)
    ]


def wallets(status: str = "active") -> list[Record]:
    return [
        (
            "wallets",
            {"id": f"wal-{n}", "customer_id": f"cus-{n}", "currency": "USD", "status": status},
        )
        for n in range(N)
    ]


def appended() -> list[Record]:
    out: list[Record] = []
    for n in range(N):
        out.append(
            (
                "wallet_transactions",
                {
                    "id": f"wtx-{n}",
                    "wallet_id": f"wal-{n % 50}",
                    "amount": "1.5",
                    "created_at": _at(n),
                },
            )
        )
        out.append(
            (
                "usage_events",
                {
                    "id": f"evt-{n}",
                    "customer_id": f"cus-{n}",
                    "subscription_id": f"sub-{n}",
                    "metric_code": "api_calls",
                    "quantity": "2",
                    "timestamp": _at(n),
                },
            )
        )
        out.append(
            (
                "call_records",
                {
                    "id": f"call-{n}",
                    "account_id": f"cus-{n}",
                    "direction": "outbound" if n % 2 else "inbound",
                    "product": "voice_api",
                    "started_at": _at(n),
                    "duration_seconds": 61,
                    "billed_seconds": 120,
                    "answered": n % 5 != 0,
                    "cost": "0.0125",
                    "currency": "USD",
                },
            )
        )
    return out


def fx_rates(rate: str = "1.08") -> list[Record]:
    day = date(2024, 1, 1)
    return [
        (
            "fx_rates",
            {"currency": "EUR", "date": (day + timedelta(days=n)).isoformat(), "rate": rate},
        )
        for n in range(N)
    ]


@contextmanager
def counted(conn: Connection, sqlite: bool) -> Iterator[list[int]]:
    box = [0]

    def count(*args: Any) -> None:
        params, executemany = args[3], args[5]
        many = executemany and isinstance(params, (list, tuple)) and not sqlite
        box[0] += len(params) if many else 1

    event.listen(conn, "before_cursor_execute", count)
    try:
        yield box
    finally:
        event.remove(conn, "before_cursor_execute", count)


def _import(engine: Engine, tenant_id: int, records: list[Record]) -> tuple[int, dict[str, Any]]:
    lines = [
        (n, {"kind": kind, "data": dict(data)}, None) for n, (kind, data) in enumerate(records)
    ]
    with write_transaction(engine) as conn, counted(conn, engine.dialect.name == "sqlite") as box:
        summary = import_records(conn, tenant_id, lines, chunk_size=20_000)
    return box[0], summary["kinds"]


def _steps() -> list[tuple[str, list[Record], list[Record] | None]]:
    """(name, records, changed records or None) in dependency order."""
    return [
        ("fx_rates", fx_rates(), fx_rates("1.09")),
        ("customers", customers(), customers("Renamed")),
        ("subscriptions", subscriptions(), subscriptions("past_due", effective=5)),
        ("invoices", invoices(), invoices("open")),
        ("payments", payments(), payments("25")),
        ("refunds", refunds(), refunds("2")),
        ("wallets", wallets(), wallets("terminated")),
        ("appended", appended(), None),
    ]


def test_a_1000_record_import_sends_a_bounded_number_of_statements(
    engine: Engine, tenant: TenantCtx
) -> None:
    _import(engine, tenant.id, catalog())
    sent: dict[str, tuple[int, int, int | None]] = {}
    for name, records, changed in _steps():
        first, kinds = _import(engine, tenant.id, records)
        assert sum(v["created"] for v in kinds.values()) == len(records), name
        again, kinds = _import(engine, tenant.id, records)
        assert sum(v["unchanged"] for v in kinds.values()) == len(records), name
        third = None
        if changed is not None:
            third, kinds = _import(engine, tenant.id, changed)
            assert sum(v["updated"] for v in kinds.values()) == len(changed), name
        sent[name] = (first, again, third)
    # Every customer moves to the other partner (or to none), taking its calls along.
    moved = [
        (kind, {**data, "partner_id": None if "partner_id" in data else "partner"})
        for kind, data in customers()
    ]
    moving, kinds = _import(engine, tenant.id, moved)
    assert kinds["customers"]["updated"] == N
    sent["partner moves"] = (moving, 0, None)
    too_many = {
        name: counts for name, counts in sent.items() if max(c or 0 for c in counts) > BOUND
    }
    assert not too_many, f"statements per 1,000-record import above {BOUND}: {too_many}"
    with read_transaction(engine) as conn:
        versions = conn.execute(
            select(func.count())
            .select_from(t.subscription_versions)
            .where(t.subscription_versions.c.tenant_id == tenant.id)
        ).scalar_one()
        lines = conn.execute(
            select(func.count())
            .select_from(t.invoice_lines)
            .where(t.invoice_lines.c.tenant_id == tenant.id)
        ).scalar_one()
        calls = dict(
            conn.execute(
                select(t.call_days.c.partner_id, func.sum(t.call_days.c.calls))
                .where(t.call_days.c.tenant_id == tenant.id)
                .group_by(t.call_days.c.partner_id)
            ).all()
        )
    assert versions == 2 * N  # each subscription: its first version and the change
    assert lines == 2 * N
    assert calls == {"partner": N - len(range(0, N, 3)), "": len(range(0, N, 3))}


@pytest.mark.parametrize("size", [1, 2_000])
def test_subscription_statements_do_not_grow_with_their_number(
    engine: Engine, tenant: TenantCtx, size: int
) -> None:
    """Creating 1 or 2,000 subscriptions, then changing each, sends the same statements (give
    or take the chunks of SQLite's IN lists)."""
    _import(engine, tenant.id, catalog())
    _import(engine, tenant.id, customers(count=size))
    created, kinds = _import(engine, tenant.id, subscriptions(count=size))
    assert kinds["subscriptions"]["created"] == size
    updated, kinds = _import(engine, tenant.id, subscriptions("past_due", 9, count=size))
    assert kinds["subscriptions"]["updated"] == size
    slack = 3 * (size // 225) if engine.dialect.name == "sqlite" else 0
    assert (created, updated) <= (16 + slack, 16 + slack)
