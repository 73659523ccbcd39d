"""Settings the engine needs (the GUI keeps its window state in QSettings).

Kept as JSON in the data folder. Never holds a secret: passwords are in keyring.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from csconsole.errors import KnownError
from csconsole.paths import settings_path

#: The statuses a value-at-risk rule may count ("unknown": not rated yet).
RISK_STATUSES = ("green", "yellow", "red", "unknown")


def _whole_days(value: object) -> bool:
    return type(value) is int and 1 <= value <= 730


@dataclass
class Settings:
    retention_months: int = 24
    sync_batch_size: int = 50_000
    #: Overrides of the status bands in resources/health/bands.toml, e.g. {"shortfall_red": 0.25}.
    health_bands: dict[str, float] = field(default_factory=dict)
    #: Revenue attribution weights, e.g. {"revenue_direct": 0.9, ...}; empty: SPEC's defaults.
    roi_weights: dict[str, float] = field(default_factory=dict)
    #: The CSM's own details, filled into email drafts (see resources/emails/README.txt).
    csm_name: str = ""
    csm_phone: str = ""
    csm_calendar_link: str = ""
    #: What a red letter promises for the fix, e.g. "within 24 hours".
    fix_timeline: str = "within 24 hours"
    #: How figures, months and dates are written (a CLDR locale such as "en", "en_GB", "de").
    locale: str = "en"
    #: Value at risk: the ARR of clients in these statuses renewing within this many days.
    value_at_risk_statuses: list[str] = field(default_factory=lambda: ["yellow", "red"])
    value_at_risk_days: int = 90
    #: The renewal windows the Portfolio filters by and the Renewals view lists: a number
    #: of days ahead, or "quarter" (until the end of the calendar quarter).
    renewal_windows: list[int | str] = field(default_factory=lambda: [30, 60, 90, "quarter"])

    @classmethod
    def load(cls, path: Path | None = None) -> Settings:
        path = path or settings_path()
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls()
        except (OSError, ValueError) as exc:
            raise KnownError(f"the settings file {path} cannot be read: {exc}") from None
        known = {f.name for f in fields(cls)}
        settings = cls(**{k: v for k, v in data.items() if k in known})
        if not isinstance(settings.retention_months, int) or settings.retention_months < 1:
            raise KnownError(f"{path}: retention_months must be a whole number of months ≥ 1")
        if problem := settings.renewal_problem():
            raise KnownError(f"{path}: {problem}")
        return settings

    def renewal_problem(self) -> str | None:
        """What is wrong with the value-at-risk rule or the renewal windows, or None."""
        statuses = self.value_at_risk_statuses
        if (
            not isinstance(statuses, list)
            or not statuses
            or any(s not in RISK_STATUSES for s in statuses)
        ):
            return "value_at_risk_statuses must list one or more of " + ", ".join(RISK_STATUSES)
        if not _whole_days(self.value_at_risk_days):
            return "value_at_risk_days must be a whole number of days from 1 to 730"
        windows = self.renewal_windows
        if (
            not isinstance(windows, list)
            or not windows
            or any(w != "quarter" and not _whole_days(w) for w in windows)
        ):
            return 'renewal_windows must list days from 1 to 730, or "quarter"'
        return None

    def save(self, path: Path | None = None) -> None:
        """Write atomically, so a full disk leaves the old file intact."""
        path = path or settings_path()
        tmp = path.with_name(path.name + ".tmp")
        try:
            tmp.write_text(json.dumps(asdict(self), indent=2), encoding="utf-8")
            os.replace(tmp, path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise KnownError(f"cannot save settings to {path}: {exc.strerror}") from None
