"""CLI commands: the KPI summary (``billstats stats``).

The numbers come from ``metrics_api.service.query`` — the very body ``GET /v1/metrics`` returns —
so the terminal, the API and the dashboard always agree; this module only lays them out.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from billstats.cli.context import engine, handles_errors, print_json
from billstats.db.dialect import read_transaction
from billstats.metrics.registry import INTERVALS, REGISTRY, FieldKind, previous_range
from billstats.metrics_api import service
from billstats.tenants import service as tenant_service

# The dashboard's KPI cards, in the same order (title, metric).
KPIS: tuple[tuple[str, str], ...] = (
    ("MRR", "mrr"),
    ("ARR", "arr"),
    ("Paying customers", "customers"),
    ("ARPA", "arpa"),
    ("Customer churn", "customer_churn_rate"),
    ("Net revenue", "net_revenue"),
)
DASH = "—"


def format_value(kind: FieldKind, value: Any, currency: str) -> str:
    """A rendered API value for a terminal: money "USD 1,234.50", count "1,234", ratio "5.23%"."""
    if value is None:
        return DASH
    if kind == "money":
        return f"{currency} {Decimal(value):,}"
    if kind == "count":
        return f"{int(value):,}"
    if kind == "ratio":
        percent = (Decimal(value) * 100).quantize(Decimal("0.01"))
        return f"{percent:,}%"
    return f"{Decimal(value):,}"


def format_change(value: str | None) -> str:
    if value is None:
        return DASH
    number = Decimal(value)
    return f"{'+' if number > 0 else ''}{number:,}%"


def _kind(metric: str) -> FieldKind:
    return REGISTRY[metric].headline.kind


def _headline(metric: str) -> str:
    return REGISTRY[metric].headline.name


def summary_table(body: dict[str, Any], tenant_name: str) -> Table:
    first, last = date.fromisoformat(body["start_date"]), date.fromisoformat(body["end_date"])
    before_first, before_last = previous_range(first, last)
    currency = body["currency"]
    table = Table(
        title=f"KPIs of {tenant_name}, {first} to {last} ({currency})",
        caption=f"previous: {before_first} to {before_last}",
    )
    table.add_column("KPI")
    table.add_column("Current", justify="right", no_wrap=True)
    table.add_column("Previous", justify="right", no_wrap=True)
    table.add_column("Change", justify="right", no_wrap=True)
    for title, metric in KPIS:
        kpi = body["summary"][metric]
        kind = _kind(metric)
        table.add_row(
            title,
            format_value(kind, kpi["current"], currency),
            format_value(kind, kpi["previous"], currency),
            format_change(kpi["percentage_change"]),
        )
    return table


def entries_table(body: dict[str, Any]) -> Table:
    currency = body["currency"]
    table = Table(title=f"By {body['interval']} (period start; levels at period end)")
    table.add_column("Period", no_wrap=True)
    for title, _metric in KPIS:
        table.add_column(title, justify="right", no_wrap=True)
    for entry in body["entries"]:
        cells = [format_value(_kind(m), entry[_headline(m)], currency) for _, m in KPIS]
        table.add_row(entry["date"], *cells)
    return table


def stats(
    tenant: Annotated[str, typer.Option(help="Tenant id or name")],
    interval: Annotated[
        str, typer.Option(help=f"Bucket of the per-period table: {', '.join(INTERVALS)}")
    ] = "month",
    start_date: Annotated[
        str | None, typer.Option(help="First day, YYYY-MM-DD (default: end date - 29 days)")
    ] = None,
    end_date: Annotated[
        str | None, typer.Option(help="Last day, YYYY-MM-DD (default: today, tenant zone)")
    ] = None,
    product: Annotated[str | None, typer.Option(help="Only this product's records")] = None,
    plan: Annotated[str | None, typer.Option(help="Only this plan's records")] = None,
    currency: Annotated[
        str | None, typer.Option(help="Only records in this currency, unconverted")
    ] = None,
    test: Annotated[bool, typer.Option("--test", help="Test-mode records instead of live")] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the API's JSON body instead of tables")
    ] = False,
) -> None:
    """Print a tenant's KPI summary (MRR, ARR, paying customers, ARPA, churn, net revenue)."""
    params = {
        "start_date": start_date,
        "end_date": end_date,
        "interval": interval,
        "product_id": product,
        "plan_id": plan,
        "currency": currency,
        "livemode": "false" if test else "true",
    }
    wanted = {k: v for k, v in params.items() if v is not None}
    with read_transaction(engine()) as conn:
        found = tenant_service.resolve(conn, tenant)
        names = [metric for _, metric in KPIS]
        body = service.query(conn, found.id, names, wanted, datetime.now(UTC))
    if as_json:
        print_json(body)
        return
    console = Console()
    console.print(summary_table(body, found.name))
    console.print(entries_table(body))


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main CLI."""
    app.command("stats")(handles_errors(stats))
