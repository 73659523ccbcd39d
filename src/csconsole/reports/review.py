"""The monthly review PDF, in the order of seed 002's Monthly Review Report Template:
executive summary, performance figures, detailed analysis, client feedback, strategic
recommendations, action items and the appendix (three-month trend, communication log,
technical details)."""

from __future__ import annotations

from datetime import date

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from csconsole.health import Kpi, fmt_value
from csconsole.reports.base import TREND_WORDS, ReportRenderer
from csconsole.reports.branding import Branding
from csconsole.reports.charts import trend_panels
from csconsole.reports.fonts import markup
from csconsole.reviews import SECTION_BY_KEY, Review, ReviewFacts

NOTHING = "Nothing recorded for this month."


def money(value: float | None) -> str:
    return "—" if value is None else f"${value:,.0f}"


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:,.0f} %"


def variance_text(k: Kpi) -> str:
    if k.variance is None:
        return ""
    text = f"{k.variance * 100:+.1f} %"
    return "±0.0 %" if text in ("+0.0 %", "-0.0 %") else text


class ClientMonthReport(ReportRenderer):
    """A report on one client and month: the header line and metadata they all share."""

    #: How the PDF's subject begins: "<subject> of Client (CL-001), tier package, month".
    subject = "Report"

    def __init__(
        self,
        facts: ReviewFacts,
        review: Review,
        *,
        branding: Branding | None = None,
        today: date | None = None,
    ) -> None:
        super().__init__(branding=branding, today=today)
        self.facts = facts
        self.review = review

    def header_line(self) -> str:
        c = self.facts.client
        return f"{c.name} · {self.facts.month} · {c.tier.capitalize()} package"

    def metadata(self) -> tuple[str, str, str]:
        c = self.facts.client
        return (
            f"{self.report_title}: {c.name}, {self.facts.month}",
            c.csm,
            f"{self.subject} of {c.name} ({c.key}), {c.tier} package, {self.facts.month}",
        )


