"""The cohort facts of a tenant's payments, derived once per data revision
(:mod:`billstats.metrics.derived`) so that a cohort table is read, not recomputed from every
payment, on each request.

For one scope (live or test payments, optionally of one currency; no product or plan filter)
each customer's **cohort month** is the tenant-local month of its first succeeded payment in
scope.  Per (cohort month, month) the index keeps, for the customers of that cohort:

- the instant of each customer's first payment in that month, sorted: the customers retained
  in the month as observed up to an instant ``until`` are those whose first payment in it is
  before ``until`` (a bisection);
- the payments' amounts summed per (currency, local day): a whole month before ``until``;
- the payments themselves, by instant: the month that ``until`` falls in is summed from the
  ones before it.

A customer is in its cohort, as observed up to ``until``, when its first payment is before
``until`` (again a bisection per cohort month).  This is exactly what
:func:`billstats.metrics.cohorts.cohort_table` computes from the payments: a customer's first
payment before ``until`` is its first payment at all, when there is one before ``until``.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, select

from billstats.db import tables as t
from billstats.metrics import derived
from billstats.metrics.calendar import LocalDays, local_date, month_index

SUCCEEDED = "succeeded"
_TICK = timedelta(microseconds=1)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _micros(at: datetime) -> int:
    """An instant as whole microseconds since the epoch (instants are kept as 64-bit integers:
    an eighth of the memory of datetime objects)."""
    return (at - _EPOCH) // _TICK


class MonthFacts:
    """The payments of one cohort's customers in one month, in 64-bit arrays."""

    def __init__(self) -> None:
        self.firsts = array("q")  # per customer, its first instant in the month, sorted
        self.sums: dict[tuple[str, date], int] = defaultdict(int)
        # the payments by instant: instant, currency (index into ``currencies``), day, micros
        self.instants = array("q")
        self.currencies: list[str] = []
        self._currency = array("H")
        self._days = array("l")
        self._micros = array("q")

    def add(self, at: int, currency: str, day: date, micros: int) -> None:
        if currency not in self.currencies:
            self.currencies.append(currency)
        self.sums[(currency, day)] += micros
        self.instants.append(at)
        self._currency.append(self.currencies.index(currency))
        self._days.append(day.toordinal())
        self._micros.append(micros)

    @property
    def count(self) -> int:
        return len(self.instants)

    @property
    def nbytes(self) -> int:
        return 8 * len(self.firsts) + 22 * len(self.instants) + 150 * len(self.sums) + 400

    def retained(self, until: datetime) -> int:
        return bisect_left(self.firsts, _micros(until))

    def revenue(self, until: datetime) -> list[tuple[str, date, int]]:
        """(currency, day, micros) of the payments before ``until`` (``sums`` holds them all)."""
        cut = bisect_left(self.instants, _micros(until))
        names, days, micros = self.currencies, self._days, self._micros
        return [
            (names[c], date.fromordinal(days[i]), micros[i])
            for i, c in enumerate(self._currency[:cut])
        ]


@dataclass
class CohortIndex:
    firsts: dict[int, array[int]]  # cohort month -> its customers' first instants, sorted
    months: dict[tuple[int, int], MonthFacts]  # (cohort month, month) -> facts
    tz: ZoneInfo

    def size(self, cohort: int, until: datetime) -> int:
        found = self.firsts.get(cohort)
        return 0 if found is None else bisect_left(found, _micros(until))

    def last_month(self, until: datetime) -> int:
        """The month of the last instant before ``until``: earlier months are whole."""
        return month_index(local_date(until - _TICK, self.tz))

    @property
    def nbytes(self) -> int:
        firsts = sum(8 * len(f) + 100 for f in self.firsts.values())
        return firsts + sum(f.nbytes for f in self.months.values()) + 1024


def build(rows: Iterable[tuple[str, str, int, datetime]], tz: ZoneInfo) -> CohortIndex:
    """``rows``: (customer, currency, micros, instant) of the payments in scope, sorted by
    instant, then customer."""
    days = LocalDays(tz)
    # per customer: its cohort month and the month of its latest payment so far (in instant
    # order a customer's months never go back, so a new month is a first payment in it)
    months_of: dict[str, tuple[int, int]] = {}
    firsts: dict[int, array[int]] = defaultdict(lambda: array("q"))
    months: dict[tuple[int, int], MonthFacts] = defaultdict(MonthFacts)
    for customer, currency, micros, at in rows:
        day = days(at)
        m = month_index(day)
        us = _micros(at)
        known = months_of.get(customer)
        if known is None:  # the customer's first payment
            firsts[m].append(us)
            m0 = m
        else:
            m0 = known[0]
        facts = months[(m0, m)]
        if known is None or known[1] != m:
            months_of[customer] = (m0, m)
            facts.firsts.append(us)
        facts.add(us, currency, day, micros)
    return CohortIndex(dict(firsts), dict(months), tz)


def cohort_index(
    conn: Connection, tenant_id: int, tz: ZoneInfo, livemode: bool, currency: str | None
) -> CohortIndex:
    """The index of the tenant's succeeded payments of ``livemode`` (of ``currency`` only, when
    given), shared per data revision."""
    snap = derived.snapshot(conn, tenant_id)

    def make() -> tuple[CohortIndex, int]:
        p = t.payments
        stmt = select(p.c.customer_id, p.c.currency, p.c.amount, p.c.created_at).where(
            p.c.tenant_id == tenant_id,
            p.c.status == SUCCEEDED,
            p.c.livemode.is_(livemode),
        )
        if currency is not None:
            stmt = stmt.where(p.c.currency == currency)
        # streamed in instant order (the (tenant, created_at) index): no list of every payment
        stmt = stmt.order_by(p.c.created_at, p.c.customer_id)
        index = build(conn.execute(stmt), tz)
        return index, index.nbytes

    return derived.from_database(conn, snap, ("cohort_index", str(tz), livemode, currency), make)
