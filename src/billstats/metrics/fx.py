"""Conversion into the tenant's reporting currency with the ``fx_rates`` of each amount's day.

A rate is "units of the reporting currency per unit of the currency" on one calendar day (the
tenant's zone); amounts in the reporting currency need no rate.  As with published reference rates,
a day without its own rate (a weekend, a holiday, today before the day's rate is in) uses the latest
rate at most ``MAX_RATE_AGE_DAYS`` days before it.  Beyond that the rate is missing, an error that
names the currency and the day: numbers are never silently converted with a stale or wrong rate.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from fractions import Fraction

from sqlalchemy import Connection, select

from billstats.db import tables as t
from billstats.errors import BillstatsError
from billstats.ingest.schemas.usage import RATE_DIGITS

RATE_SCALE: int = 10**RATE_DIGITS
MAX_RATE_AGE_DAYS = 7


class MissingRate(BillstatsError):
    def __init__(self, currency: str, day: date, reporting: str) -> None:
        super().__init__(
            f"no exchange rate for {currency} on {day.isoformat()} (to {reporting}); "
            f"add it with PUT /v1/fx_rates/{currency}/{day.isoformat()}",
            422,
            "missing_fx_rate",
        )
        self.currency = currency
        self.day = day


class Converter:
    """Converts (currency, day, micros) into exact reporting-currency micros."""

    def __init__(self, reporting: str, rates: dict[tuple[str, date], int]) -> None:
        self.reporting = reporting
        self._rates = rates
        self._found: dict[tuple[str, date], int] = {}  # rates looked up (with their carry)

    def scaled(self, currency: str, day: date) -> int:
        """The rate of a foreign currency on ``day``, scaled by 10**12 (carried up to
        ``MAX_RATE_AGE_DAYS`` days); raises :class:`MissingRate`."""
        found = self._found.get((currency, day))
        if found is not None:
            return found
        for age in range(MAX_RATE_AGE_DAYS + 1):
            scaled = self._rates.get((currency, day - timedelta(days=age)))
            if scaled is not None:
                self._found[(currency, day)] = scaled
                return scaled
        raise MissingRate(currency, day, self.reporting)

    def rate(self, currency: str, day: date) -> Fraction:
        if currency == self.reporting:
            return Fraction(1)
        return Fraction(self.scaled(currency, day), RATE_SCALE)

    def convert(self, micros: int, currency: str, day: date) -> Fraction:
        return micros * self.rate(currency, day) if micros else Fraction(0)

    def total(self, amounts: Iterable[tuple[str, date, int]]) -> Fraction:
        """The exact sum of many (currency, day, micros) amounts in the reporting currency."""
        return Fraction(self.total_scaled(amounts), RATE_SCALE)

    def total_scaled(self, amounts: Iterable[tuple[str, date, int]]) -> int:
        """:meth:`total` times ``RATE_SCALE``, an integer.

        (Amounts in the reporting currency as they are, the others times their scaled rate: the
        same number as adding each conversion.)
        """
        whole = scaled = 0
        reporting = self.reporting
        for currency, day, micros in amounts:
            if not micros:
                continue
            if currency == reporting:
                whole += micros
            else:
                scaled += micros * self.scaled(currency, day)
        return whole * RATE_SCALE + scaled


def load_converter(
    conn: Connection,
    tenant_id: int,
    reporting: str,
    currencies: Iterable[str],
    first: date,
    last: date,
) -> Converter:
    """The rates a computation over days ``first``..``last`` may need (only foreign currencies)."""
    foreign = sorted({c for c in currencies if c != reporting})
    rates: dict[tuple[str, date], int] = {}
    if foreign:
        fx = t.fx_rates
        query = select(fx.c.currency, fx.c.day, fx.c.rate).where(
            fx.c.tenant_id == tenant_id,
            fx.c.currency.in_(foreign),
            fx.c.day >= first - timedelta(days=MAX_RATE_AGE_DAYS),
            fx.c.day <= last,
        )
        rates = {(r.currency, r.day): r.rate for r in conn.execute(query)}
    return Converter(reporting, rates)
