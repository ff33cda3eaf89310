"""billstats.metrics.overview as of chosen instants: the hand-computed account of
``tests/surfaces/devkit/scenario.py`` (its docstring lists every record)."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
import pytest
from sqlalchemy import Engine

from billstats.db.dialect import read_transaction
from billstats.metrics.overview import Overview, overview
from billstats.tenants.schemas import Tenant
from tests.conftest import TenantCtx, make_tenant
from tests.surfaces.devkit import scenario
from tests.surfaces.devkit.conftest import load

TINY = timedelta(microseconds=1)


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _o(subs: int, active: int, pays: int, ok: int, cents: int) -> Overview:
    """Products never change: 4 products, 3 configured, 2 with test, 1 with live credentials."""
    return Overview(4, 3, 2, 1, subs, active, pays, ok, cents, "USD")


CASES = [
    # Jan 31 noon: 11 subscriptions exist (all but sub-future; sub-test-trial started Jan 25);
    # active or trialing: active, trial, test-active, test-trial, scheduled-cancel,
    # test-scheduled, was-active (cancelled only from Feb 10) and tie (paused and active again
    # at Jan 20, the later version wins) = 8.  Payments so far: usd-ok, usd-failed,
    # usd-pending, refunded, test-usd, test-failed = 6; succeeded 100 + 40 + 30 = 170.00.
    ("2025-01-31T12:00:00Z", True, _o(11, 8, 6, 3, 17000)),
    # Same instant, live only: active, trial, pastdue, cancelled, scheduled-cancel, was-active,
    # tie = 7, of which 5 active; payments 4 live, 2 succeeded, 140.00.
    ("2025-01-31T12:00:00Z", False, _o(7, 5, 4, 2, 14000)),
    # sub-tie at the very instant of its two versions: the later one (active).
    (scenario.TIE_AT, False, _o(7, 5, 4, 2, 14000)),
    # The instant pay-eur-edge is created counts it: EUR 10 at Jan 31's 1.10 = 11.00.
    (scenario.EUR_EDGE_AT, False, _o(7, 5, 5, 3, 15100)),
    ("2025-02-01T04:29:59.999999Z", False, _o(7, 5, 4, 2, 14000)),
    # Just before sub-was-active's cancellation: still active.  Payments add eur-edge, test-eur
    # (6.50) and cad x3 (0.02175): all 11, succeeded 8, 187.52175 -> 18752.
    ("2025-02-09T23:59:59.999999Z", True, _o(11, 8, 11, 8, 18752)),
    # At the cancellation instant it is cancelled.
    (scenario.WAS_ACTIVE_CANCEL, True, _o(11, 7, 11, 8, 18752)),
    # Live only, same instant: 7 subscriptions, 4 active; live payments usd-ok, usd-failed,
    # usd-pending, refunded, eur-edge, cad x3 = 8, succeeded 6, 151.02175 -> 15102.
    (scenario.WAS_ACTIVE_CANCEL, False, _o(7, 4, 8, 6, 15102)),
    # Mid 2026: pay-eur-failed (Mar 1 2025) adds a payment, not revenue.
    ("2026-06-01T00:00:00Z", True, _o(11, 7, 12, 8, 18752)),
    ("2026-06-01T00:00:00Z", False, _o(7, 4, 9, 6, 15102)),
    # The moment before the scheduled cancellations (scheduled-cancel and tie), then at them.
    ("2198-12-31T23:59:59.999999Z", False, _o(7, 4, 9, 6, 15102)),
    # At 2199-01-01: only active and trial remain active; pay-future (USD 1000) exists.
    (scenario.SCHEDULED_CANCEL, False, _o(7, 2, 10, 7, 115102)),
    # sub-future starts (exists, active) at 2199-06-01.
    (scenario.FUTURE_START, True, _o(12, 5, 13, 9, 118752)),
    (scenario.FUTURE_START, False, _o(8, 3, 10, 7, 115102)),
]


@pytest.fixture
def scenario_tenant(engine: Engine, http: httpx.Client) -> Tenant:
    ctx: TenantCtx = make_tenant(engine, timezone="America/New_York")
    load(http, ctx, scenario.LINES, scenario.CHANGES)
    return Tenant(ctx.id, ctx.name, ctx.timezone, ctx.currency)


def test_overview_as_of(engine: Engine, scenario_tenant: Tenant) -> None:
    """One tenant, many instants (one load: the table is the test)."""
    with read_transaction(engine) as conn:
        got = [
            (
                at,
                include_test,
                overview(conn, scenario_tenant, include_test=include_test, now=_at(at)),
            )
            for at, include_test, _ in CASES
        ]
    assert got == [(at, include_test, expected) for at, include_test, expected in CASES]


def test_before_anything(engine: Engine, scenario_tenant: Tenant) -> None:
    with read_transaction(engine) as conn:
        got = overview(conn, scenario_tenant, include_test=True, now=_at(scenario.START) - TINY)
    assert got == _o(0, 0, 0, 0, 0)


def test_subscription_exists_from_its_start(engine: Engine, scenario_tenant: Tenant) -> None:
    with read_transaction(engine) as conn:
        at_start = overview(conn, scenario_tenant, include_test=True, now=_at(scenario.START))
    # Everything but sub-test-trial (Jan 25) and sub-future; active: active, trial,
    # test-active, scheduled-cancel, test-scheduled, was-active, tie = 7; no payment yet.
    assert at_start == _o(10, 7, 0, 0, 0)


def test_other_tenants_data_is_invisible(engine: Engine, scenario_tenant: Tenant) -> None:
    other = make_tenant(engine, timezone="America/New_York", currency="EUR")
    empty = Tenant(other.id, other.name, other.timezone, other.currency)
    with read_transaction(engine) as conn:
        got = overview(conn, empty, include_test=True, now=_at(scenario.FUTURE_START))
    assert got == Overview(0, 0, 0, 0, 0, 0, 0, 0, 0, "EUR")
