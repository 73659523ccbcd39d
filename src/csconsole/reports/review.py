"""The monthly review PDF, in the order of seed 002's Monthly Review Report Template:
executive summary, performance figures, detailed analysis, client feedback, strategic
recommendations, action items and the appendix (three-month trend, communication log,
technical details)."""

from __future__ import annotations

from datetime import date

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from csconsole import formatting as fmt
from csconsole import wording
from csconsole.health.rules import Kpi, fmt_value
from csconsole.reports.base import TREND_WORDS, Cell, ReportRenderer
from csconsole.reports.branding import Branding
from csconsole.reports.charts import trend_panels
from csconsole.reports.fonts import markup
from csconsole.review_facts import ReviewFacts
from csconsole.reviews import SECTION_BY_KEY, Review, blank
from csconsole.rollup import parse_month


def variance_text(k: Kpi) -> str:
    return fmt.signed_percent(k.variance, 1)


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

    @property
    def month_name(self) -> str:
        """The report's month as people write it: November 2026."""
        return fmt.month(self.facts.month_index)

    def header_line(self) -> str:
        c = self.facts.client
        return f"{c.name} · {self.month_name} · {c.tier.capitalize()} package"

    def metadata(self) -> tuple[str, str, str]:
        c = self.facts.client
        return (
            f"{self.report_title}: {c.name}, {self.month_name}",
            c.csm,
            f"{self.subject} of {c.name}, {c.tier.capitalize()} package, {self.month_name}",
        )

    def filled(self, key: str) -> bool:
        """Whether a narrative section has something to print (else it is left out)."""
        return not blank(self.review.text(key))

    def block(self, key: str, title: str | None = None) -> list[Flowable]:
        """A subsection with the CSM's words, or nothing at all when they wrote none."""
        if not self.filled(key):
            return []
        return [
            *self.subsection(title or SECTION_BY_KEY[key].title),
            *self.text_block(self.review.text(key), empty=""),
        ]


