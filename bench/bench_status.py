"""Benchmark: status of every client (goal ≤ 1 s) and status + KPIs + ROI of one (goal ≤ 50 ms).

Run with ``.venv/bin/python bench/bench_status.py [--clients N]``. The cache is the kept
one of N clients (default 500) × 20 weekly metrics × 24 months (~1 M samples; 24 metrics
and ~10 M samples at 4,000 clients), synced from its warehouse by ``csconsole sync`` (see
benchlib.py), so whatever the sync maintains besides the samples is there. In this
process, best of three runs each:

1. the health engine's status of every client for the last whole month (``HealthEngine(…)
   .evaluate(month)``), beside a plain pandas load + monthly groupby of every sample;
2. status + KPIs + ROI of one client, beside the same load + groupby of its samples.

Absolute goals, since these are the engine's own budgets; the references say what the
machine could do at the time. Exits 1 when a goal is missed.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from benchlib import TODAY, Dataset, Report, child_env, work_root

GOAL_ALL_MS = 1000.0
GOAL_ONE_MS = 50.0


def timed(fn: Callable[[], object], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--clients", type=int, default=500, help="clients in the cache")
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="the kept folder of data sets (default: $CSCONSOLE_BENCH_WORK or bench/.work)",
    )
    args = parser.parse_args()
    work = work_root(args.data_dir)
    env = child_env(work)
    os.environ.update({k: env[k] for k in ("CSCONSOLE_HOME", "CSCONSOLE_TODAY")})
    ds = Dataset.for_clients(args.clients)
    report = Report("bench_status")
    print(f"csconsole status benchmark (today pinned to {TODAY}): {ds.describe()}")
    path = ds.cache(work)

    import pandas as pd

    from csconsole.cache import Cache
    from csconsole.catalog import load_catalog
    from csconsole.health import HealthEngine
    from csconsole.roi import client_roi

    cache = Cache.open(path, check=False)
    catalog = load_catalog()
    now = datetime(2026, 11, 22, 9, tzinfo=UTC)
    engine = HealthEngine(cache, catalog, today=TODAY, now=now)
    month = engine.latest_complete  # the last whole month, as before
    client = engine.find_client(f"BC-{min(42, args.clients):05d}")

    def load(where: str = "") -> pd.DataFrame:
        with sqlite3.connect(path) as conn:
            frame = pd.read_sql_query(
                f"SELECT client_id, metric, period_start, value FROM samples {where}",
                conn,
                parse_dates=["period_start"],
            )
        return frame

    def reference() -> None:
        frame = load()
        frame.groupby(["client_id", "metric", frame["period_start"].dt.to_period("M")])[
            "value"
        ].mean()

    def status_all() -> int:
        return len(HealthEngine(cache, catalog, today=TODAY, now=now).evaluate(month))

    def one() -> None:
        e = HealthEngine(cache, catalog, today=TODAY, now=now)
        (ev,) = e.evaluate(month, client=client)
        ev.kpis  # noqa: B018 - the KPIs come with the evaluation
        client_roi(cache, client=client, month=month)

    def reference_one() -> None:
        frame = load(f"WHERE client_id = {int(client.id)}")
        frame.groupby(["metric", frame["period_start"].dt.to_period("M")])["value"].mean()

    evaluated = status_all()
    if evaluated != args.clients:
        report.error(f"the status listed {evaluated} clients, not {args.clients}")
    ref_all = timed(reference)
    all_s = timed(status_all)
    one_s = timed(one, repeat=10)
    ref_one = timed(reference_one, repeat=10)
    report.figure(
        f"status of all {args.clients:,} clients", f"{all_s * 1000:.0f} ms",
        f"≤ {GOAL_ALL_MS:.0f} ms", all_s * 1000 <= GOAL_ALL_MS,
        f"reference: pandas load + monthly groupby of all {ds.samples:,} samples "
        f"{ref_all * 1000:.0f} ms",
    )  # fmt: skip
    report.figure(
        "status + KPIs + ROI of one client", f"{one_s * 1000:.1f} ms",
        f"≤ {GOAL_ONE_MS:.0f} ms", one_s * 1000 <= GOAL_ONE_MS,
        f"reference: pandas load + monthly groupby of its samples {ref_one * 1000:.1f} ms",
    )  # fmt: skip
    cache.close()
    return report.exit_code()


if __name__ == "__main__":
    sys.exit(main())
