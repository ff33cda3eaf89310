"""Query parameters of the movement log, cohorts and customer metrics endpoints.

The conventions of the native metrics API (``docs/metrics.md``): ``start_date``/``end_date``
(YYYY-MM-DD, inclusive, tenant zone; default the 30 days up to today), ``interval``,
``product_id``/``plan_id`` (404 when unknown), ``currency`` (a native ISO currency),
``livemode`` (true|false, default true).  Every problem of a request is reported at once (400
``invalid_parameters`` with ``problems``); unknown or repeated parameters are problems too, so a
typo never silently widens a query.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Connection, select

from billstats.db import tables as t
from billstats.errors import BillstatsError, NotFound, Problem
from billstats.metrics.registry import INTERVALS, Interval
from billstats.money import is_currency

DEFAULT_DAYS = 30
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_INT = re.compile(r"\d{1,7}")
MAX_TEXT = 200
# Dates a query may name (room on both sides for default ranges and day arithmetic).
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(9998, 12, 31)


class Params:
    """The raw query of one request; reading a value records its problems."""

    def __init__(self, items: Iterable[tuple[str, str]], allowed: Iterable[str]) -> None:
        self.values: dict[str, str] = {}
        self.problems: list[Problem] = []
        known = sorted(allowed)
        for name, value in items:
            if name not in known:
                self.problem(name, "unknown_parameter", f"allowed: {', '.join(known)}")
            elif name in self.values:
                self.problem(name, "repeated_parameter", f"{name} is given more than once")
            else:
                self.values[name] = value

    def problem(self, path: str, code: str, message: str) -> None:
        self.problems.append(Problem(path, code, message))

    def check(self) -> None:
        """Raise every problem recorded so far."""
        if self.problems:
            names = ", ".join(dict.fromkeys(p.path for p in self.problems))
            raise BillstatsError(
                f"invalid query parameters: {names}",
                400,
                "invalid_parameters",
                list(self.problems),
            )

    def text(self, name: str) -> str | None:
        value = self.values.get(name)
        if value is None:
            return None
        if not 1 <= len(value) <= MAX_TEXT or "\x00" in value:
            self.problem(name, "invalid", f"{name} must be 1-{MAX_TEXT} characters, no NUL")
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
        if not FIRST_DAY <= day <= LAST_DAY:
            self.problem(name, "out_of_range", f"{name} must be from {FIRST_DAY} to {LAST_DAY}")
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

    def interval(self) -> Interval:
        value = self.values.get("interval")
        if value is None:
            return "day"
        if value not in INTERVALS:
            self.problem("interval", "invalid_interval", f"interval must be one of {INTERVALS}")
            return "day"
        return value

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
            last = max(today, first) if first is not None else today
        if first is None:
            first = max(FIRST_DAY, last - timedelta(days=DEFAULT_DAYS - 1))
        if first > last:
            self.problem("start_date", "invalid_range", "start_date must not be after end_date")
        return first, last


@dataclass(frozen=True)
class Catalog:
    """The product and plan filters of a request (checked to exist in the tenant)."""

    product_id: str | None = None
    plan_id: str | None = None


def catalog(conn: Connection, tenant_id: int, params: Params) -> Catalog:
    """The product/plan filters; 404 when one is not the tenant's (after the 400 checks)."""
    product_id, plan_id = params.text("product_id"), params.text("plan_id")
    params.check()
    for kind, table, value in (("product", t.products, product_id), ("plan", t.plans, plan_id)):
        if value is None:
            continue
        found = conn.execute(
            select(table.c.id).where(table.c.tenant_id == tenant_id, table.c.id == value)
        ).first()
        if found is None:
            raise NotFound(f"no {kind} {value!r}")
    return Catalog(product_id, plan_id)
