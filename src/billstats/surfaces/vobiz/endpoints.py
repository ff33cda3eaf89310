"""Endpoints of the vobiz-compatible surface."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=True)
