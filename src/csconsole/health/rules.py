"""The rules of SPEC "Health status", pure: one client-month's values, targets, open
incidents and bands give its status, one reason per metric, its KPIs and its rating, so
they are tested without a cache.

Comparisons are made on shortfalls rounded to 9 decimals, so 81 against 90 is exactly
10 % short, not 9.999… %.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from csconsole.health.bands import Bands

Status = Literal["green", "yellow", "red"]
STATUSES: tuple[Status, ...] = ("green", "yellow", "red")
RANK: dict[str, int] = {"green": 0, "yellow": 1, "red": 2}
#: A rating that rose or fell by at least this much since the previous month is ↑ or ↓.
TREND_STEP = 0.5
#: The highest rating each status allows (SPEC "Performance rating, version 2").
RATING_CAP: dict[str, float] = {"green": 10.0, "yellow": 6.9, "red": 3.9}
#: The version of the rules an evaluation was made by; older stored evaluations are
#: re-judged by :func:`upgrade_evaluation` from the inputs they kept.
RULES_VERSION = 2
_ROUND = 9


def worst(statuses: Iterable[str]) -> Status:
    result: Status = "green"
    for status in statuses:
        if RANK[status] > RANK[result]:
            result = status  # type: ignore[assignment]
    return result


@dataclass(frozen=True)
class MetricInput:
    """One metric's month for one client: what the rules need to judge it."""

    key: str
    label: str
    unit: str
    direction: str
    target: float | None
    value: float | None  # None: no data
    previous: float | None = None
    carried_from: str | None = None  # month to date: value taken from this month

    @property
    def targeted(self) -> bool:
        return self.target is not None and self.direction in ("higher", "lower")


@dataclass(frozen=True)
class IncidentInput:
    key: str
    severity: str  # minor, critical
    title: str
    opened_at: str  # ISO, UTC


@dataclass(frozen=True)
class Reason:
    """Why a status is not green: the rule, the metric, actual vs target, by how much.

    One reason per metric: when a metric breaks several rules (satisfaction 6.5 is both
    23.5 % short of 8.5 and below 7), ``rule`` is the one that gives the worst band,
    ``rules`` names every rule broken and ``text`` says each of them.
    """

    rule: str  # shortfall, satisfaction, uptime, no_data, incident
    status: Status
    metric: str | None
    label: str
    actual: float | None
    target: float | None
    shortfall: float | None
    text: str
    rules: tuple[str, ...] = ()
    #: Internal reference (an incident's key): for the console, never for a client.
    ref: str | None = None

    @property
    def key(self) -> str:
        """What the reason is about: its metric, or its incident."""
        return self.metric or self.ref or self.label


#: How each KPI's standing is shown: symbol and word. "met" is at or above target and
#: nothing else; "tolerance" is below target but inside the green band.
MARKS: dict[str, tuple[str, str]] = {
    "met": ("✓", "on target"),
    "tolerance": ("≈", "within tolerance"),
    "yellow": ("▲", "needs attention"),
    "red": ("✗", "off target"),
    "no data": ("?", "no data"),
    "tracked": ("", "tracked"),
}


@dataclass(frozen=True)
class Kpi:
    """A metric's line on the dashboard: value, target, variance (+ is better), band."""

    metric: str
    label: str
    unit: str
    direction: str
    value: float | None
    target: float | None
    variance: float | None
    shortfall: float | None
    band: str  # green, yellow, red, no data, tracked
    previous: float | None
    carried_from: str | None

    @property
    def mark(self) -> str:
        """met, tolerance, yellow, red, no data or tracked (see :data:`MARKS`)."""
        if self.band != "green" or self.target is None:
            return self.band
        if self.shortfall is not None and self.shortfall > 0:
            return "tolerance"
        return "met"

    def mark_text(self) -> str:
        """The mark's word, with the shortfall when within tolerance: "within tolerance
        (1.2 % short)"."""
        word = MARKS[self.mark][1]
        if self.mark == "tolerance" and self.shortfall is not None:
            side = "above" if self.direction == "lower" else "short"
            return f"{word} ({fmt_pct(self.shortfall)} {side})"
        return word


@dataclass(frozen=True)
class Assessment:
    status: Status
    reasons: tuple[Reason, ...]
    kpis: tuple[Kpi, ...]
    rating: float | None


