"""Test data for the portal scenarios, loaded through ``POST /v1/import`` (the real ingest API)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.conftest import TenantCtx

PRODUCT = "prod"


@dataclass
class Ledger:
    """NDJSON lines in order (subscription lines become versions in that order)."""

    lines: list[dict[str, Any]] = field(default_factory=list)

    def add(self, kind: str, id: str | None, **data: Any) -> Ledger:
        body = dict(data) if id is None else {"id": id, **data}
        self.lines.append({"kind": kind, "data": body})
        return self

    def product(self, id: str = PRODUCT) -> Ledger:
        return self.add("products", id, name=f"Product {id}")

    def plan(
        self,
        id: str,
        amount: str = "50.00",
        unit: str = "month",
        count: int = 1,
        currency: str = "USD",
        *,
        name: str | None = None,
        features: list[dict[str, str]] | None = None,
        usage: dict[str, str] | None = None,
    ) -> Ledger:
        return self.add(
            "plans",
            id,
            product_id=PRODUCT,
            name=name or f"Plan {id}",
            currency=currency,
            amount=amount,
            interval_unit=unit,
            interval_count=count,
            features=features or [],
            usage_charges=[{"metric_code": m, "unit_amount": u} for m, u in (usage or {}).items()],
        )

    def customer(self, id: str, currency: str | None = "USD") -> Ledger:
        data: dict[str, Any] = {"name": f"Customer {id}", "created_at": "2020-01-01T00:00:00Z"}
        if currency is not None:
            data["currency"] = currency
        return self.add("customers", id, **data)

    def subscription(
        self,
        id: str,
        customer: str,
        plan: str,
        started_at: str,
        status: str = "active",
        **extra: Any,
    ) -> Ledger:
        return self.add(
            "subscriptions",
            id,
            customer_id=customer,
            plan_id=plan,
            started_at=started_at,
            status=status,
            **extra,
        )

    def usage(
        self,
        id: str,
        customer: str,
        metric: str,
        quantity: str,
        timestamp: str,
        subscription: str | None = None,
    ) -> Ledger:
        data: dict[str, Any] = {
            "customer_id": customer,
            "metric_code": metric,
            "quantity": quantity,
            "timestamp": timestamp,
        }
        if subscription is not None:
            data["subscription_id"] = subscription
        return self.add("usage_events", id, **data)

    def load(self, client: httpx.Client, tenant: TenantCtx) -> None:
        body = "\n".join(json.dumps(line) for line in self.lines).encode()
        response = client.post(
            "/v1/import",
            content=body,
            headers={**tenant.headers, "Content-Type": "application/x-ndjson"},
        )
        assert response.status_code == 200, response.text


def feature(code: str, type: str, value: str, name: str | None = None) -> dict[str, str]:
    return {
        "code": code,
        "name": name or code.replace("_", " ").title(),
        "type": type,
        "value": value,
    }
