"""On SQLite, reading the raw call records of a piece of a day (today up to now) probes the
(tenant, account, started_at) index only for the accounts with a call on that day (from the
``call_account_days`` roll-up), never for every customer of the tenant (100,000 probes per
request at scale 100, 100 ms)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from billstats.config import Settings
from billstats.db.dialect import read_transaction, write_transaction
from billstats.db.engine import make_engine
from billstats.db.migrate import upgrade
from billstats.ingest.service import import_records
from billstats.metrics.native_call_accounts import account_groups
from billstats.metrics.partner_queries import call_groups
from tests.conftest import make_tenant
from tests.metrics.sqlite_plans import captured, query_plans

DAY = date(2025, 1, 2)
BOUNDS = [datetime(2025, 1, 2, tzinfo=UTC), datetime(2025, 1, 3, tzinfo=UTC)]
NOW = datetime(2025, 1, 2, 12, tzinfo=UTC)


@pytest.mark.parametrize("reader", [call_groups, account_groups])
@pytest.mark.parametrize("partner", [None, "pa"])
def test_raw_calls_are_read_for_the_days_calling_accounts(
    tmp_path: Path, reader: Any, partner: str | None
) -> None:
    engine = make_engine(Settings(database_url=f"sqlite:///{tmp_path / 'calls.sqlite3'}"))
    upgrade(engine)
    tenant = make_tenant(engine)
    created = "2025-01-01T00:00:00Z"
    records: list[dict[str, Any]] = [
        {"kind": "partners", "data": {"id": "pa", "name": "P", "slug": "p", "created_at": created}},
        {"kind": "customers", "data": {"id": "c1", "name": "C", "created_at": created,
         "partner_id": "pa"}},
        {"kind": "call_records", "data": {"id": "k1", "account_id": "c1", "direction": "inbound",
         "product": "sip_trunking", "started_at": "2025-01-02T10:00:00Z", "duration_seconds": 60,
         "billed_seconds": 60, "answered": True, "cost": "0.50", "currency": "USD"}},
    ]  # fmt: skip
    with write_transaction(engine) as conn:
        import_records(conn, tenant.id, [(n, r, None) for n, r in enumerate(records, 1)])
    with captured(engine) as statements, read_transaction(engine) as conn:
        found = reader(conn, tenant.id, partner, [DAY], BOUNDS, NOW)
    assert [(g.calls, g.cost) for g in found] == [(1, 500_000)]
    plans = list(query_plans(engine, statements, r"FROM call_records\b").values())
    engine.dispose()
    assert len(plans) == 1, plans
    assert "call_account_days" in plans[0], plans[0]
    assert re.search(r"call_records USING INDEX \S+ \(tenant_id=\? AND account_id=\?", plans[0])
