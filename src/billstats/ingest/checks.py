"""Rules that look across records: currencies agree, customers agree, refunds fit payments."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from billstats.db import tables as t
from billstats.ingest import repository as repo
from billstats.ingest.kinds import Kind, Row
from billstats.money import format_micros

if TYPE_CHECKING:
    from billstats.ingest.engine import Batch, Incoming


def _lookup(batch: Batch, table: Any, ids: set[Any]) -> dict[str, Row]:
    wanted = sorted(i for i in ids if i is not None)
    if not wanted:
        return {}
    found = repo.fetch_by_keys(batch.conn, table, batch.tenant_id, ("id",), [(i,) for i in wanted])
    return {k[0]: v for k, v in found.items()}


def before_write(batch: Batch, kind: Kind, items: list[Incoming]) -> list[Incoming]:
    rule = _BEFORE.get(kind.name)
    if rule is None:
        return items
    return rule(batch, items)


def _subscriptions(batch: Batch, items: list[Incoming]) -> list[Incoming]:
    plans = _lookup(batch, t.plans, {i.row["plan_id"] for i in items})
    ok = []
    for item in items:
        plan = plans[item.row["plan_id"]]
        if item.row.get("currency") is None:
            item.row["currency"] = plan["currency"]
        if item.row["currency"] != plan["currency"]:
            batch._report(
                item.problem(
                    "currency",
                    "currency_mismatch",
                    (
                        f"subscription currency {item.row['currency']} differs from plan "
                        f"{plan['id']!r} currency {plan['currency']}"
                    ),
                )
            )
            continue
        ok.append(item)
    return ok


def _invoices(batch: Batch, items: list[Incoming]) -> list[Incoming]:
    subs = _lookup(batch, t.subscriptions, {i.row.get("subscription_id") for i in items})
    ok = []
    for item in items:
        sub = subs.get(item.row.get("subscription_id") or "")
        if sub is not None and not _agree(batch, item, sub, "subscription"):
            continue
        ok.append(item)
    return ok


def _payments(batch: Batch, items: list[Incoming]) -> list[Incoming]:
    invs = _lookup(batch, t.invoices, {i.row.get("invoice_id") for i in items})
    subs = _lookup(batch, t.subscriptions, {i.row.get("subscription_id") for i in items})
    ok = []
    for item in items:
        inv = invs.get(item.row.get("invoice_id") or "")
        sub = subs.get(item.row.get("subscription_id") or "")
        if inv is not None and not _agree(batch, item, inv, "invoice"):
            continue
        if sub is not None and not _agree(batch, item, sub, "subscription"):
            continue
        if (
            inv is not None
            and sub is not None
            and inv["subscription_id"] is not None
            and inv["subscription_id"] != sub["id"]
        ):
            batch._report(
                item.problem(
                    "subscription_id",
                    "subscription_mismatch",
                    (f"invoice {inv['id']!r} belongs to subscription {inv['subscription_id']!r}"),
                )
            )
            continue
        ok.append(item)
    return ok


def _refunds(batch: Batch, items: list[Incoming]) -> list[Incoming]:
    pays = _lookup(batch, t.payments, {i.row["payment_id"] for i in items})
    ok = []
    for item in items:
        pay = pays[item.row["payment_id"]]
        if pay["status"] != "succeeded":
            batch._report(
                item.problem(
                    "payment_id",
                    "payment_not_refundable",
                    (
                        f"payment {pay['id']!r} is {pay['status']}; "
                        "only succeeded payments are refunded"
                    ),
                )
            )
            continue
        ok.append(item)
    return ok


def _usage_events(batch: Batch, items: list[Incoming]) -> list[Incoming]:
    subs = _lookup(batch, t.subscriptions, {i.row.get("subscription_id") for i in items})
    ok = []
    for item in items:
        sub = subs.get(item.row.get("subscription_id") or "")
        if sub is not None and sub["customer_id"] != item.row["customer_id"]:
            batch._report(
                item.problem(
                    "subscription_id",
                    "customer_mismatch",
                    (f"subscription {sub['id']!r} belongs to customer {sub['customer_id']!r}"),
                )
            )
            continue
        ok.append(item)
    return ok


def _plans(batch: Batch, items: list[Incoming]) -> list[Incoming]:
    in_use = repo.plans_in_use(batch.conn, batch.tenant_id, [i.row["id"] for i in items])
    ok = []
    for item in items:
        used = in_use.get(item.row["id"])
        if used is not None and used != item.row["currency"]:
            batch._report(
                item.problem(
                    "currency",
                    "currency_in_use",
                    (
                        f"plan {item.row['id']!r} has {used} subscriptions; "
                        "its currency cannot change"
                    ),
                )
            )
            continue
        ok.append(item)
    return ok


def _agree(batch: Batch, item: Incoming, other: Row, what: str) -> bool:
    if other["customer_id"] != item.row["customer_id"]:
        batch._report(
            item.problem(
                f"{what}_id",
                "customer_mismatch",
                (f"{what} {other['id']!r} belongs to customer {other['customer_id']!r}"),
            )
        )
        return False
    if "currency" in item.row and other["currency"] != item.row["currency"]:
        batch._report(
            item.problem(
                "currency",
                "currency_mismatch",
                (
                    f"currency {item.row['currency']} differs from {what} {other['id']!r} "
                    f"currency {other['currency']}"
                ),
            )
        )
        return False
    return True


_BEFORE = {
    "plans": _plans,
    "subscriptions": _subscriptions,
    "invoices": _invoices,
    "payments": _payments,
    "refunds": _refunds,
    "usage_events": _usage_events,
}


def after_write(batch: Batch, kind: Kind, items: list[Incoming]) -> None:
    """Aggregate rules, checked against the database after the write (same transaction)."""
    if kind.name not in ("refunds", "payments"):
        return
    field = "payment_id" if kind.name == "refunds" else "id"
    payment_ids = sorted({i.row[field] for i in items})
    totals = repo.refund_totals(batch.conn, batch.tenant_id, payment_ids)
    if not totals:
        return
    pays = _lookup(batch, t.payments, set(totals))
    reported: set[str] = set()
    for item in reversed(items):
        pid = item.row[field]
        if pid in reported or pid not in totals:
            continue
        if totals[pid] > pays[pid]["amount"]:
            reported.add(pid)
            batch._report(
                item.problem(
                    "amount",
                    "refund_exceeds_payment",
                    (
                        f"refunds of payment {pid!r} would total "
                        f"{format_micros(totals[pid])}, more than "
                        f"its amount {format_micros(pays[pid]['amount'])}"
                    ),
                )
            )
