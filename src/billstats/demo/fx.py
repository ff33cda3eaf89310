"""Daily exchange rates into the reporting currency (USD): slowly drifting, mean-reverting walks.

Rates are integers in units of 10**-12 while they are computed, so the walk is exact and the same
on every machine; they are written as decimal strings with twelve fractional digits.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from billstats.demo.config import DemoConfig

SCALE = 10**12

# currency: (central rate in USD per unit, largest daily step in basis points)
CENTRAL = {
    "EUR": (1_085_000_000_000, 35),
    "GBP": (1_268_000_000_000, 35),
    "INR": (12_010_000_000, 20),
}


def format_rate(value: int) -> str:
    whole, frac = divmod(value, SCALE)
    return f"{whole}.{frac:012d}"


def rate_series(config: DemoConfig, currency: str) -> Iterator[tuple[str, int]]:
    """(ISO date, rate * 10**12) for each day from the first day of history to the anchor."""
    central, step_bp = CENTRAL[currency]
    rng = random.Random(f"{config.seed}/fx/{currency}")
    rate = central + central * rng.randint(-300, 300) // 10_000
    day = config.first_day
    while day <= config.anchor:
        yield day.isoformat(), rate
        step = rate * rng.randint(-step_bp, step_bp) // 10_000
        pull = (central - rate) // 180  # mean reversion: about 1/180 of the gap per day
        rate = max(central // 2, rate + step + pull)
        day += timedelta(days=1)


def fx_records(config: DemoConfig) -> Iterator[dict[str, Any]]:
    for currency in CENTRAL:
        for day, rate in rate_series(config, currency):
            yield {
                "kind": "fx_rates",
                "data": {"currency": currency, "date": day, "rate": format_rate(rate)},
            }
