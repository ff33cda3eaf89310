"""``round_minor_scaled``: the half-even rounding of ``round_minor`` done in integers (used where
exact amounts are kept as integers in 10**-12 micros)."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billstats.metrics.pricing import round_minor, round_minor_scaled


@settings(max_examples=500, deadline=None)
@given(
    st.integers(-(10**30), 10**30),
    st.sampled_from([1, 10**12, 3, 7 * 10**5]),
    st.sampled_from(["USD", "JPY", "KWD", "EUR"]),
)
def test_round_minor_scaled_is_round_minor_in_integers(value: int, scale: int, cur: str) -> None:
    assert round_minor_scaled(value, scale, cur) == round_minor(Fraction(value, scale), cur)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(5_000 * 10**12, 0), (15_000 * 10**12, 20_000), (15_000 * 10**12 + 1, 20_000),
     (25_000 * 10**12, 20_000), (-5_000 * 10**12, 0), (-15_000 * 10**12, -20_000),
     (14_999 * 10**12, 10_000)],
)  # fmt: skip
def test_round_minor_scaled_halves_go_to_even(value: int, expected: int) -> None:
    assert round_minor_scaled(value, 10**12, "USD") == expected
