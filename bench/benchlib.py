"""What the benchmarks share: the data sets, the kept work folder, paired timing, figures.

- **Data sets.** ``Dataset(clients, metrics, weeks)`` is a SQLite warehouse of weekly
  samples written with plain ``sqlite3`` (one ``INSERT … SELECT`` over small tables of
  clients, metrics and weeks), so 10 M samples take a minute or two, not an hour. Values
  are a deterministic function of client, metric and calendar week: the 3-month data set
  of N clients holds exactly the last 13 weeks of the 24-month one. The tables are made
  by ``csconsole warehouse init``, the cache by ``csconsole source add`` + ``csconsole
  sync``: the benchmarks reach csconsole through its public command line only (and
  MainWindow and Syncer where they measure those).
- **The kept work folder** (``bench/.work/`` unless ``--data-dir`` or
  ``$CSCONSOLE_BENCH_WORK`` says otherwise) holds each warehouse under a folder named by
  its parameters, and each synced cache under it by the cache's migrations too, so a
  rerun reuses both and a new migration builds a new cache. A lock file keeps two runs
  from building the same thing at once.
- **Paired timing.** ``paired`` runs a target and a reference command as whole processes
  in turn (T R, R T, …) after a warm-up of each, and reports the median of the pair
  ratios: on a shared, noisy machine a ratio taken side by side holds when absolute
  times drift.
- **Figures.** ``Report.figure`` prints a figure beside its goal and verdict and, when
  ``$CSCONSOLE_BENCH_RESULTS`` names a file (``bench/run_all.py`` sets it), appends it
  there as a JSON line for the summary table. A benchmark exits 1 when any figure missed.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, NoReturn

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
SRC = REPO / "src"
TODAY = date(2026, 11, 22)
WEEKS_24M = 104  # 24 months of weekly samples
WEEKS_3M = 13  # 3 months
ENV_WORK = "CSCONSOLE_BENCH_WORK"
ENV_RESULTS = "CSCONSOLE_BENCH_RESULTS"
#: Bump when the generator below writes different data: kept warehouses are rebuilt.
GENERATOR_VERSION = 1

# The benchmark measures the csconsole of this checkout, whichever venv runs it (a git
# worktree may run the main checkout's venv, whose editable install points elsewhere).
if str(SRC) not in sys.path:
    sys.path.insert(0, str(SRC))

#: (key, healthy level, cap, decimals): the 20 metrics every client has (essential and
#: professional tiers), then 4 enterprise ones for the 24 of the 10 M scale.
METRICS: list[tuple[str, float, float | None, int]] = [
    ("automation_success_rate", 99.7, 100, 2), ("time_saved", 12, None, 1),
    ("user_adoption", 94, 100, 1), ("error_reduction", 89, 100, 1),
    ("satisfaction", 9.0, 10, 1), ("uptime", 99.8, 100, 2), ("error_rate", 0.3, 100, 3),
    ("error_count", 1, None, 0), ("active_processes", 4, None, 0), ("active_users", 8, None, 0),
    ("errors_prevented", 8, None, 0), ("system_costs", 80, None, 2),
    ("revenue_direct", 900, None, 2), ("revenue_assisted", 500, None, 2),
    ("revenue_influenced", 300, None, 2), ("integration_uptime", 99.9, 100, 2),
    ("advanced_feature_utilisation", 78, 100, 1), ("cross_department_efficiency", 15, None, 1),
    ("data_accuracy", 97.5, 100, 1), ("optimisation_opportunities", 1, None, 0),
    ("direct_revenue_impact", 1200, None, 2), ("process_efficiency_baseline", 6, 10, 1),
    ("process_efficiency_rating", 8, 10, 1), ("scalability_readiness", 7, 10, 1),
]  # fmt: skip
TIERS = ((2500.0, "essential"), (5000.0, "professional"), (10000.0, "enterprise"))
CSMS = ("Maya Okafor", "Daniel Brooks", "Priya Raman")


def default_metrics(clients: int) -> int:
    """20 metrics a client (about 1 M samples at 500 clients, as before); 24 from 2,000
    clients on, so that 4,000 clients make ~10 M samples over 24 months."""
    return 24 if clients >= 2000 else 20


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def fmt_ratio(value: float) -> str:
    return f"{value:.2f}×"


# --- the work folder ----------------------------------------------------------------------


def work_root(arg: Path | None = None) -> Path:
    root = arg or Path(os.environ.get(ENV_WORK) or BENCH_DIR / ".work")
    root.mkdir(parents=True, exist_ok=True)
    return root.resolve()


@contextlib.contextmanager
def locked(folder: Path) -> Iterator[None]:
    """Hold ``folder/.lock`` while building what the folder keeps."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(
                f"  waiting for another run that is building {folder.name} …",
                flush=True,
            )
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def migrations_key() -> str:
    """A short hash of the cache's migration scripts: a kept cache is reused only by the
    csconsole whose migrations made it (a newer cache would be refused, an older one
    migrated in place, slowly, outside the measurement)."""
    folder = SRC / "csconsole" / "migrations" / "versions"
    digest = hashlib.sha256()
    for path in sorted(folder.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def child_env(work: Path, **extra: str) -> dict[str, str]:
    """The environment of every csconsole child: this checkout's code, today pinned, its
    own home, settings and keyring, offscreen Qt, and bytecode cached in the work folder
    (the checkout runs with PYTHONDONTWRITEBYTECODE: without a cache every start would
    compile csconsole again, which an installed csconsole never does)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    path = env.get("PYTHONPATH")
    env.update(
        PYTHONPATH=str(SRC) + (os.pathsep + path if path else ""),
        PYTHONPYCACHEPREFIX=str(work / "pycache"),
        CSCONSOLE_HOME=str(work / "home"),
        CSCONSOLE_TODAY=TODAY.isoformat(),
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
        XDG_CONFIG_HOME=str(work / "xdg-config"),
        QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"),
    )
    env.pop("CSCONSOLE_CACHE", None)
    env.update(extra)
    return env


def csconsole(*args: str | Path, cache: Path | None = None) -> list[str]:
    """The command line of ``python -m csconsole [--cache FILE] ARGS``."""
    head = [sys.executable, "-m", "csconsole"]
    if cache is not None:
        head += ["--cache", str(cache)]
    return head + [str(a) for a in args]


EXIT_MISSED, EXIT_FAILED = 1, 2


def fail(message: str) -> NoReturn:
    """Stop the benchmark: something other than a figure went wrong (exit code 2, which
    run_all.py tells apart from a missed goal)."""
    print(f"error: {message}", file=sys.stderr, flush=True)
    raise SystemExit(EXIT_FAILED)


def run_checked(cmd: Sequence[str], env: dict[str, str], what: str) -> str:
    done = subprocess.run(list(cmd), capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-4000:] + done.stderr[-4000:])
        fail(f"{what} failed with exit code {done.returncode}: {' '.join(cmd)}")
    return done.stdout


# --- data sets ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Dataset:
    """``clients`` × ``metrics`` weekly metrics × ``weeks`` weeks, ending the week before
    the week before TODAY (as a nightly warehouse load would)."""

    clients: int
    metrics: int
    weeks: int = WEEKS_24M

    @classmethod
    def for_clients(cls, clients: int, *, weeks: int = WEEKS_24M) -> Dataset:
        return cls(clients, default_metrics(clients), weeks)

    @property
    def samples(self) -> int:
        return self.clients * self.metrics * self.weeks

    @property
    def name(self) -> str:
        return f"c{self.clients}-m{self.metrics}-w{self.weeks}-{TODAY.isoformat()}-g{GENERATOR_VERSION}"

    def describe(self) -> str:
        return (
            f"{self.clients:,} clients × {self.metrics} weekly metrics × {self.weeks} weeks "
            f"= {self.samples:,} samples"
        )

    def week_starts(self) -> list[date]:
        last = TODAY - timedelta(days=TODAY.weekday() + 7)
        return [last - timedelta(weeks=self.weeks - 1 - i) for i in range(self.weeks)]

    def folder(self, work: Path) -> Path:
        return work / "data" / self.name

    def warehouse(self, work: Path) -> Path:
        """The kept warehouse, built on first use."""
        folder = self.folder(work)
        path = folder / "warehouse.sqlite"
        if (folder / "warehouse.ok").exists() and path.exists():
            return path
        with locked(folder):
            if not (folder / "warehouse.ok").exists():
                started = time.perf_counter()
                print(f"  building the warehouse of {self.describe()} …", flush=True)
                build_warehouse(path, self, work)
                took = time.perf_counter() - started
                (folder / "warehouse.ok").write_text(
                    json.dumps({"samples": self.samples, "build_s": round(took, 1)})
                )
                print(f"  warehouse built in {took:.1f} s: {path}", flush=True)
        return path

    def cache(self, work: Path) -> Path:
        """The kept cache, synced from the kept warehouse by ``csconsole sync``."""
        folder = self.folder(work) / f"cache-{migrations_key()}"
        path = folder / "cache.sqlite"
        if (folder / "cache.ok").exists() and path.exists():
            return path
        warehouse = self.warehouse(work)
        with locked(folder):
            if not (folder / "cache.ok").exists():
                for stale in folder.glob("cache.sqlite*"):
                    if stale.is_dir():
                        shutil.rmtree(stale)
                    else:
                        stale.unlink()
                started = time.perf_counter()
                print("  syncing it into a kept cache (csconsole sync) …", flush=True)
                env = child_env(work)
                run_checked(
                    csconsole("source", "add", "bench", "--url", f"sqlite:///{warehouse}", cache=path),
                    env, "csconsole source add",
                )  # fmt: skip
                out = run_checked(csconsole("sync", cache=path), env, "csconsole sync")
                took = time.perf_counter() - started
                (folder / "cache.ok").write_text(
                    json.dumps({"sync": out.strip(), "sync_s": round(took, 1)})
                )
                print(f"  cache synced in {took:.1f} s: {out.strip()}", flush=True)
        return path

    def half_cache(self, work: Path) -> tuple[Path, int]:
        """A kept cache holding the earlier half of the weeks, synced by ``csconsole sync``
        from a warehouse of those rows only (same sample ids), whose file is then replaced
        by a hard link to the whole warehouse: a sync of a copy of this cache reads the
        later half, as a nightly load would bring it. Returns the path and its samples."""
        folder = self.folder(work) / f"cache-{migrations_key()}-half"
        path, source, marker = (
            folder / "cache.sqlite",
            folder / "source.sqlite",
            folder / "cache.ok",
        )
        if not (marker.exists() and path.exists()):
            warehouse = self.warehouse(work)
            with locked(folder):
                if not marker.exists():
                    for stale in folder.glob("*.sqlite*"):
                        if stale.is_dir():
                            shutil.rmtree(stale)
                        else:
                            stale.unlink()
                    started = time.perf_counter()
                    weeks = self.weeks // 2
                    print(
                        f"  syncing the first {weeks} weeks of {self.describe()} into a kept cache …"
                    )
                    env = child_env(work)
                    building = folder / "source.sqlite.building"
                    run_checked(
                        csconsole("warehouse", "init", f"sqlite:///{building}"),
                        env,
                        "csconsole warehouse init",
                    )
                    last = self.week_starts()[weeks - 1].isoformat()
                    conn = sqlite3.connect(building)
                    try:
                        conn.execute("ATTACH DATABASE ? AS whole", (str(warehouse),))
                        for table in ("cs_clients", "cs_client_targets"):
                            conn.execute(f"INSERT INTO {table} SELECT * FROM whole.{table}")
                        conn.execute(
                            "INSERT INTO cs_metric_samples SELECT * FROM whole.cs_metric_samples "
                            "WHERE period_start <= ? ORDER BY sample_id",
                            (last,),
                        )
                        conn.commit()
                    finally:
                        conn.close()
                    building.rename(source)
                    run_checked(
                        csconsole("source", "add", "bench", "--url", f"sqlite:///{source}", cache=path),
                        env, "csconsole source add",
                    )  # fmt: skip
                    out = run_checked(csconsole("sync", cache=path), env, "csconsole sync")
                    source.unlink()
                    os.link(warehouse, source)
                    with contextlib.closing(sqlite3.connect(path)) as conn:
                        samples = int(conn.execute("SELECT count(*) FROM samples").fetchone()[0])
                    took = time.perf_counter() - started
                    marker.write_text(json.dumps({"sync": out.strip(), "samples": samples}))
                    print(f"  half cache synced in {took:.0f} s: {out.strip()}", flush=True)
        return path, int(json.loads(marker.read_text())["samples"])


def build_warehouse(path: Path, ds: Dataset, work: Path) -> None:
    """The warehouse contract's tables (``csconsole warehouse init``) filled by plain
    sqlite3: clients and targets by recursive CTEs, samples by one INSERT … SELECT over
    small tables of clients, metrics and weeks, in load order (week by week)."""
    if ds.metrics > len(METRICS):
        fail(f"at most {len(METRICS)} metrics a client")
    for stale in path.parent.glob(path.name + "*"):
        stale.unlink()
    building = path.with_name(path.name + ".building")
    building.unlink(missing_ok=True)
    run_checked(
        csconsole("warehouse", "init", f"sqlite:///{building}"),
        child_env(work),
        "csconsole warehouse init",
    )
    weeks = ds.week_starts()
    # The same clients whatever the weeks: they started 60 days before 24 months ago.
    start = (TODAY - timedelta(days=TODAY.weekday() + 7 + 7 * (WEEKS_24M - 1) + 60)).isoformat()
    created = datetime.combine(weeks[0] - timedelta(days=30), datetime.min.time())
    stamp = "%Y-%m-%d %H:%M:%S.%f"
    conn = sqlite3.connect(building)
    try:
        conn.executescript(
            "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -200000;"
            "CREATE TEMP TABLE b_clients (i INTEGER PRIMARY KEY, key TEXT);"
            "CREATE TEMP TABLE b_metrics (n INTEGER PRIMARY KEY, key TEXT, level REAL, cap REAL,"
            " decimals INTEGER, spread REAL);"
            "CREATE TEMP TABLE b_weeks (n INTEGER PRIMARY KEY, abs INTEGER, start TEXT,"
            " stamp TEXT);"
        )
        conn.execute(
            "INSERT INTO b_clients WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
            "FROM c WHERE i < ?) SELECT i, printf('BC-%05d', i) FROM c",
            (ds.clients,),
        )
        # Noise of ±2 % of the level, less near a cap (99.7 % stays between 99.4 and 100).
        conn.executemany(
            "INSERT INTO b_metrics VALUES (?, ?, ?, ?, ?, ?)",
            [
                (
                    n,
                    key,
                    level,
                    cap,
                    decimals,
                    min(0.04 * level, 2 * (cap - level)) if cap else 0.04 * level,
                )
                for n, (key, level, cap, decimals) in enumerate(METRICS[: ds.metrics])
            ],
        )
        conn.executemany(
            "INSERT INTO b_weeks VALUES (?, ?, ?, ?)",
            [
                (
                    n,
                    week.toordinal() // 7,
                    week.isoformat(),
                    datetime.combine(week + timedelta(days=7), datetime.min.time())
                    .replace(hour=2)
                    .strftime(stamp),
                )
                for n, week in enumerate(weeks)
            ],
        )
        tier = " ".join(f"WHEN {n} THEN '{name}'" for n, (_, name) in enumerate(TIERS))
        value = " ".join(f"WHEN {n} THEN {v}" for n, (v, _) in enumerate(TIERS))
        csm = " ".join(f"WHEN {n} THEN '{name}'" for n, name in enumerate(CSMS))
        conn.execute(
            "INSERT INTO cs_clients (client_id, name, tier, package_value, start_date, csm, "
            "technical_lead, contact_name, contact_email, team_size, hourly_rate, "
            "cost_per_error, setup_fee, updated_at) "
            f"SELECT key, 'Bench client ' || i, CASE i % 3 {tier} END, "
            f"CASE i % 3 {value} END, ?, CASE i % 3 {csm} END, 'Tom Lindqvist', "
            "'Alex Smith', 'alex@client' || i || '.example', 10, 55.0, 75.0, NULL, ? "
            "FROM b_clients ORDER BY i",
            (start, created.strftime(stamp)),
        )
        conn.execute(
            "INSERT INTO cs_client_targets (client_id, metric, target, updated_at) "
            "SELECT key, 'time_saved', 11, ? FROM b_clients ORDER BY i",
            (created.strftime(stamp),),
        )
        # u in [0, 1): a hash of client, metric and calendar week. Every 7th client's
        # adoption, every 11th's uptime and every 13th's satisfaction are low, so the
        # portfolio has red and yellow clients among the green.
        u = (
            "((((c.i * 7919 + m.n * 104729 + w.abs * 1299709) % 1000003) "
            "* ((c.i * 7919 + m.n * 104729 + w.abs * 1299709) % 1000003) + 12345) "
            "% 1000003) / 1000003.0"
        )
        level = (
            "m.level - CASE WHEN m.key = 'user_adoption' AND c.i % 7 = 0 THEN 25 "
            "WHEN m.key = 'uptime' AND c.i % 11 = 0 THEN 1.2 "
            "WHEN m.key = 'satisfaction' AND c.i % 13 = 0 THEN 1.5 ELSE 0 END"
        )
        raw = f"({level}) + m.spread * ({u} - 0.5)"
        capped = f"CASE WHEN m.cap IS NULL THEN {raw} ELSE min(m.cap, {raw}) END"
        conn.execute(
            "INSERT INTO cs_metric_samples (client_id, metric, period_start, grain, value, "
            f"updated_at) SELECT c.key, m.key, w.start, 'week', round({capped}, m.decimals), "
            "w.stamp FROM b_weeks AS w CROSS JOIN b_clients AS c CROSS JOIN b_metrics AS m "
            "ORDER BY w.n, c.i, m.n"
        )
        conn.commit()
        count = conn.execute("SELECT count(*) FROM cs_metric_samples").fetchone()[0]
        if count != ds.samples:
            fail(f"the warehouse holds {count:,} samples, not {ds.samples:,}")
    finally:
        conn.close()
    building.rename(path)


# --- timing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    """One whole process: wall seconds, and the CPU seconds (user + system) the operating
    system counted for it, which a busy machine disturbs less than the wall time."""

    wall: float
    cpu: float


def time_process(cmd: Sequence[str], env: dict[str, str]) -> Timing:
    """One whole process, its output thrown away; fails on a non-zero exit."""
    started = time.perf_counter()
    proc = subprocess.Popen(list(cmd), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    assert proc.stderr is not None
    errors = proc.stderr.read()
    proc.stderr.close()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.stderr.write(errors.decode(errors="replace")[-4000:])
        fail(f"exit code {proc.returncode}: {' '.join(cmd)}")
    return Timing(wall, usage.ru_utime + usage.ru_stime)


@dataclass
class Paired:
    """Target and reference runs of a paired measurement, and the ratio of each pair."""

    target: list[Timing] = field(default_factory=list)
    reference: list[Timing] = field(default_factory=list)

    @property
    def ratios(self) -> list[float]:
        """Wall-time ratios, target over reference, pair by pair: the figure."""
        return [t.wall / r.wall for t, r in zip(self.target, self.reference, strict=True)]

    @property
    def cpu_ratios(self) -> list[float]:
        return [t.cpu / r.cpu for t, r in zip(self.target, self.reference, strict=True)]

    @property
    def ratio(self) -> float:
        return statistics.median(self.ratios)

    def detail(self) -> str:
        med = statistics.median
        return (
            f"wall medians {med(t.wall for t in self.target):.3f} s vs "
            f"{med(r.wall for r in self.reference):.3f} s, pair ratios "
            + ", ".join(f"{r:.2f}" for r in self.ratios)
            + f"; CPU medians {med(t.cpu for t in self.target):.3f} s vs "
            f"{med(r.cpu for r in self.reference):.3f} s, CPU ratio {med(self.cpu_ratios):.2f}×"
        )


def paired(
    target: Sequence[str],
    reference: Sequence[str],
    *,
    env: dict[str, str],
    runs: int,
    warmup: int = 1,
) -> Paired:
    """Whole-process runs of ``target`` and ``reference`` in turn, after ``warmup`` uncounted
    runs of each; the order alternates in each pair so neither always runs second."""
    for _ in range(warmup):
        time_process(target, env)
        time_process(reference, env)
    result = Paired()
    for i in range(runs):
        if i % 2 == 0:
            result.target.append(time_process(target, env))
            result.reference.append(time_process(reference, env))
        else:
            result.reference.append(time_process(reference, env))
            result.target.append(time_process(target, env))
    return result


# --- figures ------------------------------------------------------------------------------


class Report:
    """The figures of one benchmark run: printed as they come, kept for the summary."""

    def __init__(self, bench: str) -> None:
        self.bench = bench
        self.missed: list[str] = []
        self.errors: list[str] = []
        self._results = os.environ.get(ENV_RESULTS)

    def figure(self, name: str, value: str, goal: str, ok: bool, detail: str = "") -> None:
        print(f"{name:<62} {value:>9}   goal {goal:<10} {verdict(ok)}", flush=True)
        if detail:
            print(f"    {detail}", flush=True)
        if not ok:
            self.missed.append(name)
        self._write({"figure": name, "value": value, "goal": goal, "verdict": verdict(ok)})

    def info(self, name: str, value: str, detail: str = "") -> None:
        """A figure printed without a goal (a reference, a size)."""
        print(f"{name:<62} {value:>9}", flush=True)
        if detail:
            print(f"    {detail}", flush=True)

    def error(self, message: str) -> None:
        """Something that is not a figure went wrong (a wrong result, a failed child)."""
        print(f"ERROR: {message}", flush=True)
        self.errors.append(message)
        self._write({"figure": message, "value": "", "goal": "", "verdict": "ERROR"})

    def _write(self, row: dict[str, Any]) -> None:
        if self._results:
            with open(self._results, "a", encoding="utf-8") as out:
                out.write(json.dumps({"bench": self.bench, **row}) + "\n")

    def exit_code(self) -> int:
        print()
        if self.errors:
            print(f"{self.bench}: errors: {'; '.join(self.errors)}")
        print(
            f"{self.bench}: all goals met"
            if not self.missed
            else f"{self.bench}: missed: {', '.join(self.missed)}"
        )
        return EXIT_FAILED if self.errors else EXIT_MISSED if self.missed else 0
