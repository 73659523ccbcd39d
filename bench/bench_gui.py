"""Benchmark: the console's start-up, a client dashboard, and the GUI's responsiveness during sync.

Run with ``.venv/bin/python bench/bench_gui.py [--clients N] [--rows N] [--runs N]``
(offscreen unless QT_QPA_PLATFORM says otherwise). In one run it

1. cold start: the kept cache of ``--clients`` clients (default 200) × 20 weekly metrics ×
   24 months (benchlib.py; synced by ``csconsole sync``, reused by later runs); in
   ``--runs`` pairs of fresh child processes, the time from the process's spawn until
   MainWindow shows the portfolio's rows, beside a bare PySide6 process that shows an empty
   QMainWindow, in turn; the median of the pair ratios (goal ≤ 5×);
2. dashboard: builds a 200-client cache from the demo generator (its clients and stories
   repeated) and, in one warm process, times opening a client (MainWindow.open_client,
   which calls DashboardView.show_client) until its dashboard and its 24-month chart are
   set and painted, background work included, for several clients with 24 months of data;
   beside it, the engine part alone (build_dashboard + metric_series over 24 months);
3. sync: a QTimer heartbeat every 10 ms while MainWindow's sync (SyncController, Syncer on
   a worker thread) copies a ``--rows`` sample warehouse (default 1,000,000) into an empty
   cache, and while the window refreshes after it; the longest gap beyond the interval is
   the longest block of the event loop (goal ≤ 50 ms), and the GUI process's peak resident
   set its memory (goal ≤ 500 MB). Beside them, the same heartbeat in a bare Python
   process running meanwhile: the machine's own scheduling delays, which no code of ours
   causes. With ``--clients`` of 2,000 or more (the scale mode) it syncs instead the later
   half of the kept N-client warehouse (~5 M samples at 4,000 clients) into a copy of a
   kept cache that holds its earlier half (benchlib's ``Dataset.half_cache``), so that the
   refresh and the memory are those of the whole (~10 M samples).

It also lists which heavy modules are imported right after ``import
csconsole.views.main_window`` and once the portfolio is shown. Each figure is printed next
to its goal and PASS/MISS; none of this is a timed test.
"""

from __future__ import annotations

import time

T_MODULE = time.perf_counter()  # as early as we can: before anything else is imported

import argparse  # noqa: E402
import itertools  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from datetime import date  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

GOAL_START_RATIO = 5.0
GOAL_DASHBOARD_MS = 150.0
GOAL_BLOCK_MS = 50.0
GOAL_RSS_MB = 500.0
SCALE_FROM = 2000
HEARTBEAT_MS = 10
CLIENTS = 200
TODAY = date(2026, 11, 22)
HEAVY = ("pandas", "numpy", "reportlab", "pyqtgraph", "openpyxl", "jinja2", "keyring")
BENCH_DIR = Path(__file__).resolve().parent


def loaded(names: tuple[str, ...] = HEAVY) -> list[str]:
    return [name for name in names if name in sys.modules]


# --- the 200-client cache -----------------------------------------------------------------


def build_portfolio_cache(workdir: Path, today: date) -> tuple[Path, int]:
    """The demo generator with 200 clients (its names and stories repeated), synced and
    evaluated once; returns the cache path and the number of samples."""
    import csconsole.ingest.demo as demo
    from csconsole.alerts import evaluate_alerts
    from csconsole.cache import Cache
    from csconsole.catalog import load_catalog
    from csconsole.health.engine import HealthEngine
    from csconsole.ingest.sync import Syncer
    from csconsole.models import Source, utcnow

    catalog = load_catalog()
    base = list(demo.COMPANY_NAMES)
    names = [
        base[i % len(base)] + ("" if i < len(base) else f" {i // len(base) + 1}")
        for i in range(CLIENTS)
    ]
    warehouse = workdir / "warehouse-200.sqlite"
    original = demo.COMPANY_NAMES
    demo.COMPANY_NAMES = names  # generate_demo reads the module's list when it runs
    try:
        samples = demo.generate_demo(warehouse, catalog=catalog, today=today)
    finally:
        demo.COMPANY_NAMES = original
    path = workdir / "cache-200.sqlite"
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    cache = Cache.open(path)
    try:
        with cache.session() as session:
            source = Source(
                name="bench200", kind="sql", url=f"sqlite:///{warehouse}", created_at=utcnow()
            )
            session.add(source)
            session.flush()
            session.expunge(source)
        summary = Syncer(cache, catalog, today=today).sync(source)
        if summary.status != "ok":
            raise SystemExit(f"the 200-client sync failed: {summary.text()}")
        evaluate_alerts(HealthEngine(cache, catalog, today=today))
    finally:
        cache.close()
    return path, samples


