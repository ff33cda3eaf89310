"""Process and readiness probes, and the Prometheus metrics endpoint."""

from __future__ import annotations

import logging

from fastapi import APIRouter
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from starlette.responses import Response

from billstats.web.deps import EngineDep
from billstats.web.observability import REGISTRY
from billstats.web.responses import JSON

router = APIRouter(include_in_schema=False)
log = logging.getLogger("billstats.health")


@router.get("/healthz")
def healthz() -> JSON:
    """The process is up and serving (says nothing about the database)."""
    return JSON({"status": "ok"})


@router.get("/readyz")
def readyz(engine: EngineDep) -> JSON:
    """Ready when the database answers a query; 503 with ``Retry-After`` otherwise."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any failure to reach the database means "not ready"
        log.warning("readiness check failed: %s", type(exc).__name__)
        return JSON(
            {"status": "unavailable", "database": "unreachable"},
            503,
            headers={"Retry-After": "1"},
        )
    return JSON({"status": "ready", "database": "ok"})


@router.get("/metrics")
def metrics() -> Response:
    """Prometheus text exposition of this process's counters and histograms."""
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
