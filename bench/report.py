"""Markdown of the read benchmark's results, the issue's targets, and the tables of the docs.

    .venv/bin/python -m bench.report            # rewrite docs/performance.md's read tables
    .venv/bin/python -m bench.report FILE...    # print the tables of these results files

``docs/performance.md`` keeps its prose; only the part between the markers
``<!-- read-bench:start -->`` and ``<!-- read-bench:end -->`` is generated, from the newest
results file of every database and scale in ``bench/results/``.
"""

from __future__ import annotations

import itertools
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
DOCS = ROOT.parent / "docs" / "performance.md"
START, END = "<!-- read-bench:start -->", "<!-- read-bench:end -->"

P99_MS = 50.0
REQ_PER_S = 500.0
RSS_MB = 1024.0
INGEST = {"call_records": 100_000, "usage_events": 100_000, "invoices": 20_000}


def _ms(value: Any) -> str:
    return "" if value is None else f"{value:,.1f}"


def endpoint_line(entry: dict[str, Any]) -> str:
    s, c = entry["single"], entry.get("concurrent", {})
    if s.get("errors"):
        return f"{entry['name']}: FAILED {s.get('first_error')}"
    cut = " (budget)" if s.get("budget_exhausted") else ""
    return (
        f"{entry['name']}: p50 {_ms(s.get('p50_ms'))} p99 {_ms(s.get('p99_ms'))} ms over "
        f"{s['requests']}{cut}; {c.get('req_per_s')} req/s at {c.get('clients')} clients"
    )


def _p50(measured: list[dict[str, Any]], name: str) -> float | None:
    for entry in measured:
        if entry["name"] == name:
            value = entry["single"].get("p50_ms")
            return float(value) if value is not None else None
    return None