class ReviewReport(ClientMonthReport):
    """One client's monthly review."""

    report_title = "Monthly optimisation review"
    subject = "Monthly review"

    def text(self, key: str) -> str:
        return self.review.text(key)

    # --- sections ----------------------------------------------------------------------

    def _title_block(self) -> list[Flowable]:
        c = self.facts.client
        return [
            self.para(self.report_title, "title"),
            self.para(f"{c.name} — {self.month_name}", "subtitle"),
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
                        self.month_name,
                        self.para("Prepared", "label"),
                        fmt.day(self.today),
                    ],
                ],
                (0.16, 0.34, 0.16, 0.34),
            ),
        ]

    def _executive_summary(self) -> list[Flowable]:
        ev = self.facts.evaluation
        trend = TREND_WORDS.get(ev.trend, "—")
        out = self.section("Executive summary")
        out.append(
            self.figure_boxes(
                [
                    ("Performance rating", fmt.rating(ev.rating), ""),
                    ("Trend vs last month", trend, ""),
                    ("Status", self.status_mark(ev.status, "big"), ev.status),
                ]
            )
        )
        out.append(Spacer(1, 3 * mm))
        pairs: list[tuple[str, Cell]] = []
        for key in (
            "key_achievement",
            "primary_focus",
            "expansion_readiness",
            "referral_potential",
        ):
            if self.filled(key):
                pairs.append((SECTION_BY_KEY[key].title, self.text(key).strip()))
        reasons = wording.reason_sentences(ev)
        if reasons:
            pairs.append(("Why this status", "\n".join(reasons)))
        else:
            pairs.append(("Why this status", wording.no_reason_sentence(ev)))
        out.append(self.key_values(pairs))
        return out

    def _kpi_rows(
        self, kpis: tuple[Kpi, ...]
    ) -> tuple[list[list[Cell]], list[tuple[int, int, str]]]:
        rows: list[list[Cell]] = []
        tints = []
        for i, k in enumerate(kpis):
            target = "tracked" if k.target is None else fmt_value(k.target, k.unit, k.metric)
            rows.append(
                [
                    k.label,
                    fmt_value(k.value, k.unit, k.metric),
                    target,
                    variance_text(k),
                    fmt_value(k.previous, k.unit, k.metric),
                    self.band_mark(k.mark),
                ]
            )
            if k.band in ("green", "yellow", "red"):
                tints.append((5, i, k.band))
        return rows, tints

    def _performance(self) -> list[Flowable]:
        out = self.section("Performance metrics")
        bands = self.facts.evaluation.bands
        yellow = fmt.percent(float(bands.get("shortfall_yellow", 0.10)), 0)
        red = fmt.percent(float(bands.get("shortfall_red", 0.20)), 0)
        out.append(
            self.para(
                "Each figure is the month's value against the client's target. Status: on "
                f"target (at or above it), within tolerance (below it by less than {yellow}), "
                f"watch ({yellow} to {red} short), off target (more than {red} short).",
                "note",
            )
        )
        header = ["Metric", "This month", "Target", "vs target", "Last month", "Status"]
        widths = (0.29, 0.14, 0.14, 0.11, 0.14, 0.18)
        roi = self.facts.roi
        for title, kpis in self.facts.groups:
            if not kpis:
                continue  # the package has no figures of this group: nothing to say
            out += self.subsection(title)
            rows, tints = self._kpi_rows(kpis)
            out.append(self.table(header, rows, widths, right=(1, 2, 3, 4), tints=tints))
            if title == "Business impact" and roi is not None:
                cur = roi.current
                out.append(Spacer(1, 2 * mm))
                out.append(
                    self.table(
                        ["In money this month", "Value", "How"],
                        [
                            [
                                "Time saved",
                                fmt.money(cur.time_savings_value),
                                f"{fmt.hours(cur.hours_saved)} × {fmt.money(roi.hourly_rate)} an hour",
                            ],
                            [
                                "Errors prevented",
                                fmt.money(cur.error_prevention_value),
                                f"{fmt.number(cur.errors_prevented)} × {fmt.money(roi.cost_per_error)} an error",
                            ],
                            [
                                "Revenue attributed",
                                fmt.money(cur.revenue_attribution),
                                "weighted direct, assisted and influenced revenue",
                            ],
                            [
                                "Value created",
                                fmt.money(cur.value),
                                f"investment {fmt.money(cur.investment)} (fee and system costs); monthly ROI {fmt.percent(cur.roi)}",
                            ],
                        ],
                        (0.3, 0.18, 0.52),
                        right=(1,),
                    )
                )
        return out

    def _analysis(self) -> list[Flowable]:
        body: list[Flowable] = []
        for key in ("wins", "improvements", "optimisations"):
            body += self.block(key)
        return self.section("Detailed performance analysis") + body if body else []

    def _feedback(self) -> list[Flowable]:
        body: list[Flowable] = []
        quote = wording.unquote(self.text("client_quote"))
        if quote:
            body += self.subsection("Direct feedback")
            body.append(self.rich(f"“{markup(quote)}”", "quote"))
        body += self.block("support_interactions")
        rows: list[list[Cell]] = [
            [r.request, (r.feasibility or "not assessed").capitalize(), r.note]
            for r in self.review.requests
            if r.request.strip()
        ]
        if rows:
            body += self.subsection("Feature requests")
            body.append(
                self.table(
                    ["Request", "Feasibility", "Timeline or alternative"], rows, (0.5, 0.14, 0.36)
                )
            )
        return self.section("Client feedback") + body if body else []

    def _strategy(self) -> list[Flowable]:
        body: list[Flowable] = []
        body += self.block("primary_focus", "Next month's primary focus")
        body += self.block("recommendations", "Proposed optimisations")
        body += self.block("expansion")
        body += self.block("risks")
        return self.section("Strategic recommendations") + body if body else []

    def _actions(self) -> list[Flowable]:
        rows: list[list[Cell]] = []
        for a in self.review.actions:
            if not a.task.strip():
                continue
            due = fmt.day(a.due) if a.due else "—"
            if a.due and not a.done and a.due < self.today:
                due += " (overdue)"
            rows.append(["☑ done" if a.done else "☐ open", a.task, a.owner or "—", due])
        if not rows:
            return []
        out = self.section("Action items and next steps")
        out.append(self.table(["", "Task", "Owner", "Due"], rows, (0.11, 0.55, 0.16, 0.18)))
        return out

    def _appendix(self) -> list[Flowable]:
        f = self.facts
        out = self.section("Appendix")
        if f.trend:
            out += self.subsection("Monthly metrics trend")
            out.append(trend_panels(f.trend, width=self.frame_width(), branding=self.branding))
            rows: list[list[Cell]] = [
                [s.label, *[fmt_value(v, s.unit, s.metric) for v in s.values]] for s in f.trend
            ]
            months = [fmt.month_short(parse_month(m)) for m in f.trend[0].months]
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
        out += self.block("communication_log")
        if f.incidents or self.filled("technical_notes"):
            out += self.subsection("Technical performance details")
        if f.incidents:
            rows = [
                [
                    wording.incident_title(i.title),
                    i.severity.capitalize(),
                    fmt.moment(i.opened_at),
                    fmt.moment(i.resolved_at) if i.resolved_at else "not yet",
                ]
                for i in f.incidents
            ]
            out.append(
                self.table(
                    ["Incident", "Severity", "Opened (UTC)", "Resolved (UTC)"],
                    rows,
                    (0.4, 0.12, 0.24, 0.24),
                )
            )
            out.append(Spacer(1, 2 * mm))
        if self.filled("technical_notes"):
            out += self.text_block(self.text("technical_notes"), empty="")
        out += self.subsection("Next review")
        out.append(
            self.key_values(
                [
                    ("Next review scheduled", fmt.day(f.next_review)),
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
