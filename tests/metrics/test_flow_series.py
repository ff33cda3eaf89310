"""The running totals of whole days (``flow_series``) equal the tallies' exact conversion."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from billstats.metrics.flow_series import FIGURES, NOTHING, FlowSeries
from billstats.metrics.fx import RATE_SCALE, Converter, MissingRate
from billstats.metrics.rollup_flows import FlowDays, add
from billstats.metrics.tally import Tally

D0 = date(2026, 1, 1)
CURRENCIES = ["USD", "EUR", "JPY"]

payment_rows = st.lists(
    st.tuples(
        st.integers(0, 20),  # day
        st.sampled_from(CURRENCIES),
        st.booleans(),  # recurring
        st.booleans(),  # affiliate
        st.integers(1, 3),  # payments
        st.integers(0, 10**9),  # amount
        st.integers(0, 10**7),  # fee
        st.integers(0, 10**8),  # commission
    ),
    max_size=30,
)
refund_rows = st.lists(
    st.tuples(
        st.integers(0, 20), st.sampled_from(CURRENCIES), st.integers(1, 3), st.integers(0, 10**9)
    ),
    max_size=15,
)
rates = st.dictionaries(
    st.tuples(st.sampled_from(["EUR", "JPY"]), st.integers(-8, 20)),
    st.integers(1, 3 * RATE_SCALE),
    max_size=40,
)


def _days(payments: list[tuple[int, ...]], refunds: list[tuple[int, ...]]) -> FlowDays:
    pay = sorted(
        (D0 + timedelta(days=d), c, r, a, n, m, f, k) for d, c, r, a, n, m, f, k in payments
    )
    ref = sorted((D0 + timedelta(days=d), c, n, m) for d, c, n, m in refunds)
    return FlowDays([p[0] for p in pay], pay, [r[0] for r in ref], ref, [], [])  # type: ignore[arg-type]


def _tallies(days: FlowDays, first: date, last: date) -> list[Tally]:
    """The figures of the days first..last as rollup_flows.flows adds them."""
    out = [Tally() for _ in FIGURES]
    onetime, recurring, fees, affiliate_sales, commissions, refunds = out
    for day, cur, rec, aff, n, amount, fee, commission in days.payments:
        if first <= day <= last:
            add(recurring if rec else onetime, cur, day, amount, n)
            add(fees, cur, day, fee, n)
            if aff:
                add(affiliate_sales, cur, day, amount, n)
                add(commissions, cur, day, commission, n)
    for day, cur, n, amount in days.refunds:
        if first <= day <= last:
            add(refunds, cur, day, amount, n)
    return out


@settings(max_examples=300, deadline=None)
@given(
    payment_rows,
    refund_rows,
    rates,
    st.integers(-3, 24),
    st.integers(0, 25),
    st.sampled_from([None, *CURRENCIES]),
)
def test_whole_days_equal_the_tallies(
    payments: list[tuple[int, ...]],
    refunds: list[tuple[int, ...]],
    scaled_rates: dict[tuple[str, int], int],
    start: int,
    length: int,
    only: str | None,
) -> None:
    days = _days(payments, refunds)
    rates_by_day = {(c, D0 + timedelta(days=d)): r for (c, d), r in scaled_rates.items()}
    converter = Converter("USD", rates_by_day)
    first = D0 + timedelta(days=start)
    last = first + timedelta(days=length)
    series = FlowSeries(days, only or "USD", None if only else Converter("USD", rates_by_day))
    whole = series.whole(first, last)
    tallies = _tallies(days, first, last)
    if only is not None:
        assert whole is not None
        for k, tally in enumerate(tallies):
            mine = [(m, tally.counts[key]) for key, m in tally.sums.items() if key[0] == only]
            assert whole.scaled[k] == RATE_SCALE * sum(m for m, _ in mine)
            assert whole.counts[k] == sum(n for _, n in mine)
        return
    try:
        expected = [converter.total_scaled(tally.entries()) for tally in tallies]
    except MissingRate:
        assert whole is None
        return
    assert whole is not None
    assert list(whole.scaled) == expected
    assert list(whole.counts) == [tally.count for tally in tallies]


def test_days_outside_the_data_are_nothing() -> None:
    days = _days([(3, "USD", True, False, 1, 5_000_000, 100, 0)], [])
    series = FlowSeries(days, "USD", Converter("USD", {}))
    assert series.whole(D0, D0 + timedelta(days=2)) == NOTHING
    assert series.whole(D0 + timedelta(days=4), D0 + timedelta(days=9)) == NOTHING
    found = series.whole(D0, D0 + timedelta(days=9))
    assert found is not None
    assert found.scaled[1] == 5_000_000 * RATE_SCALE and found.counts[1] == 1  # recurring
    assert found.scaled[2] == 100 * RATE_SCALE and found.counts[2] == 1  # fees


def test_a_missing_rate_is_left_to_the_tallies_and_a_rate_carries_a_week() -> None:
    days = _days(
        [
            (0, "EUR", False, False, 1, 2_000_000, 0, 0),
            (9, "EUR", False, False, 2, 3_000_000, 0, 0),
            (10, "EUR", False, False, 1, 0, 0, 0),  # nothing to convert: no rate needed
        ],
        [],
    )
    rate = RATE_SCALE * 11 // 10  # 1.1 USD per EUR on day 0, carried up to day 7
    series = FlowSeries(days, "USD", Converter("USD", {("EUR", D0): rate}))
    found = series.whole(D0, D0 + timedelta(days=8))
    assert found is not None and found.scaled[0] == 2_000_000 * rate and found.counts[0] == 1
    assert series.whole(D0, D0 + timedelta(days=9)) is None  # day 9: 9 days after the rate
    late = series.whole(D0 + timedelta(days=10), D0 + timedelta(days=10))
    assert late is not None and late.scaled[0] == 0 and late.counts[0] == 1
