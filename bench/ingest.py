"""Ingest benchmark: bulk import (the CLI's path, ``POST /v1/import``) and single ``PUT`` latency.

    .venv/bin/python -m bench.ingest [--records N] [--db sqlite|postgresql] [--database-url URL]

Generates N call records and N usage events (NDJSON) for fresh tenants, imports them through
``billstats.ingest.files.import_file`` (what ``billstats import`` runs) and through
``POST /v1/import`` against uvicorn on loopback, imports everything again (the no-op path), then
times single ``PUT`` requests over one keep-alive connection.  Without ``--database-url`` the
store is a fresh SQLite file or a throwaway PostgreSQL database.  Writes
bench/results/<date>-ingest-<db>.json and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: python bench/ingest.py
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from sqlalchemy import create_engine, text

from bench import machine
from bench.data import write_files
from bench.server import http_import, put_latency, running_server
from billstats.auth.service import create_key
from billstats.config import Settings
from billstats.db.dialect import write_transaction
from billstats.db.engine import make_engine
from billstats.db.migrate import upgrade
from billstats.ingest import files
from billstats.tenants.service import create_tenant

RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_PG = os.environ.get(
    "BILLSTATS_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def bulk_import(settings: Settings, tenant_id: int, path: Path) -> dict[str, Any]:
    """One file through the CLI's path, timed (wall and CPU of this process)."""
    engine = make_engine(settings)
    try:
        wall, cpu = time.perf_counter(), time.process_time()
        with write_transaction(engine) as conn:
            summary = files.import_file(conn, tenant_id, files.describe(path))
        return _timing(summary, time.perf_counter() - wall, time.process_time() - cpu)
    finally:
        engine.dispose()


def _timing(summary: dict[str, Any], wall: float, cpu: float | None = None) -> dict[str, Any]:
    out = {
        "records": summary["records"],
        "seconds": round(wall, 3),
        "records_per_s": round(summary["records"] / wall),
        "kinds": summary["kinds"],
    }
    if cpu is not None:
        out["cpu_seconds"] = round(cpu, 3)
    return out


def _tenant(settings: Settings, label: str) -> tuple[int, str]:
    engine = make_engine(settings)
    try:
        with write_transaction(engine) as conn:
            tenant = create_tenant(conn, f"bench-{label}-{uuid.uuid4().hex[:8]}", "UTC", "USD")
            key = create_key(conn, tenant.id, ["admin"])
        return tenant.id, key["token"]
    finally:
        engine.dispose()


def run(
    records: int, database_url: str, *, requests: int = 1000, workdir: Path | None = None
) -> dict[str, Any]:
    """The whole benchmark against one database; returns the results (see module doc)."""
    settings = Settings(database_url=database_url)
    engine = make_engine(settings)
    upgrade(engine)
    engine.dispose()
    with _folder(workdir) as folder:
        paths = write_files(folder, records)
        bulk_tenant, _ = _tenant(settings, "bulk")
        http_tenant, token = _tenant(settings, "http")
        out: dict[str, Any] = {"tenants": {"bulk": bulk_tenant, "http": http_tenant}}
        bulk_import(settings, bulk_tenant, paths["catalog"])
        out["bulk"] = {
            kind: bulk_import(settings, bulk_tenant, paths[kind])
            for kind in ("call_records", "usage_events")
        }
        out["bulk_noop"] = {
            kind: bulk_import(settings, bulk_tenant, paths[kind])
            for kind in ("call_records", "usage_events")
        }
        with running_server(database_url) as base_url:
            http_import(base_url, token, paths["catalog"])
            out["http"] = {
                kind: _timing(*http_import(base_url, token, paths[kind]))
                for kind in ("call_records", "usage_events")
            }
            out["http_noop"] = {
                kind: _timing(*http_import(base_url, token, paths[kind]))
                for kind in ("call_records", "usage_events")
            }
            out["put"] = put_latency(base_url, token, requests)
    return out


@contextmanager
def _folder(workdir: Path | None) -> Iterator[Path]:
    if workdir is not None:
        workdir.mkdir(parents=True, exist_ok=True)
        yield workdir
        return
    with tempfile.TemporaryDirectory(prefix="billstats-bench-") as tmp:
        yield Path(tmp)


@contextmanager
def _database(db: str, url: str | None) -> Iterator[str]:
    """The given URL, else a fresh SQLite file or a throwaway PostgreSQL database."""
    if url:
        yield url
        return
    if db == "sqlite":
        with tempfile.TemporaryDirectory(prefix="billstats-bench-db-") as tmp:
            yield f"sqlite:///{tmp}/bench.sqlite3"
        return
    admin = create_engine(
        DEFAULT_PG.replace("postgresql://", "postgresql+psycopg://", 1),
        isolation_level="AUTOCOMMIT",
    )
    name = f"billstats_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{DEFAULT_PG.rpartition('/')[0]}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def table(results: dict[str, Any]) -> str:
    """The results as Markdown rows: path, kind, records/s (wall), seconds."""
    lines = [
        "| path | kind | records | seconds | records/s |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    labels = {
        "bulk": "bulk (CLI path)",
        "bulk_noop": "bulk re-import (no-op)",
        "http": "POST /v1/import",
        "http_noop": "POST /v1/import again (no-op)",
    }
    for section, label in labels.items():
        for kind, r in results[section].items():
            lines.append(
                f"| {label} | {kind} | {r['records']:,} | {r['seconds']:.2f} | "
                f"{r['records_per_s']:,} |"
            )
    lines += [
        "",
        "| PUT | requests | median ms | p95 ms | p99 ms |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name, r in results["put"].items():
        lines.append(
            f"| {name} | {r['requests']} | {r['median_ms']:.2f} | {r['p95_ms']:.2f} | "
            f"{r['p99_ms']:.2f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--records",
        type=int,
        default=1_000_000,
        help="call records and usage events each (default 1,000,000)",
    )
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--database-url", help="use this database instead of a fresh one")
    parser.add_argument("--requests", type=int, default=1000, help="PUT requests per kind")
    parser.add_argument("--workdir", type=Path, help="keep the generated files here")
    parser.add_argument("--output", type=Path, help="results file (default bench/results/...)")
    args = parser.parse_args(argv)
    before = machine.describe()
    with _database(args.db, args.database_url) as url:
        started = time.perf_counter()
        results = run(args.records, url, requests=args.requests, workdir=args.workdir)
        elapsed = time.perf_counter() - started
        results["machine"] = machine.describe(url)
    results["machine"]["load_average_before"] = before["load_average"]
    results.update(
        date=datetime.now(UTC).isoformat(timespec="seconds"),
        db=args.db,
        records_per_kind=args.records,
        total_seconds=round(elapsed, 1),
    )
    output = args.output or RESULTS / f"{datetime.now(UTC):%Y-%m-%d}-ingest-{args.db}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, indent=2) + "\n")
    print(table(results))
    print(f"\nresults: {output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
