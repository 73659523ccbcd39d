"""Spreadsheet import: seed 002's tracking sheet as people type it, checked whole before writing."""

from __future__ import annotations

import csv
import io
import sqlite3
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from csconsole.cache import Cache
from csconsole.catalog import Catalog
from csconsole.cli import main
from csconsole.errors import ImportFileError
from csconsole.ingest.sheets import ImportReport, import_file
from csconsole.models import Client, utcnow
from tests.helpers import TODAY

HEADER = ["Week", "Uptime%", "Time Saved", "Errors", "Satisfaction", "Notes"]
#: Seed 002's Monthly Tracking Spreadsheet, as typed there.
SEED_ROWS = [
    ["1", "99.8%", "16 hrs", "1", "8.5/10", "Smooth start"],
    ["2", "99.5%", "17 hrs", "0", "9.0/10", "Team adapted well"],
    ["3", "99.9%", "15 hrs", "1", "8.8/10", "Minor optimization"],
    ["4", "99.7%", "18 hrs", "0", "9.2/10", "Exceeding targets"],
]
#: Weeks are Monday-based: October 2026 starts on a Thursday, so week 1 is Monday the 5th.
SEED_WEEKS = ["2026-10-05", "2026-10-12", "2026-10-19", "2026-10-26"]


# --- helpers --------------------------------------------------------------------


@pytest.fixture
def clients(cache: Cache) -> Cache:
    """The cache with three clients, inserted directly (no warehouse sync needed)."""
    with cache.session() as session:
        for key, name in [
            ("CL-001", "Northwind Traders"),
            ("CL-002", "Contoso Ltd"),
            ("CL-003", "Fabrikam"),
            ("CL-004", "fabrikam"),
        ]:
            session.add(
                Client(
                    key=key,
                    name=name,
                    tier="essential",
                    package_value=3000.0,
                    start_date=date(2025, 1, 1),
                    synced_at=utcnow(),
                )
            )
    return cache


def write_csv(
    path: Path,
    rows: list[list[str]],
    *,
    delimiter: str = ",",
    encoding: str = "utf-8",
) -> Path:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, rows: list[list[Any]], *, formats: dict[str, str] | None = None) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "October"
    for row in rows:
        sheet.append(row)
    for ref, fmt in (formats or {}).items():
        sheet[ref].number_format = fmt
    book.save(path)
    return path


def run_import(
    cache: Cache, catalog: Catalog, path: Path, *, client: str = "CL-001", **options: Any
) -> ImportReport:
    return import_file(cache, catalog, path, client=client, today=TODAY, **options)


def samples(cache: Cache) -> dict[tuple[str, str], float]:
    """The typed (sheet) values of the cache, all weekly; an import writes no warehouse sample."""
    with cache.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT metric, period_start, value, grain FROM sheet_values"
        ).all()
        assert conn.exec_driver_sql("SELECT count(*) FROM samples").scalar_one() == 0
    assert all(row[3] == "week" for row in rows)
    return {(str(r[0]), str(r[1])): float(r[2]) for r in rows}


def notes(cache: Cache) -> dict[str, str]:
    with cache.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT period_start, note FROM period_notes").all()
    return {str(start): str(note) for start, note in rows}


def dump(cache: Cache) -> list[str]:
    with sqlite3.connect(cache.path) as conn:
        return list(conn.iterdump())


def expect_error(
    cache: Cache, catalog: Catalog, path: Path, *, client: str = "CL-001", **options: Any
) -> str:
    """Run an import that must fail; check nothing was written and return the message."""
    before = dump(cache)
    with pytest.raises(ImportFileError) as info:
        run_import(cache, catalog, path, client=client, **options)
    assert dump(cache) == before
    return str(info.value)


# --- seed 002 -------------------------------------------------------------------


