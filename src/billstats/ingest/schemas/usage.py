"""Usage events, wallets and their transactions, call records, exchange rates."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BeforeValidator, WithJsonSchema, model_validator

from billstats.ingest.schemas.common import (
    Count,
    Currency,
    Flag,
    Id,
    Money,
    NonNegMoney,
    Quantity,
    Record,
    Timestamp,
)
from billstats.money import MoneyError, parse_decimal


class UsageEvent(Record):
    customer_id: Id
    subscription_id: Id | None = None
    metric_code: Id
    quantity: Quantity
    timestamp: Timestamp


class Wallet(Record):
    customer_id: Id
    currency: Currency
    status: Literal["active", "terminated"] = "active"


class WalletTransaction(Record):
    wallet_id: Id
    amount: Money
    created_at: Timestamp

    @model_validator(mode="after")
    def _nonzero(self) -> WalletTransaction:
        if self.amount == 0:
            raise ValueError("amount must not be zero (credit +, debit -)")
        return self


class CallRecord(Record):
    account_id: Id
    direction: Literal["inbound", "outbound"]
    product: Literal["sip_trunking", "voice_api"]
    started_at: Timestamp
    duration_seconds: Count
    billed_seconds: Count
    answered: Flag
    cost: NonNegMoney
    currency: Currency


RATE_DIGITS = 12


def _rate(value: object) -> Decimal:
    try:
        rate = parse_decimal(value, max_fraction_digits=RATE_DIGITS)
    except MoneyError as exc:
        raise ValueError(str(exc)) from None
    if rate <= 0 or rate >= 10**6:
        raise ValueError("rate must be greater than 0 and below 1,000,000")
    return rate


Rate = Annotated[
    Decimal,
    BeforeValidator(_rate),
    WithJsonSchema({"type": "string", "pattern": r"^\d+(\.\d{1,12})?$"}),
]


class FxRate(Record):
    rate: Rate


__all__ = ["CallRecord", "FxRate", "NonNegMoney", "UsageEvent", "Wallet", "WalletTransaction"]
