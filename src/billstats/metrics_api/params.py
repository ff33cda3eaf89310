"""The query string of ``/v1/metrics``: parsed and checked into a :class:`Query`.

Every problem with the request is reported at once (400 ``invalid_request`` with one problem per
parameter); references to records (a product, a plan, a partner) are checked against the tenant
(404 when the tenant has no such record).  Unknown parameters are ignored, as with any query
string.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import cast

from sqlalchemy import Connection, select

from billstats.db import tables as t
from billstats.errors import BillstatsError, NotFound, Problem
from billstats.ingest.schemas.common import ID_PATTERN
from billstats.metrics.registry import INTERVALS, MAX_BUCKETS, Filters, Interval
from billstats.metrics.windows import EARLIEST_DAY, LATEST_DAY
from billstats.money import is_currency

DEFAULT_DAYS = 30  # start_date defaults to end_date - 29 days: 30 days in all
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_ID = re.compile(ID_PATTERN)
_BOOLS = {"true": True, "false": False}


class InvalidRequest(BillstatsError):
    def __init__(self, problems: list[Problem]) -> None:
        message = "; ".join(p.message for p in problems)
        super().__init__(message, 400, "invalid_request", problems)


class TooManyBuckets(BillstatsError):
    def __init__(self, count: int, interval: str) -> None:
        super().__init__(
            f"the range has {count} {interval} buckets; at most {MAX_BUCKETS} are allowed "
            "(choose a shorter range or a longer interval)",
            400,
            "too_many_buckets",
            [Problem("interval", "too_many_buckets", f"at most {MAX_BUCKETS} buckets")],
        )


@dataclass(frozen=True)
class Query:
    first: date
    last: date
    interval: Interval
    filters: Filters


def _day(params: Mapping[str, str], name: str, problems: list[Problem]) -> date | None:
    value = params.get(name)
    if value is None:
        return None
    if not _DAY.fullmatch(value):
        problems.append(Problem(name, "invalid_date", f"{name} must be a date YYYY-MM-DD"))
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        problems.append(Problem(name, "invalid_date", f"{name} {value!r} is not a calendar date"))
        return None
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        problems.append(
            Problem(name, "invalid_date", f"{name} must be between 1970-01-01 and 2199-12-31")
        )
        return None
    return day


def _id(params: Mapping[str, str], name: str, problems: list[Problem]) -> str | None:
    value = params.get(name)
    if value is None:
        return None
    if not _ID.fullmatch(value):
        problems.append(Problem(name, "invalid_id", f"{name} {value!r} is not a valid id"))
        return None
    return value


def parse(params: Mapping[str, str], today: date) -> Query:
    """The range, interval and filters (record references not checked yet: see ``check``)."""
    problems: list[Problem] = []
    first = _day(params, "start_date", problems)
    last = _day(params, "end_date", problems)
    interval = params.get("interval", "day")
    if interval not in INTERVALS:
        problems.append(
            Problem(
                "interval", "invalid_interval", f"interval must be one of {', '.join(INTERVALS)}"
            )
        )
    currency = params.get("currency")
    currency = currency.upper() if currency is not None else None
    if currency is not None and not is_currency(currency):
        problems.append(
            Problem(
                "currency", "invalid_currency", f"currency {currency!r} is not an ISO 4217 code"
            )
        )
    livemode = _BOOLS.get(params.get("livemode", "true"))
    if livemode is None:
        problems.append(Problem("livemode", "invalid_boolean", "livemode must be true or false"))
    product_id = _id(params, "product_id", problems)
    plan_id = _id(params, "plan_id", problems)
    partner_id = _id(params, "partner_id", problems)
    if not any(p.path in ("start_date", "end_date") for p in problems):
        last = last or today
        first = first or max(EARLIEST_DAY, last - timedelta(days=DEFAULT_DAYS - 1))
        if first > last:
            problems.append(
                Problem("start_date", "invalid_range", "start_date must not be after end_date")
            )
    if problems:
        raise InvalidRequest(problems)
    assert first is not None and last is not None and livemode is not None
    query = Query(
        first,
        last,
        cast(Interval, interval),
        Filters(product_id, plan_id, currency, livemode, partner_id),
    )
    count = bucket_count(first, last, query.interval)
    if count > MAX_BUCKETS:
        raise TooManyBuckets(count, query.interval)
    return query


def bucket_count(first: date, last: date, interval: Interval) -> int:
    """How many buckets ``registry.bucket_days`` makes of the range (counted arithmetically:
    the range may span two centuries of days)."""
    if interval == "day":
        return (last - first).days + 1
    if interval == "week":
        mondays = last - timedelta(days=last.weekday()) - (first - timedelta(days=first.weekday()))
        return mondays.days // 7 + 1
    months = {"month": 1, "quarter": 3, "year": 12}[interval]
    return (
        (last.year * 12 + last.month - 1) // months
        - (first.year * 12 + first.month - 1) // months
        + 1
    )


def check(conn: Connection, tenant_id: int, filters: Filters) -> None:
    """404 for a product, plan or partner the tenant does not have; 400 for a plan of another
    product than the one asked."""
    if filters.product_id is not None:
        p = t.products
        found = conn.execute(
            select(p.c.id).where(p.c.tenant_id == tenant_id, p.c.id == filters.product_id)
        ).first()
        if found is None:
            raise NotFound(f"no product {filters.product_id!r}")
    if filters.plan_id is not None:
        pl = t.plans
        product = conn.execute(
            select(pl.c.product_id).where(pl.c.tenant_id == tenant_id, pl.c.id == filters.plan_id)
        ).scalar_one_or_none()
        if product is None:
            raise NotFound(f"no plan {filters.plan_id!r}")
        if filters.product_id is not None and product != filters.product_id:
            raise InvalidRequest(
                [
                    Problem(
                        "plan_id",
                        "plan_not_in_product",
                        f"plan {filters.plan_id!r} belongs to product {product!r}, "
                        f"not {filters.product_id!r}",
                    )
                ]
            )
    if filters.partner_id is not None:
        pa = t.partners
        found = conn.execute(
            select(pa.c.id).where(pa.c.tenant_id == tenant_id, pa.c.id == filters.partner_id)
        ).first()
        if found is None:
            raise NotFound(f"no partner {filters.partner_id!r}")
