"""The demo warehouse: 40 believable clients over 24 months, made deterministically.

It is a SQLite file with the same contract as a production PostgreSQL warehouse
and is synced by the same code. The data tell stories a CSM will recognise: most
clients healthy but each at its own level around target, with noise, holiday dips
and quarter-end peaks; some slipping to yellow over a few months, a few red, one
recovering after an intervention, one that started this quarter. Every client pays
a monthly fee and most a setup fee, so ROI and payback read like real ones.
"""

from __future__ import annotations

import math
import os
import random
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np

from csconsole import clock
from csconsole.catalog import Catalog, Metric
from csconsole.ingest.demo_clients import (
    COMPANY_NAMES,
    CONTACT_FIRST,
    CONTACT_LAST,
    CSMS,
    HEALTHY,
    TECH_LEADS,
    WEEKS_PER_MONTH,
    DemoClient,
    client,
    stories,
)
from csconsole.ingest.sync import retention_cutoff
from csconsole.ingest.warehouse import TIMESTAMP_FORMAT
from csconsole.paths import resources_dir

DEMO_SEED = 2026
DEMO_MONTHS = 24

DAILY = ("uptime", "automation_success_rate", "error_rate")
MONTHLY = (
    "system_costs", "revenue_direct", "revenue_assisted", "revenue_influenced",
    "optimisation_opportunities", "direct_revenue_impact", "process_efficiency_baseline",
    "scalability_readiness", "innovation_opportunities",
)  # fmt: skip

#: A story's weak metric: (level before the trouble, change at full stress). Stress 0.5
#: lands 11–16 % short of the default target (yellow), stress 1 more than 20 % (red).
STRESSED: dict[str, tuple[float, float]] = {
    "uptime": (99.75, -6.25),
    "automation_success_rate": (99.7, -25.0),
    "error_rate": (0.3, 0.55),
    "user_adoption": (94.0, -28.0),
    "error_reduction": (89.0, -28.0),
    "satisfaction": (9.0, -2.6),
    "integration_uptime": (99.9, -24.0),
    "advanced_feature_utilisation": (78.0, -34.0),
    "data_accuracy": (97.5, -28.0),
    "delivery_success_rate": (99.2, -26.0),
    "response_time_median": (35.0, 68.0),
    "response_time_p95": (180.0, 320.0),
    "time_saved": (1.08, -0.42),  # × the client's projection
}
#: Relative noise of one sample (week-to-week wander; days for the daily metrics).
NOISE: dict[str, float] = {
    "uptime": 0.0008, "automation_success_rate": 0.0012, "error_rate": 0.06,
    "integration_uptime": 0.0008, "satisfaction": 0.018, "time_saved": 0.02,
    "response_time_median": 0.05, "response_time_p95": 0.04,
}  # fmt: skip
DEFAULT_NOISE = 0.012
#: Seasons by calendar month: people are away in August and late December, and
#: volumes (errors caught, leads, revenue) peak at quarter end and dip in January.
HOLIDAY = {8: 0.96, 12: 0.955}
ADOPTION_HOLIDAY = {8: 0.975, 12: 0.97}
VOLUME = {1: 0.9, 3: 1.1, 6: 1.07, 8: 0.94, 9: 1.1, 12: 1.05}
#: The first months of a client: hours saved reach the projection within two months,
#: caught errors and attributed revenue within four.
ONBOARD_TIME = {1: 0.95, 2: 0.99}
ONBOARD_VALUE = {1: 0.25, 2: 0.55, 3: 0.8, 4: 0.95}

INCIDENT_TITLES = {
    "minor": [
        "Slow {s} sync overnight", "Report e-mail arrived late", "One workflow retried twice",
        "{s} connector re-authorised", "Duplicate contacts created in {s}",
        "Scheduled export skipped one night", "Webhook from {s} delayed by an hour",
        "Invoice PDFs rendered without logo", "Reminder e-mails sent twice",
    ],
    "critical": [
        "Order intake automation stopped", "Invoices not generated", "{s} integration down",
        "Automation platform outage", "{s} API rate limit blocked every run",
        "Expired certificate stopped the {s} sync",
    ],
}  # fmt: skip


