"""Native ``trials`` and ``subscriptions``: a trial contributes nothing until it converts
(hand-computed, both databases, records ingested through the API)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import httpx
import pytest
from sqlalchemy import Engine

from tests.conftest import TenantCtx
from tests.metrics.test_mrr_support import Ledger
from tests.metrics.test_native_mrr_support import Check, Query, d, r, verify

TRIALS = ("trials", "trials_started", "trials_converted", "trial_conversion_rate")
Z = d("0")


def _trials(ledger: Ledger) -> None:
    ledger.plan("pro", "50.00").plan("basic", "30.00")
    # s1: one record, trial until Mar 15, then active: converts on Mar 15.
    ledger.sub("s1", "c1", "pro", "active", "2025-03-01T00:00:00Z",
               trial_ends_at="2025-03-15T00:00:00Z")  # fmt: skip
    # s2: trial until Mar 17, cancelled during it on Mar 10: ends without converting.
    trial2 = {"trial_ends_at": "2025-03-17T00:00:00Z"}
    ledger.sub("s2", "c2", "pro", "trialing", "2025-03-03T00:00:00Z", **trial2)
    ledger.sub("s2", "c2", "pro", "cancelled", "2025-03-03T00:00:00Z", "2025-03-10T00:00:00Z",
               cancelled_at="2025-03-10T00:00:00Z", ended_at="2025-03-10T00:00:00Z",
               **trial2)  # fmt: skip
    # s3: trialing from Mar 20 with a plan change during the trial (one trial), converts Apr 3.
    trial3 = {"trial_ends_at": "2025-04-03T00:00:00Z"}
    ledger.sub("s3", "c3", "pro", "trialing", "2025-03-20T00:00:00Z", **trial3)
    ledger.sub("s3", "c3", "basic", "trialing", "2025-03-20T00:00:00Z", "2025-03-25T00:00:00Z",
               **trial3)  # fmt: skip
    ledger.sub("s3", "c3", "basic", "active", "2025-03-20T00:00:00Z", "2025-04-03T00:00:00Z",
               **trial3)  # fmt: skip
    # s4: no trial.
    ledger.sub("s4", "c4", "basic", "active", "2025-03-05T00:00:00Z")
    # s5: a trial that converts to a free plan (MRR 0): ends, not converted to paid.
    ledger.plan("free", "0.00")
    ledger.sub("s5", "c5", "free", "active", "2025-04-01T00:00:00Z",
               trial_ends_at="2025-04-10T00:00:00Z")  # fmt: skip


CHECKS = [
    Check(
        Query(date(2025, 3, 1), date(2025, 4, 30), "month"),
        ("trials", "subscriptions", "mrr"),
        (*TRIALS, "subscriptions", "mrr", "new_business"),
        {
            # Trialing at Mar 31: s3.  Started: s1, s2, s3.  Ended: s1 (converted), s2: 1/2.
            # Active: s1, s4; MRR 50 + 30 (s2 and s3 add nothing while trialing).
            "2025-03-01": (1, 3, 1, r("0.5"), 2, d("80"), d("80")),
            # Ended: s3 (converted) and s5 (into a free plan: not paid): 1/2.  Started: s5.
            # Active: s1, s3, s4, s5 (free, MRR 0); MRR 110, c3 new 30.
            "2025-04-01": (0, 1, 1, r("0.5"), 4, d("110"), d("30")),
        },
    ),
    Check(
        Query(date(2025, 3, 14), date(2025, 3, 15)),
        ("trials", "mrr"),
        (*TRIALS, "mrr", "new_business"),
        {
            "2025-03-14": (1, 0, 0, None, d("30"), Z),  # s1 trialing; nothing ended
            "2025-03-15": (0, 0, 1, r("1"), d("80"), d("50")),  # s1 converts: +50
        },
    ),
    # Under plan basic: s3 enters it mid-trial on Mar 25 (a trial start under this filter).
    Check(
        Query(date(2025, 3, 1), date(2025, 4, 30), "month", plan_id="basic"),
        ("trials", "subscriptions"),
        (*TRIALS, "subscriptions"),
        {"2025-03-01": (1, 1, 0, None, 1), "2025-04-01": (0, 0, 1, r("1"), 2)},
    ),
    # Seen on Apr 2 at noon: s3 is still trialing, and April holds no conversion yet.
    Check(
        Query(date(2025, 3, 1), date(2025, 4, 30), "month",
              now=datetime(2025, 4, 2, 12, 0, tzinfo=UTC)),
        ("trials", "subscriptions"),
        (*TRIALS, "subscriptions"),
        {"2025-03-01": (1, 3, 1, r("0.5"), 2), "2025-04-01": (2, 1, 0, None, 2)},
    ),
]  # fmt: skip


@pytest.mark.parametrize("index", range(len(CHECKS)))
def test_trials(index: int, api: httpx.Client, tenant: TenantCtx, engine: Engine) -> None:
    ledger = Ledger()
    _trials(ledger)
    ledger.ingest(api)
    verify(engine, tenant, CHECKS[index])
