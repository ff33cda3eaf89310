"""Daily roll-ups kept in step with the raw rows, in the transaction of every write.

The ingest engine tells a batch's :class:`Rollups` what it wrote:

- **Appended rows** (call records, wallet transactions): when every row of a chunk was new (the
  usual case) their sums are added to the roll-up rows they fall in; when some existed already
  (a re-import overlapping stored rows, whose content matched) the roll-up rows the chunk touches
  are recomputed from the raw rows instead.
- **Upserted rows** whose change moves other rows between roll-up rows: a customer that changes
  reseller partner takes its calls from the old partner's days to the new one's.

Every roll-up equals a recomputation from the raw rows (:func:`rebuild` does that recomputation;
the migration that created the tables ran it for the data already stored).  Days are calendar
days in the tenant's zone; sums are integers.  Roll-up rows are written in key order (no
deadlock between concurrent writers on PostgreSQL) and rows left at zero are deleted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, delete, func, select

from billstats.db import dialect
from billstats.db import tables as t
from billstats.ingest import rollup_payments as payments
from billstats.ingest import rollup_usage as usage
from billstats.ingest.rollup_sql import (
    Row,
    Sums,
    UtcHourDays,
    add_sums,
    chunks,
    replace_rows,
    tenant_zone,
)
from billstats.metrics.calendar import LocalDays

_CALL_KEY = ("partner_id", "day", "direction", "product", "currency", "answered")
_CALL_SUMS = ("calls", "billed_seconds", "cost")
_ACCOUNT_KEY = ("account_id", "day", "currency")
NO_PARTNER = ""


class Rollups:
    """The roll-up maintenance of one batch (one tenant, one transaction)."""

    def __init__(self, conn: Connection, tenant_id: int) -> None:
        self.conn = conn
        self.tenant_id = tenant_id
        self._days: LocalDays | None = None
        self._partners: dict[str, str] = {}

    @property
    def days(self) -> LocalDays:
        if self._days is None:
            self._days = UtcHourDays(tenant_zone(self.conn, self.tenant_id))
        return self._days

    # -- what the engine reports ---------------------------------------------------------------

    def appended(self, kind: str, rows: Sequence[Row], inserted: int) -> None:
        """Rows of an append-only kind were written; ``inserted`` of them were new."""
        if not inserted or kind not in _APPENDED:
            return
        _APPENDED[kind](self, rows, inserted == len(rows))

    def upserted(self, kind: str, old: Mapping[tuple[Any, ...], Row], new: Sequence[Row]) -> None:
        """Rows of an upserted kind were created or updated (``old``: the stored rows by key,
        before the write)."""
        if kind == "customers":
            self._customers(old, new)
        elif kind in _UPSERTED:
            _UPSERTED[kind](self, old, new)

    def modes(self, subscription_ids: Sequence[str]) -> dict[str, bool]:
        """The stored mode of these subscriptions (those that exist), before a write."""
        return {k: v for k, v in usage.modes(self, subscription_ids).items() if k is not None}

    def subscriptions_written(self, before: Mapping[str, bool], rows: Sequence[Row]) -> None:
        """Subscriptions were written (``before``: their modes before, from :meth:`modes`)."""
        usage.subscriptions_written(self, before, {r["id"]: bool(r["livemode"]) for r in rows})

    # -- calls ---------------------------------------------------------------------------------

    def partners(self, accounts: Iterable[str]) -> dict[str, str]:
        """Account -> its partner id (``NO_PARTNER`` for none), as stored now."""
        wanted = sorted(set(accounts) - self._partners.keys())
        found = dialect.rows_by_keys(
            self.conn, t.customers, self.tenant_id, ("id",), [(a,) for a in wanted],
            ("id", "partner_id"),
        )  # fmt: skip
        for row in found:
            self._partners[row["id"]] = row["partner_id"] or NO_PARTNER
        return self._partners

    def call_sums(self, rows: Iterable[Row], sign: int = 1) -> tuple[Sums, Sums]:
        """(sums per call_days key, sums per call_account_days key) of call records."""
        rows = list(rows)
        partners = self.partners(r["account_id"] for r in rows)
        days = self.days
        per_partner: Sums = defaultdict(lambda: [0, 0, 0])
        per_account: Sums = defaultdict(lambda: [0, 0, 0])
        for r in rows:
            day = days(r["started_at"])
            account, currency = r["account_id"], r["currency"]
            billed, cost = sign * r["billed_seconds"], sign * r["cost"]
            a = per_partner[
                (partners[account], day, r["direction"], r["product"], currency, r["answered"])
            ]
            a[0] += sign
            a[1] += billed
            a[2] += cost
            b = per_account[(account, day, currency)]
            b[0] += sign
            b[1] += billed
            b[2] += cost
        return per_partner, per_account

    def _call_records(self, rows: Sequence[Row], all_new: bool) -> None:
        if all_new:
            per_partner, per_account = self.call_sums(rows)
            add_sums(self.conn, t.call_days, self.tenant_id, _CALL_KEY, per_partner)
            add_sums(self.conn, t.call_account_days, self.tenant_id, _ACCOUNT_KEY, per_account)
            return
        # Some rows existed already: recompute the accounts' days these rows fall on.
        days = self.days
        touched = {(r["account_id"], days(r["started_at"])) for r in rows}
        self.recompute_calls(touched)

    def recompute_calls(self, touched: set[tuple[str, date]]) -> None:
        """Recompute from the raw rows the roll-up rows of these (account, day) pairs and of
        their partners' days."""
        partners = self.partners(a for a, _ in touched)
        partner_days = {(partners[a], d) for a, d in touched}
        accounts_of: dict[str, set[str]] = defaultdict(set)
        for partner in {p for p, _ in partner_days}:
            accounts_of[partner] = self._accounts_of(partner)
        accounts = sorted({a for p, _ in partner_days for a in accounts_of[p]})
        first, last = min(d for _, d in touched), max(d for _, d in touched)
        raw = list(self._calls_between(accounts, first, last))
        per_partner, per_account = self.call_sums(raw)
        per_partner = {k: v for k, v in per_partner.items() if (k[0], k[1]) in partner_days}
        per_account = {k: v for k, v in per_account.items() if (k[0], k[1]) in touched}
        replace_rows(
            self.conn,
            t.call_days,
            self.tenant_id,
            _CALL_KEY,
            partner_days,
            ("partner_id", "day"),
            per_partner,
        )
        replace_rows(
            self.conn,
            t.call_account_days,
            self.tenant_id,
            _ACCOUNT_KEY,
            touched,
            ("account_id", "day"),
            per_account,
        )

    def _accounts_of(self, partner: str) -> set[str]:
        c = t.customers
        cond = c.c.partner_id.is_(None) if partner == NO_PARTNER else c.c.partner_id == partner
        stmt = select(c.c.id).where(c.c.tenant_id == self.tenant_id, cond)
        return set(self.conn.execute(stmt).scalars())

    def _calls_between(self, accounts: Sequence[str], first: date, last: date) -> Iterable[Row]:
        """The call records of ``accounts`` started on local days ``first``..``last`` (and a
        few hours around them: callers keep only the days they want)."""
        c = t.call_records
        lo = datetime.combine(first - timedelta(days=2), datetime.min.time(), tzinfo=_UTC)
        hi = datetime.combine(last + timedelta(days=3), datetime.min.time(), tzinfo=_UTC)
        cols = [c.c[n] for n in ("account_id", "started_at", "direction", "product", "currency")]
        cols += [c.c.answered, c.c.billed_seconds, c.c.cost]
        for part in chunks(accounts):
            stmt = select(*cols).where(
                c.c.tenant_id == self.tenant_id,
                c.c.account_id.in_(part),
                c.c.started_at >= lo,
                c.c.started_at < hi,
            )
            for row in self.conn.execute(stmt).mappings():
                yield dict(row)

    def _customers(self, old: Mapping[tuple[Any, ...], Row], new: Sequence[Row]) -> None:
        """Customers moving to another partner take their calls along (all of them read with
        one statement and moved with another)."""
        moved: dict[str, tuple[str, str]] = {}
        for row in new:
            before = old.get((row["id"],))
            if before is None:
                continue  # a new customer has no calls yet (calls name existing customers)
            was, now = before["partner_id"] or NO_PARTNER, row.get("partner_id") or NO_PARTNER
            if was != now:
                moved[row["id"]] = (was, now)
        if moved:
            calls = self._calls_of(sorted(moved))
            merged: Sums = defaultdict(lambda: [0, 0, 0])
            for side, sign in ((0, -1), (1, 1)):
                self._partners.update({account: pair[side] for account, pair in moved.items()})
                for k, v in self.call_sums(calls, sign)[0].items():
                    m = merged[k]
                    for i, x in enumerate(v):
                        m[i] += x
            changed = {k: v for k, v in merged.items() if any(v)}
            add_sums(self.conn, t.call_days, self.tenant_id, _CALL_KEY, changed)
        for row in new:
            self._partners.pop(row["id"], None)

    def _calls_of(self, accounts: Sequence[str]) -> list[Row]:
        cols = ("account_id", "started_at", "direction", "product", "currency")
        return dialect.rows_by_keys(
            self.conn, t.call_records, self.tenant_id, ("account_id",), [(a,) for a in accounts],
            (*cols, "answered", "billed_seconds", "cost"),
        )  # fmt: skip

    # -- wallets -------------------------------------------------------------------------------

    def _wallet_transactions(self, rows: Sequence[Row], all_new: bool) -> None:
        if not all_new:
            self.recompute_wallets({r["wallet_id"] for r in rows})
            return
        sums: dict[str, list[Any]] = {}
        for r in rows:
            found = sums.get(r["wallet_id"])
            if found is None:
                sums[r["wallet_id"]] = [r["amount"], 1, r["created_at"]]
            else:
                found[0] += r["amount"]
                found[1] += 1
                found[2] = max(found[2], r["created_at"])
        rows_out = [
            {
                "tenant_id": self.tenant_id,
                "wallet_id": k,
                "amount": a,
                "transactions": n,
                "last_at": at,
            }
            for k, (a, n, at) in sorted(sums.items())
        ]
        dialect.add_to_rows(
            self.conn, t.wallet_totals, ("wallet_id",), rows_out, latest=("last_at",)
        )

    def recompute_wallets(self, wallets: set[str]) -> None:
        x, w = t.wallet_transactions, t.wallet_totals
        for part in chunks(sorted(wallets)):
            self.conn.execute(
                delete(w).where(w.c.tenant_id == self.tenant_id, w.c.wallet_id.in_(part))
            )
            stmt = (
                select(
                    x.c.wallet_id,
                    func.sum(x.c.amount),
                    func.count(),
                    func.max(x.c.created_at),
                )
                .where(x.c.tenant_id == self.tenant_id, x.c.wallet_id.in_(part))
                .group_by(x.c.wallet_id)
            )
            found = [
                {
                    "tenant_id": self.tenant_id,
                    "wallet_id": wid,
                    "amount": int(amount),
                    "transactions": int(n),
                    "last_at": last,
                }
                for wid, amount, n, last in self.conn.execute(stmt)
            ]
            dialect.insert_rows(self.conn, w, found)


