"""Running totals of every account's calls per local day, converted into the reporting
currency, built once per data revision (:mod:`billstats.metrics.derived`).

``call_accounts`` over whole local days without a currency filter converts each (account, day,
currency) row of the ``call_account_days`` roll-up with that day's rate and sums the exact
results per account and bucket.  Doing that per request costs a row per account and day (at
scale 100: 389,136 rows for 90 days).  This index does it once per revision: one row per
account and local day (its currencies merged), in flat arrays, with running totals over all
rows, so the totals of an account over days ``first..last`` are two bisections and a
subtraction.

Exactness: a foreign amount converts to ``cost * rate / 10**12`` reporting micros
(:mod:`billstats.metrics.fx`).  Each row keeps the whole micros (``cost`` itself for the
reporting currency, the floor of the conversion otherwise) and, apart, the remainder in
``10**-12`` micros, so a range's exact total is ``micros + Fraction(remainder, 10**12)``: the
same number as adding each conversion (:class:`Totals` gives it as an integer in ``10**-12``
micros), and the caller rounds it once.

A (currency, day) without a usable rate is not an error when the index is built (no question
may need that day); it is remembered, and a question whose days and accounts include it raises
:class:`~billstats.metrics.fx.MissingRate` naming the earliest such day.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Collection, Iterable, Iterator, Sequence
from datetime import date
from typing import NamedTuple

from sqlalchemy import Connection, select

from billstats.db import tables as t
from billstats.metrics import derived, shared_rates
from billstats.metrics.fx import RATE_SCALE, Converter, MissingRate


class Totals(NamedTuple):
    """An account's calls over some days: how many, billed seconds, and the exact cost in
    ``1/RATE_SCALE`` reporting micros (an integer: ``cost / RATE_SCALE`` micros).  A named
    tuple: one is made per account and range on every request."""

    account_id: str
    part: int  # which of the asked ranges
    calls: int
    billed_seconds: int
    cost: int


class CallAccountIndex:
    """Every account's calls per local day, with running totals (see the module docstring)."""

    def __init__(
        self,
        reporting: str,
        accounts: list[str],
        offsets: list[int],
        days: array[int],
        running: tuple[array[int] | list[int], ...],
        missing: list[tuple[int, str, str]],
    ) -> None:
        self.reporting = reporting
        self.accounts = accounts
        self._offsets = offsets  # rows of accounts[j]: offsets[j] .. offsets[j + 1] - 1
        self._days = days  # each row's local day (ordinal), ascending per account
        # totals of the rows before row i: calls, billed seconds, whole micros, remainders
        self._calls, self._seconds, self._micros, self._rest = running
        self._missing = missing  # (day ordinal, currency, account) without a rate, by day

    @property
    def nbytes(self) -> int:
        """An estimate of the memory held."""
        sizes = [c.itemsize if isinstance(c, array) else 40 for c in self._all()]
        return len(self._days) * (self._days.itemsize + sum(sizes)) + len(self.accounts) * 120

    def _all(self) -> tuple[array[int] | list[int], ...]:
        return self._calls, self._seconds, self._micros, self._rest

    def totals(
        self, starts: Sequence[date], last: date, among: Collection[str] | None = None
    ) -> Iterator[Totals]:
        """Per account (of ``among``, every account when None) and part ``k``: the totals of
        the days ``starts[k]`` .. the day before ``starts[k + 1]`` (``last`` for the last part),
        for each part holding at least one of the account's days."""
        if not starts or last < starts[0]:
            return
        edges = [d.toordinal() for d in starts] + [last.toordinal() + 1]
        self._check_rates(edges[0], edges[-1], among)
        days, offsets = self._days, self._offsets
        calls, seconds, micros, rest = self._all()
        for j, account in enumerate(self.accounts):
            if among is not None and account not in among:
                continue
            lo, hi = offsets[j], offsets[j + 1]
            at = bisect_left(days, edges[0], lo, hi)
            for k in range(len(edges) - 1):
                if at >= hi:
                    break
                end = bisect_left(days, edges[k + 1], at, hi)
                if end > at:
                    yield Totals(
                        account,
                        k,
                        calls[end] - calls[at],
                        seconds[end] - seconds[at],
                        (micros[end] - micros[at]) * RATE_SCALE + rest[end] - rest[at],
                    )
                at = end

    def _check_rates(self, first: int, stop: int, among: Collection[str] | None) -> None:
        lo = bisect_left(self._missing, (first,))
        hi = bisect_right(self._missing, (stop,))
        for day, currency, account in self._missing[lo:hi]:
            if first <= day < stop and (among is None or account in among):
                raise MissingRate(currency, date.fromordinal(day), self.reporting)


Row = tuple[str, date, str, int, int, int]  # account, local day, currency, calls, seconds, cost


def build(conn: Connection, snap: derived.Snapshot, reporting: str) -> CallAccountIndex:
    """The index of the tenant's ``call_account_days`` at ``snap`` (one ordered read)."""
    d = t.call_account_days
    stmt = (
        select(d.c.account_id, d.c.day, d.c.currency, d.c.calls, d.c.billed_seconds, d.c.cost)
        .where(d.c.tenant_id == snap.tenant_id)
        .order_by(d.c.account_id, d.c.day)
    )
    converter = shared_rates.converter(conn, snap, reporting)
    return from_rows(converter, conn.execute(stmt))


class _Running:
    """A column of running totals: 64-bit integers in an array while they fit (8 bytes each,
    no transient list of Python integers while the index is built), Python integers after."""

    def __init__(self) -> None:
        self.values: array[int] | list[int] = array("q", [0])

    def append(self, value: int) -> None:
        try:
            self.values.append(value)
        except OverflowError:
            self.values = [*self.values, value]


def from_rows(converter: Converter, rows: Iterable[Row]) -> CallAccountIndex:
    """The index of roll-up ``rows`` ordered by account, then day."""
    reporting = converter.reporting
    accounts: list[str] = []
    offsets: list[int] = []
    days: array[int] = array("l")
    columns = (_Running(), _Running(), _Running(), _Running())
    calls = seconds = micros = rest = 0  # totals so far
    missing: list[tuple[int, str, str]] = []
    current: str | None = None
    for account, day, currency, n, billed, cost in rows:
        ordinal = day.toordinal()
        if account != current or ordinal != days[-1]:
            if days:  # the totals after the row before
                for column, total in zip(columns, (calls, seconds, micros, rest), strict=True):
                    column.append(total)
            if account != current:
                current = account
                accounts.append(account)
                offsets.append(len(days))
            days.append(ordinal)
        calls += n
        seconds += billed
        if currency == reporting or not cost:
            micros += cost
            continue
        try:
            whole, part = divmod(cost * converter.scaled(currency, day), RATE_SCALE)
        except MissingRate:
            missing.append((ordinal, currency, account))
            continue
        micros += whole
        rest += part
    if days:
        for column, total in zip(columns, (calls, seconds, micros, rest), strict=True):
            column.append(total)
    offsets.append(len(days))
    missing.sort()
    running = tuple(c.values for c in columns)
    return CallAccountIndex(reporting, accounts, offsets, days, running, missing)


def index(conn: Connection, tenant_id: int, reporting: str) -> CallAccountIndex:
    """The index at the snapshot ``conn``'s transaction sees, cached per revision."""
    snap = derived.snapshot(conn, tenant_id)

    def make() -> tuple[CallAccountIndex, int]:
        found = build(conn, snap, reporting)
        return found, found.nbytes

    return derived.from_database(conn, snap, ("call_accounts.index", reporting), make)
