"""Opportunity import and export: every row checked before writing, bad lines named, and a
round trip keeps hostile text."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from csconsole.cache import Cache
from csconsole.errors import ImportFileError, KnownError
from csconsole.opportunities.context import Context
from csconsole.opportunities.files import export_rows, import_file
from csconsole.opportunities.store import get, history, list_opportunities
from tests.helpers.opportunities import HOSTILE, count_rows, new


def write_csv(path: Path, rows: list[list[Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[list[Any]]) -> Path:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


HEADER = ["ID", "Client", "Category", "Area", "Investment ($)", "Priority", "Required package",
          "Status", "Next review"]  # fmt: skip


def test_import_creates_and_updates_after_checking_every_row(
    store: Cache, ctx: Context, tmp_path: Path
) -> None:
    new(store, ctx)  # PO-001
    path = write_csv(
        tmp_path / "o.csv",
        [
            HEADER,
            ["PO-001", "CL-001", "PO", "Lead Management", "700", "high", "essential", "proposed", ""],
            ["", "CL-002", "IE", "CRM → Accounting <&>", "1,200", "medium", "enterprise", "identified",
             "2027-01-10"],
            ["AF-010", "CL-001", "AF", "Forecasts", "", "low", "enterprise", "identified", ""],
        ],
    )  # fmt: skip
    report = import_file(store, ctx, path, dry_run=True, who="importer")
    assert (report.created, report.updated) == (["new IE", "AF-010"], ["PO-001"])
    assert count_rows(store) == 1
    report = import_file(store, ctx, path, who="importer")
    assert report.created == ["IE-001", "AF-010"]
    assert get(store, "PO-001").investment == 700.0
    assert get(store, "IE-001").area == "CRM → Accounting <&>"
    # The imported AF-010 moves the AF counter on: the next AF is AF-011.
    assert new(store, ctx, category="AF") == "AF-011"
    assert history(store, "PO-001")[-1].who == "importer"


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            [HEADER,
             ["PO-007", "CL-001", "PO", "A", "1", "high", "essential", "identified", ""],
             ["PO-007", "CL-001", "PO", "B", "1", "high", "essential", "identified", ""]],
            "line 3: ID PO-007 appears twice (also on line 2)",
        ),
        (
            [HEADER,
             ["", "CL-001", "PO", "A", "-5", "high", "essential", "identified", ""],
             ["", "CL-404", "ZZ", "", "x", "high", "essential", "identified", "2026-13-01"]],
            "line 2: Investment ($) must be 0 or more, not -5; line 3: Unknown client 'CL-404'",
        ),
        (
            [HEADER, ["IE-001", "CL-001", "PO", "A", "1", "high", "essential", "identified", ""]],
            "line 2: ID IE-001 does not belong to category PO",
        ),
        ([HEADER], None),
        ([], "the file is empty"),
    ],
)  # fmt: skip
def test_a_bad_import_names_each_line_and_writes_nothing(
    store: Cache, ctx: Context, tmp_path: Path, rows: list[list[Any]], message: str | None
) -> None:
    path = write_csv(tmp_path / "bad.csv", rows)
    if message is None:
        assert import_file(store, ctx, path).created == []
        return
    with pytest.raises(ImportFileError) as info:
        import_file(store, ctx, path)
    assert message in str(info.value)
    assert "\n" not in str(info.value)
    assert count_rows(store) == 0


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ([*HEADER, "Colour"], "unknown column 'Colour'"),
        ([h for h in HEADER if h not in ("Client", "Status")], "missing columns Client, Status"),
        ([*HEADER, "Status"], "column 'Status' appears twice"),
    ],
)
def test_an_xlsx_with_extra_or_missing_columns_is_refused_by_name(
    store: Cache, ctx: Context, tmp_path: Path, header: list[str], message: str
) -> None:
    row = ["", "CL-001", "PO", "A", 1, "high", "essential", "identified", None, "blue"]
    path = write_xlsx(tmp_path / "o.xlsx", [header, row[: len(header)]])
    with pytest.raises(ImportFileError, match=message):
        import_file(store, ctx, path)
    assert count_rows(store) == 0


def test_the_sheet_reader_shared_with_the_tracking_import(
    store: Cache, ctx: Context, tmp_path: Path
) -> None:
    """The spreadsheet reader of the tracking-sheet import reads opportunity sheets too:
    a formula without a saved value is named, a cell shown as 180% is 180, a note beside
    the table is left alone, and a picture renamed .csv is named for what it is."""
    header = [*HEADER, "Annual ROI (%)"]
    row = ["", "CL-001", "AF", "A", None, "high", "essential", "identified", None, 1.8]
    path = write_xlsx(tmp_path / "o.xlsx", [header, row])
    book = openpyxl.load_workbook(path)
    book.active["J2"].number_format = "0%"
    book.active["L2"] = "a note beside the table"
    book.save(path)
    assert import_file(store, ctx, path).created == ["AF-001"]
    assert get(store, "AF-001").roi_typed == 180

    book.active["D2"] = '=CONCAT("A", "B")'  # written by a program: no saved value
    book.save(path)
    with pytest.raises(ImportFileError, match=r"line 2: formula '=CONCAT.*' has no saved value"):
        import_file(store, ctx, path)

    picture = tmp_path / "o.csv"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(ImportFileError, match=r"o\.csv is not a CSV or XLSX file \(it looks like a PNG image\)"):  # fmt: skip
        import_file(store, ctx, picture)


def test_a_damaged_or_unknown_file_is_one_clear_error(
    store: Cache, ctx: Context, tmp_path: Path
) -> None:
    bad = tmp_path / "o.xlsx"
    bad.write_bytes(b"not a zip")
    with pytest.raises(ImportFileError, match=r"not a readable \.xlsx"):
        import_file(store, ctx, bad)
    with pytest.raises(ImportFileError, match=r"\.csv or \.xlsx"):
        import_file(store, ctx, tmp_path / "o.txt")


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_export_then_import_round_trips_hostile_text(
    store: Cache, ctx: Context, tmp_path: Path, suffix: str
) -> None:
    new(store, ctx, current_state=HOSTILE, area='=HYPERLINK("x") & <b>', owner="Zoë 🚀")
    new(store, ctx, category="AF", benefit="15% better", roi_typed="180", next_review="")
    rows = list_opportunities(store, ctx)
    path = tmp_path / f"out{suffix}"
    assert export_rows(rows, path) == 2
    if suffix == ".xlsx":
        sheet = openpyxl.load_workbook(path).active
        area = [c.value for c in sheet[1]].index("Area") + 1
        cell = sheet.cell(row=3, column=area)
        assert cell.value == '=HYPERLINK("x") & <b>'
        assert cell.data_type == "s"  # text, not a formula
    report = import_file(store, ctx, path)
    assert (report.created, report.updated, report.unchanged) == ([], [], 2)
    assert get(store, "PO-001").current_state == HOSTILE.replace("\r\n", "\n")


def test_export_refuses_an_unknown_extension(tmp_path: Path) -> None:
    with pytest.raises(KnownError, match=r"\.csv or \.xlsx"):
        export_rows([], tmp_path / "o.pdf")
