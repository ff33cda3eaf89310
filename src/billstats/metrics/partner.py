"""A reseller partner's ecosystem: its accounts, their wallet balances and their calls.

Definitions (``docs/metrics.md``, "Vobiz" has the full text):

- The partner's accounts are the tenant's customers whose ``partner_id`` is the partner;
  *active* ones have ``is_active``.  Accounts, their count and the balance describe the partner
  as it stands at ``now``; the call figures cover the window of tenant-local days
  ``first``..``last`` (inclusive), ending no later than ``now``.
- The partner's currency is the currency of its accounts when every account that has one agrees
  (and at least one has one); otherwise the tenant's reporting currency.  Amounts in another
  currency are converted with the tenant's ``fx_rates`` of the amount's local day (call costs:
  the day of the call; balances: the day of ``now``) through the reporting currency; a missing
  rate is an error that names it.
- Balance: the sum of every transaction up to ``now`` of the accounts' active wallets.
- Calls: count, answered count, billed seconds and cost of the calls that started in the window,
  split by direction, by product and by local day.  Minutes are billed seconds / 60, rounded
  half-even to one decimal (``whole_minutes``: to an integer); money is rounded half-even once,
  at the end (cost 2 decimals, balance 5).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import Connection

from billstats.errors import NotFound
from billstats.metrics import derived
from billstats.metrics import partner_queries as queries
from billstats.metrics.calendar import Span, day_start, local_date
from billstats.metrics.fx import Converter, load_converter
from billstats.money import MICROS
from billstats.tenants.schemas import Tenant

DIRECTIONS = ("inbound", "outbound")
PRODUCTS = ("sip_trunking", "voice_api")
COST_PLACES = 2
BALANCE_PLACES = 5
MINUTE_PLACES = 1


def round_half_even(value: Fraction, places: int) -> Decimal:
    """``value`` rounded half-even to ``places`` decimals, as an exact Decimal ("1.50")."""
    steps = round(value * 10**places)  # Fraction.__round__ rounds half to even
    return Decimal(steps).scaleb(-places)


def minutes(billed_seconds: int, places: int = MINUTE_PLACES) -> Decimal:
    """Billed seconds as minutes, rounded half-even to ``places`` decimals."""
    return round_half_even(Fraction(billed_seconds, 60), places)


@dataclass
class Usage:
    """Calls, answered calls, billed seconds and cost (exact micro-units of the partner's
    currency)."""

    calls: int = 0
    answered: int = 0
    billed_seconds: int = 0
    cost: Fraction = field(default_factory=Fraction)

    def add(self, calls: int, answered: int, billed_seconds: int, cost: Fraction) -> None:
        self.calls += calls
        self.answered += answered
        self.billed_seconds += billed_seconds
        self.cost += cost

    @property
    def minutes(self) -> Decimal:
        """Billed minutes, one decimal (half-even)."""
        return minutes(self.billed_seconds)

    @property
    def whole_minutes(self) -> int:
        """Billed minutes rounded half-even to an integer."""
        return int(minutes(self.billed_seconds, 0))

    @property
    def cost_text(self) -> str:
        """Cost with two decimals (half-even), e.g. ``"108.24"``."""
        return f"{round_half_even(self.cost / MICROS, COST_PLACES):f}"


@dataclass(frozen=True)
class DayUsage:
    day: date
    total: Usage
    inbound: Usage
    outbound: Usage


@dataclass(frozen=True)
class Account:
    id: str
    auth_id: str
    name: str
    email: str | None
    phone: str | None
    currency: str | None
    is_active: bool
    created_at: datetime


@dataclass(frozen=True)
class PartnerReport:
    partner: dict[str, Any]
    first: date
    last: date
    accounts: list[Account]
    currency: str
    balance: Fraction  # micro-units of ``currency``
    total: Usage
    by_direction: dict[str, Usage]
    by_product: dict[str, Usage]
    days: list[DayUsage]

    @property
    def account_count(self) -> int:
        return len(self.accounts)

    @property
    def active_accounts(self) -> int:
        return sum(1 for a in self.accounts if a.is_active)

    @property
    def balance_text(self) -> str:
        """The balance with five decimals (half-even), e.g. ``"1003058.82000"``."""
        return f"{round_half_even(self.balance / MICROS, BALANCE_PLACES):f}"


def partner_accounts(conn: Connection, tenant_id: int, partner_id: str) -> list[Account]:
    """The partner's accounts, oldest first, read once per data revision (every window asked
    of the partner surface lists all of them: 5,000 at scale 100)."""
    snap = derived.snapshot(conn, tenant_id)

    def build() -> tuple[list[Account], int]:
        found = [Account(**row) for row in queries.accounts(conn, tenant_id, partner_id)]
        return found, 600 * len(found) + 64

    result: list[Account] = derived.from_database(
        conn, snap, ("partner.accounts", partner_id), build
    )
    return result


def wallet_balances(
    conn: Connection, tenant_id: int, partner_id: str, until: datetime
) -> dict[str, int]:
    """Sum of the transactions up to ``until`` (inclusive) of the partner's accounts' active
    wallets, per wallet currency, in micros.

    The wallets and their ``wallet_totals`` (sum and latest instant) are read once per data
    revision: a wallet whose latest transaction is not after ``until`` (the usual case) has its
    total as balance; the others sum their transactions up to ``until``."""
    snap = derived.snapshot(conn, tenant_id)

    def build() -> tuple[list[queries.WalletRow], int]:
        rows = queries.wallet_rows(conn, tenant_id, partner_id)
        return rows, 250 * len(rows) + 64

    rows = derived.from_database(conn, snap, ("partner.wallets", partner_id), build)
    totals: dict[str, int] = {}
    for wallet_id, currency, amount, last_at in rows:
        if amount is None or last_at is None:
            value = 0
        elif last_at <= until:
            value = amount
        else:  # some transaction is dated after ``until``: sum the wallet's up to it
            value = queries.wallet_sum_until(conn, tenant_id, wallet_id, until)
        totals[currency] = totals.get(currency, 0) + value
    return totals


def partner_currency(accounts: list[Account], reporting: str) -> str:
    """The accounts' common currency, else the tenant's reporting currency."""
    currencies = {a.currency for a in accounts if a.currency is not None}
    return currencies.pop() if len(currencies) == 1 else reporting


class _Exchange:
    """Converts amounts into the partner's currency (through the reporting currency)."""

    def __init__(self, converter: Converter, target: str) -> None:
        self.converter = converter
        self.target = target

    def __call__(self, micros: int, currency: str, day: date) -> Fraction:
        if currency == self.target or not micros:
            return Fraction(micros)
        reporting = self.converter.convert(micros, currency, day)
        return reporting / self.converter.rate(self.target, day)