# --- children: each prints one JSON line --------------------------------------------------


def child_bare() -> dict[str, Any]:
    """Reference: a bare PySide6 process that shows an empty QMainWindow."""
    from PySide6.QtWidgets import QApplication, QMainWindow

    app = QApplication([])
    window = QMainWindow()
    window.resize(1200, 760)
    window.show()
    app.processEvents()
    shown = time.perf_counter()
    result = {"shown_s": shown - T_MODULE, "wall": time.time()}
    window.close()
    return result


def new_window(cache_path: Path, today: date, ini: Path) -> tuple[Any, Any, Any]:
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from csconsole.cache import Cache
    from csconsole.catalog import default_catalog
    from csconsole.views.main_window import MainWindow
    from csconsole.views.theme import apply_theme

    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    app.setApplicationName("csconsole-bench")
    apply_theme(app, "light")
    cache = Cache.open(cache_path, check=False)  # as the console does: the check runs later
    catalog = default_catalog()
    settings = QSettings(str(ini), QSettings.Format.IniFormat)
    window = MainWindow(cache, catalog, today=today, settings=settings)
    window.show()
    return app, window, cache


def wait_until(app: Any, condition: Any, timeout_s: float = 120.0) -> None:
    """Run the event loop until ``condition()``; checked by a 1 ms timer, no busy loop."""
    from PySide6.QtCore import QEventLoop, QTimer

    if condition():
        return
    loop = QEventLoop()
    timer = QTimer()
    timer.setInterval(1)
    timer.timeout.connect(lambda: loop.quit() if condition() else None)
    deadline = QTimer()
    deadline.setSingleShot(True)
    deadline.timeout.connect(loop.quit)
    timer.start()
    deadline.start(int(timeout_s * 1000))
    loop.exec()
    timer.stop()
    deadline.stop()
    if not condition():
        raise SystemExit(f"timed out after {timeout_s:.0f} s")


