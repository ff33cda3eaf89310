"""The per-revision index of ``call_accounts``: its totals equal converting and summing the
roll-up rows one by one (``Converter.total``), for any rows, rates, ranges and accounts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billstats.metrics.call_account_index import Row, Totals, from_rows
from billstats.metrics.fx import RATE_SCALE, Converter, MissingRate

D0 = date(2026, 1, 1)
ACCOUNTS = ["a1", "a2", "b", "c"]
CURRENCIES = ["USD", "EUR", "INR"]


def _expected(
    converter: Converter,
    rows: Sequence[Row],
    starts: Sequence[date],
    last: date,
    among: set[str] | None,
) -> list[Totals]:
    out: list[Totals] = []
    edges = [*starts, last + timedelta(days=1)]
    for account in sorted({r[0] for r in rows}):
        if among is not None and account not in among:
            continue
        for k in range(len(starts)):
            mine = [r for r in rows if r[0] == account and edges[k] <= r[1] < edges[k + 1]]
            if mine:
                cost = converter.total((cur, day, micros) for _, day, cur, _, _, micros in mine)
                calls = sum(r[3] for r in mine)
                scaled = cost * RATE_SCALE
                assert scaled.denominator == 1
                out.append(Totals(account, k, calls, sum(r[4] for r in mine), int(scaled)))
    return out


rows_strategy = st.dictionaries(
    st.tuples(st.sampled_from(ACCOUNTS), st.integers(0, 19), st.sampled_from(CURRENCIES)),
    st.tuples(
        st.integers(0, 5),
        st.integers(0, 10**6),
        st.one_of(st.integers(0, 10**13), st.just(0), st.integers(2**61, 2**63 - 1)),
    ),
    max_size=40,
)
rates_strategy = st.dictionaries(
    st.tuples(st.sampled_from(["EUR", "INR"]), st.integers(-8, 19)),
    st.integers(1, 10**14),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(
    rows_strategy,
    rates_strategy,
    st.lists(st.integers(-3, 22), min_size=1, max_size=4, unique=True),
    st.integers(0, 6),
    st.one_of(st.none(), st.sets(st.sampled_from(ACCOUNTS))),
)
def test_totals_equal_the_rows_converted_one_by_one(
    raw: dict[tuple[str, int, str], tuple[int, int, int]],
    raw_rates: dict[tuple[str, int], int],
    start_days: list[int],
    extra: int,
    among: set[str] | None,
) -> None:
    rows: list[Row] = sorted(
        (a, D0 + timedelta(days=d), cur, n, billed, cost)
        for (a, d, cur), (n, billed, cost) in raw.items()
    )
    rates = {(cur, D0 + timedelta(days=d)): r for (cur, d), r in raw_rates.items()}
    converter = Converter("USD", rates)
    index = from_rows(converter, rows)
    starts = [D0 + timedelta(days=d) for d in sorted(start_days)]
    last = starts[-1] + timedelta(days=extra)
    in_scope = [r for r in rows if starts[0] <= r[1] <= last and (among is None or r[0] in among)]
    needing = sorted((r[1], r[2]) for r in in_scope if r[2] != "USD" and r[5])
    lacking = []
    for day, currency in needing:
        try:
            converter.scaled(currency, day)
        except MissingRate:
            lacking.append((day, currency))
    if lacking:
        with pytest.raises(MissingRate) as caught:
            list(index.totals(starts, last, among))
        assert (caught.value.day, caught.value.currency) == lacking[0]  # the earliest
        return
    assert list(index.totals(starts, last, among)) == _expected(
        converter, rows, starts, last, among
    )


def test_a_range_before_every_start_or_without_days_is_empty() -> None:
    rows: list[Row] = [("a", D0, "USD", 1, 60, 5_000_000)]
    index = from_rows(Converter("USD", {}), rows)
    assert list(index.totals([D0 + timedelta(days=1)], D0 + timedelta(days=9))) == []
    assert list(index.totals([D0], D0 - timedelta(days=1))) == []
    assert list(index.totals([], D0)) == []


def test_totals_past_64_bits_stay_exact() -> None:
    # Two days of 2**62 micros each at a rate of 3.000000000001: the running totals do not fit
    # 64-bit integers, so they are kept as Python integers; the sum is still exact.
    big = 2**62
    rate = 3 * RATE_SCALE + 1
    rows: list[Row] = [
        ("a", D0, "EUR", 1, 1, big),
        ("a", D0 + timedelta(days=1), "EUR", 1, 1, big),
        ("a", D0 + timedelta(days=1), "USD", 2, 3, big),
    ]
    index = from_rows(Converter("USD", {("EUR", D0): rate}), rows)
    (only,) = index.totals([D0], D0 + timedelta(days=1))
    assert only == Totals("a", 0, 4, 5, 2 * big * rate + big * RATE_SCALE)
    assert index.nbytes > 0
