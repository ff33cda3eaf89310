"""The one place that lists the routers."""

from __future__ import annotations

from fastapi import APIRouter

from billstats.ingest.endpoints import router as ingest_router
from billstats.tenants.endpoints import router as tenant_router

ROUTERS: list[APIRouter] = [tenant_router, ingest_router]
