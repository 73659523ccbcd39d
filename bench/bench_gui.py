"""Benchmark: the console's start-up, a client dashboard, and the GUI's responsiveness during sync.

Run with ``.venv/bin/python bench/bench_gui.py [--rows N] [--runs N]`` (offscreen unless
QT_QPA_PLATFORM says otherwise). In one run it

1. builds a 200-client warehouse (the demo generator's clients and stories, repeated to
   200 clients over 24 months), syncs it into a cache and evaluates the alerts once;
2. cold start: in ``--runs`` fresh child processes, the time from the process's spawn (and
   from just before ``import csconsole``) until MainWindow shows the 200 portfolio rows;
   beside it, the same for a bare PySide6 process that shows an empty QMainWindow;
3. dashboard: in one warm process, the time from opening a client (MainWindow.open_client,
   which calls DashboardView.show_client) until its dashboard and its 24-month chart are
   set and painted, background work included, for several clients with 24 months of data;
   beside it, the engine part alone (build_dashboard + metric_series over 24 months);
4. sync: a QTimer heartbeat every 10 ms while MainWindow's sync (SyncController, Syncer on
   a worker thread) copies a ``--rows`` sample warehouse (default 1,000,000; 5,000,000 for
   the issue-16 figure, minutes) into an empty cache; the longest gap beyond the interval is
   the longest block of the event loop, printed with its p99 and the GUI process's peak
   RSS. Beside them, the same heartbeat in a bare Python process running meanwhile: the
   machine's own scheduling delays, which no code of ours causes.

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
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from datetime import date  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

GOAL_START_S = 1.0
GOAL_DASHBOARD_MS = 150.0
GOAL_BLOCK_MS = 50.0
GOAL_SYNC_RSS_MB = 500.0
HEARTBEAT_MS = 10
CLIENTS = 200
TODAY = date(2026, 11, 22)
HEAVY = ("pandas", "numpy", "reportlab", "pyqtgraph", "openpyxl", "jinja2", "keyring")
BENCH_DIR = Path(__file__).resolve().parent


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


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
    wait_until(app, lambda: window.portfolio is not None and model.rowCount() == args.clients, 60.0)
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

    from csconsole.cache import Cache
    from csconsole.models import Source, utcnow

    today = date.fromisoformat(args.today)
    cache_path = Path(args.cache)
    cache = Cache.open(cache_path)
    with cache.session() as session:
        session.add(
            Source(name="bench", kind="sql", url=f"sqlite:///{args.warehouse}", created_at=utcnow())
        )
    cache.close()
    app, window, cache = new_window(cache_path, today, args.ini)
    wait_until(app, lambda: window.portfolio is not None)

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
        "rss_before_mb": rss_before,
        "rss_peak_mb": rss_sync,
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
    """Runs this script in ``mode`` in a fresh process; returns its JSON and the spawn time."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", mode, *extra]
    spawned = time.time()
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"the {mode} process failed with exit code {done.returncode}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result, spawned


