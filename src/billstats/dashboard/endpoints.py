"""Serves the dashboard's page and its assets (``/dashboard``, ``/dashboard/static/...``).

The page is static: it signs in with an API key kept in the browser session and reads every
number from the native API (``/v1/metrics``...).  Assets are served from a fixed list built at
import time, so no request path ever reaches the file system.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, RedirectResponse, Response

from billstats import __version__
from billstats.errors import NotFound

router = APIRouter(include_in_schema=False)

STATIC = Path(__file__).resolve().parent / "static"

MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".svg": "image/svg+xml",
}

# The page runs only its own files: no inline script or style, no third-party origin, no framing.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "font-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def _assets() -> dict[str, Path]:
    """Every servable file under ``static/`` by its URL path (``js/main.js``)."""
    return {
        p.relative_to(STATIC).as_posix(): p
        for p in sorted(STATIC.rglob("*"))
        if p.is_file() and p.suffix in MEDIA_TYPES and p.name != "index.html"
    }


ASSETS = _assets()


def page_html() -> str:
    """``index.html`` with the package version in asset URLs (a new release is re-fetched)."""
    return (STATIC / "index.html").read_text("utf-8").replace("{{version}}", __version__)


@router.get("/dashboard")
def dashboard() -> Response:
    headers = {**SECURITY_HEADERS, "Cache-Control": "no-store"}
    return Response(page_html(), media_type=MEDIA_TYPES[".html"], headers=headers)


@router.get("/dashboard/")
def dashboard_slash() -> Response:
    # The page's URLs are relative to /dashboard; the browser keeps the #fragment on redirect.
    return RedirectResponse("../dashboard", status_code=308)


@router.get("/dashboard/static/{path:path}")
def asset(path: str) -> Response:
    found = ASSETS.get(path)
    if found is None:
        raise NotFound(f"no dashboard asset {path!r}")
    headers = {**SECURITY_HEADERS, "Cache-Control": "no-cache"}
    return FileResponse(found, media_type=MEDIA_TYPES[found.suffix], headers=headers)
