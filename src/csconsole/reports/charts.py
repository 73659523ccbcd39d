"""Vector charts for the reports (reportlab.graphics): the three-month metric trend as
small multiples and the ROI trend. Drawn from shapes so they stay sharp when zoomed and
their labels stay text."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

from reportlab.graphics.shapes import Circle, Drawing, Group, Line, PolyLine, Rect, String
from reportlab.lib import colors

from csconsole import formatting as fmt
from csconsole.reports.branding import Branding
from csconsole.reports.fonts import BOLD, REGULAR, clean, plain_font_for
from csconsole.review_facts import TrendSeries
from csconsole.rollup import parse_month


@dataclass(frozen=True)
class Line_:
    name: str
    values: Sequence[float | None]
    colour: str
    dashed: bool = False


def _nice_range(values: Sequence[float]) -> tuple[float, float]:
    low, high = min(values), max(values)
    if high == low:
        pad = abs(high) * 0.05 or 1.0
        return low - pad, high + pad
    pad = (high - low) * 0.18
    return low - pad, high + pad


def _label(
    text: str,
    x: float,
    y: float,
    *,
    size: float,
    colour: str,
    anchor: str = "start",
    bold: bool = False,
    max_width: float | None = None,
) -> String:
    text = clean(text).replace("\n", " ")
    font = BOLD if bold else REGULAR
    fallback = plain_font_for(text)
    font = fallback if fallback != REGULAR else font
    if max_width is not None:
        text, size = fit_text(text, max_width, font=font, size=size)
    return String(
        x,
        y,
        text,
        fontName=font,
        fontSize=size,
        fillColor=colors.HexColor(colour),
        textAnchor=anchor,
    )


#: The smallest size a label shrinks to before it is shortened with "…".
MIN_LABEL_SIZE = 6.0


def fit_text(text: str, width: float, *, font: str, size: float) -> tuple[str, float]:
    """``text`` and a font size that fit in ``width`` points: the size shrinks down to
    :data:`MIN_LABEL_SIZE`, then the text is cut at a word (or a character) with "…"."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    while size > MIN_LABEL_SIZE and stringWidth(text, font, size) > width:
        size = max(MIN_LABEL_SIZE, size - 0.5)
    if stringWidth(text, font, size) <= width:
        return text, size
    words = text.split(" ")
    while len(words) > 1 and stringWidth(" ".join(words) + "…", font, size) > width:
        words.pop()
    short = " ".join(words)
    while short and stringWidth(short + "…", font, size) > width:
        short = short[:-1]
    return short.rstrip(" ,;:(") + "…", size


def line_chart(
    *,
    width: float,
    height: float,
    labels: Sequence[str],
    lines: Sequence[Line_],
    branding: Branding,
    title: str = "",
    value_text: Callable[[float], str] = lambda v: f"{v:,.0f}",
    reference: float | None = None,
    reference_label: str = "",
    show_values: bool = True,
    legend: bool = False,
) -> Drawing:
    """Points joined by lines over ``labels``, an optional dashed reference (a target, or 0),
    value labels at the points and month labels below."""
    d = Drawing(width, height)
    muted, rule = branding.colour("muted"), branding.colour("rule")
    top_pad = 16 if title else 6
    bottom_pad = 14 + (12 if legend else 0)
    left, right = 6, 6
    plot_h = height - top_pad - bottom_pad
    plot_w = width - left - right
    if title:
        d.add(
            _label(
                title,
                0,
                height - 10,
                size=8,
                colour=branding.colour("primary"),
                bold=True,
                max_width=width,
            )
        )
    d.add(
        Rect(
            left,
            bottom_pad,
            plot_w,
            plot_h,
            strokeColor=colors.HexColor(rule),
            strokeWidth=0.5,
            fillColor=None,
        )
    )
    known = [v for line in lines for v in line.values if v is not None]
    if reference is not None:
        known.append(reference)
    if not known:
        d.add(
            _label(
                "no data", width / 2, bottom_pad + plot_h / 2, size=8, colour=muted, anchor="middle"
            )
        )
        return d
    low, high = _nice_range(known)
    n = max(len(labels), 1)
    step = plot_w / n

    def x_at(i: int) -> float:
        return left + step * (i + 0.5)

    def y_at(v: float) -> float:
        return bottom_pad + (v - low) / (high - low) * plot_h

    every = max(1, round(n / 8))
    for i, label in enumerate(labels):
        if i % every == (n - 1) % every:
            d.add(_label(label, x_at(i), bottom_pad - 10, size=6.5, colour=muted, anchor="middle"))
    if reference is not None:
        y = y_at(reference)
        d.add(
            Line(
                left,
                y,
                left + plot_w,
                y,
                strokeColor=colors.HexColor(muted),
                strokeWidth=0.7,
                strokeDashArray=[3, 2],
            )
        )
        if reference_label:
            d.add(
                _label(
                    reference_label, left + plot_w - 2, y + 2, size=6, colour=muted, anchor="end"
                )
            )
    for line in lines:
        colour = colors.HexColor(line.colour)
        points = [(x_at(i), y_at(v)) for i, v in enumerate(line.values) if v is not None]
        if len(points) > 1:
            flat = [c for p in points for c in p]
            d.add(
                PolyLine(
                    flat,
                    strokeColor=colour,
                    strokeWidth=1.4,
                    strokeDashArray=[4, 2] if line.dashed else None,
                )
            )
        for i, v in enumerate(line.values):
            if v is None:
                continue
            d.add(Circle(x_at(i), y_at(v), 2, fillColor=colour, strokeColor=colour))
            if show_values and (n <= 6 or i == n - 1):
                d.add(
                    _label(
                        value_text(v),
                        x_at(i),
                        y_at(v) + 4,
                        size=6.5,
                        colour=branding.colour("text"),
                        anchor="middle",
                    )
                )
    if legend:
        x = float(left)
        for line in lines:
            d.add(
                Line(
                    x,
                    4,
                    x + 12,
                    4,
                    strokeColor=colors.HexColor(line.colour),
                    strokeWidth=1.4,
                    strokeDashArray=[4, 2] if line.dashed else None,
                )
            )
            d.add(_label(line.name, x + 15, 1.5, size=7, colour=branding.colour("text")))
            x += 20 + len(line.name) * 4.2
    return d


def _point_label(value: float, *, unit: str, metric: str) -> str:
    """A point's label in a trend panel: its number (with % or $), the title names it."""
    if unit in ("%", "$"):
        return fmt.figure(value, unit, metric=metric)
    return fmt.number(value, fmt.decimals_for(unit, metric))


def trend_panels(series: Sequence[TrendSeries], *, width: float, branding: Branding) -> Drawing:
    """The three-month trend: one small chart per headline metric, side by side, each with
    its target as a dashed line."""
    count = max(len(series), 1)
    gap = 8
    panel_w = (width - gap * (count - 1)) / count
    height = 120
    d = Drawing(width, height)
    for i, s in enumerate(series):
        values = list(s.values)
        good = branding.colour("accent")
        panel = line_chart(
            width=panel_w,
            height=height,
            labels=[fmt.month_short(parse_month(m)) for m in s.months],
            lines=[Line_(s.label, values, good)],
            branding=branding,
            title=s.label,
            value_text=partial(_point_label, unit=s.unit, metric=s.metric),
            reference=s.target,
            reference_label="target" if s.target is not None else "",
        )
        group = Group(*panel.contents)
        group.translate(i * (panel_w + gap), 0)
        d.add(group)
    return d


__all__ = ["Line_", "line_chart", "trend_panels"]
