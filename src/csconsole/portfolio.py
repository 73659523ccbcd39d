"""The portfolio: one row per client with status, worst reason, alerts and next review.

Qt-free, so the console's Portfolio tab and scripts build the same rows.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime

from csconsole.alerts import list_alerts
from csconsole.cache import Cache
from csconsole.catalog import Catalog
from csconsole.errors import KnownError
from csconsole.health import Evaluation, HealthEngine
from csconsole.opportunities.pipeline import open_by_client
from csconsole.rollup import month_label


@dataclass(frozen=True)
class PortfolioRow:
    key: str
    name: str
    tier: str
    package_value: float
    csm: str
    status: str  # green, yellow, red, or "none" when the client has not started
    worst_reason: str
    reasons: tuple[str, ...]
    open_alerts: int
    overdue_alerts: int
    rating: float | None
    trend: str | None
    next_review: date
    evaluation: Evaluation | None
    open_opportunities: int = 0  # identified, proposed or in progress
    opportunity_value: float = 0.0  # their investment in $ (see csconsole.opportunities)

    def days_to_review(self, today: date) -> int:
        return (self.next_review - today).days


def next_review(start: date, today: date) -> date:
    """Monthly reviews fall on the day of the month the package started (or the month's
    last day when it is shorter); the next one on or after ``today``."""
    year, month = today.year, today.month
    for _ in range(2):
        day = min(start.day, calendar.monthrange(year, month)[1])
        candidate = date(year, month, day)
        if candidate >= today:
            return candidate
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class Portfolio:
    month: str
    rows: tuple[PortfolioRow, ...]
    last_sync: datetime | None


def build_portfolio(
    cache: Cache,
    catalog: Catalog,
    *,
    today: date | None = None,
    month: int | None = None,
    now: datetime | None = None,
) -> Portfolio:
    """Every client, worst first, evaluated for ``month`` (default: the engine's default month)."""
    engine = HealthEngine(cache, catalog, today=today, now=now)
    clients = engine.clients()
    if not clients:
        return Portfolio(month="", rows=(), last_sync=last_sync(cache))
    chosen = engine.default_month() if month is None else month
    try:
        evaluations = {e.client_key: e for e in engine.evaluate(chosen)}
    except KnownError:
        evaluations = {}
    moment = now or datetime.now(UTC)
    opportunities = open_by_client(cache)
    open_alerts: dict[str, int] = {}
    overdue: dict[str, int] = {}
    for alert in list_alerts(cache, now=moment):
        open_alerts[alert.client_key] = open_alerts.get(alert.client_key, 0) + 1
        if alert.overdue(moment):
            overdue[alert.client_key] = overdue.get(alert.client_key, 0) + 1
    rows = []
    for client in clients:
        ev = evaluations.get(client.key)
        reasons = tuple(r.text for r in ev.reasons) if ev else ()
        rows.append(
            PortfolioRow(
                key=client.key,
                name=client.name,
                tier=client.tier,
                package_value=client.package_value,
                csm=client.csm,
                status=ev.status if ev else "none",
                worst_reason=ev.summary() if ev else "Not started",
                reasons=reasons,
                open_alerts=open_alerts.get(client.key, 0),
                overdue_alerts=overdue.get(client.key, 0),
                rating=ev.rating if ev else None,
                trend=ev.trend if ev else None,
                next_review=next_review(client.start_date, engine.today),
                evaluation=ev,
                open_opportunities=opportunities.get(client.key, (0, 0.0))[0],
                opportunity_value=opportunities.get(client.key, (0, 0.0))[1],
            )
        )
    order = {"red": 0, "yellow": 1, "green": 2, "none": 3}
    rows.sort(key=lambda r: (-r.overdue_alerts, order[r.status], r.name.casefold()))
    return Portfolio(month=month_label(chosen), rows=tuple(rows), last_sync=last_sync(cache))


def last_sync(cache: Cache) -> datetime | None:
    """When a sync from a source last finished well, in UTC (a sheet import is not a sync)."""
    with cache.engine.connect() as conn:
        value = conn.exec_driver_sql(
            "SELECT max(finished_at) FROM sync_runs WHERE status = 'ok' "
            "AND source_name NOT LIKE 'import:%'"
        ).scalar_one()
    if value is None:
        return None
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)
