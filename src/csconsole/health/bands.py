"""The status bands: where a shortfall, a satisfaction score or an uptime turns a
client yellow or red. SPEC's defaults ship in ``resources/health/bands.toml``; a user's
settings (``health_bands``) may override any of them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

from csconsole.errors import KnownError
from csconsole.paths import resources_dir
from csconsole.resources import load_toml


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
        data = load_toml(path)
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
