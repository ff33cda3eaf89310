"""A subscription's state and its dated versions, as the ingest engine's history keeps them."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from billstats.demo.catalog import PlanSpec
from billstats.demo.util import cents, div_round, iso

Obj = dict[str, Any]


@dataclass(frozen=True)
class Discount:
    duration: str  # forever | once | repeating
    percent: int | None = None  # whole percent
    amount: int | None = None  # cents
    ends_at: datetime | None = None

    def off(self, base: int) -> int:
        if self.percent is not None:
            return div_round(base * self.percent, 100)
        return min(base, self.amount or 0)

    def label(self) -> str:
        what = (
            f"{self.percent}% off" if self.percent is not None else f"{cents(self.amount or 0)} off"
        )
        return f"Discount ({what}, {self.duration})"

    def render(self, zone: ZoneInfo) -> Obj:
        out: Obj = (
            {"percent": str(self.percent)}
            if self.percent is not None
            else {"amount": cents(self.amount or 0)}
        )
        out["duration"] = self.duration
        if self.ends_at is not None:
            out["ends_at"] = iso(self.ends_at, zone)
        return out


@dataclass(frozen=True)
class State:
    plan: PlanSpec
    quantity: int
    status: str
    started_at: datetime
    trial_ends_at: datetime | None = None
    cancelled_at: datetime | None = None
    ended_at: datetime | None = None
    discount: Discount | None = None
    affiliate_id: str | None = None
    livemode: bool = True


class SubscriptionHistory:
    """Versions with strictly increasing ``effective_at``; the first one at ``started_at``.

    Changes at the same instant merge into one version, and a change that leaves the state as it
    was adds none, so every emitted version is a real change (the engine would call a repeat
    "unchanged").
    """

    def __init__(
        self, sub_id: str, customer_id: str, state: State, zone: ZoneInfo, end: datetime
    ) -> None:
        self.id = sub_id
        self.customer_id = customer_id
        self.state = state
        self.zone = zone
        self.end = end
        self.versions: list[tuple[datetime, State]] = []

    def push(self, at: datetime, **changes: Any) -> None:
        assert at < self.end
        new = replace(self.state, **changes)
        self.state = new
        if self.versions:
            last_at, last = self.versions[-1]
            assert at >= last_at, (self.id, at, last_at)
            if at == last_at:
                self.versions.pop()
                if self.versions and self.versions[-1][1] == new:
                    return
            elif new == last:
                return
        self.versions.append((at, new))

    @property
    def last_at(self) -> datetime:
        return self.versions[-1][0]

    def render(self) -> list[Obj]:
        out = []
        for at, st in self.versions:
            data: Obj = {
                "id": self.id,
                "customer_id": self.customer_id,
                "plan_id": st.plan.id,
                "currency": st.plan.currency,
                "quantity": st.quantity,
                "status": st.status,
                "started_at": iso(st.started_at, self.zone),
            }
            for name in ("trial_ends_at", "cancelled_at", "ended_at"):
                value = getattr(st, name)
                if value is not None:
                    data[name] = iso(value, self.zone)
            if st.discount is not None:
                data["discount"] = st.discount.render(self.zone)
            if st.affiliate_id is not None:
                data["affiliate_id"] = st.affiliate_id
            data["livemode"] = st.livemode
            data["effective_at"] = iso(at, self.zone)
            out.append({"kind": "subscriptions", "data": data})
        return out