def shortfall(*, actual: float, target: float, direction: str) -> float | None:
    """SPEC's shortfall (positive = below target); a lower-is-better target of 0 makes any
    excess a full shortfall (1.0). None for metrics with no better side."""
    if direction == "higher":
        value = 0.0 if target == 0 else (target - actual) / target
    elif direction == "lower":
        value = (1.0 if actual > 0 else 0.0) if target == 0 else (actual - target) / target
    else:
        return None
    return round(value, _ROUND) + 0.0


def shortfall_band(value: float, bands: Bands) -> Status:
    if value > bands.shortfall_red:
        return "red"
    if value >= bands.shortfall_yellow:
        return "yellow"
    return "green"


def level_band(value: float, *, yellow: float, red: float) -> Status:
    """Satisfaction and uptime: below ``red`` is red, up to ``yellow`` inclusive yellow."""
    if value < red:
        return "red"
    if value <= yellow:
        return "yellow"
    return "green"


def score_of(d: float, bands: Bands) -> float:
    """One metric's score out of 10 from its shortfall ``d`` (SPEC rating version 2):
    10 at or above target, 7 at the yellow edge, 4 at the red edge, 0 at twice the red
    edge or worse, straight lines between."""
    g, r = bands.shortfall_yellow, bands.shortfall_red
    if d <= 0:
        return 10.0
    if d <= g:
        return 10.0 - 3.0 * d / g
    if d <= r:
        return 7.0 - 3.0 * (d - g) / (r - g)
    if r <= 0:
        return 0.0
    return max(0.0, 4.0 - 4.0 * (d - r) / r)


