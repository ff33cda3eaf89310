"""The movement log, cohorts and one customer's metrics (listed before the generic
``/v1/metrics/{metric}`` route so that their paths win)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from starlette.responses import Response

from billstats.metrics_api import activity_service
from billstats.metrics_api.activity_cursor import cursor_key
from billstats.metrics_api.schemas import ERRORS
from billstats.web.deps import Analytics, EngineDep, Now, ReadConn, SettingsDep
from billstats.web.responses import JSON

router = APIRouter(prefix="/v1", tags=["metrics"])


def _cursor_key(engine: EngineDep, settings: SettingsDep) -> bytes:
    return cursor_key(engine, settings)


CursorKey = Annotated[bytes, Depends(_cursor_key)]

_DOC: dict[str, str] = {
    "start_date": "first day, YYYY-MM-DD (tenant zone); default end_date - 29 days",
    "end_date": "last day, YYYY-MM-DD (included); default today",
    "interval": "day|week|month|quarter|year (default day)",
    "type": "new_business, expansion, contraction, churn, reactivation (comma separated)",
    "customer_id": "only this customer's movements",
    "q": "customers whose id or name contains this text (case-insensitive)",
    "currency": "a native ISO 4217 currency: only its records",
    "product_id": "only this product's subscriptions",
    "plan_id": "only this plan's subscriptions",
    "livemode": "true (default) or false: test data",
    "limit": "entries per page, 1-1000 (default 100)",
    "cursor": "next_cursor of the previous page",
    "format": "json (default) or csv: the whole filtered range as one CSV stream",
}


def _openapi(names: tuple[str, ...], body: dict[str, Any], csv: bool = False) -> dict[str, Any]:
    content: dict[str, Any] = {"application/json": {"schema": body}}
    if csv:
        content["text/csv"] = {"schema": {"type": "string"}}
    return {
        "parameters": [
            {"name": n, "in": "query", "required": False, "schema": {"type": "string"},
             "description": _DOC[n]}
            for n in names
        ],
        "responses": {"200": {"description": "Successful Response", "content": content}},
    }  # fmt: skip


def _object(*required: str) -> dict[str, Any]:
    return {"type": "object", "required": list(required)}


_ACTIVITIES = _object("start_date", "end_date", "livemode", "data", "has_more", "next_cursor")
_COHORTS = _object("currency", "start_date", "end_date", "livemode", "cohorts", "all_cohorts")
_CUSTOMER = _object(
    "customer", "interval", "start_date", "end_date", "livemode", "currencies", "entries",
    "movements",
)  # fmt: skip


@router.get(
    "/metrics/activities",
    summary="The MRR movement log (cursor-paginated; CSV with format=csv)",
    openapi_extra=_openapi(activity_service.ACTIVITY_PARAMS, _ACTIVITIES, csv=True),
    responses=ERRORS,
)
def activities(
    request: Request, principal: Analytics, conn: ReadConn, now: Now, key: CursorKey
) -> Response:
    out = activity_service.activities(
        conn, principal.tenant_id, request.query_params.multi_items(), now, key
    )
    if isinstance(out, activity_service.CsvExport):
        return StreamingResponse(
            out.chunks,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{out.filename}"'},
        )
    return JSON(out)


@router.get(
    "/metrics/cohorts",
    summary="Monthly cohorts by first payment: customer and revenue retention",
    openapi_extra=_openapi(activity_service.COHORT_PARAMS, _COHORTS),
    responses=ERRORS,
)
def cohorts(request: Request, principal: Analytics, conn: ReadConn, now: Now) -> JSON:
    query = request.query_params.multi_items()
    return JSON(activity_service.cohorts(conn, principal.tenant_id, query, now))


@router.get(
    "/customers/{customer_id}/metrics",
    summary="One customer's MRR history per currency and its movements",
    openapi_extra=_openapi(activity_service.CUSTOMER_PARAMS, _CUSTOMER),
    responses=ERRORS,
)
def customer_metrics(
    customer_id: str, request: Request, principal: Analytics, conn: ReadConn, now: Now
) -> JSON:
    query = request.query_params.multi_items()
    return JSON(
        activity_service.customer_metrics(conn, principal.tenant_id, customer_id, query, now)
    )
