"""``billstats``: serve, migrate, tenants, keys, import, demo."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from billstats.auth import service as auth_service
from billstats.cli import partners as partner_commands
from billstats.cli import portal as portal_commands
from billstats.cli import stats as stats_commands
from billstats.cli.context import engine, handles_errors, print_json
from billstats.cli.demo import demo as demo_command
from billstats.cli.imports import import_command
from billstats.db.dialect import read_transaction, write_transaction
from billstats.tenants import repository as tenant_repo
from billstats.tenants import service as tenant_service

app = typer.Typer(
    help="billstats: billing analytics engine", no_args_is_help=True, pretty_exceptions_enable=False
)
tenant_app = typer.Typer(help="Manage tenants", no_args_is_help=True)
key_app = typer.Typer(help="Manage API keys", no_args_is_help=True)
app.add_typer(tenant_app, name="tenant")
app.add_typer(key_app, name="key")
app.command("demo")(demo_command)
app.command("import")(import_command)
portal_commands.register(app)
partner_commands.register(app)
stats_commands.register(app)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes")] = 1,
) -> None:
    """Run the HTTP service."""
    import uvicorn

    engine()  # migrate before accepting traffic
    uvicorn.run(
        "billstats.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        http="h11",  # httptools drops bodies of requests carrying Upgrade: h2c (Java clients)
        access_log=False,  # billstats logs each request itself (JSON, with its request id)
    )


@app.command()
def migrate() -> None:
    """Create or upgrade the database schema (Alembic)."""
    from billstats.db.migrate import current_revision

    eng = engine()
    typer.echo(f"schema at revision {current_revision(eng)} ({eng.url.render_as_string()})")


@tenant_app.command("create")
@handles_errors
def tenant_create(
    name: str,
    timezone: Annotated[str, typer.Option(help="IANA time zone, e.g. Europe/Berlin")] = "UTC",
    currency: Annotated[str, typer.Option(help="Reporting currency (ISO 4217)")] = "USD",
) -> None:
    """Create a tenant; prints it as JSON."""
    with write_transaction(engine()) as conn:
        tenant = tenant_service.create_tenant(conn, name, timezone, currency)
    print_json(tenant.as_dict())


@tenant_app.command("list")
def tenant_list() -> None:
    """List tenants as JSON."""
    with read_transaction(engine()) as conn:
        print_json([t.as_dict() for t in tenant_repo.list_all(conn)])


@key_app.command("create")
@handles_errors
def key_create(
    tenant: Annotated[str, typer.Option(help="Tenant id or name")],
    scopes: Annotated[
        list[str] | None,
        typer.Option(
            "--scopes",
            "--scope",
            help="admin, ingest:write, analytics:read (repeat or comma-separate)",
        ),
    ] = None,
    name: Annotated[str, typer.Option(help="A label for the key")] = "",
    expires_at: Annotated[str | None, typer.Option(help="Expiry, ISO 8601 with offset")] = None,
) -> None:
    """Issue an API key; prints tenant_id, key_id, secret and the bearer token (shown once)."""
    wanted = sorted(
        {s.strip() for raw in (scopes or ["admin"]) for s in raw.split(",") if s.strip()}
    )
    try:
        expiry = datetime.fromisoformat(expires_at) if expires_at else None
    except ValueError:
        raise typer.BadParameter("use ISO 8601 with offset", param_hint="--expires-at") from None
    with write_transaction(engine()) as conn:
        t = tenant_service.resolve(conn, tenant)
        print_json(auth_service.create_key(conn, t.id, wanted, name=name, expires_at=expiry))


@key_app.command("list")
@handles_errors
def key_list(tenant: Annotated[str, typer.Option(help="Tenant id or name")]) -> None:
    """List a tenant's keys (never their secrets)."""
    with read_transaction(engine()) as conn:
        t = tenant_service.resolve(conn, tenant)
        print_json(auth_service.list_keys(conn, t.id))


@key_app.command("revoke")
@handles_errors
def key_revoke(key_id: str, tenant: Annotated[str, typer.Option(help="Tenant id or name")]) -> None:
    """Revoke a key at once."""
    with write_transaction(engine()) as conn:
        t = tenant_service.resolve(conn, tenant)
        auth_service.revoke_key(conn, t.id, key_id)
    print_json({"key_id": key_id, "revoked": True})


def main() -> None:
    app()
