"""The documented request, sent as a client of the original API would, against a live server.

The vendor's page documents ``GET /portal/dashboard_summary`` with the token as the ``token``
query parameter and gives no code sample of its own; the samples here are the documented request
in cURL and in Python (``requests``), with the base URL swapped for the test server.  Then every
customer of the demo tenant gets a token and a schema-valid, consistent dashboard.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import requests
from sqlalchemy import Engine

from billstats.demo.load import load_demo
from tests.conftest import LiveServer, TenantCtx
from tests.demo import ANCHOR, SMALL
from tests.surfaces.portal.builders import Ledger, feature
from tests.surfaces.portal.conftest import Clock, dashboard
from tests.surfaces.portal.schema import DASHBOARD, validate


def _iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def _seed_data(http: httpx.Client, tenant: TenantCtx) -> tuple[str, datetime]:
    """A customer whose monthly subscription started 10 days ago (real clock)."""
    started = datetime.now(UTC).replace(microsecond=0) - timedelta(days=10)
    (
        Ledger()
        .product()
        .plan(
            "p",
            "19.99",
            features=[feature("api_calls", "quantity", "1000", "API calls")],
            usage={"api_calls": "0.01"},
        )
        .customer("c")
        .subscription("sub-1", "c", "p", _iso(started), quantity=2)
        .usage("e1", "c", "api_calls", "250", _iso(started + timedelta(days=1)))
        .load(http, tenant)
    )
    response = http.post("/v1/customers/c/portal_token", headers=tenant.headers)
    assert response.status_code == 200, response.text
    token: str = response.json()["token"]
    return token, started


def _check(body: dict[str, Any], started: datetime) -> None:
    validate(body, DASHBOARD)
    [billing] = body["next_billing"]
    assert billing["subscription_external_id"] == "sub-1"
    assert billing["amount_cents"] == 3998
    assert datetime.fromisoformat(billing["next_billing_date"]) > started + timedelta(days=27)
    assert 16 <= billing["days_until_next_billing"] <= 21
    assert body["upcoming_charges"][0]["total_estimated_cents"] == 3998 + 250
    assert body["usage_progress"][0]["current_usage"] == "250"
    assert body["usage_progress"][0]["usage_percentage"] == 25.0
    assert body["quick_actions"]["has_active_subscription"] is True


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl_sample(live_server: LiveServer, http: httpx.Client, tenant: TenantCtx) -> None:
    token, started = _seed_data(http, tenant)
    base = live_server.url
    completed = subprocess.run(
        [
            "curl",
            "--silent",
            "--show-error",
            "--fail",
            f"{base}/portal/dashboard_summary?token={token}",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    _check(json.loads(completed.stdout), started)


def test_python_sample(live_server: LiveServer, http: httpx.Client, tenant: TenantCtx) -> None:
    token, started = _seed_data(http, tenant)
    base = live_server.url
    response = requests.get(f"{base}/portal/dashboard_summary", params={"token": token}, timeout=60)
    response.raise_for_status()
    _check(response.json(), started)
    missing = requests.get(f"{base}/portal/dashboard_summary", timeout=60)
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"] == ["query", "token"]


def test_every_demo_customer(client: httpx.Client, clock: Clock, engine: Engine) -> None:
    """The demo tenant's dashboards at the end of its anchor day: valid, consistent, and not
    empty (some customers are billed, use metered features, hold wallets, owe invoices)."""
    demo = load_demo(engine, SMALL, tenant_name=f"portal-demo-{uuid.uuid4().hex[:8]}")
    headers = {"Authorization": f"Bearer {demo.key['token']}"}
    clock.now = datetime(ANCHOR.year, ANCHOR.month, ANCHOR.day, 23, 0, tzinfo=UTC)
    customers = [
        c["id"]
        for c in client.get("/v1/customers", params={"limit": 500}, headers=headers).json()["data"]
    ]
    assert customers
    seen = {"billed": 0, "metered": 0, "wallet": 0, "owing": 0, "percent": 0}
    for customer in customers:
        issued = client.post(f"/v1/customers/{customer}/portal_token", headers=headers)
        assert issued.status_code == 200, issued.text
        response = dashboard(client, issued.json()["token"])
        assert response.status_code == 200, (customer, response.text)
        body = response.json()
        validate(body, DASHBOARD)
        billing, charges = body["next_billing"], body["upcoming_charges"]
        assert [b["subscription_id"] for b in billing] == [c["subscription_id"] for c in charges]
        for b, c in zip(billing, charges, strict=True):
            assert b["amount_cents"] == c["base_amount_cents"] >= 0
            assert c["total_estimated_cents"] == c["base_amount_cents"] + c["usage_amount_cents"]
            assert datetime.fromisoformat(b["next_billing_date"]) > clock.now
            assert b["days_until_next_billing"] >= 0
        for p in body["usage_progress"]:
            if p["usage_percentage"] is not None:
                assert 0 <= p["usage_percentage"] <= 100
                seen["percent"] += p["usage_percentage"] > 0
        codes = [p["feature_code"] for p in body["usage_progress"]]
        assert len(codes) == len(set(codes))
        actions = body["quick_actions"]
        assert actions["has_active_subscription"] or not billing
        seen["billed"] += bool(billing)
        seen["metered"] += any(c["usage_amount_cents"] > 0 for c in charges)
        seen["wallet"] += actions["has_wallet"]
        seen["owing"] += actions["outstanding_invoice_count"] > 0
    assert all(seen.values()), seen
