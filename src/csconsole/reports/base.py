"""The renderer every PDF report derives from: page, margins, fonts and styles in one
place, the branded first-page and running headers, "page x of y", metadata, and the
building blocks (sections, text blocks, tables, status marks) the reports share.

A report subclass sets :attr:`ReportRenderer.report_title` and writes
:meth:`ReportRenderer._get_story`; everything that decides the look is here or in the
branding file. User text always goes through :func:`csconsole.reports.fonts.markup`.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO, TypeAlias

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from csconsole import clock
from csconsole import formatting as fmt
from csconsole.reports.branding import Branding, load_branding
from csconsole.reports.fonts import BOLD, REGULAR, markup, register_fonts

Cell: TypeAlias = str | Flowable

STATUS_WORDS = {"green": "GREEN", "yellow": "YELLOW", "red": "RED"}
BAND_WORDS = {
    "green": "on target",
    "met": "on target",
    "tolerance": "within tolerance",
    "yellow": "watch",
    "red": "off target",
    "no data": "no data",
    "tracked": "tracked",
}
TREND_WORDS = {
    "up": "↑ improving",
    "down": "↓ declining",
    "steady": "→ steady",
    "new": "→ first month",
    None: "—",
}


def _numbered_canvas(renderer: ReportRenderer) -> type[Canvas]:
    """A canvas that holds every page until the end, then stamps "Page x of y" on each."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._saved: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._saved.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._saved)
            for state in self._saved:
                self.__dict__.update(state)
                renderer._draw_page_number(self, self._pageNumber, total)
                super().showPage()
            super().save()

    return NumberedCanvas


