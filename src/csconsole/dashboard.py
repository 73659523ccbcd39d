"""What a client's dashboard shows, computed without Qt: panels of figures with their
targets, status marks and freshness, the ROI panel, the weekly tracking table and the
trend series. The console's Client dashboard tab only lays these out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from csconsole import formatting as fmt
from csconsole.cache import Cache
from csconsole.catalog import Catalog, Metric
from csconsole.errors import KnownError
from csconsole.health.bands import Bands
from csconsole.health.clients import ClientInfo
from csconsole.health.engine import HealthEngine, open_engine
from csconsole.health.explain import Explanation
from csconsole.health.rules import Kpi, fmt_value
from csconsole.roi import RoiReport, client_roi
from csconsole.rollup import (
    aggregate,
    catalog_rules,
    load_samples,
    monday_of,
    month_end,
    month_index,
    month_label,
    month_start,
    period_end,
    samples_source,
)

#: Panels in seed 002's order; each lists the catalog groups it shows.
PANELS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("system_health", "System health", "essential", ("system_health",)),
    ("performance", "Performance", "essential", ("performance",)),
    ("adoption", "User adoption", "essential", ("adoption", "satisfaction")),
    ("roi", "ROI tracking", "essential", ("roi",)),
    ("integrations", "Integrations", "professional", ("integrations",)),
    ("advanced_features", "Advanced features", "professional", ("advanced_features",)),
    ("cross_department", "Cross-department impact", "professional", ("cross_department",)),
    ("optimisation_pipeline", "Optimisation pipeline", "professional", ("optimisation_pipeline",)),
    ("revenue_impact", "Revenue impact", "enterprise", ("revenue_impact",)),
    ("transformation", "Strategic transformation", "enterprise", ("transformation",)),
    ("scalability", "Scalability readiness", "enterprise", ("scalability",)),
    ("leadership", "Leadership engagement", "enterprise", ("leadership",)),
    ("lead_delivery", "Lead delivery", "optional", ("lead_delivery", "revenue_by_source")),
)
RANGES_MONTHS = (3, 6, 12, 24)
#: A figure is stale when its latest sample ended more than this many days before the
#: end of the month shown (or today, for the current month).
STALE_AFTER_DAYS = {"day": 3, "week": 10, "month": 40}
TRACKING_COLUMNS = ("uptime", "time_saved", "error_count", "satisfaction")


@dataclass(frozen=True)
class Figure:
    metric: str
    label: str
    unit: str
    value: float | None
    target: float | None
    variance: float | None  # + is better
    band: str  # green, yellow, red, no data, tracked
    previous: float | None
    latest_sample: date | None
    stale: bool
    rule: str  # how the figure is judged, for the tooltip
    mark: str = "tracked"  # met, tolerance, yellow, red, no data, tracked (health.MARKS)
    mark_text: str = ""  # "within tolerance (1.2 % short)"

    def value_text(self) -> str:
        return fmt_value(self.value, self.unit, self.metric)

    def target_text(self) -> str:
        return "tracked" if self.target is None else fmt_value(self.target, self.unit, self.metric)

    def variance_text(self) -> str:
        """Whole percents, but one decimal under 10 % so a small shortfall never reads ±0 %."""
        if self.variance is None:
            return ""
        return fmt.signed_percent(self.variance, 0 if abs(self.variance) >= 0.095 else 1)


@dataclass(frozen=True)
class Panel:
    key: str
    title: str
    figures: tuple[Figure, ...]
    lines: tuple[tuple[str, str], ...] = ()  # extra (label, text) rows, e.g. ROI
    note: str = ""
    tooltip: str = ""  # internal figures for the console only (never client-facing)


@dataclass(frozen=True)
class WeekRow:
    week_start: date
    uptime: float | None
    hours_saved: float | None
    errors: float | None
    satisfaction: float | None
    note: str
    #: The columns whose value the CSM typed in a tracking sheet (metric keys).
    typed: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Dashboard:
    client: ClientInfo
    month: str
    months: tuple[str, ...]  # months the selector offers, newest first
    explanation: Explanation
    panels: tuple[Panel, ...]
    weekly: tuple[WeekRow, ...]
    roi: RoiReport | None
    chart_metrics: tuple[tuple[str, str], ...]  # (key, label) with data


def rule_text(metric: Metric, target: float | None, bands: Bands) -> str:
    """How a figure is judged, in one or two sentences for its tooltip."""
    parts = [metric.description] if metric.description else []
    agg = {"mean": "the mean", "sum": "the sum", "last": "the latest", "max": "the highest"}
    parts.append(f"The month's figure is {agg[metric.aggregate]} of its samples.")
    if target is None or metric.direction == "none":
        parts.append("Tracked without a target.")
    else:
        better = "Higher" if metric.direction == "higher" else "Lower"
        y, r = bands.shortfall_yellow * 100, bands.shortfall_red * 100
        parts.append(
            f"{better} is better; target {fmt_value(target, metric.unit)}. Green when less than "
            f"{y:g} % short of it, yellow when {y:g}–{r:g} % short, red when more than {r:g} % short."
        )
    if metric.key == bands.satisfaction_metric:
        parts.append(
            f"Also: below {bands.satisfaction_red:g} is red, up to {bands.satisfaction_yellow:g} yellow."
        )
    if metric.key == bands.uptime_metric:
        parts.append(
            f"Also: below {bands.uptime_red:g} % is red, up to {bands.uptime_yellow:g} % yellow."
        )
    return " ".join(parts)


def _latest_samples(cache: Cache, client_id: int, until: date) -> dict[str, tuple[date, str]]:
    with cache.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            f"SELECT metric, max(period_start), grain FROM {samples_source(conn, [client_id])} "
            "WHERE client_id = ? AND period_start <= ? GROUP BY metric",
            (client_id, until.isoformat()),
        ).all()
    return {m: (date.fromisoformat(str(d)[:10]), g) for m, d, g in rows}


def _figure(
    kpi: Kpi, metric: Metric, latest: tuple[date, str] | None, ref: date, bands: Bands
) -> Figure:
    stale = False
    latest_day = None
    if latest is not None:
        latest_day, grain = latest
        age = (ref - period_end(latest_day, grain)).days
        stale = age > STALE_AFTER_DAYS.get(grain, 40)
    return Figure(
        metric=kpi.metric,
        label=kpi.label,
        unit=kpi.unit,
        value=kpi.value,
        target=kpi.target,
        variance=kpi.variance,
        band=kpi.band,
        previous=kpi.previous,
        latest_sample=latest_day,
        stale=stale,
        rule=rule_text(metric, kpi.target, bands),
        mark=kpi.mark,
        mark_text=kpi.mark_text(),
    )


def _money(value: float | None) -> str:
    return fmt.money(value)


def _pct(value: float | None) -> str:
    return fmt.percent(value, 0)


def _roi_lines(roi: RoiReport) -> tuple[tuple[str, str], ...]:
    cur = roi.current
    payback = (
        f"month {roi.payback_months} after start" if roi.payback_months is not None else "not yet"
    )
    projected = roi.projected_annual_return
    return (
        ("Time savings", f"{_money(cur.time_savings_value)} ({cur.hours_saved:,.0f} h)"),
        ("Error prevention", _money(cur.error_prevention_value)),
        ("Revenue attribution", _money(cur.revenue_attribution)),
        ("Value this month" if cur.complete else "Value to date", _money(cur.value)),
        ("Investment (fee + costs)", _money(cur.investment)),
        ("Monthly ROI" if cur.complete else "ROI this month to date", _pct(cur.roi)),
        ("Year-to-date ROI", _pct(roi.ytd_roi)),
        ("Cumulative ROI", _pct(cur.cumulative_roi)),
        ("Payback", f"{payback} (target {roi.payback_target_months})"),
        ("Projected annual return", "—" if projected is None else _money(projected)),
    )


def _roi_tooltip(roi: RoiReport) -> str:
    """Seed 001's return on running costs: internal, for the console's tooltip only."""
    cur = roi.current
    return (
        "ROI = (value − investment) ÷ investment; investment = the monthly fee "
        f"({_money(cur.fee)}) + system costs ({_money(cur.system_costs)})"
        + (f" + the setup fee ({_money(cur.setup_fee)})" if cur.setup_fee else "")
        + ".\nInternal only — return on running costs, (value − system costs) ÷ system "
        f"costs: {_pct(cur.running_cost_return)} this month, "
        f"{_pct(roi.ytd_running_cost_return)} year to date. Never shown to clients."
    )


def _transformation_lines(figures: Sequence[Figure]) -> tuple[tuple[str, str], ...]:
    by_key = {f.metric: f for f in figures}
    before = by_key.get("process_efficiency_baseline")
    after = by_key.get("process_efficiency_rating")
    if before and after and before.value and after.value is not None:
        return (("Improvement", f"{(after.value / before.value - 1) * 100:+.0f} %"),)
    return ()


def build_dashboard(
    cache: Cache,
    catalog: Catalog,
    *,
    client_key: str,
    month: str | None = None,
    today: date | None = None,
    engine: HealthEngine | None = None,
) -> Dashboard:
    """Everything the Client dashboard shows for one client and month."""
    engine = engine or open_engine(cache, catalog, today=today)
    client = engine.find_client(client_key)
    if month is None:
        chosen = engine.default_month()
    else:
        from csconsole.rollup import parse_month

        chosen = parse_month(month)
    first = max(client.start_month, engine.current_month - 23)
    months = tuple(month_label(m) for m in range(engine.current_month, first - 1, -1))
    chosen = max(chosen, client.start_month)
    explanation = engine.explain(chosen, client=client)
    evaluation = explanation.current
    ref = min(engine.today, month_end(chosen))
    latest = _latest_samples(cache, client.id, month_end(chosen))
    try:
        roi: RoiReport | None = client_roi(cache, client=client, month=chosen, today=engine.today)
    except KnownError:
        roi = None
    panels = []
    shown_groups: set[str] = set()
    for key, title, tier, groups in PANELS:
        figures = tuple(
            _figure(k, catalog.metric(k.metric), latest.get(k.metric), ref, engine.bands)
            for k in evaluation.kpis
            if k.metric in catalog.metrics and catalog.metric(k.metric).group in groups
        )
        shown_groups.update(groups)
        tier_rank = catalog.tiers[tier].rank if tier in catalog.tiers else None
        client_rank = catalog.tier(client.tier).rank
        if tier_rank is None and not figures:
            continue
        if tier_rank is not None and tier_rank > client_rank:
            continue
        lines: tuple[tuple[str, str], ...] = ()
        note = tooltip = ""
        if key == "roi" and roi is not None:
            # The ROI inputs are summed up in money; their raw figures stay in the chart.
            lines, figures, tooltip = _roi_lines(roi), (), _roi_tooltip(roi)
        elif key == "transformation":
            lines = _transformation_lines(figures)
        elif key == "optimisation_pipeline":
            from csconsole.opportunities.pipeline import pipeline

            found = pipeline(cache, catalog, client.key, today=engine.today)
            lines = found.lines()
            if not found.total:
                note = "No opportunities recorded yet: add them in the Opportunities tab."
            elif found.upsell:
                note = f"{found.upsell} open opportunit{'ies need' if found.upsell > 1 else 'y needs'} a higher package (upsell)."
        panels.append(Panel(key, title, figures, lines, note, tooltip))
    others = tuple(
        _figure(k, catalog.metric(k.metric), latest.get(k.metric), ref, engine.bands)
        for k in evaluation.kpis
        if k.metric in catalog.metrics and catalog.metric(k.metric).group not in shown_groups
    )
    if others:
        panels.append(Panel("other", "Other KPIs", others))
    chart_metrics = tuple((k.metric, k.label) for k in evaluation.kpis if k.metric in latest)
    return Dashboard(
        client=client,
        month=month_label(chosen),
        months=months,
        explanation=explanation,
        panels=tuple(panels),
        weekly=tuple(weekly_tracking(cache, catalog, client=client, month=chosen)),
        roi=roi,
        chart_metrics=chart_metrics,
    )


def weekly_tracking(
    cache: Cache, catalog: Catalog, *, client: ClientInfo, month: int
) -> list[WeekRow]:
    """Seed 002's monthly tracking sheet: one row per week starting in ``month``."""
    start, end = month_start(month), month_end(month)
    samples = load_samples(
        cache.engine,
        start=start - timedelta(days=6),
        end=end,
        client_ids=[client.id],
        metrics=list(TRACKING_COLUMNS),
    )
    weekly = aggregate(samples, rules=catalog_rules(catalog), freq="week")
    values: dict[tuple[int, str], float] = {
        (int(p), str(m)): float(v)
        for p, m, v in zip(weekly["period"], weekly["metric"], weekly["value"], strict=True)
    }
    with cache.engine.connect() as conn:
        span = (client.id, (start - timedelta(days=6)).isoformat(), end.isoformat())
        notes: dict[str, str] = dict(
            conn.exec_driver_sql(
                "SELECT period_start, note FROM period_notes WHERE client_id = ? "
                "AND period_start BETWEEN ? AND ?",
                span,
            ).all()
        )
        typed: set[tuple[str, str]] = {
            (str(d)[:10], str(m))
            for d, m in conn.exec_driver_sql(
                "SELECT period_start, metric FROM sheet_values WHERE client_id = ? "
                "AND grain = 'week' AND period_start BETWEEN ? AND ?",
                span,
            )
        }
    epoch = date(1970, 1, 1)
    monday = monday_of(start)
    rows = []
    while monday <= end:
        key = (monday - epoch).days
        in_month = monday >= start or monday.month == start.month
        if in_month and any((key, m) in values for m in TRACKING_COLUMNS):
            week_notes = [
                str(n)
                for d, n in notes.items()
                if monday <= date.fromisoformat(str(d)[:10]) <= monday + timedelta(days=6)
            ]
            rows.append(
                WeekRow(
                    week_start=monday,
                    uptime=values.get((key, "uptime")),
                    hours_saved=values.get((key, "time_saved")),
                    errors=values.get((key, "error_count")),
                    satisfaction=values.get((key, "satisfaction")),
                    note="; ".join(week_notes),
                    typed=frozenset(
                        m for m in TRACKING_COLUMNS if (monday.isoformat(), m) in typed
                    ),
                )
            )
        monday += timedelta(days=7)
    return rows


