"""Response bodies of the devkit-compatible surface (documentation in the OpenAPI schema)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class PaymentStats(BaseModel):
    """Aggregated payment statistics (field names and types as the original API)."""

    total_projects: int = Field(description="Products of the tenant")
    projects_with_config: int = Field(description="Products with a payment provider configured")
    projects_with_test: int = Field(description="Products with payment provider test credentials")
    projects_with_live: int = Field(description="Products with payment provider live credentials")
    total_subscriptions: int = Field(description="Subscriptions existing now, in any state")
    active_subscriptions: int = Field(description="Subscriptions now active or trialing")
    total_payments: int = Field(description="Payments, any status")
    successful_payments: int = Field(description="Payments with status succeeded")
    total_revenue_cents: int = Field(
        description="Succeeded payments, in minor units of the reporting currency"
    )
    currency: str = Field("usd", description="Reporting currency (lowercase ISO 4217 code)")


class AccessTokenResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="Seconds until the token expires")


class Detail(BaseModel):
    """An error: ``{"detail": "<message>"}``."""

    detail: str


class DetailOrValidation(BaseModel):
    """A 422: FastAPI's validation errors (a list), or a message (a missing exchange rate)."""

    detail: str | list[dict[str, Any]]


class OAuthErrorResponse(BaseModel):
    """A token request's error (RFC 6749 section 5.2)."""

    error: str
    error_description: str