def test_seed_sheet_imports_sixteen_samples_and_four_notes(
    clients: Cache, catalog: Catalog, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "tracking.csv", [HEADER, *SEED_ROWS])
    report = run_import(clients, catalog, path, month="2026-10")
    assert (report.inserted, report.updated, report.unchanged, report.notes_written) == (
        16,
        0,
        0,
        4,
    )
    assert report.rows_read == 4 and report.periods == 4
    got = samples(clients)
    assert len(got) == 16
    first = SEED_WEEKS[0]
    assert got[("uptime", first)] == 99.8
    assert got[("time_saved", first)] == 16.0
    assert got[("error_count", first)] == 1.0
    assert got[("satisfaction", first)] == 8.5
    assert got[("satisfaction", SEED_WEEKS[3])] == 9.2
    assert notes(clients) == dict(zip(SEED_WEEKS, [r[5] for r in SEED_ROWS], strict=True))
    text = report.text()
    assert text.startswith("Imported 4 weeks for Northwind Traders (CL-001): 16 inserted")
    assert "4 notes" in text
    assert "week 1 starts on the first Monday on or after the 1st" in text
    assert "October 2026" in text and "(week 1 = 2026-10-05)" in text


def test_reimport_changes_nothing_and_the_history_shows_it(
    clients: Cache, catalog: Catalog, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "tracking.csv", [HEADER, *SEED_ROWS])
    run_import(clients, catalog, path, month="2026-10")
    again = run_import(clients, catalog, path, month="2026-10")
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 16)
    assert (again.notes_written, again.notes_unchanged) == (0, 4)
    with clients.engine.connect() as conn:
        runs = conn.exec_driver_sql(
            "SELECT source_name, source_id, status, inserted, updated, unchanged FROM sync_runs "
            "ORDER BY id"
        ).all()
    assert [tuple(r) for r in runs] == [
        ("import:tracking.csv", None, "ok", 16, 0, 0),
        ("import:tracking.csv", None, "ok", 0, 0, 16),
    ]


def test_a_changed_value_and_note_are_updated(
    clients: Cache, catalog: Catalog, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "tracking.csv", [HEADER, *SEED_ROWS])
    run_import(clients, catalog, path, month="2026-10")
    changed = [row[:] for row in SEED_ROWS]
    changed[1][1] = "98.0%"
    changed[1][5] = "Outage on Tuesday"
    write_csv(path, [HEADER, *changed])
    report = run_import(clients, catalog, path, month="2026-10")
    assert (report.inserted, report.updated, report.unchanged, report.notes_written) == (
        0,
        1,
        15,
        1,
    )
    assert report.per_metric["uptime"].updated == 1
    assert samples(clients)[("uptime", SEED_WEEKS[1])] == 98.0
    assert notes(clients)[SEED_WEEKS[1]] == "Outage on Tuesday"


def test_dry_run_reports_and_leaves_the_cache_untouched(
    clients: Cache, catalog: Catalog, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "tracking.csv", [HEADER, *SEED_ROWS])
    run_import(clients, catalog, path, month="2026-10")
    changed = [row[:] for row in SEED_ROWS] + [
        ["2026-11-02", "99.0%", "14 hrs", "2", "8/10", "New week"]
    ]
    changed[0][2] = "20 hrs"
    write_csv(path, [HEADER, *changed])
    files = [clients.path, clients.path.with_name(clients.path.name + "-wal")]
    before = (dump(clients), [f.read_bytes() if f.exists() else b"" for f in files])
    report = run_import(clients, catalog, path, month="2026-10", dry_run=True)
    after = (dump(clients), [f.read_bytes() if f.exists() else b"" for f in files])
    assert after == before
    assert report.dry_run and report.run_id is None
    assert (report.inserted, report.updated, report.unchanged, report.notes_written) == (
        4,
        1,
        15,
        1,
    )
    assert report.text().startswith("Dry run: would import 5 weeks for Northwind Traders (CL-001)")
    assert report.text().splitlines()[0].endswith("nothing was written.")


# --- headers and cells as people write them -------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        HEADER,
        ["week", "uptime %", "time_saved", "errors", "satisfaction", "notes"],
        ["WEEK", "Uptime (%)", "Time Saved (hrs)", "Error count", "CSAT", "Comments"],
        [
            "Week starting",
            "System uptime",
            "Hours saved",
            "Errors logged",
            "Satisfaction /10",
            "Note",
        ],
        [" Week # ", "Uptime-%", "time saved", "No. of errors", "Client satisfaction", "Remarks"],
        ["Week", "uptime", "time_saved", "error_count", "satisfaction", "Notes"],  # catalog keys
    ],
)
def test_header_spellings(
    header: list[str], clients: Cache, catalog: Catalog, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "sheet.csv", [header, ["2026-10-05", "99.8%", "16", "1", "8.5", "ok"]]
    )
    report = run_import(clients, catalog, path)
    assert report.inserted == 4 and report.notes_written == 1
    assert set(samples(clients)) == {
        (m, "2026-10-05") for m in ("uptime", "time_saved", "error_count", "satisfaction")
    }


