"""Cells that a spreadsheet would run as formulas, made inert on the way out.

Excel, LibreOffice and Sheets treat a CSV cell starting with ``=``, ``+``, ``-``
or ``@`` (or a tab or carriage return before one) as a formula, so a client's
text such as ``=HYPERLINK(...)`` would become a live link or worse. Following
OWASP's CSV-injection guidance, every such text cell gets a leading apostrophe,
which spreadsheets show as text; reading our own files back takes it off again.
Numbers are left as they are: ``-5`` is a number, not a formula.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, TextIO

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(value: object) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def neutralise(value: Any) -> Any:
    """``value`` as a CSV cell that no spreadsheet runs."""
    return "'" + value if looks_like_formula(value) else value


def restore(value: str) -> str:
    """The text of a cell written by :func:`neutralise` (others pass unchanged)."""
    return value[1:] if value.startswith("'") and looks_like_formula(value[1:]) else value


class SafeWriter:
    """``csv.writer`` whose cells are neutralised; use it for every CSV the program writes."""

    def __init__(self, fh: TextIO, **options: Any) -> None:
        self._writer = csv.writer(fh, **options)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([neutralise(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)
