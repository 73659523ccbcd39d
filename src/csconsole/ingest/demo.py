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
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np

from csconsole import clock
from csconsole.catalog import Catalog, Metric
from csconsole.ingest.sync import retention_cutoff
from csconsole.ingest.warehouse import TIMESTAMP_FORMAT
from csconsole.paths import resources_dir

DEMO_SEED = 2026
DEMO_MONTHS = 24
WEEKS_PER_MONTH = 365.25 / 12 / 7

DAILY = ("uptime", "automation_success_rate", "error_rate")
MONTHLY = (
    "system_costs", "revenue_direct", "revenue_assisted", "revenue_influenced",
    "optimisation_opportunities", "direct_revenue_impact", "process_efficiency_baseline",
    "scalability_readiness", "innovation_opportunities",
)  # fmt: skip

#: A healthy client's usual level as a multiple of the target (time saved: of its own
#: projection), for its weakest and its strongest client: most sit a little above
#: target, some a few per cent short, never 10 % short (that would be yellow).
HEALTHY: dict[str, tuple[float, float]] = {
    "automation_success_rate": (0.985, 1.003),
    "time_saved": (0.95, 1.04),
    "user_adoption": (0.935, 1.05),
    "error_reduction": (0.935, 1.06),
    "satisfaction": (1.035, 1.13),  # above 8.5, where the satisfaction rule is green
    "uptime": (0.9996, 1.0042),  # above 99 %, where the uptime rule is green
    "error_rate": (1.05, 0.55),  # lower is better
    "integration_uptime": (0.995, 1.0014),
    "advanced_feature_utilisation": (0.935, 1.12),
    "data_accuracy": (0.94, 1.025),
    "delivery_success_rate": (0.96, 1.012),
    "response_time_median": (1.05, 0.55),
    "response_time_p95": (0.92, 0.5),  # a month takes the worst week (max)
}
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
SYSTEMS = ["CRM", "accounting", "helpdesk", "booking", "e-commerce", "ERP", "email", "payroll"]
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
#: Tiers: monthly fee choices, setup fee choices, system costs a month, hourly rates,
#: and team members per weekly hour saved.
TIER_ECONOMICS: dict[str, dict[str, tuple[float, ...]]] = {
    "essential": {
        "fee": (2500.0,), "setup": (2500.0, 3500.0, 5000.0, 6000.0),
        "costs": (180.0, 420.0), "rate": (35.0, 45.0, 55.0, 65.0), "people": (0.25, 0.7),
    },
    "professional": {
        "fee": (5000.0, 6500.0, 7500.0), "setup": (7500.0, 9000.0, 12000.0, 15000.0),
        "costs": (420.0, 950.0), "rate": (45.0, 55.0, 65.0, 80.0), "people": (0.35, 1.0),
    },
    "enterprise": {
        "fee": (10000.0, 12500.0, 15000.0), "setup": (20000.0, 25000.0, 30000.0, 40000.0),
        "costs": (900.0, 2400.0), "rate": (65.0, 80.0, 95.0, 120.0), "people": (0.7, 2.2),
    },
}  # fmt: skip


@dataclass(frozen=True)
class Story:
    """How a client's health moves: stress on some metrics by month, counted back from
    the current month (0 = this month, -1 = last month); a month not listed keeps the
    stress of the latest listed month before it (none before the first: healthy)."""

    kind: str  # healthy, lukewarm, slipping, red, recovering, incident, new
    weak: tuple[str, ...] = ()
    points: Mapping[int, float] = field(default_factory=dict)
    open_incident: str | None = None  # "minor" or "critical", opened two days ago
    value_drop: float = 0.3  # share of caught errors and revenue lost at full stress
    roi: float | None = None  # the client's usual monthly ROI, when the story sets it

    def stress(self, back: int) -> float:
        keys = [k for k in self.points if k <= back]
        return self.points[max(keys)] if keys else 0.0


def _stories(count: int) -> list[Story]:
    """Client i's story; the list is fixed so the demo is the same for everyone."""
    decline = {-3: 0.12, -2: 0.24, -1: 0.36, 0: 0.55}  # three months down, then yellow
    stories = [Story("healthy") for _ in range(count)]
    stories[3] = Story("slipping", ("user_adoption",), decline)
    stories[7] = Story("slipping", ("satisfaction",), {-3: 0.06, -2: 0.12, -1: 0.3, 0: 0.45})
    stories[11] = Story("slipping", ("uptime",), {0: 0.5})
    stories[15] = Story("slipping", ("advanced_feature_utilisation",), {-4: 0.2, -3: 0.35, -2: 0.5})
    stories[19] = Story("slipping", ("time_saved",), decline)
    stories[23] = Story("slipping", (), open_incident="minor")
    stories[27] = Story("red", ("uptime", "automation_success_rate"), {0: 0.5}, "critical")
    stories[31] = Story(
        "red",
        ("satisfaction", "user_adoption", "time_saved"),
        {-3: 0.07, -2: 0.15, -1: 0.55, 0: 1.0},
        value_drop=0.7,
        roi=0.45,  # thin value even before the trouble: this is the struggling client
    )
    stories[35] = Story(
        "red", ("response_time_median", "delivery_success_rate"), {-2: 0.2, -1: 0.5, 0: 1.0}
    )
    stories[5] = Story(
        "recovering",
        ("time_saved", "user_adoption"),
        {-7: 0.3, -6: 0.7, -5: 1.0, -3: 0.7, -2: 0.55, -1: 0.5, 0: 0.12},  # intervention at -4
        value_drop=0.5,
    )
    for lukewarm in (1, 13, 24, 33):  # green, but a few per cent short on most targets
        stories[lukewarm] = Story("lukewarm")
    stories[9] = Story("incident")  # a minor incident open over last month's end, now fixed
    stories[count - 1] = Story("new")
    return stories


