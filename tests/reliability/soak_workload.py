"""The soak test's clients: each loops over a weighted mix of writes and reads until the deadline
or its request budget, and records every answer's latency, every error and every acknowledged
write (so that the test can check afterwards that each one is in the database).

Writes: new customers (``PUT``), new subscription versions (``PUT`` of the client's own
subscription, a later ``effective_at`` each time), usage events (``PUT``), small NDJSON imports
(20 usage events and a call record). Reads: native listings and records (read-your-writes: a
customer the client created must be there), the metrics API, the movement log, and the five
vendor surfaces with their own credentials (HTTP Basic, Bearer key, OAuth access token, portal
token, partner ``X-Auth-ID``/``X-Auth-Token``).
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

SUB_START = datetime(2026, 1, 1, tzinfo=UTC)
T0 = "2026-01-01T00:00:00Z"
IMPORT_EVENTS = 20
# Usage and calls land in the last 20 days, so that the metrics and dashboards read (30 days up
# to today by default) cover a growing share of what the soak writes.
RECENT = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(days=20)
RECENT_MINUTES = 20 * 24 * 60


def iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


@dataclass
class Seeded:
    """One tenant's credentials of every kind, made before the soak starts."""

    tenant_id: int
    admin: dict[str, str]  # Bearer headers of an admin key
    reader: tuple[str, str]  # an analytics:read key (HTTP Basic / Bearer)
    portal_token: str
    partner: dict[str, str]  # X-Auth-ID / X-Auth-Token

    @property
    def reader_bearer(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.reader[0]}.{self.reader[1]}"}


