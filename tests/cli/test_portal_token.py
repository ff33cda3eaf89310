"""``billstats portal-token``: a token the live server accepts, for one customer of one tenant."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.cli.conftest import Run
from tests.conftest import TenantCtx


@pytest.fixture
def customer(http: httpx.Client, tenant: TenantCtx) -> str:
    body = {"name": "Portal customer", "currency": "EUR", "created_at": "2025-01-01T00:00:00Z"}
    assert http.put("/v1/customers/c-1", json=body, headers=tenant.headers).status_code == 201
    return "c-1"


def _expires(run: Run) -> datetime:
    return datetime.fromisoformat(run.json()["expires_at"])


def test_token_works_on_the_server(
    billstats: Callable[..., Run], http: httpx.Client, tenant: TenantCtx, customer: str
) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    run = billstats("portal-token", "--tenant", tenant.name, customer)
    assert run.exit_code == 0, run.stderr
    out = run.json()
    assert set(out) == {"token", "expires_at", "portal_url"}
    assert before + timedelta(hours=12) <= _expires(run) <= before + timedelta(hours=12, seconds=5)
    url = urlsplit(out["portal_url"])
    assert (url.scheme, url.netloc, url.path) == (
        "http",
        "127.0.0.1:8000",
        "/portal/dashboard_summary",
    )
    assert parse_qs(url.query) == {"token": [out["token"]]}

    response = http.get("/portal/dashboard_summary", params={"token": out["token"]})
    assert response.status_code == 200, response.text
    assert response.json()["quick_actions"]["currency"] == "EUR"


def test_ttl_and_base_url_options(
    billstats: Callable[..., Run], tenant: TenantCtx, customer: str
) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    run = billstats(
        "portal-token",
        "--tenant",
        str(tenant.id),
        customer,
        "--ttl-hours",
        "2",
        "--base-url",
        "https://billing.example.com/",
    )
    assert run.exit_code == 0, run.stderr
    assert before + timedelta(hours=2) <= _expires(run) <= before + timedelta(hours=2, seconds=5)
    assert run.json()["portal_url"].startswith(
        "https://billing.example.com/portal/dashboard_summary?token="
    )


def test_base_url_from_the_environment(
    billstats: Callable[..., Run],
    tenant: TenantCtx,
    customer: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BILLSTATS_BASE_URL", "https://portal.example.org")
    run = billstats("portal-token", "--tenant", tenant.name, customer)
    assert run.json()["portal_url"].startswith("https://portal.example.org/portal/")


def test_errors(billstats: Callable[..., Run], tenant: TenantCtx, customer: str) -> None:
    unknown = billstats("portal-token", "--tenant", tenant.name, "nobody")
    assert unknown.exit_code == 1
    assert unknown.error()["code"] == "not_found"
    no_tenant = billstats("portal-token", "--tenant", "no-such-tenant", customer)
    assert (no_tenant.exit_code, no_tenant.error()["code"]) == (1, "not_found")
    for bad in ("0", "721"):
        run = billstats("portal-token", "--tenant", tenant.name, customer, "--ttl-hours", bad)
        assert run.exit_code == 2
        assert run.error()["code"] == "validation_error"
