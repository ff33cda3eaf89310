#!/usr/bin/env bash
# Install what is needed, then run lint, type checks and the whole test suite on SQLite and
# PostgreSQL.  PostgreSQL: BILLSTATS_TEST_PG_URL (default postgresql://postgres@127.0.0.1:5432/postgres);
# a throwaway database is created per run.  With CI=true an unreachable PostgreSQL fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
# The dashboard's browser tests drive Debian's Chromium (no browser download from Playwright).
if ! command -v chromium >/dev/null 2>&1; then
  SUDO=""
  if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq chromium >/dev/null
fi
.venv/bin/ruff check src tests bench
.venv/bin/mypy
exec .venv/bin/python -m pytest -n 2 "$@"
