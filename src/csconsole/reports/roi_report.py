"""The monthly ROI PDF, in the order of seed 002's Monthly ROI Report Template: executive
summary, quantified benefits, cumulative impact and payback, the ROI trend by month and
next month's recommendations. Every figure is :func:`csconsole.roi.client_roi`'s, with
the rule that makes it printed beside it."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from csconsole import formatting as fmt
from csconsole.health.rules import fmt_value
from csconsole.reports.charts import Line_, line_chart
from csconsole.reports.review import ClientMonthReport
from csconsole.roi import PROJECTION_MONTHS, RoiMonth
from csconsole.rollup import parse_month

#: Months of the trend table and chart.
TREND_MONTHS = 12
#: Efficiency figures shown under "Efficiency gains" when the client has them.
EFFICIENCY_METRICS = (
    "error_reduction",
    "cross_department_efficiency",
    "process_efficiency_rating",
    "automation_success_rate",
)
REVENUE_LABELS = {
    "revenue_direct": "Direct attribution",
    "revenue_assisted": "Assisted attribution",
    "revenue_influenced": "Influenced",
}


def trend_direction(trend: tuple[RoiMonth, ...]) -> str:
    """Increasing, stable or optimisation needed: the last three months' mean monthly ROI
    against the three before (within 5 points is stable)."""
    rois = [m.roi for m in trend if m.roi is not None]
    if len(rois) < 2:
        return "Not enough months yet"
    recent = rois[-3:]
    before = rois[-6:-3] or rois[:1]
    change = sum(recent) / len(recent) - sum(before) / len(before)
    if change > 0.05:
        return "Increasing"
    if change < -0.05:
        return "Optimisation needed"
    return "Stable"


class RoiPdfReport(ClientMonthReport):
    """One client's monthly ROI report."""

    report_title = "ROI performance report"
    subject = "ROI"

    def _get_story(self) -> list[Flowable]:
        f = self.facts
        c = f.client
        out: list[Flowable] = [
            self.para(self.report_title, "title"),
            self.para(f"{c.name} — {self.month_name}", "subtitle"),
            self.table(
                None,
                [
                    [
                        self.para("Client", "label"),
                        c.name,
                        self.para("Package", "label"),
                        f"{c.tier.capitalize()} ({fmt.money(c.package_value)} a month)",
                    ],
                    [
                        self.para("Month", "label"),
                        self.month_name,
                        self.para("CSM", "label"),
                        c.csm,
                    ],
                ],
                (0.16, 0.34, 0.16, 0.34),
            ),
        ]
        roi = f.roi
        if roi is None:
            out += self.section("Executive summary")
            out.append(
                self.para("No ROI figures: the cache has no samples for this client yet.", "empty")
            )
            return out
        cur = roi.current
        projection = roi.projected_annual_return
        out += self.section("Executive summary")
        out.append(
            self.figure_boxes(
                [
                    ("Value created this month", fmt.money(cur.value), ""),
                    ("Year-to-date ROI", fmt.percent(roi.ytd_roi), ""),
                    (
                        "Projected annual return",
                        "—" if projection is None else fmt.money(projection),
                        "",
                    ),
                ]
            )
        )
        out.append(
            self.para(
                "ROI = (value − investment) / investment, where the investment is the monthly "
                "fee plus the month's system costs (and the setup fee in the first month). "
                "Year to date: the same over this calendar year's months. Projected annual "
                f"return: the mean net value (value − investment) of the last {PROJECTION_MONTHS} "
                "complete months × 12, leaving out the one-time setup fee.",
                "note",
            )
        )

        out += self.section("Quantified benefits this month")
        out += self.subsection("Time savings")
        out.append(
            self.table(
                ["Figure", "This month", "How"],
                [
                    [
                        "Hours saved",
                        fmt.hours(cur.hours_saved),
                        "weekly hours saved, summed over the weeks starting this month",
                    ],
                    [
                        "Labour cost equivalent",
                        fmt.money(cur.time_savings_value),
                        f"hours × {fmt.money(roi.hourly_rate)} an hour",
                    ],
                ],
                (0.3, 0.2, 0.5),
                right=(1,),
            )
        )
        out += self.subsection("Error prevention")
        out.append(
            self.table(
                ["Figure", "This month", "How"],
                [
                    [
                        "Errors prevented",
                        fmt.number(cur.errors_prevented),
                        "the month's errors-prevented samples, summed",
                    ],
                    [
                        "Cost avoided",
                        fmt.money(cur.error_prevention_value),
                        f"errors × {fmt.money(roi.cost_per_error)} an error",
                    ],
                ],
                (0.3, 0.2, 0.5),
                right=(1,),
            )
        )
        rows = []
        for key in EFFICIENCY_METRICS:
            k = f.kpi(key)
            if k is not None and k.value is not None:
                target = (
                    "tracked"
                    if k.target is None
                    else f"target {fmt_value(k.target, k.unit, k.metric)}"
                )
                rows.append([k.label, fmt_value(k.value, k.unit, k.metric), target])
        if rows:  # else this package tracks none: the subsection is left out
            out += self.subsection("Efficiency gains")
            out.append(
                self.table(["Figure", "This month", "Against"], rows, (0.3, 0.2, 0.5), right=(1,))
            )
        out += self.subsection("Revenue impact")
        rows = [
            [
                REVENUE_LABELS.get(m, m),
                fmt.money(cur.revenue.get(m, 0.0)),
                f"× {fmt.percent(w, 0)} = {fmt.money(cur.revenue.get(m, 0.0) * w)}",
            ]
            for m, w in roi.weights.items()
        ]
        rows.append(
            ["Revenue attributed", fmt.money(cur.revenue_attribution), "sum of the weighted lines"]
        )
        out.append(
            self.table(["Revenue", "This month", "Weighted"], rows, (0.3, 0.2, 0.5), right=(1,))
        )

        out += self.section("Cumulative impact since implementation")
        if roi.payback_months is not None:
            reached = fmt.month(parse_month(roi.payback_month)) if roi.payback_month else ""
            payback = f"month {roi.payback_months} after start"
            payback += f" ({reached})" if reached else ""
        else:
            payback = "not reached yet"
        fees = sum(m.fee + m.setup_fee for m in roi.trend)
        costs = sum(m.system_costs for m in roi.trend)
        out.append(
            self.key_values(
                [
                    ("Since", fmt.month(parse_month(roi.trend[0].month))),
                    ("Total value created", fmt.money(cur.cumulative_value)),
                    (
                        "Total investment",
                        f"{fmt.money(cur.cumulative_investment)} (fees {fmt.money(fees)} + system costs {fmt.money(costs)})",
                    ),
                    ("Current ROI", fmt.percent(cur.cumulative_roi)),
                    ("Payback", f"{payback}; target: month {roi.payback_target_months}"),
                ]
            )
        )

        out += self.section("Trending analysis")
        months = roi.trend[-TREND_MONTHS:]
        chart = line_chart(
            width=self.frame_width(),
            height=150,
            labels=[fmt.month_short(parse_month(m.month)) for m in months],
            lines=[
                Line_(
                    "Monthly ROI",
                    [None if m.roi is None else m.roi * 100 for m in months],
                    self.branding.colour("accent"),
                ),
                Line_(
                    "Cumulative ROI",
                    [None if m.cumulative_roi is None else m.cumulative_roi * 100 for m in months],
                    self.branding.colour("primary"),
                    dashed=True,
                ),
            ],
            branding=self.branding,
            title="ROI by month (%)",
            value_text=lambda v: fmt.percent(v, 0, points=True),
            reference=0.0,
            reference_label="break-even",
            legend=True,
        )
        out.append(chart)
        out.append(Spacer(1, 2 * mm))
        out.append(
            self.table(
                ["Month", "Value", "Investment", "Monthly ROI", "Cumulative ROI"],
                [
                    [
                        fmt.month_short(parse_month(m.month)),
                        fmt.money(m.value),
                        fmt.money(m.investment),
                        fmt.percent(m.roi),
                        fmt.percent(m.cumulative_roi),
                    ]
                    for m in months
                ],
                (0.2, 0.2, 0.2, 0.2, 0.2),
                right=(1, 2, 3, 4),
            )
        )
        out.append(Spacer(1, 2 * mm))
        out.append(self.key_values([("Trend direction", trend_direction(roi.trend))]))

        if self.filled("roi_recommendations"):
            out += self.section("Recommendations for next month")
            out += self.text_block(self.review.text("roi_recommendations"), empty="")
        return out


__all__ = ["RoiPdfReport", "trend_direction"]
