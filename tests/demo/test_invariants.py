"""Business invariants of the generated data, and that every story analytics needs is present."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Any

from billstats.demo.catalog import PARTNER_ID
from billstats.demo.config import CALL_DAYS
from tests.demo import MEDIUM, medium_records

END = MEDIUM.end


def ts(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    assert parsed.utcoffset() is not None, value
    return parsed


def places(value: str) -> int:
    return len(value.partition(".")[2])


def by_id(kind: str) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in medium_records()[kind]}


def test_invoice_totals_are_lines_plus_tax() -> None:
    for inv in medium_records()["invoices"]:
        lines = sum((Decimal(line["amount"]) for line in inv["lines"]), Decimal(0))
        assert Decimal(inv["total"]) == lines + Decimal(inv["tax_amount"]), inv["id"]
        assert Decimal(inv["total"]) >= 0
        assert all(places(v) == 2 for v in (inv["total"], inv["tax_amount"]))
        assert ts(inv["issued_at"]) < END
        if inv["status"] == "paid":
            assert "paid_at" in inv
        if inv["billing_reason"] != "manual":
            assert inv["subscription_id"]


def test_payments_match_their_invoices() -> None:
    invoices = by_id("invoices")
    succeeded: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for pay in medium_records()["payments"]:
        inv = invoices[pay["invoice_id"]]
        assert (pay["customer_id"], pay["currency"]) == (inv["customer_id"], inv["currency"])
        assert pay.get("subscription_id") == inv.get("subscription_id")
        assert pay["amount"] == inv["total"]
        assert pay["livemode"] == inv["livemode"]
        assert ts(inv["issued_at"]) <= ts(pay["created_at"]) < END
        assert Decimal(pay["fee_amount"]) <= Decimal(pay["amount"])
        if pay["status"] == "succeeded":
            succeeded[inv["id"]].append(pay)
        else:
            assert pay["fee_amount"] == "0.00"
    for inv in invoices.values():
        pays = succeeded.get(inv["id"], [])
        if inv["status"] == "paid" and inv["total"] != "0.00":
            assert len(pays) == 1, inv["id"]
            assert ts(pays[0]["created_at"]) == ts(inv["paid_at"])
        else:
            assert not pays, inv["id"]


def test_refunds_never_exceed_succeeded_payments() -> None:
    payments = by_id("payments")
    refunded: Counter[str] = Counter()
    for ref in medium_records()["refunds"]:
        pay = payments[ref["payment_id"]]
        assert pay["status"] == "succeeded"
        assert ts(pay["created_at"]) < ts(ref["created_at"]) < END
        refunded[pay["id"]] += int(Decimal(ref["amount"]) * 100)
    for pid, total in refunded.items():
        assert 0 < total <= int(Decimal(payments[pid]["amount"]) * 100)


def test_subscription_histories_are_consistent() -> None:
    versions: dict[str, list[dict[str, Any]]] = defaultdict(list)
    plans = by_id("plans")
    for v in medium_records()["subscriptions"]:
        versions[v["id"]].append(v)
    for sid, history in versions.items():
        assert ts(history[0]["effective_at"]) == ts(history[0]["started_at"])
        times = [ts(v["effective_at"]) for v in history]
        assert times == sorted(times) and len(set(times)) == len(times), sid
        assert times[-1] < END
        for v in history:
            assert v["currency"] == plans[v["plan_id"]]["currency"] == history[0]["currency"]
            assert v["customer_id"] == history[0]["customer_id"]
            if v["status"] == "cancelled":
                assert "cancelled_at" in v and "ended_at" in v
            if v["status"] == "trialing":
                assert ts(v["trial_ends_at"]) > ts(v["effective_at"])
        for before, after in pairwise(history):
            assert {k: x for k, x in before.items() if k != "effective_at"} != {
                k: x for k, x in after.items() if k != "effective_at"
            }, sid


def test_every_analytics_story_is_present() -> None:
    records = medium_records()
    seen: Counter[str] = Counter()
    histories: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for v in records["subscriptions"]:
        histories[v["id"]].append(v)
    for history in histories.values():
        statuses = [v["status"] for v in history]
        if statuses[0] == "trialing":
            seen["trial converted" if "active" in statuses else "trial"] += 1
            if statuses[-1] == "cancelled" and "active" not in statuses:
                seen["trial lost"] += 1
        for a, b in pairwise(history):
            seen[f"{a['status']} -> {b['status']}"] += 1
            if a["plan_id"] != b["plan_id"]:
                seen["plan change"] += 1
            if a["quantity"] != b["quantity"]:
                seen["seats up" if b["quantity"] > a["quantity"] else "seats down"] += 1
            if b.get("cancelled_at") and b["status"] != "cancelled":
                seen["cancel at period end"] += 1
        for v in history:
            if "discount" in v:
                d = v["discount"]
                seen[f"discount {d['duration']} {'percent' if 'percent' in d else 'amount'}"] += 1
    customer_subs: dict[str, set[str]] = defaultdict(set)
    for sid, history in histories.items():
        customer_subs[history[0]["customer_id"]].add(sid)
    seen["customers with several subscriptions"] = sum(
        1 for s in customer_subs.values() if len(s) > 1
    )
    for inv in records["invoices"]:
        seen[f"invoice {inv['status']}"] += 1
        seen[f"reason {inv['billing_reason']}"] += 1
        if inv["status"] in ("open", "uncollectible") and ts(inv["due_at"]) < END:
            seen["overdue"] += 1
        if inv["tax_amount"] != "0.00":
            seen["taxed"] += 1
        if not inv["livemode"]:
            seen["test mode"] += 1
        for line in inv["lines"]:
            seen[f"line {line['type']}"] += 1
    payments = by_id("payments")
    for pay in payments.values():
        seen[f"payment {pay['status']}"] += 1
        if pay.get("affiliate_commission", "0.00") != "0.00":
            seen["commission"] += 1
    for ref in records["refunds"]:
        full = ref["amount"] == payments[ref["payment_id"]]["amount"]
        seen["full refund" if full else "partial refund"] += 1
    for txn in records["wallet_transactions"]:
        seen["wallet credit" if not txn["amount"].startswith("-") else "wallet debit"] += 1
    metrics = {e["metric_code"] for e in records["usage_events"]}
    assert metrics == {"api_calls", "sms_sent", "egress_gb"}
    wanted = [
        "trial converted",
        "trial lost",
        "trialing -> active",
        "trialing -> cancelled",
        "active -> cancelled",
        "cancelled -> active",
        "active -> past_due",
        "past_due -> active",
        "past_due -> cancelled",
        "active -> paused",
        "paused -> active",
        "plan change",
        "seats up",
        "seats down",
        "cancel at period end",
        "discount forever percent",
        "discount forever amount",
        "discount once percent",
        "discount once amount",
        "discount repeating percent",
        "customers with several subscriptions",
        "invoice paid",
        "invoice open",
        "invoice uncollectible",
        "invoice void",
        "reason subscription_create",
        "reason subscription_cycle",
        "reason subscription_update",
        "reason manual",
        "overdue",
        "taxed",
        "test mode",
        "line subscription",
        "line usage",
        "line one_time",
        "payment succeeded",
        "payment failed",
        "payment pending",
        "commission",
        "full refund",
        "partial refund",
        "wallet credit",
        "wallet debit",
    ]
    missing = [name for name in wanted if not seen[name]]
    assert not missing, (missing, seen)


def test_partner_accounts_wallets_and_calls() -> None:
    records = medium_records()
    accounts = {c["id"]: c for c in records["customers"] if c.get("partner_id") == PARTNER_ID}
    assert len(accounts) == MEDIUM.n_partner_accounts
    for acct in accounts.values():
        assert re.fullmatch(r"MA_[A-Z0-9]{8}", acct["auth_id"])
        assert acct["currency"] == "INR"
    wallets = [w for w in records["wallets"] if w["customer_id"] in accounts]
    assert sorted(w["customer_id"] for w in wallets) == sorted(accounts)
    assert all(w["currency"] == "INR" and w["status"] == "active" for w in wallets)
    first_day = MEDIUM.anchor - timedelta(days=CALL_DAYS)
    seen: Counter[str] = Counter()
    for call in records["call_records"]:
        assert call["account_id"] in accounts and call["currency"] == "INR"
        started = ts(call["started_at"])
        assert first_day <= started.date() < MEDIUM.anchor
        assert started < END
        assert places(call["cost"]) <= 6
        if call["answered"]:
            assert call["billed_seconds"] % 60 == 0
            assert (
                call["duration_seconds"] <= call["billed_seconds"] < call["duration_seconds"] + 60
            )
            assert Decimal(call["cost"]) > 0
        else:
            assert (call["billed_seconds"], call["cost"]) == (0, "0.000000")
        seen[call["direction"]] += 1
        seen[call["product"]] += 1
        seen["answered" if call["answered"] else "missed"] += 1
    assert all(
        seen[k] for k in ("inbound", "outbound", "sip_trunking", "voice_api", "answered", "missed")
    )


def test_fx_rates_cover_every_day() -> None:
    days: dict[str, set[date]] = defaultdict(set)
    for fx in medium_records()["fx_rates"]:
        assert isinstance(fx["rate"], str) and places(fx["rate"]) <= 12
        days[fx["currency"]].add(date.fromisoformat(fx["date"]))
    expected = (MEDIUM.anchor - MEDIUM.first_day).days + 1
    assert sorted(days) == ["EUR", "GBP", "INR"]
    for currency, seen in days.items():
        assert len(seen) == expected, currency
        assert min(seen) == MEDIUM.first_day and max(seen) == MEDIUM.anchor
    rates = [Decimal(fx["rate"]) for fx in medium_records()["fx_rates"] if fx["currency"] == "EUR"]
    assert Decimal("0.9") < min(rates) and max(rates) < Decimal("1.3")
    assert all(abs(a - b) / a < Decimal("0.01") for a, b in pairwise(rates))


def test_timestamps_are_before_the_end_and_carry_offsets() -> None:
    fields = ("created_at", "started_at", "timestamp", "issued_at", "effective_at", "paid_at")
    for records in medium_records().values():
        for data in records:
            for name in fields:
                if name in data:
                    assert ts(data[name]) < END, (name, data)
