"""Crash safety: the real server is killed with SIGKILL in the middle of writes.

Every write that was acknowledged must be there after the crash; a write that was not
acknowledged is either wholly there or wholly absent; derived data (each subscription's current
row, and every daily roll-up) equals a recomputation.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from sqlalchemy import Engine, func, select

from billstats.config import Settings
from billstats.db import tables as t
from billstats.db.dialect import read_transaction, write_transaction
from billstats.ingest.rollups import rebuild
from tests.conftest import TenantCtx, _free_port, make_tenant

BATCHES = 12
PER_BATCH = 10_000
ROLLUPS = (
    t.call_days, t.call_account_days, t.wallet_totals, t.payment_days, t.refund_days,
    t.invoice_days, t.invoice_event_days, t.usage_days,
)  # fmt: skip


def _rollups(engine: Engine, tenant_id: int) -> dict[str, list[tuple[Any, ...]]]:
    with read_transaction(engine) as conn:
        return {
            table.name: sorted(
                tuple(row)
                for row in conn.execute(select(table).where(table.c.tenant_id == tenant_id))
            )
            for table in ROLLUPS
        }


def assert_rollups_are_a_recomputation(engine: Engine, tenant_id: int) -> None:
    """The roll-ups the crashed server left equal the ones rebuilt from the raw rows."""
    kept = _rollups(engine, tenant_id)
    with write_transaction(engine) as conn:
        rebuild(conn, tenant_id)
    assert _rollups(engine, tenant_id) == kept


@contextmanager
def server_process(database_url: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``uvicorn billstats.app:create_app`` in its own process, as deployed."""
    port = _free_port()
    env = {**os.environ, "BILLSTATS_DATABASE_URL": database_url, "BILLSTATS_LOG_REQUESTS": "0"}
    command = [sys.executable, "-m", "uvicorn", "billstats.app:create_app", "--factory"]
    command += ["--port", str(port), "--log-level", "warning", "--http", "h11"]
    proc = subprocess.Popen(command, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, "server did not start"
            time.sleep(0.05)
        yield url, proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def _batch(n: int) -> bytes:
    lines = (
        json.dumps(
            {
                "kind": "usage_events",
                "data": {
                    "id": f"b{n:02d}-{i:06d}",
                    "customer_id": "crash-c",
                    "metric_code": "api_calls",
                    "quantity": "1.5",
                    "timestamp": "2026-01-01T00:00:00Z",
                },
            }
        )
        for i in range(PER_BATCH)
    )
    return "\n".join(lines).encode()


def _events_per_batch(engine: Engine, tenant_id: int) -> dict[int, int]:
    u = t.usage_events
    prefix = func.substr(u.c.id, 2, 2)
    query = select(prefix, func.count()).where(u.c.tenant_id == tenant_id).group_by(prefix)
    with engine.connect() as conn:
        return {int(p): n for p, n in conn.execute(query)}


def test_bulk_import_killed_midway(settings: Settings, engine: Engine) -> None:
    tenant: TenantCtx = make_tenant(engine)
    headers = {**tenant.headers, "Content-Type": "application/x-ndjson"}
    acknowledged: list[int] = []
    bodies = [_batch(n) for n in range(BATCHES)]
    with server_process(settings.database_url) as (url, proc):
        customer = {"name": "C", "created_at": "2026-01-01T00:00:00Z"}
        put = httpx.put(f"{url}/v1/customers/crash-c", json=customer, headers=tenant.headers)
        assert put.status_code == 201

        def send() -> None:
            with httpx.Client(base_url=url, timeout=60) as client:
                for n, body in enumerate(bodies):
                    try:
                        response = client.post("/v1/import", content=body, headers=headers)
                    except httpx.TransportError:
                        return  # the server is gone
                    assert response.status_code == 200, response.text
                    assert response.json()["records"] == PER_BATCH
                    acknowledged.append(n)

        sender = threading.Thread(target=send)
        sender.start()
        while len(acknowledged) < 3 and sender.is_alive():
            time.sleep(0.01)
        time.sleep(0.05)  # into the next batch
        os.kill(proc.pid, signal.SIGKILL)
        sender.join(timeout=60)
    assert 3 <= len(acknowledged) < BATCHES, "the kill must land in the middle of the stream"
    present = _events_per_batch(engine, tenant.id)
    for n in acknowledged:
        assert present.get(n) == PER_BATCH, f"acknowledged batch {n} is not wholly there"
    for n, count in present.items():
        assert count == PER_BATCH, f"batch {n} is partly there ({count} of {PER_BATCH})"
    # The usage roll-up holds exactly the batches that are there.
    usage = _rollups(engine, tenant.id)["usage_days"]
    assert [(row[2], row[4]) for row in usage] == [("api_calls", sum(present.values()))], usage
    assert_rollups_are_a_recomputation(engine, tenant.id)
    # The server comes back on the same data and reads it.
    with server_process(settings.database_url) as (url, _):
        listing = httpx.get(f"{url}/v1/usage_events?limit=1", headers=tenant.headers)
        assert listing.status_code == 200 and len(listing.json()["data"]) == 1


def _subscription(version: int) -> dict[str, Any]:
    return {
        "customer_id": "crash-c",
        "plan_id": "crash-p",
        "quantity": version,
        "status": "active",
        "started_at": "2026-01-01T00:00:00Z",
        "effective_at": f"2026-01-01T00:{version // 60:02d}:{version % 60:02d}Z",
    }


def test_concurrent_upserts_killed_midway(settings: Settings, engine: Engine) -> None:
    tenant = make_tenant(engine)
    acked: dict[str, int] = {}  # subscription id -> highest acknowledged quantity
    lock = threading.Lock()
    stop = threading.Event()
    with server_process(settings.database_url) as (url, proc):
        setup = [
            ("products", "crash-prod", {"name": "P"}),
            ("customers", "crash-c", {"name": "C", "created_at": "2026-01-01T00:00:00Z"}),
            (
                "plans",
                "crash-p",
                {
                    "product_id": "crash-prod",
                    "name": "Monthly",
                    "currency": "USD",
                    "amount": "10.00",
                    "interval_unit": "month",
                },
            ),
        ]
        for kind, key, body in setup:
            response = httpx.put(f"{url}/v1/{kind}/{key}", json=body, headers=tenant.headers)
            assert response.status_code == 201, response.text

        def writer(w: int) -> None:
            with httpx.Client(base_url=url, headers=tenant.headers, timeout=30) as client:
                version = 1
                while not stop.is_set() and version < 3600:
                    sub_id = f"crash-s{w}"
                    try:
                        response = client.put(
                            f"/v1/subscriptions/{sub_id}", json=_subscription(version)
                        )
                    except httpx.TransportError:
                        return
                    assert response.status_code in (200, 201), response.text
                    with lock:
                        acked[sub_id] = version
                    version += 1

        threads = [threading.Thread(target=writer, args=(w,)) for w in range(8)]
        for thread in threads:
            thread.start()
        time.sleep(1.5)
        os.kill(proc.pid, signal.SIGKILL)
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    assert len(acked) == 8 and all(v > 1 for v in acked.values())
    s, v = t.subscriptions, t.subscription_versions
    with engine.connect() as conn:
        current = {
            r.id: r for r in conn.execute(select(s).where(s.c.tenant_id == tenant.id)).mappings()
        }
        versions = conn.execute(
            select(v)
            .where(v.c.tenant_id == tenant.id)
            .order_by(v.c.subscription_id, v.c.effective_at, v.c.version)
        ).mappings()
        latest: dict[str, Any] = {}
        counts: dict[str, int] = {}
        for row in versions:
            latest[row["subscription_id"]] = row  # ordered: the last one wins
            counts[row["subscription_id"]] = counts.get(row["subscription_id"], 0) + 1
    for sub_id, version in acked.items():
        # Every acknowledged version is there (one version per accepted change) ...
        assert counts[sub_id] >= version, (sub_id, counts[sub_id], version)
        # ... at most one more (written, its answer lost in the crash) ...
        assert counts[sub_id] <= version + 1
        # ... and the current row is the recomputation from the versions.
        row, last = current[sub_id], latest[sub_id]
        assert row["quantity"] == last["quantity"] == counts[sub_id]
        assert row["version"] == last["version"] and row["effective_at"] == last["effective_at"]
    assert_rollups_are_a_recomputation(engine, tenant.id)
