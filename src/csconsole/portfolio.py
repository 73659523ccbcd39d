"""The portfolio: one row per client with status, worst reason, alerts and next review.

Qt-free, so the console's Portfolio tab and scripts build the same rows.
"""

from __future__ import annotations

import calendar
import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

from csconsole.alerts import list_alerts
from csconsole.cache import Cache
from csconsole.catalog import Catalog
from csconsole.contracts import Renewal, renewal_of
from csconsole.errors import KnownError
from csconsole.health.clients import ClientInfo
from csconsole.health.engine import HealthEngine, open_engine
from csconsole.health.evaluation import Evaluation
from csconsole.health.rules import RULES_VERSION
from csconsole.opportunities.pipeline import open_by_client
from csconsole.rollup import month_label, parse_month


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
    open_opportunities: int = 0  # identified, proposed or in progress
    opportunity_value: float = 0.0  # their investment in $ (see csconsole.opportunities)
    #: ARR and the next renewal as of the portfolio's day (see csconsole.contracts).
    renewal: Renewal | None = None

    @property
    def arr(self) -> float:
        return self.package_value * 12

    @property
    def days_to_renewal(self) -> int | None:
        return None if self.renewal is None else self.renewal.days_to_renewal

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
    #: True when the statuses come from the stored snapshot and something they depend on
    #: (data, bands, catalog, the day) changed since it was written: a refresh is due.
    stale: bool = False


# --- the snapshot ---------------------------------------------------------------------
#
# Evaluating every client is the only costly part of the portfolio, and its result only
# changes with the data (each sync or sheet import is a run in ``sync_runs``), the bands,
# the catalog, the rules and the day. The last result is kept in ``snapshots`` with what
# it was computed on; the console shows it at once and evaluates again in the background
# only when one of those differs. Alerts, opportunities, review and renewal dates and ARR
# are read live (from the clients and the day), so the snapshot's format is unchanged.

SNAPSHOT = "portfolio"


@dataclass(frozen=True)
class Standing:
    """What the snapshot keeps of one client's evaluation."""

    status: str
    worst_reason: str
    reasons: tuple[str, ...]
    rating: float | None
    trend: str | None

    @classmethod
    def of(cls, ev: Evaluation | None) -> Standing:
        if ev is None:
            return NOT_STARTED
        reasons = tuple(r.text for r in ev.reasons)
        return cls(ev.status, ev.summary(), reasons, ev.rating, ev.trend)


NOT_STARTED = Standing("none", "Not started", (), None, None)


def _basis(engine: HealthEngine, month: int) -> str:
    """What a portfolio's statuses depend on, besides the data."""
    catalog = [(str(p), p.stat().st_mtime_ns) for p in engine.catalog.sources if p.exists()]
    return json.dumps(
        [
            RULES_VERSION,
            engine.today.isoformat(),
            month_label(month),
            engine.bands.as_dict(),
            catalog,
        ],
        sort_keys=True,
    )


def _generation(cache: Cache) -> int:
    """The latest sync or sheet import: the data's version."""
    with cache.engine.connect() as conn:
        return int(conn.exec_driver_sql("SELECT coalesce(max(id), 0) FROM sync_runs").scalar_one())


def _read_snapshot(cache: Cache) -> tuple[str, dict[str, Any]] | None:
    with cache.engine.connect() as conn:
        row = conn.exec_driver_sql(
            "SELECT basis, body FROM snapshots WHERE name = ?", (SNAPSHOT,)
        ).first()
    if row is None:
        return None
    try:
        body = json.loads(row[1])
        return str(row[0]), dict(body)
    except (ValueError, TypeError):
        return None  # unreadable: evaluated afresh


def _write_snapshot(
    cache: Cache, *, basis: str, generation: int, month: str, standings: Mapping[str, Standing]
) -> None:
    body = {
        "generation": generation,
        "month": month,
        "clients": {
            k: [s.status, s.worst_reason, list(s.reasons), s.rating, s.trend]
            for k, s in standings.items()
        },
    }
    with cache.engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO snapshots (name, basis, written_at, body) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (name) DO UPDATE SET basis = excluded.basis, "
            "written_at = excluded.written_at, body = excluded.body",
            (
                SNAPSHOT,
                basis,
                datetime.now(UTC).isoformat(timespec="seconds"),
                json.dumps(body, ensure_ascii=False),
            ),
        )


