"""The demo warehouse: about 40 believable clients over 24 months, made deterministically.

It is a SQLite file with the same contract as a production PostgreSQL warehouse
and is synced by the same code. The data tell stories a CSM will recognise:
most clients healthy, some slipping to yellow, a few red, one recovering and
one that started this quarter.
"""

from __future__ import annotations

import os
import random
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np

from csconsole import clock
from csconsole.catalog import Catalog, Metric
from csconsole.paths import resources_dir
from csconsole.sync import retention_cutoff
from csconsole.warehouse import TIMESTAMP_FORMAT

DEMO_SEED = 2026
DEMO_MONTHS = 24

DAILY = ("uptime", "automation_success_rate", "error_rate")
MONTHLY = (
    "system_costs", "revenue_direct", "revenue_assisted", "revenue_influenced",
    "optimisation_opportunities", "direct_revenue_impact", "process_efficiency_baseline",
    "scalability_readiness", "innovation_opportunities",
)  # fmt: skip

#: (healthy level, change at full stress). Stress 0.5 lands 11–16 % short of the default
#: target (yellow), stress 1 more than 20 % short (red); see the status rules in SPEC.md.
LEVELS: dict[str, tuple[float, float]] = {
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
}
#: Relative noise of one sample, kept small enough that healthy stays healthy.
NOISE = {"uptime": 0.0008, "automation_success_rate": 0.001, "error_rate": 0.08}

COMPANY_NAMES = [
    "Northwind Traders", "Baker & Sons Logistics", "Café Lumière", "Harbour Dental Group",
    "Summit Roofing", "Bluebell Nurseries", "Keystone Legal LLP", "Orchard Lane Realty",
    "Pioneer HVAC", "Riverbend Veterinary", "Atlas Freight", "Clearwater Insurance",
    "Copperleaf Accounting", "Evergreen Property Mgmt", "Fjord Outdoor Gear", "Granite Peak Finance",
    "Helios Solar", "Ironwood Manufacturing", "Juniper Health", "Kestrel Marketing",
    "Lighthouse Learning", "Meridian Mortgage", "Nimbus Software", "Oakridge Dental",
    "Pinnacle Staffing", "Quarry Stone Supply", "Redwood Wealth Partners", "Saffron Hospitality",
    "Tidewater Marine", "Umbra Security", "Vantage Auto Group", "Willow Creek Clinics",
    "Xenon Labs", "Yellowstone Travel", "Zephyr Energy", "Ålesund Seafood AS",
    "Brightpath Tutoring", "Crescent Home Care", "Delta Print & Pack", "Emberline Fitness",
]  # fmt: skip
CSMS = ["Maya Okafor", "Daniel Brooks", "Priya Raman", "Lucas Meyer"]
TECH_LEADS = ["Sofia García", "Tom Lindqvist", "Aisha Bello"]
CONTACT_FIRST = [
    "Alex",
    "Jordan",
    "Sam",
    "Morgan",
    "Taylor",
    "Chris",
    "Renée",
    "Noah",
    "Léa",
    "Omar",
]
CONTACT_LAST = ["Nguyen", "Smith", "Kowalski", "O'Brien", "Haddad", "Schmidt", "Silva", "Park"]


@dataclass
class Story:
    """How a client's health moves over time: stress per month on some metrics."""

    kind: str  # healthy, slipping, red, recovering, new
    weak: tuple[str, ...] = ()
    stress: Callable[[int], float] = field(default=lambda _m: 0.0)
    open_incident: str | None = None  # "minor" or "critical"


def _months_back(first: date, day: date) -> int:
    return (day.year - first.year) * 12 + day.month - first.month


def _stories(count: int, last_month: int) -> list[Story]:
    """Client i's story; the list is fixed so the demo is the same for everyone."""

    def ramp(start: int, peak: float) -> Callable[[int], float]:
        return lambda m: 0.0 if m < start else min(peak, peak * (m - start + 1) / 2)

    def window(lo: int, hi: int, peak: float) -> Callable[[int], float]:
        def f(m: int) -> float:
            if m < lo:
                return 0.0
            if m <= hi:
                return peak
            return max(0.0, peak - 0.45 * (m - hi))

        return f

    L = last_month
    stories = [Story("healthy") for _ in range(count)]
    stories[3] = Story("slipping", ("user_adoption",), ramp(L - 1, 0.5))
    stories[7] = Story("slipping", ("satisfaction",), ramp(L - 1, 0.5))
    stories[11] = Story("slipping", ("uptime",), ramp(L, 0.5))
    stories[15] = Story("slipping", ("advanced_feature_utilisation",), ramp(L - 2, 0.5))
    stories[19] = Story("slipping", ("time_saved",), ramp(L - 1, 0.5))
    stories[23] = Story("slipping", (), open_incident="minor")
    stories[27] = Story("red", ("uptime", "automation_success_rate"), ramp(L, 1.0), "critical")
    stories[31] = Story("red", ("satisfaction", "user_adoption"), ramp(L - 1, 1.0))
    stories[35] = Story("red", ("response_time_median", "delivery_success_rate"), ramp(L, 1.0))
    stories[5] = Story("recovering", ("time_saved", "user_adoption"), window(L - 5, L - 3, 1.0))
    stories[count - 1] = Story("new")
    return stories


