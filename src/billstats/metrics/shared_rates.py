"""Every exchange rate of a tenant, loaded once per data revision (``metrics.derived``).

A :class:`~billstats.metrics.fx.Converter` holding all of them converts exactly as one holding
only the days a computation needs (``fx.load_converter``): a rate is looked up on its day and at
most ``MAX_RATE_AGE_DAYS`` days before, always inside the days loaded either way.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection, select

from billstats.db import tables as t
from billstats.metrics import derived
from billstats.metrics.fx import Converter

Rates = dict[tuple[str, date], int]


def all_rates(conn: Connection, snap: derived.Snapshot) -> Rates:
    """(currency, day) -> rate scaled by 10**12, every rate of the tenant."""

    def build() -> tuple[Rates, int]:
        fx = t.fx_rates
        query = select(fx.c.currency, fx.c.day, fx.c.rate).where(fx.c.tenant_id == snap.tenant_id)
        rates = {(r.currency, r.day): r.rate for r in conn.execute(query)}
        return rates, 200 * len(rates) + 64

    return derived.from_database(conn, snap, "fx.rates", build)


def converter(conn: Connection, snap: derived.Snapshot, reporting: str) -> Converter:
    """A converter into ``reporting`` holding every rate of the tenant."""
    return Converter(reporting, all_rates(conn, snap))
