"""The portal surface: portal tokens for customers, and the dashboard in the original's shape.

Numbers come from ``billstats.metrics.portal``; this module only maps them to the vendor's
field names and JSON types.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from urllib.parse import quote

from sqlalchemy import Connection

from billstats.auth import portal_tokens
from billstats.auth.portal_tokens import InvalidPortalToken
from billstats.auth.principal import Principal
from billstats.errors import NotFound
from billstats.metrics import portal
from billstats.metrics.portal_data import load_customer
from billstats.money import from_micros
from billstats.tenants import repository as tenant_repo

# Subscription ids are the client's own strings; the portal API calls for UUIDs.  A UUIDv5 of
# (tenant, id) in this fixed namespace is stable for the subscription and unique per tenant.
SUBSCRIPTION_NAMESPACE = uuid.UUID("35867989-b74c-40c5-940c-bf1066a4e17b")
DASHBOARD_PATH = "/portal/dashboard_summary"


def subscription_uuid(tenant_id: int, subscription_id: str) -> str:
    return str(uuid.uuid5(SUBSCRIPTION_NAMESPACE, f"{tenant_id}:{subscription_id}"))


def portal_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}{DASHBOARD_PATH}?token={quote(token, safe='')}"


def issue_portal_token(
    conn: Connection,
    key: bytes,
    tenant_id: int,
    customer_id: str,
    *,
    ttl_hours: int | None,
    now: datetime,
    base_url: str,
) -> dict[str, Any]:
    """A portal token for an existing customer of the tenant: token, expires_at, portal_url."""
    ttl = portal_tokens.ttl_from_hours(ttl_hours)
    if load_customer(conn, tenant_id, customer_id) is None:
        raise NotFound(f"no customer {customer_id!r}")
    issued = portal_tokens.issue(key, tenant_id, customer_id, now=now, ttl=ttl)
    return {
        "token": issued.token,
        "expires_at": issued.expires_at.isoformat(),
        "portal_url": portal_url(base_url, issued.token),
    }


def dashboard_summary(conn: Connection, principal: Principal, now: datetime) -> dict[str, Any]:
    """``GET /portal/dashboard_summary`` for the customer of a portal principal."""
    tenant = tenant_repo.get(conn, principal.tenant_id)
    if tenant is None or principal.customer_id is None:
        raise InvalidPortalToken()
    try:
        summary = portal.summarize(conn, tenant, principal.customer_id, now)
    except NotFound:  # the customer went away after the token was checked
        raise InvalidPortalToken() from None
    return _shape(tenant.id, summary)


def _shape(tenant_id: int, summary: portal.PortalSummary) -> dict[str, Any]:
    billing = [
        {
            "subscription_id": subscription_uuid(tenant_id, b.subscription_id),
            "subscription_external_id": b.subscription_id,
            "plan_name": b.plan_name,
            "plan_interval": b.plan_interval,
            "next_billing_date": b.next_billing_at.isoformat(),
            "days_until_next_billing": b.days_until,
            "amount_cents": b.base_minor,
            "currency": b.currency,
        }
        for b in summary.billing
    ]
    charges = [
        {
            "subscription_id": subscription_uuid(tenant_id, b.subscription_id),
            "subscription_external_id": b.subscription_id,
            "plan_name": b.plan_name,
            "base_amount_cents": b.base_minor,
            "usage_amount_cents": b.usage_minor,
            "total_estimated_cents": b.total_minor,
            "currency": b.currency,
        }
        for b in summary.billing
    ]
    progress = [
        {
            "feature_name": f.name,
            "feature_code": f.code,
            "feature_type": f.type,
            "entitlement_value": f.value,
            "current_usage": None if f.usage is None else f"{from_micros(f.usage):f}",
            "usage_percentage": None if f.percentage is None else float(f.percentage),
        }
        for f in summary.features
    ]
    a = summary.actions
    return {
        "next_billing": billing,
        "upcoming_charges": charges,
        "usage_progress": progress,
        "quick_actions": {
            "outstanding_invoice_count": a.open_invoice_count,
            "outstanding_amount_cents": a.outstanding_minor,
            "has_wallet": a.has_wallet,
            "wallet_balance_cents": a.wallet_balance_minor,
            "has_active_subscription": a.has_active_subscription,
            "currency": a.currency,
        },
    }
