"""What a demo data set is made from: seed, scale, anchor date, and the volumes they imply."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

DEFAULT_SEED = 42
TENANT_TIMEZONE = "America/New_York"
TENANT_CURRENCY = "USD"
PARTNER_TIMEZONE = timezone(timedelta(hours=5, minutes=30), "IST")

HISTORY_DAYS = 730  # two years of subscription history ...
CALL_DAYS = 90  # ... and the last 90 days of partner call records

BASE_CUSTOMERS = 1_000
BASE_PARTNER_ACCOUNTS = 50
BASE_CALL_RECORDS = 100_000

# Bump when the generator changes what it produces for the same parameters.
GENERATOR_VERSION = 1


def _scaled(base: int, scale: float, minimum: int) -> int:
    return max(minimum, int(base * scale + 0.5))


def today_in(zone: str = TENANT_TIMEZONE) -> date:
    return datetime.now(ZoneInfo(zone)).date()


@dataclass(frozen=True)
class DemoConfig:
    """Parameters of one demo data set.  Equal configs produce byte-identical streams.

    ``anchor`` is the last day of the history ("today"): records end at local midnight that
    starts it, in the tenant's time zone.  The explicit counts override what ``scale`` implies.
    """

    seed: int = DEFAULT_SEED
    scale: float = 1.0
    anchor: date = field(default_factory=today_in)
    customers: int | None = None
    partner_accounts: int | None = None
    call_records: int | None = None

    def __post_init__(self) -> None:
        if not self.scale > 0:
            raise ValueError("scale must be greater than zero")
        for name in ("customers", "partner_accounts", "call_records"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ValueError(f"{name} must not be negative")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(TENANT_TIMEZONE)

    @property
    def n_customers(self) -> int:
        return (
            self.customers if self.customers is not None else _scaled(BASE_CUSTOMERS, self.scale, 1)
        )

    @property
    def n_partner_accounts(self) -> int:
        if self.partner_accounts is not None:
            return self.partner_accounts
        return _scaled(BASE_PARTNER_ACCOUNTS, self.scale, 1)

    @property
    def n_call_records(self) -> int:
        if self.call_records is not None:
            return self.call_records
        return _scaled(BASE_CALL_RECORDS, self.scale, 0)

    @property
    def end(self) -> datetime:
        """The instant the history ends (exclusive): local midnight starting the anchor day."""
        return datetime.combine(self.anchor, datetime.min.time(), tzinfo=self.zone).astimezone(UTC)

    @property
    def start(self) -> datetime:
        """The instant the history starts: local midnight ``HISTORY_DAYS`` before the anchor."""
        first = self.anchor - timedelta(days=HISTORY_DAYS)
        return datetime.combine(first, datetime.min.time(), tzinfo=self.zone).astimezone(UTC)

    @property
    def first_day(self) -> date:
        return self.anchor - timedelta(days=HISTORY_DAYS)

    def describe(self) -> dict[str, object]:
        return {
            "seed": self.seed,
            "scale": self.scale,
            "anchor_date": self.anchor.isoformat(),
            "customers": self.n_customers,
            "partner_accounts": self.n_partner_accounts,
            "call_records_target": self.n_call_records,
            "generator_version": GENERATOR_VERSION,
        }
