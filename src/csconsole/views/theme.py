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
    QPalette.ColorRole.Button: "#2b2f35",
    QPalette.ColorRole.ButtonText: "#e8eaed",
    QPalette.ColorRole.BrightText: "#ffffff",
    QPalette.ColorRole.Highlight: "#3d7be0",
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

#: Colour of disabled text, per theme.
_DISABLED = {"dark": "#7c828a", "light": "#8a9096"}


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
    app.setStyle("Fusion")
    app.setPalette(_palette(_current))
    return _current


def status_colours(status: str) -> tuple[QColor, QColor]:
    bg, fg = STATUS_COLOURS[_current].get(status, STATUS_COLOURS[_current]["none"])
    return QColor(bg), QColor(fg)


def status_label(status: str) -> str:
    """The chip text: symbol and word, readable without colour."""
    key = status if status in STATUS_WORDS else "none"
    return f"{STATUS_SYMBOLS[key]} {STATUS_WORDS[key]}"
