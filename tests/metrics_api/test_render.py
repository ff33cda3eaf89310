"""Rendering by field kind, the summary's percentage change, and bucket counting (pure)."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billstats.metrics.registry import INTERVALS, Field, Interval, bucket_days
from billstats.metrics_api.params import bucket_count
from billstats.metrics_api.render import change, scalar, summary, value


@pytest.mark.parametrize(
    ("kind", "raw", "currency", "shown"),
    [
        ("money", 1_234_500_000, "USD", "1234.50"),
        ("money", Fraction(5_000), "USD", "0.00"),  # 0.005 -> half-even to 0.00
        ("money", Fraction(15_000), "USD", "0.02"),  # 0.015 -> 0.02
        ("money", Fraction(25_000), "USD", "0.02"),  # 0.025 -> 0.02
        ("money", Fraction(-25_000), "USD", "-0.02"),
        ("money", Fraction(1_234_500_000), "JPY", "1234"),  # 1234.5 -> 1234 (even)
        ("money", Fraction(1_235_500_000), "JPY", "1236"),
        ("money", Fraction(1_000_500), "KWD", "1.000"),  # 1.0005 -> 1.000
        ("money", Fraction(100_000_000, 3), "USD", "33.33"),
        ("count", 7, "USD", 7),
        ("ratio", Fraction(523, 10_000), "USD", "0.052300"),
        ("ratio", Fraction(1, 3), "USD", "0.333333"),
        ("ratio", Fraction(5, 10_000_000), "USD", "0.000000"),  # half-even
        ("ratio", Fraction(15, 10_000_000), "USD", "0.000002"),
        ("quantity", 2_500_000, "USD", "2.5"),
        ("quantity", 100_000_000, "USD", "100"),
        ("quantity", 125, "USD", "0.000125"),
        ("quantity", Fraction(91_000_000, 60), "USD", "1.516667"),
        ("quantity", 0, "USD", "0"),
        ("money", None, "USD", None),
        ("ratio", None, "USD", None),
    ],
)
def test_scalar_rendering(
    kind: str, raw: int | Fraction | None, currency: str, shown: object
) -> None:
    assert scalar(kind, raw, currency) == shown  # type: ignore[arg-type]


def test_a_count_must_be_an_integer() -> None:
    with pytest.raises(TypeError):
        scalar("count", Fraction(1, 2), "USD")


def test_breakdown_rendering_and_summary() -> None:
    usage = Field("usage_x", "breakdown", "quantity")
    assert value(usage, {"a": 1_500_000, "b": 0}, "USD") == {"a": "1.5", "b": "0"}
    assert summary(usage, {"a": 3_000_000}, {"a": 2_000_000, "b": 1_000_000}, "USD") == {
        "current": {"a": "3", "b": "0"},
        "previous": {"a": "2", "b": "1"},
        "percentage_change": {"a": "50.00", "b": "-100.00"},
    }
    with pytest.raises(ValueError, match="breakdown"):
        Field("bad", "breakdown")
    with pytest.raises(ValueError, match="breakdown"):
        Field("bad", "money", "count")


@pytest.mark.parametrize(
    ("current", "previous", "shown"),
    [
        ("268.15", "28.80", "831.08"),
        ("9.05", "95.70", "-90.54"),
        ("5.00", "-10.00", "150.00"),  # against |previous|: from -10 up to 5 is +150 %
        ("-20.00", "-10.00", "-100.00"),
        (3, 2, "50.00"),
        ("1.00", "0.00", None),
        (None, "1.00", None),
        ("1.00", None, None),
        ("0.000001", "0.000003", "-66.67"),
        ("1", "8", "-87.50"),
        ("0.125", "1", "-87.50"),
        # half-even at the second decimal: 0.125 % -> 0.12, 0.375 % -> 0.38
        ("1001.25", "1000", "0.12"),
        ("1003.75", "1000", "0.38"),
    ],
)
def test_percentage_change(current: object, previous: object, shown: str | None) -> None:
    assert change(current, previous) == shown  # type: ignore[arg-type]


@given(
    st.dates(date(1970, 1, 1), date(2199, 12, 31)),
    st.integers(0, 4000),
    st.sampled_from(INTERVALS),
)
def test_bucket_count_matches_the_buckets(first: date, days: int, interval: Interval) -> None:
    last = min(first + timedelta(days=days), date(2199, 12, 31))
    assert bucket_count(first, last, interval) == len(list(bucket_days(first, last, interval)))


_item = st.one_of(
    st.none(),
    st.integers(-(10**15), 10**15),
    st.fractions(max_denominator=1000).map(lambda f: f * 10**6),
)


@given(
    kind=st.sampled_from(["money", "count", "quantity", "ratio"]),
    currency=st.sampled_from(["USD", "JPY", "KWD"]),
    raw=st.dictionaries(st.text(min_size=1, max_size=3), _item, max_size=8),
)
def test_a_breakdown_renders_each_item_as_a_scalar(
    kind: str, currency: str, raw: dict[str, int | Fraction | None]
) -> None:
    """A breakdown's fast paths (whole-micros money, integer counts) write what ``scalar``
    writes for each item, and raise where it raises."""
    field = Field("b", "breakdown", kind)  # type: ignore[arg-type]
    try:
        expected: object = {name: scalar(kind, v, currency) for name, v in raw.items()}  # type: ignore[arg-type]
    except Exception as exc:  # the same error either way
        with pytest.raises(type(exc)):
            value(field, raw, currency)
        return
    assert value(field, raw, currency) == expected
