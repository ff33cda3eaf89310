"""The movement log, cohorts and one customer's metrics (listed before the generic
``/v1/metrics/{metric}`` route so that their paths win)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/v1", tags=["metrics"])
