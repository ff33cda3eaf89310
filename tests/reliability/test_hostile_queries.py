"""Far-future and out-of-range dates in query strings, on every surface that takes dates, and
the widest ranges the caps allow: a clean 400 in the surface's format, never a 500; the widest
allowed ranges answer (their cost is bounded by a page or a bucket count, not by the range)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import TenantCtx
from tests.reliability.hostile import basic, partner_headers, seed_customer

PROBLEM = "https://symfony.com/errors/validation"
RANGE = "must be between 1970-01-01 and 2199-12-31"


def invalid_request(*problems: tuple[str, str, str]) -> Any:
    return {
        "error": {
            "code": "invalid_request",
            "message": "; ".join(m for _, _, m in problems),
            "problems": [{"path": p, "code": c, "message": m} for p, c, m in problems],
        }
    }


def fynn(path: str, title: str) -> Any:
    return {
        "type": PROBLEM,
        "title": "Validation Failed",
        "status": 400,
        "detail": f"{path}: {title}",
        "violations": [{"propertyPath": path, "title": title}],
    }


NATIVE = [
    ("metrics start 9999", "/v1/metrics/mrr",
     {"start_date": "9999-01-01", "end_date": "9999-12-31"},
     invalid_request(("start_date", "invalid_date", f"start_date {RANGE}"),
                     ("end_date", "invalid_date", f"end_date {RANGE}"))),
    ("metrics end 10000", "/v1/metrics", {"metrics": "mrr", "end_date": "10000-01-01"},
     invalid_request(("end_date", "invalid_date", "end_date must be a date YYYY-MM-DD"))),
    ("cohorts start 9999", "/v1/metrics/cohorts", {"start_date": "9999-01-01"},
     invalid_request(("start_date", "invalid_date", f"start_date {RANGE}"))),
    ("activities end 9999", "/v1/metrics/activities", {"end_date": "9999-12-31"},
     invalid_request(("end_date", "invalid_date", f"end_date {RANGE}"))),
    ("customer metrics end 10000", "/v1/customers/cus_1/metrics", {"end_date": "10000-01-01"},
     invalid_request(("end_date", "invalid_date", "end_date must be a date YYYY-MM-DD"))),
    ("ingest since 9999", "/v1/usage_events", {"since": "9999-12-31T00:00:00Z"},
     {"error": {"code": "invalid_filter", "message": "since: must be between 1970 and 2200"}}),
    ("ingest until 10000", "/v1/usage_events", {"until": "10000-01-01T00:00:00Z"},
     {"error": {"code": "invalid_filter",
                "message": "until: must be an ISO 8601 timestamp with offset"}}),
    ("fynn from 9999", "/analytics/subscription-revenue", {"from": "9999-01-01"},
     fynn("from", "must be between 1970-01-01 and 2199-12-31")),
    ("fynn to 10000", "/analytics/subscription-revenue", {"to": "10000-01-01"},
     fynn("to", "'10000-01-01' is not a date (YYYY-MM-DD)")),
]  # fmt: skip


@pytest.mark.parametrize(
    ("path", "params", "expected"), [n[1:] for n in NATIVE], ids=[n[0] for n in NATIVE]
)
def test_bearer_surfaces(
    path: str, params: dict[str, str], expected: Any, api: httpx.Client
) -> None:
    seed_customer(api)
    response = api.get(path, params=params)
    assert response.status_code == 400, response.text
    assert response.json() == expected


VOBIZ = [
    ("to 9999-12-31", {"to_date": "9999-12-31"},
     "to_date must be between 1000-01-01 and 9998-12-31"),
    ("from 10000-01-01", {"from_date": "10000-01-01", "to_date": "2025-01-01"},
     "from_date must be a date as YYYY-MM-DD, got '10000-01-01'"),
]  # fmt: skip


@pytest.mark.parametrize(("params", "message"), [v[1:] for v in VOBIZ], ids=[v[0] for v in VOBIZ])
def test_vobiz(params: dict[str, str], message: str, api: httpx.Client, http: httpx.Client) -> None:
    headers = partner_headers(api)
    response = http.get("/api/v1/partner/analytics", params=params, headers=headers)
    assert response.status_code == 400, response.text
    body = response.json()
    given = {"from_date": params.get("from_date"), "to_date": params.get("to_date")}
    assert body["error"] == {"code": "INVALID_DATE_RANGE", "message": message, "details": given}


def test_widest_allowed_ranges_answer(
    api: httpx.Client, http: httpx.Client, tenant: TenantCtx
) -> None:
    """1970-01-01..2199-12-31 where no bucket cap applies: computed per page or as totals."""
    seed_customer(api)
    whole = {"start_date": "1970-01-01", "end_date": "2199-12-31"}
    log = api.get("/v1/metrics/activities", params=whole)
    assert log.status_code == 200 and log.json()["data"] == []
    yearly = api.get("/v1/metrics/mrr", params={**whole, "interval": "year"})
    assert yearly.status_code == 200 and len(yearly.json()["entries"]) == 230
    revenue = api.get(
        "/analytics/subscription-revenue",
        params={"from": "1970-01-01", "to": "2199-12-31", "page": "1000000000"},
    )
    assert revenue.status_code == 200
    assert revenue.json()["data"] == []
    pabbly = http.post(
        "/api/v2/getdashboardstats",
        json={"product_id": "all", "interval": "custom", **whole},
        headers=basic(tenant),
    )
    assert pabbly.status_code == 200, pabbly.text
    assert pabbly.json()["status"] == "success"
