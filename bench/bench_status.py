"""Benchmark: status of 500 clients (goal ≤ 1 s) and status + KPIs + ROI of one (goal ≤ 50 ms).

500 clients × weekly samples of 20 metrics × 24 months (about 1 M samples) are written
into a fresh cache; each timing is printed beside a plain pandas groupby over the same
samples as the reference. Run: .venv/bin/python bench/bench_status.py
"""

from __future__ import annotations

import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np

from csconsole.cache import Cache
from csconsole.catalog import load_catalog
from csconsole.health.engine import HealthEngine
from csconsole.roi import client_roi
from csconsole.rollup import load_samples, refresh_rollup

CLIENTS, WEEKS = 500, 104
TODAY = date(2026, 11, 22)
METRICS = {
    "automation_success_rate": 99.7, "time_saved": 12, "user_adoption": 94, "error_reduction": 89,
    "satisfaction": 9.0, "uptime": 99.8, "error_rate": 0.3, "error_count": 1, "active_processes": 4,
    "active_users": 8, "errors_prevented": 8, "system_costs": 80, "revenue_direct": 900,
    "revenue_assisted": 500, "revenue_influenced": 300, "integration_uptime": 99.9,
    "advanced_feature_utilisation": 78, "cross_department_efficiency": 15, "data_accuracy": 97.5,
    "optimisation_opportunities": 1,
}  # fmt: skip


def build(path: Path) -> Cache:
    cache = Cache.open(path)
    gen = np.random.default_rng(7)
    first = TODAY - timedelta(days=TODAY.weekday()) - timedelta(weeks=WEEKS)
    weeks = [(first + timedelta(weeks=w)).isoformat() for w in range(WEEKS)]
    with cache.engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO clients (key, name, tier, package_value, start_date, csm, technical_lead, "
            "contact_name, contact_email, team_size, hourly_rate, cost_per_error, synced_at) "
            "VALUES (?, ?, 'professional', 5000, ?, '', '', '', '', 10, 50, 100, '2026-01-01 00:00:00')",
            [(f"CL-{i:04d}", f"Client {i}", first.isoformat()) for i in range(CLIENTS)],
        )
        conn.exec_driver_sql("INSERT INTO client_targets SELECT id, 'time_saved', 11 FROM clients")
        for cid in range(1, CLIENTS + 1):
            stress = 0.3 if cid % 7 == 0 else 0.0
            rows = []
            for metric, level in METRICS.items():
                noise = (
                    1
                    + 0.01 * gen.standard_normal(WEEKS)
                    - (stress if metric == "user_adoption" else 0)
                )
                values = np.minimum(level * noise, 100.0 if level <= 100 else np.inf)
                rows += [
                    (cid, metric, w, "week", float(v)) for w, v in zip(weeks, values, strict=True)
                ]
            conn.exec_driver_sql(
                "INSERT INTO samples (client_id, metric, period_start, grain, value) VALUES (?, ?, ?, ?, ?)",
                rows,
            )
        refresh_rollup(conn)  # as a sync does at its end
    return cache


def timed(fn, repeat: int = 3) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        print(f"building {CLIENTS} clients × {len(METRICS)} metrics × {WEEKS} weeks …")
        cache = build(Path(tmp) / "bench.sqlite")
        catalog = load_catalog()
        now = datetime(2026, 11, 22, 9, tzinfo=UTC)
        engine = HealthEngine(cache, catalog, today=TODAY, now=now)
        month = engine.latest_complete
        all_samples = load_samples(cache.engine)
        print(f"{len(all_samples):,} samples")

        def reference() -> None:
            frame = load_samples(cache.engine)
            frame.groupby(["client_id", "metric", frame["period_start"].dt.to_period("M")])[
                "value"
            ].mean()

        ref_all = timed(reference)
        status_all = timed(
            lambda: HealthEngine(cache, catalog, today=TODAY, now=now).evaluate(month)
        )
        client = engine.find_client("CL-0042")

        def one() -> None:
            e = HealthEngine(cache, catalog, today=TODAY, now=now)
            (ev,) = e.evaluate(month, client=client)
            ev.kpis  # noqa: B018 - the KPIs come with the evaluation
            client_roi(cache, client=client, month=month)

        def reference_one() -> None:
            frame = load_samples(cache.engine, client_ids=[client.id])
            frame.groupby(["metric", frame["period_start"].dt.to_period("M")])["value"].mean()

        one_client = timed(one, repeat=10)
        ref_one = timed(reference_one, repeat=10)
        print(
            f"status of all {CLIENTS} clients:  {status_all * 1000:7.0f} ms (goal ≤ 1000 ms); "
            f"reference load + groupby of all samples: {ref_all * 1000:7.0f} ms"
        )
        print(
            f"status + KPIs + ROI of one client: {one_client * 1000:6.1f} ms (goal ≤ 50 ms); "
            f"reference load + groupby of its samples: {ref_one * 1000:6.1f} ms"
        )
        cache.close()


if __name__ == "__main__":
    main()
