"""Settings from the environment (``BILLSTATS_*``)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "billstats"


def default_database_url() -> str:
    return f"sqlite:///{default_data_dir() / 'billstats.sqlite3'}"


MIN_SECRET_KEY_LENGTH = 32


class ConfigError(ValueError):
    """A setting that cannot work; raised when the settings are built, before serving."""


@dataclass(frozen=True)
class Settings:
    database_url: str
    # SQLite durability: NORMAL survives a crash of the process (what WAL guarantees for every
    # committed transaction); FULL also survives a power cut at some cost per commit.
    sqlite_synchronous: str = "NORMAL"
    max_body_bytes: int = 10 * 1024 * 1024  # a PUT body
    max_ndjson_line_bytes: int = 1024 * 1024
    # POST /v1/import: the body (spooled to disk, never held in memory) and its records.
    max_import_bytes: int = 1024 * 1024 * 1024
    max_import_records: int = 10_000_000
    import_chunk_size: int = 5000
    # Signs access tokens (OAuth2) and portal tokens.  None: a random key is generated on first
    # use and kept in the database (table server_secrets), so tokens survive restarts.
    secret_key: str | None = None
    # One JSON line per request on stderr (logger ``billstats.access``).  On for the served app
    # (``from_env``), off for apps built in tests unless asked for.
    log_requests: bool = False
    # Failed authentications allowed per client address and per credential id within a minute
    # before 429; 0 turns the limiter off (the default for apps built in tests).
    auth_failures_per_minute: int = 0
    # Threads running the blocking part of requests (and, apart, of bulk imports), per server
    # process; 0: as many as the machine has CPUs, at least 2 (billstats.web.threads).
    threads: int = 0

    def __post_init__(self) -> None:
        if self.auth_failures_per_minute < 0:
            raise ConfigError("BILLSTATS_AUTH_FAILURES_PER_MINUTE must be 0 (off) or more")
        if self.threads < 0:
            raise ConfigError("BILLSTATS_THREADS must be 0 (one per CPU) or more")
        if self.secret_key is not None and len(self.secret_key) < MIN_SECRET_KEY_LENGTH:
            raise ConfigError(
                f"BILLSTATS_SECRET_KEY must be at least {MIN_SECRET_KEY_LENGTH} characters"
            )

    @property
    def request_threads(self) -> int:
        return self.threads or max(2, os.cpu_count() or 1)

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            database_url=os.environ.get("BILLSTATS_DATABASE_URL") or default_database_url(),
            sqlite_synchronous=os.environ.get("BILLSTATS_SQLITE_SYNCHRONOUS", "NORMAL").upper(),
            secret_key=os.environ.get("BILLSTATS_SECRET_KEY") or None,
            auth_failures_per_minute=_int_env("BILLSTATS_AUTH_FAILURES_PER_MINUTE", 20),
            threads=_int_env("BILLSTATS_THREADS", 0),
            log_requests=os.environ.get("BILLSTATS_LOG_REQUESTS", "1").lower()
            not in ("0", "false", "no", "off"),
        )


def _int_env(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {value!r}") from None
