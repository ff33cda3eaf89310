"""billstats.metrics.partner: rounding, the partner's currency, local days (DST, odd offsets),
the window's end at "now", and conversion of foreign amounts."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from billstats.db.dialect import read_transaction
from billstats.errors import NotFound
from billstats.metrics.partner import (
    Account,
    PartnerReport,
    Usage,
    minutes,
    partner_currency,
    partner_report,
    round_half_even,
)
from billstats.tenants.schemas import Tenant
from tests.conftest import TenantCtx, make_tenant

Line = tuple[str, dict[str, Any]]


def _load(http: httpx.Client, tenant: TenantCtx, lines: list[Line]) -> None:
    body = "\n".join(json.dumps({"kind": k, "data": d}) for k, d in lines).encode()
    response = http.post(
        "/v1/import",
        content=body,
        headers={**tenant.headers, "Content-Type": "application/x-ndjson"},
    )
    assert response.status_code == 200, response.text


def _partner(pid: str = "p") -> Line:
    return ("partners", {"id": pid, "name": pid, "slug": pid, "created_at": "2025-01-01T00:00:00Z"})


def _account(aid: str, currency: str | None, pid: str = "p") -> Line:
    data = {"id": aid, "name": aid, "partner_id": pid, "created_at": "2025-01-01T00:00:00Z"}
    return ("customers", {**data, "currency": currency} if currency else data)


def _call(cid: str, account: str, started: str, cost: str = "1", currency: str = "INR") -> Line:
    return (
        "call_records",
        {
            "id": cid,
            "account_id": account,
            "direction": "outbound",
            "product": "voice_api",
            "started_at": started,
            "duration_seconds": 60,
            "billed_seconds": 60,
            "answered": True,
            "cost": cost,
            "currency": currency,
        },
    )


def _report(
    engine: Engine, tenant: TenantCtx, first: date, last: date, now: datetime, pid: str = "p"
) -> PartnerReport:
    t = Tenant(tenant.id, tenant.name, tenant.timezone, tenant.currency)
    with read_transaction(engine) as conn:
        return partner_report(conn, t, pid, first, last, now)


def _days(report: PartnerReport) -> dict[str, int]:
    return {d.day.isoformat(): d.total.calls for d in report.days}


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        (Fraction(1, 20), 1, "0.0"),  # 0.05: the tie goes to the even digit
        (Fraction(3, 20), 1, "0.2"),  # 0.15
        (Fraction(1605, 1000), 2, "1.60"),
        (Fraction(1615, 1000), 2, "1.62"),
        (Fraction(-1605, 1000), 2, "-1.60"),
        (Fraction(1238154325, 10**6), 5, "1238.15432"),
        (Fraction(0), 5, "0.00000"),
        (Fraction(1, 3), 2, "0.33"),
        (Fraction(2, 3), 2, "0.67"),
    ],
)
def test_round_half_even(value: Fraction, places: int, expected: str) -> None:
    assert f"{round_half_even(value, places):f}" == expected


@pytest.mark.parametrize(
    ("seconds", "one_decimal", "whole"),
    [
        (0, "0.0", 0),
        (3, "0.0", 0),
        (9, "0.2", 0),
        (90, "1.5", 2),
        (93, "1.6", 2),
        (150, "2.5", 2),
        (227, "3.8", 4),
        (3600, "60.0", 60),
    ],
)
def test_minutes(seconds: int, one_decimal: str, whole: int) -> None:
    assert minutes(seconds) == Decimal(one_decimal)
    usage = Usage(billed_seconds=seconds)
    assert (f"{usage.minutes:f}", usage.whole_minutes) == (one_decimal, whole)


def _acct(currency: str | None) -> Account:
    return Account("a", "a", "a", None, None, currency, True, datetime(2025, 1, 1, tzinfo=UTC))


@pytest.mark.parametrize(
    ("currencies", "expected"),
    [
        (["INR", "INR"], "INR"),
        (["INR", None], "INR"),
        (["INR", "EUR"], "USD"),
        ([None], "USD"),
        ([], "USD"),
    ],
)
def test_partner_currency(currencies: list[str | None], expected: str) -> None:
    assert partner_currency([_acct(c) for c in currencies], "USD") == expected


def test_days_across_daylight_saving(engine: Engine, http: httpx.Client) -> None:
    tenant = make_tenant(engine, timezone="America/New_York")
    _load(
        http,
        tenant,
        [
            _partner(),
            _account("a", "INR"),
            _call("s1", "a", "2026-03-08T04:59:59Z"),  # 23:59:59 EST on 03-07
            _call("s2", "a", "2026-03-08T05:00:00Z"),  # 00:00 EST on 03-08 (a 23-hour day)
            _call("s3", "a", "2026-03-09T03:59:59Z"),  # 23:59:59 EDT on 03-08
            _call("s4", "a", "2026-03-09T04:00:00Z"),  # 00:00 EDT on 03-09
            _call("f1", "a", "2026-11-01T04:00:00Z"),  # 00:00 EDT on 11-01 (a 25-hour day)
            _call("f2", "a", "2026-11-01T05:30:00Z"),  # 01:30 EDT
            _call("f3", "a", "2026-11-01T06:30:00Z"),  # 01:30 EST, the hour again
            _call("f4", "a", "2026-11-02T04:59:59Z"),  # 23:59:59 EST on 11-01
            _call("f5", "a", "2026-11-02T05:00:00Z"),  # 00:00 EST on 11-02
        ],
    )
    now = datetime(2026, 12, 1, tzinfo=UTC)
    spring = _report(engine, tenant, date(2026, 3, 7), date(2026, 3, 9), now)
    assert _days(spring) == {"2026-03-07": 1, "2026-03-08": 2, "2026-03-09": 1}
    autumn = _report(engine, tenant, date(2026, 11, 1), date(2026, 11, 1), now)
    assert _days(autumn) == {"2026-11-01": 4}
    year = _report(engine, tenant, date(2026, 1, 1), date(2026, 12, 31), now)
    assert year.total.calls == 9
    assert _days(year) == {
        "2026-03-07": 1,
        "2026-03-08": 2,
        "2026-03-09": 1,
        "2026-11-01": 4,
        "2026-11-02": 1,
    }


def test_a_zone_with_a_quarter_hour_offset(engine: Engine, http: httpx.Client) -> None:
    tenant = make_tenant(engine, timezone="Asia/Kathmandu")  # UTC+05:45
    _load(
        http,
        tenant,
        [
            _partner(),
            _account("a", "INR"),
            _call("k1", "a", "2026-05-01T18:14:59Z"),  # 23:59:59 on 05-01
            _call("k2", "a", "2026-05-01T18:15:00Z"),  # 00:00 on 05-02
        ],
    )
    report = _report(
        engine, tenant, date(2026, 5, 1), date(2026, 5, 2), datetime(2026, 6, 1, tzinfo=UTC)
    )
    assert _days(report) == {"2026-05-01": 1, "2026-05-02": 1}


def test_window_ends_at_now(engine: Engine, http: httpx.Client) -> None:
    tenant = make_tenant(engine)
    _load(
        http,
        tenant,
        [
            _partner(),
            _account("a", "INR"),
            _call("n1", "a", "2026-05-12T09:59:59Z", "2"),
            _call("n2", "a", "2026-05-12T10:00:00Z", "3"),  # at "now": not yet
            ("wallets", {"id": "w", "customer_id": "a", "currency": "INR"}),
            (
                "wallet_transactions",
                {"id": "t1", "wallet_id": "w", "amount": "5", "created_at": "2026-05-12T10:00:00Z"},
            ),
            (
                "wallet_transactions",
                {
                    "id": "t2",
                    "wallet_id": "w",
                    "amount": "7",
                    "created_at": "2026-05-12T10:00:00.000001Z",
                },
            ),
        ],
    )
    now = datetime(2026, 5, 12, 10, 0, tzinfo=UTC)
    report = _report(engine, tenant, date(2026, 5, 12), date(2026, 5, 12), now)
    assert (report.total.calls, report.total.cost_text, report.balance_text) == (
        1,
        "2.00",
        "5.00000",
    )
    later = _report(
        engine, tenant, date(2026, 5, 12), date(2026, 5, 12), datetime(2026, 5, 13, tzinfo=UTC)
    )
    assert (later.total.calls, later.total.cost_text, later.balance_text) == (2, "5.00", "12.00000")
    # a window entirely after now is empty
    ahead = _report(engine, tenant, date(2026, 5, 13), date(2026, 5, 20), now)
    assert ahead.total == Usage() and ahead.days == []


def test_mixed_currencies_report_in_the_reporting_currency(
    engine: Engine, http: httpx.Client
) -> None:
    tenant = make_tenant(engine, timezone="UTC", currency="USD")
    rates = [
        ("INR", "2026-05-01", "0.012"),
        ("EUR", "2026-05-01", "1.08"),
        ("INR", "2026-05-12", "0.0125"),
        ("EUR", "2026-05-12", "1.1"),
    ]
    _load(
        http,
        tenant,
        [
            *[("fx_rates", {"currency": c, "date": d, "rate": r}) for c, d, r in rates],
            _partner(),
            _account("i", "INR"),
            _account("e", "EUR"),
            _call("ci", "i", "2026-05-01T10:00:00Z", "100", "INR"),  # 1.20 USD
            _call("ce", "e", "2026-05-01T11:00:00Z", "10", "EUR"),  # 10.80 USD
            _call("cu", "e", "2026-05-01T12:00:00Z", "0.005", "USD"),  # no rate needed
            ("wallets", {"id": "wi", "customer_id": "i", "currency": "INR"}),
            ("wallets", {"id": "we", "customer_id": "e", "currency": "EUR"}),
            (
                "wallet_transactions",
                {
                    "id": "ti",
                    "wallet_id": "wi",
                    "amount": "1000",
                    "created_at": "2026-01-01T00:00:00Z",
                },
            ),
            (
                "wallet_transactions",
                {
                    "id": "te",
                    "wallet_id": "we",
                    "amount": "20",
                    "created_at": "2026-01-01T00:00:00Z",
                },
            ),
        ],
    )
    now = datetime(2026, 5, 12, 12, 0, tzinfo=UTC)
    report = _report(engine, tenant, date(2026, 5, 1), date(2026, 5, 1), now)
    assert report.currency == "USD"
    # 1.2 + 10.8 + 0.005 = 12.005 -> "12.00" (half-even)
    assert report.total.cost == Fraction(12005, 1000) * 10**6
    assert report.total.cost_text == "12.00"
    # balances at today's rates: 1000 * 0.0125 + 20 * 1.1 = 12.5 + 22
    assert report.balance_text == "34.50000"


def test_unknown_partner(engine: Engine) -> None:
    tenant = make_tenant(engine)
    with pytest.raises(NotFound):
        _report(
            engine, tenant, date(2026, 5, 1), date(2026, 5, 1), datetime(2026, 5, 2, tzinfo=UTC)
        )


def test_accounts_are_read_again_after_a_write(engine: Engine, http: httpx.Client) -> None:
    # The partner's accounts are kept per data revision: a new or changed account shows at once,
    # and another partner's accounts (same ids elsewhere) never do.
    tenant = make_tenant(engine)
    _load(http, tenant, [_partner(), _partner("q"), _account("a", "INR"), _account("z", None, "q")])
    window = (date(2026, 5, 1), date(2026, 5, 1), datetime(2026, 5, 2, tzinfo=UTC))
    assert [a.id for a in _report(engine, tenant, *window).accounts] == ["a"]
    renamed = {**_account("a", "INR")[1], "name": "renamed"}
    _load(http, tenant, [_account("b", "INR"), ("customers", renamed)])
    after = _report(engine, tenant, *window).accounts
    assert [(a.id, a.name) for a in after] == [("a", "renamed"), ("b", "b")]
    assert [a.id for a in _report(engine, tenant, *window, pid="q").accounts] == ["z"]