@dataclass(frozen=True)
class DemoClient:
    """One client's contract, economics and habits, drawn once from its own seed."""

    index: int
    key: str
    name: str
    tier: str
    fee: float
    setup_fee: float | None
    start: date
    team: int
    hourly_rate: float
    cost_per_error: float
    projection: float  # target hours saved per week
    errors_per_week: float
    revenue_direct: float  # a month, at full run
    revenue_mix: tuple[float, float]  # assisted and influenced per $ direct
    system_costs: float  # a month, at start
    quality: Mapping[str, float]  # 0 weakest … 1 strongest, per targeted metric
    story: Story
    lead_delivery: bool
    systems: tuple[str, ...]


def _tier_for(i: int) -> tuple[str, float]:
    if i % 5 in (0, 3):
        return "professional", (5000.0, 6500.0, 7500.0)[i % 3]
    if i % 5 == 4:
        return "enterprise", (10000.0, 12500.0, 15000.0)[i % 3]
    return "essential", 2500.0


def _start_date(i: int, story: Story, first: date, today: date, rng: random.Random) -> date:
    """Clients joined over the two years the cache keeps, so each one's setup fee and
    payback are in the data; story clients early enough to have a history to fall from."""
    if story.kind == "new":
        return (today - timedelta(days=50)).replace(day=1)
    if i == 0:
        return first
    storied = story.kind not in ("healthy", "lukewarm")
    offset = rng.randint(0, 9) if storied else int(21 * rng.random() ** 1.5)
    month = first.month - 1 + offset
    return date(first.year + month // 12, month % 12 + 1, rng.randint(1, 28))


def _client(i: int, name: str, story: Story, *, first: date, today: date, seed: int) -> DemoClient:
    rng = random.Random(seed * 1000 + i)
    tier, fee = _tier_for(i)
    eco = TIER_ECONOMICS[tier]
    costs = round(rng.uniform(*eco["costs"]), -1)
    # The client's usual monthly ROI (value / investment − 1) sets the value it gets.
    usual = story.roi if story.roi is not None else math.exp(rng.uniform(-0.25, 1.5))
    value = (1 + usual) * (fee + costs)
    time_share, error_share = rng.uniform(0.35, 0.6), rng.uniform(0.08, 0.2)
    rate = rng.choice(eco["rate"])
    cost_per_error = rng.choice([40.0, 75.0, 120.0, 250.0])
    projection = float(max(4, round(value * time_share / rate / WEEKS_PER_MONTH)))
    assisted, influenced = rng.uniform(0.4, 0.9), rng.uniform(0.3, 1.0)
    weighted = 0.9 + 0.5 * assisted + 0.25 * influenced
    # Most clients are strong on some metrics and a few per cent short on others; a
    # story's client is otherwise sound, so that its story is what shows.
    strength = {"healthy": rng.random() ** 1.8, "lukewarm": 0.0}.get(
        story.kind, 0.6 + 0.4 * rng.random()
    )
    spread = 0.1 if story.kind == "lukewarm" else 0.25
    quality = {m: min(1.0, max(0.0, strength + rng.gauss(0, spread))) for m in sorted(HEALTHY)}
    setup = None if i in (1, 19, 32) else rng.choice(eco["setup"])  # waived for a few
    return DemoClient(
        index=i,
        key=f"CL-{i + 1:03d}",
        name=name,
        tier=tier,
        fee=fee,
        setup_fee=setup,
        start=_start_date(i, story, first, today, rng),
        team=max(4, round(projection * rng.uniform(*eco["people"]))),
        hourly_rate=rate,
        cost_per_error=cost_per_error,
        projection=projection,
        errors_per_week=value * error_share / cost_per_error / WEEKS_PER_MONTH,
        revenue_direct=value * (1 - time_share - error_share) / weighted,
        revenue_mix=(assisted, influenced),
        system_costs=costs,
        quality=quality,
        story=story,
        lead_delivery=i % 4 == 3 or i == 35,
        systems=tuple(rng.sample(SYSTEMS, 3)),
    )


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
    stories = _stories(len(COMPANY_NAMES))
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
            c = _client(i, name, stories[i], first=first, today=today, seed=seed)
            contact = f"{names.choice(CONTACT_FIRST)} {names.choice(CONTACT_LAST)}"
            domain = "".join(ch for ch in name.lower() if ch.isascii() and ch.isalnum())[:18]
            email = f"{contact.split()[0].lower()}@{domain or 'client'}.example"
            stamp = datetime.combine(c.start, datetime.min.time()).strftime(TIMESTAMP_FORMAT)
            clients.append((
                c.key, name, c.tier, c.fee, c.start.isoformat(), CSMS[i % len(CSMS)],
                TECH_LEADS[i % len(TECH_LEADS)], contact, email, c.team, c.hourly_rate,
                c.cost_per_error, c.setup_fee, stamp,
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
            "setup_fee, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
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