@dataclass(frozen=True)
class Series:
    metric: str
    label: str
    unit: str
    days: tuple[date, ...]
    values: tuple[float, ...]
    target: float | None


def metric_series(
    cache: Cache,
    catalog: Catalog,
    *,
    client: ClientInfo,
    metric: str,
    months: int,
    today: date,
    target: float | None,
) -> Series:
    """A metric's trend over the last ``months`` months: weekly points (daily samples are
    aggregated to weeks with the metric's rule; weekly and monthly samples as they are)."""
    info = catalog.metric(metric)
    first = month_start(month_index(today) - months + 1)
    samples = load_samples(
        cache.engine, start=first, end=today, client_ids=[client.id], metrics=[metric]
    )
    if samples.empty:
        return Series(metric, info.label, info.unit, (), (), target)
    if (samples["grain"] == "day").any():
        weekly = aggregate(samples, rules={metric: info.aggregate}, freq="week")
        epoch = date(1970, 1, 1)
        days = tuple(epoch + timedelta(days=int(p)) for p in weekly["period"])
        values = tuple(float(v) for v in weekly["value"])
    else:
        ordered = samples.sort_values("period_start")
        days = tuple(d.date() for d in ordered["period_start"])
        values = tuple(float(v) for v in ordered["value"])
    return Series(metric, info.label, info.unit, days, values, target)
