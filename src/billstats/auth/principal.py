from __future__ import annotations

from dataclasses import dataclass

SCOPES = ("admin", "ingest:write", "analytics:read")


@dataclass(frozen=True)
class Principal:
    """Who is calling.  ``partner_id``/``customer_id`` narrow a credential below its tenant."""

    tenant_id: int
    scopes: frozenset[str]
    credential: str  # "api_key", later "partner", "portal", "oauth"
    credential_id: str
    partner_id: str | None = None
    customer_id: str | None = None

    def allows(self, scope: str) -> bool:
        return "admin" in self.scopes or scope in self.scopes