def generate_demo(
    path: Path, *, catalog: Catalog, today: date | None = None, seed: int = DEMO_SEED
) -> int:
    """Write the demo warehouse to ``path`` (replacing it atomically); returns the sample count.

    Data run from each client's start (the earliest on the first day the retention
    keeps) up to yesterday: 24 complete months ending last month, plus this month to date.
    """
    today = today or clock.today()
    first = retention_cutoff(today, DEMO_MONTHS)
    last_day = today - timedelta(days=1)
    count = len(COMPANY_NAMES)
    plots = stories(count)
    names = random.Random(seed)

    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    conn = sqlite3.connect(tmp)
    try:
        conn.executescript(
            (resources_dir() / "warehouse" / "sqlite.sql").read_text(encoding="utf-8")
        )
        clients, targets, samples, incidents = [], [], [], []
        for i, name in enumerate(COMPANY_NAMES):
            c = client(i, name, plots[i], count=count, first=first, today=today, seed=seed)
            contact = f"{names.choice(CONTACT_FIRST)} {names.choice(CONTACT_LAST)}"
            domain = "".join(ch for ch in name.lower() if ch.isascii() and ch.isalnum())[:18]
            email = f"{contact.split()[0].lower()}@{domain or 'client'}.example"
            stamp = datetime.combine(c.start, datetime.min.time()).strftime(TIMESTAMP_FORMAT)
            clients.append((
                c.key, name, c.tier, c.fee, c.start.isoformat(), CSMS[i % len(CSMS)],
                TECH_LEADS[i % len(TECH_LEADS)], contact, email, c.team, c.hourly_rate,
                c.cost_per_error, c.setup_fee,
                c.renewal_date.isoformat() if c.renewal_date else None, c.contract_months, stamp,
            ))  # fmt: skip
            targets.append((c.key, "time_saved", c.projection, stamp))
            metric_list = catalog.metrics_for(tier=c.tier, client_key=c.key)
            if c.lead_delivery:
                metric_list += [m for m in catalog.metrics.values() if m.group == "lead_delivery"]
            gen = np.random.default_rng([seed, i])
            made: dict[str, np.ndarray] = {}
            outages: list[tuple[date, float]] = []
            for metric in metric_list:
                samples += _series(
                    metric, c, first=first, last_day=last_day, gen=gen, made=made, outages=outages
                )
            incidents += _incidents(c, outages, last_day, random.Random(seed * 1000 + 500 + i))
        samples.sort(key=lambda s: (s[5], s[0], s[1], s[2]))  # load order: by updated_at
        conn.executemany(
            "INSERT INTO cs_clients (client_id, name, tier, package_value, start_date, csm, "
            "technical_lead, contact_name, contact_email, team_size, hourly_rate, cost_per_error, "
            "setup_fee, renewal_date, contract_months, updated_at) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            clients,
        )
        conn.executemany("INSERT INTO cs_client_targets VALUES (?,?,?,?)", targets)
        conn.executemany(
            "INSERT INTO cs_metric_samples (client_id, metric, period_start, grain, value, updated_at) "
            "VALUES (?,?,?,?,?,?)",
            samples,
        )
        conn.executemany("INSERT INTO cs_incidents VALUES (?,?,?,?,?,?,?)", incidents)
        conn.commit()
    finally:
        conn.close()
    os.replace(tmp, path)
    return len(samples)


# --- one metric's samples ---------------------------------------------------------------


