"""Dashboard stats in the vendor's shape: the window and product from the request, the figures
from :mod:`billstats.metrics.dashboard`, rendered as the seed's 23 fields."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from fractions import Fraction

import orjson
from sqlalchemy import Connection

from billstats.auth.principal import Principal
from billstats.metrics.dashboard import Dashboard, dashboard
from billstats.metrics.windows import window
from billstats.money import format_micros, from_micros, minor_exponent
from billstats.surfaces.pabbly.schemas import StatsRequest
from billstats.tenants import service as tenants

ALL_PRODUCTS = "all"
ARPU_PLACES = 7


def amount(micros: int) -> Decimal:
    """An amount as the vendor writes it: a JSON number without trailing zeros (5013.52, 0)."""
    return from_micros(micros)


def mrr_text(micros: int, currency: str) -> str:
    """MRR as a string with two decimals (more for currencies with finer minor units)."""
    return format_micros(micros, max(2, minor_exponent(currency)))


def arpu_text(value: Fraction | None) -> str:
    """ARPU as a string with 7 decimals (half-even), ``"0"`` when there are no customers."""
    if value is None:
        return "0"
    return f"{Decimal(round(value * 10**ARPU_PLACES)).scaleb(-ARPU_PLACES):f}"


def fields(d: Dashboard) -> dict[str, Decimal | int | str]:
    return {
        "total_customer_count": d.customers,
        "total_paid_customer_count": d.paid_customers,
        "total_sales_amount": amount(d.sales_amount),
        "total_sales_count": d.sales_count,
        "total_onetime_sales_count": d.onetime_count,
        "total_onetime_sales_amount": amount(d.onetime_amount),
        "total_recurring_sales_count": d.recurring_count,
        "total_recurring_sales_amount": amount(d.recurring_amount),
        "total_refund_count": d.refund_count,
        "total_refund_amount": amount(d.refund_amount),
        "total_cancelled_subscription_count": d.cancelled_count,
        "total_cancelled_subscription_amount": amount(d.cancelled_amount),
        "mrr": mrr_text(d.mrr, d.currency),
        "total_net_revenue": amount(d.net_revenue),
        "total_affiliate_sales_amount": amount(d.affiliate_sales_amount),
        "total_affiliate_commission_amount": amount(d.affiliate_commission),
        "total_net_amount_via_affiliate": amount(d.net_via_affiliates),
        "total_affiliate_count": d.affiliate_count,
        "total_rebill_amount": amount(d.rebill_amount),
        "total_rebill_subscription_count": d.rebill_subscriptions,
        "total_missed_invoice_amount": amount(d.missed_amount),
        "total_missed_invoice_count": d.missed_count,
        "arpu": arpu_text(d.arpu),
    }


def _json(value: Decimal | int | str) -> str:
    if isinstance(value, str):
        return orjson.dumps(value).decode()
    if isinstance(value, Decimal):
        return f"{value:f}"  # exact decimal digits: amounts never pass through a float
    return str(value)


def render(d: Dashboard) -> bytes:
    """The success envelope, with amounts written as exact JSON numbers."""
    data = ",".join(f'"{name}":{_json(value)}' for name, value in fields(d).items())
    return f'{{"status":"success","message":"Total stats","data":{{{data}}}}}'.encode()


def dashboard_stats(
    conn: Connection, principal: Principal, request: StatsRequest, now: datetime
) -> bytes:
    tenant = tenants.get(conn, principal.tenant_id)
    span = window(request.interval, tenant.zone, now, request.start_date, request.end_date)
    product = None if request.product_id == ALL_PRODUCTS else request.product_id
    return render(dashboard(conn, tenant, span, now, product_id=product))
