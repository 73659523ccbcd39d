"""Benchmark: opening the Renewals tab with 500 clients (goal ≤ 150 ms).

The tab shows the portfolio the main window already holds (it evaluates nothing: the
statuses come from the portfolio's evaluation, which bench_status and bench_gui time),
so this builds 500 portfolio rows in memory — statuses, ratings, alerts, opportunities
and renewals spread over the coming year, a few unknown or computed — and times, median
of 7 runs in a warm process: making the tab, handing it the rows, and showing it with
its first paint at 1366×768. Beside it: switching the window from 30 to 90 days, and
the book's totals of the same rows alone.
Run offscreen: QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_renewals.py
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication

from benchlib import Report
from csconsole.cache import Cache
from csconsole.catalog import load_catalog
from csconsole.contracts import Renewal
from csconsole.portfolio import Portfolio, PortfolioRow
from csconsole.renewals import RenewalRule, totals_of
from csconsole.views.renewals.tab import RenewalsView
from csconsole.views.tasks import TaskRunner

TODAY = date(2026, 11, 22)
GOAL_MS = 150.0
STATUSES = ("green", "green", "green", "green", "yellow", "red", "green", "none")


def rows(count: int) -> list[PortfolioRow]:
    out = []
    for i in range(count):
        fee = (2500.0, 5000.0, 7500.0, 10000.0)[i % 4]
        when = None if i % 17 == 0 else TODAY + timedelta(days=(i * 37) % 365 - 5)
        renewal = Renewal(
            client_id=f"BC-{i:05d}",
            name=f"Client {i} & Partners Ltd",
            csm=("Maya Okafor", "Daniel Brooks", "Priya Raman")[i % 3],
            tier=("essential", "professional", "enterprise")[i % 3],
            arr=fee * 12,
            renewal_date=when,
            computed=i % 5 == 0,
            days_to_renewal=None if when is None else (when - TODAY).days,
        )
        out.append(
            PortfolioRow(
                key=renewal.client_id,
                name=renewal.name,
                tier=renewal.tier,
                package_value=fee,
                csm=renewal.csm,
                status=STATUSES[i % len(STATUSES)],
                worst_reason="User adoption 79.2% is 12.0% short of target 90.0%",
                reasons=("User adoption 79.2% is 12.0% short of target 90.0%",),
                open_alerts=i % 3,
                overdue_alerts=i % 2,
                rating=None if i % 8 == 7 else 3.0 + (i % 70) / 10,
                trend=("up", "down", "steady", None)[i % 4],
                next_review=TODAY + timedelta(days=i % 28),
                open_opportunities=i % 4,
                opportunity_value=float((i % 4) * 1500),
                renewal=renewal,
            )
        )
    return out


def median_ms(
    fn: Callable[[], object], runs: int = 7, *, between: Callable[[], object] = lambda: None
) -> float:
    fn()  # warm: the first run pays for imports and font loading
    between()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
        between()  # untimed
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=500)
    args = parser.parse_args()
    report = Report("bench_renewals")
    app = QApplication.instance() or QApplication([])
    portfolio = Portfolio(month="2026-11", rows=tuple(rows(args.clients)), last_sync=None)
    rule = RenewalRule()
    with tempfile.TemporaryDirectory(prefix="csconsole-bench-renewals-") as tmp:
        os.environ["CSCONSOLE_HOME"] = tmp  # the settings the tab reads: the defaults
        cache = Cache.open(Path(tmp) / "cache.sqlite")  # the tab's service; it reads nothing
        runner = TaskRunner()
        catalog = load_catalog()
        views: list[RenewalsView] = []

        def open_tab() -> RenewalsView:
            view = RenewalsView(cache=cache, catalog=catalog, runner=runner, today=TODAY)
            view.resize(1366, 768)
            view.set_portfolio(portfolio)
            view.show()
            view.repaint()  # the first paint, now
            app.processEvents()
            views.append(view)
            return view

        listed = 0

        def close_tab() -> None:
            """Close the tab just timed, so the next run paints only its own."""
            nonlocal listed
            old = views.pop()
            listed = old.proxy.rowCount()
            old.close()
            old.deleteLater()
            app.processEvents()

        open_ms = median_ms(open_tab, between=close_tab)
        view = open_tab()

        def switch() -> None:
            view.window_choice.setCurrentIndex(view.window_choice.findData("90"))
            view.window_choice.setCurrentIndex(view.window_choice.findData("30"))

        switch_ms = median_ms(switch) / 2
        totals_ms = median_ms(lambda: totals_of(portfolio.rows, today=TODAY, rule=rule))
        for v in views:
            v.close()
            v.deleteLater()
        app.processEvents()
        runner.shutdown()
        cache.close()
    if listed == 0:
        report.error("the tab listed no client renewing in the next 30 days")
    report.figure(
        f"open the Renewals tab, {args.clients:,} clients", f"{open_ms:.1f} ms",
        f"≤ {GOAL_MS:.0f} ms", open_ms <= GOAL_MS,
        f"{listed} renewing in the next 30 days; switching 30 ↔ 90 days {switch_ms:.1f} ms; "
        f"the book's totals alone {totals_ms:.2f} ms",
    )  # fmt: skip
    return report.exit_code()


if __name__ == "__main__":
    sys.exit(main())
