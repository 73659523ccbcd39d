"""A client-month's evaluation as stored in ``status_history`` and shown: status,
reasons, KPIs, rating, trend and the inputs it was judged by, with its JSON (the shape
of docs/json.md) and the re-judging of evaluations stored by older rules."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from csconsole.health.bands import Bands
from csconsole.health.rules import (
    RANK,
    RULES_VERSION,
    Assessment,
    IncidentInput,
    Kpi,
    MetricInput,
    Reason,
    Status,
    assess,
    fmt_value,
    trend_of,
)


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
            "reasons": [rounded({**vars(r), "rules": list(r.rules)}) for r in self.reasons],
            "kpis": [rounded({**vars(k), "mark": k.mark}) for k in self.kpis],
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


def rounded(data: dict[str, Any]) -> dict[str, Any]:
    """A JSON object's floats rounded to 6 decimals, as every health JSON shows them."""
    return {k: (round(v, 6) if type(v) is float else v) for k, v in data.items()}
