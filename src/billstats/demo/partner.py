"""The reseller partner's accounts (INR), their prepaid wallets and their call records.

Call volume is spread over accounts (heavy-tailed) and days (weekday/weekend, slow growth) so
that the total lands close to the configured number.  All of it is integer arithmetic: costs in
micro-rupees, expected call counts in thousandths carried from day to day.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from billstats.demo.catalog import PARTNER_ID
from billstats.demo.config import CALL_DAYS, PARTNER_TIMEZONE, DemoConfig
from billstats.demo.util import ALNUM_UPPER, company_name, iso, micros, weighted

Obj = dict[str, Any]
IST = PARTNER_TIMEZONE

# Calls per hour of the day (IST), relative.
HOURLY = (1, 1, 1, 1, 1, 2, 4, 8, 16, 26, 30, 30, 27, 24, 27, 28, 26, 22, 16, 11, 8, 5, 3, 2)
HOURS = tuple(enumerate(HOURLY))
# Answered call lengths: (shortest, longest seconds) and weight.
DURATIONS = (((5, 30), 15), ((31, 120), 38), ((121, 300), 30), ((301, 900), 13), ((901, 3600), 4))
# Base price per billed minute in micro-rupees.
BASE_RATES = {
    ("outbound", "sip_trunking"): 350_000,
    ("outbound", "voice_api"): 650_000,
    ("inbound", "sip_trunking"): 100_000,
    ("inbound", "voice_api"): 250_000,
}


@dataclass(frozen=True)
class Account:
    index: int
    id: str
    auth_id: str
    name: str
    created_at: datetime
    last_day: date | None  # inactive accounts stop calling after this day
    weight: int
    sip_share: int  # per mille of calls over SIP trunking (the rest: voice API)
    inbound_share: int  # per mille
    answer_rate: int  # per mille
    rates: tuple[tuple[tuple[str, str], int], ...]
    top_up: int  # paise

    @property
    def wallet_id(self) -> str:
        return f"wal_{self.id}"

    def record(self) -> Obj:
        slug = self.name.lower().replace(" ", "-")
        return {
            "kind": "customers",
            "data": {
                "id": self.id,
                "name": self.name,
                "email": f"ops+{self.index}@{slug}.example",
                "phone": f"+91 98{self.index % 100:02d} {100_000 + self.index * 7919 % 900_000}",
                "currency": "INR",
                "created_at": iso(self.created_at, IST),
                "is_active": self.last_day is None,
                "partner_id": PARTNER_ID,
                "auth_id": self.auth_id,
            },
        }

    def first_day(self, config: DemoConfig) -> date:
        return max(
            call_window(config)[0], self.created_at.astimezone(IST).date() + timedelta(days=1)
        )


def call_window(config: DemoConfig) -> tuple[date, date]:
    """First and last local (IST) day with call records: the CALL_DAYS days before the anchor."""
    return config.anchor - timedelta(days=CALL_DAYS), config.anchor - timedelta(days=1)


def accounts(config: DemoConfig) -> list[Account]:
    rng = random.Random(f"{config.seed}/partner")
    first, last = call_window(config)
    out = []
    for j in range(1, config.n_partner_accounts + 1):
        auth = "MA_" + "".join(rng.choice(ALNUM_UPPER) for _ in range(8))
        if rng.randrange(1000) < 750:  # most accounts predate the call window
            span = (first - config.first_day).days - 11
            day = config.first_day + timedelta(days=10 + rng.randrange(max(1, span)))
        else:
            day = first + timedelta(days=rng.randrange(CALL_DAYS - 10))
        created = datetime.combine(day, datetime.min.time(), IST) + timedelta(
            seconds=9 * 3600 + rng.randrange(9 * 3600)
        )
        last_day = None
        if rng.randrange(1000) < 80:
            lo = max(first, day) + timedelta(days=5)
            last_day = lo + timedelta(days=rng.randrange(max(1, (last - lo).days - 5)))
        rates = tuple(
            (key, base * rng.randint(850, 1150) // 1000 + rng.randrange(100))
            for key, base in BASE_RATES.items()
        )
        out.append(
            Account(
                j,
                f"pacct_{j:05d}",
                auth,
                f"{company_name(rng)} {j:02d}",
                created,
                last_day,
                weighted(rng, ((1, 30), (2, 25), (4, 20), (8, 15), (16, 7), (40, 3))),
                weighted(rng, ((200, 1), (500, 2), (800, 2), (950, 1))),
                weighted(rng, ((100, 2), (300, 3), (500, 1))),
                rng.randint(620, 900),
                rates,
                weighted(rng, ((500_000, 3), (1_000_000, 4), (2_500_000, 2))),
            )
        )
    return out


@dataclass(frozen=True)
class Call:
    started_at: datetime
    direction: str
    product: str
    duration: int
    billed: int
    answered: bool
    cost: int  # micro-rupees


def _day_weight(config: DemoConfig, day: date) -> int:
    first = call_window(config)[0]
    weekday = (10, 10, 10, 10, 9, 5, 4)[day.weekday()]
    return weekday * (270 + (day - first).days)  # ~30% growth over the window


def _active_days(config: DemoConfig, acct: Account) -> Iterator[date]:
    day, last = acct.first_day(config), call_window(config)[1]
    if acct.last_day is not None:
        last = min(last, acct.last_day)
    while day <= last:
        yield day
        day += timedelta(days=1)


def calls_by_day(
    config: DemoConfig, accts: list[Account]
) -> Iterator[tuple[Account, date, list[Call]]]:
    """Every account's calls, account by account and day by day (each day in time order)."""
    total = config.n_call_records
    norm = sum(a.weight * _day_weight(config, d) for a in accts for d in _active_days(config, a))
    for acct in accts:
        rng = random.Random(f"{config.seed}/calls/{acct.index}")
        rates = dict(acct.rates)
        carry = 0
        for day in _active_days(config, acct):
            expected = total * acct.weight * _day_weight(config, day) * rng.randint(750, 1250)
            carry += expected // norm if norm else 0
            count, carry = divmod(carry, 1000)
            midnight = datetime.combine(day, datetime.min.time(), IST)
            calls = []
            for second in sorted(
                rng.randrange(3600) + 3600 * weighted(rng, HOURS) for _ in range(count)
            ):
                direction = "inbound" if rng.randrange(1000) < acct.inbound_share else "outbound"
                product = "sip_trunking" if rng.randrange(1000) < acct.sip_share else "voice_api"
                answered = rng.randrange(1000) < acct.answer_rate + (
                    60 if direction == "inbound" else 0
                )
                if answered:
                    lo, hi = weighted(rng, DURATIONS)
                    duration = rng.randint(lo, hi)
                    billed = -(-duration // 60) * 60
                    cost = billed // 60 * rates[(direction, product)]
                else:
                    duration = billed = cost = 0
                calls.append(
                    Call(
                        midnight + timedelta(seconds=second),
                        direction,
                        product,
                        duration,
                        billed,
                        answered,
                        cost,
                    )
                )
            yield acct, day, calls


def call_records(config: DemoConfig, accts: list[Account]) -> Iterator[Obj]:
    n = 0
    for acct, _, calls in calls_by_day(config, accts):
        for call in calls:
            n += 1
            yield {
                "kind": "call_records",
                "data": {
                    "id": f"cdr_{n:010d}",
                    "account_id": acct.id,
                    "direction": call.direction,
                    "product": call.product,
                    "started_at": iso(call.started_at, IST),
                    "duration_seconds": call.duration,
                    "billed_seconds": call.billed,
                    "answered": call.answered,
                    "cost": micros(call.cost),
                    "currency": "INR",
                },
            }


def wallet_records(accts: list[Account]) -> Iterator[Obj]:
    for acct in accts:
        yield {
            "kind": "wallets",
            "data": {
                "id": acct.wallet_id,
                "customer_id": acct.id,
                "currency": "INR",
                "status": "active",
            },
        }


def wallet_transactions(config: DemoConfig, accts: list[Account]) -> Iterator[Obj]:
    """An opening top-up, one debit per day of calls, and a top-up whenever funds run low."""
    current: Account | None = None
    balance = n = 0
    for acct, day, calls in _with_idle_accounts(config, accts):
        top_up = acct.top_up * 10_000  # paise -> micro-rupees
        if acct is not current:
            current, balance, n = acct, top_up, 1
            yield _txn(acct, n, acct.created_at + timedelta(hours=1), top_up)
        spent = sum(c.cost for c in calls)
        if not spent:
            continue
        close = datetime.combine(day, datetime.min.time(), IST) + timedelta(hours=23, minutes=59)
        n += 1
        yield _txn(acct, n, close, -spent)
        balance -= spent
        refill = close + timedelta(hours=10, minutes=acct.index % 60)
        if balance < top_up // 5 and refill < config.end:
            n += 1
            yield _txn(acct, n, refill, top_up)
            balance += top_up


def _txn(acct: Account, n: int, at: datetime, amount: int) -> Obj:
    return {
        "kind": "wallet_transactions",
        "data": {
            "id": f"wtx_{acct.id}_{n:05d}",
            "wallet_id": acct.wallet_id,
            "amount": micros(amount),
            "created_at": iso(at, IST),
        },
    }


def _with_idle_accounts(
    config: DemoConfig, accts: list[Account]
) -> Iterator[tuple[Account, date, list[Call]]]:
    """calls_by_day, plus an empty entry for accounts without a single call day."""
    calls = calls_by_day(config, accts)
    pending = next(calls, None)
    for acct in accts:
        seen = False
        while pending is not None and pending[0] is acct:
            seen = True
            yield pending
            pending = next(calls, None)
        if not seen:
            yield acct, call_window(config)[1], []
