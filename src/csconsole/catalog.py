"""The metric catalog and package tiers, loaded from ``resources/catalog``.

Metrics and tiers are data: adding a metric or a client's custom KPI is an edit
of a TOML file, never of code. Files are validated once at load, and every
error names the file and the entry.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

from csconsole.errors import CatalogError, ResourceError
from csconsole.paths import resources_dir
from csconsole.resources import Entry, entries, load_toml

Direction = Literal["higher", "lower", "none"]
Aggregate = Literal["mean", "sum", "last", "max"]

DIRECTIONS: tuple[Direction, ...] = ("higher", "lower", "none")
AGGREGATES: tuple[Aggregate, ...] = ("mean", "sum", "last", "max")
UNITS = ("%", "h/week", "/10", "$", "count", "s", "rating")
OPTIONAL_TIER = "optional"

#: Sample range implied by a unit when the entry gives none.
_UNIT_RANGES: dict[str, tuple[float | None, float | None]] = {
    "%": (0.0, 100.0),
    "/10": (0.0, 10.0),
    "rating": (0.0, 10.0),
    "$": (0.0, None),
    "count": (0.0, None),
    # Hours saved per week add up over a team: the cap is 168 h × team size, checked
    # where the team is known (tracking-sheet import), not here.
    "h/week": (0.0, None),
    "s": (0.0, None),
}


@dataclass(frozen=True, slots=True)
class Tier:
    key: str
    label: str
    rank: int
    price_min: float
    price_max: float


@dataclass(frozen=True, slots=True)
class Metric:
    key: str
    label: str
    unit: str
    direction: Direction
    aggregate: Aggregate
    tier: str
    group: str
    target: float | None = None
    minimum: float | None = None
    maximum: float | None = None
    clients: frozenset[str] = frozenset()
    description: str = ""
    #: Decimals its figures print with (None: the unit's default, see csconsole.formatting).
    decimals: int | None = None
    #: The metric's name inside a sentence ("median lead response time"); default: label.
    spoken: str = ""

    @property
    def said(self) -> str:
        """The name as a person says it mid-sentence: the ``spoken`` form, else the label."""
        return self.spoken or lowercase_first(self.label)

    def check_value(self, value: float) -> str | None:
        """Why ``value`` cannot be a sample of this metric, or None when it can."""
        if math.isnan(value) or math.isinf(value):
            return "not a finite number"
        if self.minimum is not None and value < self.minimum:
            return f"{self.label} {value:g} {self.unit} is below {self.minimum:g}"
        if self.maximum is not None and value > self.maximum:
            return f"{self.label} {value:g} {self.unit} is above {self.maximum:g}"
        return None


@dataclass(frozen=True)
class Catalog:
    tiers: Mapping[str, Tier]
    metrics: Mapping[str, Metric]
    sources: tuple[Path, ...] = field(default=())

    def tier(self, key: str) -> Tier:
        try:
            return self.tiers[key]
        except KeyError:
            raise CatalogError(f"unknown package tier {key!r}") from None

    def metric(self, key: str) -> Metric:
        try:
            return self.metrics[key]
        except KeyError:
            raise CatalogError(f"unknown metric {key!r}") from None

    def metrics_for(self, *, tier: str, client_key: str | None = None) -> list[Metric]:
        """The metrics a client of ``tier`` has: its tier's and every lower tier's,
        plus the custom KPIs made for this client. Catalog order."""
        rank = self.tier(tier).rank
        result = []
        for metric in self.metrics.values():
            if metric.clients:
                if client_key in metric.clients:
                    result.append(metric)
            elif metric.tier != OPTIONAL_TIER and self.tiers[metric.tier].rank <= rank:
                result.append(metric)
        return result


def lowercase_first(text: str) -> str:
    """ "Uptime" → "uptime", but "CRM sync" and "NPS" keep their capitals."""
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        return text[0].lower() + text[1:]
    return text


def _require(entry: Mapping[str, Any], name: str, kind: type, where: Entry) -> Any:
    if name not in entry:
        raise where.error(f"missing field {name!r}")
    value = entry[name]
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise where.error(f"field {name!r} must be {kind.__name__}, not {value!r}")
    return value


def _optional_float(entry: Mapping[str, Any], name: str, where: Entry) -> float | None:
    if name not in entry:
        return None
    return float(_require(entry, name, float, where))


def _decimals(entry: Mapping[str, Any], where: Entry) -> int | None:
    if "decimals" not in entry:
        return None
    value = _require(entry, "decimals", int, where)
    if not 0 <= value <= 4:
        raise where.error(f"decimals must be 0 to 4, not {value}")
    return int(value)


def _parse_tiers(path: Path) -> dict[str, Tier]:
    tiers: dict[str, Tier] = {}
    for where, entry in entries(path, load_toml(path), "tier"):
        key = _require(entry, "key", str, where)
        where = Entry(path, f"tier {key!r}")
        if key in tiers:
            raise where.error("defined twice")
        tiers[key] = Tier(
            key=key,
            label=_require(entry, "label", str, where),
            rank=_require(entry, "rank", int, where),
            price_min=_require(entry, "price_min", float, where),
            price_max=_require(entry, "price_max", float, where),
        )
    if not tiers:
        raise ResourceError(path, "no [[tier]] entries")
    return tiers


def _parse_metrics(path: Path, tiers: Mapping[str, Tier], into: dict[str, Metric]) -> None:
    for where, entry in entries(path, load_toml(path), "metric"):
        key = _require(entry, "key", str, where)
        where = Entry(path, f"metric {key!r}")
        if key in into:
            raise where.error("defined twice")
        unit = _require(entry, "unit", str, where)
        if unit not in UNITS:
            raise where.error(f"unit {unit!r} is not one of {', '.join(UNITS)}")
        direction = _require(entry, "direction", str, where)
        if direction not in DIRECTIONS:
            raise where.error(f"direction must be one of {', '.join(DIRECTIONS)}")
        aggregate = _require(entry, "aggregate", str, where)
        if aggregate not in AGGREGATES:
            raise where.error(f"aggregate must be one of {', '.join(AGGREGATES)}")
        tier = _require(entry, "tier", str, where)
        if tier != OPTIONAL_TIER and tier not in tiers:
            raise where.error(f"unknown tier {tier!r}")
        clients = entry.get("clients", [])
        if not isinstance(clients, list) or not all(isinstance(c, str) for c in clients):
            raise where.error("clients must be a list of client keys")
        default_min, default_max = _UNIT_RANGES.get(unit, (None, None))
        minimum = _optional_float(entry, "min", where)
        maximum = _optional_float(entry, "max", where)
        target = _optional_float(entry, "target", where)
        metric = Metric(
            key=key,
            label=_require(entry, "label", str, where),
            unit=unit,
            direction=direction,
            aggregate=aggregate,
            tier=tier,
            group=_require(entry, "group", str, where),
            target=target,
            minimum=default_min if minimum is None else minimum,
            maximum=default_max if maximum is None else maximum,
            clients=frozenset(clients),
            description=str(entry.get("description", "")),
            decimals=_decimals(entry, where),
            spoken=str(entry.get("spoken", "")),
        )
        if target is not None and metric.check_value(target):
            raise where.error(f"target {target:g} is outside the metric's range")
        into[key] = metric


def load_catalog(folders: Iterable[Path] = ()) -> Catalog:
    """Load ``tiers.toml`` and every ``*.toml`` metric file of the shipped catalog,
    then of each extra folder (for example a team's custom KPIs)."""
    base = resources_dir() / "catalog"
    tiers = _parse_tiers(base / "tiers.toml")
    metrics: dict[str, Metric] = {}
    files = [p for p in sorted(base.glob("*.toml")) if p.name != "tiers.toml"]
    for folder in folders:
        files += sorted(Path(folder).glob("*.toml"))
    for path in files:
        _parse_metrics(path, tiers, metrics)
    return Catalog(tiers=tiers, metrics=metrics, sources=tuple(files))


@cache
def default_catalog() -> Catalog:
    """The catalog the application runs with: shipped files plus ``<data>/catalog.d``."""
    from csconsole.paths import data_dir

    return load_catalog([data_dir() / "catalog.d"])
