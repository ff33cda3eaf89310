"""MRR movements: per customer and currency, day by day in the tenant's zone.

A customer's MRR in a currency at the close of a local day is the sum of its subscriptions'
MRR after every change dated before the next local midnight.  Comparing each day's close with
the previous day's close classifies the change (at most one movement per customer, currency and
day):

- from 0 to > 0: ``new`` the first time the customer's close is ever positive, else
  ``reactivation``;
- up, from > 0: ``expansion``; down but still > 0: ``contraction``; down to 0: ``churn``.

So ``revenue(d) = revenue(d-1) + new + reactivation + expansion - contraction - churn`` holds
exactly for every day and currency (amounts are integer micros, each subscription's MRR is
already rounded to the currency's minor unit).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from billstats.metrics.calendar import day_start, each_day, local_date
from billstats.metrics.mrr_timeline import Segment

NEW = "new"
REACTIVATION = "reactivation"
EXPANSION = "expansion"
CONTRACTION = "contraction"
CHURN = "churn"
KINDS = (NEW, REACTIVATION, EXPANSION, CONTRACTION, CHURN)

Key = tuple[str, str]  # (customer_id, currency)


@dataclass(frozen=True)
class CustomerMovement:
    """One customer's MRR change in one currency on one local day (micros)."""

    day: date
    customer_id: str
    currency: str
    kind: str
    before: int  # MRR at the close of the previous day
    after: int  # MRR at the close of ``day``

    @property
    def amount(self) -> int:
        """The movement's magnitude (always positive)."""
        return abs(self.after - self.before)


@dataclass(frozen=True)
class DailyMovement:
    """One currency's MRR on one local day (micros): the close and the day's movements."""

    day: date
    currency: str
    revenue: int  # MRR at the close of the day
    new: int = 0
    reactivation: int = 0
    expansion: int = 0
    contraction: int = 0
    churn: int = 0
    customers: int = 0  # customers with MRR > 0 in this currency at the close of the day

    @property
    def net(self) -> int:
        return self.new + self.reactivation + self.expansion - self.contraction - self.churn


@dataclass(frozen=True)
class Close:
    """A customer's MRR at the close of ``day``, recorded only on days where it changed."""

    day: date
    value: int


def closes(segments: Iterable[Segment], tz: ZoneInfo) -> dict[Key, list[Close]]:
    """Per customer and currency, the day closes where the MRR changed, in day order."""
    deltas: dict[Key, dict[datetime, int]] = defaultdict(lambda: defaultdict(int))
    for seg in segments:
        mrr = seg.mrr
        if mrr == 0:
            continue
        per = deltas[(seg.customer_id, seg.currency)]
        per[seg.start] += mrr
        if seg.end is not None:
            per[seg.end] -= mrr
    out: dict[Key, list[Close]] = {}
    for key, per in deltas.items():
        by_day: dict[date, int] = defaultdict(int)
        for at, delta in per.items():
            if delta:
                by_day[local_date(at, tz)] += delta
        value, changes = 0, []
        for day in sorted(by_day):
            if by_day[day]:
                value += by_day[day]
                changes.append(Close(day, value))
        if changes:
            out[key] = changes
    return out


def classify(before: int, after: int, was_positive: bool) -> str:
    if before == 0:
        return REACTIVATION if was_positive else NEW
    if after == 0:
        return CHURN
    return EXPANSION if after > before else CONTRACTION


def customer_movements(
    history: dict[Key, list[Close]], first: date, last: date, currency: str | None = None
) -> list[CustomerMovement]:
    """Every customer movement on days ``first``..``last``, ordered by day, currency, customer."""
    out: list[CustomerMovement] = []
    for (customer_id, cur), changes in history.items():
        if currency is not None and cur != currency:
            continue
        before, was_positive = 0, False
        for close in changes:
            if close.day > last:
                break
            if close.day >= first:
                kind = classify(before, close.value, was_positive)
                out.append(CustomerMovement(close.day, customer_id, cur, kind, before, close.value))
            was_positive = was_positive or close.value > 0
            before = close.value
    out.sort(key=lambda m: (m.day, m.currency, m.customer_id))
    return out


def currencies(history: dict[Key, list[Close]], last: date | None = None) -> list[str]:
    """The currencies with recurring revenue at the close of some day up to ``last`` (any day
    when None)."""
    return sorted(
        {
            cur
            for (_, cur), ch in history.items()
            if any(c.value and (last is None or c.day <= last) for c in ch)
        }
    )


def _opening(history: dict[Key, list[Close]], before: date) -> dict[str, tuple[int, int]]:
    """Per currency: (MRR, paying customers) at the close of the day before ``before``."""
    out: dict[str, tuple[int, int]] = defaultdict(lambda: (0, 0))
    for (_, cur), changes in history.items():
        value = 0
        for close in changes:
            if close.day >= before:
                break
            value = close.value
        if value:
            total, count = out[cur]
            out[cur] = (total + value, count + 1)
    return out


