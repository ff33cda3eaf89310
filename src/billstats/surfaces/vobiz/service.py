"""The partner dashboard and analytics: window, metrics, vendor shape."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection

from billstats.auth.partner_credentials import InvalidCredentials
from billstats.auth.principal import Principal
from billstats.metrics.calendar import local_date
from billstats.metrics.partner import partner_report
from billstats.surfaces.vobiz import window
from billstats.surfaces.vobiz.shape import report_body
from billstats.tenants import service as tenant_service


def _report(
    conn: Connection,
    principal: Principal,
    now: datetime,
    pick: Callable[[date], tuple[date, date]],
) -> dict[str, Any]:
    if principal.partner_id is None:
        raise InvalidCredentials()
    tenant = tenant_service.get(conn, principal.tenant_id)
    first, last = pick(local_date(now, tenant.zone))
    report = partner_report(conn, tenant, principal.partner_id, first, last, now)
    return report_body(report, tenant.id, principal.credential_id)


def dashboard(conn: Connection, principal: Principal, now: datetime) -> dict[str, Any]:
    """The last 30 days (today - 30 .. today, tenant-local) and the partner as it stands."""
    return _report(conn, principal, now, window.dashboard_window)


def analytics(
    conn: Connection,
    principal: Principal,
    now: datetime,
    from_date: str | None,
    to_date: str | None,
) -> dict[str, Any]:
    """``from_date`` .. ``to_date`` (inclusive, tenant-local; default as the dashboard)."""

    def pick(today: date) -> tuple[date, date]:
        return window.analytics_window(from_date, to_date, today)

    return _report(conn, principal, now, pick)
