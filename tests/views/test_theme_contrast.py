"""Both themes pass WCAG AA: 4.5:1 for text, 3:1 for check boxes and the focus indicator.

The ratios are computed from the palette the application actually gets, and a check box
is rendered to see that its outline is drawn in the colour the ratio was computed for.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QCheckBox
from pytestqt.qtbot import QtBot

from csconsole.views.theme import (
    ERROR_TEXT,
    INDICATOR,
    STATUS_COLOURS,
    THEMES,
    apply_theme,
    contrast_ratio,
)

R = QPalette.ColorRole
#: (foreground, background) roles that carry text.
TEXT_PAIRS = [
    (R.Text, R.Base), (R.Text, R.AlternateBase), (R.WindowText, R.Window),
    (R.ButtonText, R.Button), (R.HighlightedText, R.Highlight), (R.ToolTipText, R.ToolTipBase),
    (R.PlaceholderText, R.Base), (R.PlaceholderText, R.Window), (R.Link, R.Base),
    (R.Link, R.Window),
]  # fmt: skip
#: What a control's indicators sit on.
SURFACES = (R.Window, R.Base, R.AlternateBase, R.Button)


@pytest.fixture(params=THEMES)
def theme(request: pytest.FixtureRequest, qapp: QApplication) -> Iterator[str]:
    name = str(request.param)
    apply_theme(qapp, name)
    yield name
    apply_theme(qapp, "light")


def test_theme_text_is_at_least_4_5_to_1(theme: str) -> None:
    palette = QApplication.palette()
    low = {
        f"{fg.name}/{bg.name}": round(contrast_ratio(palette.color(fg), palette.color(bg)), 2)
        for fg, bg in TEXT_PAIRS
        if contrast_ratio(palette.color(fg), palette.color(bg)) < 4.5
    }
    for status, (bg, fg) in STATUS_COLOURS[theme].items():  # chips
        if contrast_ratio(fg, bg) < 4.5:
            low[f"status {status}"] = round(contrast_ratio(fg, bg), 2)
        for surface in (R.Base, R.AlternateBase):  # status-coloured text in table cells
            if contrast_ratio(fg, palette.color(surface)) < 4.5:
                low[f"status {status} text on {surface.name}"] = round(contrast_ratio(fg, palette.color(surface)), 2)  # fmt: skip
    for surface in (R.Window, R.Base):
        if contrast_ratio(ERROR_TEXT[theme], palette.color(surface)) < 4.5:
            low[f"error text on {surface.name}"] = round(contrast_ratio(ERROR_TEXT[theme], palette.color(surface)), 2)  # fmt: skip
    assert low == {}


def test_check_boxes_and_focus_are_at_least_3_to_1(theme: str) -> None:
    palette = QApplication.palette()
    c = INDICATOR[theme]
    ratios = {
        **{
            f"box outline on {s.name}": contrast_ratio(c["border"], palette.color(s))
            for s in SURFACES
        },
        **{
            f"ticked box on {s.name}": contrast_ratio(c["fill"], palette.color(s)) for s in SURFACES
        },
        "tick on ticked box": contrast_ratio(c["tick"], c["fill"]),
        # Fusion draws keyboard focus in the palette's highlight colour.
        **{
            f"focus on {s.name}": contrast_ratio(palette.color(R.Highlight), palette.color(s))
            for s in SURFACES
        },
    }
    assert {k: round(v, 2) for k, v in ratios.items() if v < 3} == {}


def test_a_check_box_is_drawn_in_the_indicator_colours(qtbot: QtBot, theme: str) -> None:
    box = QCheckBox("Overdue review")
    qtbot.addWidget(box)
    box.show()
    colours = {QColor(c).name() for c in (INDICATOR[theme]["border"], INDICATOR[theme]["fill"])}

    def drawn() -> set[str]:
        image = box.grab().toImage()
        return {
            image.pixelColor(x, y).name()
            for x in range(image.width())
            for y in range(image.height())
        }

    assert QColor(INDICATOR[theme]["border"]).name() in drawn()
    box.setChecked(True)
    assert QColor(INDICATOR[theme]["fill"]).name() in drawn()
    assert colours
