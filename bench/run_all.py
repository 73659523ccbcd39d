"""Run every benchmark, then print one table of every figure with its goal and verdict.

``make bench`` runs this at the default sizes (minutes); ``make bench-scale`` runs it with
``--clients 4000`` (~10 M samples; the first run builds the data for a long while, later
runs reuse it). A benchmark that misses a goal does not stop the others: each runs to
its end, and this exits 1 when any figure missed or any benchmark failed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchlib import BENCH_DIR, ENV_RESULTS, ENV_WORK, EXIT_MISSED


def plan(args: argparse.Namespace) -> list[list[str]]:
    """The benchmarks and their arguments."""
    if args.clients is None:
        return [
            ["bench_sync.py"],
            ["bench_status.py"],
            ["bench_cli.py"],
            ["bench_gui.py"],
            ["bench_opportunities.py"],
            ["bench_renewals.py"],
            ["bench_reports.py"],
        ]
    n = str(args.clients)
    return [
        ["bench_cli.py", "--clients", n],
        ["bench_status.py", "--clients", n],
        ["bench_gui.py", "--clients", n, "--only", "start", "--only", "sync"],
        ["bench_sync.py", "--clients", n, "--runs", "3"],  # 10 M-sample syncs: minutes each
    ]


def read_rows(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--clients", type=int, help="the scale mode: the benchmarks that build data, at N clients"
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="the kept folder of data sets (default: $CSCONSOLE_BENCH_WORK or bench/.work)",
    )
    parser.add_argument("--skip", action="append", default=[], help="skip this benchmark (name)")
    args = parser.parse_args()
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    if args.data_dir:
        env[ENV_WORK] = str(args.data_dir.resolve())
    summary: list[list[str]] = [["benchmark", "figure", "value", "goal", "verdict"]]
    failed = False
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="csconsole-bench-results-") as tmp:
        for script, *extra in plan(args):
            name = script.removesuffix(".py")
            if name in args.skip or script in args.skip:
                continue
            results = Path(tmp) / f"{name}.jsonl"
            cmd = [sys.executable, str(BENCH_DIR / script), *extra]
            print(f"\n=== {' '.join([script, *extra])} ===", flush=True)
            began = time.perf_counter()
            code = subprocess.run(cmd, env={**env, ENV_RESULTS: str(results)}, check=False)
            took = time.perf_counter() - began
            rows = read_rows(results)
            summary += [[name, r["figure"], r["value"], r["goal"], r["verdict"]] for r in rows]
            missed = any(r["verdict"] != "PASS" for r in rows)
            if code.returncode != 0:
                failed = True
                if code.returncode != EXIT_MISSED or not missed:
                    summary.append([name, f"exited with code {code.returncode}", "", "", "ERROR"])
            elif missed:
                failed = True  # a script that printed a miss but exited 0
            print(f"=== {script}: exit code {code.returncode} after {took:.0f} s ===", flush=True)
    print()
    print(f"Summary ({time.perf_counter() - started:.0f} s)")
    print(table(summary) if len(summary) > 1 else "no figures")
    print()
    print("some goals missed" if failed else "all goals met")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
