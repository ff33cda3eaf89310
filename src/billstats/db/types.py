"""Column types shared by every table."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Dialect, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator, TypeEngine

SQLITE_TS_FORMAT = "%Y-%m-%d %H:%M:%S.%f"


def utc_text(value: datetime) -> str:
    """The fixed-width UTC text SQLite stores (sorts and compares like the instant it names)."""
    return value.astimezone(UTC).strftime(SQLITE_TS_FORMAT)


def parse_utc_text(text: str) -> datetime:
    # fromisoformat reads the fixed-width form ~40x faster than strptime (hot in metrics loads).
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC timestamp.

    PostgreSQL: ``timestamptz``.  SQLite: fixed-width UTC text, so lexical order is time order.
    Naive datetimes are refused: every instant in billstats carries its offset.
    """

    impl = DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(26))
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        if dialect.name == "sqlite":
            return utc_text(value)
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            return parse_utc_text(value)
        assert isinstance(value, datetime)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# Money and quantities: integer micro-units (see billstats.money).
Micros = BigInteger

JSONDoc = JSON().with_variant(JSONB(), "postgresql")
