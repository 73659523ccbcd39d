"""Health: each client's KPIs against target, its green/yellow/red status with reasons,
its performance rating and trend, for any month — exactly the rules of SPEC "Health status".

The rules live in :func:`assess`, a pure function of the month's values, targets,
open incidents and bands, so they are tested without a cache. :class:`HealthEngine`
feeds it from the cache through a monthly rollup and keeps each month's result in
``status_history`` with its inputs, so the past is explained with the targets and
bands it was judged by.

Design decisions (JSON shapes: docs/json.md):

* Monthly values follow :mod:`csconsole.rollup`: a sample counts in the month of its
  ``period_start`` and is aggregated with the metric's own rule.
* Month to date: a targeted metric with no sample yet in the current month is
  *carried* from the previous month while no period of its grain has ended in this
  month (a week that started on the 30th of last month, a monthly figure, the first
  day of a month); the KPI says so. Once a period is due and missing, it is "no data".
* Open incidents are those open at the end of the month (or now, for the month to
  date): opened before that moment and not resolved by it.
* Comparisons are made on shortfalls rounded to 9 decimals, so 81 against 90 is
  exactly 10 % short, not 9.999… %.
* History: a month is evaluated live while it is the current month or the latest
  complete month; once older, the first stored evaluation is kept as it was.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from sqlalchemy import Engine

from csconsole import clock
from csconsole.cache import Cache
from csconsole.catalog import Catalog
from csconsole.errors import KnownError
from csconsole.paths import resources_dir
from csconsole.rollup import (
    catalog_rules,
    has_data,
    month_end,
    month_index,
    month_label,
    month_start,
    monthly_values,
)

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


# --- bands ----------------------------------------------------------------------


@dataclass(frozen=True)
class Bands:
    """Status thresholds; defaults are SPEC's and live in ``resources/health/bands.toml``."""

    shortfall_yellow: float = 0.10
    shortfall_red: float = 0.20
    satisfaction_yellow: float = 8.5
    satisfaction_red: float = 7.0
    uptime_yellow: float = 99.0
    uptime_red: float = 95.0
    satisfaction_metric: str = "satisfaction"
    uptime_metric: str = "uptime"

    @classmethod
    def load(cls, overrides: Mapping[str, Any] | None = None) -> Bands:
        """The shipped bands with the user's overrides (settings ``health_bands``) applied."""
        path = resources_dir() / "health" / "bands.toml"
        try:
            with path.open("rb") as fh:
                data: dict[str, Any] = tomllib.load(fh)
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise KnownError(f"{path}: cannot read the status bands: {exc}") from None
        data.update(overrides or {})
        return cls.from_mapping(data, where=str(path))

    @classmethod
    def configured(cls) -> Bands:
        """The bands in force: shipped defaults with the user's settings applied."""
        from csconsole.settings import Settings

        return cls.load(Settings.load().health_bands or {})

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, where: str = "bands") -> Bands:
        known = {f.name: f for f in fields(cls)}
        values: dict[str, Any] = {}
        for name, value in data.items():
            if name not in known:
                raise KnownError(f"{where}: unknown band {name!r}")
            if name.endswith("_metric"):
                if not isinstance(value, str):
                    raise KnownError(f"{where}: {name} must be a metric key")
            elif isinstance(value, bool) or not isinstance(value, int | float):
                raise KnownError(f"{where}: {name} must be a number, not {value!r}")
            values[name] = float(value) if not name.endswith("_metric") else value
        bands = cls(**values)
        if not 0 <= bands.shortfall_yellow <= bands.shortfall_red:
            raise KnownError(f"{where}: need 0 ≤ shortfall_yellow ≤ shortfall_red")
        if (
            bands.satisfaction_red > bands.satisfaction_yellow
            or bands.uptime_red > bands.uptime_yellow
        ):
            raise KnownError(f"{where}: each red threshold must be at or below its yellow one")
        return bands

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# --- the rules (pure) -----------------------------------------------------------


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
    title = one_line(incident.title) or "an unnamed incident"
    opened = incident.opened_at[:10]
    try:
        day = date.fromisoformat(opened)
        when = f"{day.day} {day:%B %Y}"
    except ValueError:
        when = opened
    return f"Open {incident.severity} incident: {title} (since {when})"


