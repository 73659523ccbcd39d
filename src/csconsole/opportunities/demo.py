"""The demo's opportunities: a believable, deterministic set for the demo clients."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime

from sqlalchemy import func, select

from csconsole import clock
from csconsole.cache import Cache
from csconsole.catalog import Catalog
from csconsole.opportunities.checks import parse_benefit_text, validate
from csconsole.opportunities.context import load_context
from csconsole.opportunities.model import PRIORITIES, STATUSES
from csconsole.opportunities.store import OPPORTUNITIES, insert_opportunity

#: Per category: (area, current state, improvement, benefit, investment, weeks, required
#: tier). Each client draws its own areas from these, so reviews read differently; the
#: investments make a year's benefit worth about 1.5–7 times the cost, not 30 times.
_TEMPLATES: dict[str, tuple[tuple[str, str, str, str, float, int, str], ...]] = {
    "PO": (
        ("Lead Management", "80% automated", "Add email sequence automation",
         "+3 hours/week savings", 2300, 2, "essential"),
        ("Client Onboarding", "Checklist in a shared spreadsheet",
         "Guided onboarding workflow with reminders", "+5 hours/week savings", 4800, 3, "essential"),
        ("Invoice Approvals", "Email chains & manual sign-off",
         "Approval routing with <2-day SLA", "+2.5 hours/week savings", 2800, 2, "essential"),
        ("Month-end Close", "Reconciliation takes 4 days",
         "Automated bank reconciliation", "+6 hours/week savings", 5200, 4, "professional"),
        ("Appointment Reminders", "Receptionist phones every patient",
         "SMS and e-mail reminders with one-tap rescheduling", "$1,200/month fewer no-shows",
         4100, 2, "essential"),
        ("Quote Follow-up", "Quotes chased when someone remembers",
         "Automatic follow-up at day 3 and day 10", "$1,600/month more accepted quotes", 6800, 2,
         "essential"),
        ("Timesheet Collection", "Friday e-mails asking for hours",
         "Reminders and approval in the team chat", "+4 hours/week savings", 4300, 2, "essential"),
        ("Purchase Orders", "Paper forms scanned to the buyer",
         "Web form with budget checks and routing", "+3.5 hours/week savings", 2900, 3,
         "professional"),
        ("Staff Rota", "Rota rebuilt by hand each week",
         "Rota drafted from availability and demand", "+5.5 hours/week savings", 6900, 4,
         "professional"),
        ("Customer Feedback", "Survey results read once a quarter",
         "Low scores routed to the account owner the same day", "Fewer lost clients", 900, 2,
         "essential"),
    ),
    "IE": (
        ("CRM to Accounting", "Manual data transfer", "Automated invoice generation",
         "$2,000/month savings", 5400, 3, "professional"),
        ("Helpdesk to CRM", "Tickets copied by hand each Friday",
         "Two-way ticket sync", "$850/month savings", 2900, 4, "professional"),
        ("E-commerce Orders → ERP", "CSV upload twice a day",
         "Real-time order sync", "$3,400/month savings", 13200, 6, "enterprise"),
        ("Booking System → Calendar", "Double bookings about twice a week",
         "Live availability sync", "+2 hours/week savings", 1700, 2, "essential"),
        ("Payroll ← HR System", "Starters and leavers keyed twice",
         "One record feeds both systems", "$700/month savings", 2900, 3, "professional"),
        ("Bank Feeds → Ledger", "Statements downloaded and imported weekly",
         "Daily bank feed with auto-matching", "+3 hours/week savings", 3600, 2, "professional"),
        ("Web Forms → CRM", "Form e-mails retyped into the CRM",
         "Forms create leads with source tracking", "$1,500/month more closed revenue", 5600, 2,
         "essential"),
        ("Inventory ↔ Shop", "Stock counts updated each evening",
         "Stock levels synced every 5 minutes", "$1,100/month fewer oversold orders", 3100, 4,
         "professional"),
        ("Contracts → E-signature", "Contracts printed, signed, scanned",
         "E-signature with the CRM deal attached", "+2.5 hours/week savings", 3100, 3,
         "professional"),
        ("Support Chat → Knowledge Base", "Answers live in people's heads",
         "Resolved chats suggest articles", "Shorter first-response time", 2000, 5,
         "enterprise"),
    ),
    "AF": (
        ("Predictive Analytics", "Basic reporting", "Forecasting capabilities",
         "15% better decision-making", 2000, 4, "enterprise"),
        ("Custom Dashboards", "Standard reports only",
         "Department dashboards for leadership", "Weekly exec reporting in minutes", 3000, 6,
         "enterprise"),
        ("AI Lead Scoring", "Leads ranked by gut feel",
         "Scoring model on CRM history", "$1,100/month more closed revenue", 4300, 5,
         "professional"),
        ("Document Extraction", "Supplier invoices typed in by hand",
         "Read invoices and receipts automatically", "+7 hours/week savings", 6100, 4,
         "professional"),
        ("Churn Early Warning", "Cancellations noticed after the fact",
         "Risk score on usage and support signals", "$2,500/month revenue kept", 10200, 6,
         "enterprise"),
        ("Smart Routing", "Requests assigned round-robin",
         "Route by skill, load and customer value", "+4 hours/week savings", 4900, 3,
         "professional"),
        ("Demand Forecasting", "Orders placed from last year's numbers",
         "Weekly forecast per product line", "$3,000/month less dead stock", 11200, 8,
         "enterprise"),
        ("Self-service Portal", "Clients e-mail for every status update",
         "Portal with live job status and documents", "+6 hours/week savings", 4900, 6,
         "professional"),
        ("Anomaly Alerts", "Errors found at month end",
         "Alerts on unusual payments and volumes", "$900/month fewer write-offs", 4000, 4,
         "enterprise"),
        ("Meeting Notes to Tasks", "Actions lost after client calls",
         "Transcribed calls create CRM tasks", "+3 hours/week savings", 2900, 3,
         "professional"),
    ),
}  # fmt: skip
_CATEGORIES = ("PO", "IE", "AF")

_OWNERS = ("Maya Okafor", "Daniel Brooks", "Priya Raman", "Lucas Meyer", "Sofia García")


def create_demo_opportunities(cache: Cache, catalog: Catalog, *, today: date | None = None) -> int:
    """A believable, deterministic set of opportunities for the demo clients, created
    only when the store is empty (a user's own rows are never replaced)."""
    today = today or clock.today()
    with cache.engine.connect() as conn:
        if conn.execute(select(func.count()).select_from(OPPORTUNITIES)).scalar_one():
            return 0
    ctx = load_context(cache, catalog)
    clients = sorted(ctx.clients.values(), key=lambda c: c.key)
    if not clients:
        return 0
    rng = random.Random(2026)
    now = datetime.now(UTC)
    created = 0
    with cache.engine.begin() as conn:
        for i in range(max(60, len(clients) * 3 // 2)):
            position = (i * 7) % len(clients) if i >= len(clients) else i
            client = clients[position]
            # Each client its own areas: the category cycles, the entry depends on the client.
            category = _CATEGORIES[i % len(_CATEGORIES)]
            choices = _TEMPLATES[category]
            template = choices[(position * 3 + i // len(clients) * 5) % len(choices)]
            area, current, improvement, benefit, investment, weeks, tier = template
            # Shifted every ten, so every category meets every status.
            status = STATUSES[(i + i // 10) % len(STATUSES)]
            priority = PRIORITIES[(i + i // len(STATUSES)) % len(PRIORITIES)]
            # Open ones are reviewed within two months; every fourth has slipped past it.
            offset = rng.randint(3, 60) if i % 4 else -rng.randint(1, 30)
            if status in ("completed", "declined"):
                offset = -rng.randint(5, 90)
            raw = {
                "client_key": client.key,
                "category": category,
                "area": area,
                "current_state": current,
                "improvement": improvement,
                "benefit": benefit,
                "investment": round(investment * rng.choice((0.8, 1.0, 1.25)), -1),
                "timeline_weeks": weeks,
                "roi_typed": None if parse_benefit_text(benefit) else rng.choice((120, 180, 250)),
                "priority": priority,
                "required_tier": tier,
                "status": status,
                "owner": _OWNERS[i % len(_OWNERS)],
                "next_review": date.fromordinal(today.toordinal() + offset),
            }
            result = validate(raw, ctx)
            assert result.opportunity is not None, result.errors
            insert_opportunity(conn, result.opportunity, who="demo", now=now)
            created += 1
    return created
