"""The figures of a monthly review: what the engine computes for a client-month (status,
rating and trend, KPIs grouped as seed 002's template groups them, ROI, open
opportunities, incidents, a three-month trend), read-only; :mod:`csconsole.reviews`
holds the narrative written about them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from csconsole.cache import Cache
from csconsole.catalog import Catalog
from csconsole.errors import KnownError
from csconsole.health.clients import ClientInfo
from csconsole.health.engine import HealthEngine, open_engine
from csconsole.health.evaluation import Evaluation
from csconsole.health.rules import Kpi
from csconsole.rollup import catalog_rules, month_end, month_label, month_start, monthly_values

if TYPE_CHECKING:
    from csconsole.opportunities.model import Opportunity
    from csconsole.roi import RoiReport


#: The template's four groups of performance figures: title -> catalog groups.
PERFORMANCE_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("System health", ("system_health", "integrations", "scalability")),
    (
        "Business impact",
        (
            "performance",
            "roi",
            "cross_department",
            "revenue_impact",
            "transformation",
            "optimisation_pipeline",
            "lead_delivery",
            "revenue_by_source",
        ),
    ),
    ("User engagement", ("adoption", "advanced_features", "leadership")),
    ("Client satisfaction", ("satisfaction",)),
)
#: Metrics the three-month trend chart prefers, in order; others with a target follow.
HEADLINE_METRICS = (
    "uptime",
    "user_adoption",
    "satisfaction",
    "time_saved",
    "automation_success_rate",
    "error_rate",
)
TREND_CHART_METRICS = 4


# --- the figures ----------------------------------------------------------------------


@dataclass(frozen=True)
class TrendSeries:
    """One metric's monthly values over the review's last three months."""

    metric: str
    label: str
    unit: str
    months: tuple[str, ...]
    values: tuple[float | None, ...]
    target: float | None
    direction: str


@dataclass(frozen=True)
class IncidentRow:
    key: str
    severity: str
    title: str
    opened_at: datetime
    resolved_at: datetime | None


@dataclass(frozen=True)
class ReviewFacts:
    """What the engine says about one client-month; read-only in the review."""

    client: ClientInfo
    month: str
    month_index: int
    evaluation: Evaluation
    previous: Evaluation | None
    groups: tuple[tuple[str, tuple[Kpi, ...]], ...]
    roi: RoiReport | None
    opportunities: tuple[Opportunity, ...]  # open ones
    incidents: tuple[IncidentRow, ...]  # opened this month or still open at its end
    trend: tuple[TrendSeries, ...]
    next_review: date

    @property
    def status(self) -> str:
        return self.evaluation.status

    def kpi(self, metric: str) -> Kpi | None:
        return self.evaluation.kpi(metric)


def next_review_date(start: date, month: int) -> date:
    """Reviews fall on the day of the month the package started: the one after ``month``."""
    first = month_start(month + 1)
    last = month_end(month + 1)
    return first.replace(day=min(start.day, last.day))


def _groups(evaluation: Evaluation, catalog: Catalog) -> tuple[tuple[str, tuple[Kpi, ...]], ...]:
    by_group: dict[str, list[Kpi]] = {title: [] for title, _ in PERFORMANCE_GROUPS}
    where = {g: title for title, groups in PERFORMANCE_GROUPS for g in groups}
    for kpi in evaluation.kpis:
        metric = catalog.metrics.get(kpi.metric)
        title = where.get(metric.group if metric else "", "Business impact")
        by_group[title].append(kpi)
    return tuple((title, tuple(kpis)) for title, kpis in by_group.items())


def _trend(
    cache: Cache, catalog: Catalog, client: ClientInfo, evaluation: Evaluation, month: int
) -> tuple[TrendSeries, ...]:
    targeted = [k for k in evaluation.kpis if k.target is not None and k.band != "tracked"]
    order = {m: i for i, m in enumerate(HEADLINE_METRICS)}
    targeted.sort(key=lambda k: order.get(k.metric, len(order)))
    chosen = targeted[:TREND_CHART_METRICS]
    if not chosen:
        return ()
    first = max(month - 2, client.start_month)
    values = monthly_values(
        cache.engine,
        first_month=first,
        last_month=month,
        rules=catalog_rules(catalog),
        client_ids=[client.id],
    )
    months = range(first, month + 1)
    return tuple(
        TrendSeries(
            metric=k.metric,
            label=k.label,
            unit=k.unit,
            months=tuple(month_label(m) for m in months),
            values=tuple(
                v[0] if (v := values.get((client.id, k.metric, m))) else None for m in months
            ),
            target=k.target,
            direction=k.direction,
        )
        for k in chosen
    )


def _incidents(cache: Cache, client: ClientInfo, month: int) -> tuple[IncidentRow, ...]:
    start = datetime.combine(month_start(month), datetime.min.time())
    end = datetime.combine(month_end(month) + timedelta(days=1), datetime.min.time())
    with cache.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT key, severity, title, opened_at, resolved_at FROM incidents "
            "WHERE client_id = ? AND opened_at < ? AND (opened_at >= ? OR resolved_at IS NULL "
            "OR resolved_at >= ?) ORDER BY opened_at",
            (client.id, end.isoformat(" "), start.isoformat(" "), end.isoformat(" ")),
        ).fetchall()

    def moment(text: object) -> datetime:
        return datetime.fromisoformat(str(text)).replace(tzinfo=UTC)

    return tuple(
        IncidentRow(r[0], r[1], r[2] or "", moment(r[3]), moment(r[4]) if r[4] else None)
        for r in rows
    )


def open_opportunities(cache: Cache, catalog: Catalog, client_key: str) -> list[Opportunity]:
    """The client's open opportunities (identified, proposed, in progress), best ROI first."""
    from csconsole.opportunities.context import load_context
    from csconsole.opportunities.store import list_opportunities

    ctx = load_context(cache, catalog)
    rows = [o for o in list_opportunities(cache, ctx, client=client_key) if o.is_open]
    rows.sort(key=lambda o: (-(o.roi if o.roi is not None else float("-inf")), o.id))
    return rows


def gather_facts(
    cache: Cache,
    catalog: Catalog,
    *,
    client: str | ClientInfo,
    month: int,
    engine: HealthEngine | None = None,
    evaluations: Mapping[str, tuple[Evaluation, Evaluation | None]] | None = None,
) -> ReviewFacts:
    """Every figure the review of ``client`` for ``month`` shows. ``evaluations`` (by client
    key) lets a batch evaluate every client once instead of once each."""
    from csconsole.roi import client_roi

    engine = engine or open_engine(cache, catalog)
    info = client if isinstance(client, ClientInfo) else engine.find_client(client)
    if month < info.start_month:
        raise KnownError(f"{info.key} had not started by {month_label(month)}")
    pair = evaluations.get(info.key) if evaluations is not None else None
    if pair is None:
        ((cur, prev),) = engine.evaluate_with_previous(month, client=info)
    else:
        cur, prev = pair
    try:
        roi: RoiReport | None = client_roi(cache, client=info, month=month)
    except KnownError:
        roi = None
    return ReviewFacts(
        client=info,
        month=month_label(month),
        month_index=month,
        evaluation=cur,
        previous=prev,
        groups=_groups(cur, catalog),
        roi=roi,
        opportunities=tuple(open_opportunities(cache, catalog, info.key)),
        incidents=_incidents(cache, info, month),
        trend=_trend(cache, catalog, info, cur, month),
        next_review=next_review_date(info.start_date, month),
    )
