"""``upcoming_charges`` usage and ``usage_progress``: hand-computed scenarios over HTTP."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import Engine

from tests.conftest import make_tenant
from tests.surfaces.portal.builders import Ledger, feature
from tests.surfaces.portal.conftest import Clock, dashboard, issue
from tests.surfaces.portal.schema import DASHBOARD, validate


def _summary(
    client: httpx.Client, engine: Engine, clock: Clock, ledger: Ledger, now: str, tz: str = "UTC"
) -> dict[str, Any]:
    tenant = make_tenant(engine, timezone=tz)
    ledger.load(client, tenant)
    clock.now = datetime.fromisoformat(now)
    response = dashboard(client, issue(client, tenant, "c")["token"])
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    validate(body, DASHBOARD)
    return body


def _charges(body: dict[str, Any]) -> list[tuple[str, int, int, int]]:
    return [
        (
            c["subscription_external_id"],
            c["base_amount_cents"],
            c["usage_amount_cents"],
            c["total_estimated_cents"],
        )
        for c in body["upcoming_charges"]
    ]


def _progress(body: dict[str, Any]) -> list[tuple[str, str, str, str, str | None, float | None]]:
    return [
        (
            p["feature_code"],
            p["feature_name"],
            p["feature_type"],
            p["entitlement_value"],
            p["current_usage"],
            p["usage_percentage"],
        )
        for p in body["usage_progress"]
    ]


def test_usage_of_the_current_period_priced_and_rounded_once(
    client: httpx.Client, clock: Clock, engine: Engine
) -> None:
    features = [
        feature("api_calls", "quantity", "10000", "API calls"),
        feature("sms", "quantity", "100", "SMS"),
        feature("sso", "boolean", "true", "SSO"),
        feature("support", "custom", "email", "Support"),
        feature("storage", "quantity", "0", "Storage"),
    ]
    ledger = (
        Ledger()
        .product()
        .plan("p", "50.00", features=features, usage={"api_calls": "0.002", "sms": "0.05"})
        .customer("c")
        .subscription("sub-1", "c", "p", "2025-01-15T00:00:00Z")
        # Period at now (2025-02-20): [2025-02-15, 2025-03-15).
        .usage("e1", "c", "api_calls", "1000", "2025-02-14T23:59:59Z", "sub-1")  # last period
        .usage("e2", "c", "api_calls", "2500", "2025-02-15T00:00:00Z")  # first instant; untied
        .usage("e3", "c", "api_calls", "1502.5", "2025-02-19T10:00:00Z", "sub-1")
        .usage("e4", "c", "sms", "30.1", "2025-02-18T00:00:00Z")
        .usage("e5", "c", "api_calls", "999", "2025-02-20T00:00:01Z")  # after now
        .usage("e6", "c", "storage", "3", "2025-02-16T00:00:00Z")
        .usage("e7", "c", "not_priced", "50", "2025-02-16T00:00:00Z")
    )
    body = _summary(client, engine, clock, ledger, "2025-02-20T00:00:00Z")
    # api_calls 4002.5 x 0.002 = 8.005 and sms 30.1 x 0.05 = 1.505: 9.51 in total (rounding
    # each metric first would give 8.00 + 1.50).
    assert _charges(body) == [("sub-1", 5000, 951, 5951)]
    assert _progress(body) == [
        ("api_calls", "API calls", "quantity", "10000", "4002.5", 40.02),  # 40.025 half-even
        ("sms", "SMS", "quantity", "100", "30.1", 30.1),
        ("sso", "SSO", "boolean", "true", None, None),
        ("support", "Support", "custom", "email", None, None),
        ("storage", "Storage", "quantity", "0", "3", None),  # a limit of 0: no percentage
    ]


def test_usage_up_to_now_inclusive(client: httpx.Client, clock: Clock, engine: Engine) -> None:
    ledger = (
        Ledger()
        .product()
        .plan(
            "p",
            "50.00",
            features=[feature("api_calls", "quantity", "40")],
            usage={"api_calls": "1"},
        )
        .customer("c")
        .subscription("sub-1", "c", "p", "2025-01-15T00:00:00Z")
        .usage("e1", "c", "api_calls", "7", "2025-02-20T00:00:00Z")
        .usage("e2", "c", "api_calls", "5", "2025-02-20T00:00:00.000001Z")
    )
    body = _summary(client, engine, clock, ledger, "2025-02-20T00:00:00Z")
    assert _charges(body) == [("sub-1", 5000, 700, 5700)]
    assert _progress(body)[0][4:] == ("7", 17.5)


def test_two_subscriptions_attribution_and_feature_dedup(
    client: httpx.Client, clock: Clock, engine: Engine
) -> None:
    a_features = [
        feature("api_calls", "quantity", "1000", "API calls (A)"),
        feature("seats", "quantity", "5", "Seats (A)"),
    ]
    b_features = [
        feature("api_calls", "quantity", "50", "API calls (B)"),
        feature("seats", "quantity", "10", "Seats (B)"),
        feature("exports", "quantity", "20", "Exports"),
    ]
    ledger = (
        Ledger()
        .product()
        .plan("pa", "10.00", features=a_features, usage={"api_calls": "0.01"})
        .plan("pb", "5.00", "week", features=b_features, usage={"api_calls": "0.02"})
        .customer("c")
        .subscription("sub-a", "c", "pa", "2025-01-01T00:00:00Z")
        .subscription("sub-b", "c", "pb", "2025-02-01T00:00:00Z")
        # now 2025-02-19T12:00: sub-a's period [Feb 1, Mar 1), sub-b's [Feb 15, Feb 22).
        .usage("u1", "c", "api_calls", "1500", "2025-02-10T00:00:00Z")  # untied -> sub-a
        .usage("u2", "c", "api_calls", "10", "2025-02-16T00:00:00Z")  # untied -> sub-a
        .usage("b1", "c", "api_calls", "40", "2025-02-16T00:00:00Z", "sub-b")
        .usage("b0", "c", "api_calls", "60", "2025-02-14T00:00:00Z", "sub-b")  # b's last week
        .usage("x1", "c", "exports", "5", "2025-02-18T00:00:00Z")  # untied -> sub-b (only plan)
    )
    body = _summary(client, engine, clock, ledger, "2025-02-19T12:00:00Z")
    assert [
        (b["subscription_external_id"], b["plan_interval"], b["next_billing_date"])
        for b in body["next_billing"]
    ] == [
        ("sub-a", "monthly", "2025-03-01T00:00:00+00:00"),
        ("sub-b", "weekly", "2025-02-22T00:00:00+00:00"),
    ]
    assert [b["days_until_next_billing"] for b in body["next_billing"]] == [9, 2]
    assert _charges(body) == [("sub-a", 1000, 1510, 2510), ("sub-b", 500, 80, 580)]
    assert _progress(body) == [
        ("api_calls", "API calls (A)", "quantity", "1000", "1510", 100.0),  # capped at 100
        ("seats", "Seats (A)", "quantity", "5", "0", 0.0),
        ("exports", "Exports", "quantity", "20", "5", 25.0),
    ]


def test_trial_period_usage(client: httpx.Client, clock: Clock, engine: Engine) -> None:
    ledger = (
        Ledger()
        .product()
        .plan("p", "50.00", usage={"api_calls": "0.10"})
        .customer("c")
        .subscription(
            "sub-1",
            "c",
            "p",
            "2025-01-10T00:00:00Z",
            status="trialing",
            trial_ends_at="2025-01-24T00:00:00Z",
        )
        .usage("e0", "c", "api_calls", "5", "2025-01-09T23:00:00Z")  # before the start
        .usage("e1", "c", "api_calls", "3", "2025-01-12T00:00:00Z")
    )
    body = _summary(client, engine, clock, ledger, "2025-01-20T00:00:00Z")
    assert _charges(body) == [("sub-1", 5000, 30, 5030)]


def test_period_boundary_in_the_tenant_zone(
    client: httpx.Client, clock: Clock, engine: Engine
) -> None:
    """Anchored Jan 30 22:00 New York time: the March period starts Feb 28 22:00 EST, which is
    Mar 1 03:00 UTC; an event at 02:59:59 UTC on Mar 1 belongs to February's period."""
    ledger = (
        Ledger()
        .product()
        .plan("p", "50.00", usage={"api_calls": "1.00"})
        .customer("c")
        .subscription("sub-1", "c", "p", "2025-01-31T03:00:00Z")
        .usage("e1", "c", "api_calls", "100", "2025-03-01T02:59:59Z")
        .usage("e2", "c", "api_calls", "2", "2025-03-01T03:00:00Z")
    )
    body = _summary(client, engine, clock, ledger, "2025-03-05T00:00:00Z", tz="America/New_York")
    assert body["next_billing"][0]["next_billing_date"] == "2025-03-31T02:00:00+00:00"
    assert _charges(body) == [("sub-1", 5000, 200, 5200)]


