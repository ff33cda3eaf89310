"""The comparison behind the baseline checks, and the summary statistics: table-driven."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from bench import checks, measure

D = Decimal


@pytest.mark.parametrize(
    ("billstats", "baseline", "expected"),
    [
        ({"a": "1.50"}, {"a": D("1.5")}, []),  # a money string against exact units
        ({"a": D("2")}, {"a": 2}, []),  # a JSON number against a count
        ({"a": 7}, {"a": 7}, []),
        ({"a": "USD"}, {"a": "USD"}, []),
        ({"a": "0.00"}, {}, []),  # an empty point left out by one side
        ({}, {"a": D("0")}, []),
        ({"a": "1.51"}, {"a": D("1.5")}, ["a: billstats 1.51, baseline 1.5"]),
        ({"a": 3}, {"a": 4}, ["a: billstats 3, baseline 4"]),
        ({"a": "INR"}, {"a": "USD"}, ["a: billstats INR, baseline USD"]),
        ({"a": "x"}, {"a": D("1")}, ["a: billstats x, baseline 1"]),
        ({}, {"a": D("0.01")}, ["a: missing in billstats, baseline 0.01"]),
        ({"b": 1}, {}, ["b: billstats 1, missing in the baseline"]),
        ({"a": True}, {"a": 1}, ["a: billstats True, baseline 1"]),
    ],
)
def test_differences(
    billstats: dict[str, Any], baseline: dict[str, Any], expected: list[str]
) -> None:
    assert checks.differences(billstats, baseline) == expected


def test_units_are_exact() -> None:
    assert checks.units(1_234_567) == D("1.234567")
    assert checks.units(-44_000_000) == D("-44")


def test_summary_percentiles() -> None:
    # 1..100 ms: inclusive quantiles interpolate between measured values, never past the max.
    stats = measure.summarize([n / 1000 for n in range(1, 101)])
    assert stats["requests"] == 100
    assert stats["p50_ms"] == 50.5
    assert stats["p95_ms"] == 95.05
    assert stats["p99_ms"] == 99.01
    assert stats["max_ms"] == 100.0
    assert measure.summarize([]) == {"requests": 0}
    assert measure.summarize([0.002])["p99_ms"] == 2.0
