"""The seed's own cURL examples, run by curl against the live server (base URL swapped)."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx
import pytest

from tests.conftest import LiveServer
from tests.surfaces.vobiz import scenario
from tests.surfaces.vobiz.conftest import DEMO_NOW, Credential, Demo, World
from tests.surfaces.vobiz.schema import assert_valid
from tests.surfaces.vobiz.seed_requests import (
    AUTH_ID_PLACEHOLDER,
    BASE_URL,
    CURL_EXAMPLES,
    TOKEN_PLACEHOLDER,
)

pytestmark = pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")


def run_curl(example: str, server: LiveServer, credential: Credential) -> Any:
    command = (
        example.replace(BASE_URL, server.url)
        .replace(AUTH_ID_PLACEHOLDER, credential.auth_id)
        .replace(TOKEN_PLACEHOLDER, credential.token)
    )
    done = subprocess.run(
        ["bash", "-c", command], capture_output=True, text=True, timeout=60, check=True
    )
    return json.loads(done.stdout)


@pytest.mark.parametrize("name", sorted(CURL_EXAMPLES))
def test_seed_examples_on_the_scenario(
    live_server: LiveServer, http: httpx.Client, world: World, name: str
) -> None:
    body = run_curl(CURL_EXAMPLES[name], live_server, world.p1)
    assert_valid(body)
    assert body["partner"]["auth_id"] == world.p1.auth_id
    assert body["total_balance"] == scenario.TOTAL_BALANCE
    if name == "analytics_custom":  # 2026-01-01 .. 2026-03-31: before the scenario's calls
        assert body["period"] == {"from": "2026-01-01", "to": "2026-03-31"}
        assert body["calls"] == scenario.roll(0, 0, 0, "0.00")
        assert body["time_series"] == []
    else:
        assert body["period"] == {"from": "2026-04-12", "to": "2026-05-12"}
        assert body["calls"] == scenario.DASHBOARD_CALLS
        assert body["traffic"] == scenario.DASHBOARD_TRAFFIC
        assert body["by_product"] == scenario.DASHBOARD_BY_PRODUCT
        assert body["time_series"] == scenario.DASHBOARD_SERIES


@pytest.mark.parametrize("name", sorted(CURL_EXAMPLES))
def test_seed_examples_on_the_demo(
    live_server: LiveServer,
    http: httpx.Client,
    demo: Demo,
    pin_clock: Callable[[datetime], None],
    name: str,
) -> None:
    pin_clock(DEMO_NOW)
    body = run_curl(CURL_EXAMPLES[name], live_server, demo.credential)
    assert_valid(body)
    assert body["calls"]["total_calls"] > 0
    calls = body["calls"]["total_calls"]
    assert sum(d["total_calls"] for d in body["time_series"]) == calls
    # the same answer as any other HTTP client gets
    path = "/api/v1/partner/dashboard" if name == "dashboard" else "/api/v1/partner/analytics"
    params = {"from_date": "2026-01-01", "to_date": "2026-03-31"} if name.endswith("custom") else {}
    assert http.get(path, headers=demo.credential.headers, params=params).json() == body


def test_a_wrong_token_with_the_seed_example(live_server: LiveServer, world: World) -> None:
    body = run_curl(CURL_EXAMPLES["dashboard"], live_server, Credential(world.p1.auth_id, "nope"))
    assert body["status"] == "error"
    assert body["error"]["code"] == "INVALID_CREDENTIALS"
