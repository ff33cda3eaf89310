"""Concurrent writers of the same new records: every request gets a 2xx, none a 500."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

import httpx

from tests.conftest import LiveServer, TenantCtx
from tests.ingest.test_payloads import ndjson_body

T0 = "2025-01-01T00:00:00Z"
WRITERS = 8


def _put(
    url: str, headers: dict[str, str], path: str, body: dict[str, Any], _writer: int
) -> tuple[int, str]:
    with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
        response = client.put(path, json=body)
        return response.status_code, response.json().get("result", response.text)


def test_concurrent_puts_of_one_new_id_create_it_once(
    live_server: LiveServer, tenant: TenantCtx
) -> None:
    with ThreadPoolExecutor(WRITERS) as pool:
        for round_ in range(5):
            path = f"/v1/customers/c{round_}"
            body = {"name": "Same", "created_at": T0}
            put = partial(_put, live_server.url, tenant.headers, path, body)
            results = list(pool.map(put, range(WRITERS)))
            assert sorted(results) == [(200, "unchanged")] * (WRITERS - 1) + [(201, "created")]


def test_concurrent_import_and_puts_of_the_same_new_ids(
    live_server: LiveServer, tenant: TenantCtx
) -> None:
    ids = [f"c{n}" for n in range(200)]
    body = ndjson_body([("customers", {"id": i, "name": "N", "created_at": T0}) for i in ids])

    def run(job: int) -> list[int]:
        with httpx.Client(base_url=live_server.url, headers=tenant.headers, timeout=60) as client:
            if job % 2 == 0:
                return [client.post("/v1/import", content=body).status_code]
            return [
                client.put(f"/v1/customers/{i}", json={"name": "N", "created_at": T0}).status_code
                for i in ids[job * 10 : job * 10 + 20]
            ]

    with ThreadPoolExecutor(WRITERS) as pool:
        statuses = [s for batch in pool.map(run, range(WRITERS)) for s in batch]
    assert set(statuses) <= {200, 201}, statuses
    with httpx.Client(base_url=live_server.url, headers=tenant.headers) as client:
        listed = client.get("/v1/customers", params={"limit": 500}).json()["data"]
    assert sorted(r["id"] for r in listed) == sorted(ids)
