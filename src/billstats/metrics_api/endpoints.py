"""``GET /v1/metrics`` and ``GET /v1/metrics/{metric}``: parse, authenticate, call the service."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from starlette.responses import Response

from billstats.metrics.registry import INTERVALS, REGISTRY
from billstats.metrics_api import service
from billstats.metrics_api.schemas import ERRORS, MetricsResponse, SeveralResponse
from billstats.web.deps import Analytics, Now, ReadConn
from billstats.web.responses import JSON

router = APIRouter(prefix="/v1", tags=["metrics"])

StartDate = Annotated[
    str | None,
    Query(
        description="YYYY-MM-DD, inclusive, tenant zone (default: end_date - 29 days)",
        json_schema_extra={"pattern": r"^\d{4}-\d{2}-\d{2}$"},
    ),
]
EndDate = Annotated[
    str | None,
    Query(
        description="YYYY-MM-DD, inclusive (default: today)",
        json_schema_extra={"pattern": r"^\d{4}-\d{2}-\d{2}$"},
    ),
]
IntervalParam = Annotated[
    str | None,
    Query(
        description="day | week (Monday first) | month | quarter | year; default day",
        json_schema_extra={"enum": list(INTERVALS)},
    ),
]
ProductId = Annotated[str | None, Query(description="only this product's records")]
PlanId = Annotated[str | None, Query(description="only this plan's records")]
Currency = Annotated[
    str | None,
    Query(description="only records in this currency, unconverted (default: all, converted)"),
]
Livemode = Annotated[
    str | None,
    Query(description="true (default) or false", json_schema_extra={"enum": ["true", "false"]}),
]
PartnerId = Annotated[str | None, Query(description="calls: only this partner's accounts")]


def query_params(
    start_date: StartDate = None,
    end_date: EndDate = None,
    interval: IntervalParam = None,
    product_id: ProductId = None,
    plan_id: PlanId = None,
    currency: Currency = None,
    livemode: Livemode = None,
    partner_id: PartnerId = None,
) -> dict[str, str]:
    """The query parameters every metric takes (those given), for ``service.query``."""
    given = {
        "start_date": start_date,
        "end_date": end_date,
        "interval": interval,
        "product_id": product_id,
        "plan_id": plan_id,
        "currency": currency,
        "livemode": livemode,
        "partner_id": partner_id,
    }
    return {name: value for name, value in given.items() if value is not None}


Params = Annotated[dict[str, str], Depends(query_params)]


@router.get(
    "/metrics",
    response_model=SeveralResponse,
    responses=ERRORS,
    summary="Several native metrics at once",
)
def get_metrics(
    principal: Analytics,
    conn: ReadConn,
    now: Now,
    params: Params,
    metrics: Annotated[
        str,
        Query(
            description=f"comma-separated metric names: {', '.join(sorted(REGISTRY))}",
            examples=["mrr,arr,customers"],
        ),
    ] = "",
) -> Response:
    names = [n.strip() for n in metrics.split(",") if n.strip()]
    return JSON(service.query(conn, principal.tenant_id, names, params, now))


@router.get(
    "/metrics/{metric}",
    response_model=MetricsResponse,
    responses=ERRORS,
    summary="One native metric over calendar buckets",
)
def get_metric(
    metric: Annotated[str, Path(json_schema_extra={"enum": sorted(REGISTRY)})],
    principal: Analytics,
    conn: ReadConn,
    now: Now,
    params: Params,
) -> Response:
    return JSON(service.query(conn, principal.tenant_id, [metric], params, now))
