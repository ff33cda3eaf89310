"""The per-revision indexes the dashboards read spans from equal a scan of their records.

- ``CancellationDays``: a span's tally from per-day runs equals the one-by-one walk (each
  cancellation effective in the span added on its local day); hypothesis draws cancellations
  (instants around DST changes and midnights, several currencies, equal instants) and spans
  cutting runs anywhere.
- ``SubscribedIndex.customers_in``: the customers of the segments overlapping a span.
- ``Distinct.among`` / ``count``: the distinct values of the records in a span.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any, cast
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from billstats.metrics.calendar import Span, local_date
from billstats.metrics.cancellation_days import CancellationDays
from billstats.metrics.dashboard_shared import Customers, Distinct
from billstats.metrics.mrr_shared import Ending, SubscribedIndex, micros
from billstats.metrics.tally import Tally

BASE = datetime(2026, 3, 6, tzinfo=UTC)  # two days before the US DST change
ZONES = ["America/New_York", "Europe/Berlin", "Asia/Kolkata", "UTC"]


def _ending(minutes: int, currency: str, mrr: int) -> Ending:
    prev = SimpleNamespace(currency=currency, mrr=mrr)
    return cast(Ending, SimpleNamespace(at=BASE + timedelta(minutes=minutes), prev=prev))


def _walk(endings: list[Ending], span: Span, tz: ZoneInfo) -> Tally:
    out = Tally()
    for e in endings:
        if span.contains(e.at):
            out.add(e.prev.currency, local_date(e.at, tz), e.prev.mrr)
    return out


def _plain(tally: Tally) -> tuple[int, dict[Any, int], dict[Any, int]]:
    return tally.count, dict(tally.sums), dict(tally.counts)


endings_st = st.lists(
    st.tuples(
        st.integers(0, 6 * 24 * 60),  # six days of minutes
        st.sampled_from(["USD", "EUR", "JPY"]),
        st.integers(0, 10**9),
    ),
    max_size=60,
).map(lambda raw: sorted((_ending(*r) for r in raw), key=lambda e: e.at))


@settings(max_examples=300, deadline=None)
@given(
    endings=endings_st,
    zone=st.sampled_from(ZONES),
    start=st.integers(-60, 6 * 24 * 60 + 60),
    length=st.integers(0, 7 * 24 * 60),
)
def test_a_spans_tally_equals_the_walk(
    endings: list[Ending], zone: str, start: int, length: int
) -> None:
    tz = ZoneInfo(zone)
    lo = BASE + timedelta(minutes=start)
    span = Span(lo, lo + timedelta(minutes=length))
    days = CancellationDays(endings, tz)
    assert _plain(days.tally(span)) == _plain(_walk(endings, span, tz))


def test_whole_and_cut_runs_by_hand() -> None:
    tz = ZoneInfo("America/New_York")
    # 03-06 (EST, UTC-5): 10:00 USD 100, 15:00 EUR 50; 03-07: 01:00 USD 7
    endings = [
        _ending(15 * 60, "USD", 100),
        _ending(20 * 60, "EUR", 50),
        _ending(30 * 60, "USD", 7),
    ]
    days = CancellationDays(endings, tz)
    d6, d7 = local_date(BASE + timedelta(hours=15), tz), local_date(BASE + timedelta(hours=30), tz)
    assert (d6.isoformat(), d7.isoformat()) == ("2026-03-06", "2026-03-07")
    every = days.tally(Span(BASE, BASE + timedelta(days=2)))
    assert _plain(every) == (
        3,
        {("USD", d6): 100, ("EUR", d6): 50, ("USD", d7): 7},
        {("USD", d6): 1, ("EUR", d6): 1, ("USD", d7): 1},
    )
    # a span cutting 03-06's run after its first cancellation and ending before 03-07's
    cut = days.tally(Span(BASE + timedelta(hours=16), BASE + timedelta(hours=30)))
    assert _plain(cut) == (1, {("EUR", d6): 50}, {("EUR", d6): 1})
    assert _plain(days.tally(Span(BASE, BASE))) == (0, {}, {})


def _seg(start: int, end: int | None, customer: str) -> SimpleNamespace:
    """A segment from minute ``start`` to ``end`` (None: open) after ``BASE``."""
    return SimpleNamespace(
        start=BASE + timedelta(minutes=start),
        end=None if end is None else BASE + timedelta(minutes=end),
        customer_id=customer,
    )


_segment = st.tuples(
    st.integers(0, 1000), st.one_of(st.none(), st.integers(1, 400)), st.integers(0, 9)
)
# Either any segments, or many early ones and a few starting late (the index's usual case: a
# span up to now with a handful of trials converting after it).
segments_st = st.one_of(
    st.lists(_segment, max_size=40),
    st.tuples(
        st.lists(
            st.tuples(
                st.integers(0, 600), st.one_of(st.none(), st.integers(1, 400)), st.integers(0, 60)
            ),
            min_size=20,
            max_size=120,
        ),
        st.lists(
            st.tuples(
                st.integers(900, 1000),
                st.one_of(st.none(), st.integers(1, 400)),
                st.integers(0, 60),
            ),
            max_size=3,
        ),
    ).map(lambda parts: parts[0] + parts[1]),
)


@settings(max_examples=300, deadline=None)
@given(raw=segments_st, start=st.integers(-10, 1500), length=st.integers(0, 1500))
def test_subscribed_customers_of_a_span_equal_a_scan(
    raw: list[tuple[int, int | None, int]], start: int, length: int
) -> None:
    """``SubscribedIndex.customers_in`` (with its shortcut for spans ending after every start)
    equals filtering every segment."""
    segments = [_seg(s, None if d is None else s + d, f"c{c}") for s, d, c in raw]
    index = SubscribedIndex(cast(Any, segments))
    lo, hi = BASE + timedelta(minutes=start), BASE + timedelta(minutes=start + length)
    expected = {s.customer_id for s in segments if (s.end is None or lo < s.end) and s.start < hi}
    assert index.customers_in(lo, hi) == expected
    for others in (set(), {"c1", "c7", "c50", "nobody"}, {f"c{n}" for n in range(0, 61, 3)}):
        for ratio in (64, 0):  # the set union for many others, the one-by-one check for few
            index.others_ratio = ratio
            assert index.count_with(lo, hi, others) == len(expected | others)


def test_a_customer_seen_only_before_and_after_a_span_is_not_in_it() -> None:
    # "b" subscribed before the span and again after it (a trial converting later); "a" and
    # the others overlap it.
    # "e" ended exactly when the span starts: not in it.
    segments = [_seg(0, None, "a"), _seg(0, 100, "b"), _seg(900, None, "b"), _seg(0, 200, "e")]
    segments += [_seg(10, None, f"x{n}") for n in range(20)]
    index = SubscribedIndex(cast(Any, segments))
    found = index.customers_in(BASE + timedelta(minutes=200), BASE + timedelta(minutes=800))
    assert found == {"a", *(f"x{n}" for n in range(20))}
    span = (BASE + timedelta(minutes=200), BASE + timedelta(minutes=800))
    assert index.count_with(*span, set()) == 21
    for ratio in (64, 0):
        index.others_ratio = ratio
        assert index.count_with(*span, {"b", "a", "new"}) == 23  # b paid in it, "new" unknown
    # once the span reaches the late start, "b" is in again
    later = index.customers_in(BASE + timedelta(minutes=200), BASE + timedelta(minutes=901))
    assert "b" in later


@settings(max_examples=300, deadline=None)
@given(
    raw=st.lists(st.tuples(st.integers(0, 100), st.sampled_from("abcdefgh")), max_size=40),
    start=st.integers(-5, 110),
    length=st.integers(0, 120),
)
def test_distinct_values_of_a_span_equal_a_scan(
    raw: list[tuple[int, str]], start: int, length: int
) -> None:
    rows = sorted((BASE + timedelta(minutes=m), value) for m, value in raw)
    index = Distinct(rows)
    lo, hi = BASE + timedelta(minutes=start), BASE + timedelta(minutes=start + length)
    expected = {value for at, value in rows if lo <= at < hi}
    assert index.among(lo, hi) == expected
    assert index.count(lo, hi) == len(expected)


@settings(max_examples=400, deadline=None)
@given(
    raw=segments_st,
    paid=st.lists(st.tuples(st.integers(0, 1000), st.integers(0, 70)), max_size=60),
    start=st.integers(-10, 1100),
    length=st.integers(0, 1500),
)
def test_customers_with_a_subscription_or_a_payment_equal_the_union(
    raw: list[tuple[int, int | None, int]], paid: list[tuple[int, int]], start: int, length: int
) -> None:
    """``Customers.count`` (its bisection for windows reaching the latest payment, the set union
    otherwise) equals the union of the subscribed customers and the payers."""
    segments = [_seg(s, None if d is None else s + d, f"c{c}") for s, d, c in raw]
    index = SubscribedIndex(cast(Any, segments))
    payers = Distinct(sorted((BASE + timedelta(minutes=m), f"c{c}") for m, c in paid))
    counter = Customers(index, payers)
    lo, hi = BASE + timedelta(minutes=start), BASE + timedelta(minutes=start + length)
    expected = index.customers_in(lo, hi) | payers.among(lo, hi)
    assert counter.count(index, payers, lo, hi) == len(expected)


def test_a_late_subscriber_counts_only_if_it_paid_in_the_window() -> None:
    # "late" and "late_paid" subscribe only after the window (a trial starting tomorrow);
    # "late_paid" paid inside it, "edge" exactly at its start, "gone" ended before it but paid
    # inside it, "old" neither.
    segments = [_seg(900, None, "late"), _seg(900, None, "late_paid"), _seg(0, 100, "gone")]
    segments += [_seg(950, None, "edge")]
    segments += [_seg(0, 50, "old")] + [_seg(10, None, f"x{n}") for n in range(40)]
    index = SubscribedIndex(cast(Any, segments))
    # the late segments are few: the window's count takes the bisection
    assert index.late(
        2, micros(BASE + timedelta(minutes=120)), micros(BASE + timedelta(minutes=800))
    ) == {"late", "late_paid", "edge"}
    paid = ((120, "edge"), (150, "gone"), (300, "late_paid"))
    rows = [(BASE + timedelta(minutes=m), c) for m, c in paid]
    payers = Distinct(rows)
    counter = Customers(index, payers)
    window = (BASE + timedelta(minutes=120), BASE + timedelta(minutes=800))
    assert payers.reaches_end(*window)
    assert counter.count(index, payers, *window) == 43  # x0..x39, edge, gone, late_paid
    before = (BASE + timedelta(minutes=120), BASE + timedelta(minutes=200))  # not the latest
    assert not payers.reaches_end(*before)
    assert counter.count(index, payers, *before) == 42  # x0..x39, edge, gone
