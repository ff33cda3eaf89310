"""The bulk helpers of db/dialect.py: lookups by key and plain bulk writes, on both databases.

PostgreSQL takes the rows as one JSON document and the keys as one array; SQLite takes inserts
as one JSON document too, other writes as SQLAlchemy's statements and chunked IN lists.  Either
way the rows stored and found must be exactly the ones given (timestamps to the microsecond,
64-bit integers, NULLs, other tenants left alone), and a lookup must not cost a statement per
few hundred keys on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, event, select, text
from sqlalchemy.exc import IntegrityError

from billstats.db import dialect
from billstats.db import tables as t
from billstats.db.dialect import read_transaction, write_transaction
from tests.conftest import TenantCtx, make_tenant

T0 = datetime(2025, 3, 9, 6, 59, 59, 999_999, tzinfo=UTC)
BIG = 2**62 + 12_345


def customer(tenant_id: int, n: int, **extra: Any) -> dict[str, Any]:
    return {
        "tenant_id": tenant_id,
        "id": f"cus-{n}",
        "name": f"Zoë «{n}»",
        "email": None,
        "phone": None,
        "currency": "EUR",
        "created_at": T0 + timedelta(microseconds=n),
        "is_active": n % 2 == 0,
        "partner_id": None if n % 3 else f"partner-{n % 5}",
        "auth_id": f"auth-{n}",
        **extra,
    }


@contextmanager
def counted(conn: Connection) -> Iterator[list[int]]:
    box = [0]

    def count(*args: Any) -> None:
        box[0] += 1

    event.listen(conn, "before_cursor_execute", count)
    try:
        yield box
    finally:
        event.remove(conn, "before_cursor_execute", count)


def _customers(engine: Engine, tenant_id: int) -> dict[str, dict[str, Any]]:
    c = t.customers
    with read_transaction(engine) as conn:
        rows = conn.execute(select(c).where(c.c.tenant_id == tenant_id)).mappings()
        return {r["id"]: dict(r) for r in rows}


def test_insert_and_update_rows_store_exactly_the_values_given(
    engine: Engine, tenant: TenantCtx
) -> None:
    rows = [customer(tenant.id, n) for n in range(300)]
    with write_transaction(engine) as conn:
        dialect.insert_rows(conn, t.customers, rows)
    assert _customers(engine, tenant.id) == {r["id"]: r for r in rows}
    changed = [
        {**r, "name": "Ñew\nname", "email": "a@b.c", "is_active": not r["is_active"]}
        for r in rows[::3]
    ]
    with write_transaction(engine) as conn:
        dialect.update_rows(conn, t.customers, ("id",), changed)
    expected = {r["id"]: r for r in rows} | {r["id"]: r for r in changed}
    assert _customers(engine, tenant.id) == expected


def test_update_rows_touches_only_its_tenant(engine: Engine, tenant: TenantCtx) -> None:
    other = make_tenant(engine)
    mine = [customer(tenant.id, n) for n in range(70)]
    theirs = [customer(other.id, n) for n in range(70)]
    with write_transaction(engine) as conn:
        dialect.insert_rows(conn, t.customers, mine + theirs)
        dialect.update_rows(conn, t.customers, ("id",), [{**r, "name": "x"} for r in mine])
    assert {r["name"] for r in _customers(engine, tenant.id).values()} == {"x"}
    assert _customers(engine, other.id) == {r["id"]: r for r in theirs}


def test_a_json_column_takes_the_plain_path_with_the_same_result(
    engine: Engine, tenant: TenantCtx
) -> None:
    plans = [
        {
            "tenant_id": tenant.id,
            "id": f"plan-{n}",
            "product_id": "prod",
            "name": "Plan",
            "currency": "USD",
            "amount": BIG - n,
            "interval_unit": "month",
            "interval_count": 1,
            "trial_days": 0,
            "features": [{"code": "seats", "value": n}],
            "usage_charges": [],
        }
        for n in range(80)
    ]
    with write_transaction(engine) as conn:
        dialect.insert_rows(conn, t.plans, plans)
        dialect.update_rows(conn, t.plans, ("id",), [{**p, "amount": 1} for p in plans[:10]])
    with read_transaction(engine) as conn:
        found = dialect.rows_by_keys(conn, t.plans, tenant.id, ("id",), [(p["id"],) for p in plans])
    expected = [{**p, "amount": 1} for p in plans[:10]] + plans[10:]
    assert sorted(found, key=lambda p: str(p["id"])) == sorted(expected, key=lambda p: str(p["id"]))


def test_add_to_rows_adds_sums_and_keeps_the_latest_instant(
    engine: Engine, tenant: TenantCtx
) -> None:
    def rows(amount: int, at: datetime) -> list[dict[str, Any]]:
        return [
            {
                "tenant_id": tenant.id,
                "wallet_id": f"w{n}",
                "amount": amount * n,
                "transactions": 1,
                "last_at": at + timedelta(seconds=n),
            }
            for n in range(100)
        ]

    with write_transaction(engine) as conn:
        first = dialect.add_to_rows(
            conn, t.wallet_totals, ("wallet_id",), rows(BIG // 200, T0), latest=("last_at",)
        )
        later = T0 + timedelta(days=1)
        second = dialect.add_to_rows(
            conn, t.wallet_totals, ("wallet_id",), rows(-3, later), latest=("last_at",)
        )
        third = dialect.add_to_rows(
            conn, t.wallet_totals, ("wallet_id",), rows(0, T0), latest=("last_at",)
        )
    assert sorted(first) == sorted(
        (BIG // 200 * n, 1, T0 + timedelta(seconds=n)) for n in range(100)
    )
    expected = sorted(((BIG // 200 - 3) * n, 2, later + timedelta(seconds=n)) for n in range(100))
    assert sorted(second) == expected
    assert sorted(third) == sorted((a, 3, at) for a, _, at in expected)
    w = t.wallet_totals
    with read_transaction(engine) as conn:
        stored = conn.execute(
            select(w.c.amount, w.c.transactions, w.c.last_at).where(w.c.tenant_id == tenant.id)
        ).all()
    assert sorted(tuple(r) for r in stored) == sorted(third)


def test_rows_by_keys_finds_each_stored_key_once_and_only_in_the_tenant(
    engine: Engine, tenant: TenantCtx
) -> None:
    other = make_tenant(engine)
    with write_transaction(engine) as conn:
        dialect.insert_rows(conn, t.customers, [customer(tenant.id, n) for n in range(2_000)])
        dialect.insert_rows(conn, t.customers, [customer(other.id, n) for n in range(2_500)])
    keys = [(f"cus-{n}",) for n in range(2_500)] + [("cus-7",), ("cus-1999",)]
    with read_transaction(engine) as conn, counted(conn) as sent:
        found = dialect.rows_by_keys(conn, t.customers, tenant.id, ("id",), keys)
        partners = dialect.rows_by_keys(
            conn, t.customers, tenant.id, ("id",), keys[:10], ("id", "partner_id")
        )
    assert sorted(r["id"] for r in found) == sorted(f"cus-{n}" for n in range(2_000))
    assert found == [customer(tenant.id, int(r["id"][4:])) for r in found]
    assert sorted(partners, key=lambda r: r["id"]) == sorted(
        ({"id": f"cus-{n}", "partner_id": customer(0, n)["partner_id"]} for n in range(10)),
        key=lambda r: r["id"],
    )
    # PostgreSQL: one statement each, whatever the number of keys; SQLite: IN lists of 450.
    assert sent[0] == (2 if engine.dialect.name == "postgresql" else 7)


def test_a_key_longer_than_its_column_finds_nothing(engine: Engine, tenant: TenantCtx) -> None:
    """Not the stored key it would be cut to (a cast to varchar(128)[] cuts, silently)."""
    longest = "c" * 128
    with write_transaction(engine) as conn:
        dialect.insert_rows(conn, t.customers, [customer(tenant.id, 1, id=longest)])
        keys = [(longest + "x",), ("c" * 300,)]
        assert dialect.rows_by_keys(conn, t.customers, tenant.id, ("id",), keys) == []
        found = dialect.rows_by_keys(conn, t.customers, tenant.id, ("id",), [(longest,)])
    assert [r["id"] for r in found] == [longest]


def test_rows_by_keys_returns_every_row_of_a_key_that_is_not_unique(
    engine: Engine, tenant: TenantCtx
) -> None:
    refunds = [
        {
            "tenant_id": tenant.id,
            "id": f"ref-{n}",
            "payment_id": f"pay-{n % 40}",
            "amount": n,
            "created_at": T0,
        }
        for n in range(200)
    ]
    with write_transaction(engine) as conn:
        dialect.insert_rows(conn, t.refunds, refunds)
        found = dialect.rows_by_keys(
            conn, t.refunds, tenant.id, ("payment_id",), [("pay-3",), ("pay-39",), ("pay-40",)]
        )
    assert sorted(r["id"] for r in found) == sorted(
        f"ref-{n}" for n in range(200) if n % 40 in (3, 39)
    )


def test_rows_by_keys_with_a_key_of_two_columns(engine: Engine, tenant: TenantCtx) -> None:
    day = date(2024, 2, 28)
    rates = [
        {"tenant_id": tenant.id, "currency": cur, "day": day + timedelta(days=n), "rate": BIG + n}
        for n in range(400)
        for cur in ("EUR", "GBP")
    ]
    with write_transaction(engine) as conn:
        dialect.insert_rows(conn, t.fx_rates, rates)
        keys = [("EUR", day + timedelta(days=n)) for n in range(0, 500, 3)] + [("JPY", day)]
        found = dialect.rows_by_keys(conn, t.fx_rates, tenant.id, ("currency", "day"), keys)
    assert sorted((r["day"], r["rate"]) for r in found) == [
        (day + timedelta(days=n), BIG + n) for n in range(0, 400, 3)
    ]
    assert {r["currency"] for r in found} == {"EUR"}


def test_a_bulk_import_plans_each_statement_for_its_own_values(
    engine: Engine, tenant: TenantCtx
) -> None:
    """PostgreSQL: psycopg prepares a statement sent five times, and the generic plan of
    ``id = ANY($1)`` compares every row with every key (no hashing).  In a bulk import's
    transaction nothing is prepared; once its connection is back in the pool, it prepares
    again (a PUT's statements stay prepared)."""
    if engine.dialect.name != "postgresql":
        pytest.skip("psycopg's prepared statements")
    keys = [(f"cus-{n}",) for n in range(500)]
    prepared = text("SELECT count(*) FROM pg_prepared_statements")

    def lookups(conn: Connection) -> int:
        before = conn.execute(prepared).scalar_one()
        for _ in range(7):
            dialect.rows_by_keys(conn, t.customers, tenant.id, ("id",), keys)
        return int(conn.execute(prepared).scalar_one() - before)

    with write_transaction(engine) as conn:
        raw = conn.connection.driver_connection
        threshold = raw.prepare_threshold  # type: ignore[union-attr]
        assert threshold is not None
        dialect.lock_for_write(conn, tenant.id)
        assert lookups(conn) == 0
    assert raw.prepare_threshold == threshold  # type: ignore[union-attr]
    with write_transaction(engine) as conn:
        dialect.lock_for_write(conn, tenant.id, "customers\x00cus-1")  # a PUT: prepares
        assert lookups(conn) == 1


@contextmanager
def statements(conn: Connection) -> Iterator[list[str]]:
    seen: list[str] = []

    def keep(_conn: Any, _cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(conn, "before_cursor_execute", keep)
    try:
        yield seen
    finally:
        event.remove(conn, "before_cursor_execute", keep)


def test_sqlite_inserts_rows_as_one_json_document(engine: Engine, tenant: TenantCtx) -> None:
    rows = [customer(tenant.id, n) for n in range(500)]
    with write_transaction(engine) as conn, statements(conn) as seen:
        dialect.insert_rows(conn, t.customers, rows)
    if engine.dialect.name == "sqlite":
        assert len(seen) == 1 and "json_each" in seen[0]
    assert _customers(engine, tenant.id) == {r["id"]: r for r in rows}


def test_rows_the_document_cannot_carry_take_the_plain_path(
    engine: Engine, tenant: TenantCtx
) -> None:
    """An instant not in UTC fails the document's statement on SQLite, which is undone whole
    (no row stored twice); NUL and integers past 64 bits never go into a document.  Each row is
    stored as the plain statements store it (NUL only where the database can hold it)."""
    berlin = timezone(timedelta(hours=1))
    odd = [
        customer(tenant.id, 1, created_at=datetime(2025, 1, 1, 0, 30, tzinfo=berlin)),
        customer(tenant.id, 2, name="a\x00b"),
    ]
    for bad in odd if engine.dialect.name == "sqlite" else odd[:1]:
        rows = [customer(tenant.id, n) for n in range(10, 60)] + [bad]
        rows = [{**r, "id": f"{r['id']}-{bad['id']}"} for r in rows]
        with write_transaction(engine) as conn:
            dialect.insert_rows(conn, t.customers, rows)
        stored = _customers(engine, tenant.id)
        for r in rows:
            assert stored[r["id"]] == {**r, "created_at": r["created_at"].astimezone(UTC)}


def test_a_key_that_exists_is_still_an_integrity_error(engine: Engine, tenant: TenantCtx) -> None:
    rows = [customer(tenant.id, n) for n in range(20)]
    with write_transaction(engine) as conn:
        dialect.insert_rows(conn, t.customers, rows)
    with pytest.raises(IntegrityError), write_transaction(engine) as conn:
        dialect.insert_rows(conn, t.customers, [customer(tenant.id, 100), rows[5]])
    assert set(_customers(engine, tenant.id)) == {r["id"] for r in rows}
