"""The monthly review: the figures the engine computes for a client-month, and the
narrative the CSM writes about them (seed 002's Monthly Review Report Template).

* :func:`~csconsole.review_facts.gather_facts` collects the read-only figures: status, rating and trend, every
  KPI against its target grouped as the template groups them, ROI, open opportunities,
  incidents and a three-month trend of the headline metrics.
* The narrative (each section's text, action items, feature requests) is local data,
  stored per client and month in the ``review*`` tables and never touched by a sync.
  :func:`load_review` returns the stored review, or — for a month nobody has written
  yet — one pre-filled from the facts: wins are the metrics furthest above target,
  areas for improvement the reasons for the status, optimisation and expansion
  opportunities the open entries of the opportunity database, and action items the
  ones not done in the latest earlier review. The CSM edits from there;
  :func:`save_review` writes the whole review in one short transaction.

Section texts are kept exactly as typed; the PDF prints them as typed.
"""

from __future__ import annotations

import getpass
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Literal

from sqlalchemy import Table, delete, insert, select

from csconsole import formatting as fmt
from csconsole import wording
from csconsole.cache import Cache
from csconsole.catalog import lowercase_first
from csconsole.errors import KnownError
from csconsole.health.evaluation import Evaluation
from csconsole.health.rules import Kpi
from csconsole.models import ReviewActionItem, ReviewFeatureRequest, ReviewRecord, ReviewSection
from csconsole.review_facts import ReviewFacts

if TYPE_CHECKING:
    from csconsole.opportunities.model import Opportunity

Kind = Literal["text", "line", "choice"]


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    kind: Kind  # text: several lines; line: one line; choice: one of ``choices``
    hint: str
    choices: tuple[str, ...] = ()


#: Every narrative section, in the order of the review. Executive summary first.
SECTIONS: tuple[Section, ...] = (
    Section("key_achievement", "Key achievement", "line", "The month's most significant result"),
    Section("primary_focus", "Primary focus", "line", "The main goal for next month"),
    Section("expansion_readiness", "Expansion readiness", "choice", "", ("Yes", "Partial", "No")),
    Section(
        "referral_potential",
        "Referral potential",
        "choice",
        "",
        ("High", "Medium", "Low", "Not now"),
    ),
    Section("wins", "Wins this month", "text", "Achievements with their figures"),
    Section("improvements", "Areas for improvement", "text", "Each issue and the fix proposed"),
    Section(
        "optimisations",
        "Optimisation opportunities",
        "text",
        "Improvements within the package, with expected impact",
    ),
    Section("client_quote", "Client feedback", "text", "The client's most telling words"),
    Section(
        "support_interactions",
        "Support interactions",
        "text",
        "Interactions, resolution times, recurring themes",
    ),
    Section(
        "recommendations",
        "Strategic recommendations",
        "text",
        "Proposed optimisations and their timelines",
    ),
    Section(
        "expansion",
        "Expansion opportunities",
        "text",
        "What the client could buy next: investment and ROI",
    ),
    Section("risks", "Risk mitigation", "text", "Each risk and its prevention plan"),
    Section(
        "communication_log", "Communication log", "text", "Calls, meetings and mails this month"
    ),
    Section("technical_notes", "Technical notes", "text", "System statistics worth recording"),
    Section(
        "roi_recommendations",
        "ROI recommendations",
        "text",
        "Next month's steps to raise the return (printed in the ROI report)",
    ),
)
SECTION_KEYS = tuple(s.key for s in SECTIONS)
SECTION_BY_KEY: dict[str, Section] = {s.key: s for s in SECTIONS}
FEASIBILITY = ("high", "medium", "low")
#: Longest text kept per field, in characters (a pasted book is refused, not truncated).
MAX_TEXT = 100_000

# --- the narrative ----------------------------------------------------------------------


@dataclass
class ActionItem:
    task: str
    owner: str = ""
    due: date | None = None
    done: bool = False


@dataclass
class FeatureRequest:
    request: str
    feasibility: str = ""  # high, medium, low or empty
    note: str = ""  # timeline if approved, or an alternative if not feasible


