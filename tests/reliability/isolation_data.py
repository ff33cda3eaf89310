"""Random tenants for the isolation properties: a ledger per tenant, drawn by hypothesis.

Both tenants draw their ids from the same small pools (``cus0``..``cus5``, ``sub0``, ``inv0``...),
so most ids exist in both tenants with different content: a query that forgets ``tenant_id`` in a
filter or a join picks up the other tenant's row.  Each tenant also has ids the other lacks (the
pools are bigger than one tenant's share), which the 404 probes use.

A ledger has three parts, written at different moments of the test:

- ``lines``: the first bulk import (``POST /v1/import``);
- ``updates``: single ``PUT``s that change some of those records (a new subscription version, a
  renamed customer, a repriced plan, an invoice paid, a partner switched off);
- ``late``: writes made after the tenant's views were recorded, touching only customers outside
  the *watched* partner (``partners[0]``), so the watched partner's and the watched customer's
  (``customers[0]``, always one of that partner's accounts) views must not move.

Names carry the tenant's ``marker`` so that a response can be scanned for the other tenant's text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import strategies as st

Line = tuple[str, dict[str, Any]]
Put = tuple[str, str, dict[str, Any]]  # kind, id, body

START = datetime(2025, 1, 1, tzinfo=UTC)
DAYS = 89  # records fall on 2025-01-01 .. 2025-03-30 (a few after NOW: not counted yet)
NOW = datetime(2025, 3, 20, 12, 0, tzinfo=UTC)
FIRST_DAY, LAST_DAY = date(2025, 1, 1), date(2025, 3, 31)
CURRENCIES = ("USD", "EUR")
ZONES = ("Asia/Kolkata", "America/New_York", "UTC")
CUSTOMER_POOL = [f"cus{i}" for i in range(6)]
PARTNER_POOL = [f"part{i}" for i in range(4)]
PRODUCT_POOL = ["prod0", "prod1", "prod2"]
PLAN_POOL = ["plan0", "plan1", "plan2", "plan3"]
METRIC = "api_calls"


def rich(draw: st.DrawFn) -> bool:
    """A coin that comes up True in the simplest example (hypothesis tries that one first and
    shrinks towards it), so that every example holds every kind of record."""
    return not draw(st.booleans())


def iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


@dataclass
class Ledger:
    tag: str
    marker: str
    timezone: str
    currency: str
    partners: list[str]
    customers: list[str]
    lines: list[Line] = field(default_factory=list)
    updates: list[Put] = field(default_factory=list)
    late: list[Put] = field(default_factory=list)

    @property
    def watched_partner(self) -> str:
        return self.partners[0]

    @property
    def watched_customer(self) -> str:
        return self.customers[0]

    def keys(self, kind: str, late: bool = True) -> set[str]:
        """Every id of ``kind`` this tenant holds (fx rates: ``CUR/YYYY-MM-DD``), with or
        without the late writes."""
        found = {_key(kind, data) for k, data in self.lines if k == kind}
        found |= {key for k, key, _ in [*self.updates, *(self.late if late else [])] if k == kind}
        return found

    def records(self, kind: str, late: bool = True) -> dict[str, dict[str, Any]]:
        """The latest body written under each id of ``kind``."""
        out = {_key(kind, data): data for k, data in self.lines if k == kind}
        for k, key, data in [*self.updates, *(self.late if late else [])]:
            if k == kind:
                out[key] = data
        return out

    def accounts(self, partner: str, late: bool = True) -> set[str]:
        """The partner's accounts: customers whose record names it (their auth id = their id)."""
        customers = self.records("customers", late)
        return {c for c, data in customers.items() if data.get("partner_id") == partner}

    def subscriptions_of(self, customer: str, late: bool = True) -> set[str]:
        subscriptions = self.records("subscriptions", late)
        return {s for s, data in subscriptions.items() if data["customer_id"] == customer}


