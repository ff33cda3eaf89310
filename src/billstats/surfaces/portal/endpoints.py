"""Endpoints of the portal-compatible surface."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=True)
