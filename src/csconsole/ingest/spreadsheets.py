"""Reading a spreadsheet a user gives us, .csv or .xlsx, into rows of cells.

One reader for the tracking-sheet import (:mod:`csconsole.ingest.sheets`) and the opportunity
import (:mod:`csconsole.opportunities.files`), so both refuse a missing, damaged,
password-protected or wrong file with the same words. The file is told by its first
bytes, not only its name: a workbook renamed .csv is still read as a workbook, and a PDF
renamed .csv is named as a PDF. openpyxl is imported only when a workbook is read.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from csconsole.errors import ImportFileError

#: A file past this size is not a spreadsheet anybody typed.
MAX_BYTES = 50 * 1024 * 1024
CSV_SUFFIXES = (".csv", ".tsv", ".txt")
XLSX_SUFFIXES = (".xlsx", ".xlsm")

_MAGIC = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\x7fELF", "a program"),
    (b"MZ", "a program"),
    (b"SQLite format 3\x00", "an SQLite database"),
)
_ZIP = b"PK\x03\x04"
#: A formula element in a worksheet's XML (``<f>``, ``<f t="shared" …/>``, ``<x:f>``).
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_OLE = b"\xd0\xcf\x11\xe0"  # encrypted .xlsx and old .xls files are OLE containers

Cell = Any  # str, int, float, Percent, Uncomputed, date, datetime, time, bool or None


class Percent(float):
    """A number an .xlsx cell shows with a % format (stored 0.998, shown 99.8%), ×100."""


class Uncomputed(str):
    """An .xlsx formula saved without its value (written by a program, never opened in a
    spreadsheet): not a blank cell, but a cell whose value the file does not hold."""

    def problem(self) -> str:
        return (
            f"formula {str(self)!r} has no saved value; open the sheet in Excel or "
            "LibreOffice and save it, so that its values are stored"
        )


@dataclass
class Table:
    """The cells of one sheet, row by row (row 1 first), as read from the file."""

    rows: list[list[Cell]]
    where: str  # the file name, with the sheet name for workbooks
    workbook: bool  # read from .xlsx (rows end at their last value), else from CSV


def read_tables(
    path: Path,
    *,
    what: str,
    delimiters: Sequence[str] = (",", ";", "\t"),
    max_rows: int | None = None,
) -> list[Table]:
    """Every candidate table in the file: one per delimiter for a CSV, one per worksheet
    (the active one first) for a workbook; none for an empty file, which each caller
    words in its own way. ``what`` names what the file should hold ("a tracking sheet"),
    for the message about a file far too large; ``max_rows`` stops reading a worksheet
    there (the caller refuses a sheet that long)."""
    name = path.name
    try:
        if path.is_dir():
            raise ImportFileError(f"{path} is a folder, not a .csv or .xlsx file")
        with path.open("rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise ImportFileError(f"file not found: {path}") from None
    except OSError as exc:
        raise ImportFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    if not data.removeprefix(b"\xef\xbb\xbf").strip():
        return []
    if len(data) > MAX_BYTES:
        raise ImportFileError(f"{name} is larger than {MAX_BYTES // 2**20} MB; not {what}")
    suffix = path.suffix.lower()
    if data.startswith(_OLE):
        raise ImportFileError(
            f"{name} is password-protected or an old .xls workbook; "
            "save it as .xlsx without a password, or as .csv"
        )
    if data.startswith(_ZIP):
        return _read_xlsx(path, max_rows=max_rows)
    if suffix in XLSX_SUFFIXES or suffix == ".xls":
        raise ImportFileError(f"{name} is not a readable .xlsx workbook (the file is damaged)")
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            raise ImportFileError(f"{name} is not a CSV or XLSX file (it looks like {kind})")
    if suffix not in CSV_SUFFIXES:
        raise ImportFileError(f"{name} is not a .csv or .xlsx file")
    return _read_csv(data, name, delimiters=delimiters)


def _has_formulas(path: Path) -> bool:
    """Whether a worksheet's XML holds a formula. Most sheets (typed, or exported by a
    program) hold none, and this look spares reading the whole workbook a second time."""
    try:
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                    continue
                with archive.open(name) as fh:
                    tail = b""
                    while chunk := fh.read(1 << 20):
                        if _FORMULA.search(tail + chunk):
                            return True
                        tail = chunk[-16:]
    except Exception:
        return True  # a damaged archive: openpyxl's reading says what is wrong
    return False


def _formula_cells(book: Any) -> dict[tuple[str, int, int], str]:
    """Where the workbook holds formulas: (sheet, row, column) -> the formula's text."""
    found: dict[tuple[str, int, int], str] = {}
    try:
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    if getattr(cell, "data_type", None) == "f":
                        found[(sheet.title, cell.row, cell.column)] = str(cell.value)
    finally:
        book.close()
    return found