def _exchange(
    conn: Connection, tenant: Tenant, target: str, currencies: set[str], first: date, last: date
) -> _Exchange:
    foreign = currencies - {target}
    wanted = foreign | {target} if foreign else set()
    converter = load_converter(conn, tenant.id, tenant.currency, wanted, first, last)
    return _Exchange(converter, target)


def partner_report(
    conn: Connection, tenant: Tenant, partner_id: str, first: date, last: date, now: datetime
) -> PartnerReport:
    """Everything the partner surface shows for the local days ``first``..``last``."""
    partner = queries.partner(conn, tenant.id, partner_id)
    if partner is None:
        raise NotFound(f"no partner {partner_id!r}")
    zone = tenant.zone
    accounts = partner_accounts(conn, tenant.id, partner_id)
    currency = partner_currency(accounts, tenant.currency)

    today = local_date(now, zone)
    balances = wallet_balances(conn, tenant.id, partner_id, now)
    to_partner = _exchange(conn, tenant, currency, set(balances), today, today)
    balance = sum((to_partner(micros, cur, today) for cur, micros in balances.items()), Fraction(0))

    start, end = day_start(first, zone), day_start(last + timedelta(days=1), zone)
    span = Span(start, max(start, min(end, now)))
    groups = queries.call_groups_in(conn, tenant.id, partner_id, span, zone)
    to_partner = _exchange(conn, tenant, currency, {g.currency for g in groups}, first, last)

    total = Usage()
    by_direction = {d: Usage() for d in DIRECTIONS}
    by_product = {p: Usage() for p in PRODUCTS}
    per_day: dict[date, DayUsage] = {}
    for g in groups:
        cost = to_partner(g.cost, g.currency, g.day)
        figures = (g.calls, g.calls if g.answered else 0, g.billed_seconds, cost)
        day = per_day.get(g.day)
        if day is None:
            day = per_day[g.day] = DayUsage(g.day, Usage(), Usage(), Usage())
        for usage in (total, by_direction[g.direction], by_product[g.product], day.total):
            usage.add(*figures)
        (day.inbound if g.direction == "inbound" else day.outbound).add(*figures)
    return PartnerReport(
        partner=partner,
        first=first,
        last=last,
        accounts=accounts,
        currency=currency,
        balance=balance,
        total=total,
        by_direction=by_direction,
        by_product=by_product,
        days=[per_day[d] for d in sorted(per_day)],
    )
