"""``billstats demo``: load a deterministic demo tenant, print credentials, serve the API."""

from __future__ import annotations

import sys
import time
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from billstats.cli.context import engine, handles_errors, print_json, settings
from billstats.demo.access import issue_demo_access
from billstats.demo.config import DEFAULT_SEED, DemoConfig, today_in
from billstats.demo.load import DEFAULT_TENANT, load_demo
from billstats.demo.stream import write_ndjson


def _anchor(value: str | None) -> date:
    if value is None:
        return today_in()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            "expected a date as YYYY-MM-DD", param_hint="--anchor-date"
        ) from None


class _Progress:
    """Counts records as the import consumes them; a line on stderr every 50,000."""

    def __init__(self) -> None:
        self.count = 0
        self.started = time.monotonic()

    def __call__(self, n: int) -> None:
        self.count += n
        if self.count % 50_000 == 0:
            sys.stderr.write(
                f"  {self.count:,} records ({time.monotonic() - self.started:.0f} s)\n"
            )


@handles_errors
def demo(
    scale: Annotated[
        float, typer.Option(help="Multiply every volume (customers, calls, ...)")
    ] = 1.0,
    seed: Annotated[
        int, typer.Option(help="Random seed; same seed and anchor give the same data")
    ] = DEFAULT_SEED,
    anchor_date: Annotated[
        str | None,
        typer.Option(
            help="Last day of the history, YYYY-MM-DD (default: today in America/New_York)"
        ),
    ] = None,
    tenant_name: Annotated[str, typer.Option(help="Tenant to create or reuse")] = DEFAULT_TENANT,
    host: Annotated[str, typer.Option(help="Interface to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port")] = 8000,
    serve: Annotated[
        bool,
        typer.Option(
            "--serve/--no-serve", help="Serve the API after loading, or print JSON and exit"
        ),
    ] = True,
    customers: Annotated[int | None, typer.Option(help="Override the number of customers")] = None,
    call_records: Annotated[
        int | None, typer.Option(help="Override the (approximate) number of call records")
    ] = None,
    write_ndjson_to: Annotated[
        Path | None,
        typer.Option(
            "--write-ndjson", help="Only write the records to this NDJSON file (no database)"
        ),
    ] = None,
) -> None:
    """Create (or reuse) a demo tenant with two years of realistic billing data, then serve it."""
    try:
        config = DemoConfig(
            seed=seed,
            scale=scale,
            anchor=_anchor(anchor_date),
            customers=customers,
            call_records=call_records,
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    if write_ndjson_to is not None:
        started = time.monotonic()
        counts = write_ndjson(config, write_ndjson_to)
        print_json(
            {
                "path": str(write_ndjson_to),
                "records": sum(counts.values()),
                "kinds": counts,
                "seconds": round(time.monotonic() - started, 2),
                "data": config.describe(),
            }
        )
        return
    conf = settings()
    eng = engine()
    if serve:
        typer.echo(
            f"Loading demo data into tenant {tenant_name!r} ({config.describe()}) ...", err=True
        )
    loaded = load_demo(
        eng, config, tenant_name=tenant_name, progress=_Progress() if serve else None
    )
    url = f"http://{host}:{port}"
    token = loaded.key["token"]
    curl = f'curl -H "Authorization: Bearer {token}" {url}/v1/customers?limit=5'
    summary: dict[str, Any] = loaded.summary or {}
    access = issue_demo_access(eng, conf, loaded.tenant_id, loaded.key, url)
    if not serve:
        print_json(
            {
                "url": url,
                "tenant_id": loaded.tenant_id,
                "tenant_name": tenant_name,
                "key_id": loaded.key["key_id"],
                "token": token,
                "curl": curl,
                "data": config.describe(),
                **loaded.as_dict(),
                **access.as_dict(),
            }
        )
        return
    if loaded.note:
        typer.echo(f"Note: {loaded.note}", err=True)
    else:
        typer.echo(f"Imported {summary.get('records', 0):,} records in {loaded.seconds:.1f} s.")
    typer.echo(f"\nTenant: {tenant_name} (id {loaded.tenant_id})")
    typer.echo(f"API:    {url}   (OpenAPI docs: {url}/docs)")
    typer.echo(f"Token:  {token}")
    typer.echo(f"Try:    {curl}")
    typer.echo(f"Dashboard (signs you in): {access.dashboard_url}\n")
    typer.echo("The dashboard APIs (partner credential and portal token issued for the demo):")
    for name, request in access.requests.items():
        if name != "native":
            typer.echo(f"  {name + ':':8} {request}")
    typer.echo("")
    import uvicorn

    uvicorn.run(
        "billstats.app:create_app",
        factory=True,
        host=host,
        port=port,
        log_level="info",
        http="h11",  # httptools drops bodies of requests carrying Upgrade: h2c (Java clients)
        access_log=False,  # billstats logs each request itself (JSON, with its request id)
    )