@dataclass
class Review:
    """The CSM's words for one client-month. ``edited_at`` is None until first saved."""

    client_key: str
    month: str
    sections: dict[str, str] = field(default_factory=dict)
    actions: list[ActionItem] = field(default_factory=list)
    requests: list[FeatureRequest] = field(default_factory=list)
    edited_at: datetime | None = None
    edited_by: str = ""

    @property
    def saved(self) -> bool:
        return self.edited_at is not None

    def text(self, key: str) -> str:
        return self.sections.get(key, "")


_REVIEWS = ReviewRecord.__table__
_SECTIONS = ReviewSection.__table__
_ACTIONS = ReviewActionItem.__table__
_REQUESTS = ReviewFeatureRequest.__table__


def _tables() -> tuple[Table, Table, Table, Table]:
    return (_REVIEWS, _SECTIONS, _ACTIONS, _REQUESTS)  # type: ignore[return-value]


def load_stored(cache: Cache, client_key: str, month: str) -> Review | None:
    """The saved review of a client-month, or None when nobody has written it yet."""
    reviews, sections, actions, requests = _tables()
    with cache.engine.connect() as conn:
        head = conn.execute(
            select(reviews).where(reviews.c.client_key == client_key, reviews.c.month == month)
        ).first()
        if head is None:
            return None
        texts = conn.execute(
            select(sections.c.section, sections.c.text).where(
                sections.c.client_key == client_key, sections.c.month == month
            )
        ).all()
        items = conn.execute(
            select(actions)
            .where(actions.c.client_key == client_key, actions.c.month == month)
            .order_by(actions.c.position)
        ).all()
        asks = conn.execute(
            select(requests)
            .where(requests.c.client_key == client_key, requests.c.month == month)
            .order_by(requests.c.position)
        ).all()
    return Review(
        client_key=client_key,
        month=month,
        sections={s: t for s, t in texts},
        actions=[ActionItem(r.task, r.owner, r.due, bool(r.done)) for r in items],
        requests=[FeatureRequest(r.request, r.feasibility, r.note) for r in asks],
        edited_at=head.edited_at,
        edited_by=head.edited_by,
    )


def _latest_earlier(cache: Cache, client_key: str, month: str) -> Review | None:
    reviews = _tables()[0]
    with cache.engine.connect() as conn:
        earlier = conn.execute(
            select(reviews.c.month)
            .where(reviews.c.client_key == client_key, reviews.c.month < month)
            .order_by(reviews.c.month.desc())
            .limit(1)
        ).scalar_one_or_none()
    return None if earlier is None else load_stored(cache, client_key, earlier)


def _opportunity_line(opp: Opportunity, *, upsell: bool) -> str:
    """An opportunity as a client reads it: what, what it needs, what it brings."""
    head = opp.area.strip() or "Opportunity"
    if opp.improvement.strip():
        head += f": {opp.improvement.strip()}"
    if upsell:
        head += f" (part of the {opp.required_tier.capitalize()} package)"
    figures = []
    if opp.benefit.strip():
        figures.append(f"expected benefit {opp.benefit.strip()}")
    if opp.investment is not None:
        figures.append(f"investment {fmt.money(opp.investment)}")
    if opp.roi is not None:
        figures.append(f"annual return {fmt.percent(opp.roi, 0, points=True)}")
    if opp.timeline_weeks:
        figures.append(f"{opp.timeline_weeks} week{'s' if opp.timeline_weeks != 1 else ''}")
    return "• " + head + (" — " + "; ".join(figures) if figures else "")


def _wins(evaluation: Evaluation) -> list[Kpi]:
    above = [
        k
        for k in evaluation.kpis
        if k.variance is not None and k.variance > 0 and k.band not in ("tracked", "no data")
    ]
    above.sort(key=lambda k: -(k.variance or 0.0))
    return above[:3]


def expansion_readiness(status: str, opportunities: Sequence[Opportunity]) -> str:
    """Yes when a green client has an expansion (a bigger package) open; Partial when a
    yellow one has, or a green one has only improvements within its package; No for a red
    client or when nothing is open — so it never contradicts the expansion section."""
    upsells = any(o.upsell for o in opportunities)
    if status == "red" or not opportunities:
        return "No"
    if status == "green" and upsells:
        return "Yes"
    return "Partial"


