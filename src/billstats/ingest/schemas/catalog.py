"""Products, plans, partners, customers, affiliates."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Literal

from pydantic import Field, model_validator

from billstats.ingest.schemas.common import (
    NO_NUL,
    Count,
    Currency,
    Email,
    Flag,
    Id,
    Name,
    NonNegMoney,
    OptText,
    Phone,
    PositiveCount,
    Record,
    ShortName,
    Timestamp,
)


class PaymentProvider(Record):
    configured: Flag = False
    test_credentials: Flag = False
    live_credentials: Flag = False


class Product(Record):
    name: Name
    payment_provider: PaymentProvider = PaymentProvider()


class Feature(Record):
    code: Id
    name: Name
    type: Literal["quantity", "boolean", "custom"]
    value: str = Field(max_length=200, pattern=NO_NUL)

    @model_validator(mode="after")
    def _quantity_is_numeric(self) -> Feature:
        if self.type == "quantity":
            try:
                number = Decimal(self.value)
            except InvalidOperation:
                raise ValueError("a quantity feature's value must be a number") from None
            if not number.is_finite() or number < 0:
                raise ValueError("a quantity feature's value must be a non-negative number")
        return self


class UsageCharge(Record):
    metric_code: Id
    unit_amount: NonNegMoney


class Plan(Record):
    product_id: Id
    name: Name
    currency: Currency
    amount: NonNegMoney
    interval_unit: Literal["day", "week", "month", "year"]
    interval_count: PositiveCount = 1
    trial_days: Count = 0
    features: list[Feature] = Field(default_factory=list, max_length=200)
    usage_charges: list[UsageCharge] = Field(default_factory=list, max_length=200)

    @model_validator(mode="after")
    def _unique_codes(self) -> Plan:
        codes = [f.code for f in self.features]
        if len(codes) != len(set(codes)):
            raise ValueError("feature codes must be unique within a plan")
        metrics = [u.metric_code for u in self.usage_charges]
        if len(metrics) != len(set(metrics)):
            raise ValueError("usage charge metric codes must be unique within a plan")
        return self


class Partner(Record):
    name: Name
    slug: Id
    company: OptText = None
    email: Email = None
    phone: Phone = None
    billing_model: ShortName = "direct"
    is_active: Flag = True
    is_verified: Flag = False
    max_accounts: Count | None = None
    account_id: Count | None = None
    can_create_accounts: Flag = True
    can_create_pricing_tiers: Flag = False
    can_view_cdrs: Flag = True
    can_transfer_balance: Flag = False
    default_pricing_tier_id: Id | None = None
    created_at: Timestamp
    updated_at: Timestamp | None = None

    @model_validator(mode="after")
    def _order(self) -> Partner:
        if self.updated_at is not None and self.updated_at < self.created_at:
            raise ValueError("updated_at must not be before created_at")
        return self

    @property
    def updated(self) -> datetime:
        return self.updated_at or self.created_at


class Customer(Record):
    name: Name
    email: Email = None
    phone: Phone = None
    currency: Currency | None = None
    created_at: Timestamp
    is_active: Flag = True
    partner_id: Id | None = None
    auth_id: Id | None = None


class Affiliate(Record):
    name: Name
