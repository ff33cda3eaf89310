"""The page and its assets over HTTP: headers, media types, no path ever reaching the disk, and
every file the page loads shipped in the package."""

from __future__ import annotations

import glob
import re
import tomllib
from pathlib import Path

import httpx
import pytest

from billstats import __version__
from billstats.dashboard import endpoints

STATIC = endpoints.STATIC
ROOT = Path(__file__).resolve().parents[2]


def test_page_headers_forbid_inline_code_and_framing(http: httpx.Client) -> None:
    response = http.get("/dashboard")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe" not in csp
    assert "frame-ancestors 'none'" in csp and "connect-src 'self'" in csp
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["cache-control"] == "no-store"
    assert "<script>" not in response.text and " style=" not in response.text
    assert f"main.js?v={__version__}" in response.text and "{{" not in response.text


def test_trailing_slash_redirects_to_the_page(http: httpx.Client) -> None:
    response = http.get("/dashboard/", follow_redirects=False)
    assert response.status_code == 308
    assert response.headers["location"] == "../dashboard"
    assert http.get("/dashboard/", follow_redirects=True).url.path == "/dashboard"


@pytest.mark.parametrize(
    ("path", "media_type"),
    [
        ("js/main.js", "text/javascript; charset=utf-8"),
        ("dashboard.css", "text/css; charset=utf-8"),
        ("vendor/chart.umd.min.js", "text/javascript; charset=utf-8"),
        ("vendor/chart.js-LICENSE.md", "text/markdown; charset=utf-8"),
        ("favicon.svg", "image/svg+xml"),
    ],
)
def test_assets_have_their_media_type(http: httpx.Client, path: str, media_type: str) -> None:
    response = http.get(f"/dashboard/static/{path}")
    assert response.status_code == 200
    assert response.headers["content-type"] == media_type
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.content == (STATIC / path).read_bytes()


@pytest.mark.parametrize(
    "path",
    [
        "../endpoints.py",
        "..%2Fendpoints.py",
        "%2e%2e/endpoints.py",
        "js/../../endpoints.py",
        "index.html",
        "nothing.js",
        "/etc/passwd",
        "vendor",
    ],
)
def test_unknown_assets_are_404_in_the_native_format(http: httpx.Client, path: str) -> None:
    response = http.get(f"/dashboard/static/{path}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_chart_js_is_vendored_with_its_licence() -> None:
    script = (STATIC / "vendor" / "chart.umd.min.js").read_text("utf-8")
    assert script.startswith("/*!\n * Chart.js v4.6.1")
    assert "sourceMappingURL" not in script  # the map is not shipped
    licence = (STATIC / "vendor" / "chart.js-LICENSE.md").read_text("utf-8")
    assert licence.startswith("The MIT License (MIT)")


def _referenced() -> set[str]:
    """Every asset the page loads: from index.html and from the modules' imports."""
    html = (STATIC / "index.html").read_text("utf-8")
    found = set(re.findall(r'dashboard/static/([\w./-]+?)(?:\?v=|")', html))
    for module in (STATIC / "js").glob("*.js"):
        for name in re.findall(r'from "\./([\w.-]+\.js)"', module.read_text("utf-8")):
            found.add(f"js/{name}")
    return found


def test_every_referenced_asset_exists_and_is_served() -> None:
    referenced = _referenced()
    assert {"js/main.js", "js/api.js", "vendor/chart.umd.min.js", "dashboard.css"} <= referenced
    assert referenced <= set(endpoints.ASSETS)


def test_package_data_ships_every_static_file() -> None:
    """pyproject's package-data globs (setuptools, recursive) cover every file under static/."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["billstats"]
    package = ROOT / "src" / "billstats"
    shipped = {
        Path(p).resolve()
        for pattern in patterns
        for p in glob.glob(str(package / pattern), recursive=True)
    }
    files = {p.resolve() for p in STATIC.rglob("*") if p.is_file()}
    assert files and files <= shipped
