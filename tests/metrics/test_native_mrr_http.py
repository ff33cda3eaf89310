"""The native MRR metrics through the real HTTP stack (``GET /v1/metrics[/{metric}]``, a key
with only ``analytics:read``, a frozen server clock): exact JSON bodies, hand-computed, on both
databases."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from billstats.auth.service import create_key
from billstats.db.dialect import write_transaction
from tests.conftest import Frozen, TenantCtx, make_tenant
from tests.metrics.test_mrr_support import Ledger
from tests.metrics.test_native_mrr_fx import _two_currencies, rates
from tests.metrics.test_native_mrr_scenarios import _lifecycle
from tests.metrics.test_native_trials_scenarios import _trials

Ask = Callable[..., httpx.Response]


@pytest.fixture
def asker(frozen: Frozen, engine: Engine) -> Iterator[Callable[..., tuple[TenantCtx, Ask]]]:
    """Ingest a ledger into a fresh tenant (admin key), then ask as a read-only key at ``now``."""
    clients: list[httpx.Client] = []

    def make(build: Callable[[Ledger], None], now: datetime) -> tuple[TenantCtx, Ask]:
        tenant = make_tenant(engine)
        client = httpx.Client(base_url=frozen.url, timeout=60)
        clients.append(client)
        ledger = Ledger()
        build(ledger)
        client.headers.update(tenant.headers)
        ledger.ingest(client)
        with write_transaction(engine) as conn:
            key = create_key(conn, tenant.id, ["analytics:read"])
        headers = {"Authorization": f"Bearer {key['token']}"}
        frozen.clock.now = now

        def ask(path: str, **params: str) -> httpx.Response:
            return client.get(path, params=params, headers=headers)

        return tenant, ask

    yield make
    for client in clients:
        client.close()


def ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def money_row(day: str, mrr: str, **moves: str) -> dict[str, Any]:
    kinds = ("new_business", "expansion", "contraction", "churn", "reactivation", "fx_impact")
    return {"date": day, "mrr": mrr, **{k: moves.get(k, "0.00") for k in kinds}}


SPRING = {"start_date": "2025-03-01", "end_date": "2025-05-31", "interval": "month"}


def test_mrr_body(asker: Callable[..., tuple[TenantCtx, Ask]]) -> None:
    """The lifecycle story (test_native_mrr_scenarios): c2 pays 100 from February; c1 takes 50,
    a second 30, cancels it, cancels the last, comes back with 40.  Summary: the close of May 31
    (140) against the close of Feb 28, the end of the 92 days before (100): +40.00%."""
    _, ask = asker(_lifecycle, datetime(2025, 6, 15, 12, 0, tzinfo=UTC))
    assert ok(ask("/v1/metrics/mrr", **SPRING)) == {
        "metric": "mrr",
        "currency": "USD",
        "interval": "month",
        "start_date": "2025-03-01",
        "end_date": "2025-05-31",
        "entries": [
            money_row("2025-03-01", "150.00", new_business="50.00", expansion="30.00",
                      contraction="30.00"),
            money_row("2025-04-01", "100.00", churn="50.00"),
            money_row("2025-05-01", "140.00", reactivation="40.00"),
        ],
        "summary": {"current": "140.00", "previous": "100.00", "percentage_change": "40.00"},
    }  # fmt: skip


def test_several_metrics(asker: Callable[..., tuple[TenantCtx, Ask]]) -> None:
    _, ask = asker(_lifecycle, datetime(2025, 6, 15, 12, 0, tzinfo=UTC))
    names = "customers,arpa,customer_churn_rate,nrr,quick_ratio,arr"
    body = ok(ask("/v1/metrics", metrics=names, **SPRING))
    assert body["metrics"] == names.split(",")
    assert body["entries"] == [
        {"date": "2025-03-01", "customers": 2, "new_customers": 1, "churned_customers": 0,
         "arpa": "75.00", "customer_churn_rate": "0.000000", "nrr": "1.000000",
         "quick_ratio": "2.666667", "arr": "1800.00"},
        {"date": "2025-04-01", "customers": 1, "new_customers": 0, "churned_customers": 1,
         "arpa": "100.00", "customer_churn_rate": "0.500000", "nrr": "0.666667",
         "quick_ratio": "0.000000", "arr": "1200.00"},
        {"date": "2025-05-01", "customers": 2, "new_customers": 0, "churned_customers": 0,
         "arpa": "70.00", "customer_churn_rate": "0.000000", "nrr": "1.400000",
         "quick_ratio": None, "arr": "1680.00"},
    ]  # fmt: skip
    # Whole range: c1 churned (1 of the 1 paying on Feb 28); net churn (80 - 70)/100 = 0.1;
    # quick (50 + 30 + 40)/80.  The 92 days before started with nobody paying: no ratio.
    assert body["summary"] == {
        "customers": {"current": 2, "previous": 1, "percentage_change": "100.00"},
        "arpa": {"current": "70.00", "previous": "100.00", "percentage_change": "-30.00"},
        "customer_churn_rate": {"current": "1.000000", "previous": None,
                                "percentage_change": None},
        "nrr": {"current": "0.900000", "previous": None, "percentage_change": None},
        "quick_ratio": {"current": "1.500000", "previous": None, "percentage_change": None},
        "arr": {"current": "1680.00", "previous": "1200.00", "percentage_change": "40.00"},
    }  # fmt: skip


def test_two_currencies(asker: Callable[..., tuple[TenantCtx, Ask]]) -> None:
    """See test_native_mrr_fx: converted, fx_impact 30 and 20; EUR only: no conversion."""
    _, ask = asker(_two_currencies, datetime(2025, 5, 1, tzinfo=UTC))
    spring = {"start_date": "2025-03-01", "end_date": "2025-04-30", "interval": "month"}
    body = ok(ask("/v1/metrics/mrr", **spring))
    assert body["currency"] == "USD"
    assert body["entries"] == [
        money_row("2025-03-01", "350.00", new_business="160.00", expansion="50.00",
                  fx_impact="30.00"),
        money_row("2025-04-01", "490.00", expansion="120.00", fx_impact="20.00"),
    ]  # fmt: skip
    # Previous range Dec 30 - Feb 28: 100 EUR x 1.10 = 110; (490 - 110)/110 = 345.45%.
    assert body["summary"] == {
        "current": "490.00",
        "previous": "110.00",
        "percentage_change": "345.45",
    }
    eur = ok(ask("/v1/metrics/mrr", currency="EUR", **spring))
    assert eur["currency"] == "EUR"
    assert eur["entries"] == [
        money_row("2025-03-01", "200.00", new_business="100.00"),
        money_row("2025-04-01", "300.00", expansion="100.00"),
    ]
    assert eur["summary"] == {
        "current": "300.00",
        "previous": "100.00",
        "percentage_change": "200.00",
    }


def test_trials(asker: Callable[..., tuple[TenantCtx, Ask]]) -> None:
    """See test_native_trials_scenarios."""
    _, ask = asker(_trials, datetime(2025, 5, 1, tzinfo=UTC))
    body = ok(ask("/v1/metrics", metrics="trials,subscriptions", start_date="2025-03-01",
                  end_date="2025-04-30", interval="month"))  # fmt: skip
    assert body["entries"] == [
        {"date": "2025-03-01", "trials": 1, "trials_started": 3, "trials_converted": 1,
         "trial_conversion_rate": "0.500000", "subscriptions": 2},
        {"date": "2025-04-01", "trials": 0, "trials_started": 1, "trials_converted": 1,
         "trial_conversion_rate": "0.500000", "subscriptions": 4},
    ]  # fmt: skip
    assert body["summary"]["trials"] == {
        "current": 0,
        "previous": 0,
        "percentage_change": None,
    }


def test_missing_rate_is_422(asker: Callable[..., tuple[TenantCtx, Ask]]) -> None:
    def build(ledger: Ledger) -> None:
        ledger.plan("eur100", "100.00", currency="EUR")
        rates(ledger, {"2025-03-01": "1.20"})
        ledger.sub("s1", "c1", "eur100", "active", "2025-03-02T00:00:00Z")

    _, ask = asker(build, datetime(2025, 5, 1, tzinfo=UTC))
    response = ask("/v1/metrics/mrr", start_date="2025-03-01", end_date="2025-03-31",
                   interval="month")  # fmt: skip
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "missing_fx_rate"
    assert "EUR on 2025-03-31" in error["message"]


def test_tenants_are_isolated(asker: Callable[..., tuple[TenantCtx, Ask]]) -> None:
    """Two tenants with the same ids (customers, plans, subscriptions, rates): each key sees
    only its own tenant's MRR, customers and rates."""

    def other(ledger: Ledger) -> None:
        ledger.plan("p50", "999.00", currency="EUR")  # same plan id, another price and currency
        rates(ledger, {"2025-02-28": "9.99"})
        ledger.sub("s1", "c1", "p50", "active", "2025-02-01T10:00:00Z")
        ledger.sub("s9", "c9", "p50", "active", "2025-03-15T10:00:00Z")

    now = datetime(2025, 6, 15, 12, 0, tzinfo=UTC)
    _, ask_other = asker(other, now)
    _, ask = asker(_lifecycle, now)
    body = ok(ask("/v1/metrics", metrics="mrr,customers", **SPRING))
    assert [e["mrr"] for e in body["entries"]] == ["150.00", "100.00", "140.00"]
    assert [e["customers"] for e in body["entries"]] == [2, 1, 2]
    # The other tenant (EUR plan, no rate after Feb 28 within 7 days): its own data only,
    # natively in EUR: 999 from February, +999 on Mar 15.
    eur = ok(ask_other("/v1/metrics/mrr", currency="EUR", **SPRING))
    assert [e["mrr"] for e in eur["entries"]] == ["1998.00", "1998.00", "1998.00"]
    assert ask_other("/v1/metrics/mrr", **SPRING).status_code == 422  # its rates, not ours
