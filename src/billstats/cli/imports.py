"""``billstats import FILE``: bulk import of NDJSON or CSV (optionally gzip), all-or-nothing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from sqlalchemy import Connection

from billstats.cli.context import engine, handles_errors, print_json
from billstats.db.dialect import write_transaction
from billstats.errors import BillstatsError
from billstats.ingest import files
from billstats.tenants import repository as tenant_repo
from billstats.tenants import service as tenant_service
from billstats.tenants.schemas import Tenant


def pick_tenant(conn: Connection, ref: str | None) -> Tenant:
    """The tenant named by id or name; without one, the only tenant there is."""
    if ref is not None:
        return tenant_service.resolve(conn, ref)
    tenants = tenant_repo.list_all(conn)
    if len(tenants) == 1:
        return tenants[0]
    if not tenants:
        raise BillstatsError(
            "no tenant exists; create one with `billstats tenant create NAME`", 400, "no_tenant"
        )
    raise BillstatsError(
        f"{len(tenants)} tenants exist; choose one with --tenant (id or name)",
        400,
        "tenant_required",
    )


@contextmanager
def _progress_bar(label: str, quiet: bool) -> Iterator[files.Progress | None]:
    console = Console(stderr=True)
    if quiet or not console.is_terminal:
        yield None
        return
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )
    task = bar.add_task(label, total=None)

    def update(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total)

    with bar:
        yield update


@handles_errors
def import_command(
    file: Annotated[
        Path,
        typer.Argument(
            help="NDJSON or CSV file (.gz accepted)", exists=True, dir_okay=False, readable=True
        ),
    ],
    tenant: Annotated[
        str | None,
        typer.Option(help="Tenant id or name (may be omitted when there is exactly one tenant)"),
    ] = None,
    kind: Annotated[
        str | None,
        typer.Option(
            help="Kind of the records in a CSV file (default: from the file name, "
            "e.g. call_records.csv)"
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar")] = False,
) -> None:
    """Import records from a file, all-or-nothing; prints a JSON summary.

    NDJSON: one {"kind": ..., "data": {...}} per line, as POST /v1/import.  CSV: one kind per
    file, a header row of field names, an empty cell for an absent field, nested fields as JSON.
    Importing the same file again changes nothing.
    """
    source = files.describe(file, kind)
    eng = engine()
    with _progress_bar(f"importing {file.name}", quiet) as progress, write_transaction(eng) as conn:
        target = pick_tenant(conn, tenant)
        summary = files.import_file(conn, target.id, source, progress=progress)
    print_json(summary)