@pytest.mark.parametrize(
    ("column", "cell", "metric", "expected"),
    [
        ("Uptime%", "99.8%", "uptime", 99.8),
        ("Uptime%", "99.8", "uptime", 99.8),
        ("Uptime%", " 99.8 % ", "uptime", 99.8),
        ("Uptime%", "100", "uptime", 100.0),
        ("Uptime%", "0%", "uptime", 0.0),
        ("Uptime%", "99,8%", "uptime", 99.8),
        ("Time Saved", "16 hrs", "time_saved", 16.0),
        ("Time Saved", "16h", "time_saved", 16.0),
        ("Time Saved", "16.5 hours", "time_saved", 16.5),
        ("Time Saved", "16 hrs/week", "time_saved", 16.0),
        ("Time Saved", "16", "time_saved", 16.0),
        ("Errors", "0", "error_count", 0.0),
        ("Errors", "1,234", "error_count", 1234.0),
        ("Errors", "12", "error_count", 12.0),
        ("Satisfaction", "8.5/10", "satisfaction", 8.5),
        ("Satisfaction", "8.5 / 10", "satisfaction", 8.5),
        ("Satisfaction", "9 out of 10", "satisfaction", 9.0),
        ("Satisfaction", "10/10", "satisfaction", 10.0),
        ("Satisfaction", "8,5", "satisfaction", 8.5),
    ],
)
def test_cell_spellings(
    column: str,
    cell: str,
    metric: str,
    expected: float,
    clients: Cache,
    catalog: Catalog,
    tmp_path: Path,
) -> None:
    path = write_csv(tmp_path / "sheet.csv", [["Week", column], ["2026-10-05", cell]])
    run_import(clients, catalog, path)
    assert samples(clients) == {(metric, "2026-10-05"): expected}


@pytest.mark.parametrize("blank", ["", "  ", "-", "n/a", "—"])
def test_blank_cells_write_nothing(
    blank: str, clients: Cache, catalog: Catalog, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "sheet.csv",
        [HEADER, ["2026-10-05", blank, "16 hrs", blank, "8/10", blank]],
    )
    report = run_import(clients, catalog, path)
    assert report.inserted == 2 and report.notes_written == 0
    assert set(samples(clients)) == {("time_saved", "2026-10-05"), ("satisfaction", "2026-10-05")}


@pytest.mark.parametrize(
    ("column", "cell", "reason"),
    [
        ("Uptime%", "101%", "row 2, column 'Uptime%': Uptime 101 % is above 100"),
        ("Uptime%", "-1%", "Uptime -1 % is below 0"),
        ("Uptime%", "high", "'high' is not a percentage like 99.8%"),
        ("Uptime%", "99.8 hrs", "is not a percentage"),
        ("Uptime%", "nan", "is not a percentage"),
        ("Time Saved", "16 days", "'16 days' is not a number of hours like 16 hrs"),
        ("Errors", "1.5", "'1.5' is not a whole number"),
        ("Errors", "-2", "Errors -2 count is below 0"),
        ("Satisfaction", "4/5", "'4/5' is not a score out of 10"),
        ("Satisfaction", "11/10", "Client satisfaction 11 /10 is above 10"),
        ("Satisfaction", "85%", "is not a score out of 10"),
    ],
)
def test_bad_cells_are_listed_and_nothing_is_written(
    column: str, cell: str, reason: str, clients: Cache, catalog: Catalog, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "sheet.csv", [["Week", column, "Notes"], ["2026-10-05", cell, "kept?"]]
    )
    message = expect_error(clients, catalog, path)
    first, *problems = message.splitlines()
    assert first.startswith("sheet.csv: 1 problem in 1 row; nothing was imported")
    assert len(problems) == 1 and problems[0].startswith("  row 2, column ")
    assert reason in message


