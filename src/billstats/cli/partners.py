"""CLI commands: partner credentials (``billstats partner credentials create|list|revoke``)."""

from __future__ import annotations

from typing import Annotated

import typer

from billstats.auth import partner_credentials
from billstats.cli.context import engine, handles_errors, print_json
from billstats.db.dialect import read_transaction, write_transaction
from billstats.tenants import service as tenant_service

TenantOption = Annotated[str, typer.Option(help="Tenant id or name")]


@handles_errors
def create(
    partner_id: Annotated[str, typer.Argument(help="The partner's id")], tenant: TenantOption
) -> None:
    """Issue an X-Auth-ID / X-Auth-Token pair for a partner; the token is shown only once."""
    with write_transaction(engine()) as conn:
        t = tenant_service.resolve(conn, tenant)
        print_json(partner_credentials.create_credentials(conn, t.id, partner_id))


@handles_errors
def list_(
    tenant: TenantOption,
    partner_id: Annotated[
        str | None, typer.Argument(help="Only this partner's credentials")
    ] = None,
) -> None:
    """List partner credentials (never their tokens)."""
    with read_transaction(engine()) as conn:
        t = tenant_service.resolve(conn, tenant)
        print_json(partner_credentials.list_credentials(conn, t.id, partner_id))


@handles_errors
def revoke(
    auth_id: Annotated[str, typer.Argument(help="The X-Auth-ID to revoke")], tenant: TenantOption
) -> None:
    """Revoke a partner credential at once."""
    with write_transaction(engine()) as conn:
        t = tenant_service.resolve(conn, tenant)
        print_json(partner_credentials.revoke_credentials(conn, t.id, auth_id))


def register(app: typer.Typer) -> None:
    """Add ``billstats partner credentials ...`` to the main CLI."""
    partner_app = typer.Typer(help="Reseller partners", no_args_is_help=True)
    credentials_app = typer.Typer(
        help="Partner API credentials (X-Auth-ID / X-Auth-Token)", no_args_is_help=True
    )
    credentials_app.command("create")(create)
    credentials_app.command("list")(list_)
    credentials_app.command("revoke")(revoke)
    partner_app.add_typer(credentials_app, name="credentials")
    app.add_typer(partner_app, name="partner")
