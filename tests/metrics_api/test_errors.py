"""Every 4xx of ``/v1/metrics`` in the native error format, through the real HTTP stack."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine

from tests.conftest import Frozen, TenantCtx, make_tenant
from tests.metrics_api.support import Api, ingest, reader

NOW = datetime(2025, 3, 5, 17, 0, tzinfo=UTC)


@pytest.fixture
def tenant_api(engine: Engine, frozen: Frozen) -> Iterator[tuple[Api, TenantCtx]]:
    tenant = make_tenant(engine, timezone="Europe/Berlin", currency="USD")
    api = Api(frozen, reader(engine, tenant), NOW)
    ingest(
        api.client,
        tenant,
        [
            ("products", {"id": "prod_a", "name": "A"}),
            ("products", {"id": "prod_b", "name": "B"}),
            (
                "plans",
                {
                    "id": "plan_b",
                    "product_id": "prod_b",
                    "name": "B",
                    "currency": "USD",
                    "amount": "10.00",
                    "interval_unit": "month",
                },
            ),
            ("partners", _partner("partner_1")),
            ("customers", {"id": "c1", "name": "C1", "created_at": "2025-01-01T00:00:00Z"}),
            (
                "payments",
                {
                    "id": "p1",
                    "customer_id": "c1",
                    "amount": "10.00",
                    "currency": "EUR",
                    "status": "succeeded",
                    "created_at": "2025-03-01T10:00:00Z",
                },
            ),
        ],
    )
    yield api, tenant
    api.close()


def _partner(pid: str) -> dict[str, Any]:
    return {
        "id": pid,
        "name": pid,
        "slug": pid,
        "billing_model": "prepaid",
        "created_at": "2025-01-01T00:00:00Z",
    }


def _error(api: Api, path: str, status: int, **params: str) -> dict[str, Any]:
    response = api.get(path, **params)
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"error"}
    return dict(body["error"])


def test_too_many_buckets_names_the_limit(tenant_api: tuple[Api, TenantCtx]) -> None:
    api, _ = tenant_api
    # 1,000 days is the most a day interval may have; 1,001 is refused.
    ok = api.get(
        "/v1/metrics/sales", start_date="2022-06-09", end_date="2025-03-04", currency="USD"
    )
    assert ok.status_code == 200, ok.text
    assert len(ok.json()["entries"]) == 1000
    err = _error(api, "/v1/metrics/sales", 400, start_date="2022-06-08", end_date="2025-03-04")
    assert err["code"] == "too_many_buckets"
    assert "1001 day buckets" in err["message"] and "at most 1000" in err["message"]
    # weeks: Monday 2005-11-07 .. 2025-03-02 is 1,009 weeks; months over two centuries
    err = _error(api, "/v1/metrics", 400, metrics="sales", start_date="2005-11-09", interval="week")
    assert err["code"] == "too_many_buckets" and "1000" in err["message"]
    err = _error(
        api,
        "/v1/metrics/fees",
        400,
        start_date="1970-01-01",
        end_date="2199-12-31",
        interval="month",
    )
    assert "2760 month buckets" in err["message"]
    ok = api.get(
        "/v1/metrics/fees",
        start_date="1970-01-01",
        end_date="2199-12-31",
        interval="year",
        currency="USD",
    )
    assert ok.status_code == 200 and len(ok.json()["entries"]) == 230


@pytest.mark.parametrize(
    ("params", "path", "code"),
    [
        ({"start_date": "2025-3-01"}, "start_date", "invalid_date"),
        ({"start_date": "2025-02-30"}, "start_date", "invalid_date"),
        ({"end_date": "yesterday"}, "end_date", "invalid_date"),
        ({"end_date": "2200-01-01"}, "end_date", "invalid_date"),
        ({"start_date": "2025-03-02", "end_date": "2025-03-01"}, "start_date", "invalid_range"),
        ({"start_date": "2025-03-06"}, "start_date", "invalid_range"),  # after today (end)
        ({"interval": "fortnight"}, "interval", "invalid_interval"),
        ({"currency": "EURO"}, "currency", "invalid_currency"),
        ({"currency": "XXX"}, "currency", "invalid_currency"),
        ({"livemode": "yes"}, "livemode", "invalid_boolean"),
        ({"product_id": "bad id!"}, "product_id", "invalid_id"),
    ],
)
def test_bad_values_are_400_with_problems(
    tenant_api: tuple[Api, TenantCtx], params: dict[str, str], path: str, code: str
) -> None:
    api, _ = tenant_api
    err = _error(api, "/v1/metrics/sales", 400, **params)
    assert err["code"] == "invalid_request"
    assert {"path": path, "code": code} in [
        {"path": p["path"], "code": p["code"]} for p in err["problems"]
    ]


def test_every_problem_is_reported_at_once(tenant_api: tuple[Api, TenantCtx]) -> None:
    api, _ = tenant_api
    err = _error(
        api, "/v1/metrics", 400, metrics="sales", start_date="x", interval="hour", livemode="1"
    )
    assert [p["path"] for p in err["problems"]] == ["start_date", "interval", "livemode"]


def test_unknown_metric_lists_the_known_ones(tenant_api: tuple[Api, TenantCtx]) -> None:
    api, _ = tenant_api
    err = _error(api, "/v1/metrics/salez", 404)
    assert err["code"] == "unknown_metric"
    for name in ("sales", "refunds", "net_revenue", "fees", "invoices", "usage", "calls"):
        assert name in err["message"]
    err = _error(api, "/v1/metrics", 404, metrics="sales,nope,zilch")
    assert [p["message"] for p in err["problems"]] == [
        "'nope' is not a metric",
        "'zilch' is not a metric",
    ]
    err = _error(api, "/v1/metrics", 400)  # no metric named at all
    assert err["problems"][0]["path"] == "metrics"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"product_id": "prod_x"}, "no product 'prod_x'"),
        ({"plan_id": "plan_x"}, "no plan 'plan_x'"),
        ({"partner_id": "partner_x"}, "no partner 'partner_x'"),
    ],
)
def test_unknown_records_are_404(
    tenant_api: tuple[Api, TenantCtx], params: dict[str, str], message: str
) -> None:
    api, _ = tenant_api
    err = _error(api, "/v1/metrics/sales", 404, **params)
    assert (err["code"], err["message"]) == ("not_found", message)


def test_plan_of_another_product_is_400(tenant_api: tuple[Api, TenantCtx]) -> None:
    api, _ = tenant_api
    err = _error(api, "/v1/metrics/sales", 400, product_id="prod_a", plan_id="plan_b")
    assert err["problems"][0]["code"] == "plan_not_in_product"
    assert "belongs to product 'prod_b'" in err["message"]
    ok = api.get("/v1/metrics/sales", product_id="prod_b", plan_id="plan_b")
    assert ok.status_code == 200
    ok = api.get("/v1/metrics/calls", partner_id="partner_1")
    assert ok.status_code == 200


def test_missing_exchange_rate_is_422_naming_it(tenant_api: tuple[Api, TenantCtx]) -> None:
    api, _ = tenant_api
    err = _error(api, "/v1/metrics/sales", 422)
    assert err["code"] == "missing_fx_rate"
    assert "no exchange rate for EUR on 2025-03-01 (to USD)" in err["message"]
    # the EUR figures alone need no rate
    ok = api.metric("sales", currency="EUR", start_date="2025-03-01", end_date="2025-03-01")
    assert ok["entries"] == [
        {
            "date": "2025-03-01",
            "sales": "10.00",
            "sales_count": 1,
            "onetime_sales": "10.00",
            "onetime_sales_count": 1,
            "recurring_sales": "0.00",
            "recurring_sales_count": 0,
        }
    ]


def test_credentials(engine: Engine, tenant_api: tuple[Api, TenantCtx]) -> None:
    api, tenant = tenant_api
    bare = api.client.get("/v1/metrics/sales")
    assert bare.status_code == 401 and bare.json()["error"]["code"] == "unauthorized"
    wrong = api.client.get(
        "/v1/metrics/sales", headers={"Authorization": f"Bearer {tenant.key_id}.wrongsecret"}
    )
    assert wrong.status_code == 401
    ingest_only = reader(engine, tenant, "ingest:write")
    denied = api.client.get("/v1/metrics/sales", headers=ingest_only)
    assert denied.status_code == 403 and "analytics:read" in denied.json()["error"]["message"]
    # authentication comes before the parameters and the metric name
    assert api.client.get("/v1/metrics/nope?start_date=x").status_code == 401
    assert api.client.get("/v1/metrics/nope", headers=ingest_only).status_code == 403
    # an admin key reads metrics too
    assert api.client.get("/v1/metrics/fees", headers=tenant.headers).status_code == 200
