"""Subscriptions, invoices, payments, refunds."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, model_validator

from billstats.ingest.schemas.common import (
    _DECIMAL_SCHEMA,
    Currency,
    Flag,
    Id,
    Money,
    NonNegMoney,
    OptText,
    PositiveCount,
    PositiveMoney,
    Quantity,
    Record,
    Timestamp,
    _decimal,
)


def _percent(value: object) -> Decimal:
    dec = _decimal(value)
    if not 0 < dec <= 100:
        raise ValueError("must be greater than 0 and at most 100")
    return dec


Percent = Annotated[Decimal, BeforeValidator(_percent), _DECIMAL_SCHEMA]


class Discount(Record):
    percent: Percent | None = None
    amount: PositiveMoney | None = None
    duration: Literal["forever", "once", "repeating"]
    ends_at: Timestamp | None = None

    @model_validator(mode="after")
    def _one_of(self) -> Discount:
        if (self.percent is None) == (self.amount is None):
            raise ValueError("give exactly one of percent or amount")
        if self.duration == "repeating" and self.ends_at is None:
            raise ValueError("a repeating discount needs ends_at")
        return self


class Subscription(Record):
    customer_id: Id
    plan_id: Id
    currency: Currency | None = None
    quantity: PositiveCount = 1
    status: Literal["trialing", "active", "past_due", "paused", "cancelled"]
    started_at: Timestamp
    trial_ends_at: Timestamp | None = None
    cancelled_at: Timestamp | None = None
    ended_at: Timestamp | None = None
    discount: Discount | None = None
    affiliate_id: Id | None = None
    livemode: Flag = True
    effective_at: Timestamp | None = None

    @model_validator(mode="after")
    def _timeline(self) -> Subscription:
        for name in ("trial_ends_at", "cancelled_at", "ended_at"):
            value = getattr(self, name)
            if value is not None and value < self.started_at:
                raise ValueError(f"{name} must not be before started_at")
        if self.status == "trialing" and self.trial_ends_at is None:
            raise ValueError("a trialing subscription needs trial_ends_at")
        if self.status == "cancelled" and self.cancelled_at is None:
            raise ValueError("a cancelled subscription needs cancelled_at")
        return self


class InvoiceLine(Record):
    type: Literal["subscription", "one_time", "usage"]
    description: OptText = None
    amount: Money
    quantity: Quantity | None = None
    metric_code: Id | None = None
    period_start: Timestamp | None = None
    period_end: Timestamp | None = None

    @model_validator(mode="after")
    def _shape(self) -> InvoiceLine:
        if self.type == "usage" and self.metric_code is None:
            raise ValueError("a usage line needs metric_code")
        if (
            self.period_start is not None
            and self.period_end is not None
            and self.period_end < self.period_start
        ):
            raise ValueError("period_end must not be before period_start")
        return self


class Invoice(Record):
    customer_id: Id
    subscription_id: Id | None = None
    currency: Currency
    status: Literal["draft", "open", "paid", "void", "uncollectible"]
    billing_reason: Literal[
        "subscription_create", "subscription_cycle", "subscription_update", "manual"
    ] = "manual"
    issued_at: Timestamp
    due_at: Timestamp | None = None
    paid_at: Timestamp | None = None
    tax_amount: NonNegMoney = Decimal(0)
    lines: list[InvoiceLine] = Field(default_factory=list, max_length=1000)
    total: NonNegMoney
    livemode: Flag = True

    @model_validator(mode="after")
    def _totals(self) -> Invoice:
        expected = sum((line.amount for line in self.lines), Decimal(0)) + self.tax_amount
        if expected != self.total:
            raise ValueError(f"total {self.total} does not equal the lines plus tax ({expected})")
        if self.due_at is not None and self.due_at < self.issued_at:
            raise ValueError("due_at must not be before issued_at")
        if self.status == "paid" and self.paid_at is None:
            raise ValueError("a paid invoice needs paid_at")
        if self.billing_reason != "manual" and self.subscription_id is None:
            raise ValueError(f"billing_reason {self.billing_reason} needs subscription_id")
        return self


class Payment(Record):
    customer_id: Id
    invoice_id: Id | None = None
    subscription_id: Id | None = None
    amount: PositiveMoney
    currency: Currency
    status: Literal["succeeded", "failed", "pending"]
    fee_amount: NonNegMoney = Decimal(0)
    affiliate_id: Id | None = None
    affiliate_commission: NonNegMoney = Decimal(0)
    created_at: Timestamp
    livemode: Flag = True

    @model_validator(mode="after")
    def _commission(self) -> Payment:
        if self.affiliate_commission and self.affiliate_id is None:
            raise ValueError("affiliate_commission needs affiliate_id")
        if self.affiliate_commission > self.amount:
            raise ValueError("affiliate_commission must not exceed the amount")
        if self.fee_amount > self.amount:
            raise ValueError("fee_amount must not exceed the amount")
        return self


class Refund(Record):
    payment_id: Id
    amount: PositiveMoney
    created_at: Timestamp
