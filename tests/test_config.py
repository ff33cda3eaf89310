"""Settings: a configured signing key that is too short is refused before anything serves."""

from __future__ import annotations

import pytest

from billstats.config import ConfigError, Settings


def test_short_secret_key_is_refused() -> None:
    with pytest.raises(ConfigError, match="at least 32 characters"):
        Settings(database_url="sqlite://", secret_key="x" * 31)
    assert Settings(database_url="sqlite://", secret_key="x" * 32).secret_key == "x" * 32


def test_env_without_secret_key_means_generated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BILLSTATS_SECRET_KEY", raising=False)
    assert Settings.from_env().secret_key is None


def test_threads_default_to_the_cpus_and_refuse_negatives(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("os.cpu_count", lambda: 8)
    assert Settings(database_url="sqlite://").request_threads == 8
    monkeypatch.setattr("os.cpu_count", lambda: 1)
    assert Settings(database_url="sqlite://").request_threads == 2
    assert Settings(database_url="sqlite://", threads=3).request_threads == 3
    monkeypatch.setenv("BILLSTATS_THREADS", "5")
    assert Settings.from_env().request_threads == 5
    with pytest.raises(ConfigError, match="BILLSTATS_THREADS"):
        Settings(database_url="sqlite://", threads=-1)
