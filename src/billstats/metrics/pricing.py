"""Recurring prices: a plan's amount times quantity, less a discount, normalised to a month.

Every surface that needs "what a subscription is worth" (MRR, the next invoice's recurring part)
uses these functions.  Amounts are integer micro-units; intermediate results are exact
``Fraction`` values and rounding happens once, at the end, to the currency's minor unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from billstats.money import MICROS, minor_exponent

# Months per billing interval unit: a month is a twelfth of a 365-day, 52-week year.
_MONTHS_PER_UNIT: dict[str, Fraction] = {
    "day": Fraction(12, 365),
    "week": Fraction(12, 52),
    "month": Fraction(1),
    "year": Fraction(12),
}


@dataclass(frozen=True)
class Discount:
    """A subscription's discount: ``percent`` (micro-percent) or ``amount`` (micros) off each
    invoice's recurring part; ``duration`` forever, once or repeating (until ``ends_at``)."""

    percent: int | None
    amount: int | None
    duration: str
    ends_at: datetime | None = None

    @classmethod
    def from_row(cls, row: dict[str, object]) -> Discount | None:
        """From a subscription (or version) row's ``discount_*`` columns; None when none."""
        duration = row.get("discount_duration")
        if duration is None:
            return None
        percent, amount, ends_at = (
            row.get("discount_percent"),
            row.get("discount_amount"),
            row.get("discount_ends_at"),
        )
        assert percent is None or isinstance(percent, int)
        assert amount is None or isinstance(amount, int)
        assert ends_at is None or isinstance(ends_at, datetime)
        return cls(percent, amount, str(duration), ends_at)


def gross(plan_amount: int, quantity: int) -> int:
    """The recurring part before discounts, in micros."""
    return plan_amount * quantity


def discounted(amount: int, discount: Discount | None) -> Fraction:
    """``amount`` (micros) less the discount, never below zero.  Exact."""
    if discount is None:
        return Fraction(amount)
    if discount.percent is not None:
        off = Fraction(amount) * Fraction(discount.percent, 100 * MICROS)
    else:
        off = Fraction(discount.amount or 0)
    return max(Fraction(0), Fraction(amount) - off)


def months_per_interval(unit: str, count: int) -> Fraction:
    """How many months one billing interval lasts (``interval_count`` respected)."""
    return _MONTHS_PER_UNIT[unit] * count


def round_minor(value: Fraction, currency: str) -> int:
    """Round exact micros to the currency's minor unit (half-even), as integer micros."""
    step: int = 10 ** max(0, 6 - minor_exponent(currency))
    steps = round(value / step)  # Fraction.__round__ is half-even
    return steps * step


def round_minor_scaled(value: int, scale: int, currency: str) -> int:
    """``round_minor(Fraction(value, scale), currency)`` in integer arithmetic (``value`` is in
    ``1/scale`` micros)."""
    step: int = 10 ** max(0, 6 - minor_exponent(currency))
    unit = step * scale
    steps, rest = divmod(value, unit)
    if 2 * rest > unit or (2 * rest == unit and steps % 2):
        steps += 1
    return steps * step


def monthly_value(
    plan_amount: int,
    quantity: int,
    unit: str,
    count: int,
    currency: str,
    discount: Discount | None,
) -> int:
    """A subscription's monthly recurring revenue, in micros rounded to the minor unit.

    Only a ``forever`` discount lowers MRR; once/repeating discounts are temporary and do not.
    Rounding per subscription keeps sums (and MRR movement identities) exact at the minor unit.
    """
    lasting = discount if discount is not None and discount.duration == "forever" else None
    per_period = discounted(gross(plan_amount, quantity), lasting)
    return round_minor(per_period / months_per_interval(unit, count), currency)
