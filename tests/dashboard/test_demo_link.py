"""``billstats demo`` prints a link that signs the viewer in to the demo tenant's dashboard, and
the demo's dashboard shows every panel with data."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from typer.testing import CliRunner

from billstats.cli.main import app
from billstats.config import Settings
from tests.conftest import LiveServer
from tests.dashboard import expect
from tests.dashboard.conftest import Dashboard

SMALL = ["--customers", "12", "--call-records", "150", "--scale", "0.05", "--seed", "3"]


def _demo(monkeypatch: pytest.MonkeyPatch, settings: Settings, port: int, *args: str) -> Any:
    monkeypatch.setenv("BILLSTATS_DATABASE_URL", settings.database_url)
    name = f"demo-{uuid.uuid4().hex[:8]}"
    result = CliRunner().invoke(
        app, ["demo", "--tenant-name", name, "--port", str(port), *SMALL, *args]
    )
    assert result.exit_code == 0, result.output
    return name, result.stdout


def test_demo_link_opens_the_demo_dashboard_with_data(
    monkeypatch: pytest.MonkeyPatch,
    settings: Settings,
    live_server: LiveServer,
    dashboard: Dashboard,
    http: httpx.Client,
    output_dir: Path,
) -> None:
    name, stdout = _demo(monkeypatch, settings, live_server.port, "--no-serve")
    out = json.loads(stdout)
    link = out["dashboard"]["url"]
    base = f"http://127.0.0.1:{live_server.port}/dashboard#key="
    assert link.startswith(base)
    token = link.removeprefix(base)
    assert token.startswith(out["dashboard"]["key_id"] + ".") and token != out["token"]
    headers = {"Authorization": f"Bearer {token}"}
    # The link's key reads and nothing else: it may end up in a browser's history.
    assert http.get("/v1/tenant", headers=headers).json()["name"] == name
    denied = http.put("/v1/products/x", json={"name": "x"}, headers=headers)
    assert denied.status_code == 403

    page = dashboard.page
    page.goto(link)
    dashboard.wait_ready()
    assert page.locator("#tenant").inner_text().startswith(f"{name} · ")
    assert token not in page.url
    page.screenshot(path=str(output_dir / "demo-dashboard.png"), full_page=True)

    # The default view (last 12 months by month) shows the API's numbers in every panel.
    asked = dashboard.calls_to("/v1/metrics")[-1]
    assert asked["interval"] == ["month"]
    params = {k: v[0] for k, v in asked.items()}
    body = expect.api(http, headers, "/v1/metrics", **params)
    for metric, kind in expect.KPIS.items():
        value = page.locator(f'.kpi[data-metric="{metric}"] .value')
        assert value.inner_text() == expect.shown(kind, body["summary"][metric]["current"])
    assert body["summary"]["mrr"]["current"] not in (None, "0.00")
    assert dashboard.series("mrr-chart")["mrr"] == [e["mrr"] for e in body["entries"]]
    assert dashboard.series("sales-chart")["sales"] == [e["sales"] for e in body["entries"]]
    assert page.locator("#cohort-table tbody tr[data-cohort]").count() > 0
    assert page.locator("#activity-table tbody tr").count() > 0
    calls = dashboard.series("calls-chart")
    assert sum(calls["outbound_calls"]) + sum(calls["inbound_calls"]) > 0
    assert page.locator(".panel-error").count() == 0
    assert page.locator(".empty:visible").count() == 0
    assert dashboard.errors() == []


def test_demo_prints_the_link_before_serving(
    monkeypatch: pytest.MonkeyPatch, settings: Settings, live_server: LiveServer
) -> None:
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: None)
    _, stdout = _demo(monkeypatch, settings, live_server.port)
    found = re.search(r"^Dashboard \(signs you in\): (\S+)$", stdout, re.MULTILINE)
    assert found, stdout
    link = found.group(1)
    assert link.startswith(f"http://127.0.0.1:{live_server.port}/dashboard#key=bk_")
