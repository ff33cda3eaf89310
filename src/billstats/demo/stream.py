"""The demo data as a lazy stream of ingest records, in dependency order.

Nothing is held in memory beyond one customer (or one partner account's day of calls): every
customer is simulated again for each record kind, which is deterministic because each customer
draws from its own seeded ``random.Random``.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import orjson

from billstats.demo import partner
from billstats.demo.catalog import catalog_records
from billstats.demo.config import DemoConfig
from billstats.demo.customers import CustomerSim, simulate
from billstats.demo.fx import fx_records

Obj = dict[str, Any]

KIND_ORDER = (
    "fx_rates",
    "products",
    "partners",
    "affiliates",
    "plans",
    "customers",
    "subscriptions",
    "invoices",
    "payments",
    "refunds",
    "wallets",
    "wallet_transactions",
    "usage_events",
    "call_records",
)


def _customers(config: DemoConfig) -> Iterator[CustomerSim]:
    for index in range(1, config.n_customers + 1):
        yield simulate(config, index)


def _per_customer(
    config: DemoConfig, records: Callable[[CustomerSim], Iterable[Obj]]
) -> Iterator[Obj]:
    for cust in _customers(config):
        yield from records(cust)


def _subscriptions(cust: CustomerSim) -> Iterator[Obj]:
    for sub in cust.subs:
        yield from sub.render()


def _invoices(cust: CustomerSim) -> Iterator[Obj]:
    zone = cust.zone
    return (inv.render(zone) for inv in cust.ledger.invoices)


def _payments(cust: CustomerSim) -> Iterator[Obj]:
    zone = cust.zone
    return (pay.render(zone) for pay in cust.ledger.payments)


def _refunds(cust: CustomerSim) -> Iterator[Obj]:
    zone = cust.zone
    return (ref.render(zone) for ref in cust.ledger.refunds)


def iter_objects(config: DemoConfig) -> Iterator[Obj]:
    """Every demo record as ``{"kind": ..., "data": {...}}``, kinds in ``KIND_ORDER``."""
    accounts = partner.accounts(config)
    yield from fx_records(config)
    yield from catalog_records(config)
    yield from _per_customer(config, lambda c: [c.customer_record()])
    yield from (acct.record() for acct in accounts)
    yield from _per_customer(config, _subscriptions)
    yield from _per_customer(config, _invoices)
    yield from _per_customer(config, _payments)
    yield from _per_customer(config, _refunds)
    yield from _per_customer(config, lambda c: [c.wallet] if c.wallet is not None else [])
    yield from partner.wallet_records(accounts)
    yield from _per_customer(config, lambda c: c.wallet_txns)
    yield from partner.wallet_transactions(config, accounts)
    yield from _per_customer(config, CustomerSim.usage_records)
    yield from partner.call_records(config, accounts)


def iter_records(config: DemoConfig) -> Iterator[tuple[int, Obj, None]]:
    """``(line number, record, None)``: the shape ``import_records`` takes."""
    for line, obj in enumerate(iter_objects(config), start=1):
        yield line, obj, None


def write_ndjson(config: DemoConfig, out: Path | IO[bytes]) -> dict[str, int]:
    """Write the stream as NDJSON (one ``{"kind", "data"}`` per line); returns counts per kind."""
    if isinstance(out, Path):
        with out.open("wb") as fh:
            return write_ndjson(config, fh)
    counts: Counter[str] = Counter()
    buffer: list[bytes] = []
    for obj in iter_objects(config):
        counts[obj["kind"]] += 1
        buffer.append(orjson.dumps(obj))
        if len(buffer) >= 10_000:
            out.write(b"\n".join(buffer) + b"\n")
            buffer.clear()
    if buffer:
        out.write(b"\n".join(buffer) + b"\n")
    return {kind: counts[kind] for kind in KIND_ORDER if counts[kind]}


def digest(config: DemoConfig) -> tuple[str, dict[str, int]]:
    """SHA-256 of the NDJSON serialisation, and counts per kind."""
    sha = hashlib.sha256()
    counts: Counter[str] = Counter()
    for obj in iter_objects(config):
        counts[obj["kind"]] += 1
        sha.update(orjson.dumps(obj))
        sha.update(b"\n")
    return sha.hexdigest(), {kind: counts[kind] for kind in KIND_ORDER if counts[kind]}