def test_every_bad_row_is_listed_with_its_spreadsheet_row_number(
    clients: Cache, catalog: Catalog, tmp_path: Path
) -> None:
    rows = [HEADER, *SEED_ROWS]
    rows[2] = ["2", "101%", "17 hrs", "0", "9.0/10", "bad uptime"]  # spreadsheet row 3
    rows[4] = ["4", "99.7%", "lots", "0", "12/10", "two bad cells"]  # row 5
    message = expect_error(clients, catalog, write_csv(tmp_path / "s.csv", rows), month="2026-10")
    assert message.splitlines() == [
        "s.csv: 3 problems in 2 rows; nothing was imported. "
        "Fix the rows and import the file again:",
        "  row 3, column 'Uptime%': Uptime 101 % is above 100",
        "  row 5, column 'Time Saved': 'lots' is not a number of hours like 16 hrs",
        "  row 5, column 'Satisfaction': Client satisfaction 12 /10 is above 10",
    ]


def test_a_long_list_of_problems_is_capped(
    clients: Cache, catalog: Catalog, tmp_path: Path
) -> None:
    rows = [["Week", "Uptime"]] + [
        [f"2025-{m:02d}-0{d}", "150%"] for m in (1, 2, 3) for d in range(1, 10)
    ]
    message = expect_error(clients, catalog, write_csv(tmp_path / "s.csv", rows))
    lines = message.splitlines()
    assert lines[0].startswith("s.csv: 27 problems in 27 rows")
    assert len(lines) == 1 + 20 + 1
    assert lines[-1] == "  … and 7 more"


# --- weeks ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "month", "expected"),
    [
        # week N: the first Monday on or after the 1st + 7×(N − 1) days
        ("1", "2026-10", "2026-10-05"),
        ("2", "2026-10", "2026-10-12"),
        ("Week 3", "2026-10", "2026-10-19"),
        ("W4", "2026-10", "2026-10-26"),
        ("wk 5", "2026-08", "2026-08-31"),  # August 2026 has five Mondays
        ("1", "2026-06", "2026-06-01"),  # June 2026 starts on a Monday
        # a dated week moves to the Monday of its week
        ("2026-10-05", None, "2026-10-05"),
        ("2026-10-08", None, "2026-10-05"),
        ("2026-11-01", None, "2026-10-26"),  # a Sunday: its week started in October
        ("2026-10-05", "2026-09", "2026-10-05"),  # --month only applies to week numbers
        ("2026-10-05 00:00:00", None, "2026-10-05"),
        ("2026-11-22", None, "2026-11-16"),  # today is a Sunday: this week's Monday
    ],
)
def test_week_cells(
    cell: str, month: str | None, expected: str, clients: Cache, catalog: Catalog, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "s.csv", [["Week", "Uptime"], [cell, "99"]])
    report = run_import(clients, catalog, path, month=month)
    assert samples(clients) == {("uptime", expected): 99.0}
    assert (report.week_number_month is not None) == (not cell.startswith("20"))


@pytest.mark.parametrize(
    ("cell", "month", "reason"),
    [
        (
            "5",
            "2026-10",
            "week 5 of October 2026 would start on 2026-11-02, after the month "
            "ends (October 2026 has 4 Mondays)",
        ),
        ("6", "2026-10", "6 is not a week of a month (1–5) or a date"),
        ("0", "2026-10", "0 is not a week of a month (1–5)"),
        ("05/10/2026", None, "'05/10/2026' is ambiguous"),
        ("2026-02-30", None, "'2026-02-30' is not a real date"),
        ("last week", None, "'last week' is not a week number (1–5) or a date (YYYY-MM-DD)"),
        ("2026-11-23", None, "2026-11-23 is in the future"),
        ("1", "2026-12", "2026-12-07 is in the future"),
        ("", None, "the cell is empty"),
    ],
)
def test_bad_week_cells(
    cell: str, month: str | None, reason: str, clients: Cache, catalog: Catalog, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "s.csv", [["Week", "Uptime", "Notes"], [cell, "99", "x"]])
    message = expect_error(clients, catalog, path, month=month)
    assert f"row 2, column 'Week': {reason}" in message


def test_week_numbers_need_a_month(clients: Cache, catalog: Catalog, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "s.csv", [HEADER, *SEED_ROWS])
    message = expect_error(clients, catalog, path)
    assert (
        message
        == "s.csv numbers its weeks (1–5); say which month they belong to with --month YYYY-MM"
    )