class ReviewReport(ClientMonthReport):
    """One client's monthly review."""

    report_title = "Monthly optimisation review"
    subject = "Monthly review"

    def text(self, key: str) -> str:
        return self.review.text(key)

    # --- sections ----------------------------------------------------------------------

    def _title_block(self) -> list[Flowable]:
        c, f = self.facts.client, self.facts
        return [
            self.para(self.report_title, "title"),
            self.para(f"{c.name} — {f.month}", "subtitle"),
            self.table(
                None,
                [
                    [
                        self.para("Client", "label"),
                        c.name,
                        self.para("Package", "label"),
                        c.tier.capitalize(),
                    ],
                    [
                        self.para("CSM", "label"),
                        c.csm,
                        self.para("Technical lead", "label"),
                        c.technical_lead,
                    ],
                    [
                        self.para("Review month", "label"),
                        f.month,
                        self.para("Prepared", "label"),
                        self.today.isoformat(),
                    ],
                ],
                (0.16, 0.34, 0.16, 0.34),
            ),
        ]

    def _executive_summary(self) -> list[Flowable]:
        ev = self.facts.evaluation
        rating = "—" if ev.rating is None else f"{ev.rating:.1f}/10"
        trend = TREND_WORDS.get(ev.trend, "—")
        out = self.section("Executive summary")
        out.append(
            self.figure_boxes(
                [
                    ("Performance rating", rating, ""),
                    ("Trend vs last month", trend, ""),
                    ("Status", self.status_mark(ev.status, "big"), ev.status),
                ]
            )
        )
        out.append(Spacer(1, 3 * mm))
        pairs = []
        for key in (
            "key_achievement",
            "primary_focus",
            "expansion_readiness",
            "referral_potential",
        ):
            value = self.text(key).strip()
            pairs.append(
                (
                    SECTION_BY_KEY[key].title,
                    self.para(value or "Not set", "cell" if value else "empty"),
                )
            )
        if ev.reasons:
            pairs.append(("Why this status", "\n".join(r.text for r in ev.reasons)))
        else:
            pairs.append(
                ("Why this status", "Every targeted figure is on target and no incident is open.")
            )
        out.append(self.key_values(pairs))
        return out

    def _kpi_rows(
        self, kpis: tuple[Kpi, ...]
    ) -> tuple[list[list[object]], list[tuple[int, int, str]]]:
        rows: list[list[object]] = []
        tints = []
        for i, k in enumerate(kpis):
            target = "tracked" if k.target is None else fmt_value(k.target, k.unit)
            previous = fmt_value(k.previous, k.unit) if k.previous is not None else "—"
            rows.append(
                [
                    k.label,
                    fmt_value(k.value, k.unit),
                    target,
                    variance_text(k),
                    previous,
                    self.band_mark(k.mark),
                ]
            )
            if k.band in ("green", "yellow", "red"):
                tints.append((5, i, k.band))
        return rows, tints

    def _performance(self) -> list[Flowable]:
        out = self.section("Performance metrics")
        out.append(
            self.para(
                "Each figure is the month's value against the client's target. Status: on "
                "target (at or above it), within tolerance (below it by less than 10 %), "
                "watch (10–20 % short), off target (more than 20 % short).",
                "note",
            )
        )
        header = ["Metric", "This month", "Target", "vs target", "Last month", "Status"]
        widths = (0.29, 0.15, 0.12, 0.12, 0.15, 0.17)
        roi = self.facts.roi
        for title, kpis in self.facts.groups:
            out += self.subsection(title)
            rows, tints = self._kpi_rows(kpis)
            out.append(
                self.table(
                    header,
                    rows,
                    widths,
                    right=(1, 2, 3, 4),
                    empty=f"No {title.lower()} figures are part of the {self.facts.client.tier} package.",
                    tints=tints,
                )
            )
            if title == "Business impact" and roi is not None:
                cur = roi.current
                out.append(Spacer(1, 2 * mm))
                out.append(
                    self.table(
                        ["In money this month", "Value", "How"],
                        [
                            [
                                "Time saved",
                                money(cur.time_savings_value),
                                f"{cur.hours_saved:,.1f} h × ${roi.hourly_rate:,.0f}/h",
                            ],
                            [
                                "Errors prevented",
                                money(cur.error_prevention_value),
                                f"{cur.errors_prevented:,.0f} × ${roi.cost_per_error:,.0f}",
                            ],
                            [
                                "Revenue attributed",
                                money(cur.revenue_attribution),
                                "weighted direct, assisted and influenced revenue",
                            ],
                            [
                                "Value created",
                                money(cur.value),
                                f"investment {money(cur.investment)} (fee and system costs); monthly ROI {percent(cur.roi)}",
                            ],
                        ],
                        (0.3, 0.18, 0.52),
                        right=(1,),
                    )
                )
        return out

    def _analysis(self) -> list[Flowable]:
        out = self.section("Detailed performance analysis")
        for key, empty in (
            ("wins", "No metric beat its target this month."),
            ("improvements", "No area needs improvement this month."),
            ("optimisations", "No optimisation opportunity is open for this client."),
        ):
            out += self.subsection(SECTION_BY_KEY[key].title)
            out += self.text_block(self.text(key), empty=empty)
        return out

    def _feedback(self) -> list[Flowable]:
        out = self.section("Client feedback")
        out += self.subsection("Direct feedback")
        quote = self.text("client_quote").strip()
        if quote:
            out.append(self.rich(f"“{markup(quote)}”", "quote"))
        else:
            out.append(self.para("No client quote recorded this month.", "empty"))
        out += self.subsection(SECTION_BY_KEY["support_interactions"].title)
        out += self.text_block(
            self.text("support_interactions"), empty="No support interactions recorded this month."
        )
        out += self.subsection("Feature requests")
        rows = [
            [r.request, (r.feasibility or "not assessed").capitalize(), r.note]
            for r in self.review.requests
        ]
        out.append(
            self.table(
                ["Request", "Feasibility", "Timeline or alternative"],
                rows,
                (0.5, 0.14, 0.36),
                empty="No feature requests this month.",
            )
        )
        return out

    def _strategy(self) -> list[Flowable]:
        out = self.section("Strategic recommendations")
        out += self.subsection("Next month's primary focus")
        out += self.text_block(self.text("primary_focus"), empty="No primary focus set.")
        out += self.subsection("Proposed optimisations")
        out += self.text_block(
            self.text("recommendations"), empty="No further optimisation proposed this month."
        )
        out += self.subsection(SECTION_BY_KEY["expansion"].title)
        out += self.text_block(
            self.text("expansion"), empty="No expansion opportunity is open for this client."
        )
        out += self.subsection(SECTION_BY_KEY["risks"].title)
        out += self.text_block(self.text("risks"), empty="No risk identified this month.")
        return out

    def _actions(self) -> list[Flowable]:
        out = self.section("Action items and next steps")
        rows = []
        for a in self.review.actions:
            due = a.due.isoformat() if a.due else "—"
            if a.due and not a.done and a.due < self.today:
                due += " (overdue)"
            rows.append(["☑ done" if a.done else "☐ open", a.task, a.owner or "—", due])
        out.append(
            self.table(
                ["", "Task", "Owner", "Due"],
                rows,
                (0.11, 0.55, 0.16, 0.18),
                empty="No action items recorded.",
            )
        )
        return out

    def _appendix(self) -> list[Flowable]:
        f = self.facts
        out = self.section("Appendix")
        out += self.subsection("Monthly metrics trend")
        if f.trend:
            out.append(trend_panels(f.trend, width=self.frame_width(), branding=self.branding))
            rows = [[s.label, *[fmt_value(v, s.unit) for v in s.values]] for s in f.trend]
            months = list(f.trend[0].months)
            width = 0.64 / max(len(months), 1)
            out.append(Spacer(1, 2 * mm))
            out.append(
                self.table(
                    ["Metric", *months],
                    rows,
                    (0.36, *([width] * len(months))),
                    right=tuple(range(1, len(months) + 1)),
                )
            )
        else:
            out.append(self.para("No targeted metric has data for these months.", "empty"))
        out += self.subsection(SECTION_BY_KEY["communication_log"].title)
        out += self.text_block(
            self.text("communication_log"), empty="No communication logged this month."
        )
        out += self.subsection("Technical performance details")
        rows = [
            [
                i.key,
                i.severity,
                i.title,
                f"{i.opened_at:%Y-%m-%d %H:%M}",
                f"{i.resolved_at:%Y-%m-%d %H:%M}" if i.resolved_at else "open",
            ]
            for i in f.incidents
        ]
        out.append(
            self.table(
                ["Incident", "Severity", "Title", "Opened (UTC)", "Resolved (UTC)"],
                rows,
                (0.17, 0.11, 0.38, 0.17, 0.17),
                empty="No incident was open during the month.",
            )
        )
        out.append(Spacer(1, 2 * mm))
        out += self.text_block(self.text("technical_notes"), empty="No technical notes.")
        out += self.subsection("Next review")
        out.append(
            self.key_values(
                [
                    ("Next review scheduled", f.next_review.isoformat()),
                    ("Prepared by", f.client.csm),
                ]
            )
        )
        return out

    def _get_story(self) -> list[Flowable]:
        return [
            *self._title_block(),
            *self._executive_summary(),
            *self._performance(),
            *self._analysis(),
            *self._feedback(),
            *self._strategy(),
            *self._actions(),
            *self._appendix(),
        ]


__all__ = ["ReviewReport"]