@dataclass(frozen=True)
class _Periods:
    """Every complete period of one grain from a client's start to yesterday, as arrays."""

    grain: str
    starts: np.ndarray  # datetime64[D]
    ends: np.ndarray  # datetime64[D]
    calendar: np.ndarray  # calendar month 1–12 of each start
    back: np.ndarray  # months before the current month (0 = this month)
    tenure: np.ndarray  # month of the client's contract, 1 = its start month

    def __len__(self) -> int:
        return len(self.starts)


def _periods(grain: str, begin: date, last_day: date) -> _Periods:
    day = np.timedelta64(1, "D")
    end = np.datetime64(last_day) + day
    starts: np.ndarray
    ends: np.ndarray
    if grain == "day":
        starts = np.arange(np.datetime64(begin), end, day)
        ends = starts
    elif grain == "week":
        monday = np.datetime64(begin - timedelta(days=begin.weekday()))
        if monday < np.datetime64(begin):
            monday += 7 * day
        starts = np.arange(monday, end - 6 * day, 7 * day)
        ends = starts + 6 * day
    else:
        months = np.arange(
            np.datetime64(begin, "M"), np.datetime64(last_day + timedelta(days=1), "M")
        )
        starts = months.astype("datetime64[D]")
        ends = (months + 1).astype("datetime64[D]") - day
    month = starts.astype("datetime64[M]").astype(np.int64)
    now = np.datetime64(last_day, "M").astype(np.int64)
    return _Periods(
        grain=grain,
        starts=starts,
        ends=ends,
        calendar=month % 12 + 1,
        back=month - now,
        tenure=month - np.datetime64(begin, "M").astype(np.int64) + 1,
    )


def _grain(metric: Metric) -> str:
    return "day" if metric.key in DAILY else "month" if metric.key in MONTHLY else "week"


def _by(table: Mapping[int, float], keys: np.ndarray) -> np.ndarray:
    return np.array([table.get(int(k), 1.0) for k in keys], dtype=float)


def _wander(gen: np.random.Generator, n: int, sd: float, phi: float = 0.4) -> np.ndarray:
    """Relative noise that drifts (AR(1)): a good week tends to follow a good week."""
    z = gen.standard_normal(n)
    out = np.empty(n)
    keep, fresh = phi, math.sqrt(1 - phi * phi)
    prev = 0.0
    for k in range(n):
        prev = keep * prev + fresh * z[k]
        out[k] = prev
    return 1 + sd * out


