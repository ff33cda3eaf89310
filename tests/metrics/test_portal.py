"""Portal metrics below HTTP: percentages, discount timing, the next invoice's amount."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine

from billstats.config import Settings
from billstats.db.dialect import read_transaction, write_transaction
from billstats.db.engine import make_engine
from billstats.db.migrate import upgrade
from billstats.errors import NotFound
from billstats.ingest.service import import_records
from billstats.metrics.portal import summarize, usage_percentage
from billstats.metrics.portal_billing import (
    discount_applies,
    discount_since,
    live_subscription,
    next_billing,
    next_invoice_micros,
    usage_charge_micros,
)
from billstats.tenants import repository as tenant_repo
from tests.conftest import TenantCtx, make_tenant
from tests.metrics.sqlite_plans import captured, query_plans

UNIT = 1_000_000
UTC_ZONE = ZoneInfo("UTC")


@pytest.mark.parametrize(
    ("used", "limit", "expected"),
    [
        (0, "10", "0.00"),
        (1 * UNIT, "3", "33.33"),
        (2 * UNIT, "3", "66.67"),
        (12_000 * UNIT, "10000", "100.00"),
        (UNIT, "0.5", "100.00"),
        (UNIT // 8, "1", "12.50"),
        (1_250, "1", "0.12"),  # 0.125 % -> half-even 0.12
        (1_350, "1", "0.14"),  # 0.135 % -> 0.14
        (5 * UNIT, "0", None),
        (10**18, "1e99999999", "0.00"),  # huge exponents stay cheap
        (10**18, "9" * 31, "0.00"),
        (1, "1e-99999999", "100.00"),
        (0, "1e-99999999", "0.00"),
    ],
)
def test_usage_percentage(used: int, limit: str, expected: str | None) -> None:
    result = usage_percentage(used, limit)
    assert result == (None if expected is None else Decimal(expected))


def _version(**over: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "subscription_id": "s",
        "version": 1,
        "effective_at": datetime(2025, 1, 15, tzinfo=UTC),
        "customer_id": "c",
        "plan_id": "p",
        "currency": "USD",
        "quantity": 3,
        "status": "active",
        "started_at": datetime(2025, 1, 15, tzinfo=UTC),
        "trial_ends_at": None,
        "cancelled_at": None,
        "ended_at": None,
        "discount_percent": None,
        "discount_amount": None,
        "discount_duration": None,
        "discount_ends_at": None,
    }
    row.update(over)
    return row


PLAN: dict[str, Any] = {
    "id": "p",
    "name": "Plan",
    "amount": 19_990_000,
    "interval_unit": "month",
    "interval_count": 1,
    "features": [],
    "usage_charges": [
        {"metric_code": "api", "unit_amount": 2_000},  # 0.002
        {"metric_code": "sms", "unit_amount": 50_000},  # 0.05
    ],
}
ONCE = {"discount_amount": 10 * UNIT, "discount_duration": "once"}


def test_discount_since_is_the_start_of_the_last_run() -> None:
    feb20 = datetime(2025, 2, 20, tzinfo=UTC)
    mar16 = datetime(2025, 3, 16, tzinfo=UTC)
    versions = [
        _version(),
        _version(version=2, effective_at=feb20, **ONCE),
        _version(version=3, effective_at=mar16, quantity=2, **ONCE),
    ]
    assert discount_since(versions) == feb20
    # Discount from the first version: since the start, even if recorded later.
    late_first = [_version(effective_at=datetime(2025, 3, 1, tzinfo=UTC), **ONCE)]
    assert discount_since(late_first) == datetime(2025, 1, 15, tzinfo=UTC)
    # Removed and put on again: a new discount.
    again = [
        _version(**ONCE),
        _version(version=2, effective_at=feb20),
        _version(version=3, effective_at=mar16, **ONCE),
    ]
    assert discount_since(again) == mar16


@pytest.mark.parametrize(
    ("versions", "now", "applies", "amount"),
    [
        ([_version(**ONCE)], "2025-01-20", False, Fraction(59_970_000)),
        (
            [
                _version(),
                _version(version=2, effective_at=datetime(2025, 2, 20, tzinfo=UTC), **ONCE),
            ],
            "2025-03-01",
            True,
            Fraction(49_970_000),
        ),
        (
            [
                _version(
                    trial_ends_at=datetime(2025, 1, 29, tzinfo=UTC),
                    status="trialing",
                    discount_percent=50 * UNIT,
                    discount_duration="once",
                )
            ],
            "2025-01-20",
            True,
            Fraction(29_985_000),  # exact: rounding is the caller's single last step
        ),
        (
            [_version(discount_percent=15 * UNIT, discount_duration="forever")],
            "2030-01-01",
            True,
            Fraction(50_974_500),
        ),
        (
            [
                _version(
                    discount_percent=20 * UNIT,
                    discount_duration="repeating",
                    discount_ends_at=datetime(2025, 3, 15, 0, 0, 1, tzinfo=UTC),
                )
            ],
            "2025-03-01",
            True,
            Fraction(47_976_000),
        ),
    ],
)
def test_discount_timing_and_amount(
    versions: list[dict[str, Any]], now: str, applies: bool, amount: Fraction
) -> None:
    at = datetime.fromisoformat(now).replace(tzinfo=UTC)
    sub = live_subscription(versions, PLAN, UTC_ZONE, at)
    assert discount_applies(sub) is applies
    assert next_invoice_micros(sub) == amount


def test_usage_charge_is_exact_and_rounded_once() -> None:
    sub = live_subscription([_version()], PLAN, UTC_ZONE, datetime(2025, 2, 20, tzinfo=UTC))
    usage = {"api": 4_002_500_000, "sms": 30_100_000, "other": 10**12}
    assert usage_charge_micros(sub, usage) == Fraction(9_510_000)
    billed = next_billing(sub, usage, datetime(2025, 2, 20, tzinfo=UTC))
    assert (billed.base_minor, billed.usage_minor, billed.total_minor) == (5997, 951, 6948)


def test_unknown_customer_is_not_found(engine: Engine, tenant: TenantCtx) -> None:
    with read_transaction(engine) as conn:
        found = tenant_repo.get(conn, tenant.id)
        assert found is not None
        with pytest.raises(NotFound):
            summarize(conn, found, "nobody", datetime(2025, 1, 1, tzinfo=UTC))


def test_a_customers_rows_are_found_by_the_customer_indexes(tmp_path: Path) -> None:
    """On SQLite, the portal never walks the tenant's invoices or wallets in key order to find
    one customer's (ORDER BY id made it do so: 80 ms per request at scale 100)."""
    engine = make_engine(Settings(database_url=f"sqlite:///{tmp_path / 'plans.sqlite3'}"))
    upgrade(engine)
    tenant = make_tenant(engine)
    created = "2025-01-01T00:00:00Z"
    records: list[dict[str, Any]] = [
        {"kind": "customers", "data": {"id": "c1", "name": "C", "created_at": created}},
        {"kind": "wallets", "data": {"id": "w1", "customer_id": "c1", "currency": "USD"}},
        {"kind": "invoices", "data": {"id": "i1", "customer_id": "c1", "currency": "USD",
         "status": "open", "billing_reason": "manual", "tax_amount": "5.00", "total": "5.00",
         "issued_at": "2025-01-02T00:00:00Z"}},
    ]  # fmt: skip
    with write_transaction(engine) as conn:
        import_records(conn, tenant.id, [(n, r, None) for n, r in enumerate(records, 1)])
    with captured(engine) as statements, read_transaction(engine) as conn:
        found = tenant_repo.get(conn, tenant.id)
        assert found is not None
        summary = summarize(conn, found, "c1", datetime(2025, 2, 1, tzinfo=UTC))
    assert summary is not None
    plans = query_plans(engine, statements, r"FROM (invoices|wallets)\s")
    engine.dispose()
    assert len(plans) == 2, plans
    for sql, plan in plans.items():
        assert "customer_id" in plan and "ORDER BY" not in sql, (sql, plan)
