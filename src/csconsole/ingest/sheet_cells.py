"""Reading a tracking sheet: where its header row is and which column holds what, and
its cells as people type them ('99.8%', '16 hrs', '8.5/10', 'Week 2', a date). The rules
are told in :mod:`csconsole.ingest.sheets`."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from csconsole.catalog import Catalog, Metric
from csconsole.errors import ImportFileError
from csconsole.ingest.spreadsheets import Cell, Percent, Table, Uncomputed, read_tables
from csconsole.rollup import first_monday

#: A tracking sheet has tens of rows; anything far bigger is the wrong file.
MAX_ROWS = 100_000
#: Rows scanned for the header (a sheet may start with a title or a blank line).
HEADER_SCAN_ROWS = 20


# Header spellings, normalised by ``normalized`` (lower case, letters and digits only).
_WEEKLY_HEADERS: dict[str, tuple[str, ...]] = {
    "week": (
        "week", "wk", "weekno", "weeknumber", "weeknum", "weekof", "weekstart", "weekstarting",
        "weekbeginning", "weekcommencing", "weekstartdate", "date", "period", "periodstart",
    ),
    "uptime": ("uptime", "uptimepercent", "uptimepct", "systemuptime", "availability"),
    "time_saved": (
        "timesaved", "timesavedhrs", "timesavedhours", "timesavedh", "hourssaved", "hrssaved",
        "timesavedperweek", "timesavedhrsweek", "timesavedhoursweek",
    ),
    "error_count": (
        "errors", "error", "errorcount", "errorslogged", "numberoferrors", "nooferrors",
        "noerrors", "numerrors",
    ),
    "satisfaction": (
        "satisfaction", "satisfactionscore", "csat", "clientsatisfaction",
        "customersatisfaction", "satisfaction10", "satisfactionoutof10",
    ),
    "notes": ("notes", "note", "comments", "comment", "remarks"),
}  # fmt: skip
_LONG_HEADERS: dict[str, tuple[str, ...]] = {
    "client": ("client", "clientid", "clientkey", "clientname", "customer", "account"),
    "metric": ("metric", "metrickey", "kpi", "measure"),
    "period": (
        "period", "periodstart", "date", "week", "weekstart", "weekof", "day", "month",
    ),
    "value": ("value", "amount", "figure"),
    "grain": ("grain", "periodtype", "granularity"),
}  # fmt: skip


_BLANKS = {"", "-", "–", "—", "n/a", "na", "n.a."}


# Unit words a value cell may carry, normalised (lower case, no spaces).
_HOURS = {
    base + per
    for base in ("", "h", "hr", "hrs", "hour", "hours")
    for per in ("", "/w", "/wk", "/week", "perweek", "pw", "aweek")
    if base or not per
}
_SUFFIXES: dict[str, set[str]] = {
    "%": {"", "%", "pct", "percent"},
    "h/week": _HOURS,
    "/10": {"", "/10", "outof10", "of10"},
    "rating": {"", "/10", "outof10"},
    "count": {""},
    "$": {"", "$", "usd"},
    "s": {"", "s", "sec", "secs", "second", "seconds"},
}
_UNIT_WORDS = {
    "%": "a percentage like 99.8%",
    "h/week": "a number of hours like 16 hrs",
    "/10": "a score out of 10 like 8.5/10",
    "rating": "a rating like 8.5",
    "count": "a whole number",
    "$": "an amount like 1,234.50",
    "s": "a number of seconds",
}


# --- reading files --------------------------------------------------------------


def read_sheet(path: Path) -> list[Table]:
    tables = read_tables(path, what="a tracking sheet", max_rows=MAX_ROWS + HEADER_SCAN_ROWS)
    if not tables:
        raise ImportFileError(f"{path.name} is empty")
    return tables


# --- headers --------------------------------------------------------------------


def normalized(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", "", text.casefold())


def header_text(cell: Cell) -> str:
    if cell is None:
        return ""
    return str(cell).strip()


@dataclass
class Layout:
    kind: str  # "weekly" or "long"
    header_row: int  # index into rows (0-based)
    columns: dict[str, int]  # field -> column index
    headers: dict[str, str]  # field -> header as written
    ignored: tuple[str, ...]


def field_names(catalog: Catalog) -> tuple[dict[str, str], dict[str, str]]:
    """Normalised header -> field, for the weekly sheet and for the long form."""
    weekly: dict[str, str] = {}
    for metric in catalog.metrics.values():
        weekly[normalized(metric.label)] = metric.key
        weekly[normalized(metric.key)] = metric.key
    for name, spellings in _WEEKLY_HEADERS.items():
        for spelling in spellings:
            weekly[spelling] = name
    long = {s: name for name, spellings in _LONG_HEADERS.items() for s in spellings}
    return weekly, long


def _match(header: str, names: dict[str, str]) -> str | None:
    plain = re.sub(r"[(\[].*?[)\]]", "", header)  # 'Time Saved (hrs)' -> 'Time Saved'
    return names.get(normalized(plain)) or names.get(normalized(header))


def _layout_of(row: Sequence[Cell], catalog: Catalog) -> Layout | None:
    weekly_names, long_names = field_names(catalog)
    headers = [header_text(c) for c in row]
    long = {f for h in headers if h and (f := _match(h, long_names))}
    kind, names = ("long", long_names) if {"metric", "value"} <= long else ("weekly", weekly_names)
    columns: dict[str, int] = {}
    written: dict[str, str] = {}
    ignored: list[str] = []
    for index, header in enumerate(headers):
        if not header:
            continue
        name = _match(header, names)
        if name is None:
            ignored.append(header)
        elif name in columns:
            raise ImportFileError(
                f"columns {written[name]!r} and {header!r} both mean {name}; keep one of them"
            )
        else:
            columns[name] = index
            written[name] = header
    if kind == "weekly" and (len(columns) < 2 or "week" not in columns):
        return None
    return Layout(kind, -1, columns, written, tuple(ignored))


def find_layout(tables: Sequence[Table], catalog: Catalog) -> tuple[Table, Layout]:
    """The table and header row with the most recognised columns."""
    best: tuple[int, Table, Layout] | None = None
    for table in tables:
        for index, row in enumerate(table.rows[:HEADER_SCAN_ROWS]):
            layout = _layout_of(row, catalog)
            if layout is None:
                continue
            layout.header_row = index
            score = len(layout.columns)
            if best is None or score > best[0]:
                best = (score, table, layout)
            break  # the first recognisable row of a table is its header
    if best is None:
        where = tables[0].where if tables else "the file"
        raise ImportFileError(
            f"{where} has no columns csconsole recognises: expected Week, Uptime %, Time Saved, "
            "Errors, Satisfaction, Notes (or client, metric, period, value)"
        )
    _, table, layout = best
    if layout.kind == "long" and "period" not in layout.columns:
        raise ImportFileError(f"{table.where} has metric and value columns but no period column")
    return table, layout


# --- cells ----------------------------------------------------------------------


def is_blank(cell: Cell) -> bool:
    return cell is None or (isinstance(cell, str) and cell.strip().casefold() in _BLANKS)


def _show(cell: Cell) -> str:
    if isinstance(cell, Percent):
        return f"'{float(cell):g}%'"
    if isinstance(cell, float):
        return f"'{cell:g}'"
    if isinstance(cell, datetime | date | time):
        return f"'{cell.isoformat()}'"
    return repr(cell if isinstance(cell, str) else str(cell))


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_DATETIME = re.compile(r"(\d{4}-\d{2}-\d{2})[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?")
_WEEK_NUMBER = re.compile(r"(?:w|wk|week)?\s*\.?\s*#?\s*(\d{1,3})", re.IGNORECASE)
_LOCAL_DATE = re.compile(r"\d{1,2}[/.]\d{1,2}[/.]\d{2,4}")


def cell_period(cell: Cell) -> date | int | str:
    """A date, a week number, or why the cell is neither."""
    if isinstance(cell, Uncomputed):
        return cell.problem()
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    if isinstance(cell, bool | Percent):
        return f"{_show(cell)} is not a week number (1–5) or a date"
    if isinstance(cell, int | float):
        if float(cell).is_integer():
            return int(cell)
        return f"{_show(cell)} is not a week number (1–5) or a date"
    text = str(cell).strip()
    match = _ISO_DATE.fullmatch(text) or _ISO_DATETIME.fullmatch(text)
    if match:
        try:
            return date.fromisoformat(match.group(0)[:10])
        except ValueError:
            return f"{text!r} is not a real date"
    if match := _WEEK_NUMBER.fullmatch(text):
        return int(match.group(1))
    if _LOCAL_DATE.fullmatch(text):
        return (
            f"{text!r} is ambiguous (day and month order differ between countries); "
            "write the date as YYYY-MM-DD, e.g. 2026-10-05"
        )
    return f"{text!r} is not a week number (1–5) or a date (YYYY-MM-DD)"


def week_start(number: int, month: date) -> date | str:
    """Week ``number`` of ``month``: the first Monday on or after the 1st + 7×(N−1) days."""
    if not 1 <= number <= 5:
        return f"week {number} is not a week of a month (1–5)"
    start = first_monday(month) + timedelta(days=7 * (number - 1))
    if start.month != month.month:
        return (
            f"week {number} of {month:%B %Y} would start on {start.isoformat()}, after the "
            f"month ends ({month:%B %Y} has {number - 1} Mondays)"
        )
    return start


_NUMBER = re.compile(r"[-+−]?\s*(?:\d[\d,.\u00a0\u202f' ]*)?\d|[-+−]?[.,]\d+")


def _to_float(text: str) -> float | None:
    """'1,234.5', '1.234,5', '99,8', '1 234' as numbers; None when ambiguous or not a number."""
    sign = -1.0 if text[:1] in "-−" else 1.0
    digits = re.sub(r"[\s\u00a0\u202f']", "", text.lstrip("+-−").strip())
    if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", digits):
        digits = digits.replace(",", "")
    elif re.fullmatch(r"\d{1,3}(\.\d{3})+,\d+", digits):
        digits = digits.replace(".", "").replace(",", ".")
    elif re.fullmatch(r"\d*,\d+", digits):
        digits = digits.replace(",", ".")
    elif not re.fullmatch(r"\d*\.?\d+", digits):
        return None
    return sign * float(digits)


def cell_value(cell: Cell, metric: Metric) -> float | str:
    """The number a cell holds for ``metric``, or why it holds none."""
    unit = metric.unit
    wanted = _UNIT_WORDS.get(unit, "a number")
    if isinstance(cell, Uncomputed):
        return cell.problem()
    if isinstance(cell, bool):
        return f"{_show(cell)} is not {wanted}"
    if isinstance(cell, Percent):
        if unit != "%":
            return f"{_show(cell)} is a percentage, not {wanted}"
        value = float(cell)
    elif isinstance(cell, int | float):
        value = float(cell)
    elif isinstance(cell, datetime | date | time):
        return (
            f"{_show(cell)} is a date in the sheet, not {wanted} "
            "(Excel turns a typed 8/10 into a date; type 8.5 or format the column as text)"
        )
    else:
        text = str(cell).strip()
        prefix = ""
        if text[:1] in "$€£":
            prefix, text = text[0], text[1:].lstrip()
        match = _NUMBER.match(text)
        if not match:
            return f"{_show(cell)} is not {wanted}"
        number = _to_float(match.group(0))
        suffix = re.sub(r"\s+", "", text[match.end() :]).casefold()
        if prefix and unit != "$":
            return f"{_show(cell)} is not {wanted}"
        if number is None or suffix not in _SUFFIXES.get(unit, {""}):
            return f"{_show(cell)} is not {wanted}"
        value = number
    if unit == "count" and value == value and not value.is_integer():
        return f"{_show(cell)} is not {wanted}"
    if problem := metric.check_value(value):
        return problem
    return value


def cell_note(cell: Cell) -> str | None:
    """The note exactly as typed (only surrounding spaces and tabs dropped); '-' is no note."""
    if cell is None:
        return None
    if isinstance(cell, datetime | date | time):
        text = cell.isoformat()
    elif isinstance(cell, float):
        text = f"{cell:g}"
    else:
        text = str(cell)
    text = text.strip(" \t")
    return None if is_blank(text) else text


def sheet_month(month: str | None) -> date | None:
    if month is None:
        return None
    match = re.fullmatch(r"\s*(\d{4})-(\d{1,2})\s*", month)
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ImportFileError(
            f"--month {month!r} is not a month; write it as YYYY-MM, e.g. 2026-10"
        )
    return date(int(match.group(1)), int(match.group(2)), 1)
