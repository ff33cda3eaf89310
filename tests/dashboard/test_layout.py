"""Readable on a phone and a laptop: nothing wider than the screen, cards side by side, loading
and empty states."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
from playwright.sync_api import Route

from tests.dashboard import seed
from tests.dashboard.conftest import Dashboard, Seeded

PARAMS = {"start_date": seed.START, "end_date": seed.END, "interval": "month"}


def _overflow(dash: Dashboard) -> int:
    """How many CSS pixels the page is wider than the viewport."""
    width: int = dash.page.evaluate(
        "() => document.documentElement.scrollWidth - window.innerWidth"
    )
    return width


def test_phone_layout_fits_the_screen(phone: Dashboard, seeded: Seeded, output_dir: Path) -> None:
    phone.open(PARAMS, key=seeded.token)
    page = phone.page
    assert _overflow(phone) <= 0
    boxes = [page.locator(".kpi").nth(i).bounding_box() for i in range(6)]
    assert all(b is not None for b in boxes)
    # Two cards per row, each wide enough for its value.
    assert boxes[0]["y"] == boxes[1]["y"] and boxes[2]["y"] > boxes[0]["y"]  # type: ignore[index]
    assert all(b["width"] >= 150 for b in boxes)  # type: ignore[index]
    for canvas in ("#mrr-chart", "#sales-chart", "#calls-chart"):
        box = page.locator(canvas).bounding_box()
        assert box is not None and box["width"] <= 390 and box["height"] >= 200, canvas
    # Wide tables scroll inside their panel, not the page.
    assert page.locator("#activity-table").bounding_box()["width"] > 0  # type: ignore[index]
    page.screenshot(path=str(output_dir / "phone.png"), full_page=True)
    assert phone.errors() == []


def test_laptop_layout_puts_the_cards_in_one_row(dashboard: Dashboard, seeded: Seeded) -> None:
    dashboard.open(PARAMS, key=seeded.token)
    assert _overflow(dashboard) <= 0
    tops = {dashboard.page.locator(".kpi").nth(i).bounding_box()["y"] for i in range(6)}  # type: ignore[index]
    assert len(tops) == 1


def test_loading_then_empty_states(
    dashboard: Dashboard, seeded: Seeded, http: httpx.Client, output_dir: Path
) -> None:
    page = dashboard.page
    held: list[Route] = []
    released = False

    def hold(route: Route) -> None:
        if released:
            route.continue_()
        else:
            held.append(route)

    page.route("**/v1/metrics?*", hold)
    page.goto(
        f"{dashboard.base}/dashboard?start_date=2025-01-01&end_date=2025-03-31#key={seeded.token}"
    )
    deadline = time.monotonic() + 20
    while not held and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    assert held, "the overview request was not made"
    # While the answer is outstanding the cards and charts show they are loading.
    for selector in (".kpis", "#mrr-panel", "#sales-panel"):
        assert page.locator(selector).get_attribute("aria-busy") == "true", selector
    assert page.locator("body").get_attribute("data-state") == "loading"
    page.screenshot(path=str(output_dir / "loading.png"))
    released = True
    for route in held:
        route.continue_()
    dashboard.wait_ready()
    for selector in (".kpis", "#mrr-panel", "#sales-panel", "#cohort-panel", "#activity-panel"):
        assert page.locator(selector).get_attribute("aria-busy") == "false", selector
    # A quarter before any data: every panel says so instead of drawing nothing.
    for panel in (
        "#mrr-panel",
        "#sales-panel",
        "#cohort-panel",
        "#activity-panel",
        "#partner-panel",
    ):
        assert page.locator(f"{panel} .empty").first.is_visible(), panel
    assert page.locator("#mrr-panel .chart-box").is_hidden()
    assert page.locator('.kpi[data-metric="mrr"] .value').inner_text() == "$0.00"
    page.screenshot(path=str(output_dir / "empty.png"), full_page=True)
    assert dashboard.errors() == []


def test_an_api_error_stays_in_its_panel(dashboard: Dashboard, seeded: Seeded) -> None:
    """A range the API refuses for one panel (over 1,000 daily buckets) is reported there."""
    dashboard.open(
        {"start_date": "2020-01-01", "end_date": seed.END, "interval": "day"}, key=seeded.token
    )
    page = dashboard.page
    error = page.locator("#mrr-panel .panel-error")
    assert "at most 1000" in error.inner_text()
    # The partner view falls back to the page's interval instead of failing.
    assert page.locator("#partner-panel .panel-error").count() == 0
    assert page.locator("#cohort-panel .panel-error").count() == 0
    assert dashboard.errors(allowed=r"status of 400") == []


def test_the_ranking_failing_leaves_the_calls_chart(dashboard: Dashboard, seeded: Seeded) -> None:
    body = '{"error": {"code": "unknown_metric", "message": "unknown metric \'call_accounts\'"}}'
    dashboard.page.route(
        "**/v1/metrics/call_accounts?*",
        lambda route: route.fulfill(status=404, body=body, content_type="application/json"),
    )
    dashboard.open(PARAMS, key=seeded.token)
    page = dashboard.page
    assert page.locator("#partner-panel .chart-box").is_visible()
    assert sum(dashboard.series("calls-chart")["outbound_calls"]) == 4
    note = page.locator("#partner-panel .accounts-empty")
    assert note.inner_text() == "Top accounts unavailable: unknown metric 'call_accounts'"
    assert page.locator("#partner-panel .panel-error").count() == 0
    assert dashboard.errors(allowed=r"status of 404") == []