def snapshot_portfolio(
    cache: Cache, catalog: Catalog, *, today: date | None = None, now: datetime | None = None
) -> Portfolio | None:
    """The portfolio as last evaluated, with today's alerts, opportunities and review
    dates; None when no snapshot was stored yet. Evaluates nothing: its cost does not
    grow with the history."""
    stored = _read_snapshot(cache)
    if stored is None:
        return None
    basis, body = stored
    engine = open_engine(cache, catalog, today=today, now=now)
    clients = engine.clients()
    month = parse_month(body["month"]) if body.get("month") else engine.current_month
    standings = {
        key: Standing(v[0], v[1], tuple(v[2]), v[3], v[4])
        for key, v in body.get("clients", {}).items()
    }
    stale = basis != _basis(engine, month) or body.get("generation") != _generation(cache)
    stale = stale or any(c.key not in standings for c in clients)
    portfolio = _assemble(cache, engine, clients, standings, month=body.get("month", ""), now=now)
    return replace(portfolio, stale=stale)


# --- building ---------------------------------------------------------------------------


def build_portfolio(
    cache: Cache,
    catalog: Catalog,
    *,
    today: date | None = None,
    month: int | None = None,
    now: datetime | None = None,
    changed: Collection[str] | None = None,
    base: Portfolio | None = None,
) -> Portfolio:
    """Every client, worst first, evaluated for ``month`` (default: the engine's default
    month). With ``changed`` (client keys) and ``base`` (a portfolio of the same month),
    only the changed clients are evaluated and the others keep their standing in
    ``base``. The default month's result is stored as the snapshot the console starts from."""
    engine = open_engine(cache, catalog, today=today, now=now)
    clients = engine.clients()
    if not clients:
        return Portfolio(month="", rows=(), last_sync=last_sync(cache))
    chosen = engine.default_month() if month is None else month
    generation = _generation(cache)  # before evaluating: a sync meanwhile makes it stale
    kept: dict[str, Standing] = {}
    todo: list[ClientInfo] | None = None  # every client
    if changed is not None and base is not None and base.month == month_label(chosen):
        kept = {r.key: _standing(r) for r in base.rows if r.key not in changed}
        todo = [c for c in clients if c.key not in kept]
    try:
        evaluations = {e.client_key: e for e in engine.evaluate(chosen, clients=todo)}
    except KnownError:
        evaluations = {}
    standings = {c.key: kept.get(c.key) or Standing.of(evaluations.get(c.key)) for c in clients}
    if month is None:
        _write_snapshot(
            cache,
            basis=_basis(engine, chosen),
            generation=generation,
            month=month_label(chosen),
            standings=standings,
        )
    return _assemble(cache, engine, clients, standings, month=month_label(chosen), now=now)


def _standing(row: PortfolioRow) -> Standing:
    return Standing(row.status, row.worst_reason, row.reasons, row.rating, row.trend)


def _assemble(
    cache: Cache,
    engine: HealthEngine,
    clients: Sequence[ClientInfo],
    standings: Mapping[str, Standing],
    *,
    month: str,
    now: datetime | None,
) -> Portfolio:
    """The rows: each client's standing with its live alerts, opportunities and review."""
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
        standing = standings.get(client.key, NOT_STARTED)
        rows.append(
            PortfolioRow(
                key=client.key,
                name=client.name,
                tier=client.tier,
                package_value=client.package_value,
                csm=client.csm,
                status=standing.status,
                worst_reason=standing.worst_reason,
                reasons=standing.reasons,
                open_alerts=open_alerts.get(client.key, 0),
                overdue_alerts=overdue.get(client.key, 0),
                rating=standing.rating,
                trend=standing.trend,
                next_review=next_review(client.start_date, engine.today),
                open_opportunities=opportunities.get(client.key, (0, 0.0))[0],
                opportunity_value=opportunities.get(client.key, (0, 0.0))[1],
                renewal=renewal_of(client, today=engine.today),
            )
        )
    order = {"red": 0, "yellow": 1, "green": 2, "none": 3}
    rows.sort(key=lambda r: (-r.overdue_alerts, order[r.status], r.name.casefold()))
    return Portfolio(month=month, rows=tuple(rows), last_sync=last_sync(cache))


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