def child_start(args: argparse.Namespace) -> dict[str, Any]:
    """Cold start of the console to the portfolio's rows shown."""
    before_import = time.perf_counter()
    import csconsole.views.main_window  # noqa: F401

    imported = time.perf_counter()
    after_import = loaded()
    app, window, cache = new_window(Path(args.cache), date.fromisoformat(args.today), args.ini)
    model = window.portfolio_view.model
    wait_until(
        app, lambda: window.portfolio is not None and model.rowCount() == args.clients, 600.0
    )
    app.processEvents()  # layout and paint of the rows
    shown = time.perf_counter()
    result = {
        "shown_s": shown - T_MODULE,
        "from_import_s": shown - before_import,
        "import_s": imported - before_import,
        "wall": time.time(),
        "rows": model.rowCount(),
        "after_import": after_import,
        "at_portfolio": loaded(),
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    window.close()
    cache.close()
    return result


def child_dashboard(args: argparse.Namespace) -> dict[str, Any]:
    """Opening clients' dashboards in one warm process, then the engine part alone."""
    from csconsole.dashboard import build_dashboard, metric_series

    today = date.fromisoformat(args.today)
    app, window, cache = new_window(Path(args.cache), today, args.ini)
    wait_until(app, lambda: window.portfolio is not None)
    view = window.dashboard_view
    view.chart.range_buttons.button(24).setChecked(True)  # the chart's longest range
    engine_first = build_dashboard(cache, window.catalog, client_key="CL-001", today=today)
    first_month = min(engine_first.months)
    # Clients with 24 months of data, one of each tier first (demo client i+1 has tier of i).
    rows = [r for r in window.portfolio.rows if r.status != "none"]
    keys: list[str] = []
    for tier in ("essential", "professional", "enterprise"):
        keys += [r.key for r in rows if r.tier == tier][:3]
    # Warm-up: the first dashboard pays for first use of widgets, fonts and pyqtgraph.
    warm = [r.key for r in rows if r.key not in keys][:2]
    timings: dict[str, float] = {}
    tiers = {r.key: r.tier for r in rows}
    for key in [*warm, *keys]:
        view.dashboard = None
        view.chart.series = None
        started = time.perf_counter()
        window.open_client(key)
        wait_until(
            app,
            lambda key=key: (
                view.dashboard is not None
                and view.dashboard.client.key == key
                and view.chart.series is not None
            ),
            30.0,
        )
        app.processEvents()  # layout and paint of the panels, table and chart
        if key in keys:
            timings[key] = time.perf_counter() - started
    points = len(view.chart.series.days) if view.chart.series else 0
    months = len(view.dashboard.months) if view.dashboard else 0
    engine: dict[str, float] = {}
    engine_dash: dict[str, float] = {}
    for key in keys:
        started = time.perf_counter()
        dash = build_dashboard(cache, window.catalog, client_key=key, today=today)
        built = time.perf_counter()
        kpi = dash.explanation.current.kpi("uptime")
        metric_series(
            cache,
            window.catalog,
            client=dash.client,
            metric="uptime",
            months=24,
            today=today,
            target=kpi.target if kpi else None,
        )
        engine[key] = time.perf_counter() - started
        engine_dash[key] = built - started
    window.close()
    cache.close()
    return {
        "gui_s": timings,
        "engine_s": engine,
        "engine_dashboard_s": engine_dash,
        "tiers": tiers,
        "chart_points": points,
        "months": months,
        "first_month": first_month,
    }


#: A bare process's heartbeat, run beside the GUI's during the sync: its delays are the
#: machine's (other processes, a shared CPU), not ours. Stops when its stdin closes.
NOISE_HEARTBEAT = f"""
import json, sys, threading, time
stop = threading.Event()
threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
gaps, last = [], time.perf_counter()
while not stop.is_set():
    time.sleep({HEARTBEAT_MS} / 1000)
    now = time.perf_counter()
    gaps.append(max(0.0, (now - last) * 1000 - {HEARTBEAT_MS}))
    last = now
print(json.dumps(gaps))
"""


def child_sync(args: argparse.Namespace) -> dict[str, Any]:
    """MainWindow's sync of a large warehouse into an empty cache, under a timer heartbeat."""
    import resource

    from PySide6.QtCore import QTimer

    today = date.fromisoformat(args.today)
    cache_path = Path(args.cache)  # with its source, added by the parent's `csconsole source add`
    app, window, cache = new_window(cache_path, today, args.ini)
    wait_until(app, lambda: window.portfolio is not None)
    # As a user would, who clicks Sync once the window has settled: the console pays the
    # first uses (pandas, the ORM's first query, the locale) in the background by then.
    wait_until(
        app, lambda: window.warm_up_started and window.runner.running("warm-up") is None, 60.0
    )

    ticks: list[float] = []
    heartbeat = QTimer()
    heartbeat.setInterval(HEARTBEAT_MS)
    heartbeat.timeout.connect(lambda: ticks.append(time.perf_counter()))
    outcome: dict[str, Any] = {}
    progress_signals = [0]
    window.sync.progressed.connect(
        lambda *_a: progress_signals.__setitem__(0, progress_signals[0] + 1)
    )
    window.sync.finished.connect(
        lambda r: outcome.update(done=time.perf_counter(), summaries=r.summaries)
    )
    window.sync.failed.connect(lambda m: outcome.update(done=time.perf_counter(), failed=m))
    window.sync.cancelled.connect(
        lambda: outcome.update(done=time.perf_counter(), failed="cancelled")
    )
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    noise = subprocess.Popen(
        [sys.executable, "-c", NOISE_HEARTBEAT],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    heartbeat.start()
    app.processEvents()
    ticks.append(time.perf_counter())
    started = time.perf_counter()
    if not window.sync.start():
        raise SystemExit("the sync did not start")
    wait_until(app, lambda: "done" in outcome, 3600.0)
    sync_s = outcome["done"] - started
    rss_sync = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    noise_gaps: list[float] = json.loads(noise.communicate(input="")[0])
    during = [t for t in ticks if t <= outcome["done"]]
    # After the sync, the window evaluates alerts and rebuilds the portfolio in the background.
    wait_until(
        app,
        lambda: (
            window.portfolio is not None
            and len(window.portfolio.rows) > 0
            and window.runner.running("alerts") is None
            and window.runner.running("portfolio") is None
        ),
        600.0,
    )
    app.processEvents()
    refreshed = time.perf_counter()
    after = [t for t in ticks if t >= during[-1]]
    heartbeat.stop()

    def gaps(times: list[float]) -> list[float]:
        return [max(0.0, (b - a) * 1000 - HEARTBEAT_MS) for a, b in itertools.pairwise(times)]

    g_during, g_after = gaps(during), gaps(after)
    with cache.engine.connect() as conn:
        count = conn.exec_driver_sql("SELECT count(*) FROM samples").scalar_one()
    summaries = outcome.get("summaries") or []
    window.close()
    cache.close()
    return {
        "sync_s": sync_s,
        "refresh_s": refreshed - outcome["done"],
        "failed": outcome.get("failed"),
        "text": "; ".join(s.text() for s in summaries),
        "samples": count,
        "ticks": len(g_during),
        "max_block_ms": max(g_during, default=0.0),
        "p99_gap_ms": percentile(g_during, 99),
        "max_block_after_ms": max(g_after, default=0.0),
        "p99_gap_after_ms": percentile(g_after, 99),
        "progress_signals": progress_signals[0],
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rss_before_mb": rss_before,
        "rss_sync_mb": rss_sync,
        "noise_max_ms": max(noise_gaps, default=0.0),
        "noise_p99_ms": percentile(noise_gaps, 99),
    }


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def run_child(mode: str, *extra: str, env: dict[str, str]) -> tuple[dict[str, Any], float]:
    """Runs this script in ``mode`` in a fresh process; returns its JSON and the spawn time.
    The JSON gains ``cpu_s``: the CPU seconds (user + system) of the whole child process."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", mode, *extra]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    spawned = time.time()
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(2)  # not a missed goal: run_all.py reports it as an error
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["cpu_s"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return result, spawned


# --- the run ------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--clients", type=int, default=CLIENTS, help="clients in the portfolio (cold start)"
    )
    parser.add_argument("--rows", type=int, default=1_000_000, help="samples for the sync test")
    parser.add_argument("--runs", type=int, default=5, help="cold starts of each kind")
    parser.add_argument(
        "--workdir", type=Path, help="where the scratch files go (default: a temp folder)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the files afterwards")
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="the kept folder of data sets (default: $CSCONSOLE_BENCH_WORK or bench/.work)",
    )
    parser.add_argument(
        "--only", choices=("start", "dashboard", "sync"), action="append", help="run only these"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--cache", help=argparse.SUPPRESS)
    parser.add_argument("--warehouse", help=argparse.SUPPRESS)
    parser.add_argument("--ini", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--today", default=TODAY.isoformat(), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        children = {
            "bare": lambda: child_bare(),
            "start": lambda: child_start(args),
            "dashboard": lambda: child_dashboard(args),
            "sync": lambda: child_sync(args),
        }
        print(json.dumps(children[args.child]()))
        return 0
    if args.rows < 1 or args.runs < 1:
        parser.error("--rows and --runs must be at least 1")
    only = set(args.only or ("start", "dashboard", "sync"))

    from benchlib import Dataset, Report, child_env, fmt_ratio, work_root

    kept = work_root(args.data_dir)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="csconsole-bench-gui-"))
    workdir.mkdir(parents=True, exist_ok=True)
    home = workdir / "home"
    home.mkdir(exist_ok=True)
    # Child processes cache their bytecode in the kept work folder (benchlib.child_env), as
    # an installed csconsole would; a first, uncounted run of each kind fills that cache.
    env = child_env(kept, CSCONSOLE_HOME=str(home), XDG_CONFIG_HOME=str(workdir / "xdg-config"))
    os.environ.update({k: env[k] for k in ("CSCONSOLE_HOME", "CSCONSOLE_TODAY")})
    common = ["--today", TODAY.isoformat()]
    report = Report("bench_gui")
    portfolio = Dataset.for_clients(args.clients)
    scale = args.clients >= SCALE_FROM
    try:
        print(f"csconsole GUI benchmark (today pinned to {TODAY}), scratch files in {workdir}")
        if "start" in only:
            print(f"  cold start: {portfolio.describe()}")
            cache_start = portfolio.cache(kept)
            ours, bare, ratios, cpu_ratios, from_import = [], [], [], [], []
            start_cmd = [
                "--cache", str(cache_start), "--clients", str(args.clients), *common,
            ]  # fmt: skip
            run_child("bare", env=env)
            result, _ = run_child("start", *start_cmd, "--ini", str(workdir / "warm.ini"), env=env)
            for i in range(args.runs):
                # Alternate, so both see the same machine state and neither always goes first.
                ini = workdir / f"start-{i}.ini"
                for kind in ("bare", "start") if i % 2 == 0 else ("start", "bare"):
                    if kind == "bare":
                        ref, spawned = run_child("bare", env=env)
                        bare.append(ref["wall"] - spawned)
                        bare_cpu = ref["cpu_s"]
                    else:
                        result, spawned = run_child("start", *start_cmd, "--ini", str(ini), env=env)
                        ours.append(result["wall"] - spawned)
                        from_import.append(result["from_import_s"])
                ratios.append(ours[-1] / bare[-1])
                cpu_ratios.append(result["cpu_s"] / bare_cpu)
            ratio = statistics.median(ratios)
            report.figure(
                f"cold start to {args.clients:,} portfolio rows / bare window",
                fmt_ratio(ratio), f"≤ {GOAL_START_RATIO:g}×", ratio <= GOAL_START_RATIO,
                f"medians {statistics.median(ours):.2f} s vs {statistics.median(bare):.2f} s; "
                f"pair ratios {', '.join(f'{r:.2f}' for r in ratios)}; CPU ratio of the "
                f"whole processes {statistics.median(cpu_ratios):.2f}×",
            )  # fmt: skip
            print(
                f"    from just before `import csconsole`: {statistics.median(from_import):.2f} s, "
                f"of which the import of views.main_window {result['import_s']:.2f} s (last run); "
                f"peak RSS {result['rss_mb']:.0f} MB"
            )
            print(
                f"    heavy modules after `import csconsole.views.main_window`: {result['after_import']}"
            )
            print(
                f"    heavy modules when the portfolio is shown:               {result['at_portfolio']}"
            )

        if "dashboard" in only:
            started = time.perf_counter()
            cache_200, samples = build_portfolio_cache(workdir, TODAY)
            print(
                f"  200-client demo cache built, synced and evaluated in "
                f"{time.perf_counter() - started:.1f} s ({samples:,} samples over 24 months)"
            )
            dash, _ = run_child(
                "dashboard", "--cache", str(cache_200), "--ini", str(workdir / "dash.ini"),
                *common, env=env,
            )  # fmt: skip
            gui = list(dash["gui_s"].values())
            eng = list(dash["engine_s"].values())
            med_ms = statistics.median(gui) * 1000
            per_client = ", ".join(
                f"{k} {dash['tiers'][k][:3]} {t * 1000:.0f}" for k, t in dash["gui_s"].items()
            )
            report.figure(
                "open a client dashboard (24 months)", f"{med_ms:.0f} ms",
                f"≤ {GOAL_DASHBOARD_MS:.0f} ms", med_ms <= GOAL_DASHBOARD_MS,
                f"median of {len(gui)} clients: {per_client}",
            )  # fmt: skip
            print(
                f"    engine alone: build_dashboard + metric_series(24 m)  "
                f"{statistics.median(eng) * 1000:.0f} ms median "
                f"(build_dashboard {statistics.median(dash['engine_dashboard_s'].values()) * 1000:.0f} ms); "
                f"the rest is Qt: queued results, widgets, chart and paint"
            )
            print(
                f"    {dash['months']} months in the selector; the 24-month chart shows "
                f"{dash['chart_points']} points"
            )

        if "sync" in only:
            from benchlib import csconsole, run_checked

            cache_sync = workdir / "cache-sync.sqlite"
            for suffix in ("", "-wal", "-shm"):
                Path(str(cache_sync) + suffix).unlink(missing_ok=True)
            if scale:
                half, before = portfolio.half_cache(kept)
                started = time.perf_counter()
                shutil.copyfile(half, cache_sync)
                expected = portfolio.samples
                rows = expected - before
                what = (
                    f"the later {rows:,} samples of {portfolio.describe()} into a cache "
                    f"holding the earlier {before:,} (copied in {time.perf_counter() - started:.0f} s)"
                )
            else:
                sys.path.insert(0, str(BENCH_DIR))
                from bench_sync import build_warehouse

                warehouse = workdir / "warehouse-sync.sqlite"
                started = time.perf_counter()
                n_clients, _ = build_warehouse(warehouse, args.rows, TODAY)
                print(
                    f"  sync warehouse built in {time.perf_counter() - started:.1f} s "
                    f"({args.rows:,} samples, {n_clients} clients)"
                )
                run_checked(
                    csconsole("source", "add", "bench", "--url", f"sqlite:///{warehouse}", cache=cache_sync),
                    env, "csconsole source add",
                )  # fmt: skip
                rows = expected = args.rows
                what = f"{rows:,} samples into an empty cache"
            print(f"  sync: {what}")
            sync, _ = run_child(
                "sync", "--cache", str(cache_sync), "--ini", str(workdir / "sync.ini"),
                *common, env=env,
            )  # fmt: skip
            block = sync["max_block_ms"]
            report.figure(
                f"longest GUI block during a sync of {rows / 1e6:.2f} M samples",
                f"{block:.0f} ms", f"≤ {GOAL_BLOCK_MS:.0f} ms", block <= GOAL_BLOCK_MS,
                f"heartbeat every {HEARTBEAT_MS} ms, {sync['ticks']:,} ticks; p99 of the delay "
                f"{sync['p99_gap_ms']:.0f} ms; the sync took {sync['sync_s']:.1f} s "
                f"({rows / sync['sync_s']:,.0f} rows/s), {sync['progress_signals']:,} progress signals; "
                f"reference: a bare process's {HEARTBEAT_MS} ms heartbeat meanwhile (the machine's "
                f"own delays): longest {sync['noise_max_ms']:.0f} ms, p99 {sync['noise_p99_ms']:.0f} ms",
            )  # fmt: skip
            after = sync["max_block_after_ms"]
            report.figure(
                f"longest GUI block in the refresh after it ({expected / 1e6:.2f} M)",
                f"{after:.0f} ms", f"≤ {GOAL_BLOCK_MS:.0f} ms", after <= GOAL_BLOCK_MS,
                f"alerts + portfolio rebuilt in the background in {sync['refresh_s']:.1f} s; "
                f"p99 of the delay {sync['p99_gap_after_ms']:.0f} ms",
            )  # fmt: skip
            report.figure(
                f"GUI process peak RSS, cache of {expected / 1e6:.2f} M samples",
                f"{sync['rss_mb']:.0f} MB", f"≤ {GOAL_RSS_MB:.0f} MB",
                sync["rss_mb"] <= GOAL_RSS_MB,
                f"ru_maxrss of the process that ran MainWindow, the refresh included: "
                f"{sync['rss_before_mb']:.0f} MB before the sync, {sync['rss_sync_mb']:.0f} MB at its end",
            )  # fmt: skip
            print(f"    {sync['text'] or sync['failed']}; cache holds {sync['samples']:,} samples")
            if sync["failed"] or sync["samples"] != expected:
                report.error(
                    f"the GUI sync: {sync['failed'] or 'ok'}, the cache holds "
                    f"{sync['samples']:,} samples, not {expected:,}"
                )
    finally:
        if not args.keep and args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    return report.exit_code()


if __name__ == "__main__":
    sys.exit(main())