@dataclass
class Record:
    """What every client saw, merged at the end."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    customers: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    events: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    calls: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    versions: dict[tuple[int, str], int] = field(default_factory=dict)  # acknowledged quantity
    imports: int = 0
    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)


class Client:
    """One of the concurrent clients: its own connection, tenant, ids and random stream."""

    def __init__(self, n: int, http: httpx.AsyncClient, seeded: Seeded, out: Record) -> None:
        self.n = n
        self.http = http
        self.seeded = seeded
        self.tenant = seeded.tenant_id
        self.out = out
        self.rng = random.Random(n)
        self.count = 0
        self.quantity = 1  # of the client's subscription, as last acknowledged
        self.access_token: dict[str, str] = {}
        self.sub = f"soak-sub-{n}"

    async def call(
        self, label: str, expected: tuple[int, ...], method: str, path: str, **kw: Any
    ) -> httpx.Response | None:
        started = time.perf_counter()
        try:
            response = await self.http.request(method, path, **kw)
        except httpx.HTTPError as exc:
            self.out.errors.append(f"{label}: {type(exc).__name__}: {exc}")
            return None
        finally:
            self.out.requests += 1
        self.out.latencies[label].append(time.perf_counter() - started)
        self.out.statuses[response.status_code] += 1
        if response.status_code not in expected:
            self.out.errors.append(f"{label}: {response.status_code} {response.text[:300]}")
            return None
        return response

    # -- writes ---------------------------------------------------------------------------------

    async def put_customer(self) -> None:
        key = f"soak-c{self.n}-{self.count}"
        body = {"name": f"Soak {key}", "created_at": T0}
        admin = self.seeded.admin
        if await self.call(
            "PUT customer", (201,), "PUT", f"/v1/customers/{key}", json=body, headers=admin
        ):
            self.out.customers[self.tenant].add(key)

    async def put_version(self) -> None:
        quantity = self.quantity + 1
        body = {
            "customer_id": "soak-base",
            "plan_id": "soak-plan",
            "status": "active",
            "quantity": quantity,
            "started_at": T0,
            "effective_at": iso(SUB_START + timedelta(seconds=quantity)),
        }
        path = f"/v1/subscriptions/{self.sub}"
        response = await self.call(
            "PUT subscription", (200,), "PUT", path, json=body, headers=self.seeded.admin
        )
        if response is not None and response.json()["result"] == "updated":
            self.quantity = quantity
            self.out.versions[(self.tenant, self.sub)] = quantity
        elif response is not None:
            self.out.errors.append(f"PUT subscription: {response.text[:300]}")

    async def put_event(self) -> None:
        key = f"soak-e{self.n}-{self.count}"
        body = _event(self.count)
        path = f"/v1/usage_events/{key}"
        if await self.call(
            "PUT usage event", (201,), "PUT", path, json=body, headers=self.seeded.admin
        ):
            self.out.events[self.tenant].add(key)

    async def post_import(self) -> None:
        prefix = f"soak-i{self.n}-{self.count}"
        events = [f"{prefix}-{i}" for i in range(IMPORT_EVENTS)]
        lines = [
            {"kind": "usage_events", "data": {"id": e, **_event(i)}} for i, e in enumerate(events)
        ]
        call_id = f"{prefix}-call"
        lines.append({"kind": "call_records", "data": {"id": call_id, **_call(self.count)}})
        body = "\n".join(json.dumps(line) for line in lines).encode()
        headers = {**self.seeded.admin, "Content-Type": "application/x-ndjson"}
        response = await self.call(
            "POST import", (200,), "POST", "/v1/import", content=body, headers=headers
        )
        if response is None:
            return
        if response.json()["records"] != IMPORT_EVENTS + 1:
            self.out.errors.append(f"POST import: {response.text[:300]}")
            return
        self.out.events[self.tenant].update(events)
        self.out.calls[self.tenant].add(call_id)
        self.out.imports += 1

    # -- reads ----------------------------------------------------------------------------------

    async def list_customers(self) -> None:
        params = {"limit": 50}
        await self.call(
            "GET customers",
            (200,),
            "GET",
            "/v1/customers",
            params=params,
            headers=self.seeded.admin,
        )

    async def read_own_customer(self) -> None:
        mine = sorted(
            c for c in self.out.customers[self.tenant] if c.startswith(f"soak-c{self.n}-")
        )
        if not mine:
            return await self.list_customers()
        key = self.rng.choice(mine)
        response = await self.call(
            "GET customer", (200,), "GET", f"/v1/customers/{key}", headers=self.seeded.admin
        )
        if response is not None and response.json()["name"] != f"Soak {key}":
            self.out.errors.append(f"GET customer {key}: {response.text[:300]}")

    async def metrics(self) -> None:
        params = {"metrics": "mrr,customers,sales,usage,calls", "interval": "week"}
        await self.call(
            "GET metrics", (200,), "GET", "/v1/metrics", params=params, headers=self.seeded.admin
        )

    async def activities(self) -> None:
        params = {"limit": 20}
        path = "/v1/metrics/activities"
        await self.call(
            "GET activities", (200,), "GET", path, params=params, headers=self.seeded.admin
        )

    async def pabbly(self) -> None:
        body = {"product_id": "all", "interval": "last_30_days"}
        path = "/api/v2/getdashboardstats"
        await self.call("pabbly", (200,), "POST", path, json=body, auth=self.seeded.reader)

    async def fynn(self) -> None:
        path = "/analytics/subscription-revenue"
        await self.call("fynn", (200,), "GET", path, headers=self.seeded.reader_bearer)

    async def devkit(self) -> None:
        if not self.access_token:
            key_id, secret = self.seeded.reader
            form = {
                "grant_type": "client_credentials",
                "client_id": key_id,
                "client_secret": secret,
            }
            response = await self.call(
                "devkit token", (200,), "POST", "/api/v1/auth/token", data=form
            )
            if response is None:
                return
            self.access_token = {"Authorization": f"Bearer {response.json()['access_token']}"}
        await self.call(
            "devkit", (200,), "GET", "/api/v1/payments/stats", headers=self.access_token
        )

    async def portal(self) -> None:
        params = {"token": self.seeded.portal_token}
        await self.call("portal", (200,), "GET", "/portal/dashboard_summary", params=params)

    async def vobiz(self) -> None:
        path = "/api/v1/partner/dashboard"
        await self.call("vobiz", (200,), "GET", path, headers=self.seeded.partner)

    def operations(self) -> list[tuple[int, Callable[[], Awaitable[None]]]]:
        return [
            (10, self.put_customer),
            (10, self.put_version),
            (12, self.put_event),
            (4, self.post_import),
            (12, self.list_customers),
            (12, self.read_own_customer),
            (8, self.metrics),
            (6, self.activities),
            (6, self.pabbly),
            (6, self.fynn),
            (6, self.devkit),
            (4, self.portal),
            (4, self.vobiz),
        ]

    async def run(self, deadline: float, budget: int) -> None:
        weights, ops = zip(*self.operations(), strict=True)
        while time.monotonic() < deadline and self.count < budget:
            await self.rng.choices(ops, weights=weights)[0]()
            self.count += 1


def _event(n: int) -> dict[str, Any]:
    at = RECENT + timedelta(minutes=n % RECENT_MINUTES)
    return {
        "customer_id": "soak-base",
        "metric_code": "api_calls",
        "quantity": "1.5",
        "timestamp": iso(at),
    }


def _call(n: int) -> dict[str, Any]:
    return {
        "account_id": "soak-base",
        "direction": "inbound" if n % 2 else "outbound",
        "product": "voice_api",
        "started_at": iso(RECENT + timedelta(minutes=n % RECENT_MINUTES)),
        "duration_seconds": 65,
        "billed_seconds": 60,
        "answered": True,
        "cost": "0.012",
        "currency": "USD",
    }


async def soak(
    url: str, tenants: list[Seeded], clients: int, seconds: float, budget: int
) -> Record:
    """``clients`` concurrent clients for ``seconds`` (each at most ``budget`` operations)."""
    out = Record()
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    https = [httpx.AsyncClient(base_url=url, timeout=60, limits=limits) for _ in range(clients)]
    try:
        workers = [
            Client(n, http, tenants[n % len(tenants)], out).run(deadline, budget)
            for n, http in enumerate(https)
        ]
        await asyncio.wait_for(asyncio.gather(*workers), timeout=seconds + 120)
    finally:
        for http in https:
            await http.aclose()
    return out