@pytest.mark.parametrize("month", ["2026-13", "October", "2026/10", "26-10"])
def test_a_bad_month_is_refused(
    month: str, clients: Cache, catalog: Catalog, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "s.csv", [HEADER, *SEED_ROWS])
    assert "is not a month; write it as YYYY-MM" in expect_error(
        clients, catalog, path, month=month
    )


def test_a_week_given_twice_is_refused(clients: Cache, catalog: Catalog, tmp_path: Path) -> None:
    # Wednesday 14 October lies in week 2 (Monday 12 October)
    rows = [HEADER, *SEED_ROWS, ["2026-10-14", "99%", "", "", "", "same as week 2"]]
    message = expect_error(clients, catalog, write_csv(tmp_path / "s.csv", rows), month="2026-10")
    assert "row 6, column 'Week': week 2026-10-12 is already on row 3" in message


def test_title_rows_and_summary_rows_are_passed_over(
    clients: Cache, catalog: Catalog, tmp_path: Path
) -> None:
    rows = [
        ["Monthly Tracking Spreadsheet — Northwind"],
        [],
        HEADER,
        *SEED_ROWS,
        [],
        ["Average", "99.7%", "16.5 hrs", "0.5", "8.9/10", ""],
    ]
    report = run_import(clients, catalog, write_csv(tmp_path / "s.csv", rows), month="2026-10")
    assert report.inserted == 16
    assert report.skipped_rows == (9,)
    assert "Skipped summary rows (Total/Average): 9." in report.text()


def test_unknown_columns_are_ignored_and_named(
    clients: Cache, catalog: Catalog, tmp_path: Path
) -> None:
    rows = [["Week", "Uptime", "Owner"], ["2026-10-05", "99", "Sam"]]
    report = run_import(clients, catalog, write_csv(tmp_path / "s.csv", rows))
    assert report.ignored_columns == ("Owner",)
    assert "Ignored columns csconsole does not know: 'Owner'." in report.text()


def test_two_columns_for_one_metric_are_refused(
    clients: Cache, catalog: Catalog, tmp_path: Path
) -> None:
    rows = [["Week", "Uptime", "Uptime %"], ["2026-10-05", "99", "98"]]
    message = expect_error(clients, catalog, write_csv(tmp_path / "s.csv", rows))
    assert message == "columns 'Uptime' and 'Uptime %' both mean uptime; keep one of them"


# --- files as they come ---------------------------------------------------------


def test_xlsx_with_date_cells_numbers_and_percent_formats(
    clients: Cache, catalog: Catalog, tmp_path: Path
) -> None:
    rows: list[list[Any]] = [
        ["Northwind — October"],
        HEADER,
        [datetime(2026, 10, 5), 0.998, 16, 1, 8.5, "Smooth start"],
        [date(2026, 10, 12), "99.5%", "17 hrs", 0, "9.0/10", None],
        [datetime(2026, 10, 19), 99.9, 15.5, 2, 9, "Line one\nline two"],
    ]
    path = write_xlsx(tmp_path / "tracking.xlsx", rows, formats={"B3": "0.0%"})
    report = run_import(clients, catalog, path)
    assert (report.inserted, report.notes_written) == (12, 2)
    got = samples(clients)
    assert got[("uptime", "2026-10-05")] == 99.8
    assert got[("uptime", "2026-10-12")] == 99.5
    assert got[("time_saved", "2026-10-19")] == 15.5
    assert got[("satisfaction", "2026-10-19")] == 9.0
    assert notes(clients)["2026-10-19"] == "Line one\nline two"


def test_xlsx_week_numbers_and_a_date_typed_into_a_score(
    clients: Cache, catalog: Catalog, tmp_path: Path
) -> None:
    rows: list[list[Any]] = [HEADER, [1, 0.998, 16, 1, datetime(2026, 8, 10), None]]
    path = write_xlsx(tmp_path / "tracking.xlsx", rows, formats={"B2": "0.0%"})
    message = expect_error(clients, catalog, path, month="2026-10")
    assert "tracking.xlsx, sheet 'October': 1 problem in 1 row" in message
    assert "row 2, column 'Satisfaction': '2026-08-10T00:00:00' is a date in the sheet" in message