class ReportRenderer:
    """Base class of the PDF reports (one subclass per report)."""

    pagesize = A4
    left_margin = 18 * mm
    right_margin = 18 * mm
    top_margin = 26 * mm  # room for the running header
    bottom_margin = 18 * mm  # room for the footer
    first_page_top = 40 * mm  # the first page's taller, branded header
    font = REGULAR
    font_bold = BOLD
    base_size = 9.5
    report_title = "Report"

    def __init__(self, *, branding: Branding | None = None, today: date | None = None) -> None:
        register_fonts()
        self.branding = branding or load_branding()
        self.today = today or clock.today()
        self.styles = self._get_stylesheet()
        self.pages = 0

    # --- what a subclass provides -----------------------------------------------------

    def header_line(self) -> str:
        """The running header's right-hand side (client, month, package)."""
        return ""

    def metadata(self) -> tuple[str, str, str]:
        """(title, author, subject) of the document."""
        return (self.report_title, "", "")

    def _get_story(self) -> list[Flowable]:
        raise NotImplementedError

    # --- styles ---------------------------------------------------------------------

    def colour(self, name: str) -> colors.Color:
        return colors.HexColor(self.branding.colour(name))

    def _get_stylesheet(self) -> dict[str, ParagraphStyle]:
        """Every paragraph style of the reports, derived from one base with ``parent=``."""
        text = self.colour("text")
        base = ParagraphStyle(
            "base",
            fontName=self.font,
            fontSize=self.base_size,
            leading=self.base_size * 1.35,
            textColor=text,
            alignment=TA_LEFT,
            splitLongWords=True,
        )
        styles = {"base": base}

        def add(name: str, **kw: Any) -> None:
            parent = styles[kw.pop("parent", "base")]
            styles[name] = ParagraphStyle(name, parent=parent, **kw)

        add("body")
        add(
            "title",
            fontName=self.font_bold,
            fontSize=20,
            leading=24,
            textColor=self.colour("primary"),
            spaceAfter=2 * mm,
        )
        add(
            "subtitle", fontSize=10.5, leading=14, textColor=self.colour("muted"), spaceAfter=4 * mm
        )
        add(
            "h1",
            fontName=self.font_bold,
            fontSize=13.5,
            leading=17,
            textColor=self.colour("primary"),
            spaceBefore=6 * mm,
            spaceAfter=2.5 * mm,
        )
        add(
            "h2",
            fontName=self.font_bold,
            fontSize=10.5,
            leading=14,
            textColor=self.colour("primary"),
            spaceBefore=3.5 * mm,
            spaceAfter=1.5 * mm,
        )
        add("cell", fontSize=8.8, leading=11.5)
        add("cell_bold", parent="cell", fontName=self.font_bold)
        add("cell_right", parent="cell", alignment=TA_RIGHT)
        add("th", parent="cell", fontName=self.font_bold, textColor=colors.white)
        add("th_right", parent="th", alignment=TA_RIGHT)
        add("label", parent="cell", textColor=self.colour("muted"))
        add("big", fontName=self.font_bold, fontSize=15, leading=19)
        add("empty", textColor=self.colour("muted"), fontSize=9)
        add("note", fontSize=8, leading=10.5, textColor=self.colour("muted"), spaceBefore=1.5 * mm)
        add(
            "quote",
            fontSize=10.5,
            leading=14.5,
            leftIndent=6 * mm,
            rightIndent=6 * mm,
            textColor=self.colour("primary"),
        )
        add("footer", fontSize=7.5, leading=9, textColor=self.colour("muted"))
        return styles

    # --- building blocks --------------------------------------------------------------

    def para(self, text: str, style: str = "body") -> Paragraph:
        """A paragraph of plain text (user or data), printed exactly as given."""
        return Paragraph(markup(text), self.styles[style])

    def rich(self, source: str, style: str = "body") -> Paragraph:
        """A paragraph of trusted markup whose variable parts went through ``markup``."""
        return Paragraph(source, self.styles[style])

    def section(self, title: str) -> list[Flowable]:
        """A section heading that is never left alone at the bottom of a page."""
        return [CondPageBreak(30 * mm), self.para(title, "h1")]

    def subsection(self, title: str) -> list[Flowable]:
        return [CondPageBreak(18 * mm), self.para(title, "h2")]

    def text_block(self, text: str, *, empty: str) -> list[Flowable]:
        """The CSM's words, one paragraph per line so long notes flow across pages; an
        empty text prints ``empty`` instead of leaving a hole."""
        lines = [line for line in text.replace("\r\n", "\n").split("\n")]
        while lines and not lines[-1].strip():
            lines.pop()
        while lines and not lines[0].strip():
            lines.pop(0)
        if not lines:
            return [self.para(empty, "empty")]
        out: list[Flowable] = []
        for line in lines:
            out.append(self.para(line) if line.strip() else Spacer(1, 2 * mm))
        return out

    def status_mark(self, status: str, style: str = "cell_bold") -> Paragraph:
        """A status by colour and by word: a coloured dot and the word in that colour."""
        colour = self.branding.colours.get(status)
        word = STATUS_WORDS.get(status) or BAND_WORDS.get(status, status)
        if colour is None:
            return Paragraph(markup(word), self.styles["label"])
        return Paragraph(f'<font color="{colour}">● {markup(word)}</font>', self.styles[style])

    def band_mark(self, band: str) -> Paragraph:
        """A KPI's band: colour, dot and a word (on target / watch / off target)."""
        colour = self.branding.colours.get("green" if band in ("met", "tolerance") else band)
        word = BAND_WORDS.get(band, band)
        if colour is None:
            return Paragraph(markup(word), self.styles["label"])
        return Paragraph(f'<font color="{colour}">● {markup(word)}</font>', self.styles["cell"])

    def _cell(self, value: Cell, style: str) -> Flowable:
        return value if isinstance(value, Flowable) else self.para(value, style)

    def table(
        self,
        header: Sequence[str] | None,
        rows: Sequence[Sequence[Cell]],
        widths: Sequence[float],
        *,
        right: Sequence[int] = (),
        empty: str = "",
        tints: Sequence[tuple[int, int, str]] = (),
    ) -> Flowable:
        """A table whose every cell is a Paragraph (text wraps; a tall row splits across
        pages) and whose header row repeats on each page. ``widths`` are fractions of the
        frame's width; ``right`` lists right-aligned columns; ``tints`` colours cells
        lightly by status as (column, row, status)."""
        if not rows and empty:
            return self.para(empty, "empty")
        frame = self.frame_width()
        col_widths = [frame * w for w in widths]
        data: list[list[Flowable]] = []
        if header:
            data.append(
                [self.para(h, "th_right" if i in right else "th") for i, h in enumerate(header)]
            )
        for row in rows:
            data.append(
                [self._cell(v, "cell_right" if i in right else "cell") for i, v in enumerate(row)]
            )
        first = 1 if header else 0
        rules: list[tuple[Any, ...]] = [
            # Cells align to the top so wrapped text in a neighbour cell reads naturally.
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            # Comfortable padding inside every cell.
            ("TOPPADDING", (0, 0), (-1, -1), 3),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ("LEFTPADDING", (0, 0), (-1, -1), 4),
            ("RIGHTPADDING", (0, 0), (-1, -1), 4),
            # A hairline under every row separates records without a heavy grid.
            ("LINEBELOW", (0, first), (-1, -1), 0.4, self.colour("rule")),
            # Every other body row is striped so long tables stay readable.
            ("ROWBACKGROUNDS", (0, first), (-1, -1), [colors.white, self.colour("stripe")]),
        ]
        if header:
            # The header row: white bold text on the brand colour (repeated on each page).
            rules.append(("BACKGROUND", (0, 0), (-1, 0), self.colour("primary")))
        for col, row_index, status in tints:
            colour = self.branding.colours.get(status)
            if colour:
                # A status cell is tinted with its colour, so the status shows at a glance.
                tint = colors.HexColor(colour)
                light = colors.Color(
                    tint.red + (1 - tint.red) * 0.85,
                    tint.green + (1 - tint.green) * 0.85,
                    tint.blue + (1 - tint.blue) * 0.85,
                )
                rules.append(
                    ("BACKGROUND", (col, row_index + first), (col, row_index + first), light)
                )
        return Table(
            data,
            colWidths=col_widths,
            repeatRows=first,
            splitInRow=1,
            style=TableStyle(rules),
            hAlign="LEFT",
        )

    def key_values(
        self, pairs: Sequence[tuple[str, Cell]], widths: tuple[float, float] = (0.28, 0.72)
    ) -> Flowable:
        """Label–value lines (no header), e.g. the executive summary."""
        frame = self.frame_width()
        data = [[self.para(k, "label"), self._cell(v, "cell")] for k, v in pairs]
        return Table(
            data,
            colWidths=[frame * widths[0], frame * widths[1]],
            splitInRow=1,
            style=TableStyle(
                [
                    # Labels and values start on the same top line.
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    # Tight vertical rhythm; these are lines of a summary, not a grid.
                    ("TOPPADDING", (0, 0), (-1, -1), 2),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    # A hairline under each line.
                    ("LINEBELOW", (0, 0), (-1, -1), 0.3, self.colour("rule")),
                ]
            ),
            hAlign="LEFT",
        )

    def figure_boxes(self, boxes: Sequence[tuple[str, Cell, str]]) -> Flowable:
        """A row of headline boxes: (label, big value, status for the tint or "")."""
        frame = self.frame_width()
        width = frame / len(boxes)
        top = [self.para(label, "label") for label, _, _ in boxes]
        values = [self._cell(value, "big") for _, value, _ in boxes]
        rules: list[tuple[Any, ...]] = [
            # Each box is outlined in the rule colour.
            ("BOX", (0, 0), (-1, -1), 0.6, self.colour("rule")),
            ("INNERGRID", (0, 0), (-1, -1), 0.6, self.colour("rule")),
            # Labels sit close above their figure; no line between them.
            ("LINEBELOW", (0, 0), (-1, 0), 0, colors.white),
            ("TOPPADDING", (0, 0), (-1, -1), 4),
            ("BOTTOMPADDING", (0, 1), (-1, 1), 6),
            ("LEFTPADDING", (0, 0), (-1, -1), 6),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
        for i, (_, _, status) in enumerate(boxes):
            colour = self.branding.colours.get(status)
            if colour:
                # A box whose figure is a status gets a thick bar in its colour on the left.
                rules.append(("LINEBEFORE", (i, 0), (i, 1), 4, colors.HexColor(colour)))
        return KeepTogether(
            Table(
                [top, values],
                colWidths=[width] * len(boxes),
                style=TableStyle(rules),
                hAlign="LEFT",
            )
        )

    # --- pages -------------------------------------------------------------------------

    def frame_width(self) -> float:
        return float(self.pagesize[0] - self.left_margin - self.right_margin)

    def _draw_header(self, canvas: Canvas, *, first: bool) -> None:
        width, height = self.pagesize
        b = self.branding
        canvas.saveState()
        top = height - 12 * mm
        x = self.left_margin
        if first:
            size = 13 * mm
            if b.logo is not None:
                canvas.drawImage(str(b.logo), x, top - size + 2 * mm, size, size, mask="auto")
                x += size + 3 * mm
            canvas.setFillColor(self.colour("primary"))
            canvas.setFont(self.font_bold, 15)
            canvas.drawString(x, top - 4 * mm, b.company_name)
            if b.tagline:
                canvas.setFont(self.font, 9)
                canvas.setFillColor(self.colour("muted"))
                canvas.drawString(x, top - 9 * mm, b.tagline)
            rule_y = height - self.first_page_top + 6 * mm
        else:
            canvas.setFillColor(self.colour("primary"))
            canvas.setFont(self.font_bold, 9)
            canvas.drawString(x, top - 2 * mm, b.company_name)
            rule_y = top - 4.5 * mm
        line = self.header_line()
        if line:
            para = Paragraph(
                markup(line),
                ParagraphStyle(
                    "hdr",
                    parent=self.styles["footer"],
                    alignment=TA_RIGHT,
                    fontSize=8.5,
                    leading=10,
                ),
            )
            w, _h = para.wrap(width - self.left_margin - self.right_margin - 60 * mm, 20 * mm)
            para.drawOn(canvas, width - self.right_margin - w, rule_y + 1.5 * mm)
        canvas.setStrokeColor(self.colour("primary"))
        canvas.setLineWidth(1.2 if first else 0.6)
        canvas.line(self.left_margin, rule_y, width - self.right_margin, rule_y)
        canvas.restoreState()

    def _draw_page_number(self, canvas: Canvas, page: int, total: int) -> None:
        width, _height = self.pagesize
        canvas.saveState()
        canvas.setFont(self.font, 7.5)
        canvas.setFillColor(self.colour("muted"))
        y = self.bottom_margin - 9 * mm
        canvas.setStrokeColor(self.colour("rule"))
        canvas.setLineWidth(0.4)
        canvas.line(self.left_margin, y + 4 * mm, width - self.right_margin, y + 4 * mm)
        left = (
            f"{self.report_title} · {self.branding.company_name} · prepared {fmt.day(self.today)}"
        )
        canvas.drawString(self.left_margin, y, left)
        canvas.drawRightString(width - self.right_margin, y, f"Page {page} of {total}")
        canvas.restoreState()

    def _doc(self, target: BinaryIO | str) -> BaseDocTemplate:
        width, height = self.pagesize
        title, author, subject = self.metadata()
        doc = BaseDocTemplate(
            target,
            pagesize=self.pagesize,
            leftMargin=self.left_margin,
            rightMargin=self.right_margin,
            topMargin=self.top_margin,
            bottomMargin=self.bottom_margin,
            title=title,
            author=author,
            subject=subject,
            creator=f"csconsole ({self.branding.company_name})",
            keywords=[],
        )
        body_w = width - self.left_margin - self.right_margin

        def body(frame_id: str, top: float) -> Frame:
            """The text area below a header ``top`` points tall, padded by the margins only."""
            return Frame(
                self.left_margin,
                self.bottom_margin,
                body_w,
                height - top - self.bottom_margin,
                id=frame_id,
                leftPadding=0,
                rightPadding=0,
                topPadding=0,
                bottomPadding=0,
            )

        first = body("first", self.first_page_top)
        later = body("later", self.top_margin)
        doc.addPageTemplates(
            [
                PageTemplate(
                    id="first",
                    frames=[first],
                    onPage=lambda c, _d: self._draw_header(c, first=True),
                    autoNextPageTemplate="later",
                ),
                PageTemplate(
                    id="later",
                    frames=[later],
                    onPage=lambda c, _d: self._draw_header(c, first=False),
                ),
            ]
        )
        return doc

    def render_bytes(self) -> bytes:
        """The whole PDF in memory."""
        buffer = io.BytesIO()
        doc = self._doc(buffer)
        doc.build(self._get_story(), canvasmaker=_numbered_canvas(self))
        self.pages = doc.page
        return buffer.getvalue()

    def render(self, path: Path) -> int:
        """Write the PDF to ``path`` (as is: callers that need atomic writes use a temp
        name); returns the page count."""
        data = self.render_bytes()
        path.write_bytes(data)
        return self.pages


__all__ = ["BAND_WORDS", "STATUS_WORDS", "TREND_WORDS", "ReportRenderer"]
