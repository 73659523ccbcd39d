"""The demo's clients: who they are, what they pay, their contracts and their stories.

Each client is drawn once from its own seed, so the demo is the same for everyone;
``csconsole.ingest.demo`` then makes each client's samples and incidents from it.
Contracts run 12 or 24 months; the renewal dates fall over the twelve months after
the demo's today, a few of them within 30 days (a yellow and a red client among
them), and some are left for the console to compute from the start and the term.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

WEEKS_PER_MONTH = 365.25 / 12 / 7

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


def stories(count: int) -> list[Story]:
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
    renewal_date: date | None  # None: the warehouse leaves it to the console to compute
    contract_months: int


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


def client(
    i: int, name: str, story: Story, *, count: int, first: date, today: date, seed: int
) -> DemoClient:
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
    renewal, months = _contract(i, count, today=today)
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
        renewal_date=renewal,
        contract_months=months,
    )


#: Days from today to the renewal of the story clients whose renewal matters: a client
#: slipping to yellow and a red one within 30 days, one more red within 90 (value at
#: risk), a healthy one this month.
RENEWAL_DAYS = {3: 12, 31: 21, 27: 48, 12: 6, 7: 75}
#: Clients whose warehouse row gives the term but no renewal date: the console computes
#: it (start + k × term). The newest client (the last) is always one of them.
COMPUTED_RENEWALS = frozenset({10, 22, 34})


def _contract(i: int, count: int, *, today: date) -> tuple[date | None, int]:
    """Client i's renewal date (None: left to compute) and term in months."""
    months = 24 if i % 3 == 2 else 12
    if i in COMPUTED_RENEWALS or i == count - 1:
        return None, months
    days = RENEWAL_DAYS.get(i, 9 + (i * 53) % 356)  # spread over the coming year
    return today + timedelta(days=days), months