def one_line(text: str) -> str:
    """Text on one line: line breaks and runs of spaces become single spaces."""
    return " ".join(text.split())


# --- a client-month's evaluation, as stored and shown ----------------------------


@dataclass(frozen=True)
class Evaluation:
    """One client's month: status, reasons, KPIs, rating, trend and the inputs used."""

    client_key: str
    client_name: str
    tier: str
    month: str
    complete: bool
    status: Status
    reasons: tuple[Reason, ...]
    kpis: tuple[Kpi, ...]
    rating: float | None
    previous_rating: float | None
    trend: str | None
    incidents: tuple[IncidentInput, ...]
    bands: dict[str, Any] = field(default_factory=dict)
    evaluated_at: str = ""
    rules_version: int = RULES_VERSION

    @property
    def worst_shortfall(self) -> float:
        return max((r.shortfall or 0.0 for r in self.reasons), default=0.0)

    def sort_key(self) -> tuple[int, float, int, str]:
        """Worst first: red before yellow before green, then the deepest shortfall."""
        return (
            -RANK[self.status],
            -self.worst_shortfall,
            -len(self.reasons),
            self.client_name.lower(),
        )

    def kpi(self, metric: str) -> Kpi | None:
        return next((k for k in self.kpis if k.metric == metric), None)

    def summary(self) -> str:
        """The first reason, or for a client with none a line that does not flatter: a
        figure below target inside the green band is named as within tolerance."""
        if self.reasons:
            return self.reasons[0].text
        close = sorted(
            (k for k in self.kpis if k.mark == "tolerance"), key=lambda k: -(k.shortfall or 0.0)
        )
        if not close:
            return "Every targeted metric on target"
        k = close[0]
        more = f"; {len(close) - 1} more within tolerance" if len(close) > 1 else ""
        return f"On track; {k.label} {fmt_value(k.value, k.unit)} is {k.mark_text()}{more}"

    def as_json(self) -> dict[str, Any]:
        """The stable JSON shape documented in docs/json.md."""
        return {
            "client": {"key": self.client_key, "name": self.client_name, "tier": self.tier},
            "month": self.month,
            "complete": self.complete,
            "status": self.status,
            "rating": self.rating,
            "previous_rating": self.previous_rating,
            "trend": self.trend,
            "reasons": [_clean({**vars(r), "rules": list(r.rules)}) for r in self.reasons],
            "kpis": [_clean({**vars(k), "mark": k.mark}) for k in self.kpis],
            "incidents": [dict(vars(i)) for i in self.incidents],
            "bands": self.bands,
            "evaluated_at": self.evaluated_at,
            "rules_version": self.rules_version,
        }

    @classmethod
    def judged(
        cls,
        a: Assessment,
        *,
        client_key: str,
        client_name: str,
        tier: str,
        month: str,
        complete: bool,
        previous_rating: float | None,
        incidents: Sequence[IncidentInput],
        bands: dict[str, Any],
        evaluated_at: str,
    ) -> Evaluation:
        """A client-month's evaluation from its assessment, with the trend against the
        previous month's rating."""
        return cls(
            client_key=client_key,
            client_name=client_name,
            tier=tier,
            month=month,
            complete=complete,
            status=a.status,
            reasons=a.reasons,
            kpis=a.kpis,
            rating=a.rating,
            previous_rating=previous_rating,
            trend=trend_of(a.rating, previous_rating),
            incidents=tuple(incidents),
            bands=bands,
            evaluated_at=evaluated_at,
        )

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Evaluation:
        """An evaluation as stored; one made by older rules is re-judged from its inputs
        (:func:`upgrade_evaluation`)."""
        if int(data.get("rules_version", 1)) < RULES_VERSION:
            return upgrade_evaluation(data)
        kpi_fields = {f.name for f in fields(Kpi)}
        return cls(
            client_key=data["client"]["key"],
            client_name=data["client"]["name"],
            tier=data["client"]["tier"],
            month=data["month"],
            complete=bool(data["complete"]),
            status=data["status"],
            reasons=tuple(
                Reason(**{**r, "rules": tuple(r.get("rules", ()))}) for r in data["reasons"]
            ),
            kpis=tuple(
                Kpi(**{k: v for k, v in kp.items() if k in kpi_fields}) for kp in data["kpis"]
            ),
            rating=data["rating"],
            previous_rating=data["previous_rating"],
            trend=data["trend"],
            incidents=tuple(IncidentInput(**i) for i in data["incidents"]),
            bands=dict(data["bands"]),
            evaluated_at=data.get("evaluated_at", ""),
            rules_version=int(data.get("rules_version", RULES_VERSION)),
        )


