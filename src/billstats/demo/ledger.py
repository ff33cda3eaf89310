"""One customer's money trail: invoices with lines and tax, payments with fees and commissions,
refunds.  Amounts are integer cents; each record knows how to render itself for ingest."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from billstats.demo.util import cents, iso, percent_of

Obj = dict[str, Any]

# Card processing fees: (basis points, fixed cents) per currency.
FEES = {"USD": (290, 30), "EUR": (150, 25), "GBP": (150, 20)}


@dataclass
class Line:
    type: str  # subscription | one_time | usage
    description: str
    amount: int  # cents, negative for credits and discounts
    start: datetime | None = None
    end: datetime | None = None
    quantity: str | None = None
    metric_code: str | None = None

    def render(self, zone: ZoneInfo) -> Obj:
        out: Obj = {
            "type": self.type,
            "description": self.description,
            "amount": cents(self.amount),
        }
        if self.quantity is not None:
            out["quantity"] = self.quantity
        if self.metric_code is not None:
            out["metric_code"] = self.metric_code
        if self.start is not None:
            out["period_start"] = iso(self.start, zone)
        if self.end is not None:
            out["period_end"] = iso(self.end, zone)
        return out


@dataclass
class Invoice:
    id: str
    customer_id: str
    subscription_id: str | None
    currency: str
    billing_reason: str
    issued_at: datetime
    lines: list[Line]
    tax: int
    livemode: bool
    due_at: datetime | None = None
    status: str = "open"
    paid_at: datetime | None = None

    @property
    def total(self) -> int:
        return sum(line.amount for line in self.lines) + self.tax

    def render(self, zone: ZoneInfo) -> Obj:
        data: Obj = {
            "id": self.id,
            "customer_id": self.customer_id,
            "currency": self.currency,
            "status": self.status,
            "billing_reason": self.billing_reason,
            "issued_at": iso(self.issued_at, zone),
        }
        if self.subscription_id is not None:
            data["subscription_id"] = self.subscription_id
        if self.due_at is not None:
            data["due_at"] = iso(self.due_at, zone)
        if self.paid_at is not None:
            data["paid_at"] = iso(self.paid_at, zone)
        data["tax_amount"] = cents(self.tax)
        data["lines"] = [line.render(zone) for line in self.lines]
        data["total"] = cents(self.total)
        data["livemode"] = self.livemode
        return {"kind": "invoices", "data": data}


@dataclass
class Payment:
    id: str
    invoice: Invoice
    amount: int
    status: str  # succeeded | failed | pending
    created_at: datetime
    fee: int = 0
    affiliate_id: str | None = None
    commission: int = 0
    refunded: int = 0

    def render(self, zone: ZoneInfo) -> Obj:
        inv = self.invoice
        data: Obj = {"id": self.id, "customer_id": inv.customer_id, "invoice_id": inv.id}
        if inv.subscription_id is not None:
            data["subscription_id"] = inv.subscription_id
        data.update(
            {
                "amount": cents(self.amount),
                "currency": inv.currency,
                "status": self.status,
                "fee_amount": cents(self.fee),
            }
        )
        if self.affiliate_id is not None:
            data["affiliate_id"] = self.affiliate_id
            data["affiliate_commission"] = cents(self.commission)
        data["created_at"] = iso(self.created_at, zone)
        data["livemode"] = inv.livemode
        return {"kind": "payments", "data": data}


@dataclass
class Refund:
    id: str
    payment_id: str
    amount: int
    created_at: datetime

    def render(self, zone: ZoneInfo) -> Obj:
        return {
            "kind": "refunds",
            "data": {
                "id": self.id,
                "payment_id": self.payment_id,
                "amount": cents(self.amount),
                "created_at": iso(self.created_at, zone),
            },
        }


@dataclass
class Ledger:
    """Issues ids (``in_000123_0001``...) and keeps one customer's invoices, payments, refunds."""

    customer_index: int
    customer_id: str
    tax_bp: int  # sales tax / VAT in basis points, 0 for none
    livemode: bool
    end: datetime
    invoices: list[Invoice] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)
    refunds: list[Refund] = field(default_factory=list)

    def _id(self, prefix: str, n: int) -> str:
        return f"{prefix}_{self.customer_index:06d}_{n:04d}"

    def invoice(
        self,
        subscription_id: str | None,
        currency: str,
        reason: str,
        at: datetime,
        lines: list[Line],
        *,
        due_days: int = 7,
    ) -> Invoice:
        net = sum(line.amount for line in lines)
        assert net >= 0, "invoices never total below zero"
        inv = Invoice(
            self._id("in", len(self.invoices) + 1),
            self.customer_id,
            subscription_id,
            currency,
            reason,
            at,
            lines,
            percent_of(net, self.tax_bp) if net else 0,
            self.livemode,
            due_at=at + timedelta(days=due_days),
        )
        if inv.total == 0:
            inv.status, inv.paid_at = "paid", at
        self.invoices.append(inv)
        return inv

    def pay(
        self, inv: Invoice, at: datetime, status: str, *, affiliate: tuple[str, int] | None = None
    ) -> Payment:
        assert at < self.end
        pay = Payment(self._id("py", len(self.payments) + 1), inv, inv.total, status, at)
        if status == "succeeded":
            bp, fixed = FEES[inv.currency]
            pay.fee = min(pay.amount, percent_of(pay.amount, bp) + fixed)
            inv.status, inv.paid_at = "paid", at
            if affiliate is not None:
                pay.affiliate_id = affiliate[0]
                pay.commission = percent_of(pay.amount, affiliate[1])
        elif affiliate is not None:
            pay.affiliate_id = affiliate[0]
        self.payments.append(pay)
        return pay

    def refund(self, pay: Payment, amount: int, at: datetime) -> Refund | None:
        amount = min(amount, pay.amount - pay.refunded)
        if amount <= 0 or pay.status != "succeeded" or at >= self.end or at <= pay.created_at:
            return None
        pay.refunded += amount
        ref = Refund(self._id("re", len(self.refunds) + 1), pay.id, amount, at)
        self.refunds.append(ref)
        return ref
