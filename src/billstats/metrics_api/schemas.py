"""Response shapes of ``/v1/metrics`` for the OpenAPI document (the service builds the body)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from billstats.web.openapi import error_responses


class Summary(BaseModel):
    current: Any = Field(description="the headline field over the whole range")
    previous: Any = Field(description="the same over the range of as many days just before")
    percentage_change: Any = Field(
        description="(current - previous) / |previous| x 100, 2 decimals; null when previous is "
        "0 or null, or current is null"
    )


class MetricsResponse(BaseModel):
    metric: str
    currency: str = Field(description="the currency of every money value")
    interval: str
    start_date: str
    end_date: str
    entries: list[dict[str, Any]] = Field(
        description="one per bucket: date (the bucket's first day) and the metric's fields"
    )
    summary: Summary


class SeveralResponse(BaseModel):
    metrics: list[str]
    currency: str
    interval: str
    start_date: str
    end_date: str
    entries: list[dict[str, Any]]
    summary: dict[str, Summary]


class ErrorBody(BaseModel):
    code: str
    message: str
    problems: list[dict[str, Any]] | None = None


class ErrorResponse(BaseModel):
    error: ErrorBody


ERRORS = error_responses(
    ErrorResponse,
    [400, 401, 403, 404, 422],
    descriptions={
        400: "bad dates, interval, currency, livemode, limit or cursor; too many buckets",
        401: "missing or invalid API key",
        403: "the key lacks analytics:read",
        404: "unknown metric, customer, product, plan or partner",
        422: "a needed exchange rate is missing",
    },
)
