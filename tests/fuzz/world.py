"""A tenant worth fuzzing: demo data (every kind of record) and one real credential per surface."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from datetime import date

import httpx
from sqlalchemy import Engine, select

from billstats.db import tables as t
from billstats.db.dialect import read_transaction
from billstats.demo.catalog import PARTNER_ID
from billstats.demo.config import DemoConfig
from billstats.demo.load import load_demo

# A small demo: 20 customers, 2 partner accounts, 2,000 call records over two years of history.
DEMO = DemoConfig(scale=0.02, anchor=date(2025, 6, 30))


@dataclass(frozen=True)
class World:
    """Credentials of one seeded tenant, as each surface takes them."""

    base_url: str
    tenant_id: int
    bearer: str  # Authorization value of the admin key (native API, Fynn)
    basic: str  # Authorization value for Pabbly (HTTP Basic key_id:secret)
    oauth: str  # Authorization value for devkit (an OAuth2 access token)
    portal_token: str  # ?token= of the portal
    partner_auth_id: str
    partner_token: str
    customer_id: str
    subscription_id: str
    partner_id: str
    key_id: str
    key_secret: str


def build_world(engine: Engine, base_url: str) -> World:
    loaded = load_demo(engine, DEMO, tenant_name=f"fuzz-{uuid.uuid4().hex[:10]}")
    key = loaded.key
    bearer = f"Bearer {key['token']}"
    with read_transaction(engine) as conn:
        customer_id = conn.execute(
            select(t.customers.c.id)
            .where(t.customers.c.tenant_id == loaded.tenant_id)
            .order_by(t.customers.c.id)
            .limit(1)
        ).scalar_one()
        subscription_id = conn.execute(
            select(t.subscriptions.c.id)
            .where(t.subscriptions.c.tenant_id == loaded.tenant_id)
            .order_by(t.subscriptions.c.id)
            .limit(1)
        ).scalar_one()
    with httpx.Client(base_url=base_url, timeout=60) as http:
        token = http.post(
            "/api/v1/auth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": key["key_id"],
                "client_secret": key["secret"],
            },
        )
        assert token.status_code == 200, token.text
        portal = http.post(
            f"/v1/customers/{customer_id}/portal_token", headers={"Authorization": bearer}
        )
        assert portal.status_code == 200, portal.text
        partner = http.post(
            f"/v1/partners/{PARTNER_ID}/credentials", headers={"Authorization": bearer}
        )
        assert partner.status_code == 201, partner.text
    basic = base64.b64encode(f"{key['key_id']}:{key['secret']}".encode()).decode()
    return World(
        base_url=base_url,
        tenant_id=loaded.tenant_id,
        bearer=bearer,
        basic=f"Basic {basic}",
        oauth=f"Bearer {token.json()['access_token']}",
        portal_token=portal.json()["token"],
        partner_auth_id=partner.json()["auth_id"],
        partner_token=partner.json()["token"],
        customer_id=customer_id,
        subscription_id=subscription_id,
        partner_id=PARTNER_ID,
        key_id=key["key_id"],
        key_secret=key["secret"],
    )
