"""Soak: the real server in its own process under concurrent clients mixing ingest and reads.

The server is ``uvicorn billstats.app:create_app`` as deployed (``server_process``).  Clients on
loopback (``soak_workload``) write and read for a fixed time, each with a request budget, against
two tenants.  Afterwards:

- zero errors: every answer had its expected status (no 5xx, no 4xx, no transport error);
- zero lost writes: every acknowledged customer, usage event and call record is in the database
  and nothing else is (the sets are equal), and each subscription has exactly one version per
  acknowledged change plus its first, its current row being the last acknowledged one;
- the server's own Prometheus counters agree: no 5xx counted;
- p50/p99 latency per kind of request and the server's resident memory (before and after the
  load, and its peak ``VmHWM``) are reported (on stdout and in ``test-output/<test>/soak.json``).

CI runs a bounded version (``BOUNDED``: 10 clients, 12 s); ``-m soak`` runs 50 clients for 60 s
(``SOAK_CLIENTS``, ``SOAK_SECONDS`` override both), results in docs/reliability.md.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func, select

from billstats.auth.service import create_key
from billstats.config import Settings
from billstats.db import tables as t
from billstats.db.dialect import write_transaction
from tests.conftest import make_tenant
from tests.reliability.selection import require_selected
from tests.reliability.soak_workload import T0, Record, Seeded, soak
from tests.reliability.test_crash_safety import server_process

BOUNDED = (10, 12.0)  # clients, seconds
LONG = (int(os.environ.get("SOAK_CLIENTS", "50")), float(os.environ.get("SOAK_SECONDS", "60")))
BUDGET = 100_000  # operations per client: the run is bounded by time and by count


def _seed(engine: Engine, url: str, clients: int) -> Seeded:
    """A tenant with a product, plan, partner, customer and one subscription per client, and
    a credential of every kind."""
    tenant = make_tenant(engine)
    lines: list[tuple[str, dict[str, Any]]] = [
        ("products", {"id": "soak-prod", "name": "Soak"}),
        ("plans", {"id": "soak-plan", "product_id": "soak-prod", "name": "Monthly",
                   "currency": "USD", "amount": "20.00", "interval_unit": "month"}),
        ("partners", {"id": "soak-partner", "name": "Reseller", "slug": "soak",
                      "created_at": T0}),
        ("customers", {"id": "soak-base", "name": "Base", "created_at": T0,
                       "partner_id": "soak-partner"}),
    ]  # fmt: skip
    for n in range(clients):
        lines.append(
            (
                "subscriptions",
                {"id": f"soak-sub-{n}", "customer_id": "soak-base", "plan_id": "soak-plan",
                 "status": "active", "started_at": T0},
            )
        )  # fmt: skip
    body = "\n".join(json.dumps({"kind": k, "data": d}) for k, d in lines).encode()
    with httpx.Client(base_url=url, headers=tenant.headers, timeout=60) as http:
        assert http.post("/v1/import", content=body).status_code == 200
        portal = http.post("/v1/customers/soak-base/portal_token")
        assert portal.status_code == 200, portal.text
        partner = http.post("/v1/partners/soak-partner/credentials")
        assert partner.status_code == 201, partner.text
    with write_transaction(engine) as conn:
        reader = create_key(conn, tenant.id, ["analytics:read"])
    return Seeded(
        tenant_id=tenant.id,
        admin=tenant.headers,
        reader=(reader["key_id"], reader["secret"]),
        portal_token=portal.json()["token"],
        partner={"X-Auth-ID": partner.json()["auth_id"], "X-Auth-Token": partner.json()["token"]},
    )


def _ids(engine: Engine, table: Any, tenant_id: int, prefix: str) -> set[str]:
    query = select(table.c.id).where(table.c.tenant_id == tenant_id, table.c.id.like(f"{prefix}%"))
    with engine.connect() as conn:
        return {row[0] for row in conn.execute(query)}


def check_writes(engine: Engine, tenants: list[Seeded], out: Record, clients: int) -> None:
    """Every acknowledged write is there, and nothing that was not acknowledged."""
    for seeded in tenants:
        tid = seeded.tenant_id
        assert _ids(engine, t.customers, tid, "soak-c") == out.customers[tid]
        assert _ids(engine, t.usage_events, tid, "soak-") == out.events[tid]
        assert _ids(engine, t.call_records, tid, "soak-") == out.calls[tid]
    v, s = t.subscription_versions, t.subscriptions
    with engine.connect() as conn:
        for n in range(clients):
            tid, sub = tenants[n % len(tenants)].tenant_id, f"soak-sub-{n}"
            quantity = out.versions.get((tid, sub), 1)
            count = conn.execute(
                select(func.count()).where(v.c.tenant_id == tid, v.c.subscription_id == sub)
            ).scalar_one()
            current = conn.execute(
                select(s.c.quantity).where(s.c.tenant_id == tid, s.c.id == sub)
            ).scalar_one()
            assert (count, current) == (quantity, quantity), (sub, count, current, quantity)


def server_errors(url: str) -> tuple[int, int]:
    """(requests, 5xx answers) counted by the server's own Prometheus metrics."""
    text = httpx.get(f"{url}/metrics", timeout=30).text
    total = errors = 0
    for line in text.splitlines():
        found = re.match(r"billstats_http_requests_total\{(.*)\} ([0-9.e+]+)$", line)
        if not found:
            continue
        count = int(float(found.group(2)))
        total += count
        if re.search(r'status="5\d\d"', found.group(1)):
            errors += count
    return total, errors


