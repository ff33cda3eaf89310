"""The seed's own request example (its only one: cURL), base URL and token swapped, run against
the live server, with data ingested through the API so that the seed's sample data point comes
back exactly: EUR on 2023-09-10, revenue 1000.00, churn 300.00, expansion 150.00, new 300.00.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import datetime
from typing import Any

import httpx
import jsonschema
import pytest
from sqlalchemy import Engine

from tests.surfaces.fynn.conftest import Frozen, fetch, ingest, key, new_tenant
from tests.surfaces.fynn.schema import RESPONSE_SCHEMA, SEED_EXAMPLE

# Verbatim from the seed.
SEED_CURL = """curl -X GET \\
/analytics/subscription-revenue \\
--header "Authorization: Bearer <token>\""""

SEED_POINT = SEED_EXAMPLE["data"][0]


def plan(pid: str, amount: str) -> tuple[str, dict[str, Any]]:
    return (
        "plans",
        {"id": pid, "product_id": "saas", "name": pid, "currency": "EUR", "amount": amount,
         "interval_unit": "month"},
    )  # fmt: skip


def sub(sid: str, customer: str, plan_id: str, status: str, started: str, **extra: Any) -> Any:
    data = {"id": sid, "customer_id": customer, "plan_id": plan_id, "status": status,
            "started_at": started, **extra}  # fmt: skip
    return ("subscriptions", data)


def seed_ledger() -> list[tuple[str, dict[str, Any]]]:
    """Berlin tenant.  Opening MRR on 2023-09-09: A 500 + B 200 + C 150 = 850.  On 2023-09-10
    (local): A 500 -> 650 (+150 expansion), C 150 -> 50 (-100 contraction), B cancels at
    23:30 (-200 churn), D starts at local midnight (+200 new; 22:00 UTC the day before), E comes
    back after churning in July (+100 reactivation).  Close: 650 + 50 + 200 + 100 = 1000."""
    customers = [
        ("customers", {"id": c, "name": c, "created_at": "2023-01-01T00:00:00Z"}) for c in "ABCDE"
    ]
    aug = "2023-08-01T09:00:00+02:00"
    return [
        ("products", {"id": "saas", "name": "SaaS"}),
        plan("p500", "500.00"), plan("p650", "650.00"), plan("p200", "200.00"),
        plan("p150", "150.00"), plan("p50", "50.00"), plan("p100", "100.00"),
        *customers,
        sub("a", "A", "p500", "active", aug),
        sub("a", "A", "p650", "active", aug, effective_at="2023-09-10T10:00:00+02:00"),
        sub("b", "B", "p200", "active", aug),
        sub("b", "B", "p200", "cancelled", aug, effective_at="2023-09-10T23:30:00+02:00",
            cancelled_at="2023-09-10T23:30:00+02:00"),
        sub("c", "C", "p150", "active", aug),
        sub("c", "C", "p50", "active", aug, effective_at="2023-09-10T14:00:00+02:00"),
        sub("d", "D", "p200", "active", "2023-09-10T00:00:00+02:00"),
        sub("e", "E", "p100", "active", "2023-07-01T00:00:00+02:00"),
        sub("e", "E", "p100", "cancelled", "2023-07-01T00:00:00+02:00",
            effective_at="2023-07-20T00:00:00+02:00", cancelled_at="2023-07-20T00:00:00+02:00"),
        sub("e", "E", "p100", "active", "2023-07-01T00:00:00+02:00",
            effective_at="2023-09-10T12:00:00+02:00"),
    ]  # fmt: skip


@pytest.fixture
def seeded(engine: Engine, client: httpx.Client, frozen: Frozen) -> str:
    tenant = new_tenant(engine)
    ingest(client, tenant, seed_ledger())
    frozen.clock.now = datetime.fromisoformat("2023-09-11T09:00:00+02:00")
    return key(engine, tenant, "analytics:read")


def check(body: dict[str, Any]) -> None:
    jsonschema.validate(body, RESPONSE_SCHEMA)
    # Default window: the last 30 days, today (2023-09-11) included.
    dates = [p["date"] for p in body["data"]]
    assert dates[0] == "2023-08-13 00:00:00"
    assert dates[-1] == "2023-09-11 00:00:00"
    assert len(dates) == 30
    assert body["data"][28] == SEED_POINT
    assert body["data"][29] == {
        "date": "2023-09-11 00:00:00",
        "currency_code": "EUR",
        "revenue": "1000.00",
        "churn_revenue": None,
        "expansion_revenue": None,
        "new_revenue": None,
    }
    assert {p["revenue"] for p in body["data"][:28]} == {"850.00"}
    assert body["meta"] == {
        "pagination": {
            "totalItems": 30,
            "itemsPerPage": 30,
            "currentPage": 1,
            "lastPage": 1,
            "pageTotalItems": 30,
        }
    }


def test_seed_example_body_matches_the_schema() -> None:
    jsonschema.validate(SEED_EXAMPLE, RESPONSE_SCHEMA)


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_seed_curl(seeded: str, frozen: Frozen) -> None:
    command = SEED_CURL.replace("\n/analytics/", f"\n{frozen.url}/analytics/", 1)
    command = command.replace("<token>", seeded)
    assert command != SEED_CURL
    out = subprocess.run(
        ["bash", "-c", command], capture_output=True, text=True, timeout=60, check=True
    )
    check(json.loads(out.stdout))


def test_seed_request_with_httpx(seeded: str, client: httpx.Client) -> None:
    check(fetch(client, seeded))
