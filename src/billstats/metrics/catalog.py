"""The one place listing the native metric modules: importing this registers every metric."""

from __future__ import annotations

from billstats.metrics import (
    native_call_accounts,
    native_churn,
    native_flows,
    native_invoices,
    native_mrr,
    native_trials,
    native_usage,
)
from billstats.metrics.registry import REGISTRY

MODULES = (
    native_mrr,
    native_churn,
    native_trials,
    native_flows,
    native_invoices,
    native_usage,
    native_call_accounts,
)

__all__ = ["MODULES", "REGISTRY"]
