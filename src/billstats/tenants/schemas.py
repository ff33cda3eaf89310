from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Tenant:
    id: int
    name: str
    timezone: str
    currency: str

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def as_dict(self) -> dict[str, object]:
        return {
            "tenant_id": self.id,
            "name": self.name,
            "timezone": self.timezone,
            "currency": self.currency,
        }