def upgrade_evaluation(
    data: Mapping[str, Any], *, previous_rating: float | None = None
) -> Evaluation:
    """A stored evaluation re-judged by today's rules from the inputs it kept: each KPI's
    value, target and direction, the open incidents and the bands in force then. So a
    month's rating never depends on when it was looked at. ``previous_rating`` is the
    previous month's rating by the same rules, for the trend."""
    bands = Bands.from_mapping(data.get("bands") or {}, where="stored evaluation")
    inputs = [
        MetricInput(
            key=k["metric"],
            label=k["label"],
            unit=k["unit"],
            direction=k["direction"],
            target=k["target"],
            value=k["value"],
            previous=k.get("previous"),
            carried_from=k.get("carried_from"),
        )
        for k in data["kpis"]
    ]
    incidents = [IncidentInput(**i) for i in data["incidents"]]
    a = assess(metrics=inputs, incidents=incidents, bands=bands)
    return Evaluation.judged(
        a,
        client_key=data["client"]["key"],
        client_name=data["client"]["name"],
        tier=data["client"]["tier"],
        month=data["month"],
        complete=bool(data["complete"]),
        previous_rating=previous_rating,
        incidents=incidents,
        bands=dict(data.get("bands") or {}),
        evaluated_at=data.get("evaluated_at", ""),
    )


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    return {k: (round(v, 6) if type(v) is float else v) for k, v in data.items()}


# --- explanation ------------------------------------------------------------------


@dataclass(frozen=True)
class Move:
    metric: str
    label: str
    unit: str
    before: float | None
    after: float | None
    change: float | None
    band_before: str
    band_after: str


@dataclass(frozen=True)
class Explanation:
    """What changed since the previous month: reasons new and cleared, metrics that moved."""

    current: Evaluation
    previous: Evaluation | None
    new_reasons: tuple[Reason, ...]
    cleared_reasons: tuple[Reason, ...]
    kept_reasons: tuple[Reason, ...]
    moves: tuple[Move, ...]

    def lines(self) -> list[str]:
        cur, prev = self.current, self.previous
        head = f"{cur.client_name} ({cur.client_key}) is {cur.status.upper()} in {cur.month}"
        if prev is not None:
            head += f"; it was {prev.status.upper()} in {prev.month}"
        out = [head + "."]
        if not cur.reasons:
            out.append("  Every targeted metric is within 10 % of target and no issue is open.")
        for title, reasons in (
            ("New since last month", self.new_reasons),
            ("Still true", self.kept_reasons),
            ("Cleared since last month", self.cleared_reasons),
        ):
            if reasons:
                out.append(f"{title}:")
                out += [f"  [{r.status}] {r.text}" for r in reasons]
        if self.moves:
            out.append("Metrics that moved:")
            for m in self.moves:
                change = (
                    ""
                    if m.change is None
                    else f" ({'+' if m.change >= 0 else ''}{fmt_value(m.change, m.unit)})"
                )
                band = (
                    "" if m.band_before == m.band_after else f", {m.band_before} → {m.band_after}"
                )
                out.append(
                    f"  {m.label}: {fmt_value(m.before, m.unit)} → {fmt_value(m.after, m.unit)}{change}{band}"
                )
        for k in cur.kpis:
            if k.carried_from:
                out.append(
                    f"  ({k.label}: no sample due yet this month; {k.carried_from}'s value used)"
                )
        return out

    def as_json(self) -> dict[str, Any]:
        return {
            "current": self.current.as_json(),
            "previous": self.previous.as_json() if self.previous else None,
            "new_reasons": [_clean(vars(r)) for r in self.new_reasons],
            "cleared_reasons": [_clean(vars(r)) for r in self.cleared_reasons],
            "kept_reasons": [_clean(vars(r)) for r in self.kept_reasons],
            "moves": [_clean(vars(m)) for m in self.moves],
        }


