"""CLI commands: portal credentials (``billstats portal-token``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from billstats.auth.portal_tokens import DEFAULT_TTL_HOURS, portal_key
from billstats.cli.context import engine, handles_errors, print_json, settings
from billstats.db.dialect import read_transaction
from billstats.surfaces.portal.service import issue_portal_token
from billstats.tenants import service as tenant_service

DEFAULT_BASE_URL = "http://127.0.0.1:8000"


@handles_errors
def portal_token(
    customer_id: Annotated[str, typer.Argument(help="The customer's id")],
    tenant: Annotated[str, typer.Option(help="Tenant id or name")],
    ttl_hours: Annotated[
        int, typer.Option(help="Lifetime in whole hours (1-720)")
    ] = DEFAULT_TTL_HOURS,
    base_url: Annotated[
        str,
        typer.Option(envvar="BILLSTATS_BASE_URL", help="Where the API is served, for portal_url"),
    ] = DEFAULT_BASE_URL,
) -> None:
    """Issue a portal token for one customer; prints {token, expires_at, portal_url} as JSON."""
    eng = engine()
    try:
        key = portal_key(eng, settings())
        with read_transaction(eng) as conn:
            t = tenant_service.resolve(conn, tenant)
            out = issue_portal_token(
                conn,
                key,
                t.id,
                customer_id,
                ttl_hours=ttl_hours,
                now=datetime.now(UTC),
                base_url=base_url,
            )
    finally:
        eng.dispose()
    print_json(out)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main CLI."""
    app.command("portal-token")(portal_token)