def _decode(data: bytes, name: str) -> str:
    """UTF-8 (with or without BOM), UTF-16 with a BOM, else Windows-1252 as Excel writes it."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise ImportFileError(f"{name} is not a readable text file") from None
    if b"\x00" in data:
        raise ImportFileError(f"{name} is not a CSV or XLSX file (it holds binary data)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise ImportFileError(f"{name} is not a text file in UTF-8 or Windows-1252") from None


def _read_csv(data: bytes, name: str, *, delimiters: Sequence[str]) -> list[Table]:
    text = _decode(data, name)
    tables = []
    for delimiter in delimiters:
        try:
            rows: list[list[Cell]] = list(
                csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
            )
        except csv.Error as exc:
            raise ImportFileError(f"{name} is not a readable CSV file: {exc}") from None
        tables.append(Table(rows, name, workbook=False))
    return tables


def _read_xlsx(path: Path, *, max_rows: int | None) -> list[Table]:
    """Every worksheet's values, the active sheet first, with %-formatted numbers ×100."""
    import openpyxl

    name = path.name
    tables: list[Table] = []
    # openpyxl warns about harmless things (unknown extensions, missing styles); a
    # damaged archive fails in many ways, all of which mean "not a readable workbook".
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
            formulas = (
                _formula_cells(openpyxl.load_workbook(path, read_only=True))
                if _has_formulas(path)
                else {}
            )
        except Exception as exc:
            raise ImportFileError(
                f"{name} is not a readable .xlsx workbook ({_why(exc)})"
            ) from None
        try:
            sheets = list(book.worksheets)
            active = book.active
            if active in sheets:
                sheets.remove(active)
                sheets.insert(0, active)
            for sheet in sheets:
                rows: list[list[Cell]] = []
                for row in sheet.iter_rows():
                    cells: list[Cell] = []
                    for cell in row:
                        value = cell.value
                        if value is None and formulas:
                            where = (
                                sheet.title,
                                getattr(cell, "row", 0),
                                getattr(cell, "column", 0),
                            )
                            if where in formulas:
                                value = Uncomputed(formulas[where])
                        fmt = getattr(cell, "number_format", None) or ""
                        is_number = isinstance(value, int | float) and not isinstance(value, bool)
                        if is_number and "%" in fmt:
                            value = Percent(round(value * 100, 9))
                        cells.append(value)
                    while cells and cells[-1] is None:
                        cells.pop()
                    rows.append(cells)
                    if max_rows is not None and len(rows) > max_rows:
                        break
                tables.append(Table(rows, f"{name}, sheet {sheet.title!r}", workbook=True))
        except ImportFileError:
            raise
        except Exception as exc:
            raise ImportFileError(
                f"{name} is not a readable .xlsx workbook ({_why(exc)})"
            ) from None
        finally:
            book.close()
    if not tables:
        raise ImportFileError(f"{name} has no worksheets")
    return tables


def _why(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
