"""Render resources/icons/csconsole.svg to the PNG and ICO files the installers use.

Run after changing the SVG: ``.venv/bin/python installers/make_icons.py``. The results are
committed, so building a bundle needs no image tools.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ICONS = Path(__file__).resolve().parents[1] / "resources" / "icons"


def render(renderer: QSvgRenderer, size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    return image


def main() -> int:
    _app = QGuiApplication(sys.argv)
    renderer = QSvgRenderer(str(ICONS / "csconsole.svg"))
    if not renderer.isValid():
        print("the SVG icon cannot be read", file=sys.stderr)
        return 1
    for size in (16, 32, 48, 64, 128, 256, 512):
        render(renderer, size).save(str(ICONS / f"csconsole-{size}.png"))
    render(renderer, 256).save(str(ICONS / "csconsole.png"))
    if not render(renderer, 256).save(str(ICONS / "csconsole.ico")):
        print("this Qt has no ICO writer; csconsole.ico not made", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
