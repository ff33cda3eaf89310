"""Errors in the vendor's shape: 401 credentials, 403 scope, 404 product, 400 input, 422 fx."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import httpx
import jsonschema
import pytest
from sqlalchemy import Engine

from billstats.auth.service import create_key, revoke_key
from billstats.db.dialect import write_transaction
from tests.conftest import TenantCtx
from tests.surfaces.pabbly.conftest import (
    PATH,
    Frozen,
    Key,
    ingest,
    issue_key,
    new_tenant,
    reader,
    stats,
)
from tests.surfaces.pabbly.seed_schema import ERROR_SCHEMA

BODY = {"product_id": "all", "interval": "last_30_days"}


def error(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    jsonschema.validate(body, ERROR_SCHEMA)
    message: str = body["message"]
    return message


@pytest.fixture
def tenant_key(engine: Engine) -> tuple[TenantCtx, Key]:
    tenant = new_tenant(engine)
    return tenant, reader(engine, tenant)


def _basic(raw: bytes) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


def test_credentials(
    engine: Engine, client: httpx.Client, tenant_key: tuple[TenantCtx, Key]
) -> None:
    _, key = tenant_key
    assert client.post(PATH, json=BODY, auth=key.auth).status_code == 200
    bad = [
        {},  # no Authorization header
        {"Authorization": f"Bearer {key.key_id}.{key.secret}"},  # the native scheme
        {"Authorization": "Basic !!!not-base64"},
        _basic(key.key_id.encode()),  # no colon
        _basic(f"{key.key_id}:wrong".encode()),
        _basic(f"{key.key_id}:".encode()),
        _basic(f"bk_nosuchkey000000:{key.secret}".encode()),
        _basic(f":{key.secret}".encode()),
        _basic(("x" * 500 + ":y").encode()),
    ]
    for headers in bad:
        response = client.post(PATH, json=BODY, headers=headers)
        message = error(response, 401)
        assert response.headers["www-authenticate"].startswith("Basic"), headers
        assert key.secret not in message
    missing = error(client.post(PATH, json=BODY), 401)
    assert "HTTP Basic" in missing


def test_revoked_and_expired_keys(engine: Engine, client: httpx.Client) -> None:
    tenant = new_tenant(engine)
    key = reader(engine, tenant)
    with write_transaction(engine) as conn:
        revoke_key(conn, tenant.id, key.key_id)
    assert error(stats(client, key, **BODY), 401) == "API key revoked"
    with write_transaction(engine) as conn:
        past = datetime.now(UTC) - timedelta(seconds=1)
        raw = create_key(conn, tenant.id, ["analytics:read"], expires_at=past)
    expired = Key(raw["key_id"], raw["secret"])
    assert error(stats(client, expired, **BODY), 401) == "API key expired"


def test_scopes(engine: Engine, client: httpx.Client) -> None:
    tenant = new_tenant(engine)
    ingest_only = issue_key(engine, tenant, "ingest:write")
    message = error(stats(client, ingest_only, **BODY), 403)
    assert message == "this key lacks the 'analytics:read' scope"
    admin = issue_key(engine, tenant, "admin")
    assert stats(client, admin, **BODY).status_code == 200


def test_unknown_product(client: httpx.Client, tenant_key: tuple[TenantCtx, Key]) -> None:
    tenant, key = tenant_key
    ingest(client, tenant, [("products", {"id": "prod_1", "name": "One"})])
    assert stats(client, key, product_id="prod_1", interval="today").status_code == 200
    for product in ["prod_2", "PROD_1", "", "all ", "x" * 200, "a\x00b", "../prod_1", "ALL"]:
        message = error(stats(client, key, product_id=product, interval="today"), 404)
        assert message == f"no product {product!r}"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"product_id": "all", "interval": "last_31_days"},
            "interval must be one of today, yesterday, this_week, last_week, last_7_days, "
            "last_30_days, this_month, last_month, last_90_days, this_year, last_year, "
            "all_time, custom",
        ),
        (
            {"product_id": "all", "interval": "custom", "end_date": "2025-01-31"},
            "start_date is required with interval custom (YYYY-MM-DD)",
        ),
        (
            {"product_id": "all", "interval": "custom", "start_date": "2025-01-31"},
            "end_date is required with interval custom (YYYY-MM-DD)",
        ),
        (
            {
                "product_id": "all",
                "interval": "custom",
                "start_date": "31/01/2025",
                "end_date": "2025-02-01",
            },
            "start_date must be a date in the form YYYY-MM-DD",
        ),
        (
            {
                "product_id": "all",
                "interval": "custom",
                "start_date": "2025-02-29",
                "end_date": "2025-03-01",
            },
            "start_date '2025-02-29' is not a calendar date",
        ),
        (
            {
                "product_id": "all",
                "interval": "custom",
                "start_date": "2025-03-02",
                "end_date": "2025-03-01",
            },
            "start_date must not be after end_date",
        ),
        ({"interval": "today"}, "product_id is required"),
        ({"product_id": "all"}, "interval is required"),
        ({}, "product_id is required; interval is required"),
        ({"product_id": 5, "interval": "today"}, "product_id: Input should be a valid string"),
        ({"product_id": "all", "interval": ["today"]}, "interval: Input should be a valid string"),
        (
            {
                "product_id": "all",
                "interval": "custom",
                "start_date": 20250101,
                "end_date": "2025-01-02",
            },
            "start_date: Input should be a valid string",
        ),
    ],
)
def test_bad_input(
    client: httpx.Client, tenant_key: tuple[TenantCtx, Key], body: dict[str, object], message: str
) -> None:
    _, key = tenant_key
    assert error(client.post(PATH, json=body, auth=key.auth), 400) == message


def test_bad_body(client: httpx.Client, tenant_key: tuple[TenantCtx, Key]) -> None:
    _, key = tenant_key
    json_type = {"Content-Type": "application/json"}
    not_json = client.post(PATH, content=b"{product_id: all", headers=json_type, auth=key.auth)
    assert error(not_json, 400) == "the request body is not valid JSON"
    empty = client.post(PATH, content=b"", headers=json_type, auth=key.auth)
    assert error(empty, 400) == "body is required"
    array = client.post(PATH, json=["all", "today"], auth=key.auth)
    assert error(array, 400).startswith("body: Input should be a valid dictionary")


def test_credentials_are_checked_before_the_body(client: httpx.Client) -> None:
    assert error(client.post(PATH, json={"interval": "nope"}), 401)


def test_wrong_method_and_path(client: httpx.Client, tenant_key: tuple[TenantCtx, Key]) -> None:
    _, key = tenant_key
    assert error(client.get(PATH, auth=key.auth), 405) == "Method Not Allowed"
    assert error(client.post("/api/v2/nope", json=BODY, auth=key.auth), 404) == "Not Found"


def test_missing_exchange_rate_names_currency_and_day(
    engine: Engine, client: httpx.Client, frozen: Frozen
) -> None:
    tenant = new_tenant(engine, "Europe/Berlin", "EUR")
    key = reader(engine, tenant)
    ingest(
        client,
        tenant,
        [
            ("customers", {"id": "c1", "name": "C", "created_at": "2025-01-01T00:00:00Z"}),
            # Jan 24 is 8 days before Feb 1: too old to be carried over (at most 7 days).
            ("fx_rates", {"currency": "USD", "date": "2025-01-24", "rate": "0.95"}),
            # 2025-01-31T23:30:00Z is already Feb 1 in Berlin: a rate for Feb 1 is needed.
            (
                "payments",
                {
                    "id": "p1",
                    "customer_id": "c1",
                    "amount": "10.00",
                    "currency": "USD",
                    "status": "succeeded",
                    "created_at": "2025-01-31T23:30:00Z",
                },
            ),
        ],
    )
    frozen.clock.now = datetime(2025, 2, 10, 12, tzinfo=UTC)
    message = error(stats(client, key, product_id="all", interval="this_month"), 422)
    assert message == (
        "no exchange rate for USD on 2025-02-01 (to EUR); "
        "add it with PUT /v1/fx_rates/USD/2025-02-01"
    )
    ingest(client, tenant, [("fx_rates", {"currency": "USD", "date": "2025-02-01", "rate": "0.9"})])
    ok = stats(client, key, product_id="all", interval="this_month")
    assert ok.status_code == 200
    assert ok.json()["data"]["total_sales_amount"] == 9
