"""GET /api/v1/payments/stats: hand-computed values for every field, through the real server."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from tests.surfaces.devkit import scenario
from tests.surfaces.devkit.conftest import STATS_URL, Account, account
from tests.surfaces.devkit.schemas import HTTP_ERROR, validate, validate_stats


def _stats(http: httpx.Client, acct: Account, **params: Any) -> dict[str, Any]:
    response = http.get(STATS_URL, params=params, headers=acct.headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    body: dict[str, Any] = response.json()
    validate_stats(body)
    return body


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, scenario.NOW_WITH_TEST),  # test_mode defaults to true
        ({"test_mode": "true"}, scenario.NOW_WITH_TEST),
        ({"test_mode": "false"}, scenario.NOW_LIVE_ONLY),
        # FastAPI's boolean spellings
        ({"test_mode": "1"}, scenario.NOW_WITH_TEST),
        ({"test_mode": "0"}, scenario.NOW_LIVE_ONLY),
        ({"test_mode": "False"}, scenario.NOW_LIVE_ONLY),
        ({"test_mode": "no"}, scenario.NOW_LIVE_ONLY),
        ({"test_mode": "on"}, scenario.NOW_WITH_TEST),
    ],
    ids=["default", "true", "false", "1", "0", "False", "no", "on"],
)
def test_scenario(
    http: httpx.Client,
    scenario_account: Account,
    params: dict[str, str],
    expected: dict[str, Any],
) -> None:
    assert _stats(http, scenario_account, **params) == expected


def test_field_order_matches_the_seed(http: httpx.Client, scenario_account: Account) -> None:
    body = _stats(http, scenario_account)
    assert list(body) == [
        "total_projects",
        "projects_with_config",
        "projects_with_test",
        "projects_with_live",
        "total_subscriptions",
        "active_subscriptions",
        "total_payments",
        "successful_payments",
        "total_revenue_cents",
        "currency",
    ]


def test_empty_account_is_all_zeros_in_its_currency(engine: Engine, http: httpx.Client) -> None:
    acct = account(engine, http, currency="EUR")
    zeros = {name: 0 for name in scenario.NOW_WITH_TEST if name != "currency"}
    assert _stats(http, acct) == {**zeros, "currency": "eur"}
    assert _stats(http, acct, test_mode="false") == {**zeros, "currency": "eur"}


def test_zero_decimal_reporting_currency_and_local_day(engine: Engine, http: httpx.Client) -> None:
    """Reporting JPY (no minor unit) in Asia/Tokyo; the sum is rounded once, in yen.

    - JPY 1000 succeeded                                               1000
    - USD 10.00 at 2025-03-31T15:30Z = Apr 1 00:30 in Tokyo: Apr 1 rate 150.1234
                                                                       1501.234
      (the UTC day, Mar 31, has 149: 1490 -- must not be used)
    - EUR 0.50 on Apr 2 at 160.99                                        80.495
    total 2581.729 -> 2582 (rounding each payment first: 1000 + 1501 + 80 = 2581)
    """
    lines = [
        *scenario.catalog(),
        scenario.payment("p-jpy", "succeeded", "JPY", "1000", "2025-04-01T03:00:00Z"),
        scenario.payment("p-usd", "succeeded", "USD", "10.00", "2025-03-31T15:30:00Z"),
        scenario.payment("p-eur", "succeeded", "EUR", "0.50", "2025-04-02T03:00:00Z"),
        scenario.fx("USD", "2025-03-31", "149"),
        scenario.fx("USD", "2025-04-01", "150.1234"),
        scenario.fx("EUR", "2025-04-02", "160.99"),
    ]
    acct = account(engine, http, lines, timezone="Asia/Tokyo", currency="JPY")
    body = _stats(http, acct)
    assert (body["total_revenue_cents"], body["currency"]) == (2582, "jpy")
    assert (body["total_payments"], body["successful_payments"]) == (3, 3)


def test_three_decimal_reporting_currency(engine: Engine, http: httpx.Client) -> None:
    """KWD has 3 decimals: 'cents' are fils.  USD 12.34 at 0.307 = 3.78838 KWD -> 3788 fils."""
    lines = [
        *scenario.catalog(),
        scenario.payment("p-usd", "succeeded", "USD", "12.34", "2025-06-01T12:00:00Z"),
        scenario.fx("USD", "2025-06-01", "0.307"),
    ]
    acct = account(engine, http, lines, currency="KWD")
    body = _stats(http, acct)
    assert (body["total_revenue_cents"], body["currency"]) == (3788, "kwd")


def test_missing_rate_names_currency_and_day(engine: Engine, http: httpx.Client) -> None:
    """A succeeded EUR payment without a rate: an error naming it, never a silent wrong total.
    The payment is test-mode, so live-only statistics do not need the rate."""
    lines = [
        *scenario.catalog(),
        scenario.payment("p-usd", "succeeded", "USD", "10.00", "2025-05-05T12:00:00Z"),
        scenario.payment("p-eur", "succeeded", "EUR", "5.00", "2025-05-05T12:00:00Z", live=False),
    ]
    acct = account(engine, http, lines)
    response = http.get(STATS_URL, headers=acct.headers)
    assert response.status_code == 422
    validate(response.json(), HTTP_ERROR)
    assert response.json()["detail"].startswith("no exchange rate for EUR on 2025-05-05 (to USD)")
    live = _stats(http, acct, test_mode="false")
    assert (live["total_revenue_cents"], live["successful_payments"]) == (1000, 1)


def test_tenant_isolation(engine: Engine, http: httpx.Client, scenario_account: Account) -> None:
    """Another tenant's token sees only its own records, and the scenario's are unchanged."""
    other_lines = [
        *scenario.catalog(),
        scenario.payment("pay-usd-ok", "succeeded", "USD", "1.00", "2025-01-10T15:00:00Z"),
    ]
    other = account(engine, http, other_lines)
    assert _stats(http, other) == {
        "total_projects": 1,
        "projects_with_config": 1,
        "projects_with_test": 1,
        "projects_with_live": 1,
        "total_subscriptions": 0,
        "active_subscriptions": 0,
        "total_payments": 1,
        "successful_payments": 1,
        "total_revenue_cents": 100,
        "currency": "usd",
    }
    assert _stats(http, scenario_account) == scenario.NOW_WITH_TEST


def test_refund_and_new_payment_are_seen_on_the_next_request(
    http: httpx.Client, scenario_account: Account
) -> None:
    """No caching: a new succeeded payment counts at once; a refund never lowers revenue."""
    headers = scenario_account.tenant.headers
    refund = {"payment_id": "pay-usd-ok", "amount": "100.00", "created_at": "2025-03-02T00:00:00Z"}
    assert http.put("/v1/refunds/re-2", json=refund, headers=headers).status_code == 201
    _, data = scenario.payment("pay-new", "succeeded", "USD", "0.01", "2025-03-03T00:00:00Z")
    assert http.put("/v1/payments/pay-new", json=data, headers=headers).status_code == 201
    body = _stats(http, scenario_account)
    assert body == {
        **scenario.NOW_WITH_TEST,
        "total_payments": 13,
        "successful_payments": 9,
        "total_revenue_cents": 18753,
    }
