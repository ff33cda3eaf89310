#!/usr/bin/env bash
# Install what is needed, then create the demo tenant and serve it: bash scripts/demo.sh [--scale N]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec .venv/bin/billstats demo "$@"
