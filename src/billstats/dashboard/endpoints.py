"""Serves the dashboard's page and its vendored assets."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
