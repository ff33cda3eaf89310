"""Ready-to-paste requests for every API surface against the demo tenant.

``billstats demo`` issues, beside its admin key, a partner credential for the demo partner, a
portal token for a demo customer with an active subscription and a read-only key for the web
dashboard, and prints one request per endpoint (the native API and the five vendor-compatible
dashboards) and the dashboard's sign-in link.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from sqlalchemy import Connection, Engine, select

from billstats.auth.partner_credentials import create_credentials
from billstats.auth.portal_tokens import portal_key
from billstats.auth.service import create_key
from billstats.config import Settings
from billstats.db import tables as t
from billstats.db.dialect import write_transaction
from billstats.demo.catalog import PARTNER_ID
from billstats.surfaces.portal.service import issue_portal_token

_ACCESS_TOKEN = "import json, sys; print(json.load(sys.stdin)['access_token'])"


@dataclass(frozen=True)
class DemoAccess:
    partner_auth_id: str
    partner_token: str
    portal_customer_id: str | None
    portal_url: str | None
    requests: dict[str, str]
    dashboard_key_id: str
    dashboard_url: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "partner": {"auth_id": self.partner_auth_id, "token": self.partner_token},
            "portal": {"customer_id": self.portal_customer_id, "portal_url": self.portal_url},
            "dashboard": {"key_id": self.dashboard_key_id, "url": self.dashboard_url},
            "requests": self.requests,
        }


def dashboard_link(url: str, token: str) -> str:
    """The web dashboard's sign-in link: the key travels in the fragment, which browsers never
    send to a server; the page moves it into the tab's session storage and drops it from the
    address bar."""
    return f"{url}/dashboard#key={quote(token, safe='.')}"


def _portal_customer(conn: Connection, tenant_id: int) -> str | None:
    """The first customer (by id) with an active live subscription."""
    s = t.subscriptions
    query = (
        select(s.c.customer_id)
        .where(s.c.tenant_id == tenant_id, s.c.status == "active", s.c.livemode.is_(True))
        .order_by(s.c.customer_id)
        .limit(1)
    )
    found = conn.execute(query).scalar()
    return None if found is None else str(found)


def _requests(
    url: str, key: dict[str, Any], auth_id: str, token: str, portal: str | None
) -> dict[str, str]:
    bearer = shlex.quote(f"Authorization: Bearer {key['token']}")
    basic = shlex.quote(f"{key['key_id']}:{key['secret']}")
    body = shlex.quote(json.dumps({"product_id": "all", "interval": "last_30_days"}))
    token_url = f"{url}/api/v1/auth/token"
    out = {
        "native": f"curl -H {bearer} '{url}/v1/customers?limit=5'",
        "pabbly": (
            f"curl -X POST -u {basic} -H 'Content-Type: application/json' "
            f"-d {body} {url}/api/v2/getdashboardstats"
        ),
        "devkit": (
            f"TOKEN=$(curl -s -u {basic} -d grant_type=client_credentials {token_url} "
            f'| python3 -c {shlex.quote(_ACCESS_TOKEN)}) && curl -H "Authorization: Bearer $TOKEN" '
            f"'{url}/api/v1/payments/stats?test_mode=true'"
        ),
        "fynn": f"curl -H {bearer} '{url}/analytics/subscription-revenue?limit=5'",
        "vobiz": (
            f"curl -H 'X-Auth-ID: {auth_id}' -H {shlex.quote('X-Auth-Token: ' + token)} "
            f"{url}/api/v1/partner/dashboard"
        ),
    }
    if portal is not None:
        out["portal"] = f"curl {shlex.quote(portal)}"
    return out


def issue_demo_access(
    engine: Engine, settings: Settings, tenant_id: int, key: dict[str, Any], url: str
) -> DemoAccess:
    """Issue the demo's partner credential, portal token and dashboard key (``analytics:read``
    only: the link may end up in a browser's history); build one request per endpoint."""
    now = datetime.now(UTC)
    signing = portal_key(engine, settings)  # may write the generated key: before the transaction
    with write_transaction(engine) as conn:
        partner = create_credentials(conn, tenant_id, PARTNER_ID, now=now)
        customer = _portal_customer(conn, tenant_id)
        portal = None
        if customer is not None:
            issued = issue_portal_token(
                conn, signing, tenant_id, customer, ttl_hours=None, now=now, base_url=url
            )
            portal = str(issued["portal_url"])
        viewer = create_key(conn, tenant_id, ["analytics:read"], name="demo dashboard")
    requests = _requests(url, key, partner["auth_id"], partner["token"], portal)
    return DemoAccess(
        partner["auth_id"],
        partner["token"],
        customer,
        portal,
        requests,
        viewer["key_id"],
        dashboard_link(url, viewer["token"]),
    )
