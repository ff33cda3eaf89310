"""Field types shared by the input schemas: ids, exact decimals, aware timestamps, currencies."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from itertools import product
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    StringConstraints,
    WithJsonSchema,
)

from billstats.money import CURRENCY_EXPONENTS, MoneyError, parse_decimal

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:@+\-]{0,127}$"
MIN_TIME = datetime(1970, 1, 1, tzinfo=UTC)
MAX_TIME = datetime(2200, 1, 1, tzinfo=UTC)


class Record(BaseModel):
    """Base of every input schema: unknown fields are an error."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _decimal(value: Any) -> Decimal:
    try:
        return parse_decimal(value)
    except MoneyError as exc:
        raise ValueError(str(exc)) from None


def _nonneg_decimal(value: Any) -> Decimal:
    dec = _decimal(value)
    if dec < 0:
        raise ValueError("must not be negative")
    return dec


def _positive_decimal(value: Any) -> Decimal:
    dec = _decimal(value)
    if dec <= 0:
        raise ValueError("must be greater than zero")
    return dec


def _timestamp(value: Any) -> datetime:
    if isinstance(value, str) and 10 <= len(value) <= 40:  # the usual case first
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError("must be an ISO 8601 timestamp with offset") from None
        # fromisoformat gives a fixed offset or none: no tzinfo whose utcoffset() is None.
        aware = parsed.tzinfo is not None
    elif isinstance(value, datetime):
        parsed = value
        aware = parsed.utcoffset() is not None  # None too without tzinfo
    else:
        raise ValueError("must be an ISO 8601 timestamp string with offset")
    if not aware:
        raise ValueError("must carry a UTC offset (e.g. 2025-01-31T23:30:00+01:00 or ...Z)")
    try:
        parsed = parsed.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00:00+01:00 has no UTC instant in datetime's range
        raise ValueError("must be between 1970 and 2200") from None
    if not MIN_TIME <= parsed < MAX_TIME:
        raise ValueError("must be between 1970 and 2200")
    return parsed


def _currency(value: Any) -> str:
    # A code is three ASCII letters in any case ("u\N{LATIN SMALL LETTER LONG S}d".upper() ==
    # "USD" is not one): every spelling of every code is a key of _SPELLINGS.
    if type(value) is str:
        found = _SPELLINGS.get(value)
        if found is not None:
            return found
    raise ValueError("must be an ISO 4217 currency code such as USD")


_SPELLINGS = {
    "".join(letters): code
    for code in CURRENCY_EXPONENTS
    for letters in product(*((c.lower(), c.upper()) for c in code))
}


_DECIMAL_SCHEMA = WithJsonSchema(
    {"type": "string", "pattern": r"^-?\d+(\.\d{1,6})?$", "examples": ["12.50"]}
)
_NONNEG_SCHEMA = WithJsonSchema({"type": "string", "pattern": r"^\d+(\.\d{1,6})?$"})

Money = Annotated[Decimal, BeforeValidator(_decimal), _DECIMAL_SCHEMA]
"""A signed exact amount (decimal string, at most 6 fractional digits)."""
NonNegMoney = Annotated[Decimal, BeforeValidator(_nonneg_decimal), _NONNEG_SCHEMA]
PositiveMoney = Annotated[Decimal, BeforeValidator(_positive_decimal), _NONNEG_SCHEMA]
Quantity = NonNegMoney
Timestamp = Annotated[
    datetime,
    BeforeValidator(_timestamp),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
Currency = Annotated[
    str, BeforeValidator(_currency), WithJsonSchema({"type": "string", "pattern": "^[A-Za-z]{3}$"})
]
Id = Annotated[str, StringConstraints(strict=True, pattern=ID_PATTERN)]
# Free text never holds NUL: PostgreSQL text cannot store it (SQLite would, so the backends
# would disagree).  Lengths match the columns (PostgreSQL enforces varchar(n), SQLite does not).
NO_NUL = r"^[^\x00]*$"


def _text(max_length: int, min_length: int = 0) -> StringConstraints:
    return StringConstraints(
        strict=True, min_length=min_length, max_length=max_length, pattern=NO_NUL
    )


Name = Annotated[str, _text(500, min_length=1)]
ShortName = Annotated[str, _text(64, min_length=1)]
OptText = Annotated[str, _text(500)] | None
Email = Annotated[str, _text(320)] | None
Phone = Annotated[str, _text(64)] | None
Count = Annotated[StrictInt, Field(ge=0, le=2_000_000_000)]
PositiveCount = Annotated[StrictInt, Field(ge=1, le=2_000_000_000)]
Flag = StrictBool

__all__ = [
    "Count",
    "Currency",
    "Email",
    "Flag",
    "Id",
    "Money",
    "Name",
    "NonNegMoney",
    "OptText",
    "Phone",
    "PositiveCount",
    "PositiveMoney",
    "Quantity",
    "Record",
    "ShortName",
    "StrictStr",
    "Timestamp",
]