def rss_kib(pid: int, field: str = "VmHWM") -> int:
    """The process's peak (``VmHWM``) or current (``VmRSS``) resident set, in KiB."""
    status = Path(f"/proc/{pid}/status").read_text()
    found = re.search(rf"^{field}:\s+(\d+) kB", status, re.MULTILINE)
    assert found, status
    return int(found.group(1))


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (``share`` in 0..1) of ``values``, in milliseconds."""
    ordered = sorted(values)
    rank = max(1, -(-int(share * 1000) * len(ordered) // 1000))
    return round(ordered[rank - 1] * 1000, 1)


def report(
    out: Record, backend: str, clients: int, seconds: float, rss: tuple[int, int, int]
) -> dict[str, Any]:
    every = [x for values in out.latencies.values() for x in values]
    return {
        "database": backend,
        "clients": clients,
        "seconds": round(seconds, 1),
        "requests": out.requests,
        "requests_per_second": round(out.requests / seconds),
        "errors": len(out.errors),
        "statuses": dict(sorted(out.statuses.items())),
        "acknowledged": {
            "customers": sum(len(c) for c in out.customers.values()),
            "usage_events": sum(len(e) for e in out.events.values()),
            "call_records": sum(len(c) for c in out.calls.values()),
            "imports": out.imports,
            "subscription_versions": sum(q - 1 for q in out.versions.values()),
        },
        "latency_ms": {"p50": percentile(every, 0.5), "p99": percentile(every, 0.99)},
        "latency_ms_by_request": {
            label: {
                "count": len(values),
                "p50": percentile(values, 0.5),
                "p99": percentile(values, 0.99),
            }
            for label, values in sorted(out.latencies.items())
        },
        "server_rss_mib": {
            "before": round(rss[0] / 1024, 1),
            "after": round(rss[1] / 1024, 1),
            "peak": round(rss[2] / 1024, 1),
        },
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def run(settings: Settings, engine: Engine, output_dir: Path, clients: int, seconds: float) -> None:
    backend = "sqlite" if settings.database_url.startswith("sqlite") else "postgresql"
    with server_process(settings.database_url) as (url, proc):
        tenants = [_seed(engine, url, clients) for _ in range(2)]
        before, _ = server_errors(url)
        rss_before = rss_kib(proc.pid, "VmRSS")
        started = time.monotonic()
        # In a thread of its own: an event loop another test left running in this worker
        # (Playwright's sync API keeps one) would make asyncio.run refuse.
        with ThreadPoolExecutor(1) as pool:
            out = pool.submit(asyncio.run, soak(url, tenants, clients, seconds, BUDGET)).result()
        elapsed = time.monotonic() - started
        rss = (rss_before, rss_kib(proc.pid, "VmRSS"), rss_kib(proc.pid))
        counted, server_5xx = server_errors(url)
    summary = report(out, backend, clients, elapsed, rss)
    (output_dir / "soak.json").write_text(json.dumps(summary, indent=2) + "\n")
    print("\nsoak", json.dumps(summary, indent=2))
    assert not out.errors, out.errors[:20]
    assert server_5xx == 0
    assert counted - before >= out.requests  # every request reached the server and was counted
    assert out.requests > clients * 10 and summary["acknowledged"]["imports"] > 0
    assert elapsed < seconds + 120  # bounded: the clients stop at the deadline
    check_writes(engine, tenants, out, clients)


def test_soak_bounded(settings: Settings, engine: Engine, output_dir: Path) -> None:
    run(settings, engine, output_dir, *BOUNDED)


@pytest.mark.soak
def test_soak(
    request: pytest.FixtureRequest, settings: Settings, engine: Engine, output_dir: Path
) -> None:
    require_selected(request, "soak")
    run(settings, engine, output_dir, *LONG)