def referral_potential(status: str, satisfaction: float | None) -> str:
    """Not now for a red client; else by satisfaction (9+ High, 8+ Medium), at most Medium
    while the status is yellow. Empty when there is nothing to judge it by."""
    if status == "red":
        return "Not now"
    if satisfaction is None:
        return ""
    level = "High" if satisfaction >= 9 else "Medium" if satisfaction >= 8 else "Low"
    return "Medium" if status == "yellow" and level == "High" else level


def _support_line(facts: ReviewFacts) -> str:
    opened = [i for i in facts.incidents if month_index_of(i.opened_at) == facts.month_index]
    if not opened:
        return ""
    count = len(opened)
    critical = sum(i.severity == "critical" for i in opened)
    if count == 1:
        line = f"One {'critical ' if critical else ''}service incident this month"
    else:
        line = f"{count} service incidents this month"
        line += f", {critical} of them critical" if critical else ""
    resolved = [i.resolved_at - i.opened_at for i in opened if i.resolved_at]
    if resolved:
        mean = sum(resolved, timedelta()) / len(resolved)
        if count == 1:
            line += f", resolved within {fmt.duration(mean)}"
        else:
            done = "all" if len(resolved) == count else str(len(resolved))
            line += f"; {done} resolved, on average within {fmt.duration(mean)}"
    elif count == 1:
        line += ", still being worked on"
    return line + "."


def month_index_of(moment: datetime) -> int:
    return moment.year * 12 + moment.month - 1


def prefill(facts: ReviewFacts, earlier: Review | None = None) -> Review:
    """A review written from the data, for the CSM to edit (see the module's docstring)."""
    ev = facts.evaluation
    wins = _wins(ev)
    upsells = [o for o in facts.opportunities if o.upsell]
    within = [o for o in facts.opportunities if not o.upsell]
    sections: dict[str, str] = dict.fromkeys(SECTION_KEYS, "")
    sections["wins"] = "\n".join(f"• {wording.win_line(k)}" for k in wins)
    sections["key_achievement"] = wording.achievement_sentence(wins[0], ev) if wins else ""
    sections["improvements"] = "\n".join(f"• {t}" for t in wording.reason_sentences(ev))
    if ev.reasons:
        sections["primary_focus"] = wording.focus_sentence(ev.reasons[0], ev)
    elif facts.opportunities:  # on target: the focus is the best next step on offer
        top = facts.opportunities[0]
        sections["primary_focus"] = wording.sentence(
            f"Agree the next step on the {lowercase_first(top.area.strip() or 'top')} "
            "opportunity while every figure holds on target"
        )
    sections["optimisations"] = "\n".join(_opportunity_line(o, upsell=False) for o in within)
    sections["expansion"] = "\n".join(_opportunity_line(o, upsell=True) for o in upsells)
    sections["expansion_readiness"] = expansion_readiness(ev.status, facts.opportunities)
    satisfaction = ev.kpi("satisfaction")
    sections["referral_potential"] = referral_potential(
        ev.status, satisfaction.value if satisfaction is not None else None
    )
    sections["support_interactions"] = _support_line(facts)
    still_open = [i for i in facts.incidents if i.resolved_at is None]
    sections["risks"] = "\n".join(
        f"• {wording.incident_title(i.title)}, open since {fmt.day_in_text(i.opened_at)}: "
        "the technical team is on it, and once it is fixed we will set out the cause and "
        "the safeguards against a repeat."
        for i in still_open
    )
    best = sorted(
        (o for o in facts.opportunities if o.roi is not None), key=lambda o: -(o.roi or 0.0)
    )
    sections["roi_recommendations"] = "\n".join(
        _opportunity_line(o, upsell=o.upsell) for o in best[:3]
    )
    actions = [replace(a) for a in earlier.actions if not a.done] if earlier else []
    return Review(
        client_key=facts.client.key, month=facts.month, sections=sections, actions=actions
    )


def blank(text: str) -> bool:
    """Nothing to print: empty, or only spaces and line breaks."""
    return not text.strip()


