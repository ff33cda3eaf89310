"""The read benchmark end to end at a tiny scale, so that it cannot rot: the demo dataset is
generated and bulk-loaded, the server runs in its own process, every endpoint answers 200 to a
few requests (single client and concurrent), and every baseline check finds billstats' numbers
equal to the straight-SQL ones.  Correctness only: nothing here judges speed."""

from __future__ import annotations

import json
import uuid
from datetime import date
from pathlib import Path

from bench.checks import checks_for
from bench.endpoints import windows_for
from sqlalchemy import Engine, Table, func, select

from bench import report, run
from billstats.config import Settings
from billstats.db import tables as t
from billstats.db.dialect import read_transaction

SCALE = 0.05
KIND_TABLES: dict[str, Table] = {
    "customers": t.customers,
    "invoices": t.invoices,
    "payments": t.payments,
    "refunds": t.refunds,
    "usage_events": t.usage_events,
    "call_records": t.call_records,
    "wallet_transactions": t.wallet_transactions,
}


def _count(engine: Engine, table: Table, tenant_id: int) -> int:
    with read_transaction(engine) as conn:
        stmt = select(func.count()).select_from(table).where(table.c.tenant_id == tenant_id)
        return int(conn.execute(stmt).scalar_one())


def test_read_benchmark_runs_and_agrees_with_the_baseline(
    settings: Settings, engine: Engine, tmp_path: Path
) -> None:
    options = run.Options(
        requests=3, concurrent_requests=8, clients=4, budget=60, baseline_repeats=1, warmup=1
    )
    tenant = f"bench-{uuid.uuid4().hex[:8]}"
    results = run.run_once(
        db=engine.dialect.name,
        scale=SCALE,
        options=options,
        database_url=settings.database_url,
        tenant=tenant,
        workdir=tmp_path,
        log=lambda message: None,
    )
    assert run.failed(results) == []

    # The load: every record of the dataset went in, through the bulk path, kind by kind.
    counts = results["load"]["dataset"]["counts"]
    kinds = results["load"]["kinds"]
    assert {k: v["records"] for k, v in kinds.items()} == counts
    assert counts["call_records"] > 4000 and counts["invoices"] > 0
    assert kinds["invoices"]["invoice_lines"] >= counts["invoices"]
    for kind, table in KIND_TABLES.items():
        assert _count(engine, table, results["tenant_id"]) == counts[kind], kind

    # Every endpoint, both phases, answered 200 every time.
    names = [e["name"] for e in results["endpoints"]]
    assert len(names) == len(set(names)) >= 38
    assert {e["group"] for e in results["endpoints"]} == {"vendor", "native", "dashboard"}
    for entry in results["endpoints"]:
        single, concurrent = entry["single"], entry["concurrent"]
        assert single["errors"] == 0 and single["requests"] == 3, entry
        assert concurrent["errors"] == 0 and concurrent["requests"] == 8, entry
        assert 0 < single["p50_ms"] <= single["p99_ms"] <= single["max_ms"]
        assert concurrent["req_per_s"] > 0

    # Every baseline check ran, compared many values and found them equal.
    anchor = date.fromisoformat(results["anchor_date"])
    expected = {c.name for c in checks_for(windows_for(anchor))}
    assert {c["check"] for c in results["baseline"]} == expected
    by_name = {c["check"]: c for c in results["baseline"]}
    assert by_name["MRR, 2 years daily (converted)"]["values_compared"] == 730
    assert by_name["partner analytics, 90 days"]["values_compared"] > 100
    for check in results["baseline"]:
        assert check["equal"], check
        assert check["baseline_seconds"] > 0 and check["billstats_p50_ms"] > 0
        # both from the two times as shown: billstats / baseline, and its inverse
        assert check["ratio"] == round(check["billstats_p50_ms"] / check["baseline_ms"], 4)
        assert check["speedup"] == round(check["baseline_ms"] / check["billstats_p50_ms"], 2)

    assert 20 < results["server"]["peak_rss_mb"] < 4096
    assert set(results["targets"]) == {
        "p99_le_50ms", "req_per_s_ge_500", "speedup_vs_baseline", "ingest_records_per_s",
        "server_rss_le_1gb",
    }  # fmt: skip

    # The results file and the Markdown tables of the docs.
    path = run.write_results(results, tmp_path / "results")
    assert path.name.endswith(f"-{engine.dialect.name}-{SCALE:g}.json")
    assert json.loads(path.read_text())["baseline"] == json.loads(json.dumps(results["baseline"]))
    docs = tmp_path / "performance.md"
    docs.write_text("# Performance\n\nprose kept\n")
    report.update_docs([path], docs)
    report.update_docs([path], docs)  # idempotent: the generated part is replaced, not added
    text = docs.read_text()
    assert text.startswith("# Performance\n\nprose kept\n")
    assert text.count(report.START) == 1 and text.count(report.END) == 1
    assert "| vendor: pabbly today |" in text
    assert "| MRR, 2 years daily (converted) | 730 | yes |" in text

    # --skip-load: the same tenant measured again, the load numbers of the run that loaded it.
    again = run.run_once(
        db=engine.dialect.name,
        scale=SCALE,
        options=run.Options(requests=2, concurrent_requests=2, clients=2, only=("tenant",)),
        database_url=settings.database_url,
        skip_load=True,
        tenant=tenant,
        workdir=tmp_path,
        log=lambda message: None,
    )
    assert again["tenant_id"] == results["tenant_id"]
    assert again["load"]["reused"] is True
    assert again["load"]["kinds"] == results["load"]["kinds"]
    assert [e["name"] for e in again["endpoints"]] == ["dashboard tenant"]
    assert again["baseline"] == [] and run.failed(again) == []
    partial = run.write_results(again, tmp_path / "results")
    assert partial.name.endswith("-partial.json")
    assert list(report.latest([path, partial]).values()) == [json.loads(path.read_text())]
