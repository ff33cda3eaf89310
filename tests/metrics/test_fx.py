"""Conversion into the reporting currency: the day's rate, carried over at most 7 days."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest
from sqlalchemy import Engine

from billstats.db import tables as t
from billstats.db.dialect import write_transaction
from billstats.metrics.fx import Converter, MissingRate, load_converter
from tests.conftest import make_tenant

S = 10**12
FRI, SAT, MON = date(2026, 1, 2), date(2026, 1, 3), date(2026, 1, 5)
RATES = {("EUR", FRI): 1_100_000_000_000, ("EUR", MON): 1_200_000_000_000}


@pytest.mark.parametrize(
    ("day", "rate"),
    [
        (FRI, Fraction(11, 10)),  # the day's own rate
        (SAT, Fraction(11, 10)),  # weekend: Friday's
        (date(2026, 1, 4), Fraction(11, 10)),
        (MON, Fraction(12, 10)),  # Monday's own, not Friday's
        (date(2026, 1, 12), Fraction(12, 10)),  # 7 days after Monday: still Monday's
    ],
)
def test_rate_of_a_day(day: date, rate: Fraction) -> None:
    assert Converter("USD", RATES).rate("EUR", day) == rate


def test_a_rate_older_than_seven_days_is_missing_and_named() -> None:
    with pytest.raises(MissingRate) as err:
        Converter("USD", RATES).rate("EUR", date(2026, 1, 13))
    assert err.value.status_code == 422 and err.value.code == "missing_fx_rate"
    assert str(err.value).startswith("no exchange rate for EUR on 2026-01-13 (to USD)")
    with pytest.raises(MissingRate, match="no exchange rate for EUR on 2026-01-01"):
        Converter("USD", RATES).rate("EUR", date(2026, 1, 1))  # before the first rate


def test_reporting_currency_needs_no_rate_and_sums_are_exact() -> None:
    conv = Converter("USD", RATES)
    assert conv.rate("USD", date(1999, 1, 1)) == 1
    # 0.10 EUR at 1.1 + 0.20 EUR at 1.2 + 0.30 USD = 0.11 + 0.24 + 0.30 = 0.65 USD exactly
    total = conv.total([("EUR", FRI, 100_000), ("EUR", MON, 200_000), ("USD", FRI, 300_000)])
    assert total == Fraction(650_000)


def test_load_reaches_back_for_the_carried_rate(engine: Engine) -> None:
    ctx = make_tenant(engine)
    other = make_tenant(engine)
    rows = [
        {"tenant_id": ctx.id, "currency": "EUR", "day": FRI, "rate": 11 * S // 10},
        {"tenant_id": other.id, "currency": "EUR", "day": MON, "rate": 5 * S},
    ]
    with write_transaction(engine) as conn:
        conn.execute(t.fx_rates.insert(), rows)
    with engine.connect() as conn:
        conv = load_converter(conn, ctx.id, "USD", {"EUR", "USD"}, MON, MON)
    assert conv.rate("EUR", MON) == Fraction(11, 10)  # Friday's, not the other tenant's Monday
