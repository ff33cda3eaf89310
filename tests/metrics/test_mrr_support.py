"""Helpers for the MRR tests (no tests here): build a tenant's ledger and ingest it via the API."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import Engine

from billstats.metrics.mrr import MrrHistory


def ts(text: str) -> datetime:
    """An aware instant from ISO text (``Z`` allowed)."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    assert value.tzinfo is not None
    return value.astimezone(UTC)


@dataclass
class Ledger:
    """Records to ingest, in order; every ``sub`` call is one subscription version."""

    lines: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    _products: set[str] = field(default_factory=set)
    _customers: set[str] = field(default_factory=set)

    def product(self, pid: str) -> Ledger:
        if pid not in self._products:
            self._products.add(pid)
            self.lines.append(("products", {"id": pid, "name": f"Product {pid}"}))
        return self

    def plan(
        self,
        pid: str,
        amount: str,
        *,
        unit: str = "month",
        count: int = 1,
        currency: str = "USD",
        product: str = "prod",
    ) -> Ledger:
        self.product(product)
        self.lines.append(
            (
                "plans",
                {
                    "id": pid,
                    "product_id": product,
                    "name": f"Plan {pid}",
                    "currency": currency,
                    "amount": amount,
                    "interval_unit": unit,
                    "interval_count": count,
                },
            )
        )
        return self

    def customer(self, cid: str) -> Ledger:
        if cid not in self._customers:
            self._customers.add(cid)
            self.lines.append(
                ("customers", {"id": cid, "name": cid, "created_at": "2020-01-01T00:00:00Z"})
            )
        return self

    def sub(
        self,
        sid: str,
        customer: str,
        plan: str,
        status: str,
        started_at: str,
        effective_at: str | None = None,
        **extra: Any,
    ) -> Ledger:
        self.customer(customer)
        data: dict[str, Any] = {
            "id": sid,
            "customer_id": customer,
            "plan_id": plan,
            "status": status,
            "started_at": started_at,
            **extra,
        }
        if effective_at is not None:
            data["effective_at"] = effective_at
        self.lines.append(("subscriptions", data))
        return self

    def body(self) -> bytes:
        return "\n".join(json.dumps({"kind": k, "data": d}) for k, d in self.lines).encode()

    def ingest(self, client: httpx.Client) -> None:
        response = client.post("/v1/import", content=self.body())
        assert response.status_code == 200, response.text
        self.lines = []


def history(
    engine: Engine, tenant_id: int, *, livemode: bool = True, product_id: str | None = None
) -> MrrHistory:
    with engine.connect() as conn:
        return MrrHistory.load(conn, tenant_id, livemode=livemode, product_id=product_id)
