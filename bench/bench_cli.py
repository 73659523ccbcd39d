"""Benchmark: the command line's start, status and re-sync, as ratios to references run beside them.

Run with ``.venv/bin/python bench/bench_cli.py [--clients N] [--runs N]``. Every figure is
the median of the ratios of ``--runs`` pairs of whole processes, target and reference in
turn, after one uncounted run of each:

1. ``csconsole --version`` beside ``python -c pass`` (goal ≤ 4×): what importing the
   command line costs before any work;
2. ``csconsole status --client X --json`` on the cache of N clients (default 500, 24
   months, ~1 M samples) beside ``csconsole --version`` (goal ≤ 2×): one client's status
   must not cost the whole portfolio;
3. ``csconsole status --json`` of all N clients with 24 months of history beside the same
   clients with only their last 3 months (goal ≤ 1.3×): the status reads months, not the
   whole history;
4. ``csconsole sync`` with nothing new, right after a full sync, beside ``csconsole
   --version`` (goal ≤ 2×); with ``--clients`` of 2,000 or more it is measured at the
   default 500 clients (~1 M samples) too, and the two re-syncs side by side (goal ≤ 1.3×:
   flat from 1 M to 10 M samples).

The warehouses and synced caches are kept in the work folder (see benchlib.py) and reused.
``CSCONSOLE_TODAY`` is pinned to 2026-11-22. Exits 1 when a goal is missed.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from benchlib import (
    TODAY,
    WEEKS_3M,
    Dataset,
    Report,
    child_env,
    csconsole,
    fmt_ratio,
    paired,
    run_checked,
    work_root,
)

GOAL_VERSION = 4.0
GOAL_CLIENT = 2.0
GOAL_HISTORY = 1.3
GOAL_RESYNC = 2.0
GOAL_FLAT = 1.3
DEFAULT_CLIENTS = 500
SCALE_FROM = 2000
PARTS = ("version", "client", "history", "resync")


def check_status(out: str, *, clients: int) -> str | None:
    """None when ``status --json`` printed ``clients`` clients, else what is wrong."""
    try:
        data = json.loads(out)
    except json.JSONDecodeError as exc:
        return f"status --json printed no JSON ({exc})"
    got = len(data.get("clients", []))
    return None if got == clients else f"status --json listed {got} clients, not {clients}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--clients", type=int, default=DEFAULT_CLIENTS, help="clients in the cache")
    parser.add_argument("--runs", type=int, default=5, help="pairs of runs for each figure")
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="the kept folder of data sets (default: $CSCONSOLE_BENCH_WORK or bench/.work)",
    )
    parser.add_argument("--only", choices=PARTS, action="append", help="run only these parts")
    args = parser.parse_args()
    if args.clients < 1 or args.runs < 1:
        parser.error("--clients and --runs must be at least 1")
    only = set(args.only or PARTS)
    work = work_root(args.data_dir)
    env = child_env(work)
    report = Report("bench_cli")
    full = Dataset.for_clients(args.clients)
    print(f"csconsole command-line benchmark (today pinned to {TODAY}), {args.runs} pairs a figure")
    print(f"  work folder {work}")
    print(f"  {full.describe()}")
    version = csconsole("--version")

    if "version" in only:
        result = paired(version, [sys.executable, "-c", "pass"], env=env, runs=args.runs)
        report.figure(
            "csconsole --version / python -c pass", fmt_ratio(result.ratio),
            f"≤ {GOAL_VERSION:g}×", result.ratio <= GOAL_VERSION, result.detail(),
        )  # fmt: skip

    if "client" in only:
        cache = full.cache(work)
        key = f"BC-{min(42, args.clients):05d}"
        target = csconsole("status", "--client", key, "--json", cache=cache)
        problem = check_status(run_checked(target, env, "csconsole status --client"), clients=1)
        if problem:
            report.error(problem)
        result = paired(target, version, env=env, runs=args.runs)
        report.figure(
            f"status --client {key} --json / --version ({args.clients:,} clients)",
            fmt_ratio(result.ratio), f"≤ {GOAL_CLIENT:g}×", result.ratio <= GOAL_CLIENT,
            result.detail(),
        )  # fmt: skip

    if "history" in only:
        short = Dataset(full.clients, full.metrics, WEEKS_3M)
        print(f"  beside {short.describe()}")
        long_cache, short_cache = full.cache(work), short.cache(work)
        target = csconsole("status", "--json", cache=long_cache)
        reference = csconsole("status", "--json", cache=short_cache)
        for cmd in (target, reference):
            problem = check_status(run_checked(cmd, env, "csconsole status"), clients=args.clients)
            if problem:
                report.error(problem)
        result = paired(target, reference, env=env, runs=args.runs)
        report.figure(
            f"status --json, 24 months / 3 months ({args.clients:,} clients)",
            fmt_ratio(result.ratio), f"≤ {GOAL_HISTORY:g}×", result.ratio <= GOAL_HISTORY,
            result.detail(),
        )  # fmt: skip

    if "resync" in only:
        sizes = [full]
        if args.clients >= SCALE_FROM:
            sizes.insert(0, Dataset.for_clients(DEFAULT_CLIENTS))
        resyncs = {}
        for ds in sizes:
            cache = ds.cache(work)
            target = csconsole("sync", cache=cache)
            out = run_checked(target, env, "csconsole sync")
            if "nothing new" not in out:
                report.error(
                    f"the re-sync of {ds.samples:,} samples found something: {out.strip()}"
                )
            resyncs[ds] = target
            result = paired(target, version, env=env, runs=args.runs)
            report.figure(
                f"re-sync, nothing new / --version ({ds.samples / 1e6:.2f} M samples)",
                fmt_ratio(result.ratio), f"≤ {GOAL_RESYNC:g}×", result.ratio <= GOAL_RESYNC,
                result.detail(),
            )  # fmt: skip
        if len(sizes) == 2:
            small, big = sizes
            result = paired(resyncs[big], resyncs[small], env=env, runs=args.runs)
            report.figure(
                f"re-sync at {big.samples / 1e6:.2f} M / at {small.samples / 1e6:.2f} M samples",
                fmt_ratio(result.ratio), f"≤ {GOAL_FLAT:g}×", result.ratio <= GOAL_FLAT,
                result.detail(),
            )  # fmt: skip
    return report.exit_code()


if __name__ == "__main__":
    sys.exit(main())
