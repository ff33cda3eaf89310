"""Request ids, access logs, Prometheus metrics, probes, and 503 when the database is away."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import Engine

from billstats.config import Settings
from billstats.db.engine import make_engine
from tests.conftest import LiveServer, TenantCtx

CUSTOMER = {"name": "Ada", "created_at": "2026-01-01T00:00:00Z"}


def test_request_id_is_echoed_or_made(http: httpx.Client) -> None:
    given = http.get("/healthz", headers={"X-Request-ID": "abc-123.x"})
    assert given.headers["x-request-id"] == "abc-123.x"
    made = http.get("/healthz")
    assert re.fullmatch(r"req_[0-9a-f]{12}", made.headers["x-request-id"])
    unsafe = http.get("/healthz", headers={"X-Request-ID": "a b" + "x" * 70})
    assert re.fullmatch(r"req_[0-9a-f]{12}", unsafe.headers["x-request-id"])


def test_vobiz_error_body_carries_the_request_id(http: httpx.Client) -> None:
    response = http.get("/api/v1/partner/dashboard", headers={"X-Request-ID": "trace-42"})
    assert response.status_code == 401
    assert response.json()["requestId"] == "trace-42" == response.headers["x-request-id"]


def _sample(text: str, name: str, labels: dict[str, str]) -> float:
    """One sample's value from the Prometheus text format (0 when absent)."""
    for line in text.splitlines():
        if not line.startswith(name + "{"):
            continue
        body, _, value = line.rpartition(" ")
        found = dict(re.findall(r'(\w+)="([^"]*)"', body))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(value)
    return 0.0


def test_metrics_count_requests_by_route_and_ingested_records(
    api: httpx.Client, tenant: TenantCtx
) -> None:
    route = {"method": "PUT", "route": "/v1/customers/{id}", "status": "201"}
    created = {"kind": "customers", "result": "created"}
    unchanged = {"kind": "customers", "result": "unchanged"}
    before = api.get("/metrics").text
    assert api.put("/v1/customers/obs-1", json=CUSTOMER).status_code == 201
    assert api.put("/v1/customers/obs-1", json=CUSTOMER).status_code == 200
    after = api.get("/metrics")
    assert after.headers["content-type"].startswith("text/plain")
    text = after.text
    put_total = "billstats_http_requests_total"
    assert _sample(text, put_total, route) - _sample(before, put_total, route) == 1
    ingested = "billstats_ingest_records_total"
    assert _sample(text, ingested, created) - _sample(before, ingested, created) == 1
    assert _sample(text, ingested, unchanged) - _sample(before, ingested, unchanged) == 1
    latency = "billstats_http_request_duration_seconds_count"
    labels = {"method": "PUT", "route": "/v1/customers/{id}"}
    assert _sample(text, latency, labels) - _sample(before, latency, labels) == 2


def test_access_log_is_one_json_line_without_secrets(
    api: httpx.Client, tenant: TenantCtx, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="billstats.access"):
        response = api.get("/v1/customers?limit=1", headers={"X-Request-ID": "log-1"})
    assert response.status_code == 200
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "billstats.access"]
    mine = [line for line in lines if line["request_id"] == "log-1"]
    assert len(mine) == 1
    assert mine[0] | {"duration_ms": 0, "client": ""} == {
        "event": "request",
        "request_id": "log-1",
        "method": "GET",
        "path": "/v1/customers",
        "route": "/v1/customers",
        "status": 200,
        "duration_ms": 0,
        "client": "",
    }
    assert tenant.secret not in caplog.text


def test_readyz_when_the_database_answers(http: httpx.Client) -> None:
    response = http.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "database": "ok"}


@pytest.fixture(scope="module")
def down_server() -> Iterator[LiveServer]:
    """The app over a PostgreSQL URL where nothing listens (port 9): the database is away."""
    settings = Settings(database_url="postgresql://postgres@127.0.0.1:9/none")
    engine: Engine = make_engine(settings)
    server = LiveServer(settings, engine)
    server.start()
    yield server
    server.stop()
    engine.dispose()


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "body"),
    [
        (
            "GET",
            "/v1/customers",
            {"headers": {"Authorization": "Bearer bk_x.y"}},
            {
                "error": {
                    "code": "service_unavailable",
                    "message": "the database is unavailable; nothing was written, retry shortly",
                }
            },
        ),
        (
            "POST",
            "/api/v2/getdashboardstats",
            {"auth": ("bk_x", "y"), "json": {"product_id": "all", "interval": "today"}},
            {
                "status": "error",
                "message": "the database is unavailable; nothing was written, retry shortly",
            },
        ),
    ],
)
def test_database_outage_is_503_in_the_surface_format(
    down_server: LiveServer, method: str, path: str, kwargs: dict[str, object], body: object
) -> None:
    with httpx.Client(base_url=down_server.url, timeout=30) as client:
        response = client.request(method, path, **kwargs)  # type: ignore[arg-type]
        assert response.status_code == 503
        assert response.headers["retry-after"] == "1"
        assert response.json() == body
        ready = client.get("/readyz")
        assert ready.status_code == 503 and ready.headers["retry-after"] == "1"
        assert ready.json() == {"status": "unavailable", "database": "unreachable"}


def test_failed_authentication_is_logged_without_the_secret(
    http: httpx.Client, tenant: TenantCtx, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = f"{tenant.key_id}.not-the-secret-{tenant.secret[:8]}"
    with caplog.at_level(logging.WARNING, logger="billstats.auth"):
        response = http.get(
            "/v1/customers",
            headers={"Authorization": f"Bearer {wrong}", "X-Request-ID": "auth-fail-1"},
        )
        ok = http.get("/v1/customers", headers=tenant.headers)
    assert response.status_code == 401 and ok.status_code == 200
    events = [json.loads(r.getMessage()) for r in caplog.records if r.name == "billstats.auth"]
    mine = [e for e in events if e["request_id"] == "auth-fail-1"]
    assert mine == [
        {
            "event": "auth_failure",
            "request_id": "auth-fail-1",
            "method": "GET",
            "route": "/v1/customers",
            "client": "127.0.0.1",
            "credential": f"key:{tenant.key_id}",
        }
    ]
    assert len(events) == 1  # the successful request logs nothing here
    assert "not-the-secret" not in caplog.text and tenant.secret not in caplog.text