def test_inactive_subscriptions_contribute_nothing(
    client: httpx.Client, clock: Clock, engine: Engine
) -> None:
    """Paused and cancelled plans list no features; events tied to them count nowhere; untied
    events go to the live subscription that charges them."""
    ledger = (
        Ledger()
        .product()
        .plan(
            "live",
            "20.00",
            features=[feature("api_calls", "quantity", "100")],
            usage={"api_calls": "1"},
        )
        .plan(
            "old",
            "30.00",
            features=[feature("old_feature", "boolean", "true")],
            usage={"api_calls": "9"},
        )
        .customer("c")
        .subscription("s-paused", "c", "old", "2024-12-01T00:00:00Z", status="paused")
        .subscription(
            "s-cancelled",
            "c",
            "old",
            "2024-12-01T00:00:00Z",
            status="cancelled",
            cancelled_at="2025-01-01T00:00:00Z",
        )
        .subscription("s-live", "c", "live", "2025-01-15T00:00:00Z")
        .usage("p1", "c", "api_calls", "50", "2025-02-16T00:00:00Z", "s-paused")
        .usage("c1", "c", "api_calls", "50", "2025-02-16T00:00:00Z", "s-cancelled")
        .usage("u1", "c", "api_calls", "4", "2025-02-16T00:00:00Z")
    )
    body = _summary(client, engine, clock, ledger, "2025-02-20T00:00:00Z")
    assert _charges(body) == [("s-live", 2000, 400, 2400)]
    assert _progress(body) == [("api_calls", "Api Calls", "quantity", "100", "4", 4.0)]
    assert body["quick_actions"]["has_active_subscription"] is True
