"""The partner report in the vendor's JSON shape (field names and JSON types of the seed).

Numbers come computed and rounded from ``billstats.metrics.partner``; this module only maps
them.  Where the vendor's schema has a non-nullable field that billstats may not know, it gets
the type's empty value: ``""`` for text (company, email, phone, default pricing tier), ``0`` for
``account_id`` and ``max_accounts``.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from billstats.metrics.partner import Account, PartnerReport, Usage

# Partner ids are the tenant's own strings; the vendor's are UUIDs.  uuid5 over tenant and
# partner id gives each partner a stable one.
PARTNER_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://billstats.dev/ns/vobiz/partner")


def partner_uuid(tenant_id: int, partner_id: str) -> str:
    return str(uuid.uuid5(PARTNER_NAMESPACE, f"{tenant_id}:{partner_id}"))


def number(value: Decimal) -> int | float:
    """A rounded decimal as a JSON number: an integer when whole (``0``), else ``157.2``."""
    return int(value) if value == value.to_integral_value() else float(value)


def _zulu(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _offset(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def _partner(report: PartnerReport, tenant_id: int, auth_id: str) -> dict[str, Any]:
    p = report.partner
    return {
        "id": partner_uuid(tenant_id, p["id"]),
        "account_id": p["account_id"] or 0,
        "name": p["name"],
        "slug": p["slug"],
        "company": p["company"] or "",
        "auth_id": auth_id,
        "email": p["email"] or "",
        "phone": p["phone"] or "",
        "billing_model": p["billing_model"],
        "is_active": p["is_active"],
        "is_verified": p["is_verified"],
        "max_accounts": p["max_accounts"] or 0,
        "can_create_accounts": p["can_create_accounts"],
        "can_create_pricing_tiers": p["can_create_pricing_tiers"],
        "can_view_cdrs": p["can_view_cdrs"],
        "can_transfer_balance": p["can_transfer_balance"],
        "default_pricing_tier_id": p["default_pricing_tier_id"] or "",
        "account_count": report.account_count,
        "balance": None,
        "created_at": _zulu(p["created_at"]),
        "updated_at": _zulu(p["updated_at"]),
    }


def _customer(account: Account) -> dict[str, Any]:
    return {
        "auth_id": account.auth_id,
        "name": account.name,
        "email": account.email or "",
        "phone": account.phone or "",
        "is_active": account.is_active,
        "created_at": _offset(account.created_at),
    }


def _counts(usage: Usage) -> dict[str, Any]:
    return {
        "total_calls": usage.calls,
        "answered_calls": usage.answered,
        "total_minutes": number(usage.minutes),
    }


def _rollup(usage: Usage) -> dict[str, Any]:
    return {**_counts(usage), "total_cost": usage.cost_text}


# The customers list of the last few account lists shaped (each list is the partner's accounts
# at one data revision, shared by every request of that revision; 5,000 accounts at scale 100
# cost a few milliseconds to shape): (the list itself, kept so its id is not reused, its shape).
_SHAPED: OrderedDict[int, tuple[list[Account], list[dict[str, Any]]]] = OrderedDict()
_SHAPED_KEEP = 16
_SHAPED_LOCK = threading.Lock()


def customers(accounts: list[Account]) -> list[dict[str, Any]]:
    """``[_customer(a) for a in accounts]``, shaped once per list (never modified after)."""
    with _SHAPED_LOCK:
        found = _SHAPED.get(id(accounts))
        if found is not None and found[0] is accounts:
            _SHAPED.move_to_end(id(accounts))
            return found[1]
    shaped = [_customer(a) for a in accounts]
    with _SHAPED_LOCK:
        _SHAPED[id(accounts)] = (accounts, shaped)
        while len(_SHAPED) > _SHAPED_KEEP:
            _SHAPED.popitem(last=False)
    return shaped


def report_body(report: PartnerReport, tenant_id: int, auth_id: str) -> dict[str, Any]:
    sip = _rollup(report.by_product["sip_trunking"])
    # The vendor's schema types this one field as an integer: whole minutes.
    sip["total_minutes"] = report.by_product["sip_trunking"].whole_minutes
    return {
        "partner": _partner(report, tenant_id, auth_id),
        "period": {"from": report.first.isoformat(), "to": report.last.isoformat()},
        "accounts": {
            "total": report.account_count,
            "active": report.active_accounts,
            "customers": customers(report.accounts),
        },
        "total_balance": report.balance_text,
        "currency": report.currency,
        "calls": _rollup(report.total),
        "traffic": {
            "inbound": _rollup(report.by_direction["inbound"]),
            "outbound": _rollup(report.by_direction["outbound"]),
        },
        "by_product": {"sip_trunking": sip, "voice_api": _rollup(report.by_product["voice_api"])},
        "time_series": [
            {
                "date": day.day.isoformat(),
                **_rollup(day.total),
                "inbound": _counts(day.inbound),
                "outbound": _counts(day.outbound),
            }
            for day in report.days
        ],
    }