def daily_series(
    history: dict[Key, list[Close]],
    first: date,
    last: date,
    currency: str | None = None,
    *,
    among: Iterable[str] | None = None,
) -> list[DailyMovement]:
    """One point per day and currency, ordered by day then currency.

    The currencies are those with MRR at the close of some day up to ``last``, or ``among``
    when given (so that pages of a longer range show the same currencies); ``currency`` narrows
    them to one.
    """
    if first > last:
        raise ValueError("first must not be after last")
    pool = sorted(set(among)) if among is not None else currencies(history, last)
    wanted = [c for c in pool if currency is None or c == currency]
    if not wanted:
        return []
    movements = customer_movements(history, first, last, currency)
    return series_from(_opening(history, first), movements, wanted, first, last)


def series_from(
    opening: Mapping[str, tuple[int, int]],
    movements: Iterable[CustomerMovement],
    wanted: list[str],
    first: date,
    last: date,
) -> list[DailyMovement]:
    """The points of ``daily_series`` from the opening (MRR, paying customers) per currency at
    the close of the day before ``first`` and the customer movements of ``first``..``last``."""
    sums: dict[tuple[date, str], dict[str, int]] = defaultdict(lambda: dict.fromkeys(KINDS, 0))
    counts: dict[tuple[date, str], int] = defaultdict(int)
    for m in movements:
        sums[(m.day, m.currency)][m.kind] += m.amount
        if m.kind in (NEW, REACTIVATION):
            counts[(m.day, m.currency)] += 1
        elif m.kind == CHURN:
            counts[(m.day, m.currency)] -= 1
    out: list[DailyMovement] = []
    running = {c: opening.get(c, (0, 0)) for c in wanted}
    for day in each_day(first, last):
        for cur in wanted:
            s = sums.get((day, cur)) or dict.fromkeys(KINDS, 0)
            revenue, paying = running[cur]
            revenue += s[NEW] + s[REACTIVATION] + s[EXPANSION] - s[CONTRACTION] - s[CHURN]
            paying += counts.get((day, cur), 0)
            running[cur] = (revenue, paying)
            out.append(
                DailyMovement(
                    day,
                    cur,
                    revenue,
                    s[NEW],
                    s[REACTIVATION],
                    s[EXPANSION],
                    s[CONTRACTION],
                    s[CHURN],
                    paying,
                )
            )
    return out


def day_close(day: date, tz: ZoneInfo) -> datetime:
    """The last instant (microsecond) of local ``day``, in UTC: where its closing MRR is read."""
    return day_start(day + timedelta(days=1), tz) - timedelta(microseconds=1)


# -- one customer, every currency together ---------------------------------------------------

Amounts = tuple[tuple[str, int], ...]  # (currency, micros) pairs, sorted, only non-zero ones


@dataclass(frozen=True)
class CustomerChange:
    """A customer's MRR changing between the close of ``day - 1`` and the close of ``day``,
    every currency together: ``before`` and ``after`` hold its non-zero MRR per currency.

    This is the customer-level view of movements (used where several currencies are reported
    together, converted into one): a customer paying in EUR who adds a USD subscription
    *expands*, it is not new again.  Whether a change between two positive states is an
    expansion or a contraction depends on the currency it is valued in, so it is decided by
    the caller (``kind`` is None then); within one currency it is the sign of ``deltas``.
    """

    day: date
    customer_id: str
    before: Amounts
    after: Amounts
    ever_paid: bool  # whether the customer had a positive close on some earlier day

    @property
    def kind(self) -> str | None:
        """``new``, ``reactivation`` or ``churn`` when the customer starts or stops paying;
        None when it pays before and after (an expansion or a contraction)."""
        if not self.before:
            return REACTIVATION if self.ever_paid else NEW
        if not self.after:
            return CHURN
        return None

    def deltas(self) -> dict[str, int]:
        """Currency -> ``after - before`` (micros), non-zero ones only."""
        out: dict[str, int] = defaultdict(int)
        for cur, value in self.after:
            out[cur] += value
        for cur, value in self.before:
            out[cur] -= value
        return {c: v for c, v in out.items() if v}


def customer_changes(history: dict[Key, list[Close]]) -> list[CustomerChange]:
    """Every day on which some customer's MRR (in any currency) changed, ordered by day then
    customer.  Within one currency these are exactly the days of ``customer_movements``."""
    per_customer: dict[str, dict[date, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    for (customer_id, cur), changes in history.items():
        for close in changes:
            per_customer[customer_id][close.day][cur] = close.value
    out: list[CustomerChange] = []
    for customer_id, days in per_customer.items():
        current: dict[str, int] = {}
        before: Amounts = ()
        ever_paid = False
        for day in sorted(days):
            current.update(days[day])
            after = tuple(sorted((c, v) for c, v in current.items() if v))
            if after != before:
                out.append(CustomerChange(day, customer_id, before, after, ever_paid))
            ever_paid = ever_paid or bool(after)
            before = after
    out.sort(key=lambda c: (c.day, c.customer_id))
    return out
