"""Query parameters of the movement log, cohorts and customer metrics endpoints.

The conventions of the native metrics API (``billstats.metrics_api.params``, ``docs/native/
api.md``): ``start_date``/``end_date`` (YYYY-MM-DD, inclusive, tenant zone, 1970-01-01 to
2199-12-31; default the 30 days up to today), ``product_id``/``plan_id`` (404 when unknown),
``currency`` (a native ISO currency), ``livemode`` (true|false, default true).  Every problem of a
request is reported at once (400 ``invalid_request`` with one problem per parameter).  Unknown
parameters are ignored, as with any query string; a known one given twice is a problem (which of
the two was meant cannot be guessed).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, timedelta

from sqlalchemy import Connection

from billstats.errors import Problem
from billstats.ingest.schemas.common import ID_PATTERN
from billstats.metrics.registry import Filters
from billstats.metrics.windows import EARLIEST_DAY, LATEST_DAY
from billstats.metrics_api.params import InvalidRequest, check
from billstats.money import is_currency

DEFAULT_DAYS = 30
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_INT = re.compile(r"\d{1,7}")
_ID = re.compile(ID_PATTERN)
MAX_TEXT = 200


class Params:
    """The raw query of one request; reading a value records its problems."""

    def __init__(self, items: Iterable[tuple[str, str]], allowed: Iterable[str]) -> None:
        self.values: dict[str, str] = {}
        self.problems: list[Problem] = []
        known = set(allowed)
        for name, value in items:
            if name not in known:
                continue
            if name in self.values:
                self.problem(name, "repeated_parameter", f"{name} is given more than once")
            else:
                self.values[name] = value

    def problem(self, path: str, code: str, message: str) -> None:
        self.problems.append(Problem(path, code, message))

    def check(self) -> None:
        """Raise every problem recorded so far."""
        if self.problems:
            raise InvalidRequest(list(self.problems))

    def text(self, name: str) -> str | None:
        value = self.values.get(name)
        if value is None:
            return None
        if not 1 <= len(value) <= MAX_TEXT or "\x00" in value:
            self.problem(name, "invalid", f"{name} must be 1-{MAX_TEXT} characters, no NUL")
            return None
        return value

    def identifier(self, name: str) -> str | None:
        value = self.values.get(name)
        if value is None:
            return None
        if not _ID.fullmatch(value):
            self.problem(name, "invalid_id", f"{name} {value!r} is not a valid id")
            return None
        return value

    def day(self, name: str) -> date | None:
        value = self.values.get(name)
        if value is None:
            return None
        try:
            if not _DATE.fullmatch(value):
                raise ValueError(value)
            day = date.fromisoformat(value)
        except ValueError:
            self.problem(name, "invalid_date", f"{name} must be a date YYYY-MM-DD")
            return None
        if not EARLIEST_DAY <= day <= LATEST_DAY:
            self.problem(
                name, "invalid_date", f"{name} must be between {EARLIEST_DAY} and {LATEST_DAY}"
            )
            return None
        return day

    def flag(self, name: str, default: bool) -> bool:
        value = self.values.get(name)
        if value is None:
            return default
        if value not in ("true", "false"):
            self.problem(name, "invalid_boolean", f"{name} must be true or false")
            return default
        return value == "true"

    def integer(self, name: str, default: int, low: int, high: int) -> int:
        value = self.values.get(name)
        if value is None:
            return default
        if not _INT.fullmatch(value) or not low <= int(value) <= high:
            self.problem(name, "out_of_range", f"{name} must be an integer from {low} to {high}")
            return default
        return int(value)

    def currency(self) -> str | None:
        value = self.values.get("currency")
        if value is None:
            return None
        code = value.upper() if value.isascii() else value
        if not is_currency(code):
            self.problem("currency", "invalid_currency", f"{value!r} is not an ISO 4217 code")
            return None
        return code

    def choice(self, name: str, options: tuple[str, ...], default: str) -> str:
        value = self.values.get(name)
        if value is None:
            return default
        if value not in options:
            self.problem(name, "invalid_choice", f"{name} must be one of {', '.join(options)}")
            return default
        return value

    def date_range(self, today: date) -> tuple[date, date]:
        """``start_date``..``end_date``: by default the 30 days up to ``end_date`` (today)."""
        first, last = self.day("start_date"), self.day("end_date")
        if last is None:
            last = today
        if first is None:
            first = max(EARLIEST_DAY, last - timedelta(days=DEFAULT_DAYS - 1))
        if first > last:
            self.problem("start_date", "invalid_range", "start_date must not be after end_date")
        return first, last


def filters(conn: Connection, tenant_id: int, params: Params, livemode: bool) -> Filters:
    """The currency, product and plan filters.  Every 400 of the request is raised first, then
    a 404 for a product or plan the tenant does not have (or a 400 for a plan of another product
    than the one asked), as ``/v1/metrics`` does."""
    currency = params.currency()
    product_id, plan_id = params.identifier("product_id"), params.identifier("plan_id")
    params.check()
    found = Filters(product_id, plan_id, currency, livemode)
    check(conn, tenant_id, found)
    return found
