"""``GET /v1/metrics`` and ``GET /v1/metrics/{metric}``."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/v1", tags=["metrics"])
