"""
Print the load test's table from Locust's CSV statistics, against the bare view.

    python bench/load/report.py var/load/app_stats.csv var/load/bare_stats.csv var/load/alone.json

One row per endpoint: requests, failures, median (p50) and 95th percentile
(p95) latency in milliseconds, requests per second over the run, p50 and p95
as multiples of the bare view's (``/_load/ok``) in the comparison run, and
the endpoint's median asked alone before the run (``probe.py``), which is its
own work without any wait for a free worker.
Locust rounds latencies above 100 ms to two significant digits.
"""

from __future__ import annotations

import argparse
import csv
import json
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Row:
    name: str
    requests: int
    failures: int
    p50: float
    p95: float
    rps: float


def read_stats(path: Path) -> list[Row]:
    """Return the endpoint rows of a Locust ``*_stats.csv``, the aggregate last."""
    with path.open(newline="", encoding="utf-8") as handle:
        return [
            Row(
                name=record["Name"],
                requests=int(record["Request Count"]),
                failures=int(record["Failure Count"]),
                p50=float(record["50%"]),
                p95=float(record["95%"]),
                rps=float(record["Requests/s"]),
            )
            for record in csv.DictReader(handle)
        ]


def _ratio(value: float, base: float) -> str:
    return f"{value / base:.1f}×" if base else "–"


def _alone(alone: dict[str, float], name: str) -> str:
    return f"{alone[name]:.0f}" if name in alone else "–"


def table(app: list[Row], bare: list[Row], alone: dict[str, float]) -> str:
    """A Markdown table of the app's endpoints and the bare view, with the ratios."""
    base = next(row for row in bare if row.name == "Aggregated")
    lines = [
        "| endpoint | requests | failures | p50 ms | p95 ms | req/s | p50 ÷ bare | p95 ÷ bare "
        "| alone ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in app:
        name = "all of the above" if row.name == "Aggregated" else row.name
        lines.append(
            f"| {name} | {row.requests} | {row.failures} | {row.p50:.0f} | {row.p95:.0f} "
            f"| {row.rps:.1f} | {_ratio(row.p50, base.p50)} | {_ratio(row.p95, base.p95)} "
            f"| {_alone(alone, row.name)} |"
        )
    lines.append(
        f"| bare view `GET /_load/ok` (separate run) | {base.requests} | {base.failures} "
        f"| {base.p50:.0f} | {base.p95:.0f} | {base.rps:.1f} | 1.0× | 1.0× "
        f"| {_alone(alone, 'GET /_load/ok')} |"
    )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("app", type=Path, help="Locust stats CSV of the app run")
    parser.add_argument("bare", type=Path, help="Locust stats CSV of the bare-view run")
    parser.add_argument(
        "alone", type=Path, nargs="?", help="probe.py's medians of each endpoint asked alone"
    )
    args = parser.parse_args()
    alone = json.loads(args.alone.read_text()) if args.alone and args.alone.exists() else {}
    print(table(read_stats(args.app), read_stats(args.bare), alone))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
