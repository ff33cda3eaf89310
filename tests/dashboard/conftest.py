"""The dashboard in a real headless Chromium (Debian's, driven by Playwright) against the live
server, on a tenant seeded through the API."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from playwright._impl._sync_base import EventContextManager
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Page,
    Playwright,
    Request,
    Response,
    sync_playwright,
)
from sqlalchemy import Engine

import billstats.metrics.native_call_accounts  # noqa: F401  (registers call_accounts)
from billstats.auth.service import create_key
from billstats.db.dialect import write_transaction
from tests.conftest import LiveServer, TenantCtx, make_tenant
from tests.dashboard import seed

CHROMIUM = "/usr/bin/chromium"
# A selector, not a JavaScript predicate: the page's CSP forbids eval, as it should.
READY = "body[data-state=ready]"


@dataclass
class Seeded:
    """The seeded tenant: its admin context and a read-only key for the dashboard."""

    tenant: TenantCtx
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture
def seeded(engine: Engine, http: httpx.Client) -> Seeded:
    tenant = make_tenant(engine)
    response = http.post(
        "/v1/import",
        content=seed.body(),
        headers={**tenant.headers, "Content-Type": "application/x-ndjson"},
    )
    assert response.status_code == 200, response.text
    with write_transaction(engine) as conn:
        key = create_key(conn, tenant.id, ["analytics:read"], name="dashboard test")
    return Seeded(tenant, key["token"])


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing (apt-get install chromium)", pytrace=False)
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
    yield browser
    browser.close()


@dataclass
class Dashboard:
    """One browser tab on the dashboard, with what it logged and which API calls it made."""

    page: Page
    base: str
    console: list[ConsoleMessage] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    api_calls: list[str] = field(default_factory=list)

    def open(self, query: dict[str, str] | None = None, key: str | None = None) -> None:
        url = f"{self.base}/dashboard"
        if query:
            url += "?" + urlencode(query)
        if key:
            url += f"#key={key}"
        self.page.goto(url)
        self.wait_ready()

    def wait_ready(self) -> None:
        self.page.wait_for_selector(READY, state="attached", timeout=60_000)

    def answer(self, path: str, *parts: str) -> EventContextManager[Response]:
        """Wait (``with``) for the answer to an API call to ``path`` whose query has ``parts``
        (e.g. ``"interval=week"``)."""

        def match(response: Response) -> bool:
            url = urlsplit(response.url)
            return url.path == path and all(p in url.query.split("&") for p in parts)

        return self.page.expect_response(match)

    def calls_to(self, path: str) -> list[dict[str, list[str]]]:
        """The query strings of the API calls made to ``path`` (e.g. ``/v1/metrics``), in order."""
        out = []
        for url in self.api_calls:
            parts = urlsplit(url)
            if parts.path == path:
                out.append(parse_qs(parts.query))
        return out

    def chart(self, canvas_id: str) -> dict[str, Any]:
        data: dict[str, Any] = self.page.evaluate(
            """id => {
                const chart = window.Chart.getChart(id);
                if (!chart) return null;
                return {
                  labels: chart.data.labels,
                  datasets: chart.data.datasets.map(d => ({
                    label: d.label, field: d.field, strings: d.strings, data: d.data })),
                };
            }""",
            canvas_id,
        )
        return data

    def series(self, canvas_id: str) -> dict[str, list[Any]]:
        """A chart's datasets by API field: the API's strings each dataset carries."""
        return {d["field"]: d["strings"] for d in self.chart(canvas_id)["datasets"]}

    def errors(self, allowed: str | None = None) -> list[str]:
        """Console errors and uncaught exceptions (except those matching ``allowed``)."""
        found = [m.text for m in self.console if m.type == "error"] + self.page_errors
        return [e for e in found if not (allowed and re.search(allowed, e))]


def _new_dashboard(browser: Browser, server: LiveServer, **context: Any) -> Iterator[Dashboard]:
    ctx = browser.new_context(locale="en-US", timezone_id="UTC", **context)
    page = ctx.new_page()
    dash = Dashboard(page, server.url)
    page.on("console", lambda message: dash.console.append(message))
    page.on("pageerror", lambda exc: dash.page_errors.append(str(exc)))

    def on_request(request: Request) -> None:
        if "/v1/" in request.url:
            dash.api_calls.append(request.url)

    page.on("request", on_request)
    yield dash
    ctx.close()


@pytest.fixture
def dashboard(browser: Browser, live_server: LiveServer) -> Iterator[Dashboard]:
    """A laptop-sized tab."""
    yield from _new_dashboard(browser, live_server, viewport={"width": 1366, "height": 900})


@pytest.fixture
def phone(browser: Browser, live_server: LiveServer) -> Iterator[Dashboard]:
    """A phone-sized tab (touch, 390 x 844 CSS pixels)."""
    yield from _new_dashboard(
        browser,
        live_server,
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
