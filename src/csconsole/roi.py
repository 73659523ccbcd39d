"""ROI per client and month, as SPEC "ROI" states, reproducible by hand from the samples.

* Hours saved in a month: ``time_saved`` is a rate in hours per week, so each sample
  contributes ``value × days in its period / 7`` hours to the month of its start
  (a weekly sample: its value; a daily one: a seventh; a monthly one: days/7). For
  the usual weekly samples the month's hours are the sum of the samples whose week
  starts in the month.
* time savings value = hours × client hourly rate; error prevention value =
  errors prevented (sum) × client cost per error; revenue attribution = direct × 0.90
  + assisted × 0.50 + influenced × 0.25 (weights configurable); system costs = the
  month's ``system_costs`` samples (sum).
* monthly ROI = (value − costs) / costs (seed 001's form), None when costs are 0 or
  not yet delivered; year-to-date ROI uses the same form over the calendar year's
  months up to the month; cumulative ROI = (Σ value − package value − Σ costs) /
  (package value + Σ costs) since the later of the client's start and the oldest
  cached month; payback is the first month where Σ value ≥ package value + Σ costs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from csconsole.cache import Cache
from csconsole.health import ClientInfo
from csconsole.rollup import load_samples, month_end, month_label, period_keys

if TYPE_CHECKING:  # imported where used: the console starts without pandas
    import pandas as pd

TIME_SAVED = "time_saved"
ERRORS_PREVENTED = "errors_prevented"
SYSTEM_COSTS = "system_costs"
DEFAULT_WEIGHTS: dict[str, float] = {
    "revenue_direct": 0.90,
    "revenue_assisted": 0.50,
    "revenue_influenced": 0.25,
}
ROI_METRICS = (TIME_SAVED, ERRORS_PREVENTED, SYSTEM_COSTS, *DEFAULT_WEIGHTS)


@dataclass(frozen=True)
class RoiMonth:
    """One month's ROI figures; cumulative ones count from the first month shown."""

    month: str
    hours_saved: float
    time_savings_value: float
    errors_prevented: float
    error_prevention_value: float
    revenue: dict[str, float]  # metric -> raw revenue
    revenue_attribution: float
    value: float
    system_costs: float
    roi: float | None
    cumulative_value: float
    cumulative_costs: float
    cumulative_roi: float | None

    def as_json(self) -> dict[str, Any]:
        data = {k: (round(v, 6) if isinstance(v, float) else v) for k, v in vars(self).items()}
        data["revenue"] = {k: round(v, 6) for k, v in self.revenue.items()}
        return data


@dataclass(frozen=True)
class RoiReport:
    client_key: str
    client_name: str
    month: str
    package_value: float
    hourly_rate: float
    cost_per_error: float
    weights: dict[str, float]
    current: RoiMonth
    ytd_roi: float | None
    payback_month: str | None
    payback_months: int | None
    trend: tuple[RoiMonth, ...]

    def as_json(self) -> dict[str, Any]:
        """The stable JSON shape documented in docs/json.md."""
        return {
            "client": {"key": self.client_key, "name": self.client_name},
            "month": self.month,
            "inputs": {
                "package_value": self.package_value,
                "hourly_rate": self.hourly_rate,
                "cost_per_error": self.cost_per_error,
                "weights": self.weights,
            },
            **self.current.as_json(),
            "ytd_roi": None if self.ytd_roi is None else round(self.ytd_roi, 6),
            "payback_month": self.payback_month,
            "payback_months": self.payback_months,
            "trend": [m.as_json() for m in self.trend],
        }


def ratio(gain: float, cost: float) -> float | None:
    """(gain − cost) / cost, or None when there is no cost to divide by."""
    return None if cost <= 0 else (gain - cost) / cost