def test_the_sheet_with_the_tracking_columns_is_found(
    clients: Cache, catalog: Catalog, tmp_path: Path
) -> None:
    book = openpyxl.Workbook()
    book.active.title = "Cover"
    book.active.append(["Quarterly review"])
    data = book.create_sheet("Weeks")
    for row in [HEADER, *SEED_ROWS]:
        data.append(row)
    book.save(tmp_path / "book.xlsx")
    report = run_import(clients, catalog, tmp_path / "book.xlsx", month="2026-10")
    assert report.inserted == 16


@pytest.mark.parametrize(
    ("delimiter", "encoding", "uptime", "note"),
    [
        (",", "utf-8", "99.8%", "Café ✓"),
        (",", "utf-8-sig", "99.8%", "Café ✓"),
        (";", "utf-8", "99,8%", "Café"),
        ("\t", "utf-8", "99.8", "Café"),
        (";", "cp1252", "99,8 %", "Café – déjà vu"),
        (",", "utf-16", "99.8%", "Café ✓"),
    ],
)
def test_encodings_and_delimiters(
    delimiter: str,
    encoding: str,
    uptime: str,
    note: str,
    clients: Cache,
    catalog: Catalog,
    tmp_path: Path,
) -> None:
    rows = [HEADER, ["2026-10-05", uptime, "16 hrs", "1", "8.5/10", note]]
    path = write_csv(tmp_path / "s.csv", rows, delimiter=delimiter, encoding=encoding)
    run_import(clients, catalog, path)
    assert samples(clients)[("uptime", "2026-10-05")] == 99.8
    assert notes(clients) == {"2026-10-05": note}


@pytest.mark.parametrize(
    "note",
    [
        "<script>alert('x')</script> & <b>bold</b>",
        "first line\r\nsecond line\nthird",
        '🚀 go-live; "quoted", comma',
        '=HYPERLINK("http://example.com")',
        "  indented\ttab",
    ],
)
def test_hostile_notes_are_kept_exactly(
    note: str, clients: Cache, catalog: Catalog, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "s.csv", [["Week", "Notes"], ["2026-10-05", note]])
    report = run_import(clients, catalog, path)
    assert report.notes_written == 1
    assert notes(clients) == {"2026-10-05": note.strip(" \t")}


