"""Request and response shapes of ``POST /api/v2/getdashboardstats`` (seed 000)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictStr, WithJsonSchema

from billstats.metrics.windows import INTERVALS

# Amounts go out as JSON numbers with at most the reporting currency's decimals (5013.52, 0, 1999).
Amount = Annotated[Decimal, WithJsonSchema({"type": "number", "examples": [5013.52]})]


class StatsRequest(BaseModel):
    """The request body.  Unknown fields are ignored, as the vendor does."""

    model_config = ConfigDict(extra="ignore")

    product_id: StrictStr = Field(
        description="A product id, or `all` for every product.", examples=["all"]
    )
    interval: StrictStr = Field(
        description=f"One of: {', '.join(INTERVALS)}.",
        json_schema_extra={"enum": list(INTERVALS)},
    )
    start_date: StrictStr | None = Field(
        None, description="YYYY-MM-DD, with `custom` only.", examples=["2024-01-01"]
    )
    end_date: StrictStr | None = Field(
        None, description="YYYY-MM-DD (included), with `custom`.", examples=["2024-01-31"]
    )


class Stats(BaseModel):
    """The 23 dashboard figures.  Amounts are in the tenant's reporting currency."""

    total_customer_count: int
    total_paid_customer_count: int
    total_sales_amount: Amount
    total_sales_count: int
    total_onetime_sales_count: int
    total_onetime_sales_amount: Amount
    total_recurring_sales_count: int
    total_recurring_sales_amount: Amount
    total_refund_count: int
    total_refund_amount: Amount
    total_cancelled_subscription_count: int
    total_cancelled_subscription_amount: Amount
    mrr: str = Field(examples=["33590.75"])
    total_net_revenue: Amount
    total_affiliate_sales_amount: Amount
    total_affiliate_commission_amount: Amount
    total_net_amount_via_affiliate: Amount
    total_affiliate_count: int
    total_rebill_amount: Amount
    total_rebill_subscription_count: int
    total_missed_invoice_amount: Amount
    total_missed_invoice_count: int
    arpu: str = Field(examples=["429.6454545"])


class StatsResponse(BaseModel):
    status: str = Field(examples=["success"])
    message: str = Field(examples=["Total stats"])
    data: Stats


class ErrorResponse(BaseModel):
    status: str = Field(examples=["error"])
    message: str
