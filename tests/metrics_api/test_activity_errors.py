"""Bad requests to the movement log, cohorts and customer metrics: clear 4xx in the native
format, never a 500; credentials first."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import Engine

from tests.conftest import Frozen, TenantCtx
from tests.metrics_api.test_activity_scenario import LEDGER, NOW
from tests.metrics_api.test_activity_support import (
    ACTIVITIES,
    COHORTS,
    analyst,
    bearer,
    fail,
    key,
)

CUSTOMER = "/v1/customers/c1/metrics"
PATHS = [ACTIVITIES, COHORTS, CUSTOMER]


@pytest.fixture
def client(frozen: Frozen) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=frozen.url, timeout=60) as c:
        yield c


@pytest.fixture
def berlin(engine: Engine, client: httpx.Client, frozen: Frozen) -> tuple[TenantCtx, str]:
    tenant, token = analyst(engine, client, LEDGER, timezone="Europe/Berlin", currency="EUR")
    frozen.clock.now = NOW
    return tenant, token


@pytest.mark.parametrize("path", PATHS)
def test_credentials(
    engine: Engine, client: httpx.Client, berlin: tuple[TenantCtx, str], path: str
) -> None:
    tenant, _ = berlin
    assert fail(client, 401, None, path)["code"] == "unauthorized"
    assert fail(client, 401, "bk_nope.nope", path)["code"] == "unauthorized"
    writer = key(engine, tenant, "ingest:write")
    error = fail(client, 403, writer, path)
    assert error["code"] == "forbidden" and "analytics:read" in error["message"]
    # Bad parameters are not even looked at without a valid key.
    assert fail(client, 401, None, path, start_date="x")["code"] == "unauthorized"


def _problems(error: dict[str, object]) -> list[tuple[str, str]]:
    assert error["code"] == "invalid_request"
    problems = error["problems"]
    assert isinstance(problems, list)
    return [(p["path"], p["code"]) for p in problems]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(
    ("params", "problems"),
    [
        ({"start_date": "2024-13-01"}, [("start_date", "invalid_date")]),
        ({"start_date": "2024-1-01"}, [("start_date", "invalid_date")]),
        ({"end_date": "yesterday"}, [("end_date", "invalid_date")]),
        ({"start_date": "1969-12-31"}, [("start_date", "invalid_date")]),
        ({"end_date": "2200-01-01"}, [("end_date", "invalid_date")]),
        ({"start_date": "2024-03-10", "end_date": "2024-03-09"},
         [("start_date", "invalid_range")]),
        ({"livemode": "yes"}, [("livemode", "invalid_boolean")]),
        ({"currency": "EURO"}, [("currency", "invalid_currency")]),
        ({"currency": "XXX"}, [("currency", "invalid_currency")]),
        ({"product_id": "x" * 129}, [("product_id", "invalid_id")]),
        ({"plan_id": "a\x00b"}, [("plan_id", "invalid_id")]),
        ({"plan_id": "a b"}, [("plan_id", "invalid_id")]),
        ({"livemode": "no", "currency": "EURO", "foo": "1"},
         [("livemode", "invalid_boolean"), ("currency", "invalid_currency")]),
    ],
)  # fmt: skip
def test_bad_parameters(
    client: httpx.Client,
    berlin: tuple[TenantCtx, str],
    path: str,
    params: dict[str, str],
    problems: list[tuple[str, str]],
) -> None:
    _, token = berlin
    assert sorted(_problems(fail(client, 400, token, path, **params))) == sorted(problems)


@pytest.mark.parametrize(
    ("path", "params", "problems"),
    [
        (ACTIVITIES, {"type": "churned"}, [("type", "invalid_choice")]),
        (ACTIVITIES, {"type": "churn,"}, [("type", "invalid_choice")]),
        (ACTIVITIES, {"limit": "0"}, [("limit", "out_of_range")]),
        (ACTIVITIES, {"limit": "1001"}, [("limit", "out_of_range")]),
        (ACTIVITIES, {"limit": "ten"}, [("limit", "out_of_range")]),
        (ACTIVITIES, {"limit": "-1"}, [("limit", "out_of_range")]),
        (ACTIVITIES, {"format": "xml"}, [("format", "invalid_choice")]),
        (ACTIVITIES, {"q": "x" * 201}, [("q", "invalid")]),
        (ACTIVITIES, {"customer_id": "c 1"}, [("customer_id", "invalid_id")]),
        (CUSTOMER, {"interval": "fortnight"}, [("interval", "invalid_interval")]),
        (COHORTS, {"start_date": "2024-04-01", "end_date": "2024-03-31"},
         [("start_date", "invalid_range")]),
    ],
)  # fmt: skip
def test_endpoint_parameters(
    client: httpx.Client,
    berlin: tuple[TenantCtx, str],
    path: str,
    params: dict[str, str],
    problems: list[tuple[str, str]],
) -> None:
    _, token = berlin
    assert _problems(fail(client, 400, token, path, **params)) == problems


@pytest.mark.parametrize("path", PATHS)
def test_repeated_parameter(client: httpx.Client, berlin: tuple[TenantCtx, str], path: str) -> None:
    _, token = berlin
    response = client.get(
        path, params=[("livemode", "true"), ("livemode", "false")], headers=bearer(token)
    )
    assert response.status_code == 400
    assert _problems(response.json()["error"]) == [("livemode", "repeated_parameter")]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(("name", "kind"), [("product_id", "product"), ("plan_id", "plan")])
def test_unknown_product_or_plan(
    client: httpx.Client, berlin: tuple[TenantCtx, str], path: str, name: str, kind: str
) -> None:
    _, token = berlin
    error = fail(client, 404, token, path, **{name: "nope"})
    assert error["code"] == "not_found" and error["message"] == f"no {kind} 'nope'"


@pytest.mark.parametrize("path", PATHS)
def test_plan_of_another_product(
    client: httpx.Client, berlin: tuple[TenantCtx, str], path: str
) -> None:
    _, token = berlin
    error = fail(client, 400, token, path, product_id="prod", plan_id="o20")
    assert _problems(error) == [("plan_id", "plan_not_in_product")]


@pytest.mark.parametrize("path", PATHS)
def test_unknown_parameters_are_ignored(
    client: httpx.Client, berlin: tuple[TenantCtx, str], path: str
) -> None:
    """As everywhere in the native API (the dashboard sends its whole filter set)."""
    _, token = berlin
    plain = client.get(path, headers=bearer(token))
    extra = client.get(path, params={"interval": "week", "foo": "1"}, headers=bearer(token))
    if path == CUSTOMER:  # interval is one of its parameters
        extra = client.get(path, params={"limit": "5", "foo": "1"}, headers=bearer(token))
    assert plain.status_code == extra.status_code == 200
    assert plain.json() == extra.json()


def test_unknown_customer_filter(client: httpx.Client, berlin: tuple[TenantCtx, str]) -> None:
    _, token = berlin
    error = fail(client, 404, token, ACTIVITIES, customer_id="nobody")
    assert error == {"code": "not_found", "message": "no customer 'nobody'"}


def test_too_many_buckets(client: httpx.Client, berlin: tuple[TenantCtx, str]) -> None:
    _, token = berlin
    error = fail(client, 400, token, CUSTOMER, start_date="2020-01-01", end_date="2022-12-31")
    assert error["code"] == "too_many_buckets" and "1000" in error["message"]
    error = fail(client, 400, token, CUSTOMER, start_date="1970-01-01", end_date="2199-12-31",
                 interval="week")  # fmt: skip
    assert error["code"] == "too_many_buckets"
    error = fail(client, 400, token, COHORTS, start_date="2000-01-01", end_date="2024-03-28")
    assert error["code"] == "too_many_buckets" and "240" in error["message"]


def test_wide_ranges_that_fit(client: httpx.Client, berlin: tuple[TenantCtx, str]) -> None:
    """The widest ranges allowed answer (no overflow at the calendar's ends)."""
    _, token = berlin
    for params in (
        {"start_date": "1970-01-01", "end_date": "2199-12-31"},
        {"end_date": "1970-01-05"},
    ):
        response = client.get(ACTIVITIES, params=params, headers=bearer(token))
        assert response.status_code == 200, response.text
    response = client.get(
        CUSTOMER,
        params={"start_date": "1970-01-01", "end_date": "2053-04-30", "interval": "month"},
        headers=bearer(token),
    )
    assert response.status_code == 200 and len(response.json()["entries"]) == 1000
    response = client.get(
        COHORTS, params={"start_date": "2180-01-01", "end_date": "2199-12-31"},
        headers=bearer(token),
    )  # fmt: skip
    assert response.status_code == 200 and response.json()["cohorts"] == []
