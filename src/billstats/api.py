"""The one place that lists the routers and the error format of each surface."""

from __future__ import annotations

from fastapi import APIRouter

from billstats.dashboard.endpoints import router as dashboard_router
from billstats.ingest.endpoints import router as ingest_router
from billstats.metrics_api.activity_endpoints import router as activity_router
from billstats.metrics_api.endpoints import router as metrics_router
from billstats.surfaces.devkit import errors as devkit_errors
from billstats.surfaces.devkit.endpoints import router as devkit_router
from billstats.surfaces.fynn import errors as fynn_errors
from billstats.surfaces.fynn.endpoints import router as fynn_router
from billstats.surfaces.pabbly import errors as pabbly_errors
from billstats.surfaces.pabbly.endpoints import router as pabbly_router
from billstats.surfaces.portal import errors as portal_errors
from billstats.surfaces.portal.endpoints import router as portal_router
from billstats.surfaces.vobiz import errors as vobiz_errors
from billstats.surfaces.vobiz.endpoints import router as vobiz_router
from billstats.tenants.endpoints import router as tenant_router
from billstats.web.errors import ErrorFormat

ROUTERS: list[APIRouter] = [
    tenant_router,
    ingest_router,
    activity_router,  # before metrics_router: /v1/metrics/activities is not a metric name
    metrics_router,
    dashboard_router,
    pabbly_router,
    devkit_router,
    fynn_router,
    portal_router,
    vobiz_router,
]

# Surfaces whose errors take a vendor's shape; every other path gets the native format.
ERROR_FORMATS: list[ErrorFormat] = [
    pabbly_errors.FORMAT,
    devkit_errors.FORMAT,
    fynn_errors.FORMAT,
    portal_errors.FORMAT,
    vobiz_errors.FORMAT,
]
