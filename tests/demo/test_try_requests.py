"""Every request ``billstats demo`` prints works, run by bash and curl against a live server."""

from __future__ import annotations

import json
import subprocess
import uuid
from typing import Any

import pytest
from typer.testing import CliRunner

from billstats.cli.main import app
from billstats.config import Settings
from tests.conftest import LiveServer

# History ending today (the default anchor), as a user runs it: exchange rates reach today.
ARGS = ["--customers", "12", "--call-records", "150", "--scale", "0.05", "--seed", "3"]


def _run(command: str) -> Any:
    done = subprocess.run(
        ["bash", "-c", command + " --silent --show-error --fail-with-body"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, (command, done.stdout, done.stderr)
    return json.loads(done.stdout)


def test_demo_prints_a_working_request_for_every_endpoint(
    monkeypatch: pytest.MonkeyPatch, settings: Settings, live_server: LiveServer
) -> None:
    monkeypatch.setenv("BILLSTATS_DATABASE_URL", settings.database_url)
    name = f"demo-{uuid.uuid4().hex[:8]}"
    result = CliRunner().invoke(
        app,
        ["demo", "--no-serve", "--tenant-name", name, "--port", str(live_server.port), *ARGS],
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    requests = out["requests"]
    assert set(requests) == {"native", "pabbly", "devkit", "fynn", "portal", "vobiz"}
    assert out["partner"]["auth_id"].startswith("PA_") and len(out["partner"]["auth_id"]) == 11

    native = _run(requests["native"])
    assert len(native["data"]) == 5
    pabbly = _run(requests["pabbly"])
    assert pabbly["status"] == "success" and len(pabbly["data"]) == 23
    devkit = _run(requests["devkit"])
    assert devkit["total_projects"] == 3 and devkit["currency"] == "usd"
    fynn = _run(requests["fynn"])
    assert fynn["meta"]["pagination"]["itemsPerPage"] == 5
    portal = _run(requests["portal"])
    assert portal["quick_actions"]["has_active_subscription"] is True
    assert portal["next_billing"], "the portal customer has an active subscription"
    vobiz = _run(requests["vobiz"])
    assert vobiz["accounts"]["total"] == out["data"]["partner_accounts"]
    assert vobiz["calls"]["total_calls"] > 0