_APPENDED = {
    "call_records": Rollups._call_records,
    "wallet_transactions": Rollups._wallet_transactions,
    "usage_events": usage.appended,
}


_UPSERTED = {
    "payments": payments.payments_written,
    "refunds": payments.refunds_written,
    "invoices": payments.invoices_written,
}

_UTC = ZoneInfo("UTC")


def rebuild(
    conn: Connection,
    tenant_id: int,
    parts: Sequence[str] = ("calls", "wallets", "payments", "invoices", "invoice_events", "usage"),
) -> None:
    """Recompute the tenant's roll-ups (of ``parts``) from its raw rows, replacing what is
    stored."""
    rollups = Rollups(conn, tenant_id)
    if "calls" in parts:
        _rebuild_calls(rollups)
    if "wallets" in parts:
        x = t.wallet_transactions
        conn.execute(delete(t.wallet_totals).where(t.wallet_totals.c.tenant_id == tenant_id))
        stmt = select(x.c.wallet_id).where(x.c.tenant_id == tenant_id).distinct()
        rollups.recompute_wallets(set(conn.execute(stmt).scalars()))
    if "payments" in parts:
        payments.rebuild_payments(rollups)
    if "invoices" in parts:
        payments.rebuild_invoices(rollups, events="invoice_events" in parts)
    if "usage" in parts:
        usage.rebuild(rollups)


