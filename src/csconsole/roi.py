"""ROI per client and month, version 2 (SPEC "ROI"), reproducible by hand from the samples.

* Hours saved in a month: ``time_saved`` is a rate in hours per week, so each sample
  contributes ``value × days in its period / 7`` hours to the month of its start
  (a weekly sample: its value; a daily one: a seventh; a monthly one: days/7). For
  the usual weekly samples the month's hours are the sum of the samples whose week
  starts in the month.
* value = hours × hourly rate + errors prevented (sum) × cost per error + revenue
  direct × 0.90 + assisted × 0.50 + influenced × 0.25 (weights configurable).
* investment = the monthly fee (the client's ``package_value``) + the month's
  ``system_costs`` (sum) + the one-time setup fee in the client's start month. For
  the month to date the fee counts pro rata to the days elapsed, including today.
* monthly ROI = (value − investment) / investment; year-to-date and cumulative ROI
  the same over the sums of the calendar year's months up to this one, and of every
  month since the start (or the oldest month the cache keeps, when later).
* payback: the first month in which cumulative value ≥ cumulative investment,
  counted "month N after start" (the start month is month 1).
* projected annual return = the mean of (value − investment) over the last three
  complete months up to this one × 12, leaving out the one-time setup fee.
* Seed 001's internal form, (value − system costs) / system costs, is kept as
  ``running_cost_return``: for the console's tooltip and ``roi --json`` only, never
  for anything sent to a client.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from csconsole import clock
from csconsole.cache import Cache
from csconsole.health.clients import ClientInfo
from csconsole.rollup import load_samples, month_end, month_index, month_label, period_keys

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
#: Seed 002's payback target, shown beside the payback month.
PAYBACK_TARGET_MONTHS = 6
#: How many complete months the projected annual return averages.
PROJECTION_MONTHS = 3


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
    fee: float  # the month's package fee (pro rata for the month to date)
    setup_fee: float  # the one-time fee, in the start month only
    system_costs: float
    investment: float  # fee + setup fee + system costs
    roi: float | None  # (value − investment) / investment
    running_cost_return: float | None  # seed 001: (value − system costs) / system costs
    cumulative_value: float
    cumulative_costs: float  # system costs only
    cumulative_investment: float
    cumulative_roi: float | None
    complete: bool = True

    def as_json(self) -> dict[str, Any]:
        data = {k: (round(v, 6) if isinstance(v, float) else v) for k, v in vars(self).items()}
        data["revenue"] = {k: round(v, 6) for k, v in self.revenue.items()}
        return data


@dataclass(frozen=True)
class RoiReport:
    client_key: str
    client_name: str
    month: str
    monthly_fee: float
    setup_fee: float
    start_month: str
    hourly_rate: float
    cost_per_error: float
    weights: dict[str, float]
    current: RoiMonth
    ytd_roi: float | None
    ytd_running_cost_return: float | None
    payback_month: str | None  # YYYY-MM
    payback_months: int | None  # "month N after start"
    projected_annual_return: float | None
    trend: tuple[RoiMonth, ...]
    payback_target_months: int = PAYBACK_TARGET_MONTHS

    def as_json(self) -> dict[str, Any]:
        """The stable JSON shape documented in docs/json.md."""
        return {
            "client": {"key": self.client_key, "name": self.client_name},
            "month": self.month,
            "inputs": {
                "monthly_fee": self.monthly_fee,
                "package_value": self.monthly_fee,  # the name before version 2
                "setup_fee": self.setup_fee,
                "start_month": self.start_month,
                "hourly_rate": self.hourly_rate,
                "cost_per_error": self.cost_per_error,
                "weights": self.weights,
            },
            **self.current.as_json(),
            "ytd_roi": _round(self.ytd_roi),
            "ytd_running_cost_return": _round(self.ytd_running_cost_return),
            "payback_month": self.payback_month,
            "payback_months": self.payback_months,
            "payback_target_months": self.payback_target_months,
            "projected_annual_return": _round(self.projected_annual_return),
            "trend": [m.as_json() for m in self.trend],
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


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
    today: date | None = None,
) -> RoiReport:
    """The ROI report (version 2) of one client for ``month``, with the trend since its start."""
    weights = dict(weights or DEFAULT_WEIGHTS)
    today = today or clock.today()
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
    current_month = month_index(today)
    trend: list[RoiMonth] = []
    cum_value = cum_invested = cum_costs = 0.0
    payback_month: str | None = None
    payback_months: int | None = None
    for index, row in zip(frame.index.tolist(), frame.to_dict("records"), strict=True):
        index = int(index)
        fee = client.package_value * _share_of_month(index, today)
        setup = client.setup_fee if index == client.start_month else 0.0
        costs = float(row["system_costs"])
        value = float(row["value"])
        investment = fee + setup + costs
        cum_value += value
        cum_invested += investment
        cum_costs += costs
        trend.append(
            RoiMonth(
                month=month_label(index),
                hours_saved=float(row["hours_saved"]),
                time_savings_value=float(row["time_savings_value"]),
                errors_prevented=float(row["errors_prevented"]),
                error_prevention_value=float(row["error_prevention_value"]),
                revenue={m: float(row[m]) for m in weights},
                revenue_attribution=float(row["revenue_attribution"]),
                value=value,
                fee=fee,
                setup_fee=setup,
                system_costs=costs,
                investment=investment,
                roi=ratio(value, investment),
                running_cost_return=ratio(value, costs),
                cumulative_value=cum_value,
                cumulative_costs=cum_costs,
                cumulative_investment=cum_invested,
                cumulative_roi=ratio(cum_value, cum_invested),
                complete=index < current_month,
            )
        )
        if payback_month is None and cum_invested > 0 and cum_value >= cum_invested:
            payback_month = month_label(index)
            payback_months = index - client.start_month + 1
    year_start = max(first, (month // 12) * 12)
    ytd = trend[year_start - first :]
    complete = [m for m in trend if m.complete][-PROJECTION_MONTHS:]
    # The setup fee is paid once: projecting it twelve times over would be wrong.
    projected = (
        sum(m.value - (m.investment - m.setup_fee) for m in complete) / len(complete) * 12
        if complete
        else None
    )
    return RoiReport(
        client_key=client.key,
        client_name=client.name,
        month=month_label(month),
        monthly_fee=client.package_value,
        setup_fee=client.setup_fee,
        start_month=month_label(client.start_month),
        hourly_rate=client.hourly_rate,
        cost_per_error=client.cost_per_error,
        weights=weights,
        current=trend[-1],
        ytd_roi=ratio(sum(m.value for m in ytd), sum(m.investment for m in ytd)),
        ytd_running_cost_return=ratio(sum(m.value for m in ytd), sum(m.system_costs for m in ytd)),
        payback_month=payback_month,
        payback_months=payback_months,
        projected_annual_return=projected,
        trend=tuple(trend),
    )


def _share_of_month(month: int, today: date) -> float:
    """1 for a month that has ended (or is later); for the month to date, the days
    elapsed including today over the month's days."""
    if month != month_index(today):
        return 1.0
    return today.day / calendar.monthrange(today.year, today.month)[1]


__all__ = [
    "DEFAULT_WEIGHTS",
    "PAYBACK_TARGET_MONTHS",
    "RoiMonth",
    "RoiReport",
    "client_roi",
    "monthly_roi_frame",
    "ratio",
]
