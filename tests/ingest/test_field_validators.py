"""The fast paths of the field validators (``money.parse_decimal``, ``schemas.common``'s
``_timestamp`` and ``_currency``) give exactly what the plain implementations gave: the same
value (a Decimal with the same digits and exponent, the same instant and tzinfo, the same code)
or the same error message.  The plain implementations are kept here as the reference."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billstats.ingest.schemas import common
from billstats.money import (
    CURRENCY_EXPONENTS,
    MAX_ABS_AMOUNT,
    MAX_FRACTION_DIGITS,
    MoneyError,
    is_currency,
    parse_decimal,
)


def reference_decimal(value: object, max_fraction_digits: int = MAX_FRACTION_DIGITS) -> Decimal:
    if isinstance(value, (bool, float)):
        raise MoneyError('must be a decimal string such as "12.50" (binary floats are not exact)')
    if isinstance(value, int):
        dec = Decimal(value)
    elif isinstance(value, Decimal):
        dec = value
    elif isinstance(value, str):
        text = value.strip()
        if not text or len(text) > 40:
            raise MoneyError("must be a decimal string of at most 40 characters")
        try:
            dec = Decimal(text)
        except InvalidOperation as exc:
            raise MoneyError(f"{value!r} is not a decimal number") from exc
    else:
        raise MoneyError("must be a decimal string")
    if not dec.is_finite():
        raise MoneyError("must be a finite number")
    if dec.copy_abs() >= MAX_ABS_AMOUNT:
        raise MoneyError(f"must be smaller than {MAX_ABS_AMOUNT:,} in absolute value")
    exponent = dec.as_tuple().exponent
    assert isinstance(exponent, int)
    if -exponent > max_fraction_digits and dec != dec.quantize(
        Decimal(1).scaleb(-max_fraction_digits)
    ):
        raise MoneyError(f"has more than {max_fraction_digits} fractional digits")
    return dec


def reference_timestamp(value: Any) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str) and 10 <= len(value) <= 40:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError("must be an ISO 8601 timestamp with offset") from None
    else:
        raise ValueError("must be an ISO 8601 timestamp string with offset")
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ValueError("must carry a UTC offset (e.g. 2025-01-31T23:30:00+01:00 or ...Z)")
    try:
        parsed = parsed.astimezone(UTC)
    except OverflowError:
        raise ValueError("must be between 1970 and 2200") from None
    if not common.MIN_TIME <= parsed < common.MAX_TIME:
        raise ValueError("must be between 1970 and 2200")
    return parsed


def reference_currency(value: Any) -> str:
    if not isinstance(value, str) or not value.isascii() or not is_currency(value.upper()):
        raise ValueError("must be an ISO 4217 currency code such as USD")
    return value.upper()


def outcome(fn: Any, *args: Any, **kwargs: Any) -> tuple[str, Any]:
    """("ok", the value with its exact form) or ("error", type and message)."""
    try:
        value = fn(*args, **kwargs)
    except (ValueError, ArithmeticError) as exc:  # MoneyError is a ValueError
        return "error", (type(exc).__name__, str(exc))
    if isinstance(value, Decimal):
        return "ok", (type(value), value.as_tuple())
    if isinstance(value, datetime):
        return "ok", (type(value), value, value.tzinfo, value.fold)
    return "ok", (type(value), value)


# -- decimals ------------------------------------------------------------------------------------

_digits = st.text("0123456789", min_size=0, max_size=15)
_decimal_text = st.builds(
    lambda sign, whole, point, frac, pad: f"{pad}{sign}{whole}{point}{frac}{pad}",
    st.sampled_from(["", "-", "+", "--"]),
    _digits,
    st.sampled_from(["", ".", ","]),
    _digits,
    st.sampled_from(["", "", "", " ", "\n"]),
)
_odd_text = st.sampled_from(
    [
        "", " ", "1_000", "1e3", "1E-7", "0.1234567", "0.1234560", "999999999999.999999",
        "1000000000000", "-1000000000000", "999999999999", "-999999999999", "0000000000000.5",
        "00000000000001", "-0", "-0.000000", "NaN", "Infinity", "-inf", "sNaN",
        "\u0661\u0662", "\uff11.5", "1.5\n", "12.50", "0.000125", "\u0663.\u0665", "1" * 41, "1.",
        ".5", "-.5", "1.0000000", "7.0000001",
    ]
)  # fmt: skip
_values = st.one_of(
    _decimal_text,
    _odd_text,
    st.integers(min_value=-(10**13), max_value=10**13),
    st.sampled_from([10**12, -(10**12), 10**12 - 1, 1 - 10**12, 0, True, False, 1.5, None]),
    st.decimals(allow_nan=True, allow_infinity=True),
)


@settings(max_examples=3000, deadline=None)
@given(_values, st.sampled_from([MAX_FRACTION_DIGITS, 12, 2, 0]))
def test_parse_decimal_matches_reference(value: object, digits: int) -> None:
    assert outcome(parse_decimal, value, max_fraction_digits=digits) == outcome(
        reference_decimal, value, digits
    )


@pytest.mark.parametrize(
    "value",
    ["999999999999.999999", "-999999999999.999999", "0.000001", "007.100", "-0", "5", 10**12 - 1],
)
def test_parse_decimal_fast_path_keeps_the_exponent(value: object) -> None:
    assert outcome(parse_decimal, value) == outcome(reference_decimal, value)


@pytest.mark.parametrize(
    "value", ["1000000000000", "-1000000000000.5", 10**12, -(10**12), "0.1234567", "1e99"]
)
def test_parse_decimal_edges_outside_the_fast_path(value: object) -> None:
    assert outcome(parse_decimal, value) == outcome(reference_decimal, value)
    assert outcome(parse_decimal, value)[0] == "error"


# -- timestamps ----------------------------------------------------------------------------------

_stamp_text = st.builds(
    lambda at, offset, form: _format(at, offset, form),
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),
    st.one_of(st.none(), st.integers(min_value=-23 * 60 - 59, max_value=23 * 60 + 59)),
    st.sampled_from(["iso", "z", "space", "date", "minutes"]),
)


def _format(at: datetime, offset: int | None, form: str) -> str:
    if form == "date":
        return at.date().isoformat()
    if offset is None:
        text = at.isoformat(sep=" " if form == "space" else "T")
        return text
    aware = at.replace(tzinfo=timezone(timedelta(minutes=offset)))
    if form == "z" and offset == 0:
        return aware.isoformat().replace("+00:00", "Z")
    if form == "minutes":
        return aware.isoformat(timespec="minutes")
    return aware.isoformat(sep=" " if form == "space" else "T")


_stamps = st.one_of(
    _stamp_text,
    st.sampled_from(
        [
            "1970-01-01T00:00:00Z",
            "1969-12-31T23:59:59.999999Z",
            "2200-01-01T00:00:00Z",
            "2199-12-31T23:59:59.999999+00:00",
            "0001-01-01T00:00:00+01:00",
            "9999-12-31T23:59:59-01:00",
            "2026-02-30T00:00:00Z",
            "2026-11-20",
            "20261120T0146Z",
            "2026-11-20T01:46:46+05:30",
            "2026-11-20T01:46:46.5-04:00",
            "",
            "x" * 41,
            "garbage!!!",
        ]
    ),
    st.datetimes(timezones=st.one_of(st.none(), st.timezones())),
    st.sampled_from([None, 1700000000, 1.5, b"2026-01-01T00:00:00Z"]),
)


@settings(max_examples=3000, deadline=None)
@given(_stamps)
def test_timestamp_matches_reference(value: Any) -> None:
    assert outcome(common._timestamp, value) == outcome(reference_timestamp, value)


# -- currencies ----------------------------------------------------------------------------------

_codes = sorted(CURRENCY_EXPONENTS)
_spellings = st.builds(
    lambda code, cases: "".join(
        c.lower() if lower else c for c, lower in zip(code, cases, strict=False)
    ),
    st.sampled_from(_codes),
    st.lists(st.booleans(), min_size=3, max_size=3),
)
_currency_values = st.one_of(
    _spellings,
    st.text(min_size=0, max_size=4),
    st.sampled_from(["u\N{LATIN SMALL LETTER LONG S}d", "US", "USDD", " USD", "XXX", "\u0130NR"]),
    st.sampled_from([None, 840, True, ["USD"], b"USD"]),
)


@settings(max_examples=3000, deadline=None)
@given(_currency_values)
def test_currency_matches_reference(value: Any) -> None:
    assert outcome(common._currency, value) == outcome(reference_currency, value)


def test_every_spelling_of_every_code_is_accepted() -> None:
    for code in _codes:
        assert common._currency(code.lower()) == code
        assert common._currency(code[0] + code[1:].lower()) == code