def _rebuild_calls(rollups: Rollups) -> None:
    conn, tenant_id = rollups.conn, rollups.tenant_id
    for table in (t.call_days, t.call_account_days):
        conn.execute(delete(table).where(table.c.tenant_id == tenant_id))
    c = t.call_records
    cols = [c.c[n] for n in ("account_id", "started_at", "direction", "product", "currency")]
    stmt = select(*cols, c.c.answered, c.c.billed_seconds, c.c.cost).where(
        c.c.tenant_id == tenant_id
    )
    per_partner: Sums = defaultdict(lambda: [0, 0, 0])
    per_account: Sums = defaultdict(lambda: [0, 0, 0])
    batch: list[Row] = []

    def fold() -> None:
        a, b = rollups.call_sums(batch)
        for target, sums in ((per_partner, a), (per_account, b)):
            for k, v in sums.items():
                m = target[k]
                for i, x in enumerate(v):
                    m[i] += x
        batch.clear()

    for row in conn.execute(stmt.execution_options(yield_per=20_000)).mappings():
        batch.append(dict(row))
        if len(batch) >= 20_000:
            fold()
    fold()
    add_sums(conn, t.call_days, tenant_id, _CALL_KEY, dict(per_partner))
    add_sums(conn, t.call_account_days, tenant_id, _ACCOUNT_KEY, dict(per_account))


__all__ = ["LocalDays", "Rollups", "rebuild", "tenant_zone"]
