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

from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, select

from billstats.db import tables as t
from billstats.metrics import derived
from billstats.metrics.calendar import LocalDays, local_date, month_index

SUCCEEDED = "succeeded"
_TICK = timedelta(microseconds=1)

Payment = tuple[datetime, str, date, int]  # instant, currency, local day, micros


@dataclass
class MonthFacts:
    """The payments of one cohort's customers in one month."""

    firsts: list[datetime] = field(default_factory=list)  # per customer, sorted
    sums: dict[tuple[str, date], int] = field(default_factory=lambda: defaultdict(int))
    payments: list[Payment] = field(default_factory=list)  # sorted by instant

    def retained(self, until: datetime) -> int:
        return bisect_left(self.firsts, until)

    def revenue(self, until: datetime) -> list[tuple[str, date, int]]:
        """(currency, day, micros) of the payments before ``until`` (``sums`` holds them all)."""
        cut = bisect_left(self.payments, (until,))
        return [(c, d, m) for _, c, d, m in self.payments[:cut]]


@dataclass
class CohortIndex:
    firsts: dict[int, list[datetime]]  # cohort month -> its customers' first instants, sorted
    months: dict[tuple[int, int], MonthFacts]  # (cohort month, month) -> facts
    tz: ZoneInfo

    def size(self, cohort: int, until: datetime) -> int:
        return bisect_left(self.firsts.get(cohort, []), until)

    def last_month(self, until: datetime) -> int:
        """The month of the last instant before ``until``: earlier months are whole."""
        return month_index(local_date(until - _TICK, self.tz))


def build(rows: list[tuple[str, str, int, datetime]], tz: ZoneInfo) -> CohortIndex:
    """``rows``: (customer, currency, micros, instant) of the payments in scope."""
    rows.sort(key=lambda r: (r[3], r[0]))
    days = LocalDays(tz)
    first_month: dict[str, int] = {}
    firsts: dict[int, list[datetime]] = defaultdict(list)
    months: dict[tuple[int, int], MonthFacts] = defaultdict(MonthFacts)
    seen: set[tuple[str, int]] = set()
    for customer, currency, micros, at in rows:
        day = days(at)
        m = month_index(day)
        m0 = first_month.get(customer)
        if m0 is None:  # in instant order: the customer's first payment
            m0 = first_month[customer] = m
            firsts[m].append(at)
        facts = months[(m0, m)]
        if (customer, m) not in seen:
            seen.add((customer, m))
            facts.firsts.append(at)
        facts.sums[(currency, day)] += micros
        facts.payments.append((at, currency, day, micros))
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
        rows = [tuple(r) for r in conn.execute(stmt)]
        return build(rows, tz), 400 * len(rows) + 1024

    return derived.from_database(conn, snap, ("cohort_index", str(tz), livemode, currency), make)
