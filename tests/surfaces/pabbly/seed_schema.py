"""JSON Schema of the responses, transcribed from the seed (Pabbly "Dashboard Stats", seed 000).

The seed's sample response types every field: counts are integers, amounts JSON numbers
(``5013.52``, ``0``, ``1999``), ``mrr`` and ``arpu`` strings (``"33590.75"``, ``"429.6454545"``).
"""

from __future__ import annotations

from typing import Any

COUNTS = (
    "total_customer_count",
    "total_paid_customer_count",
    "total_sales_count",
    "total_onetime_sales_count",
    "total_recurring_sales_count",
    "total_refund_count",
    "total_cancelled_subscription_count",
    "total_affiliate_count",
    "total_rebill_subscription_count",
    "total_missed_invoice_count",
)
AMOUNTS = (
    "total_sales_amount",
    "total_onetime_sales_amount",
    "total_recurring_sales_amount",
    "total_refund_amount",
    "total_cancelled_subscription_amount",
    "total_net_revenue",
    "total_affiliate_sales_amount",
    "total_affiliate_commission_amount",
    "total_net_amount_via_affiliate",
    "total_rebill_amount",
    "total_missed_invoice_amount",
)
# The seed's field order.
FIELDS = (
    "total_customer_count",
    "total_paid_customer_count",
    "total_sales_amount",
    "total_sales_count",
    "total_onetime_sales_count",
    "total_onetime_sales_amount",
    "total_recurring_sales_count",
    "total_recurring_sales_amount",
    "total_refund_count",
    "total_refund_amount",
    "total_cancelled_subscription_count",
    "total_cancelled_subscription_amount",
    "mrr",
    "total_net_revenue",
    "total_affiliate_sales_amount",
    "total_affiliate_commission_amount",
    "total_net_amount_via_affiliate",
    "total_affiliate_count",
    "total_rebill_amount",
    "total_rebill_subscription_count",
    "total_missed_invoice_amount",
    "total_missed_invoice_count",
    "arpu",
)

_properties: dict[str, Any] = {
    **{name: {"type": "integer", "minimum": 0} for name in COUNTS},
    **{name: {"type": "number"} for name in AMOUNTS},
    "mrr": {"type": "string", "pattern": r"^\d+\.\d{2}$"},
    "arpu": {"type": "string", "pattern": r"^(0|-?\d+\.\d{7})$"},
}

STATS_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["status", "message", "data"],
    "additionalProperties": False,
    "properties": {
        "status": {"const": "success"},
        "message": {"const": "Total stats"},
        "data": {
            "type": "object",
            "required": list(FIELDS),
            "additionalProperties": False,
            "properties": _properties,
        },
    },
}

ERROR_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["status", "message"],
    "additionalProperties": False,
    "properties": {"status": {"const": "error"}, "message": {"type": "string", "minLength": 1}},
}

# The seed's sample response, verbatim.
SEED_RESPONSE = """{
    "status": "success",
    "message": "Total stats",
    "data": {
        "total_customer_count": 11,
        "total_paid_customer_count": 9,
        "total_sales_amount": 5013.52,
        "total_sales_count": 35,
        "total_onetime_sales_count": 0,
        "total_onetime_sales_amount": 0,
        "total_recurring_sales_count": 35,
        "total_recurring_sales_amount": 5013.52,
        "total_refund_count": 0,
        "total_refund_amount": 0,
        "total_cancelled_subscription_count": 0,
        "total_cancelled_subscription_amount": 0,
        "mrr": "33590.75",
        "total_net_revenue": 4726.1,
        "total_affiliate_sales_amount": 1999,
        "total_affiliate_commission_amount": 239.9,
        "total_net_amount_via_affiliate": 1759.1,
        "total_affiliate_count": 2,
        "total_rebill_amount": 25840.98,
        "total_rebill_subscription_count": 188,
        "total_missed_invoice_amount": 400,
        "total_missed_invoice_count": 4,
        "arpu": "429.6454545"
    }
}"""