def monthly_roi_frame(
    samples: pd.DataFrame,
    *,
    hourly_rate: float,
    cost_per_error: float,
    weights: Mapping[str, float],
    first_month: int,
    last_month: int,
) -> pd.DataFrame:
    """One row per month from ``first_month`` to ``last_month`` with every ROI input and
    figure, from one client's samples (vectorised; months without samples count 0)."""
    import numpy as np
    import pandas as pd

    months = np.arange(first_month, last_month + 1)
    frame = samples.assign(month=period_keys(samples["period_start"], "month"))
    days = np.where(
        frame["grain"].to_numpy() == "day",
        1.0,
        np.where(frame["grain"].to_numpy() == "week", 7.0, np.nan),
    )
    # Monthly-grain samples: the days of their month.
    month_days = (
        (frame["period_start"] + pd.offsets.MonthEnd(0)).dt.day.to_numpy().astype("float64")
        if len(frame)
        else np.zeros(0)
    )
    days = np.where(np.isnan(days), month_days, days)
    frame = frame.assign(
        amount=np.where(
            frame["metric"].to_numpy() == TIME_SAVED, frame["value"] * days / 7.0, frame["value"]
        )
    )
    table = frame.pivot_table(index="month", columns="metric", values="amount", aggfunc="sum")
    table = table.reindex(
        index=months, columns=[TIME_SAVED, ERRORS_PREVENTED, SYSTEM_COSTS, *weights]
    ).fillna(0.0)
    out = pd.DataFrame(index=months)
    out["hours_saved"] = table[TIME_SAVED]
    out["time_savings_value"] = table[TIME_SAVED] * hourly_rate
    out["errors_prevented"] = table[ERRORS_PREVENTED]
    out["error_prevention_value"] = table[ERRORS_PREVENTED] * cost_per_error
    out["revenue_attribution"] = sum(
        (table[m] * w for m, w in weights.items()), pd.Series(0.0, index=months)
    )
    for metric in weights:
        out[metric] = table[metric]
    out["value"] = (
        out["time_savings_value"] + out["error_prevention_value"] + out["revenue_attribution"]
    )
    out["system_costs"] = table[SYSTEM_COSTS]
    out["cumulative_value"] = out["value"].cumsum()
    out["cumulative_costs"] = out["system_costs"].cumsum()
    return out


def client_roi(
    cache: Cache,
    *,
    client: ClientInfo,
    month: int,
    weights: Mapping[str, float] | None = None,
) -> RoiReport:
    """The ROI report of one client for ``month``, with the trend since its start."""
    weights = dict(weights or DEFAULT_WEIGHTS)
    metrics = [TIME_SAVED, ERRORS_PREVENTED, SYSTEM_COSTS, *weights]
    samples = load_samples(
        cache.engine, end=month_end(month), client_ids=[client.id], metrics=metrics
    )
    first = client.start_month
    if len(samples):
        oldest = int(period_keys(samples["period_start"], "month").min())
        first = max(first, oldest)
    first = min(first, month)
    frame = monthly_roi_frame(
        samples,
        hourly_rate=client.hourly_rate,
        cost_per_error=client.cost_per_error,
        weights=weights,
        first_month=first,
        last_month=month,
    )
    trend: list[RoiMonth] = []
    package = client.package_value
    payback_month: str | None = None
    payback_months: int | None = None
    for n, (index, row) in enumerate(
        zip(frame.index.tolist(), frame.to_dict("records"), strict=True), start=1
    ):
        cum_value, cum_costs = float(row["cumulative_value"]), float(row["cumulative_costs"])
        invested = package + cum_costs
        trend.append(
            RoiMonth(
                month=month_label(int(index)),
                hours_saved=float(row["hours_saved"]),
                time_savings_value=float(row["time_savings_value"]),
                errors_prevented=float(row["errors_prevented"]),
                error_prevention_value=float(row["error_prevention_value"]),
                revenue={m: float(row[m]) for m in weights},
                revenue_attribution=float(row["revenue_attribution"]),
                value=float(row["value"]),
                system_costs=float(row["system_costs"]),
                roi=ratio(float(row["value"]), float(row["system_costs"])),
                cumulative_value=cum_value,
                cumulative_costs=cum_costs,
                cumulative_roi=None if invested <= 0 else (cum_value - invested) / invested,
            )
        )
        if payback_month is None and cum_value >= invested:
            payback_month, payback_months = month_label(int(index)), n
    year_start = max(first, (month // 12) * 12)
    ytd = frame.loc[year_start:month]
    return RoiReport(
        client_key=client.key,
        client_name=client.name,
        month=month_label(month),
        package_value=package,
        hourly_rate=client.hourly_rate,
        cost_per_error=client.cost_per_error,
        weights=weights,
        current=trend[-1],
        ytd_roi=ratio(float(ytd["value"].sum()), float(ytd["system_costs"].sum())),
        payback_month=payback_month,
        payback_months=payback_months,
        trend=tuple(trend),
    )


__all__ = ["DEFAULT_WEIGHTS", "RoiMonth", "RoiReport", "client_roi", "monthly_roi_frame", "ratio"]
