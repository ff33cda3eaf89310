"""The transcribed schema is not vacuous: it refuses what the vendor's schema forbids."""

from __future__ import annotations

import copy
from typing import Any

import jsonschema
import pytest

from tests.surfaces.portal.schema import DASHBOARD, validate


def test_the_checker_refuses_what_the_schema_forbids() -> None:
    """The schema is not vacuous: wrong types, missing and extra fields, bad formats fail."""
    good: dict[str, Any] = {
        "next_billing": [
            {
                "subscription_id": "1b4e28ba-2fa1-11d2-883f-0016d3cca427",
                "subscription_external_id": "s",
                "plan_name": "P",
                "plan_interval": "monthly",
                "next_billing_date": "2025-02-28T00:00:00+00:00",
                "days_until_next_billing": 3,
                "amount_cents": 100,
                "currency": "USD",
            }
        ],
        "upcoming_charges": [],
        "usage_progress": [
            {
                "feature_name": "n",
                "feature_code": "c",
                "feature_type": "quantity",
                "entitlement_value": "10",
                "current_usage": "1.5",
                "usage_percentage": 15.0,
            }
        ],
        "quick_actions": {
            "outstanding_invoice_count": 0,
            "outstanding_amount_cents": 0,
            "has_wallet": False,
            "wallet_balance_cents": 0,
            "has_active_subscription": True,
            "currency": "USD",
        },
    }
    validate(good, DASHBOARD)
    bad_values: list[tuple[tuple[Any, ...], Any]] = [
        (("next_billing", 0, "amount_cents"), "100"),
        (("next_billing", 0, "amount_cents"), 1.5),
        (("next_billing", 0, "subscription_id"), "sub_1"),
        (("next_billing", 0, "next_billing_date"), "2025-02-28"),
        (("next_billing", 0, "next_billing_date"), "2025-02-28T00:00:00"),
        (("usage_progress", 0, "current_usage"), 1.5),
        (("usage_progress", 0, "current_usage"), "1e3"),
        (("usage_progress", 0, "usage_percentage"), "15"),
        (("quick_actions", "has_wallet"), 0),
    ]
    for path, value in bad_values:
        body = copy.deepcopy(good)
        target: Any = body
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value
        with pytest.raises(jsonschema.ValidationError):
            validate(body, DASHBOARD)
    extra = copy.deepcopy(good)
    extra["quick_actions"]["extra"] = 1
    with pytest.raises(jsonschema.ValidationError):
        validate(extra, DASHBOARD)
    missing = copy.deepcopy(good)
    del missing["next_billing"][0]["currency"]
    with pytest.raises(jsonschema.ValidationError):
        validate(missing, DASHBOARD)
