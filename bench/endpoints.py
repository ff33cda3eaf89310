"""Every read endpoint the benchmark measures, with the credentials each one needs.

Three groups:

- ``vendor``: the five vendor-compatible surfaces (Pabbly with several intervals, devkit with an
  OAuth2 access token, Fynn, the customer portal with a portal token, Vobiz with a partner
  credential);
- ``native``: the main native metrics (``/v1/metrics``: the MRR family monthly and daily, flows,
  calls, usage, invoices, the movement log, cohorts, one customer's metrics);
- ``dashboard``: the requests the web dashboard makes on sign-in with its default filters (the
  last 12 months, monthly; see ``src/billstats/dashboard/static/js``).

Windows that the baseline checks end on the day before the dataset's anchor date (the last
whole day of data), so their numbers do not depend on the clock; the dashboard's end today, as
in a browser.
"""

from __future__ import annotations

import base64
import threading
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
import orjson
from sqlalchemy import Engine, select

from bench.measure import Request
from billstats.auth.portal_tokens import MAX_TTL_HOURS
from billstats.auth.service import create_key
from billstats.db import tables as t
from billstats.db.dialect import read_transaction, write_transaction
from billstats.demo.catalog import PARTNER_ID
from billstats.demo.config import TENANT_TIMEZONE
from billstats.metrics.calendar import today, zone

TOKEN_REFRESH_SECONDS = 20 * 60  # devkit access tokens live 30 minutes
# The dashboard's overview request (main.js OVERVIEW_METRICS: the KPI cards, sales, refunds).
DASHBOARD_OVERVIEW = "mrr,arr,customers,arpa,customer_churn_rate,net_revenue,sales,refunds"
KPIS = "mrr,arr,customers,arpa,asp,customer_churn_rate,net_mrr_churn_rate,nrr,ltv"
FLOWS = "sales,refunds,net_revenue,fees,affiliate_commissions"
PABBLY_INTERVALS = ("today", "last_30_days", "this_year", "all_time")


@dataclass(frozen=True)
class Endpoint:
    name: str
    group: str  # vendor | native | dashboard
    request: Request
    note: str = ""


class DevkitToken:
    """A devkit access token (``POST /api/v1/auth/token``), renewed before it expires."""

    def __init__(self, base_url: str, key_id: str, secret: str) -> None:
        self.base_url = base_url
        self.key_id = key_id
        self.secret = secret
        self.lock = threading.Lock()
        self.token = ""
        self.issued: float | None = None  # time.monotonic() can be small after a boot

    def headers(self) -> dict[str, str]:
        with self.lock:
            if self.issued is None or time.monotonic() - self.issued > TOKEN_REFRESH_SECONDS:
                response = httpx.post(
                    f"{self.base_url}/api/v1/auth/token",
                    data={"grant_type": "client_credentials"},
                    auth=(self.key_id, self.secret),
                    timeout=60,
                )
                response.raise_for_status()
                self.token = response.json()["access_token"]
                self.issued = time.monotonic()
            return {"Authorization": f"Bearer {self.token}"}


@dataclass
class Access:
    """The credentials of every surface, issued for the benchmark tenant."""

    base_url: str
    tenant_id: int
    reader_token: str  # an analytics:read key, as the dashboard signs in with
    reader_key_id: str
    reader_secret: str
    partner_auth_id: str
    partner_token: str
    portal_customer: str
    portal_token: str
    partner_account: str
    devkit: DevkitToken

    def bearer(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.reader_token}"}

    def basic(self) -> dict[str, str]:
        raw = f"{self.reader_key_id}:{self.reader_secret}".encode()
        return {
            "Authorization": f"Basic {base64.b64encode(raw).decode()}",
            "Content-Type": "application/json",
        }

    def partner(self) -> dict[str, str]:
        return {"X-Auth-ID": self.partner_auth_id, "X-Auth-Token": self.partner_token}


def no_headers() -> dict[str, str]:
    return {}


def _first(engine: Engine, query: Any, what: str) -> str:
    with read_transaction(engine) as conn:
        found = conn.execute(query).scalar()
    if found is None:
        raise RuntimeError(f"the dataset has no {what}")
    return str(found)