def round_half_up(value: float, places: int = 1) -> float:
    """Half up, as people round by hand (6.85 → 6.9), not Python's half to even."""
    exact = Decimal(repr(round(value, _ROUND)))
    return float(exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def rating_of(shortfalls: Sequence[float], *, status: str, bands: Bands) -> float | None:
    """SPEC's performance rating, version 2: the mean score of the targeted metrics with
    data, capped by the status (yellow ≤ 6.9, red ≤ 3.9), rounded half up to one decimal.
    None when no targeted metric has data."""
    if not shortfalls:
        return None
    mean = sum(score_of(d, bands) for d in shortfalls) / len(shortfalls)
    return round_half_up(min(mean, RATING_CAP[status]))


def trend_of(rating: float | None, previous: float | None) -> str | None:
    """up or down when the rating moved by 0.5 or more since the previous month, else
    steady; "new" when there is no previous rating; None without a rating."""
    if rating is None:
        return None
    if previous is None:
        return "new"
    change = round(rating - previous, 6)
    if change >= TREND_STEP:
        return "up"
    if change <= -TREND_STEP:
        return "down"
    return "steady"


TREND_ARROWS = {"up": "↑", "down": "↓", "steady": "→", "new": "→ new", None: " "}


def fmt_value(value: float | None, unit: str, metric: str | None = None) -> str:
    """A figure as people read it (99.7%, 8.5/10, 17.0 h/week, $1,250): see
    :func:`csconsole.formatting.figure`; ``metric`` gives its catalog precision."""
    from csconsole.formatting import figure

    return figure(value, unit, metric=metric)


def fmt_pct(value: float) -> str:
    from csconsole.formatting import percent

    return percent(value, 1)


def _level_rules(bands: Bands) -> tuple[tuple[str, str, float, float], ...]:
    return (
        (
            "satisfaction",
            bands.satisfaction_metric,
            bands.satisfaction_yellow,
            bands.satisfaction_red,
        ),
        ("uptime", bands.uptime_metric, bands.uptime_yellow, bands.uptime_red),
    )


def _metric_reason(
    m: MetricInput,
    sf: float | None,
    bands: Bands,
    levels: Sequence[tuple[str, str, float, float]],
) -> Reason | None:
    """The one reason of a metric, naming every rule it broke; None when it broke none."""
    assert m.value is not None
    broken: list[tuple[str, Status, str, float | None]] = []  # (rule, band, clause, limit)
    if sf is not None and m.target is not None:
        band = shortfall_band(sf, bands)
        if band != "green":
            word = "above" if m.direction == "lower" else "short of"
            clause = f"{fmt_pct(sf)} {word} target {fmt_value(m.target, m.unit)}"
            broken.append(("shortfall", band, clause, m.target))
    for rule, metric_key, yellow, red in levels:
        if m.key != metric_key:
            continue
        level = level_band(m.value, yellow=yellow, red=red)
        if level != "green":
            limit = red if level == "red" else yellow
            relation = "below" if level == "red" else "at or below"
            broken.append((rule, level, f"{relation} {fmt_value(limit, m.unit)}", limit))
    if not broken:
        return None
    # The worst band wins; on a tie the shortfall rule, which carries the target.
    rule, status, _, target = min(broken, key=lambda b: (-RANK[b[1]], b[0] != "shortfall"))
    return Reason(
        rule=rule,
        status=status,
        metric=m.key,
        label=m.label,
        actual=m.value,
        target=target,
        shortfall=sf if sf is not None and sf > 0 else None,
        text=f"{m.label} {fmt_value(m.value, m.unit)} is " + " and ".join(b[2] for b in broken),
        rules=tuple(b[0] for b in broken),
    )


def assess(
    *, metrics: Sequence[MetricInput], incidents: Sequence[IncidentInput], bands: Bands
) -> Assessment:
    """Apply SPEC's status rules to one client-month: one reason per metric, the status,
    the KPIs and the rating (version 2)."""
    reasons: list[Reason] = []
    kpis: list[Kpi] = []
    shortfalls: list[float] = []
    levels = _level_rules(bands)
    level_keys = {key for _rule, key, _yellow, _red in levels}
    for m in metrics:
        sf: float | None = None
        band = "tracked"
        if m.value is None:
            if m.targeted:
                band = "no data"
                reasons.append(
                    Reason(
                        "no_data",
                        "yellow",
                        m.key,
                        m.label,
                        None,
                        m.target,
                        None,
                        f"{m.label}: no data this month (target {fmt_value(m.target, m.unit)})",
                        rules=("no_data",),
                    )
                )
        else:
            if m.targeted:
                assert m.target is not None
                sf = shortfall(actual=m.value, target=m.target, direction=m.direction)
                assert sf is not None
                shortfalls.append(sf)
            reason = _metric_reason(m, sf, bands, levels)
            if reason is not None:
                reasons.append(reason)
                band = reason.status  # the worst of the rules it broke
            elif m.targeted or m.key in level_keys:
                band = "green"
        variance = None if sf is None else round(-sf, _ROUND) + 0.0
        kpis.append(
            Kpi(
                m.key,
                m.label,
                m.unit,
                m.direction,
                m.value,
                m.target if m.targeted else None,
                variance,
                sf,
                band,
                m.previous,
                m.carried_from,
            )
        )
    for incident in incidents:
        status: Status = "red" if incident.severity == "critical" else "yellow"
        reasons.append(
            Reason(
                "incident",
                status,
                None,
                incident.title or "Incident",
                None,
                None,
                None,
                incident_text(incident),
                rules=("incident",),
                ref=incident.key,
            )
        )
    reasons.sort(key=lambda r: (-RANK[r.status], -(r.shortfall or 0.0)))
    status_now = worst(r.status for r in reasons)
    return Assessment(
        status=status_now,
        reasons=tuple(reasons),
        kpis=tuple(kpis),
        rating=rating_of(shortfalls, status=status_now, bands=bands),
    )


def rating_alone(
    *, metrics: Sequence[MetricInput], incidents: Sequence[IncidentInput], bands: Bands
) -> float | None:
    """The rating :func:`assess` gives, without its reasons and KPIs: the trend needs only
    the previous month's rating, and building texts for it costs a status run dearly."""
    status: Status = (
        "red"
        if any(i.severity == "critical" for i in incidents)
        else ("yellow" if incidents else "green")
    )
    shortfalls: list[float] = []
    levels = {key: (yellow, red) for _r, key, yellow, red in _level_rules(bands)}
    for m in metrics:
        if m.value is None:
            if m.targeted:
                status = worst([status, "yellow"])
            continue
        if m.targeted:
            assert m.target is not None
            sf = shortfall(actual=m.value, target=m.target, direction=m.direction)
            assert sf is not None
            shortfalls.append(sf)
            status = worst([status, shortfall_band(sf, bands)])
        if m.key in levels:
            yellow, red = levels[m.key]
            status = worst([status, level_band(m.value, yellow=yellow, red=red)])
    return rating_of(shortfalls, status=status, bands=bands)


def incident_text(incident: IncidentInput) -> str:
    """An open incident as a client may read it: its title and the day it was opened,
    never the internal key."""
    from csconsole.formatting import one_line

    title = one_line(incident.title) or "an unnamed incident"
    opened = incident.opened_at[:10]
    try:
        day = date.fromisoformat(opened)
        when = f"{day.day} {day:%B %Y}"
    except ValueError:
        when = opened
    return f"Open {incident.severity} incident: {title} (since {when})"