def explain(
    current: Evaluation, previous: Evaluation | None, *, threshold: float = 0.02
) -> Explanation:
    """Compare two months of one client. A metric "moved" when it changed band or by more
    than ``threshold`` of its target (or of its old value when it has no target)."""
    before = {r.key: r for r in previous.reasons} if previous else {}
    after = {r.key: r for r in current.reasons}
    moves: list[Move] = []
    if previous is not None:
        old = {k.metric: k for k in previous.kpis}
        for k in current.kpis:
            p = old.get(k.metric)
            if p is None or (k.band == "tracked" and p.band == "tracked"):
                continue
            change = None if k.value is None or p.value is None else k.value - p.value
            scale = abs(k.target or p.value or 1.0)
            moved = k.band != p.band or (change is not None and abs(change) > threshold * scale)
            if moved:
                moves.append(
                    Move(k.metric, k.label, k.unit, p.value, k.value, change, p.band, k.band)
                )
    return Explanation(
        current=current,
        previous=previous,
        new_reasons=tuple(r for key, r in after.items() if key not in before),
        cleared_reasons=tuple(r for key, r in before.items() if key not in after),
        kept_reasons=tuple(r for key, r in after.items() if key in before),
        moves=tuple(moves),
    )


# --- the engine over the cache ----------------------------------------------------


@dataclass(frozen=True)
class ClientInfo:
    id: int
    key: str
    name: str
    tier: str
    package_value: float
    start_date: date
    csm: str
    technical_lead: str
    hourly_rate: float
    cost_per_error: float
    targets: Mapping[str, float]
    setup_fee: float = 0.0
    team_size: int = 0

    @property
    def start_month(self) -> int:
        return month_index(self.start_date)


def load_clients(engine: Engine) -> list[ClientInfo]:
    with engine.connect() as conn:
        targets: dict[int, dict[str, float]] = {}
        for client_id, metric, target in conn.exec_driver_sql(
            "SELECT client_id, metric, target FROM client_targets"
        ):
            targets.setdefault(client_id, {})[metric] = float(target)
        rows = conn.exec_driver_sql(
            "SELECT id, key, name, tier, package_value, start_date, csm, technical_lead, "
            "hourly_rate, cost_per_error, setup_fee, team_size FROM clients ORDER BY key"
        ).fetchall()
    return [
        ClientInfo(
            id=r[0],
            key=r[1],
            name=r[2],
            tier=r[3],
            package_value=float(r[4]),
            start_date=date.fromisoformat(str(r[5])[:10]),
            csm=r[6],
            technical_lead=r[7],
            hourly_rate=float(r[8]),
            cost_per_error=float(r[9]),
            targets=targets.get(r[0], {}),
            setup_fee=float(r[10] or 0.0),
            team_size=int(r[11] or 0),
        )
        for r in rows
    ]


def find_client(clients: Sequence[ClientInfo], text: str) -> ClientInfo:
    """A client by key (CL-001) or by name, case-insensitively."""
    wanted = text.strip().casefold()
    for client in clients:
        if client.key.casefold() == wanted:
            return client
    matches = [c for c in clients if c.name.casefold() == wanted]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise KnownError(f"{len(matches)} clients are named {text!r}; give the key instead")
    raise KnownError(f"unknown client {text!r} (give a key such as CL-001 or the exact name)")


_STEP_DAYS = {"day": 1, "week": 7}


def period_end(start: date, grain: str) -> date:
    """Last day of the day, week or month that starts on ``start``."""
    if grain in _STEP_DAYS:
        return start + timedelta(days=_STEP_DAYS[grain] - 1)
    return month_end(month_index(start))


def _next_period(start: date, grain: str) -> date:
    if grain in _STEP_DAYS:
        return start + timedelta(days=_STEP_DAYS[grain])
    return month_start(month_index(start) + 1)


