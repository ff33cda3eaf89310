"""The devkit surface's one service: the overview, in the vendor's field names."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection

from billstats.auth.principal import Principal
from billstats.metrics.overview import overview
from billstats.tenants import service as tenants


def payment_stats(
    conn: Connection, principal: Principal, test_mode: bool, now: datetime
) -> dict[str, int | str]:
    tenant = tenants.get(conn, principal.tenant_id)
    stats = overview(conn, tenant, include_test=test_mode, now=now)
    return {
        "total_projects": stats.products,
        "projects_with_config": stats.products_configured,
        "projects_with_test": stats.products_test_credentials,
        "projects_with_live": stats.products_live_credentials,
        "total_subscriptions": stats.subscriptions,
        "active_subscriptions": stats.active_subscriptions,
        "total_payments": stats.payments,
        "successful_payments": stats.successful_payments,
        "total_revenue_cents": stats.revenue_minor,
        "currency": stats.currency.lower(),
    }
