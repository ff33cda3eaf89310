#!/usr/bin/env bash
# Install what is needed, then run lint, type checks and the whole test suite on SQLite and
# PostgreSQL.  PostgreSQL: BILLSTATS_TEST_PG_URL (default postgresql://postgres@127.0.0.1:5432/postgres);
# a throwaway database is created per run.  With CI=true an unreachable PostgreSQL fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
.venv/bin/ruff check src tests bench
.venv/bin/mypy
exec .venv/bin/python -m pytest -n 2 "$@"