def _key(kind: str, data: dict[str, Any]) -> str:
    return f"{data['currency']}/{data['date']}" if kind == "fx_rates" else str(data["id"])


class _Clock:
    """Draws instants inside the data window."""

    def __init__(self, draw: st.DrawFn) -> None:
        self.draw = draw

    def at(self, after: datetime = START, within_days: int = DAYS) -> datetime:
        last = min(START + timedelta(days=DAYS), after + timedelta(days=within_days))
        span = max(int((last - after).total_seconds() // 60), 1)
        return after + timedelta(minutes=self.draw(st.integers(0, span)))


@st.composite
def ledgers(draw: st.DrawFn, tag: str, marker: str) -> Ledger:
    clock = _Clock(draw)
    cents = st.integers(1, 50_000)
    lines: list[Line] = []
    ledger = Ledger(
        tag=tag,
        marker=marker,
        timezone=draw(st.sampled_from(ZONES)),
        currency=draw(st.sampled_from(CURRENCIES[::-1])),  # simplest: EUR, records in USD
        partners=draw(st.lists(st.sampled_from(PARTNER_POOL), min_size=2, max_size=3, unique=True)),
        customers=draw(
            st.lists(st.sampled_from(CUSTOMER_POOL), min_size=3, max_size=4, unique=True)
        ),
        lines=lines,
    )
    for currency in CURRENCIES:
        if currency == ledger.currency:
            continue
        day = date(2024, 12, 20)
        while day <= date(2025, 4, 5):
            tenth_mils = draw(st.integers(5_000, 19_999))
            rate = f"{tenth_mils // 10_000}.{tenth_mils % 10_000:04d}"
            lines.append(
                ("fx_rates", {"currency": currency, "date": day.isoformat(), "rate": rate})
            )
            day += timedelta(days=3)

    products = draw(st.lists(st.sampled_from(PRODUCT_POOL), min_size=1, max_size=2, unique=True))
    for product in products:
        provider = {name: draw(st.booleans()) for name in ("configured", "test_credentials")}
        lines.append(
            (
                "products",
                {"id": product, "name": f"{product} {marker}", "payment_provider": provider},
            )
        )
    plans: dict[str, str] = {}  # plan id -> currency
    for plan in draw(st.lists(st.sampled_from(PLAN_POOL), min_size=1, max_size=3, unique=True)):
        plans[plan] = draw(st.sampled_from(CURRENCIES))
        lines.append(("plans", _plan(draw, plan, draw(st.sampled_from(products)), plans[plan])))
    for partner in ledger.partners:
        lines.append(
            (
                "partners",
                {
                    "id": partner,
                    "name": f"{partner} {marker}",
                    "slug": f"{partner}-{tag}",
                    "created_at": iso(clock.at()),
                    "is_active": draw(st.booleans()),
                },
            )
        )
    lines.append(("affiliates", {"id": "aff0", "name": f"aff {marker}"}))

    owners: dict[str, str | None] = {}
    for n, customer in enumerate(ledger.customers):
        owner = (
            ledger.watched_partner
            if n == 0
            else draw(st.sampled_from([ledger.partners[n % 2], None, *ledger.partners]))
        )
        owners[customer] = owner
        lines.append(("customers", _customer(draw, clock, customer, owner, marker)))

    counters: dict[str, int] = {}

    def next_id(prefix: str) -> str:
        counters[prefix] = counters.get(prefix, 0) + 1
        return f"{prefix}{counters[prefix] - 1}"

    subs: dict[str, dict[str, Any]] = {}
    for customer in ledger.customers:
        for _ in range(draw(st.integers(1, 2))):
            sub_id = next_id("sub")
            subs[sub_id] = _subscription(draw, clock, customer, plans)
            lines.append(("subscriptions", {"id": sub_id, **_public(subs[sub_id])}))
        lines.extend(_money_records(draw, clock, customer, subs, next_id, cents))
        lines.extend(_usage_records(draw, clock, customer, subs, next_id, cents))

    ledger.updates = _updates(draw, clock, ledger, subs, plans)
    ledger.late = _late(draw, clock, ledger, owners, subs, plans, products, next_id, cents)
    return ledger


def _plan(draw: st.DrawFn, plan: str, product: str, currency: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": plan,
        "product_id": product,
        "name": f"{plan} plan",
        "currency": currency,
        "amount": money(draw(st.integers(100, 30_000))),
        "interval_unit": draw(st.sampled_from(["week", "month", "month", "year"])),
        "interval_count": draw(st.integers(1, 2)),
        "trial_days": draw(st.sampled_from([0, 14])),
    }
    if rich(draw):
        body["features"] = [
            {"code": METRIC, "name": "API calls", "type": "quantity", "value": "100"}
        ]
        body["usage_charges"] = [{"metric_code": METRIC, "unit_amount": "0.01"}]
    return body


def _customer(
    draw: st.DrawFn, clock: _Clock, customer: str, partner: str | None, marker: str
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": customer,
        "name": f"{customer} {marker}",
        "email": f"{customer}@{marker}.example",
        "created_at": iso(clock.at(within_days=40)),
        "is_active": draw(st.booleans()),
    }
    if partner is not None:
        body["partner_id"] = partner
    currency = draw(st.sampled_from([None, *CURRENCIES]))
    if currency is not None:
        body["currency"] = currency
    return body


def _subscription(
    draw: st.DrawFn, clock: _Clock, customer: str, plans: dict[str, str]
) -> dict[str, Any]:
    plan = draw(st.sampled_from(sorted(plans)))
    started = clock.at(within_days=70)
    status = draw(st.sampled_from(["active", "trialing", "active", "past_due", "cancelled"]))
    body: dict[str, Any] = {
        "customer_id": customer,
        "plan_id": plan,
        "status": status,
        "started_at": iso(started),
        "quantity": draw(st.integers(1, 3)),
        "livemode": draw(st.sampled_from([True, True, False])),
        "_currency": plans[plan],  # not sent: the plan's, for the invoices that name it
    }
    if status == "trialing":
        body["trial_ends_at"] = iso(started + timedelta(days=14))
    if status == "cancelled":
        body["cancelled_at"] = iso(clock.at(after=started))
    if rich(draw):
        body["discount"] = {"percent": str(draw(st.integers(5, 50))), "duration": "forever"}
    if rich(draw):
        body["affiliate_id"] = "aff0"
    return body


def _money_records(
    draw: st.DrawFn,
    clock: _Clock,
    customer: str,
    subs: dict[str, dict[str, Any]],
    next_id: Any,
    cents: st.SearchStrategy[int],
) -> list[Line]:
    """Invoices (tied to one of the customer's subscriptions, or manual), their payments, some
    refunds, and one-time payments."""
    lines: list[Line] = []
    own = sorted(s for s, body in subs.items() if body["customer_id"] == customer)
    for _ in range(draw(st.integers(1, 2))):
        inv_id = next_id("inv")
        sub = draw(st.sampled_from([*own, None]))
        currency = _sub_currency(subs, sub) if sub else draw(st.sampled_from(CURRENCIES))
        issued = clock.at()
        amount, tax = draw(cents), draw(st.integers(0, 500))
        status = draw(st.sampled_from(["paid", "open", "paid", "draft", "void", "uncollectible"]))
        invoice: dict[str, Any] = {
            "id": inv_id,
            "customer_id": customer,
            "currency": currency,
            "status": status,
            "issued_at": iso(issued),
            "due_at": iso(issued + timedelta(days=draw(st.integers(0, 30)))),
            "lines": [
                {"type": "one_time", "description": f"line of {inv_id}", "amount": money(amount)}
            ],
            "tax_amount": money(tax),
            "total": money(amount + tax),
        }
        if sub:
            invoice["subscription_id"] = sub
            invoice["billing_reason"] = "subscription_cycle"
            invoice["livemode"] = subs[sub]["livemode"]
        paid_at = clock.at(after=issued, within_days=10)
        if status == "paid":
            invoice["paid_at"] = iso(paid_at)
        lines.append(("invoices", invoice))
        if status == "open" and rich(draw):  # paid in part
            part = _payment(
                draw, customer, currency, (amount + tax) // 2 or 1, paid_at, "succeeded"
            )
            part.update(
                id=next_id("pay"), invoice_id=inv_id, livemode=invoice.get("livemode", True)
            )
            lines.append(("payments", part))
        if status == "paid":
            pay = _payment(draw, customer, currency, amount + tax, paid_at, "succeeded")
            pay.update(id=next_id("pay"), invoice_id=inv_id, livemode=invoice.get("livemode", True))
            lines.append(("payments", pay))
            lines.extend(_refunds(draw, clock, pay, amount + tax, next_id))
    for _ in range(draw(st.integers(1, 2))):
        status = draw(st.sampled_from(["succeeded", "succeeded", "failed", "pending"]))
        amount = draw(cents)
        pay = _payment(
            draw, customer, draw(st.sampled_from(CURRENCIES)), amount, clock.at(), status
        )
        pay["id"] = next_id("pay")
        if rich(draw):
            pay["affiliate_id"] = "aff0"
            pay["affiliate_commission"] = money(amount // 10)
        lines.append(("payments", pay))
        if status == "succeeded":
            lines.extend(_refunds(draw, clock, pay, amount, next_id))
    return lines


def _public(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if not k.startswith("_")}


def _sub_currency(subs: dict[str, dict[str, Any]], sub: str) -> str:
    currency: str = subs[sub]["_currency"]
    return currency


def _payment(
    draw: st.DrawFn, customer: str, currency: str, amount: int, at: datetime, status: str
) -> dict[str, Any]:
    return {
        "customer_id": customer,
        "amount": money(amount),
        "currency": currency,
        "status": status,
        "fee_amount": money(amount * draw(st.integers(0, 5)) // 100),
        "created_at": iso(at),
    }


def _refunds(
    draw: st.DrawFn, clock: _Clock, pay: dict[str, Any], amount: int, next_id: Any
) -> list[Line]:
    if not rich(draw):
        return []
    part = draw(st.integers(1, amount))
    created = clock.at(after=datetime.fromisoformat(pay["created_at"]), within_days=20)
    body = {"id": next_id("ref"), "payment_id": pay["id"], "amount": money(part)}
    return [("refunds", {**body, "created_at": iso(created)})]


def _usage_records(
    draw: st.DrawFn,
    clock: _Clock,
    customer: str,
    subs: dict[str, dict[str, Any]],
    next_id: Any,
    cents: st.SearchStrategy[int],
) -> list[Line]:
    """Usage events, a wallet with transactions, call records."""
    lines: list[Line] = []
    own = sorted(s for s, body in subs.items() if body["customer_id"] == customer)
    for _ in range(draw(st.integers(1, 2))):
        event: dict[str, Any] = {
            "id": next_id("ev"),
            "customer_id": customer,
            "metric_code": METRIC,
            "quantity": str(draw(st.integers(1, 500))),
            "timestamp": iso(clock.at()),
        }
        sub = draw(st.sampled_from([*own, None]))
        if sub:
            event["subscription_id"] = sub
        lines.append(("usage_events", event))
    if rich(draw):
        wallet = next_id("wal")
        currency = draw(st.sampled_from(CURRENCIES))
        status = draw(st.sampled_from(["active", "active", "terminated"]))
        lines.append(
            (
                "wallets",
                {"id": wallet, "customer_id": customer, "currency": currency, "status": status},
            )
        )
        for _ in range(draw(st.integers(1, 2))):
            amount = draw(cents) * draw(st.sampled_from([1, 1, -1]))
            sign, value = ("-", -amount) if amount < 0 else ("", amount)
            lines.append(
                (
                    "wallet_transactions",
                    {
                        "id": next_id("wtx"),
                        "wallet_id": wallet,
                        "amount": sign + money(value),
                        "created_at": iso(clock.at()),
                    },
                )
            )
    for _ in range(draw(st.integers(1, 3))):
        lines.append(("call_records", _call(draw, clock, next_id("call"), customer)))
    return lines


def _call(draw: st.DrawFn, clock: _Clock, call_id: str, account: str) -> dict[str, Any]:
    raw = draw(st.integers(0, 901))
    billed = 61 if raw == 0 else raw - 1  # simplest: an answered call
    return {
        "id": call_id,
        "account_id": account,
        "direction": draw(st.sampled_from(["inbound", "outbound"])),
        "product": draw(st.sampled_from(["sip_trunking", "voice_api"])),
        "started_at": iso(clock.at()),
        "duration_seconds": billed + draw(st.integers(0, 30)),
        "billed_seconds": billed,
        "answered": billed > 0,
        "cost": _thousandths(billed * draw(st.integers(0, 40)) // 60),
        "currency": draw(st.sampled_from(CURRENCIES)),
    }


def _thousandths(value: int) -> str:
    return f"{value // 1000}.{value % 1000:03d}"


def _updates(
    draw: st.DrawFn,
    clock: _Clock,
    ledger: Ledger,
    subs: dict[str, dict[str, Any]],
    plans: dict[str, str],
) -> list[Put]:
    """PUTs that change records of the first import (before the tenant's views are recorded)."""
    puts: list[Put] = []
    by_id = {(k, _key(k, d)): d for k, d in ledger.lines}
    for sub_id in (
        draw(st.lists(st.sampled_from(sorted(subs)), min_size=1, unique=True)) if subs else []
    ):
        body = _public(subs[sub_id])
        started = datetime.fromisoformat(body["started_at"])
        changed = {**body, "quantity": body["quantity"] + 1, "effective_at": iso(clock.at(started))}
        if body["status"] == "trialing" and rich(draw):
            changed["status"] = "active"
        puts.append(("subscriptions", sub_id, changed))
    for customer in draw(
        st.lists(st.sampled_from(ledger.customers), min_size=1, max_size=2, unique=True)
    ):
        body = dict(by_id[("customers", customer)])
        body.pop("id")
        puts.append(
            ("customers", customer, {**body, "name": f"{customer} renamed {ledger.marker}"})
        )
    if rich(draw):
        plan = draw(st.sampled_from(sorted(plans)))
        body = dict(by_id[("plans", plan)])
        body.pop("id")
        repriced = int(body["amount"].replace(".", "")) + draw(st.integers(1, 5_000))
        puts.append(("plans", plan, {**body, "amount": money(repriced)}))
    for kind, data in ledger.lines:
        if kind == "invoices" and data["status"] == "open" and rich(draw):
            body = {k: v for k, v in data.items() if k != "id"}
            puts.append(("invoices", data["id"], {**body, "status": "void"}))
    partner = draw(st.sampled_from(ledger.partners))
    body = dict(by_id[("partners", partner)])
    body.pop("id")
    puts.append(("partners", partner, {**body, "is_active": not body["is_active"]}))
    product = draw(st.sampled_from(sorted(k for (kind, k) in by_id if kind == "products")))
    puts.append(("products", product, {"name": f"{product} renamed {ledger.marker}"}))
    for (kind, key), data in sorted(by_id.items()):
        if kind == "fx_rates" and rich(draw):
            tenth_mils = int(data["rate"].replace(".", "")) + draw(st.integers(1, 99))
            rate = f"{tenth_mils // 10_000}.{tenth_mils % 10_000:04d}"
            puts.append(("fx_rates", key, {"rate": rate}))
            break
    for (kind, key), data in sorted(by_id.items()):
        if kind == "wallets" and rich(draw):
            flipped = "terminated" if data["status"] == "active" else "active"
            body = {k: v for k, v in data.items() if k != "id"}
            puts.append(("wallets", key, {**body, "status": flipped}))
    return puts


def _late(
    draw: st.DrawFn,
    clock: _Clock,
    ledger: Ledger,
    owners: dict[str, str | None],
    subs: dict[str, dict[str, Any]],
    plans: dict[str, str],
    products: list[str],
    next_id: Any,
    cents: st.SearchStrategy[int],
) -> list[Put]:
    """Writes away from the watched partner's accounts: a new customer (another partner's or
    none) with a subscription, an invoice, a payment, usage, a wallet and calls; new calls and a
    new subscription version for other existing customers; a new product and plan."""
    watched = ledger.watched_partner
    others = [c for c in ledger.customers if owners[c] != watched]
    newcomer = next(c for c in CUSTOMER_POOL if c not in ledger.customers)
    owner = draw(st.sampled_from([p for p in ledger.partners if p != watched] + [None]))
    product = next(p for p in PRODUCT_POOL if p not in products)
    plan = next(p for p in PLAN_POOL if p not in plans)
    currency = draw(st.sampled_from(CURRENCIES))
    puts: list[Put] = [
        ("products", product, {"name": f"{product} late {ledger.marker}"}),
        (
            "plans",
            plan,
            {k: v for k, v in _plan(draw, plan, product, currency).items() if k != "id"},
        ),
        ("customers", newcomer, _customer(draw, clock, newcomer, owner, ledger.marker)),
    ]
    puts[-1][2].pop("id")
    started = clock.at(within_days=60)
    sub_id = next_id("sub")
    puts.append(
        (
            "subscriptions",
            sub_id,
            {
                "customer_id": newcomer,
                "plan_id": plan,
                "status": "active",
                "started_at": iso(started),
            },
        )
    )
    amount = draw(cents)
    inv_id = next_id("inv")
    puts.append(
        (
            "invoices",
            inv_id,
            {
                "customer_id": newcomer,
                "subscription_id": sub_id,
                "billing_reason": "subscription_create",
                "currency": currency,
                "status": "paid",
                "issued_at": iso(started),
                "paid_at": iso(started),
                "lines": [{"type": "subscription", "amount": money(amount)}],
                "total": money(amount),
            },
        )
    )
    pay = _payment(draw, newcomer, currency, amount, started, "succeeded")
    pay_id = next_id("pay")
    puts.append(("payments", pay_id, {**pay, "invoice_id": inv_id, "subscription_id": sub_id}))
    refund = {"payment_id": pay_id, "amount": money(amount // 2 or 1), "created_at": iso(started)}
    puts.append(("refunds", next_id("ref"), refund))
    puts.append(("affiliates", "aff0", {"name": f"aff renamed {ledger.marker}"}))
    event = {
        "customer_id": newcomer,
        "metric_code": METRIC,
        "quantity": "7",
        "timestamp": iso(clock.at()),
    }
    puts.append(("usage_events", next_id("ev"), event))
    wallet = next_id("wal")
    puts.append(("wallets", wallet, {"customer_id": newcomer, "currency": currency}))
    puts.append(
        (
            "wallet_transactions",
            next_id("wtx"),
            {"wallet_id": wallet, "amount": "12.34", "created_at": iso(clock.at())},
        )
    )
    for account in [newcomer, *others]:
        call_id = next_id("call")
        body = _call(draw, clock, call_id, account)
        body.pop("id")
        puts.append(("call_records", call_id, body))
    for sub_id, body in sorted(subs.items()):
        if body["customer_id"] in others and rich(draw):
            fields = _public(body)
            moment = clock.at(after=datetime.fromisoformat(fields["started_at"]))
            change = {**fields, "quantity": fields["quantity"] + 2, "effective_at": iso(moment)}
            puts.append(("subscriptions", sub_id, change))
    return puts
