"""``next_billing`` (and the base of ``upcoming_charges``): hand-computed scenarios.

Each case loads a plan, a customer and one subscription (one line per version), sets the clock
and reads the dashboard over HTTP.  Expected dates and day counts were computed by hand from the
billing calendar rules (anchor = trial end or start; calendar months clamped to the month's end;
the tenant's wall clock); amounts from plan x quantity and the discount rules.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from tests.conftest import make_tenant
from tests.surfaces.portal.builders import Ledger
from tests.surfaces.portal.conftest import Clock, dashboard, issue
from tests.surfaces.portal.schema import DASHBOARD, validate

NAMESPACE = uuid.UUID("35867989-b74c-40c5-940c-bf1066a4e17b")  # docs/metrics.md (customer portal)


@dataclass
class Case:
    name: str
    now: str
    versions: list[dict[str, Any]]
    next_billing_date: str | None  # None: no next billing entry
    days: int = 0
    amount_cents: int = 5000
    interval: str = "monthly"
    plan: dict[str, Any] = field(default_factory=dict)
    tz: str = "UTC"
    currency: str = "USD"


def _v(started_at: str, **fields: Any) -> dict[str, Any]:
    return {"started_at": started_at, "status": "active", **fields}


ACTIVE_JAN31 = [_v("2025-01-31T10:00:00Z")]
Q3 = {"amount": "19.99"}
TRIAL = {"status": "trialing", "trial_ends_at": "2025-01-29T00:00:00Z"}

CASES = [
    # --- month-end anchors: the 31st bills on the last day of shorter months, then the 31st again
    Case("jan31_to_feb28", "2025-02-10T00:00:00Z", ACTIVE_JAN31, "2025-02-28T10:00:00+00:00", 18),
    Case(
        "feb28_back_to_mar31", "2025-03-01T00:00:00Z", ACTIVE_JAN31, "2025-03-31T10:00:00+00:00", 30
    ),
    Case("mar31_to_apr30", "2025-04-01T00:00:00Z", ACTIVE_JAN31, "2025-04-30T10:00:00+00:00", 29),
    Case(
        "leap_year_feb29",
        "2024-02-05T00:00:00Z",
        [_v("2024-01-31T10:00:00Z")],
        "2024-02-29T10:00:00+00:00",
        24,
    ),
    # --- boundaries: a bill exactly at now is the current one; the next is strictly later
    Case(
        "exactly_at_billing_instant",
        "2025-02-15T00:00:00Z",
        [_v("2025-01-15T00:00:00Z")],
        "2025-03-15T00:00:00+00:00",
        28,
    ),
    Case(
        "one_second_before",
        "2025-02-14T23:59:59Z",
        [_v("2025-01-15T00:00:00Z")],
        "2025-02-15T00:00:00+00:00",
        0,
    ),
    # --- other intervals
    Case(
        "yearly_from_feb29",
        "2025-01-01T00:00:00Z",
        [_v("2024-02-29T12:00:00Z")],
        "2025-02-28T12:00:00+00:00",
        58,
        12000,
        "yearly",
        {"amount": "120.00", "unit": "year"},
    ),
    Case(
        "yearly_back_to_feb29",
        "2027-06-01T00:00:00Z",
        [_v("2024-02-29T12:00:00Z")],
        "2028-02-29T12:00:00+00:00",
        273,
        12000,
        "yearly",
        {"amount": "120.00", "unit": "year"},
    ),
    Case(
        "weekly",
        "2025-03-20T12:00:00Z",
        [_v("2025-03-03T09:00:00Z")],
        "2025-03-24T09:00:00+00:00",
        3,
        1000,
        "weekly",
        {"amount": "10.00", "unit": "week"},
    ),
    Case(
        "every_two_weeks",
        "2025-03-20T12:00:00Z",
        [_v("2025-03-03T09:00:00Z")],
        "2025-03-31T09:00:00+00:00",
        10,
        1000,
        "every_2_weeks",
        {"amount": "10.00", "unit": "week", "count": 2},
    ),
    Case(
        "quarterly_nov30_to_feb28",
        "2025-01-10T00:00:00Z",
        [_v("2024-11-30T00:00:00Z")],
        "2025-02-28T00:00:00+00:00",
        49,
        15000,
        "quarterly",
        {"amount": "150.00", "count": 3},
    ),
    Case(
        "quarterly_back_to_may30",
        "2025-03-01T00:00:00Z",
        [_v("2024-11-30T00:00:00Z")],
        "2025-05-30T00:00:00+00:00",
        90,
        15000,
        "quarterly",
        {"amount": "150.00", "count": 3},
    ),
    Case(
        "daily_under_a_day_is_zero",
        "2025-03-05T07:00:00Z",
        [_v("2025-03-01T06:00:00Z")],
        "2025-03-06T06:00:00+00:00",
        0,
        100,
        "daily",
        {"amount": "1.00", "unit": "day"},
    ),
    # --- trial: the anchor is the trial end
    Case(
        "trialing_bills_at_trial_end",
        "2025-01-20T00:00:00Z",
        [_v("2025-01-10T00:00:00Z", status="trialing", trial_ends_at="2025-01-24T00:00:00Z")],
        "2025-01-24T00:00:00+00:00",
        4,
    ),
    Case(
        "after_trial_bills_on_trial_end_day",
        "2025-03-01T00:00:00Z",
        [
            _v("2025-01-10T00:00:00Z", status="trialing", trial_ends_at="2025-01-24T00:00:00Z"),
            _v(
                "2025-01-10T00:00:00Z",
                trial_ends_at="2025-01-24T00:00:00Z",
                effective_at="2025-01-24T00:00:00Z",
            ),
        ],
        "2025-03-24T00:00:00+00:00",
        23,
    ),
    # --- the tenant's zone: months and days are local
    Case(
        "new_york_jan30_evening_bills_feb28_evening",
        "2025-02-10T00:00:00Z",
        [_v("2025-01-31T03:00:00Z")],  # Jan 30 22:00 EST
        "2025-03-01T03:00:00+00:00",  # Feb 28 22:00 EST
        19,
        tz="America/New_York",
    ),
    Case(
        "new_york_keeps_wall_time_across_dst",
        "2025-03-05T00:00:00Z",
        [_v("2025-01-31T03:00:00Z")],
        "2025-03-31T02:00:00+00:00",  # Mar 30 22:00 EDT
        26,
        tz="America/New_York",
    ),
    Case(
        "tokyo_jan31_morning_bills_feb28_morning",
        "2025-02-05T00:00:00Z",
        [_v("2025-01-30T23:00:00Z")],  # Jan 31 08:00 JST
        "2025-02-27T23:00:00+00:00",  # Feb 28 08:00 JST
        22,
        tz="Asia/Tokyo",
    ),
    Case(
        "new_york_wall_time_missing_on_dst_day",
        "2025-03-01T00:00:00Z",
        [_v("2025-02-09T07:30:00Z")],  # Feb 9 02:30 EST; Mar 9 02:30 does not exist
        "2025-03-09T07:30:00+00:00",  # read with the offset before the change (03:30 EDT)
        8,
        tz="America/New_York",
    ),
    Case(
        "new_york_wall_time_returns_after_dst_day",
        "2025-03-10T00:00:00Z",
        [_v("2025-02-09T07:30:00Z")],
        "2025-04-09T06:30:00+00:00",  # Apr 9 02:30 EDT
        30,
        tz="America/New_York",
    ),
    # --- amounts: quantity and discounts
    Case(
        "quantity",
        "2025-02-01T00:00:00Z",
        [_v("2025-01-15T00:00:00Z", quantity=3)],
        "2025-02-15T00:00:00+00:00",
        14,
        5997,
        plan=Q3,
    ),
    Case(
        "percent_forever_rounds_half_even_once",
        "2025-02-01T00:00:00Z",
        [
            _v(
                "2025-01-15T00:00:00Z",
                quantity=3,
                discount={"percent": "15", "duration": "forever"},
            )
        ],
        "2025-02-15T00:00:00+00:00",
        14,
        5097,  # 59.97 x 0.85 = 50.9745
        plan=Q3,
    ),
    Case(
        "amount_forever",
        "2025-02-01T00:00:00Z",
        [_v("2025-01-15T00:00:00Z", quantity=3, discount={"amount": "5", "duration": "forever"})],
        "2025-02-15T00:00:00+00:00",
        14,
        5497,
        plan=Q3,
    ),
    Case(
        "amount_larger_than_price_is_zero",
        "2025-02-01T00:00:00Z",
        [_v("2025-01-15T00:00:00Z", quantity=3, discount={"amount": "100", "duration": "forever"})],
        "2025-02-15T00:00:00+00:00",
        14,
        0,
        plan=Q3,
    ),
    Case(
        "once_was_used_by_the_first_invoice",
        "2025-02-01T00:00:00Z",
        [_v("2025-01-15T00:00:00Z", quantity=3, discount={"percent": "50", "duration": "once"})],
        "2025-02-15T00:00:00+00:00",
        14,
        5997,
        plan=Q3,
    ),
    Case(
        "once_applies_to_first_invoice_after_trial",
        "2025-01-20T00:00:00Z",
        [
            _v(
                "2025-01-15T00:00:00Z",
                quantity=3,
                discount={"percent": "50", "duration": "once"},
                **TRIAL,
            )
        ],
        "2025-01-29T00:00:00+00:00",
        9,
        2998,  # 29.985 -> half-even 29.98
        plan=Q3,
    ),
    Case(
        "once_added_later_applies_to_next_invoice",
        "2025-03-01T00:00:00Z",
        [
            _v("2025-01-15T00:00:00Z", quantity=3),
            _v(
                "2025-01-15T00:00:00Z",
                quantity=3,
                discount={"amount": "10", "duration": "once"},
                effective_at="2025-02-20T00:00:00Z",
            ),
        ],
        "2025-03-15T00:00:00+00:00",
        14,
        4997,
        plan=Q3,
    ),
    Case(
        "once_added_later_is_spent_after_that_invoice",
        "2025-03-20T00:00:00Z",
        [
            _v("2025-01-15T00:00:00Z", quantity=3),
            _v(
                "2025-01-15T00:00:00Z",
                quantity=3,
                discount={"amount": "10", "duration": "once"},
                effective_at="2025-02-20T00:00:00Z",
            ),
            # A later quantity change keeps the same discount: still spent.
            _v(
                "2025-01-15T00:00:00Z",
                quantity=2,
                discount={"amount": "10", "duration": "once"},
                effective_at="2025-03-16T00:00:00Z",
            ),
        ],
        "2025-04-15T00:00:00+00:00",
        26,
        3998,
        plan=Q3,
    ),
    Case(
        "repeating_before_its_end",
        "2025-03-01T00:00:00Z",
        [
            _v(
                "2025-01-15T00:00:00Z",
                quantity=3,
                discount={
                    "percent": "20",
                    "duration": "repeating",
                    "ends_at": "2025-04-01T00:00:00Z",
                },
            )
        ],
        "2025-03-15T00:00:00+00:00",
        14,
        4798,  # 47.976
        plan=Q3,
    ),
    Case(
        "repeating_after_its_end",
        "2025-03-20T00:00:00Z",
        [
            _v(
                "2025-01-15T00:00:00Z",
                quantity=3,
                discount={
                    "percent": "20",
                    "duration": "repeating",
                    "ends_at": "2025-04-01T00:00:00Z",
                },
            )
        ],
        "2025-04-15T00:00:00+00:00",
        26,
        5997,
        plan=Q3,
    ),
    Case(
        "repeating_ending_at_the_billing_instant_does_not_apply",
        "2025-03-01T00:00:00Z",
        [
            _v(
                "2025-01-15T00:00:00Z",
                quantity=3,
                discount={
                    "percent": "20",
                    "duration": "repeating",
                    "ends_at": "2025-03-15T00:00:00Z",
                },
            )
        ],
        "2025-03-15T00:00:00+00:00",
        14,
        5997,
        plan=Q3,
    ),
    Case(
        "sub_cent_price_rounds_half_even",
        "2025-02-01T00:00:00Z",
        [_v("2025-01-15T00:00:00Z")],
        "2025-02-15T00:00:00+00:00",
        14,
        12,  # 0.125 -> 0.12
        plan={"amount": "0.125"},
    ),
    Case(
        "zero_decimal_currency",
        "2025-02-01T00:00:00Z",
        [
            _v(
                "2025-01-15T00:00:00Z",
                quantity=3,
                discount={"percent": "15", "duration": "forever"},
            )
        ],
        "2025-02-15T00:00:00+00:00",
        14,
        2550,  # JPY 3000 x 0.85, minor unit = 1 yen
        plan={"amount": "1000", "currency": "JPY"},
        currency="JPY",
    ),
    # --- which subscriptions bill
    Case(
        "past_due_still_bills",
        "2025-02-01T00:00:00Z",
        [_v("2025-01-15T00:00:00Z", status="past_due")],
        "2025-02-15T00:00:00+00:00",
        14,
    ),
    Case(
        "paused_does_not_bill",
        "2025-02-01T00:00:00Z",
        [_v("2025-01-15T00:00:00Z", status="paused")],
        None,
    ),
    Case(
        "cancelled_by_a_backdated_version",
        "2025-02-01T00:00:00Z",
        [
            _v("2025-01-15T00:00:00Z"),
            _v(
                "2025-01-15T00:00:00Z",
                status="cancelled",
                cancelled_at="2025-01-20T00:00:00Z",
                ended_at="2025-01-20T00:00:00Z",
                effective_at="2025-01-20T00:00:00Z",
            ),
        ],
        None,
    ),
    Case(
        "ending_at_the_next_billing_instant_does_not_renew",
        "2025-02-01T00:00:00Z",
        [_v("2025-01-15T00:00:00Z", ended_at="2025-02-15T00:00:00Z")],
        None,
    ),
    Case(
        "ending_after_the_next_billing_instant_renews",
        "2025-02-01T00:00:00Z",
        [_v("2025-01-15T00:00:00Z", ended_at="2025-02-15T00:00:01Z")],
        "2025-02-15T00:00:00+00:00",
        14,
    ),
    Case(
        "a_version_after_now_is_not_in_effect_yet",
        "2025-02-01T00:00:00Z",
        [
            _v("2025-01-15T00:00:00Z", quantity=1),
            _v("2025-01-15T00:00:00Z", quantity=4, effective_at="2025-02-10T00:00:00Z"),
        ],
        "2025-02-15T00:00:00+00:00",
        14,
        5000,
    ),
    Case(
        "not_started_yet_is_not_shown",
        "2025-01-01T00:00:00Z",
        [_v("2025-01-15T00:00:00Z")],
        None,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_next_billing(case: Case, client: httpx.Client, clock: Clock, engine: Engine) -> None:
    tenant = make_tenant(engine, timezone=case.tz)
    plan = {"amount": "50.00", **case.plan}
    ledger = Ledger().product().plan("p", **plan).customer("c", case.currency)
    for version in case.versions:
        ledger.subscription("sub-1", "c", "p", **version)
    ledger.load(client, tenant)

    clock.now = datetime.fromisoformat(case.now)
    response = dashboard(client, issue(client, tenant, "c")["token"])
    assert response.status_code == 200, response.text
    body = response.json()
    validate(body, DASHBOARD)

    if case.next_billing_date is None:
        assert body["next_billing"] == [] and body["upcoming_charges"] == []
        return
    sub_uuid = str(uuid.uuid5(NAMESPACE, f"{tenant.id}:sub-1"))
    assert body["next_billing"] == [
        {
            "subscription_id": sub_uuid,
            "subscription_external_id": "sub-1",
            "plan_name": "Plan p",
            "plan_interval": case.interval,
            "next_billing_date": case.next_billing_date,
            "days_until_next_billing": case.days,
            "amount_cents": case.amount_cents,
            "currency": case.currency,
        }
    ]
    assert body["upcoming_charges"] == [
        {
            "subscription_id": sub_uuid,
            "subscription_external_id": "sub-1",
            "plan_name": "Plan p",
            "base_amount_cents": case.amount_cents,
            "usage_amount_cents": 0,
            "total_estimated_cents": case.amount_cents,
            "currency": case.currency,
        }
    ]
