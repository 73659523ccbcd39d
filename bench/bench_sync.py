"""Benchmark: sync of N samples (default 1,000,000) from a SQLite warehouse into an empty cache.

Run with ``make bench`` or ``.venv/bin/python bench/bench_sync.py [--rows N | --clients N]``.
In one run it

1. builds a SQLite warehouse (resources/warehouse/sqlite.sql) of valid weekly samples:
   500 clients x 20 catalog metrics x 100 weeks for the default 1,000,000 rows; with
   ``--clients N`` instead, the kept warehouse of N clients x 24 months of benchlib.py
   (~10 M samples at 4,000 clients; built once, reused), and no quarantine run;
2. times, in ``--runs`` pairs (default 5) in turn, the reference: a raw ``sqlite3``
   ``executemany`` upsert of the same six columns, read from the warehouse with a plain
   cursor in the sync's order, into a bare table with the same primary key in a fresh file
   (one transaction, default pragmas), and csconsole's sync (``Cache.open`` on a fresh
   file + ``Syncer(...).sync(source)``) in a child process, whose peak resident set size
   (``ru_maxrss``) is the memory figure; the median of the pairs' rows/s ratios, ours over
   the reference's, is the ratio figure (goal >= 0.75);
4. times a re-sync with nothing new, in another child process;
5. checks the results: the cache holds exactly N samples, the first run inserted N samples
   (plus the clients), the re-sync inserted and updated nothing, and nothing was rejected;
6. quarantine throughput: a sync of a second warehouse of N samples of which every tenth
   row is bad, cycling through every kind of bad row the sync sets aside, into another
   empty cache; its rows/s is printed beside the all-good sync's (goal >= 0.8 of it) and
   the rows set aside are checked against the bad rows written (``--no-quarantine`` skips).

Each figure is printed next to its goal; exits 1 when one is missed, 2 when a result is
wrong. ``--profile FILE`` writes a cProfile of the sync.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from benchlib import TODAY, Dataset, Report, work_root

GOAL_RATIO = 0.75
GOAL_QUARANTINE_RATIO = 0.8
BAD_EVERY = 10  # every tenth row of the quarantine warehouse is bad
#: One bad row of each kind the sync sets aside: (client, metric, period_start, grain, value,
#: updated_at) of a good row in, the bad row out.
BAD_KINDS: list[Any] = [
    lambda r, prev: ("ZZ-404", *r[1:]),  # unknown client
    lambda r, prev: (r[0], "no_such_metric", *r[2:]),  # unknown metric
    lambda r, prev: (*r[:4], "n/a", r[5]),  # wrong type: text
    lambda r, prev: (*r[:4], b"\x00\xff", r[5]),  # wrong type: BLOB
    lambda r, prev: (*r[:4], None, r[5]),  # wrong type: NULL (NaN in SQLite)
    lambda r, prev: (*r[:3], "hour", *r[4:]),  # wrong type: grain
    lambda r, prev: (*r[:4], float("inf"), r[5]),  # not a finite number
    lambda r, prev: (*r[:4], -1e6, r[5]),  # out of range
    lambda r, prev: (*r[:2], "2099-01-05", *r[3:]),  # future date
    lambda r, prev: (*r[:2], "02/11/2026", *r[3:]),  # bad date
    lambda r, prev: (*r[:2], None, *r[3:]),  # bad date: NULL
    lambda r, prev: (*prev[:4], -0.5 if prev[4] == 0 else prev[4] / 2, prev[5]),  # duplicate
    lambda r, prev: (*r[:5], "2099-01-01 00:00:00.000000"),  # updated in the future
    lambda r, prev: (*r[:5], None),  # no updated_at
]
GOAL_RESYNC_S = 1.0
GOAL_PEAK_MB = 500.0
METRICS = 20
MAX_WEEKS = 100
MIN_CLIENTS = 500
SEED = 20260

REFERENCE_DDL = """
CREATE TABLE samples (
    client_id     TEXT NOT NULL,
    metric        TEXT NOT NULL,
    period_start  TEXT NOT NULL,
    grain         TEXT NOT NULL,
    value         REAL NOT NULL,
    source_id     INTEGER,
    PRIMARY KEY (client_id, metric, period_start)
)
"""
REFERENCE_READ = (
    "SELECT client_id, metric, period_start, grain, value, 1 FROM cs_metric_samples "
    "ORDER BY updated_at, sample_id"
)
REFERENCE_UPSERT = (
    "INSERT INTO samples (client_id, metric, period_start, grain, value, source_id) "
    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (client_id, metric, period_start) DO UPDATE SET "
    "grain = excluded.grain, value = excluded.value, source_id = excluded.source_id"
)


# --- the warehouse ----------------------------------------------------------------


def build_warehouse(path: Path, rows: int, today: date, *, bad_every: int = 0) -> tuple[int, int]:
    """Write ``rows`` weekly samples; returns the number of clients and of bad rows.

    With ``bad_every`` N, every Nth row is replaced by a bad one (BAD_KINDS in turn), in a
    samples table without NOT NULL constraints (as a view over a warehouse may expose)."""
    from csconsole.catalog import load_catalog
    from csconsole.ingest.warehouse import TIMESTAMP_FORMAT
    from csconsole.paths import resources_dir

    catalog = load_catalog()
    metrics = [m for m in catalog.metrics.values() if not m.clients][:METRICS]
    if len(metrics) < METRICS:
        raise SystemExit(f"the catalog has only {len(metrics)} metrics for every client")
    tiers = list(catalog.tiers)
    n_clients = max(MIN_CLIENTS, math.ceil(rows / (METRICS * MAX_WEEKS)))
    n_weeks = math.ceil(rows / (n_clients * METRICS))
    # Weeks start on Mondays and end before today; 100 weeks stay inside 24 months.
    last_week = today - timedelta(days=today.weekday() + 7)
    weeks = [last_week - timedelta(weeks=n_weeks - 1 - i) for i in range(n_weeks)]
    rng = random.Random(SEED)
    keys = [f"BC-{i + 1:05d}" for i in range(n_clients)]
    created = datetime.combine(weeks[0] - timedelta(days=30), datetime.min.time())

    bad = 0

    def samples() -> Any:
        nonlocal bad
        produced = 0
        previous: tuple[Any, ...] = ()
        ranges = []
        for m in metrics:
            lo = m.minimum if m.minimum is not None else 0.0
            hi = m.maximum if m.maximum is not None else lo + 1000.0
            ranges.append((m.key, lo, hi - lo))
        for week in weeks:
            start = week.isoformat()
            loaded = datetime.combine(week + timedelta(days=7), datetime.min.time()).replace(hour=2)
            stamp = loaded.strftime(TIMESTAMP_FORMAT)
            for key in keys:
                for metric, lo, span in ranges:
                    if produced == rows:
                        return
                    produced += 1
                    row = (key, metric, start, "week", round(lo + span * rng.random(), 3), stamp)
                    if bad_every and produced % bad_every == 0 and previous:
                        row = BAD_KINDS[bad % len(BAD_KINDS)](row, previous)
                        bad += 1
                    else:
                        previous = row
                    yield row

    path.unlink(missing_ok=True)
    conn = sqlite3.connect(path)
    try:
        conn.executescript(
            (resources_dir() / "warehouse" / "sqlite.sql").read_text(encoding="utf-8")
        )
        if bad_every:
            conn.executescript(
                "DROP TABLE cs_metric_samples;"
                "CREATE TABLE cs_metric_samples (sample_id INTEGER PRIMARY KEY, client_id, "
                "metric, period_start, grain, value, updated_at);"
                "CREATE INDEX cs_metric_samples_sync ON cs_metric_samples (updated_at, sample_id);"
            )
        conn.executemany(
            "INSERT INTO cs_clients VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [
                (
                    key, f"Bench client {i + 1}", tiers[i % len(tiers)], 2500.0,
                    (weeks[0] - timedelta(days=60)).isoformat(), "Maya Okafor", "Tom Lindqvist",
                    "Alex Smith", f"alex@client{i + 1}.example", 10, 55.0, 75.0, 0.0,
                    created.strftime(TIMESTAMP_FORMAT),
                )
                for i, key in enumerate(keys)
            ],
        )  # fmt: skip
        conn.executemany(
            "INSERT INTO cs_metric_samples (client_id, metric, period_start, grain, value, updated_at) "
            "VALUES (?,?,?,?,?,?)",
            samples(),
        )
        conn.commit()
    finally:
        conn.close()
    return n_clients, bad


# --- the reference ----------------------------------------------------------------


def reference_upsert(warehouse: Path, target: Path) -> tuple[int, float]:
    """Raw sqlite3: read with a plain cursor, executemany-upsert into a bare table."""
    target.unlink(missing_ok=True)
    started = time.perf_counter()
    src = sqlite3.connect(warehouse)
    dst = sqlite3.connect(target)
    try:
        dst.execute(REFERENCE_DDL)
        dst.executemany(REFERENCE_UPSERT, src.execute(REFERENCE_READ))
        dst.commit()
        elapsed = time.perf_counter() - started
        count = int(dst.execute("SELECT count(*) FROM samples").fetchone()[0])
    finally:
        src.close()
        dst.close()
    return count, elapsed


# --- the measured sync, in a child process --------------------------------------------


def child(args: argparse.Namespace) -> None:
    """Run one sync of the warehouse into the cache and print its figures as JSON."""
    from sqlalchemy import select

    from csconsole.cache import Cache
    from csconsole.catalog import load_catalog
    from csconsole.ingest.sync import Syncer
    from csconsole.models import Source, utcnow

    catalog = load_catalog()
    started = time.perf_counter()
    cache = Cache.open(Path(args.cache))
    open_s = time.perf_counter() - started
    with cache.session() as session:
        source = session.scalar(select(Source).where(Source.name == "bench"))
        if source is None:
            source = Source(
                name="bench", kind="sql", url=f"sqlite:///{args.warehouse}", created_at=utcnow()
            )
            session.add(source)
    syncer = Syncer(cache, catalog)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if args.tracemalloc:
        import tracemalloc

        tracemalloc.start()
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    started = time.perf_counter()
    summary = syncer.sync(source)
    sync_s = time.perf_counter() - started
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(args.profile)
    traced_peak = None
    if args.tracemalloc:
        import tracemalloc

        traced_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with cache.engine.connect() as conn:
        count = conn.exec_driver_sql("SELECT count(*) FROM samples").scalar_one()
        clients = conn.exec_driver_sql("SELECT count(*) FROM clients").scalar_one()
    cache.close()
    print(
        json.dumps(
            {
                "open_s": open_s,
                "sync_s": sync_s,
                "status": summary.status,
                "message": summary.message,
                "inserted": summary.inserted,
                "updated": summary.updated,
                "unchanged": summary.unchanged,
                "rejected": summary.rejected_total,
                "text": summary.text(),
                "samples_in_cache": count,
                "clients_in_cache": clients,
                "rss_before_kb": rss_before,
                "rss_peak_kb": rss_peak,
                "traced_peak_bytes": traced_peak,
            }
        )
    )


def run_child(cache: Path, warehouse: Path, *extra: str) -> dict[str, Any]:
    cmd = [
        sys.executable,
        __file__,
        "--child",
        "--cache",
        str(cache),
        "--warehouse",
        str(warehouse),
    ]
    done = subprocess.run([*cmd, *extra], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"the sync process failed with exit code {done.returncode}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# --- the run ------------------------------------------------------------------------


def quarantine(workdir: Path, n: int, good_rate: float, report: Report) -> list[str]:
    """The sync of N samples of which every BAD_EVERY-th is bad, beside the all-good rate."""
    warehouse = workdir / "warehouse-bad.sqlite"
    cache = workdir / "cache-bad.sqlite"
    started = time.perf_counter()
    _, n_bad = build_warehouse(warehouse, n, date.today(), bad_every=BAD_EVERY)
    print(
        f"  quarantine warehouse built in {time.perf_counter() - started:.1f} s "
        f"({n_bad:,} bad rows of {len(BAD_KINDS)} kinds)"
    )
    for path in (cache, cache.with_name(cache.name + "-wal")):
        path.unlink(missing_ok=True)
    run = run_child(cache, warehouse)
    rate = n / run["sync_s"]
    ratio = rate / good_rate
    print(
        f"sync with {100 / BAD_EVERY:.0f} % bad rows        {rate:>12,.0f} rows/s  "
        f"({run['sync_s']:.2f} s; all-good sync of this run {good_rate:,.0f} rows/s)"
    )
    report.figure(
        "sync with 10 % bad rows / all-good sync", f"{ratio:.2f}×",
        f">= {GOAL_QUARANTINE_RATIO}×", ratio >= GOAL_QUARANTINE_RATIO,
    )  # fmt: skip
    print(f"  quarantine run: {run['text']}")
    problems = []
    if run["status"] != "ok":
        problems.append(f"quarantine sync status {run['status']}: {run['message']}")
    if run["rejected"] != n_bad:
        problems.append(f"the quarantine sync set aside {run['rejected']} rows, not {n_bad}")
    if run["samples_in_cache"] != n - n_bad:
        problems.append(
            f"the quarantine cache holds {run['samples_in_cache']} samples, not {n - n_bad}"
        )
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=1_000_000, help="samples in the warehouse")
    parser.add_argument(
        "--clients",
        type=int,
        help="the scale mode: sync the kept warehouse of N clients x 24 months instead",
    )
    parser.add_argument("--workdir", type=Path, help="where the files go (default: a temp folder)")
    parser.add_argument("--keep", action="store_true", help="keep the files afterwards")
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="the kept folder of data sets (default: $CSCONSOLE_BENCH_WORK or bench/.work)",
    )
    parser.add_argument("--runs", type=int, default=5, help="pairs of reference and sync runs")
    parser.add_argument("--profile", type=Path, help="write a cProfile of the first sync here")
    parser.add_argument(
        "--tracemalloc",
        action="store_true",
        help="also run the sync once more under tracemalloc (slow) for the Python peak",
    )
    parser.add_argument(
        "--no-quarantine", action="store_true", help="skip the sync with 10 %% bad rows"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--cache", help=argparse.SUPPRESS)
    parser.add_argument("--warehouse", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return 0
    if args.rows < 1 or args.runs < 1:
        parser.error("--rows and --runs must be at least 1")

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="csconsole-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    warehouse = workdir / "warehouse.sqlite"
    cache = workdir / "cache.sqlite"
    reference = workdir / "reference.sqlite"
    n = args.rows
    failures: list[str] = []
    report = Report("bench_sync")
    try:
        if args.clients:
            dataset = Dataset.for_clients(args.clients)
            n = dataset.samples
            print(f"csconsole sync benchmark: {dataset.describe()}, files in {workdir}")
            warehouse = dataset.warehouse(work_root(args.data_dir))
            # The kept warehouse ends before the pinned today (retention counts from it).
            os.environ["CSCONSOLE_TODAY"] = TODAY.isoformat()
            args.no_quarantine = True
        else:
            print(f"csconsole sync benchmark: {n:,} samples, files in {workdir}")
            started = time.perf_counter()
            n_clients, _ = build_warehouse(warehouse, n, date.today())
            print(
                f"  warehouse built in {time.perf_counter() - started:.1f} s "
                f"({n_clients} clients x {METRICS} metrics, weekly)"
            )

        # The machine may be shared: the reference and the sync run in turn, --runs pairs
        # (the order alternating), and the figure is the median of the pair ratios. An
        # uncounted reference run first warms the OS cache for the warehouse file.
        reference_upsert(warehouse, reference)
        ref_times: list[float] = []
        runs: list[dict[str, Any]] = []
        for i in range(args.runs):
            for kind in ("reference", "sync") if i % 2 == 0 else ("sync", "reference"):
                if kind == "reference":
                    ref_count, ref_s = reference_upsert(warehouse, reference)
                    if ref_count != n:
                        failures.append(f"the reference holds {ref_count} rows, not {n}")
                    ref_times.append(ref_s)
                    continue
                for path in (
                    cache,
                    cache.with_name(cache.name + "-wal"),
                    cache.with_name(cache.name + "-shm"),
                ):
                    path.unlink(missing_ok=True)
                extra = ["--profile", str(args.profile)] if args.profile and not runs else []
                runs.append(run_child(cache, warehouse, *extra))
        rusage_children_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        with sqlite3.connect(warehouse) as conn:  # the sync counts targets as inserted rows
            targets = int(conn.execute("SELECT count(*) FROM cs_client_targets").fetchone()[0])
        first = runs[-1]  # its cache is the one the re-sync runs on
        second = run_child(cache, warehouse)

        ratios = [r / run["sync_s"] for r, run in zip(ref_times, runs, strict=True)]
        ratio = statistics.median(ratios)
        sync_times = [run["sync_s"] for run in runs]
        sync_s = statistics.median(sync_times)
        ref_s = statistics.median(ref_times)
        ours_rate, ref_rate = n / sync_s, n / ref_s
        peak_mb = max(run["rss_peak_kb"] for run in runs) / 1024
        print()
        print(
            f"sync into an empty cache      {ours_rate:>12,.0f} rows/s  (median "
            f"{sync_s:.2f} s of {', '.join(f'{t:.2f}' for t in sync_times)})"
        )
        print(
            f"reference (sqlite3 upsert)    {ref_rate:>12,.0f} rows/s  (median {ref_s:.2f} s of "
            f"{', '.join(f'{t:.2f}' for t in ref_times)})"
        )
        report.figure(
            f"sync of {n / 1e6:.2f} M samples / raw sqlite3 upsert (rows/s)", f"{ratio:.2f}×",
            f">= {GOAL_RATIO}×", ratio >= GOAL_RATIO,
            f"median of {args.runs} pair ratios: {', '.join(f'{r:.2f}' for r in ratios)}",
        )  # fmt: skip
        report.figure(
            "Syncer re-sync with nothing new", f"{second['sync_s']:.3f} s",
            f"<= {GOAL_RESYNC_S:g} s", second["sync_s"] <= GOAL_RESYNC_S,
        )  # fmt: skip
        report.figure(
            "peak memory of the sync (ru_maxrss)", f"{peak_mb:.0f} MB",
            f"<= {GOAL_PEAK_MB:.0f} MB", peak_mb <= GOAL_PEAK_MB,
        )  # fmt: skip
        print(
            "  measured as ru_maxrss (peak resident set) of the child process that ran the sync: "
            "whole process, interpreter, libraries and SQLite caches included; "
            f"{first['rss_before_kb'] / 1024:.0f} MB before the sync started "
            f"(RUSAGE_CHILDREN agrees: {rusage_children_kb / 1024:.0f} MB)"
        )
        print(f"  cache opened and migrated in {first['open_s']:.2f} s (not counted in the sync)")
        if args.tracemalloc:
            cache_t = workdir / "cache-traced.sqlite"
            cache_t.unlink(missing_ok=True)
            traced = run_child(cache_t, warehouse, "--tracemalloc")
            print(
                f"  tracemalloc peak of Python allocations during a sync: "
                f"{traced['traced_peak_bytes'] / 2**20:.0f} MB (that run: {traced['sync_s']:.1f} s)"
            )
        print(f"  last full sync: {first['text']}")
        print(f"  re-sync:        {second['text']}")
        if not args.no_quarantine:
            failures += quarantine(workdir, n, ours_rate, report)

        # Correctness: every sample landed once, the re-sync changed nothing.
        checks = [
            (first["status"] == "ok", f"first sync status {first['status']}: {first['message']}"),
            (
                first["samples_in_cache"] == n,
                f"cache holds {first['samples_in_cache']} samples, not {n}",
            ),
            (
                first["inserted"] == n + first["clients_in_cache"] + targets,
                f"the last full sync inserted {first['inserted']}, not {n} samples + "
                f"{first['clients_in_cache']} clients + {targets} targets",
            ),
            (first["updated"] == 0, f"first sync updated {first['updated']}"),
            (first["rejected"] == 0, f"first sync rejected {first['rejected']}"),
            (second["status"] == "ok", f"re-sync status {second['status']}: {second['message']}"),
            (second["inserted"] == 0, f"re-sync inserted {second['inserted']}"),
            (second["updated"] == 0, f"re-sync updated {second['updated']}"),
            (second["rejected"] == 0, f"re-sync rejected {second['rejected']}"),
            (
                second["samples_in_cache"] == n,
                f"after the re-sync the cache holds {second['samples_in_cache']}",
            ),
        ]
        failures += [message for ok, message in checks if not ok]
        print()
        if failures:
            print("correctness: FAIL")
            for message in failures:
                report.error(message)
        else:
            print(
                f"correctness: OK (cache holds exactly {n:,} samples; the last full sync inserted {n:,} "
                f"samples + {first['clients_in_cache']} clients + {targets} targets; the re-sync "
                "inserted 0 and updated 0)"
            )
        if args.profile:
            print(f"profile of the first sync written to {args.profile}")
    finally:
        if not args.keep and args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    return report.exit_code()


if __name__ == "__main__":
    sys.exit(main())