class HealthEngine:
    """Status, KPIs and history for the cache's clients, as of ``today``.

    ``today`` is injectable so tests and the demo are reproducible; the current month
    is the month of ``today`` (to date), the latest complete month the one before.
    """

    def __init__(
        self,
        cache: Cache,
        catalog: Catalog,
        *,
        today: date | None = None,
        bands: Bands | None = None,
        now: datetime | None = None,
    ) -> None:
        self.cache = cache
        self.catalog = catalog
        self.today = today or clock.today()
        self.now = now or datetime.combine(self.today, datetime.now(UTC).time(), tzinfo=UTC)
        self.bands = bands or Bands.configured()
        self.current_month = month_index(self.today)
        self.latest_complete = self.current_month - 1
        self._rules = catalog_rules(catalog)
        self._bands_dict = self.bands.as_dict()
        self._clients: list[ClientInfo] | None = None
        self._months_with_data: set[int] = set()
        #: What this engine evaluated and recorded: an engine serves one request, and
        #: the same month is often asked twice in it.
        self._evaluated: dict[
            tuple[int, tuple[int, ...] | None], list[tuple[Evaluation, Evaluation | None]]
        ] = {}

    # clients

    def clients(self) -> list[ClientInfo]:
        if self._clients is None:
            self._clients = load_clients(self.cache.engine)
        return self._clients

    def find_client(self, text: str) -> ClientInfo:
        return find_client(self.clients(), text)

    def default_month(self) -> int:
        """The current month when it has any data yet, else the latest complete month."""
        if self._has_samples(self.current_month):
            return self.current_month
        return self.latest_complete

    def _has_samples(self, month: int) -> bool:
        # Remembered once found: a month's data does not go away while the engine lives.
        if month not in self._months_with_data and has_data(self.cache.engine, month):
            self._months_with_data.add(month)
        return month in self._months_with_data

    def check_month(self, month: int) -> None:
        """Refuse months in the future and months the cache holds nothing for."""
        if month > self.current_month:
            raise KnownError(
                f"{month_label(month)} is in the future (today is {self.today.isoformat()})"
            )
        if not self._has_samples(month):
            raise KnownError(
                f"the cache has no data for {month_label(month)}; run 'csconsole sync'"
            )

    # evaluation

    def evaluate(
        self,
        month: int,
        *,
        client: ClientInfo | None = None,
        clients: Sequence[ClientInfo] | None = None,
        record: bool = True,
    ) -> list[Evaluation]:
        """Every started client's evaluation of ``month`` (or one client's, or those of
        ``clients``), worst first."""
        pair = self.evaluate_with_previous(month, client=client, clients=clients, record=record)
        return sorted((cur for cur, _prev in pair), key=Evaluation.sort_key)

    def evaluate_with_previous(
        self,
        month: int,
        *,
        client: ClientInfo | None = None,
        clients: Sequence[ClientInfo] | None = None,
        record: bool = True,
    ) -> list[tuple[Evaluation, Evaluation | None]]:
        """(this month, previous month) for each started client, or for ``client`` or
        ``clients`` alone: only their samples, incidents and history are read."""
        self.check_month(month)
        if client is not None:
            clients = [client]
        ids = None if clients is None else [c.id for c in clients]
        key = (month, None if ids is None else tuple(ids))
        if record and key in self._evaluated:  # e.g. the alerts' run, then the status shown
            return self._evaluated[key]
        out = self._evaluate_with_previous(month, client, clients, ids, record=record)
        self._evaluated[key] = out
        return out

    def _evaluate_with_previous(
        self,
        month: int,
        client: ClientInfo | None,
        clients: Sequence[ClientInfo] | None,
        ids: list[int] | None,
        *,
        record: bool,
    ) -> list[tuple[Evaluation, Evaluation | None]]:
        chosen = [
            c for c in (self.clients() if clients is None else clients) if c.start_month <= month
        ]
        if not chosen:
            if clients is not None and client is None:
                return []
            who = client.key if client else "no client"
            raise KnownError(f"{who} had not started by {month_label(month)}")
        clients = chosen
        values = monthly_values(
            self.cache.engine,
            first_month=month - 2,
            last_month=month,
            rules=self._rules,
            client_ids=ids,
        )
        present: dict[int, set[str]] = {}
        for cid, mkey, _p in values:
            present.setdefault(cid, set()).add(mkey)
        incidents = {m: self._open_incidents(m, ids) for m in (month - 2, month - 1, month)}
        stored = self._stored(month, ids) if record else {}
        evaluated_at = self.now.isoformat(timespec="seconds")
        out: list[tuple[Evaluation, Evaluation | None]] = []
        to_record: list[tuple[ClientInfo, Evaluation, bool]] = []
        for c in clients:
            metrics = self._client_metrics(c, present.get(c.id, set()))
            rating_2 = (
                rating_alone(
                    metrics=self._inputs(c, metrics, values, month - 2),
                    incidents=incidents[month - 2].get(c.id, []),
                    bands=self.bands,
                )
                if c.start_month <= month - 2
                else None
            )
            prev: Evaluation | None = None
            if c.start_month <= month - 1:
                prev = self._evaluation(
                    c, metrics, values, incidents, month - 1, rating_2, evaluated_at
                )
                old = stored.get((c.id, month - 1))
                if old is not None and month - 1 < self.latest_complete:
                    prev = old
                elif record:
                    to_record.append((c, prev, month - 1 >= self.latest_complete))
            cur = self._evaluation(
                c, metrics, values, incidents, month, prev.rating if prev else None, evaluated_at
            )
            old = stored.get((c.id, month))
            if old is not None and month < self.latest_complete:
                cur = old
            elif record:
                to_record.append((c, cur, month >= self.latest_complete))
            out.append((cur, prev))
        if to_record:
            self._record(to_record)
        return out

    def _client_metrics(
        self, client: ClientInfo, present: set[str]
    ) -> list[tuple[str, float | None]]:
        """(metric key, target) of the client's tier and custom KPIs, plus optional metrics
        (lead delivery…) that its source sends."""
        metrics = self.catalog.metrics_for(tier=client.tier, client_key=client.key)
        keys = {m.key for m in metrics}
        extra = [m for k, m in self.catalog.metrics.items() if k in present and k not in keys]
        return [(m.key, client.targets.get(m.key, m.target)) for m in (*metrics, *extra)]

    def _inputs(
        self,
        client: ClientInfo,
        metrics: Sequence[tuple[str, float | None]],
        values: Mapping[tuple[int, str, int], tuple[float, date, str]],
        month: int,
    ) -> list[MetricInput]:
        yesterday = self.today - timedelta(days=1)
        out = []
        for key, target in metrics:
            metric = self.catalog.metrics[key]
            here = values.get((client.id, key, month))
            before = values.get((client.id, key, month - 1))
            value = here[0] if here else None
            carried = None
            targeted = target is not None and metric.direction in ("higher", "lower")
            if here is None and targeted and month == self.current_month and before is not None:
                # Month to date: no period of this metric's grain has ended yet this month.
                following = _next_period(before[1], before[2])
                if period_end(following, before[2]) > yesterday:
                    value, carried = before[0], month_label(month - 1)
            out.append(
                MetricInput(
                    key=key,
                    label=metric.label,
                    unit=metric.unit,
                    direction=metric.direction,
                    target=target,
                    value=None if value is None else round(value, 6),
                    previous=None if before is None else round(before[0], 6),
                    carried_from=carried,
                )
            )
        return out

    def _assess(
        self,
        client: ClientInfo,
        metrics: Sequence[tuple[str, float | None]],
        values: Mapping[tuple[int, str, int], tuple[float, date, str]],
        month: int,
        incidents: Mapping[int, list[IncidentInput]],
    ) -> Assessment:
        inputs = self._inputs(client, metrics, values, month)
        return assess(metrics=inputs, incidents=incidents.get(client.id, []), bands=self.bands)

    def _evaluation(
        self,
        client: ClientInfo,
        metrics: Sequence[tuple[str, float | None]],
        values: Mapping[tuple[int, str, int], tuple[float, date, str]],
        incidents: Mapping[int, Mapping[int, list[IncidentInput]]],
        month: int,
        previous_rating: float | None,
        evaluated_at: str,
    ) -> Evaluation:
        a = self._assess(client, metrics, values, month, incidents[month])
        return Evaluation.judged(
            a,
            client_key=client.key,
            client_name=client.name,
            tier=client.tier,
            month=month_label(month),
            complete=month < self.current_month,
            previous_rating=previous_rating,
            incidents=incidents[month].get(client.id, []),
            bands=dict(self._bands_dict),
            evaluated_at=evaluated_at,
        )

    def _open_incidents(
        self, month: int, client_ids: Sequence[int] | None
    ) -> dict[int, list[IncidentInput]]:
        """Incidents open at the end of ``month`` (or now, for the month to date)."""
        end = datetime.combine(month_start(month + 1), time(), tzinfo=UTC)
        as_of = min(end, self.now).astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
        sql = (
            "SELECT i.client_id, i.key, i.severity, i.title, i.opened_at FROM incidents i "
            "WHERE i.opened_at < ? AND (i.resolved_at IS NULL OR i.resolved_at >= ?)"
        )
        params: list[Any] = [as_of, as_of]
        if client_ids is not None:
            sql += f" AND i.client_id IN ({', '.join('?' for _ in client_ids)})"
            params += list(client_ids)
        out: dict[int, list[IncidentInput]] = {}
        with self.cache.engine.connect() as conn:
            for cid, key, severity, title, opened in conn.exec_driver_sql(
                sql + " ORDER BY i.opened_at", tuple(params)
            ):
                out.setdefault(cid, []).append(
                    IncidentInput(key, severity, title or "", str(opened))
                )
        return out

    # history

    def _stored(
        self, month: int, client_ids: Sequence[int] | None
    ) -> dict[tuple[int, int], Evaluation]:
        # Only months older than the latest complete one are taken from history; the
        # others are evaluated afresh, so their stored JSON need not be read.
        months = [month_label(m) for m in (month - 1, month) if m < self.latest_complete]
        if not months:
            return {}
        sql = (
            "SELECT client_id, month, evaluation_json FROM status_history "
            f"WHERE month IN ({', '.join('?' for _ in months)})"
        )
        params: list[Any] = list(months)
        if client_ids is not None:
            sql += f" AND client_id IN ({', '.join('?' for _ in client_ids)})"
            params += list(client_ids)
        out = {}
        with self.cache.engine.connect() as conn:
            for cid, label, text in conn.exec_driver_sql(sql, tuple(params)):
                index = int(label[:4]) * 12 + int(label[5:7]) - 1
                out[(cid, index)] = Evaluation.from_json(json.loads(text))
        return out

    def _record(self, rows: Sequence[tuple[ClientInfo, Evaluation, bool]]) -> None:
        """Store evaluations: open months are replaced, older ones only added when missing."""
        stamp = self.now.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
        params = [
            (
                c.id,
                e.month,
                e.status,
                e.rating,
                e.complete,
                stamp,
                json.dumps(e.as_json(), ensure_ascii=False),
            )
            for c, e, _open in rows
        ]
        replace_rows = [p for p, (_c, _e, is_open) in zip(params, rows, strict=True) if is_open]
        keep_rows = [p for p, (_c, _e, is_open) in zip(params, rows, strict=True) if not is_open]
        insert = (
            "INSERT INTO status_history (client_id, month, status, rating, complete, evaluated_at, "
            "evaluation_json) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (client_id, month) DO "
        )
        with self.cache.engine.begin() as conn:
            if replace_rows:
                conn.exec_driver_sql(
                    insert + "UPDATE SET status = excluded.status, rating = excluded.rating, "
                    "complete = excluded.complete, evaluated_at = excluded.evaluated_at, "
                    "evaluation_json = excluded.evaluation_json",
                    replace_rows,
                )
            if keep_rows:
                conn.exec_driver_sql(insert + "NOTHING", keep_rows)

    def history(self, client: ClientInfo) -> list[Evaluation]:
        """Every stored month of one client, oldest first."""
        with self.cache.engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT evaluation_json FROM status_history WHERE client_id = ? ORDER BY month",
                (client.id,),
            ).fetchall()
        return [Evaluation.from_json(json.loads(r[0])) for r in rows]

    def explain(self, month: int, *, client: ClientInfo) -> Explanation:
        ((cur, prev),) = self.evaluate_with_previous(month, client=client)
        return explain(cur, prev)


__all__ = [
    "Assessment",
    "Bands",
    "ClientInfo",
    "Evaluation",
    "Explanation",
    "HealthEngine",
    "IncidentInput",
    "Kpi",
    "MetricInput",
    "Reason",
    "assess",
    "explain",
    "find_client",
    "fmt_value",
    "rating_alone",
    "rating_of",
    "round_half_up",
    "score_of",
    "shortfall",
    "trend_of",
    "upgrade_evaluation",
]
