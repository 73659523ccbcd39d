"""Light and dark palettes, and the status colours that read on both.

Status is never shown by colour alone: every chip also carries a word and a symbol.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

THEMES = ("light", "dark")

#: (background, text) of the status chip per theme; contrast ≥ 4.5:1 on both.
STATUS_COLOURS = {
    "light": {
        "green": ("#d7f0dc", "#0f5323"),
        "yellow": ("#fbecc0", "#5c4200"),
        "red": ("#f9d3d0", "#7a1410"),
        "none": ("#e4e6ea", "#33373d"),
    },
    "dark": {
        "green": ("#1f4d2b", "#c9f2d3"),
        "yellow": ("#5a4705", "#fcecb3"),
        "red": ("#6b1d18", "#ffd8d4"),
        "none": ("#3a3f46", "#e4e6ea"),
    },
}
STATUS_SYMBOLS = {"green": "●", "yellow": "▲", "red": "■", "none": "○"}
STATUS_WORDS = {"green": "Green", "yellow": "Yellow", "red": "Red", "none": "No data"}


_DARK_ROLES: dict[QPalette.ColorRole, str] = {
    QPalette.ColorRole.Window: "#202327",
    QPalette.ColorRole.WindowText: "#e8eaed",
    QPalette.ColorRole.Base: "#17191c",
    QPalette.ColorRole.AlternateBase: "#24282d",
    QPalette.ColorRole.ToolTipBase: "#2d3238",
    QPalette.ColorRole.ToolTipText: "#e8eaed",
    QPalette.ColorRole.PlaceholderText: "#9aa0a6",
    QPalette.ColorRole.Text: "#e8eaed",
    QPalette.ColorRole.Button: "#262a2f",
    QPalette.ColorRole.ButtonText: "#e8eaed",
    QPalette.ColorRole.BrightText: "#ffffff",
    QPalette.ColorRole.Highlight: "#3370d8",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.Link: "#8ab4f8",
}

_LIGHT_ROLES: dict[QPalette.ColorRole, str] = {
    QPalette.ColorRole.Window: "#f4f5f7",
    QPalette.ColorRole.WindowText: "#1d2125",
    QPalette.ColorRole.Base: "#ffffff",
    QPalette.ColorRole.AlternateBase: "#f0f2f5",
    QPalette.ColorRole.ToolTipBase: "#ffffff",
    QPalette.ColorRole.ToolTipText: "#1d2125",
    QPalette.ColorRole.PlaceholderText: "#6b7178",
    QPalette.ColorRole.Text: "#1d2125",
    QPalette.ColorRole.Button: "#e9ebee",
    QPalette.ColorRole.ButtonText: "#1d2125",
    QPalette.ColorRole.BrightText: "#000000",
    QPalette.ColorRole.Highlight: "#2f6fd6",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.Link: "#1a56b8",
}

#: Colour of disabled text, per theme (WCAG exempts disabled controls from contrast).
_DISABLED = {"dark": "#7c828a", "light": "#8a9096"}

#: Text of a form's error messages, per theme (≥ 4.5:1 on the window and on fields).
ERROR_TEXT = {"light": "#b3261e", "dark": "#ff8a80"}

#: Check boxes, per theme: the box's outline and, when ticked, its fill and the tick.
#: Fusion draws the outline from the window colour, which all but vanishes on the dark
#: window; these are ≥ 3:1 against the window and the fields (WCAG 1.4.11).
INDICATOR = {
    "light": {"border": "#6b7178", "fill": "#2f6fd6", "tick": "#ffffff", "box": "#ffffff"},
    "dark": {"border": "#9aa0a6", "fill": "#3370d8", "tick": "#ffffff", "box": "#17191c"},
}


def contrast_ratio(a: QColor | str, b: QColor | str) -> float:
    """WCAG 2 contrast ratio of two colours (1 to 21)."""

    def luminance(colour: QColor | str) -> float:
        c = QColor(colour)

        def channel(v: float) -> float:
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

        return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF())  # fmt: skip

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _stylesheet(name: str) -> str:
    """Check boxes (in forms and in table cells) drawn in the theme's indicator colours."""
    from csconsole.paths import resources_dir

    c = INDICATOR[name]
    tick = (resources_dir() / "icons" / "check.svg").as_posix()
    return (
        "QCheckBox::indicator, QAbstractItemView::indicator {"
        f" width: 13px; height: 13px; border: 1px solid {c['border']}; border-radius: 3px;"
        f" background: {c['box']}; }}"
        "QCheckBox::indicator:checked, QAbstractItemView::indicator:checked {"
        f" background: {c['fill']}; border-color: {c['fill']}; image: url({tick}); }}"
        "QCheckBox::indicator:disabled, QAbstractItemView::indicator:disabled {"
        f" border-color: {_DISABLED[name]}; }}"
    )


def _palette(name: str) -> QPalette:
    """The application palette of theme ``name``."""
    p = QPalette()
    for role, colour in (_DARK_ROLES if name == "dark" else _LIGHT_ROLES).items():
        p.setColor(role, QColor(colour))
    for role in (
        QPalette.ColorRole.Text,
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.ButtonText,
    ):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor(_DISABLED[name]))
    return p


_current = "light"


def current_theme() -> str:
    return _current


def apply_theme(app: QApplication, name: str) -> str:
    """Switch the whole application to ``name`` (unknown names fall back to light)."""
    global _current
    _current = name if name in THEMES else "light"
    # Setting the same style sheet again costs a restyle of every widget (~75 ms).
    if app.property("csconsoleTheme") == _current:
        return _current
    app.setStyle("Fusion")
    app.setPalette(_palette(_current))
    app.setStyleSheet(_stylesheet(_current))
    app.setProperty("csconsoleTheme", _current)
    return _current


def error_colour() -> QColor:
    return QColor(ERROR_TEXT[_current])


def status_colours(status: str) -> tuple[QColor, QColor]:
    bg, fg = STATUS_COLOURS[_current].get(status, STATUS_COLOURS[_current]["none"])
    return QColor(bg), QColor(fg)


def status_label(status: str) -> str:
    """The chip text: symbol and word, readable without colour."""
    key = status if status in STATUS_WORDS else "none"
    return f"{STATUS_SYMBOLS[key]} {STATUS_WORDS[key]}"
