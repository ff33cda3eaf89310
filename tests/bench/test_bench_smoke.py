"""The ingest benchmark at a tiny scale: it runs end to end and the data it reports is there."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, Table, func, select

from bench import ingest
from billstats.config import Settings
from billstats.db import tables as t
from billstats.db.dialect import read_transaction


def _count(engine: Engine, table: Table, tenant_id: int) -> int:
    with read_transaction(engine) as conn:
        stmt = select(func.count()).select_from(table).where(table.c.tenant_id == tenant_id)
        return int(conn.execute(stmt).scalar_one())


def test_bench_runs_and_loads_what_it_reports(
    settings: Settings, engine: Engine, tmp_path: Path
) -> None:
    records = 2000
    results = ingest.run(records, settings.database_url, requests=20, workdir=tmp_path)
    created = {"created": records, "updated": 0, "unchanged": 0}
    unchanged = {"created": 0, "updated": 0, "unchanged": records}
    for kind in ("call_records", "usage_events"):
        assert results["bulk"][kind]["kinds"] == {kind: created}
        assert results["http"][kind]["kinds"] == {kind: created}
        assert results["bulk_noop"][kind]["kinds"] == {kind: unchanged}
        assert results["http_noop"][kind]["kinds"] == {kind: unchanged}
    for tenant_id in results["tenants"].values():
        assert _count(engine, t.call_records, tenant_id) == records
        assert _count(engine, t.usage_events, tenant_id) == records
    put = results["put"]
    assert put["customers (update)"]["requests"] == 20
    assert put["customers (update)"]["results"] == {"updated": 20}
    assert put["subscriptions (create)"]["results"] == {"created": 20}
    assert _count(engine, t.subscriptions, results["tenants"]["http"]) == 8 + 20 + 20
    assert "| bulk (CLI path) | call_records | 2,000 |" in ingest.table(results)
