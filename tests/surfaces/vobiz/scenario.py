"""A hand-computed partner ecosystem (tenant America/New_York, reporting USD; accounts in INR).

The clock stands at ``NOW`` = 2026-05-12 12:00 EDT, so the dashboard covers the local days
2026-04-12 .. 2026-05-12 (2026-04-12 04:00Z .. ``NOW``).  Expected values are worked out by hand
in the comments: minutes are billed seconds / 60 rounded half-even to one decimal, money is
rounded half-even once (cost 2 decimals, balance 5).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

NOW = datetime(2026, 5, 12, 16, 0, tzinfo=UTC)
TIMEZONE = "America/New_York"

Line = tuple[str, dict[str, Any]]

PARTNER = {
    "id": "p1",
    "name": "John Doe",
    "slug": "acme-partner",
    "company": "Acme Corp",
    "email": "admin@example.com",
    "phone": "+919876543210",
    "billing_model": "direct",
    "is_active": True,
    "is_verified": False,
    "max_accounts": 1000,
    "account_id": 500000,
    "can_create_accounts": True,
    "can_create_pricing_tiers": True,
    "can_view_cdrs": True,
    "can_transfer_balance": True,
    "default_pricing_tier_id": "tier-inr-standard",
    "created_at": "2026-01-19T18:39:14.529435Z",
    "updated_at": "2026-05-11T19:01:06.283235+05:30",
}
# Only the required fields: the vendor's non-nullable fields get "" / 0.
OTHER_PARTNER = {
    "id": "p2",
    "name": "Beta Reseller",
    "slug": "beta",
    "created_at": "2026-01-01T00:00:00Z",
}


def _customer(cid: str, auth_id: str, name: str, created: str, **extra: Any) -> Line:
    data = {"id": cid, "auth_id": auth_id, "name": name, "created_at": created, **extra}
    return ("customers", data)


CUSTOMERS: list[Line] = [
    _customer(
        "a1",
        "MA_AAAAAAA1",
        "John Doe",
        "2026-02-06T12:20:07.722963+05:30",
        email="john@example.com",
        phone="+919876543210",
        currency="INR",
        partner_id="p1",
    ),
    _customer(
        "a2",
        "MA_AAAAAAA2",
        "Acme Corp",
        "2026-02-09T09:34:48.330015Z",
        email="admin@example.com",
        phone="+919876543211",
        currency="INR",
        partner_id="p1",
    ),
    # Inactive, without email and phone; its calls still count.
    _customer(
        "a3",
        "MA_AAAAAAA3",
        "Gone Ltd",
        "2026-03-01T00:00:00Z",
        currency="INR",
        is_active=False,
        partner_id="p1",
    ),
    _customer("b1", "MA_BBBBBBB1", "Beta Client", "2026-02-01T00:00:00Z", partner_id="p2"),
    _customer("c1", "MA_CCCCCCC1", "Direct Customer", "2026-02-01T00:00:00Z"),
]

WALLETS: list[Line] = [
    ("wallets", {"id": "w1", "customer_id": "a1", "currency": "INR", "status": "active"}),
    ("wallets", {"id": "w2", "customer_id": "a2", "currency": "INR", "status": "active"}),
    ("wallets", {"id": "w4", "customer_id": "a2", "currency": "INR", "status": "active"}),
    ("wallets", {"id": "w3", "customer_id": "a3", "currency": "INR", "status": "terminated"}),
    ("wallets", {"id": "wb", "customer_id": "b1", "currency": "USD", "status": "active"}),
    ("wallets", {"id": "wc", "customer_id": "c1", "currency": "INR", "status": "active"}),
]


def _txn(tid: str, wallet: str, amount: str, at: str) -> Line:
    return (
        "wallet_transactions",
        {"id": tid, "wallet_id": wallet, "amount": amount, "created_at": at},
    )


WALLET_TRANSACTIONS: list[Line] = [
    _txn("t1", "w1", "1000", "2026-02-06T12:00:00Z"),
    _txn("t2", "w1", "-12.345678", "2026-04-20T10:00:00Z"),
    _txn("t3", "w1", "500", "2026-05-12T16:00:01Z"),  # after NOW: not yet in the balance
    _txn("t4", "w2", "250.5", "2026-03-01T00:00:00Z"),
    _txn("t5", "w4", "0.000003", "2026-05-12T16:00:00Z"),  # at NOW: in the balance
    _txn("t6", "w3", "999", "2026-03-01T00:00:00Z"),  # terminated wallet
    _txn("t7", "wb", "777", "2026-03-01T00:00:00Z"),  # another partner's account
    _txn("t8", "wc", "888", "2026-03-01T00:00:00Z"),  # no partner
]
# 1000 - 12.345678 + 250.5 + 0.000003 = 1238.154325: a tie at the sixth decimal, half-even
# keeps the even fifth digit.
TOTAL_BALANCE = "1238.15432"


def _call(
    cid: str,
    account: str,
    direction: str,
    product: str,
    started: str,
    billed: int,
    cost: str,
    *,
    answered: bool = True,
    currency: str = "INR",
) -> Line:
    return (
        "call_records",
        {
            "id": cid,
            "account_id": account,
            "direction": direction,
            "product": product,
            "started_at": started,
            "duration_seconds": max(0, billed - 5),
            "billed_seconds": billed,
            "answered": answered,
            "cost": cost,
            "currency": currency,
        },
    )


CALLS: list[Line] = [
    # 00:00 EDT 2026-04-12, the window's first instant.
    _call("c1", "a1", "outbound", "voice_api", "2026-04-12T04:00:00Z", 125, "1.25"),
    _call("c2", "a1", "inbound", "voice_api", "2026-04-12T20:00:00Z", 0, "0", answered=False),
    # 23:30 EDT on 2026-04-19 (UTC already 04-20).
    _call("c3", "a2", "inbound", "sip_trunking", "2026-04-20T03:30:00Z", 90, "0.333333"),
    _call("c4", "a3", "outbound", "sip_trunking", "2026-04-25T12:00:00Z", 3, "0.001667"),
    # 23:30 EDT on 2026-05-11 (UTC 05-12).
    _call("c5", "a2", "outbound", "voice_api", "2026-05-12T03:30:00Z", 9, "0.01"),
    # A second before NOW; unanswered with a connection charge.
    _call(
        "c6", "a1", "outbound", "sip_trunking", "2026-05-12T15:59:59Z", 0, "0.01", answered=False
    ),
    # Not counted: 23:30 EDT on 2026-04-11 (the day before the window) ...
    _call("x1", "a1", "outbound", "voice_api", "2026-04-12T03:30:00Z", 60, "9"),
    # ... at NOW (the window ends at the request) ...
    _call("x2", "a1", "outbound", "voice_api", "2026-05-12T16:00:00Z", 60, "7"),
    # ... another partner's account, and a customer of no partner.
    _call("x3", "b1", "outbound", "voice_api", "2026-04-30T12:00:00Z", 600, "100", currency="USD"),
    _call("x4", "c1", "inbound", "voice_api", "2026-04-30T12:00:00Z", 600, "50"),
]

LINES: list[Line] = [
    ("partners", PARTNER),
    ("partners", OTHER_PARTNER),
    *CUSTOMERS,
    *WALLETS,
    *WALLET_TRANSACTIONS,
    *CALLS,
]

EXPECTED_CUSTOMERS = [
    {
        "auth_id": "MA_AAAAAAA1",
        "name": "John Doe",
        "email": "john@example.com",
        "phone": "+919876543210",
        "is_active": True,
        "created_at": "2026-02-06T06:50:07.722963+00:00",
    },
    {
        "auth_id": "MA_AAAAAAA2",
        "name": "Acme Corp",
        "email": "admin@example.com",
        "phone": "+919876543211",
        "is_active": True,
        "created_at": "2026-02-09T09:34:48.330015+00:00",
    },
    {
        "auth_id": "MA_AAAAAAA3",
        "name": "Gone Ltd",
        "email": "",
        "phone": "",
        "is_active": False,
        "created_at": "2026-03-01T00:00:00.000000+00:00",
    },
]


def roll(calls: int, answered: int, minutes: float | int, cost: str) -> dict[str, Any]:
    return {
        "total_calls": calls,
        "answered_calls": answered,
        "total_minutes": minutes,
        "total_cost": cost,
    }


def counts(calls: int, answered: int, minutes: float | int) -> dict[str, Any]:
    return {"total_calls": calls, "answered_calls": answered, "total_minutes": minutes}


# The dashboard at NOW: c1..c6.
# calls 6, answered 4 (c1 c3 c4 c5); billed 125+90+3+9 = 227 s = 3.78 min -> 3.8;
# cost 1.25 + 0.333333 + 0.001667 + 0.01 + 0.01 = 1.605 -> "1.60" (half-even).
DASHBOARD_CALLS = roll(6, 4, 3.8, "1.60")
DASHBOARD_TRAFFIC = {
    # c2 c3: 90 s = 1.5 min; 0.333333
    "inbound": roll(2, 1, 1.5, "0.33"),
    # c1 c4 c5 c6: 137 s = 2.283 min; 1.25 + 0.001667 + 0.01 + 0.01 = 1.271667
    "outbound": roll(4, 3, 2.3, "1.27"),
}
DASHBOARD_BY_PRODUCT = {
    # c3 c4 c6: 93 s = 1.55 min -> 2 whole minutes (the schema's integer); 0.345 -> "0.34"
    "sip_trunking": roll(3, 2, 2, "0.34"),
    # c1 c2 c5: 134 s = 2.233 min; 1.26
    "voice_api": roll(3, 2, 2.2, "1.26"),
}
DASHBOARD_SERIES = [
    # c1 c2: 125 s = 2.083 min
    {
        "date": "2026-04-12",
        **roll(2, 1, 2.1, "1.25"),
        "inbound": counts(1, 0, 0),
        "outbound": counts(1, 1, 2.1),
    },
    # c3 (23:30 local)
    {
        "date": "2026-04-19",
        **roll(1, 1, 1.5, "0.33"),
        "inbound": counts(1, 1, 1.5),
        "outbound": counts(0, 0, 0),
    },
    # c4: 3 s = 0.05 min -> 0.0 (half-even); 0.001667 -> "0.00"
    {
        "date": "2026-04-25",
        **roll(1, 1, 0, "0.00"),
        "inbound": counts(0, 0, 0),
        "outbound": counts(1, 1, 0),
    },
    # c5 (23:30 local): 9 s = 0.15 min -> 0.2
    {
        "date": "2026-05-11",
        **roll(1, 1, 0.2, "0.01"),
        "inbound": counts(0, 0, 0),
        "outbound": counts(1, 1, 0.2),
    },
    # c6
    {
        "date": "2026-05-12",
        **roll(1, 0, 0, "0.01"),
        "inbound": counts(0, 0, 0),
        "outbound": counts(1, 0, 0),
    },
]