# --- the run ------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=1_000_000, help="samples for the sync test")
    parser.add_argument("--runs", type=int, default=5, help="cold starts of each kind")
    parser.add_argument("--workdir", type=Path, help="where the files go (default: a temp folder)")
    parser.add_argument("--keep", action="store_true", help="keep the files afterwards")
    parser.add_argument(
        "--only", choices=("start", "dashboard", "sync"), action="append", help="run only these"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--cache", help=argparse.SUPPRESS)
    parser.add_argument("--warehouse", help=argparse.SUPPRESS)
    parser.add_argument("--ini", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--today", default=TODAY.isoformat(), help=argparse.SUPPRESS)
    parser.add_argument("--clients", type=int, default=CLIENTS, help=argparse.SUPPRESS)
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

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="csconsole-bench-gui-"))
    workdir.mkdir(parents=True, exist_ok=True)
    home = workdir / "home"
    home.mkdir(exist_ok=True)
    # Child processes cache their bytecode (in the work folder, not the checkout), as an
    # installed csconsole would: with PYTHONDONTWRITEBYTECODE set, every start would compile
    # csconsole's sources again. A first, uncounted run of each kind fills that cache.
    env = {
        **{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
        "PYTHONPYCACHEPREFIX": str(workdir / "pycache"),
        "QT_QPA_PLATFORM": os.environ["QT_QPA_PLATFORM"],
        "CSCONSOLE_HOME": str(home),
        "CSCONSOLE_TODAY": TODAY.isoformat(),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
        "XDG_CONFIG_HOME": str(workdir / "xdg-config"),
    }
    os.environ.update({k: env[k] for k in ("CSCONSOLE_HOME", "CSCONSOLE_TODAY")})
    common = ["--today", TODAY.isoformat()]
    missed: list[str] = []
    try:
        print(f"csconsole GUI benchmark (today pinned to {TODAY}), files in {workdir}")
        if only & {"start", "dashboard"}:
            started = time.perf_counter()
            cache_200, samples = build_portfolio_cache(workdir, TODAY)
            print(
                f"  200-client cache built, synced and evaluated in "
                f"{time.perf_counter() - started:.1f} s ({samples:,} samples over 24 months)"
            )

        if "start" in only:
            ours, bare, from_import = [], [], []
            run_child("bare", env=env)
            result, _ = run_child(
                "start", "--cache", str(cache_200), "--ini", str(workdir / "warm.ini"),
                *common, env=env,
            )  # fmt: skip
            for i in range(args.runs):
                # Alternate, so both see the same machine state.
                ref, spawned = run_child("bare", env=env)
                bare.append(ref["wall"] - spawned)
                ini = workdir / f"start-{i}.ini"
                result, spawned = run_child(
                    "start", "--cache", str(cache_200), "--ini", str(ini), *common, env=env
                )
                ours.append(result["wall"] - spawned)
                from_import.append(result["from_import_s"])
            med, ref_med = statistics.median(ours), statistics.median(bare)
            print()
            print(
                f"cold start to 200 portfolio rows   {med:>7.2f} s   goal <= {GOAL_START_S} s  "
                f"{verdict(med <= GOAL_START_S)}   (median of {args.runs}: "
                f"{', '.join(f'{t:.2f}' for t in ours)})"
            )
            print(
                f"  reference: bare PySide6 window   {ref_med:>7.2f} s   (median of {args.runs}: "
                f"{', '.join(f'{t:.2f}' for t in bare)})"
            )
            print(
                f"  from just before `import csconsole`: {statistics.median(from_import):.2f} s, "
                f"of which the import of views.main_window {result['import_s']:.2f} s (last run)"
            )
            print(
                f"  heavy modules after `import csconsole.views.main_window`: {result['after_import']}"
            )
            print(
                f"  heavy modules when the portfolio is shown:               {result['at_portfolio']}"
            )
            if med > GOAL_START_S:
                missed.append("cold start")

        if "dashboard" in only:
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
            print()
            print(
                f"open a client dashboard (24 m)     {med_ms:>7.0f} ms  goal <= {GOAL_DASHBOARD_MS:.0f} ms  "
                f"{verdict(med_ms <= GOAL_DASHBOARD_MS)}   (median of {len(gui)} clients: "
                f"{per_client})"
            )
            print(
                f"  engine alone: build_dashboard + metric_series(24 m)  "
                f"{statistics.median(eng) * 1000:.0f} ms median "
                f"(build_dashboard {statistics.median(dash['engine_dashboard_s'].values()) * 1000:.0f} ms); "
                f"the rest is Qt: queued results, widgets, chart and paint"
            )
            print(
                f"  {dash['months']} months in the selector; the 24-month chart shows "
                f"{dash['chart_points']} points"
            )
            if med_ms > GOAL_DASHBOARD_MS:
                missed.append("dashboard")

        if "sync" in only:
            sys.path.insert(0, str(BENCH_DIR))
            from bench_sync import build_warehouse

            warehouse = workdir / "warehouse-sync.sqlite"
            started = time.perf_counter()
            n_clients, _ = build_warehouse(warehouse, args.rows, TODAY)
            print()
            print(
                f"  sync warehouse built in {time.perf_counter() - started:.1f} s "
                f"({args.rows:,} samples, {n_clients} clients)"
            )
            cache_sync = workdir / "cache-sync.sqlite"
            for suffix in ("", "-wal", "-shm"):
                Path(str(cache_sync) + suffix).unlink(missing_ok=True)
            sync, _ = run_child(
                "sync", "--cache", str(cache_sync), "--warehouse", str(warehouse),
                "--ini", str(workdir / "sync.ini"), *common, env=env,
            )  # fmt: skip
            block = sync["max_block_ms"]
            print(
                f"longest GUI block during the sync  {block:>7.0f} ms  goal <= {GOAL_BLOCK_MS:.0f} ms  "
                f"{verdict(block <= GOAL_BLOCK_MS)}   (heartbeat every {HEARTBEAT_MS} ms, "
                f"{sync['ticks']:,} ticks)"
            )
            print(
                f"  99th percentile of the delay     {sync['p99_gap_ms']:>7.0f} ms;  sync took "
                f"{sync['sync_s']:.1f} s ({args.rows / sync['sync_s']:,.0f} rows/s); "
                f"{sync['progress_signals']:,} progress signals"
            )
            print(
                f"  reference: a bare process's 10 ms heartbeat meanwhile (the machine's own "
                f"delays): longest {sync['noise_max_ms']:.0f} ms, p99 {sync['noise_p99_ms']:.0f} ms"
            )
            rss = sync["rss_peak_mb"]
            print(
                f"peak RSS of the GUI while syncing  {rss:>7.0f} MB  goal <= {GOAL_SYNC_RSS_MB:.0f} MB  "
                f"{verdict(rss <= GOAL_SYNC_RSS_MB)}   ({sync['rss_before_mb']:.0f} MB before the "
                f"sync; ru_maxrss of the GUI process)"
            )
            print(
                f"  after it (alerts + portfolio rebuilt in the background, {sync['refresh_s']:.1f} s): "
                f"longest block {sync['max_block_after_ms']:.0f} ms, p99 {sync['p99_gap_after_ms']:.0f} ms"
            )
            print(f"  {sync['text'] or sync['failed']}; cache holds {sync['samples']:,} samples")
            if sync["failed"] or sync["samples"] != args.rows:
                missed.append("sync result")
            if block > GOAL_BLOCK_MS:
                missed.append("sync block")
            if rss > GOAL_SYNC_RSS_MB:
                missed.append("sync memory")
        print()
        print("all goals met" if not missed else f"missed: {', '.join(missed)}")
    finally:
        if not args.keep and args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