def issue_access(engine: Engine, tenant_id: int, base_url: str) -> Access:
    """An admin key (in the database, as ``billstats key create`` would), then over HTTP with it:
    a partner credential, a portal token and, with a read-only key, a devkit access token."""
    with write_transaction(engine) as conn:
        admin = create_key(conn, tenant_id, ["admin"], name="bench admin")
        reader = create_key(conn, tenant_id, ["analytics:read"], name="bench reader")
    s, c = t.subscriptions, t.customers
    portal_customer = _first(
        engine,
        select(s.c.customer_id)
        .where(s.c.tenant_id == tenant_id, s.c.status == "active", s.c.livemode.is_(True))
        .order_by(s.c.customer_id)
        .limit(1),
        "customer with an active subscription",
    )
    account = _first(
        engine,
        select(c.c.id)
        .where(c.c.tenant_id == tenant_id, c.c.partner_id == PARTNER_ID)
        .order_by(c.c.id)
        .limit(1),
        "partner account",
    )
    headers = {"Authorization": f"Bearer {admin['token']}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=60) as client:
        partner = client.post(f"/v1/partners/{PARTNER_ID}/credentials")
        partner.raise_for_status()
        portal = client.post(
            f"/v1/customers/{portal_customer}/portal_token", json={"ttl_hours": MAX_TTL_HOURS}
        )
        portal.raise_for_status()
    devkit = DevkitToken(base_url, reader["key_id"], reader["secret"])
    devkit.headers()  # fails here, not in the middle of the run, when tokens cannot be issued
    return Access(
        base_url=base_url,
        tenant_id=tenant_id,
        reader_token=reader["token"],
        reader_key_id=reader["key_id"],
        reader_secret=reader["secret"],
        partner_auth_id=partner.json()["auth_id"],
        partner_token=partner.json()["token"],
        portal_customer=portal_customer,
        portal_token=portal.json()["token"],
        partner_account=account,
        devkit=devkit,
    )


def _q(path: str, **params: Any) -> str:
    return f"{path}?{urlencode(params)}" if params else path


def _months_back(day: date, months: int) -> date:
    """The first day of the month ``months`` before ``day``'s month."""
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Windows:
    """The dates the requests use: ``last`` = the day before the anchor (the last whole day of
    data); ``today`` = today in the tenant's zone (the dashboard's end)."""

    anchor: date
    today: date

    @property
    def last(self) -> date:
        return self.anchor - timedelta(days=1)

    def days_back(self, days: int) -> date:
        """The first day of the ``days`` days ending on ``last``."""
        return self.last - timedelta(days=days - 1)

    @property
    def two_years(self) -> tuple[str, str]:
        return self.days_back(730).isoformat(), self.last.isoformat()

    @property
    def dashboard(self) -> tuple[str, str]:
        """The dashboard's default preset (12m): from the first of the month 11 months back."""
        return _months_back(self.today, 11).isoformat(), self.today.isoformat()


def windows_for(anchor: date, now: datetime | None = None) -> Windows:
    return Windows(anchor, today(zone(TENANT_TIMEZONE), now or datetime.now(UTC)))


def pabbly_body(interval: str, first: date | None = None, last: date | None = None) -> bytes:
    body: dict[str, str] = {"product_id": "all", "interval": interval}
    if first is not None and last is not None:
        body.update(start_date=first.isoformat(), end_date=last.isoformat())
    return orjson.dumps(body)


def vendor_endpoints(a: Access, w: Windows) -> list[Endpoint]:
    out = [
        Endpoint(
            f"pabbly {interval}",
            "vendor",
            Request("POST", "/api/v2/getdashboardstats", a.basic, pabbly_body(interval)),
        )
        for interval in PABBLY_INTERVALS
    ]
    out.append(
        Endpoint(
            "pabbly custom 30 days",
            "vendor",
            Request(
                "POST",
                "/api/v2/getdashboardstats",
                a.basic,
                pabbly_body("custom", w.days_back(30), w.last),
            ),
            "checked against the baseline",
        )
    )
    for mode in ("true", "false"):
        out.append(
            Endpoint(
                f"devkit stats test_mode={mode}",
                "vendor",
                Request("GET", _q("/api/v1/payments/stats", test_mode=mode), a.devkit.headers),
                "checked against the baseline",
            )
        )
    first, last = w.two_years
    out += [
        Endpoint("fynn default (30 days)", "vendor", Request(
            "GET", "/analytics/subscription-revenue", a.bearer)),
        Endpoint("fynn 33 days x 3 currencies", "vendor", Request(
            "GET",
            _q("/analytics/subscription-revenue", **{
                "from": w.days_back(33).isoformat(), "to": w.last.isoformat(), "limit": 99}),
            a.bearer,
        ), "checked against the baseline"),
        Endpoint("fynn 2 years, page 1", "vendor", Request(
            "GET",
            _q("/analytics/subscription-revenue", **{"from": first, "to": last, "limit": 100}),
            a.bearer,
        )),
        Endpoint("portal dashboard_summary", "vendor", Request(
            "GET", _q("/portal/dashboard_summary", token=a.portal_token), dict)),
        Endpoint("vobiz dashboard", "vendor", Request(
            "GET", "/api/v1/partner/dashboard", a.partner)),
        Endpoint("vobiz analytics default (31 days)", "vendor", Request(
            "GET", "/api/v1/partner/analytics", a.partner)),
        Endpoint("vobiz analytics 90 days", "vendor", Request(
            "GET",
            _q("/api/v1/partner/analytics", from_date=w.days_back(90).isoformat(),
               to_date=w.last.isoformat()),
            a.partner,
        ), "checked against the baseline"),
        Endpoint("vobiz analytics 366 days", "vendor", Request(
            "GET",
            _q("/api/v1/partner/analytics", from_date=w.days_back(366).isoformat(),
               to_date=w.last.isoformat()),
            a.partner,
        )),
    ]  # fmt: skip
    return out


def native_endpoints(a: Access, w: Windows) -> list[Endpoint]:
    first, last = w.two_years
    year = w.days_back(365).isoformat()
    month = w.days_back(30).isoformat()
    end = w.last.isoformat()
    m24 = _months_back(w.last, 23).isoformat()

    def get(name: str, path: str, note: str = "", **params: Any) -> Endpoint:
        return Endpoint(name, "native", Request("GET", _q(path, **params), a.bearer), note)

    return [
        get("mrr daily, 2 years", "/v1/metrics/mrr", "checked against the baseline",
            start_date=first, end_date=last, interval="day"),
        get("MRR family monthly, 24 months", "/v1/metrics",
            metrics=KPIS, start_date=m24, end_date=end, interval="month"),
        get("MRR family daily, 30 days", "/v1/metrics",
            metrics=KPIS, start_date=month, end_date=end, interval="day"),
        get("trials and subscriptions monthly, 24 months", "/v1/metrics",
            metrics="trials,subscriptions", start_date=m24, end_date=end, interval="month"),
        get("flows daily, 365 days", "/v1/metrics",
            metrics=FLOWS, start_date=year, end_date=end, interval="day"),
        get("sales monthly, 24 months", "/v1/metrics/sales",
            start_date=m24, end_date=end, interval="month"),
        get("invoices monthly, 24 months", "/v1/metrics/invoices",
            start_date=m24, end_date=end, interval="month"),
        get("usage daily, 30 days", "/v1/metrics/usage",
            start_date=month, end_date=end, interval="day"),
        get("calls daily, 90 days", "/v1/metrics/calls",
            start_date=w.days_back(90).isoformat(), end_date=end, interval="day"),
        get("call_accounts, 90 days", "/v1/metrics/call_accounts",
            start_date=w.days_back(90).isoformat(), end_date=end, interval="year"),
        get("activities, first page of 100", "/v1/metrics/activities",
            start_date=year, end_date=end, limit=100),
        get("cohorts, 24 months", "/v1/metrics/cohorts", start_date=m24, end_date=end),
        get("one customer's metrics, 2 years", f"/v1/customers/{a.portal_customer}/metrics",
            start_date=first, end_date=last, interval="month"),
    ]  # fmt: skip


def dashboard_endpoints(a: Access, w: Windows) -> list[Endpoint]:
    """What the dashboard requests on sign-in (preset "Last 12 months", live data, every
    product and currency), parameters in the order its scripts set them."""
    start, end = w.dashboard

    def get(name: str, path: str, **params: Any) -> Endpoint:
        return Endpoint(
            f"dashboard {name}", "dashboard", Request("GET", _q(path, **params), a.bearer)
        )

    filters = {"start_date": start, "end_date": end, "interval": "month", "livemode": "true"}
    passed = {"start_date": start, "end_date": end, "livemode": "true"}
    return [
        get("tenant", "/v1/tenant"),
        get("overview (KPIs, MRR, sales)", "/v1/metrics", **filters, metrics=DASHBOARD_OVERVIEW),
        get("cohorts", "/v1/metrics/cohorts", **passed),
        get("activities", "/v1/metrics/activities", **passed, limit=25),
        get("calls daily", "/v1/metrics/calls", **passed, interval="day"),
        get("call_accounts yearly", "/v1/metrics/call_accounts", **passed, interval="year"),
        get("customer", f"/v1/customers/{a.partner_account}"),
        get("products", "/v1/products", limit=500),
        get("plans", "/v1/plans", limit=500),
        get("partners", "/v1/partners", limit=500),
    ]


def all_endpoints(a: Access, w: Windows) -> list[Endpoint]:
    return [*vendor_endpoints(a, w), *native_endpoints(a, w), *dashboard_endpoints(a, w)]