def left_out(review: Review, facts: ReviewFacts | None = None) -> list[str]:
    """The parts of the review PDF with nothing typed and nothing derived: they are left
    out of the PDF rather than printed as "No … recorded" (the Reviews tab lists them)."""
    out = [
        s.title + (" (ROI report)" if s.key == "roi_recommendations" else "")
        for s in SECTIONS
        if blank(review.text(s.key))
    ]
    if not any(r.request.strip() for r in review.requests):
        out.append("Feature requests")
    if not any(a.task.strip() for a in review.actions):
        out.append("Action items")
    if facts is not None and not facts.incidents:
        out.append("Incident table (no incident this month)")
    return out


def load_review(cache: Cache, facts: ReviewFacts) -> Review:
    """The saved review of the facts' client-month, or a pre-filled one (not yet saved)."""
    stored = load_stored(cache, facts.client.key, facts.month)
    if stored is not None:
        for key in SECTION_KEYS:
            stored.sections.setdefault(key, "")
        return stored
    return prefill(facts, _latest_earlier(cache, facts.client.key, facts.month))


def _check(review: Review) -> None:
    for key, text in review.sections.items():
        if key not in SECTION_BY_KEY:
            raise KnownError(f"unknown review section {key!r}")
        if len(text) > MAX_TEXT:
            raise KnownError(
                f"{SECTION_BY_KEY[key].title} is {len(text):,} characters long; "
                f"at most {MAX_TEXT:,} are kept"
            )
    for item in review.requests:
        if item.feasibility and item.feasibility not in FEASIBILITY:
            raise KnownError(
                f"feasibility {item.feasibility!r} is not one of {', '.join(FEASIBILITY)}"
            )


def save_review(cache: Cache, review: Review, *, who: str | None = None) -> Review:
    """Write the whole review in one transaction; returns it with ``edited_at`` set (UTC)."""
    _check(review)
    reviews, sections, actions, requests = _tables()
    now = datetime.now(UTC).replace(microsecond=0)
    if who is None:
        try:
            who = getpass.getuser()
        except (KeyError, OSError):  # no user name on this system
            who = ""
    key, month = review.client_key, review.month
    with cache.engine.begin() as conn:
        created = conn.execute(
            select(reviews.c.created_at).where(
                reviews.c.client_key == key, reviews.c.month == month
            )
        ).scalar_one_or_none()
        for table in (reviews, sections, actions, requests):
            conn.execute(delete(table).where(table.c.client_key == key, table.c.month == month))
        conn.execute(
            insert(reviews).values(
                client_key=key, month=month, created_at=created or now, edited_at=now, edited_by=who
            )
        )
        texts = [
            {"client_key": key, "month": month, "section": s, "text": t}
            for s, t in review.sections.items()
        ]
        if texts:
            conn.execute(insert(sections), texts)
        items = [
            {"client_key": key, "month": month, "position": n, "task": a.task, "owner": a.owner,
             "due": a.due, "done": a.done}
            for n, a in enumerate(review.actions)
        ]  # fmt: skip
        if items:
            conn.execute(insert(actions), items)
        asks = [
            {"client_key": key, "month": month, "position": n, "request": r.request,
             "feasibility": r.feasibility, "note": r.note}
            for n, r in enumerate(review.requests)
        ]  # fmt: skip
        if asks:
            conn.execute(insert(requests), asks)
    return replace(review, edited_at=now, edited_by=who)


def describe_edited(review: Review, *, now: datetime | None = None) -> str:
    """ "Last edited …" in the user's local time, or that the review is a draft from the data."""
    if review.edited_at is None:
        return "Not saved yet: pre-filled from the data"
    local = review.edited_at.astimezone()
    return f"Last edited {local:%Y-%m-%d %H:%M}" + (
        f" by {review.edited_by}" if review.edited_by else ""
    )


def parse_due(text: str) -> date | None:
    """An action item's due date from YYYY-MM-DD (empty: none); a clear error otherwise."""
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise KnownError(f"due date {text!r} is not a date (YYYY-MM-DD)") from None


__all__ = [
    "FEASIBILITY",
    "SECTIONS",
    "ActionItem",
    "FeatureRequest",
    "Review",
    "blank",
    "left_out",
    "load_review",
    "load_stored",
    "prefill",
    "save_review",
]
