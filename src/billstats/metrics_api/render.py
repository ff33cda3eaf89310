"""Values as the native API writes them, by field kind, and the summary's percentage change.

- money: a decimal string rounded half-even to the currency's minor unit ("1234.50"; JPY "1234");
- count: a JSON integer;
- ratio: a decimal string with ``RATIO_PLACES`` decimals, half-even ("0.052300");
- quantity: a decimal string, exact to ``QUANTITY_PLACES`` decimals (half-even beyond), without
  trailing zeros ("12.5", "3", "0.783333");
- breakdown: an object of name -> value of the field's item kind;
- ``None``: JSON ``null``.

``percentage_change`` compares the values as written (the rounded ones), so a reader can check
it from the two numbers shown.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from typing import Any

from billstats.metrics.pricing import round_minor
from billstats.metrics.registry import RATIO_PLACES, Field, FieldKind, Value
from billstats.money import format_micros, minor_exponent

PERCENT_PLACES = 2
Rendered = str | int | None | dict[str, Any]


def _places(value: Fraction, places: int) -> str:
    steps = round(value * 10**places)  # Fraction.__round__ rounds half to even
    return f"{Decimal(steps).scaleb(-places):f}"


def _whole_money(micros: int, places: int) -> str:
    """``format_micros(round_minor(micros), places)`` for whole micros, in integer arithmetic
    (the same half-even rounding and text; the common case, and much faster)."""
    step = 10 ** (6 - places)
    q, r = divmod(micros, step)
    if 2 * r > step or (2 * r == step and q % 2):
        q += 1
    sign = "-" if q < 0 else ""
    whole, minor = divmod(abs(q), 10**places)
    return f"{sign}{whole}.{minor:0{places}d}" if places else f"{sign}{whole}"


def _whole_quantity(micros: int) -> str:
    """``scalar("quantity", micros)`` for whole micros, in integer arithmetic."""
    if not micros:
        return "0"
    sign = "-" if micros < 0 else ""
    whole, fraction = divmod(abs(micros), 10**6)
    return f"{sign}{whole}.{fraction:06d}".rstrip("0") if fraction else f"{sign}{whole}"


def scalar(kind: FieldKind, value: int | Fraction | None, currency: str) -> str | int | None:
    if value is None:
        return None
    if kind == "count":
        if not isinstance(value, int):
            raise TypeError(f"a count must be an int, not {value!r}")
        return value
    if kind == "money":
        places = minor_exponent(currency)
        if isinstance(value, int) or value.denominator == 1:
            return _whole_money(int(value), places)
        micros = round_minor(Fraction(value), currency)
        return format_micros(micros, places)
    if kind == "ratio":
        return _places(Fraction(value), RATIO_PLACES)
    if kind == "quantity":
        micros = round(Fraction(value))
        text = f"{Decimal(micros).scaleb(-6).normalize():f}"
        return text if micros else "0"
    raise ValueError(f"not a scalar kind: {kind}")


def value(field: Field, raw: Value, currency: str) -> Rendered:
    if field.kind == "breakdown":
        if raw is None:
            return None
        if not isinstance(raw, dict) or field.item is None:
            raise TypeError(f"{field.name} must be a breakdown, not {raw!r}")
        item = field.item
        if item == "money":  # whole micros, the common case: no per-value dispatch
            places = minor_exponent(currency)
            return {
                name: _whole_money(v, places) if type(v) is int else scalar(item, v, currency)
                for name, v in raw.items()
            }
        if item == "quantity":
            return {
                name: _whole_quantity(v) if type(v) is int else scalar(item, v, currency)
                for name, v in raw.items()
            }
        if item == "count":
            return {
                name: v if type(v) is int else scalar(item, v, currency) for name, v in raw.items()
            }
        return {name: scalar(item, v, currency) for name, v in raw.items()}
    if isinstance(raw, dict):
        raise TypeError(f"{field.name} must be a {field.kind}, not a breakdown")
    return scalar(field.kind, raw, currency)


def _number(rendered: str | int | None) -> Decimal | None:
    return None if rendered is None else Decimal(rendered)


def change(current: str | int | None, previous: str | int | None) -> str | None:
    """(current - previous) / |previous| x 100 with 2 decimals, half-even; None when either is
    undefined or previous is 0."""
    now, before = _number(current), _number(previous)
    if now is None or before is None or before == 0:
        return None
    percent = (now - before) / abs(before) * 100
    return f"{percent.quantize(Decimal(1).scaleb(-PERCENT_PLACES), ROUND_HALF_EVEN):f}"


def summary(field: Field, current: Value, previous: Value, currency: str) -> dict[str, Any]:
    """``{"current", "previous", "percentage_change"}`` of the headline field (for a breakdown:
    each of the three is an object by name, over the names of either range)."""
    return shown_summary(
        field, value(field, current, currency), value(field, previous, currency), currency
    )


def shown_summary(
    field: Field, current: Rendered, previous: Rendered, currency: str
) -> dict[str, Any]:
    """:func:`summary` of values already rendered (``value``)."""
    if field.kind == "breakdown":
        cur = _mapping(current)
        pre = _mapping(previous)
        names = sorted(set(cur) | set(pre))
        zero = scalar(field.item or "count", 0, currency)
        cur = {n: cur.get(n, zero) for n in names}
        pre = {n: pre.get(n, zero) for n in names}
        return {
            "current": cur,
            "previous": pre,
            "percentage_change": {n: change(cur[n], pre[n]) for n in names},
        }
    now, before = _scalar(current), _scalar(previous)
    return {"current": now, "previous": before, "percentage_change": change(now, before)}


def _mapping(rendered: Rendered) -> dict[str, Any]:
    return rendered if isinstance(rendered, dict) else {}


def _scalar(rendered: Rendered) -> str | int | None:
    if isinstance(rendered, dict):
        raise TypeError("a breakdown is not a scalar")
    return rendered