def _series(
    metric: Metric,
    c: DemoClient,
    *,
    first: date,
    last_day: date,
    gen: np.random.Generator,
    made: dict[str, np.ndarray],
    outages: list[tuple[date, float]],
) -> list[tuple[str, str, str, str, float, str]]:
    p = _periods(_grain(metric), max(first, c.start), last_day)
    n = len(p)
    if not n:
        return []
    key, story = metric.key, c.story
    stress_all = np.array([story.stress(int(b)) for b in p.back])
    stress = stress_all if key in story.weak else np.zeros(n)
    value_left = 1 - story.value_drop * stress_all
    volume = _by(VOLUME, p.calendar) * np.minimum(1.12, 1 + 0.006 * (p.tenure - 1))
    onboard = _by(ONBOARD_VALUE, p.tenure)
    target = c.projection if key == "time_saved" else metric.target
    if key in STRESSED and key in story.weak:
        level, swing = STRESSED[key]
        scale = c.projection if key == "time_saved" else 1.0
        value = (level + swing * stress) * scale * _wander(gen, n, NOISE.get(key, DEFAULT_NOISE))
    elif key in HEALTHY and target is not None:
        weakest, strongest = HEALTHY[key]
        level = target * (weakest + (strongest - weakest) * c.quality[key])
        value = level * _wander(gen, n, NOISE.get(key, DEFAULT_NOISE))
    elif target is not None:  # a custom KPI: just on the right side of its target
        value = target * (0.98 if metric.direction == "lower" else 1.02) * _wander(gen, n, 0.01)
    else:
        value = np.zeros(n)
    if key == "time_saved":
        value *= _by(HOLIDAY, p.calendar) * _by(ONBOARD_TIME, p.tenure)
    elif key == "user_adoption":
        value *= _by(ADOPTION_HOLIDAY, p.calendar)
    elif key == "uptime":
        # Now and then a bad day: an outage of a few hours, logged as an incident.
        hit = gen.random(n) < 0.006
        drops = gen.uniform(1.5, 7.0, n)
        value = np.where(hit, value - drops, value)
        outages += [(p.starts[k].item(), float(drops[k])) for k in np.flatnonzero(hit)]
    elif key == "error_count":
        value = gen.poisson(0.4 + 0.05 * math.sqrt(c.team) + 3 * stress_all).astype(float)
    elif key == "active_processes":
        cap = {"essential": 8, "professional": 14, "enterprise": 24}[c.tier]
        value = np.minimum(cap, 2 + (c.index % 3) + (p.tenure - 1) // (3 + c.index % 3)) * 1.0
    elif key == "active_users":
        adoption = made.get("user_adoption")
        share = adoption / 100 if adoption is not None and len(adoption) == n else 0.9
        value = np.round(c.team * share)
    elif key == "errors_prevented":
        mean = c.errors_per_week * volume * onboard * value_left
        value = gen.poisson(np.maximum(mean, 0.0)).astype(float)
    elif key == "system_costs":
        growth = np.minimum(1.2, 1 + 0.007 * (p.tenure - 1))
        value = c.system_costs * growth * np.where(p.calendar % 3 == 0, 1.05, 1.0)
        value *= _wander(gen, n, 0.04, phi=0.3)
    elif key in ("revenue_direct", "revenue_assisted", "revenue_influenced"):
        share = {"revenue_direct": 1.0, "revenue_assisted": c.revenue_mix[0]}.get(
            key, c.revenue_mix[1]
        )
        value = c.revenue_direct * share * volume * onboard * value_left
        value *= _wander(gen, n, 0.08, phi=0.3)
    elif key == "cross_department_efficiency":
        gain = 15 + 20 * c.quality["data_accuracy"]
        value = gain * (1 - np.exp(-p.tenure / 7)) * _wander(gen, n, 0.05)
    elif key == "optimisation_opportunities":
        value = gen.poisson(1.2 + 0.8 * (p.calendar % 3 == 0)).astype(float)
    elif key == "direct_revenue_impact":
        value = c.revenue_direct * (1 + 0.5 * c.revenue_mix[0]) * volume * onboard
        value *= _wander(gen, n, 0.06, phi=0.3)
    elif key == "process_efficiency_baseline":
        value = np.full(n, 4.6 + (c.index % 7) * 0.3)
    elif key == "process_efficiency_rating":
        baseline = 4.6 + (c.index % 7) * 0.3
        lift = (2.0 + 1.5 * c.quality["error_reduction"]) * (1 - np.exp(-p.tenure / 5))
        value = (baseline + lift) * _wander(gen, n, 0.015)
    elif key == "scalability_readiness":
        value = np.round(5.8 + 2.6 * (1 - np.exp(-p.tenure / 8)) + 0.2 * gen.standard_normal(n), 1)
    elif key == "innovation_opportunities":
        value = gen.poisson(1.1, n).astype(float)
    elif key == "leadership_engagement":
        base = 62 + 28 * c.quality["user_adoption"]
        value = base * _by(ADOPTION_HOLIDAY, p.calendar) ** 3 * _wander(gen, n, 0.03)
    elif key == "conversion_rate":
        value = (14 + 12 * c.quality["delivery_success_rate"]) * _wander(gen, n, 0.05)
    elif key == "leads_processed":
        value = np.round(c.revenue_direct / 90 * volume * onboard * _wander(gen, n, 0.08))
    elif key.startswith("revenue_"):
        weight = {"revenue_website_forms": 0.4, "revenue_referrals": 0.3}.get(key, 0.15)
        value = c.revenue_direct / WEEKS_PER_MONTH * weight * volume * _wander(gen, n, 0.2, 0.2)
    if key in ("error_reduction", "data_accuracy") and key not in story.weak:
        value = value * (1 - 0.05 * stress_all)  # trouble elsewhere shows here a little
    lo = metric.minimum if metric.minimum is not None else -np.inf
    hi = metric.maximum if metric.maximum is not None else np.inf
    value = np.round(np.clip(value, lo, hi), 3)
    made[key] = value
    starts = np.datetime_as_string(p.starts).tolist()
    loaded = [_loaded_at(e) for e in np.datetime_as_string(p.ends).tolist()]
    grain = p.grain
    return [
        (c.key, key, s, grain, v, u) for s, v, u in zip(starts, value.tolist(), loaded, strict=True)
    ]


_LOADED: dict[str, str] = {}


def _loaded_at(period_end: str) -> str:
    """Samples reach the warehouse at 02:00 UTC the day after their period ends."""
    stamp = _LOADED.get(period_end)
    if stamp is None:
        day = date.fromisoformat(period_end) + timedelta(days=1)
        moment = datetime.combine(day, datetime.min.time()).replace(hour=2)
        stamp = _LOADED[period_end] = moment.strftime(TIMESTAMP_FORMAT)
    return stamp


# --- incidents ------------------------------------------------------------------------------


def _incidents(
    c: DemoClient, outages: list[tuple[date, float]], last_day: date, rng: random.Random
) -> list[tuple[str, str, str, str, str, str | None, str]]:
    """The outages of the uptime series as incidents (a bad one is critical), a few
    process hiccups, and the story's incident; all resolved within the day, except
    the story's (open now, or open over last month's end)."""

    def title(severity: str) -> str:
        text = rng.choice(INCIDENT_TITLES[severity]).format(s=rng.choice(c.systems))
        return text[0].upper() + text[1:]

    def stamp(moment: datetime | None) -> str | None:
        return None if moment is None else moment.strftime(TIMESTAMP_FORMAT)

    events: list[tuple[str, datetime, datetime | None]] = []
    for day, drop in outages:
        opened = datetime.combine(day, datetime.min.time()).replace(hour=rng.randint(6, 12))
        severity = "critical" if drop > 5.5 else "minor"
        events.append((severity, opened, opened + timedelta(hours=round(drop * 24 / 100 + 1))))
    begin = max(c.start, last_day - timedelta(days=700))
    span = (last_day - begin).days
    for _ in range(rng.randint(1, 2) if span > 60 else 0):
        opened = datetime.combine(
            begin + timedelta(days=rng.randint(0, span - 40)), datetime.min.time()
        ).replace(hour=rng.randint(8, 15))
        events.append(("minor", opened, opened + timedelta(hours=rng.randint(1, 8))))
    if c.story.open_incident:
        opened = datetime.combine(last_day - timedelta(days=2), datetime.min.time())
        events.append((c.story.open_incident, opened.replace(hour=9), None))
    if c.story.kind == "incident":
        month_start = last_day.replace(day=1)
        opened = datetime.combine(month_start - timedelta(days=4), datetime.min.time())
        events.append(("minor", opened.replace(hour=10), opened + timedelta(days=7, hours=6)))
    events.sort(key=lambda e: e[1])
    out: list[tuple[str, str, str, str, str, str | None, str]] = []
    for n, (severity, opened, resolved) in enumerate(events, start=1):
        ident = f"{c.key}-INC-OPEN" if resolved is None else f"{c.key}-INC-{n}"
        text = title(severity)
        opened_at = stamp(opened)
        assert opened_at is not None
        out.append((
            ident, c.key, severity, text, opened_at, stamp(resolved),
            stamp(resolved) or opened_at,
        ))  # fmt: skip
    return out
