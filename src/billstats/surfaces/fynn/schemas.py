"""Query and response shapes of ``GET /analytics/subscription-revenue`` (seed 002)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from pydantic import BaseModel, Field

from billstats.errors import BillstatsError, Problem
from billstats.money import is_currency

DEFAULT_DAYS = 30
DEFAULT_LIMIT = 30
MAX_LIMIT = 100
# Far past any last page (230 years of days x every currency), and small enough for JSON integers.
MAX_PAGE = 1_000_000_000
# The years every stored timestamp lies in (see docs/ingest.md).
EARLIEST, LATEST = date(1970, 1, 1), date(2199, 12, 31)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_CURRENCY = re.compile(r"[A-Za-z]{3}")


@dataclass(frozen=True)
class RevenueQuery:
    """The parsed query: dates as given (None: the default window), currency upper case."""

    first: date | None
    last: date | None
    currency: str | None
    page: int
    limit: int


def _date(name: str, text: str | None, problems: list[Problem]) -> date | None:
    if text is None:
        return None
    try:
        if not _DATE.fullmatch(text):
            raise ValueError(text)
        value = date.fromisoformat(text)
    except ValueError:
        problems.append(Problem(name, "invalid_date", f"{text!r} is not a date (YYYY-MM-DD)"))
        return None
    if not EARLIEST <= value <= LATEST:
        problems.append(Problem(name, "out_of_range", "must be between 1970-01-01 and 2199-12-31"))
        return None
    return value


def parse_query(
    from_: str | None, to: str | None, currency: str | None, page: int, limit: int
) -> RevenueQuery:
    """Validate the query; every problem is reported at once (400)."""
    problems: list[Problem] = []
    first, last = _date("from", from_, problems), _date("to", to, problems)
    if first is not None and last is not None and first > last:
        problems.append(Problem("from", "invalid_range", "must not be after to"))
    code = None
    if currency is not None:
        code = currency.upper()
        if not _CURRENCY.fullmatch(currency) or not is_currency(code):
            problems.append(
                Problem("currency", "invalid_currency", f"{currency!r} is not an ISO 4217 code")
            )
    if problems:
        raise BillstatsError("invalid query", 400, "validation_error", problems)
    return RevenueQuery(first, last, code, page, limit)


class RevenuePoint(BaseModel):
    """One currency on one day."""

    date: str = Field(
        description="The day, as its first instant in the tenant's time zone.",
        examples=["2023-09-10 00:00:00"],
    )
    currency_code: str = Field(examples=["EUR"])
    revenue: str = Field(description="MRR at the end of the day.", examples=["1000.00"])
    churn_revenue: str | None = Field(
        description="MRR lost that day (churn + contraction); null when none.",
        examples=["300.00"],
    )
    expansion_revenue: str | None = Field(
        description="MRR gained from existing customers that day; null when none.",
        examples=["150.00"],
    )
    new_revenue: str | None = Field(
        description="MRR from new and reactivated customers that day; null when none.",
        examples=["300.00"],
    )


class Pagination(BaseModel):
    """Field names as the vendor spells them."""

    totalItems: int
    itemsPerPage: int
    currentPage: int
    lastPage: int
    pageTotalItems: int


class Meta(BaseModel):
    pagination: Pagination


class RevenueResponse(BaseModel):
    data: list[RevenuePoint]
    meta: Meta


class Problem7807(BaseModel):
    """An error (RFC 7807)."""

    type: str
    title: str
    status: int
    detail: str
    violations: list[dict[str, str]] | None = None