def with_ratios(
    checks: list[dict[str, Any]], measured: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Each check with billstats' p50 (its endpoint), ``ratio`` = billstats / baseline time
    and ``speedup`` = baseline / billstats."""
    out = []
    for check in checks:
        p50 = _p50(measured, check["endpoint"])
        base_ms = round(check["baseline_seconds"] * 1000, 2)
        ratio = speedup = None
        if p50 and base_ms:  # both from the two times as shown
            ratio, speedup = round(p50 / base_ms, 4), round(base_ms / p50, 2)
        out.append(
            {
                **check,
                "billstats_p50_ms": p50,
                "baseline_ms": base_ms,
                "ratio": ratio,
                "speedup": speedup,
            }
        )
    return out


def check_line(check: dict[str, Any], measured: list[dict[str, Any]]) -> str:
    row = with_ratios([check], measured)[0]
    verdict = "equal" if row["equal"] else f"DIFFERENT ({row['difference_count']})"
    return (
        f"{row['check']}: {verdict} over {row['values_compared']} values; baseline "
        f"{_ms(row['baseline_ms'])} ms, billstats p50 {_ms(row['billstats_p50_ms'])} ms, "
        f"speed-up {row['speedup']}"
    )


def targets(results: dict[str, Any]) -> dict[str, Any]:
    """The issue's targets, judged on this run (they are set for SQLite at scale 100)."""
    endpoints = [e for e in results["endpoints"] if not e["single"].get("errors")]
    slow = [e["name"] for e in endpoints if (e["single"].get("p99_ms") or 0) > P99_MS]
    weak = [
        e["name"] for e in endpoints if (e.get("concurrent", {}).get("req_per_s") or 0) < REQ_PER_S
    ]
    baseline = [c for c in results["baseline"] if c.get("speedup_target")]
    kinds = results["load"].get("kinds", {})
    ingest = {
        kind: {
            "records_per_s": kinds[kind]["records_per_s"],
            "target": floor,
            "met": (kinds[kind]["records_per_s"] or 0) >= floor,
        }
        for kind, floor in INGEST.items()
        if kind in kinds
    }
    peak = results["server"]["peak_rss_mb"]
    return {
        "p99_le_50ms": {"met": len(endpoints) - len(slow), "of": len(endpoints), "missed": slow},
        "req_per_s_ge_500": {
            "met": len(endpoints) - len(weak),
            "of": len(endpoints),
            "missed": weak,
        },
        "speedup_vs_baseline": {
            c["check"]: {
                "speedup": c["speedup"],
                "target": c["speedup_target"],
                "met": (c["speedup"] or 0) >= c["speedup_target"],
            }
            for c in baseline
        },
        "ingest_records_per_s": ingest,
        "server_rss_le_1gb": {"peak_rss_mb": peak, "met": peak <= RSS_MB},
    }


def _yes(met: bool) -> str:
    return "yes" if met else "no"


def _load_table(load: dict[str, Any]) -> list[str]:
    kinds = load.get("kinds")
    if not kinds:
        return ["(load reused from an earlier run; its numbers were not kept)"]
    lines = ["| kind | records | seconds | records/s |", "| --- | ---: | ---: | ---: |"]
    for kind, k in kinds.items():
        extra = f" (+{k['invoice_lines']:,} lines)" if k.get("invoice_lines") else ""
        lines.append(
            f"| {kind} | {k['records']:,}{extra} | {k['seconds']:,.1f} | "
            f"{k['records_per_s'] or 0:,} |"
        )
    lines.append(
        f"| **all** | {load['records']:,} | {load['seconds']:,.1f} | {load['records_per_s']:,} |"
    )
    return lines


def _endpoint_table(endpoints: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| endpoint | requests | p50 ms | p95 ms | p99 ms | req/s at 16 | p99 ms at 16 |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for e in endpoints:
        s, c = e["single"], e.get("concurrent", {})
        if s.get("errors"):
            lines.append(f"| {e['name']} | failed: HTTP {s['first_error']['status']} | | | | | |")
            continue
        cut = "*" if s.get("budget_exhausted") or c.get("budget_exhausted") else ""
        rate = c.get("req_per_s") or ""
        if c.get("skipped"):
            rate = f"skipped (< {c['req_per_s_upper_bound']})"
        lines.append(
            f"| {e['group']}: {e['name']} | {s['requests']}{cut} | {_ms(s.get('p50_ms'))} | "
            f"{_ms(s.get('p95_ms'))} | {_ms(s.get('p99_ms'))} | {rate} | "
            f"{_ms(c.get('p99_ms'))} |"
        )
    return lines


def _baseline_table(checks: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| check | values | equal | billstats p50 ms | baseline ms | billstats/baseline | "
        "speed-up |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: |",
    ]
    for c in checks:
        target = f" (target {c['speedup_target']:g}x)" if c.get("speedup_target") else ""
        lines.append(
            f"| {c['check']} | {c['values_compared']:,} | {'yes' if c['equal'] else '**NO**'} | "
            f"{_ms(c['billstats_p50_ms'])} | {_ms(c['baseline_ms'])} | {c['ratio']} | "
            f"{c['speedup']}x{target} |"
        )
    return lines


def markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    t = results["targets"]
    head = (
        f"### {results['db']}, scale {results['scale']:g} ({results['date'][:10]}, anchor "
        f"{results['anchor_date']})\n\n"
        f"{m['nproc']} CPUs ({m['cpu']}), {m['ram_gib']} GiB, Python {m['python']}, SQLite "
        f"{m['sqlite']}{', PostgreSQL ' + m['postgresql'] if m.get('postgresql') else ''}; "
        f"load average {m.get('load_average_before')} before, {m['load_average']} after; "
        f"database {(results['database_bytes'] or 0) / 2**20:,.0f} MiB; server peak RSS "
        f"{results['server']['peak_rss_mb']:,.0f} MiB ({results['server']['workers']} worker)."
    )
    summary = (
        f"Targets on this run: p99 <= 50 ms {t['p99_le_50ms']['met']}/{t['p99_le_50ms']['of']}, "
        f">= 500 req/s {t['req_per_s_ge_500']['met']}/{t['req_per_s_ge_500']['of']}, "
        f"RSS <= 1 GB {_yes(t['server_rss_le_1gb']['met'])}; "
        + "; ".join(
            f"{name} {v['speedup']}x faster than the baseline (>= {v['target']:g}x: "
            f"{_yes(v['met'])})"
            for name, v in t["speedup_vs_baseline"].items()
        )
        + "; "
        + "; ".join(
            f"{kind} {v['records_per_s']:,}/s (>= {v['target']:,}: {_yes(v['met'])})"
            for kind, v in t["ingest_records_per_s"].items()
        )
        + "."
    )
    parts = [
        head,
        "Bulk load (`import_file`, one transaction per part of at most 1,000,000 records):",
        "\n".join(_load_table(results["load"])),
        "Read endpoints (* = stopped by the time budget before the requested count):",
        "\n".join(_endpoint_table(results["endpoints"])),
        "Baseline (straight SQL over the raw rows, in-process; equal = every value compared "
        "is the same):",
        "\n".join(_baseline_table(results["baseline"])),
        summary,
    ]
    return "\n\n".join(parts)


def _is_read_result(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or "endpoints" not in data:
        return None
    return data


def latest(paths: list[Path]) -> dict[tuple[str, float], dict[str, Any]]:
    """The newest read-benchmark results per (db, scale)."""
    out: dict[tuple[str, float], dict[str, Any]] = {}
    for path in paths:
        data = _is_read_result(path)
        if data is None or data["options"].get("only"):
            continue
        key = (data["db"], float(data["scale"]))
        if key not in out or data["date"] > out[key]["date"]:
            out[key] = data
    return out


def growth(small: dict[str, Any], large: dict[str, Any]) -> list[str]:
    """p50 at the larger scale over p50 at the smaller one, per endpoint (target: <= 2)."""
    before = {e["name"]: e["single"].get("p50_ms") for e in small["endpoints"]}
    lines = [
        f"| endpoint | p50 ms at {small['scale']:g} | p50 ms at {large['scale']:g} | growth | "
        "at most 2x |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for e in large["endpoints"]:
        a, b = before.get(e["name"]), e["single"].get("p50_ms")
        ratio, met = (f"{b / a:.2f}x", _yes(b / a <= 2)) if a and b else ("", "")
        lines.append(f"| {e['name']} | {_ms(a)} | {_ms(b)} | {ratio} | {met} |")
    return lines


def generated(results: dict[tuple[str, float], dict[str, Any]]) -> str:
    parts: list[str] = []
    for db in ("sqlite", "postgresql"):
        runs = sorted((scale, r) for (d, scale), r in results.items() if d == db)
        parts += [markdown(r) for _, r in runs]
        for (_, small), (_, large) in itertools.pairwise(runs):
            parts.append(
                f"#### {db}: scale {small['scale']:g} -> {large['scale']:g} (target: p50 at most "
                f"doubles)\n\n" + "\n".join(growth(small, large))
            )
    return "\n\n".join(parts) if parts else "(no results yet: run `python -m bench.run`)"


def update_docs(paths: list[Path], docs: Path = DOCS) -> None:
    """Rewrite the generated part of ``docs`` from the newest results of every db and scale."""
    text = docs.read_text()
    body = f"{START}\n\n{generated(latest(paths))}\n\n{END}"
    if START in text and END in text:
        before, rest = text.split(START, 1)
        _, after = rest.split(END, 1)
        text = before + body + after
    else:
        text = text.rstrip() + "\n\n" + body + "\n"
    docs.write_text(text)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args:
        for name in args:
            data = _is_read_result(Path(name))
            if data is not None:
                print(markdown(data) + "\n")
        return 0
    update_docs(sorted((ROOT / "results").glob("*.json")))
    print(f"updated {DOCS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
