"""The portal API's response schemas, transcribed from the vendor's documentation.

``GET /portal/dashboard_summary`` answers ``PortalDashboardSummaryResponse`` (200), ``{"detail":
...}`` (401, "Invalid or expired portal token") or ``HTTPValidationError`` (422).  Types and
required fields are the documented ones; ``additionalProperties: false`` is ours (no field beyond
the documented ones).  ``date-time`` is checked as RFC 3339 with an offset.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import jsonschema

_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")

FORMATS = jsonschema.FormatChecker()
for _name, _check in jsonschema.Draft202012Validator.FORMAT_CHECKER.checkers.items():
    FORMATS.checkers[_name] = _check


@FORMATS.checks("date-time", raises=ValueError)
def _date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _RFC3339.match(value):
        raise ValueError(f"{value!r} is not an RFC 3339 date-time")
    datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    return True


def _obj(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


_STR = {"type": "string"}
_INT = {"type": "integer"}
_BOOL = {"type": "boolean"}
_UUID = {"type": "string", "format": "uuid"}

NEXT_BILLING = _obj(
    {
        "subscription_id": _UUID,
        "subscription_external_id": _STR,
        "plan_name": _STR,
        "plan_interval": _STR,
        "next_billing_date": {"type": "string", "format": "date-time"},
        "days_until_next_billing": _INT,
        "amount_cents": _INT,
        "currency": _STR,
    },
    [
        "subscription_id",
        "subscription_external_id",
        "plan_name",
        "plan_interval",
        "next_billing_date",
        "days_until_next_billing",
        "amount_cents",
        "currency",
    ],
)

UPCOMING_CHARGE = _obj(
    {
        "subscription_id": _UUID,
        "subscription_external_id": _STR,
        "plan_name": _STR,
        "base_amount_cents": _INT,
        "usage_amount_cents": _INT,
        "total_estimated_cents": _INT,
        "currency": _STR,
    },
    [
        "subscription_id",
        "subscription_external_id",
        "plan_name",
        "base_amount_cents",
        "usage_amount_cents",
        "total_estimated_cents",
        "currency",
    ],
)

USAGE_PROGRESS = _obj(
    {
        "feature_name": _STR,
        "feature_code": _STR,
        "feature_type": _STR,
        "entitlement_value": _STR,
        "current_usage": {
            "anyOf": [
                {"type": "string", "pattern": r"^(?!^[-+.]*$)[+-]?0*\d*\.?\d*$"},
                {"type": "null"},
            ]
        },
        "usage_percentage": {"anyOf": [{"type": "number"}, {"type": "null"}]},
    },
    ["feature_name", "feature_code", "feature_type", "entitlement_value"],
)

QUICK_ACTIONS = _obj(
    {
        "outstanding_invoice_count": _INT,
        "outstanding_amount_cents": _INT,
        "has_wallet": _BOOL,
        "wallet_balance_cents": _INT,
        "has_active_subscription": _BOOL,
        "currency": _STR,
    },
    [
        "outstanding_invoice_count",
        "outstanding_amount_cents",
        "has_wallet",
        "wallet_balance_cents",
        "has_active_subscription",
        "currency",
    ],
)

DASHBOARD = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    **_obj(
        {
            "next_billing": {"type": "array", "items": NEXT_BILLING},
            "upcoming_charges": {"type": "array", "items": UPCOMING_CHARGE},
            "usage_progress": {"type": "array", "items": USAGE_PROGRESS},
            "quick_actions": QUICK_ACTIONS,
        },
        ["next_billing", "upcoming_charges", "usage_progress", "quick_actions"],
    ),
}

# 401 "Invalid or expired portal token": FastAPI's HTTPException body.
UNAUTHORIZED = _obj({"detail": _STR}, ["detail"])

HTTP_VALIDATION_ERROR = {
    "type": "object",
    "properties": {
        "detail": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "loc": {"type": "array", "items": {"anyOf": [_STR, _INT]}},
                    "msg": _STR,
                    "type": _STR,
                    "input": {},
                    "ctx": {"type": "object"},
                },
                "required": ["loc", "msg", "type"],
            },
        }
    },
}


def validate(body: Any, schema: dict[str, Any]) -> None:
    jsonschema.Draft202012Validator(schema, format_checker=FORMATS).validate(body)
