"""The CLI reports a setting that cannot work as a JSON error with exit code 2."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.cli.conftest import Run


def test_cli_reports_a_short_secret_key(
    monkeypatch: pytest.MonkeyPatch, billstats: Callable[..., Run]
) -> None:
    monkeypatch.setenv("BILLSTATS_SECRET_KEY", "too-short")
    run = billstats("migrate")
    assert run.exit_code == 2
    assert run.error() == {
        "code": "config_error",
        "message": "BILLSTATS_SECRET_KEY must be at least 32 characters",
    }
