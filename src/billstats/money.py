"""Exact money: decimal strings on the wire, integer micro-units in storage.

Amounts are never binary floats.  One unit of a currency is stored as 1_000_000 micro-units,
so any amount with up to six fractional digits (telecom per-minute rates, for example) is exact.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

MICROS = 1_000_000
MAX_FRACTION_DIGITS = 6
# Bound single amounts so that sums of many of them stay inside a signed 64-bit integer.
MAX_ABS_AMOUNT = Decimal(10) ** 12

# ISO 4217 active codes with their minor-unit exponent (digits after the decimal point).
_ZERO_DECIMAL = {
    "BIF",
    "CLP",
    "DJF",
    "GNF",
    "ISK",
    "JPY",
    "KMF",
    "KRW",
    "PYG",
    "RWF",
    "UGX",
    "UYI",
    "VND",
    "VUV",
    "XAF",
    "XOF",
    "XPF",
}
_THREE_DECIMAL = {"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"}
_FOUR_DECIMAL = {"CLF", "UYW"}
_TWO_DECIMAL = {
    "AED",
    "AFN",
    "ALL",
    "AMD",
    "ANG",
    "AOA",
    "ARS",
    "AUD",
    "AWG",
    "AZN",
    "BAM",
    "BBD",
    "BDT",
    "BGN",
    "BMD",
    "BND",
    "BOB",
    "BOV",
    "BRL",
    "BSD",
    "BTN",
    "BWP",
    "BYN",
    "BZD",
    "CAD",
    "CDF",
    "CHE",
    "CHF",
    "CHW",
    "CNY",
    "COP",
    "COU",
    "CRC",
    "CUP",
    "CVE",
    "CZK",
    "DKK",
    "DOP",
    "DZD",
    "EGP",
    "ERN",
    "ETB",
    "EUR",
    "FJD",
    "FKP",
    "GBP",
    "GEL",
    "GHS",
    "GIP",
    "GMD",
    "GTQ",
    "GYD",
    "HKD",
    "HNL",
    "HTG",
    "HUF",
    "IDR",
    "ILS",
    "INR",
    "IRR",
    "JMD",
    "KES",
    "KGS",
    "KHR",
    "KPW",
    "KYD",
    "KZT",
    "LAK",
    "LBP",
    "LKR",
    "LRD",
    "LSL",
    "MAD",
    "MDL",
    "MGA",
    "MKD",
    "MMK",
    "MNT",
    "MOP",
    "MRU",
    "MUR",
    "MVR",
    "MWK",
    "MXN",
    "MXV",
    "MYR",
    "MZN",
    "NAD",
    "NGN",
    "NIO",
    "NOK",
    "NPR",
    "NZD",
    "PAB",
    "PEN",
    "PGK",
    "PHP",
    "PKR",
    "PLN",
    "QAR",
    "RON",
    "RSD",
    "RUB",
    "SAR",
    "SBD",
    "SCR",
    "SDG",
    "SEK",
    "SGD",
    "SHP",
    "SLE",
    "SOS",
    "SRD",
    "SSP",
    "STN",
    "SVC",
    "SYP",
    "SZL",
    "THB",
    "TJS",
    "TMT",
    "TOP",
    "TRY",
    "TTD",
    "TWD",
    "TZS",
    "UAH",
    "USD",
    "USN",
    "UYU",
    "UZS",
    "VED",
    "VES",
    "WST",
    "XCD",
    "XCG",
    "YER",
    "ZAR",
    "ZMW",
    "ZWG",
}

CURRENCY_EXPONENTS: dict[str, int] = {
    **{c: 2 for c in _TWO_DECIMAL},
    **{c: 0 for c in _ZERO_DECIMAL},
    **{c: 3 for c in _THREE_DECIMAL},
    **{c: 4 for c in _FOUR_DECIMAL},
}


class MoneyError(ValueError):
    """A value that cannot be an exact amount."""


def is_currency(code: str) -> bool:
    return code in CURRENCY_EXPONENTS


def minor_exponent(currency: str) -> int:
    """Digits of the currency's minor unit (USD 2, JPY 0, KWD 3)."""
    return CURRENCY_EXPONENTS[currency]


# What the checks below accept without further ado (ASCII digits, at most 12 before the point so
# below MAX_ABS_AMOUNT, at most 6 after it): such a string is parsed by Decimal() and returned
# directly, the value the full path would return.  Anything else takes the full path.
_PLAIN = re.compile(r"-?[0-9]{1,12}(?:\.[0-9]{1,6})?", re.ASCII)
_PLAIN_MATCH = _PLAIN.fullmatch
_MAX_PLAIN_INT = 10**12


def parse_decimal(value: object, *, max_fraction_digits: int = MAX_FRACTION_DIGITS) -> Decimal:
    """Parse a JSON value (decimal string or integer) into an exact, bounded Decimal."""
    if max_fraction_digits >= MAX_FRACTION_DIGITS:
        if type(value) is str:
            if _PLAIN_MATCH(value):
                return Decimal(value)
        elif type(value) is int and -_MAX_PLAIN_INT < value < _MAX_PLAIN_INT:
            return Decimal(value)
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
    # copy_abs, not abs(): abs() applies the context and traps Overflow for "1E+9999999".
    if dec.copy_abs() >= MAX_ABS_AMOUNT:
        raise MoneyError(f"must be smaller than {MAX_ABS_AMOUNT:,} in absolute value")
    exponent = dec.as_tuple().exponent
    assert isinstance(exponent, int)
    if -exponent > max_fraction_digits and dec != dec.quantize(
        Decimal(1).scaleb(-max_fraction_digits)
    ):
        raise MoneyError(f"has more than {max_fraction_digits} fractional digits")
    return dec


def to_micros(value: Decimal) -> int:
    """Decimal units -> integer micro-units (exact; the value has at most 6 fractional digits)."""
    return int(value.scaleb(6))


def from_micros(micros: int) -> Decimal:
    """Integer micro-units -> Decimal units, without trailing noise (1500000 -> 1.5)."""
    return Decimal(micros).scaleb(-6).normalize() if micros else Decimal(0)


def format_micros(micros: int, places: int | None = None) -> str:
    """Render micro-units as a plain decimal string.

    With ``places`` the value is rounded half-even to that many digits; without, it is shown exactly
    with at least two fractional digits ("12.50", "0.000125").
    """
    value = Decimal(micros).scaleb(-6)
    if places is not None:
        quantum = Decimal(1).scaleb(-places)
        return f"{value.quantize(quantum, rounding=ROUND_HALF_EVEN):f}"
    text = f"{value.normalize():f}"
    whole, _, frac = text.partition(".")
    frac = frac.ljust(2, "0")
    return f"{whole}.{frac}"


def micros_to_minor(micros: int, currency: str) -> int:
    """Micro-units -> integer minor units of the currency (cents), rounded half-even."""
    exp = minor_exponent(currency)
    value = Decimal(micros).scaleb(exp - 6)
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))