def test_a_blank_note_keeps_the_stored_one(
    clients: Cache, catalog: Catalog, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "s.csv", [["Week", "Uptime", "Notes"], ["2026-10-05", "99", "kept"]]
    )
    run_import(clients, catalog, path)
    write_csv(path, [["Week", "Uptime", "Notes"], ["2026-10-05", "98", ""]])
    run_import(clients, catalog, path)
    assert notes(clients) == {"2026-10-05": "kept"}


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("missing.csv", None, "file not found: "),
        ("empty.csv", b"", "empty.csv is empty"),
        ("bom.csv", b"\xef\xbb\xbf\r\n", "bom.csv is empty"),
        ("picture.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "picture.csv is not a CSV or XLSX file (it looks like a PNG image)"),
        ("blob.csv", bytes(range(256)) * 4, "blob.csv is not a CSV or XLSX file (it holds binary data)"),
        ("report.pdf", b"%PDF-1.7\n", "report.pdf is not a CSV or XLSX file (it looks like a PDF document)"),
        ("notes.docx", b"plain words", "notes.docx is not a .csv or .xlsx file"),
        ("prose.csv", b"Dear team,\nthe numbers are attached.\n", "prose.csv has no columns csconsole recognises"),
        ("header.csv", b"Week,Uptime%,Notes\r\n", "header.csv has a header row but no data rows"),
        ("locked.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504, "locked.xlsx is password-protected or an old .xls workbook"),
        ("broken.xlsx", b"PK\x03\x04" + b"\x00" * 60, "broken.xlsx is not a readable .xlsx workbook"),
        ("text.xlsx", b"Week,Uptime\n1,99\n", "text.xlsx is not a readable .xlsx workbook (the file is damaged)"),
    ],
)  # fmt: skip
def test_wrong_files_are_one_clear_line(
    name: str, content: bytes | None, reason: str, clients: Cache, catalog: Catalog, tmp_path: Path
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    message = expect_error(clients, catalog, path)
    assert reason in message
    assert len(message.splitlines()) == 1


def test_a_truncated_xlsx_is_refused(clients: Cache, catalog: Catalog, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "cut.xlsx", [HEADER, *SEED_ROWS])
    path.write_bytes(path.read_bytes()[:2000])
    message = expect_error(clients, catalog, path, month="2026-10")
    assert message.startswith("cut.xlsx is not a readable .xlsx workbook (")
    assert len(message.splitlines()) == 1


# --- clients --------------------------------------------------------------------


@pytest.mark.parametrize("given", ["CL-001", "cl-001", "Northwind Traders", "  northwind traders "])
def test_client_by_key_or_name(
    given: str, clients: Cache, catalog: Catalog, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "s.csv", [["Week", "Uptime"], ["2026-10-05", "99"]])
    assert run_import(clients, catalog, path, client=given).client_key == "CL-001"


@pytest.mark.parametrize(
    ("given", "reason"),
    [
        ("CL-999", "unknown client 'CL-999': give a client key such as CL-001 or the exact name"),
        ("Northwind", "unknown client 'Northwind'"),
        ("Fabrikam", "several clients are named 'Fabrikam' (CL-003, CL-004); give the client key"),
    ],
)
def test_unknown_or_ambiguous_client(
    given: str, reason: str, clients: Cache, catalog: Catalog, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "s.csv", [["Week", "Uptime"], ["2026-10-05", "99"]])
    assert reason in expect_error(clients, catalog, path, client=given)


def test_a_cache_without_clients_says_to_sync(
    cache: Cache, catalog: Catalog, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "s.csv", [["Week", "Uptime"], ["2026-10-05", "99"]])
    assert "run 'csconsole sync' first" in expect_error(cache, catalog, path)


def test_imported_samples_belong_to_the_named_client_only(
    clients: Cache, catalog: Catalog, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "s.csv", [["Week", "Uptime"], ["2026-10-05", "99"]])
    run_import(clients, catalog, path, client="Contoso Ltd")
    with clients.engine.connect() as conn:
        owners = conn.exec_driver_sql(
            "SELECT DISTINCT c.key FROM sheet_values s JOIN clients c ON c.id = s.client_id"
        ).all()
    assert [o[0] for o in owners] == ["CL-002"]


# --- long form ------------------------------------------------------------------


def test_long_form(clients: Cache, catalog: Catalog, tmp_path: Path) -> None:
    rows = [
        ["client", "metric", "period", "value", "grain"],
        ["CL-001", "uptime", "2026-10-05", "99.8%", ""],
        ["Northwind Traders", "Time saved per week", "2026-10-05", "16 hrs", "week"],
        ["cl-001", "active_users", "2026-10-31", "12", "day"],
        ["CL-001", "Revenue, direct attribution", "2026-10-01", "$12,500.50", "month"],
    ]
    report = run_import(clients, catalog, write_csv(tmp_path / "long.csv", rows))
    assert report.layout == "long" and report.inserted == 4
    assert report.text().startswith("Imported 4 rows for Northwind Traders (CL-001)")
    with clients.engine.connect() as conn:
        got = dict(
            ((m, str(p)), (g, v))
            for m, p, g, v in conn.exec_driver_sql(
                "SELECT metric, period_start, grain, value FROM sheet_values"
            )
        )
    assert got == {
        ("uptime", "2026-10-05"): ("week", 99.8),
        ("time_saved", "2026-10-05"): ("week", 16.0),
        ("active_users", "2026-10-31"): ("day", 12.0),
        ("revenue_direct", "2026-10-01"): ("month", 12500.5),
    }


def test_long_form_without_a_client_column_uses_the_client_given(
    clients: Cache, catalog: Catalog, tmp_path: Path
) -> None:
    rows = [
        ["Metric", "Week", "Value"],
        ["satisfaction", "1", "8.5/10"],
        ["satisfaction", "2", "9"],
    ]
    report = run_import(clients, catalog, write_csv(tmp_path / "l.csv", rows), month="2026-10")
    assert report.inserted == 2
    assert samples(clients) == {
        ("satisfaction", "2026-10-05"): 8.5,
        ("satisfaction", "2026-10-12"): 9.0,
    }


def test_long_form_bad_rows(clients: Cache, catalog: Catalog, tmp_path: Path) -> None:
    rows = [
        ["client", "metric", "period", "value", "grain"],
        ["CL-002", "uptime", "2026-10-05", "99", ""],
        ["CL-001", "happiness", "2026-10-05", "9", ""],
        ["CL-001", "uptime", "2026-10-05", "99", "year"],
        ["CL-001", "uptime", "2026-10-12", "", ""],
        ["CL-001", "uptime", "2026-10-19", "99", ""],
        ["CL-001", "Uptime", "2026-10-19", "98", ""],
    ]
    message = expect_error(clients, catalog, write_csv(tmp_path / "l.csv", rows))
    assert message.splitlines()[1:] == [
        "  row 2, column 'client': 'CL-002' is not Northwind Traders (CL-001), the client this "
        "import is for; import each client's rows with its own --client",
        "  row 3, column 'metric': 'happiness' is not a metric of the catalog",
        "  row 4, column 'grain': 'year' is not day, week or month",
        "  row 5, column 'value': the cell is empty",
        "  row 7, column 'value': Uptime for 2026-10-19 is already given on row 6",
    ]


# --- command line ---------------------------------------------------------------


def test_command_line_import(
    capsys: pytest.CaptureFixture[str], clients: Cache, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "tracking.csv", [HEADER, *SEED_ROWS])
    cache = str(clients.path)
    base = ["import", str(path), "--client", "CL-001", "--month", "2025-03", "--cache", cache]

    assert main([*base, "--dry-run"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("Dry run: would import 4 weeks") and err == ""

    assert main(base) == 0
    out, err = capsys.readouterr()
    assert out.startswith("Imported 4 weeks for Northwind Traders (CL-001): 16 inserted")

    assert main(["import", str(path), "--client", "CL-001", "--cache", cache]) == 1
    out, err = capsys.readouterr()
    assert out == "" and "Traceback" not in err
    assert err.splitlines() == [
        "csconsole: error: tracking.csv numbers its weeks (1–5); say which month they belong "
        "to with --month YYYY-MM"
    ]

    (tmp_path / "photo.csv").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)
    assert (
        main(["import", str(tmp_path / "photo.csv"), "--client", "CL-001", "--cache", cache]) == 1
    )
    _, err = capsys.readouterr()
    assert len(err.splitlines()) == 1 and err.startswith("csconsole: error: photo.csv is not")

    bad = write_csv(tmp_path / "bad.csv", [HEADER, ["2025-03-03", "101%", "", "", "", ""]])
    assert main(["import", str(bad), "--client", "Northwind Traders", "--cache", cache]) == 1
    _, err = capsys.readouterr()
    assert "Traceback" not in err
    assert err.splitlines() == [
        "csconsole: error: bad.csv: 1 problem in 1 row; nothing was imported. "
        "Fix the rows and import the file again:",
        "  row 2, column 'Uptime%': Uptime 101 % is above 100",
    ]


def test_typed_values_take_the_place_of_warehouse_samples(
    clients: Cache, catalog: Catalog, tmp_path: Path
) -> None:
    with clients.engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO samples (client_id, metric, period_start, grain, value, source_id) "
            "SELECT id, 'uptime', '2026-10-05', 'week', 97.0, 1 FROM clients WHERE key = 'CL-001'"
        )
    path = write_csv(tmp_path / "s.csv", [["Week", "Uptime"], ["2026-10-05", "99"]])
    dry = run_import(clients, catalog, path, dry_run=True)
    assert dry.per_metric["uptime"].replaced_synced == 1
    assert "would take the place of 1 warehouse sample in every view" in dry.text()
    (row,) = dry.rows
    assert (row.row, row.value, row.warehouse_value, row.warehouse_samples) == (2, 99.0, 97.0, 1)
    report = run_import(clients, catalog, path)
    assert (report.inserted, report.per_metric["uptime"].replaced_synced) == (1, 1)
    assert "take the place of 1 warehouse sample in every view; a sync never" in report.text()
    with clients.engine.connect() as conn:
        # the warehouse's sample is kept, set aside in every view but never lost
        assert conn.exec_driver_sql("SELECT value FROM samples").scalar_one() == 97.0