def _tier_for(i: int) -> tuple[str, float]:
    if i % 5 in (0, 3):
        return "professional", (5000.0, 6500.0, 7500.0)[i % 3]
    if i % 5 == 4:
        return "enterprise", (10000.0, 12500.0, 15000.0)[i % 3]
    return "essential", 2500.0


def generate_demo(
    path: Path, *, catalog: Catalog, today: date | None = None, seed: int = DEMO_SEED
) -> int:
    """Write the demo warehouse to ``path`` (replacing it atomically); returns the sample count.

    Data run from the first month the retention keeps up to yesterday: 24 complete
    months ending last month, plus the current month to date.
    """
    today = today or clock.today()
    first = retention_cutoff(today, DEMO_MONTHS)
    last_day = today - timedelta(days=1)
    last_month = _months_back(first, last_day)
    rng = random.Random(seed)
    gen = np.random.default_rng(seed)
    stories = _stories(len(COMPANY_NAMES), last_month)

    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    conn = sqlite3.connect(tmp)
    try:
        conn.executescript(
            (resources_dir() / "warehouse" / "sqlite.sql").read_text(encoding="utf-8")
        )
        clients, targets, samples, incidents = [], [], [], []
        for i, name in enumerate(COMPANY_NAMES):
            key = f"CL-{i + 1:03d}"
            story = stories[i]
            tier, value = _tier_for(i)
            if story.kind == "new":
                start = (today - timedelta(days=50)).replace(day=1)
            else:
                start = first - timedelta(days=rng.randint(30, 700))
            team = rng.choice([5, 8, 12, 20, 35, 60, 120])
            projection = float(round(max(8, team * rng.uniform(0.6, 1.4))))
            contact = f"{rng.choice(CONTACT_FIRST)} {rng.choice(CONTACT_LAST)}"
            domain = "".join(ch for ch in name.lower() if ch.isascii() and ch.isalnum())[:18]
            email = f"{contact.split()[0].lower()}@{domain or 'client'}.example"
            stamp = datetime.combine(start, datetime.min.time()).strftime(TIMESTAMP_FORMAT)
            clients.append((
                key, name, tier, value, start.isoformat(), CSMS[i % len(CSMS)],
                TECH_LEADS[i % len(TECH_LEADS)], contact, email, team,
                float(rng.choice([35, 45, 55, 65, 80, 95])), float(rng.choice([40, 75, 120, 250])), stamp,
            ))  # fmt: skip
            targets.append((key, "time_saved", projection, stamp))
            lead_delivery = i % 4 == 3 or i == 35
            metric_list = catalog.metrics_for(tier=tier, client_key=key)
            if lead_delivery:
                metric_list += [m for m in catalog.metrics.values() if m.group == "lead_delivery"]
            begin = max(first, start)
            for metric in metric_list:
                samples += _series(
                    metric, story, begin, first, last_day, projection, team, tier, rng, gen, key
                )
            incidents += _incidents(key, story, begin, last_day, rng)
        samples.sort(key=lambda s: (s[5], s[0], s[1], s[2]))  # load order: by updated_at
        conn.executemany(
            "INSERT INTO cs_clients (client_id, name, tier, package_value, start_date, csm, "
            "technical_lead, contact_name, contact_email, team_size, hourly_rate, cost_per_error, "
            "updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
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


def _loaded_at(period_end: date) -> str:
    """Samples reach the warehouse at 02:00 UTC the day after their period ends."""
    return (
        datetime.combine(period_end + timedelta(days=1), datetime.min.time())
        .replace(hour=2)
        .strftime(TIMESTAMP_FORMAT)
    )


def _periods(metric: Metric, begin: date, last_day: date) -> list[tuple[date, date, str]]:
    """(start, end, grain) of every complete period of the metric's grain up to ``last_day``."""
    out = []
    if metric.key in DAILY:
        day = begin
        while day <= last_day:
            out.append((day, day, "day"))
            day += timedelta(days=1)
    elif metric.key in MONTHLY:
        month = begin.replace(day=1)
        while True:
            nxt = (month + timedelta(days=32)).replace(day=1)
            if nxt - timedelta(days=1) > last_day:
                break
            if month >= begin.replace(day=1):
                out.append((month, nxt - timedelta(days=1), "month"))
            month = nxt
    else:
        week = begin - timedelta(days=begin.weekday())
        if week < begin:
            week += timedelta(days=7)
        while week + timedelta(days=6) <= last_day:
            out.append((week, week + timedelta(days=6), "week"))
            week += timedelta(days=7)
    return out


def _series(
    metric: Metric,
    story: Story,
    begin: date,
    first: date,
    last_day: date,
    projection: float,
    team: int,
    tier: str,
    rng: random.Random,
    gen: np.random.Generator,
    key: str,
) -> list[tuple[str, str, str, str, float, str]]:
    periods = _periods(metric, begin, last_day)
    if not periods:
        return []
    noise = gen.standard_normal(len(periods))
    scale = {"essential": 1.0, "professional": 3.0, "enterprise": 8.0}[tier]
    rows = []
    for (start, end, grain), z in zip(periods, noise, strict=True):
        month = _months_back(first, start)
        age = month / max(1, _months_back(first, last_day))
        stress = story.stress(month) if metric.key in story.weak else 0.0
        if metric.key == "time_saved":
            value = projection * (1.1 - 0.48 * stress) * (1 + 0.04 * z)
        elif metric.key in LEVELS:
            level, swing = LEVELS[metric.key]
            value = level + swing * stress
            value *= 1 + NOISE.get(metric.key, 0.012) * z
        elif metric.key == "error_count":
            value = float(gen.poisson(0.6 + 3 * stress))
        elif metric.key == "active_processes":
            value = float(3 + int(age * 4) + (2 if tier != "essential" else 0))
        elif metric.key == "active_users":
            value = float(round(team * LEVELS["user_adoption"][0] / 100 * (1 + 0.02 * z)))
        elif metric.key == "errors_prevented":
            value = float(max(0, round(team * 0.8 * (1 + 0.1 * z))))
        elif metric.key == "system_costs":
            value = round(110 * scale * (1 + 0.05 * z), 2)
        elif metric.key.startswith("revenue_") and metric.group == "roi":
            weight = {"revenue_direct": 1.0, "revenue_assisted": 0.6, "revenue_influenced": 0.4}
            value = round(2500 * scale * weight[metric.key] * (0.6 + 0.8 * age) * (1 + 0.1 * z), 2)
        elif metric.key == "cross_department_efficiency":
            value = 8 + 22 * age + z
        elif metric.key == "optimisation_opportunities":
            value = float(rng.randint(1, 4))
        elif metric.key == "direct_revenue_impact":
            value = round(30000 * (0.5 + age) * (1 + 0.1 * z), 2)
        elif metric.key == "process_efficiency_baseline":
            value = 6.2
        elif metric.key == "process_efficiency_rating":
            value = 6.3 + 2.4 * age + 0.1 * z
        elif metric.key == "scalability_readiness":
            value = round(7 + 2 * age, 1)
        elif metric.key == "innovation_opportunities":
            value = float(rng.randint(0, 3))
        elif metric.key == "leadership_engagement":
            value = 78 + 8 * age + 2 * z
        elif metric.key == "conversion_rate":
            value = 21 + 3 * z / 3
        elif metric.key == "leads_processed":
            value = float(round(50 * scale * (1 + 0.1 * z)))
        elif metric.key.startswith("revenue_"):
            value = round(9000 * scale * (1 + 0.15 * z), 2)
        else:
            value = 0.0
        lo = metric.minimum if metric.minimum is not None else -np.inf
        hi = metric.maximum if metric.maximum is not None else np.inf
        value = float(round(min(max(value, lo), hi), 3))
        rows.append((key, metric.key, start.isoformat(), grain, value, _loaded_at(end)))
    return rows


def _incidents(
    key: str, story: Story, begin: date, last_day: date, rng: random.Random
) -> list[tuple[str, str, str, str, str, str | None, str]]:
    titles = {
        "minor": [
            "Slow CRM sync overnight",
            "Report e-mail arrived late",
            "One workflow retried twice",
        ],
        "critical": [
            "Order intake automation stopped",
            "Invoices not generated",
            "CRM integration down",
        ],
    }
    out: list[tuple[str, str, str, str, str, str | None, str]] = []
    span = (last_day - begin).days
    for n in range(rng.randint(1, 3)):
        severity = "critical" if rng.random() < 0.25 else "minor"
        opened = begin + timedelta(days=rng.randint(0, max(1, span - 40)))
        opened_at = datetime.combine(opened, datetime.min.time()).replace(hour=rng.randint(8, 17))
        resolved_at = opened_at + timedelta(hours=rng.randint(2, 72))
        out.append((
            f"{key}-INC-{n + 1}", key, severity, rng.choice(titles[severity]),
            opened_at.strftime(TIMESTAMP_FORMAT), resolved_at.strftime(TIMESTAMP_FORMAT),
            resolved_at.strftime(TIMESTAMP_FORMAT),
        ))  # fmt: skip
    if story.open_incident:
        opened_at = datetime.combine(last_day - timedelta(days=2), datetime.min.time()).replace(
            hour=9
        )
        out.append((
            f"{key}-INC-OPEN", key, story.open_incident, titles[story.open_incident][0],
            opened_at.strftime(TIMESTAMP_FORMAT), None, opened_at.strftime(TIMESTAMP_FORMAT),
        ))  # fmt: skip
    return out
