"""Spreadsheet import: a client's weekly tracking sheet (.csv or .xlsx) into the cache.

Two layouts are read, told apart by their header row (which may sit below a title):

* **Weekly sheet** — the columns of seed 002's Monthly Tracking Spreadsheet: Week,
  Uptime %, Time Saved, Errors, Satisfaction, Notes. Headers are matched ignoring
  case, spaces, punctuation and unit hints in brackets ('Uptime%', 'Time Saved (hrs)',
  'time_saved'); any catalog metric's key or label is also accepted as a column.
  Cells are read as people type them: '99.8%', '16 hrs', '16h', '8.5/10', '1,234'.
  Each row becomes weekly samples (grain "week") of uptime, time_saved, error_count
  and satisfaction, and its Notes go to ``period_notes``. A blank cell writes nothing
  (and a blank note never erases a stored one). Rows whose Week cell says Total,
  Average or similar are summary rows and are skipped.
* **Long form** — columns client, metric, period, value, and optionally grain (day,
  week or month; "week" when absent). ``metric`` is a catalog key or label. The
  client column is optional; where present every row must name the ``--client``
  client (key or name), and a row for another client is an error rather than being
  imported elsewhere or silently skipped, so a wrong file can never land on the
  wrong account.

The Week (or period) cell is a date or a week number. **Weeks are Monday-based**
(SPEC "Sync"): a dated week moves to the Monday of its week, and week N of a month
(``--month YYYY-MM``) starts on the first Monday on or after the 1st, plus 7×(N−1)
days; a week 5 exists only when the month has five Mondays. A week belongs to the
month it starts in. Dates such as 05/10/2026 are refused because the day/month order
is ambiguous.

The whole file is checked before anything is written: values against the catalog
(:meth:`Metric.check_value`; hours saved per week against 168 h × the client's team
size when it is known), weeks not in the future, no week or (metric, period) twice.
Any problem stops the import with an :class:`ImportFileError` listing the rows
(numbered as the spreadsheet shows them, header = row 1) and reasons.

A good file's values are the CSM's word for their client, metric and week: they are
kept in ``sheet_values``, apart from the warehouse's samples, and every view uses them
instead of the warehouse samples of the same week (:func:`csconsole.rollup.samples_source`).
A sync never overwrites or deletes them. Importing a corrected sheet replaces the earlier
import of the weeks it covers (a value left blank there is removed); importing the same
sheet again changes nothing. :func:`preview_file` shows every row as it would be stored
and the warehouse values it would replace, without writing anything.
"""

from __future__ import annotations

import contextlib
import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError, OperationalError

from csconsole import clock
from csconsole.cache import Cache, describe_db_error
from csconsole.catalog import Catalog, Metric
from csconsole.errors import CacheError, ImportFileError
from csconsole.ingest.spreadsheets import Cell, Percent, Table, Uncomputed, read_tables
from csconsole.ingest.sync import SyncSummary, finish_run, start_run, upsert
from csconsole.rollup import first_monday, monday_of, refresh_rollup

#: How many problems the error message lists before "… and N more".
MAX_LISTED_PROBLEMS = 20
#: A tracking sheet has tens of rows; anything far bigger is the wrong file.
MAX_ROWS = 100_000
#: Rows scanned for the header (a sheet may start with a title or a blank line).
HEADER_SCAN_ROWS = 20
WEEK_NUMBER_RULE = "weeks start on Mondays; week 1 starts on the first Monday on or after the 1st"

GRAINS = ("day", "week", "month")

# Header spellings, normalised by _norm (lower case, letters and digits only).
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
#: Week cells of summary rows people add under the weeks (normalised).
_SUMMARY_ROW = re.compile(
    r"(monthly|month|weekly)?(total|totals|average|averages|avg|mean|sum|summary)"
)
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
# --- the report -----------------------------------------------------------------


@dataclass
class MetricCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0  # typed earlier for a week the sheet covers, blank in it now
    replaced_synced: int = 0  # warehouse samples the typed values take the place of


@dataclass(frozen=True)
class PreviewRow:
    """One value as it will be stored, with what it takes the place of."""

    row: int | None  # the sheet's row number; None for an earlier value being removed
    metric: str
    label: str
    unit: str
    period_start: date
    grain: str
    value: float | None  # None: removed
    earlier: float | None  # the value typed before for this period, if any
    warehouse_value: float | None  # the warehouse's figure it replaces (metric's own rule)
    warehouse_samples: int  # how many warehouse samples that is

    @property
    def change(self) -> str:
        if self.value is None:
            return "remove"
        if self.earlier is None:
            return "new"
        return "unchanged" if self.earlier == self.value else "update"


@dataclass
class ImportReport:
    """What an import did (or, for a dry run, would do)."""

    client_key: str
    client_name: str
    file_name: str
    layout: str  # "weekly" or "long"
    rows_read: int
    periods: int
    dry_run: bool
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    notes_written: int = 0
    notes_unchanged: int = 0
    per_metric: dict[str, MetricCounts] = field(default_factory=dict)
    week_number_month: date | None = None
    ignored_columns: tuple[str, ...] = ()
    skipped_rows: tuple[int, ...] = ()
    run_id: int | None = None
    rows: tuple[PreviewRow, ...] = ()

    @property
    def changed(self) -> bool:
        """Whether the import wrote anything (values or notes)."""
        return not self.dry_run and bool(
            self.inserted or self.updated or self.removed or self.notes_written
        )

    def text(self) -> str:
        """One summary line, then a line for each rule or skip the user should know about."""
        what = (
            _plural(self.periods, "week")
            if self.layout == "weekly"
            else _plural(self.rows_read, "row")
        )
        client = f"{self.client_name} ({self.client_key})"
        notes = _plural(self.notes_written, "note")
        removed = (
            f", {self.removed} {'to remove' if self.dry_run else 'removed'}" if self.removed else ""
        )
        if self.dry_run:
            lines = [
                f"Dry run: would import {what} for {client}: {self.inserted} to insert, "
                f"{self.updated} to update, {self.unchanged} unchanged{removed}, {notes} to write; "
                "nothing was written."
            ]
        else:
            lines = [
                f"Imported {what} for {client}: {self.inserted} inserted, {self.updated} updated, "
                f"{self.unchanged} unchanged{removed}, {notes}."
            ]
        replaced = sum(c.replaced_synced for c in self.per_metric.values())
        if replaced:
            lines.append(
                f"The typed values {'would take' if self.dry_run else 'take'} the place of "
                f"{_plural(replaced, 'warehouse sample')} in every view; a sync never "
                "overwrites them."
            )
        if self.week_number_month is not None:
            first = self.week_number_month
            lines.append(
                f"Week numbers were read as weeks of {first:%B %Y}: {WEEK_NUMBER_RULE} "
                f"(week 1 = {first_monday(first).isoformat()})."
            )
        if self.skipped_rows:
            rows = ", ".join(str(n) for n in self.skipped_rows)
            lines.append(f"Skipped summary rows (Total/Average): {rows}.")
        if self.ignored_columns:
            columns = ", ".join(repr(c) for c in self.ignored_columns)
            lines.append(f"Ignored columns csconsole does not know: {columns}.")
        return "\n".join(lines)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


# --- reading files --------------------------------------------------------------


def _read_tables(path: Path) -> list[Table]:
    tables = read_tables(path, what="a tracking sheet", max_rows=MAX_ROWS + HEADER_SCAN_ROWS)
    if not tables:
        raise ImportFileError(f"{path.name} is empty")
    return tables


# --- headers --------------------------------------------------------------------


def _norm(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", "", text.casefold())


def _header_text(cell: Cell) -> str:
    if cell is None:
        return ""
    return str(cell).strip()


@dataclass
class _Layout:
    kind: str  # "weekly" or "long"
    header_row: int  # index into rows (0-based)
    columns: dict[str, int]  # field -> column index
    headers: dict[str, str]  # field -> header as written
    ignored: tuple[str, ...]


def _field_names(catalog: Catalog) -> tuple[dict[str, str], dict[str, str]]:
    """Normalised header -> field, for the weekly sheet and for the long form."""
    weekly: dict[str, str] = {}
    for metric in catalog.metrics.values():
        weekly[_norm(metric.label)] = metric.key
        weekly[_norm(metric.key)] = metric.key
    for name, spellings in _WEEKLY_HEADERS.items():
        for spelling in spellings:
            weekly[spelling] = name
    long = {s: name for name, spellings in _LONG_HEADERS.items() for s in spellings}
    return weekly, long


def _match(header: str, names: dict[str, str]) -> str | None:
    plain = re.sub(r"[(\[].*?[)\]]", "", header)  # 'Time Saved (hrs)' -> 'Time Saved'
    return names.get(_norm(plain)) or names.get(_norm(header))


def _layout_of(row: Sequence[Cell], catalog: Catalog) -> _Layout | None:
    weekly_names, long_names = _field_names(catalog)
    headers = [_header_text(c) for c in row]
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
    return _Layout(kind, -1, columns, written, tuple(ignored))


def _find_layout(tables: Sequence[Table], catalog: Catalog) -> tuple[Table, _Layout]:
    """The table and header row with the most recognised columns."""
    best: tuple[int, Table, _Layout] | None = None
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


def _is_blank(cell: Cell) -> bool:
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


def _period(cell: Cell) -> date | int | str:
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


def _week_start(number: int, month: date) -> date | str:
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


def _value(cell: Cell, metric: Metric) -> float | str:
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


def _note(cell: Cell) -> str | None:
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
    return None if _is_blank(text) else text


def _parse_month(month: str | None) -> date | None:
    if month is None:
        return None
    match = re.fullmatch(r"\s*(\d{4})-(\d{1,2})\s*", month)
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ImportFileError(
            f"--month {month!r} is not a month; write it as YYYY-MM, e.g. 2026-10"
        )
    return date(int(match.group(1)), int(match.group(2)), 1)


# --- checking a whole sheet -----------------------------------------------------


@dataclass
class _Parsed:
    """Everything a good file would write, or the problems that stop it."""

    samples: dict[tuple[str, date], tuple[str, float]] = field(default_factory=dict)
    notes: dict[date, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    rows_read: int = 0
    periods: set[date] = field(default_factory=set)
    week_numbers: bool = False
    skipped: list[int] = field(default_factory=list)
    rows: dict[tuple[str, date], int] = field(default_factory=dict)  # sheet row of each value
    weeks: set[date] = field(default_factory=set)  # the weekly layout's week rows


@dataclass(frozen=True)
class _Client:
    id: int
    key: str
    name: str
    team_size: int = 0


class _Sheet:
    """Checks the rows of one table, keeping every problem with its spreadsheet row number."""

    def __init__(
        self,
        catalog: Catalog,
        *,
        layout: _Layout,
        client: _Client,
        month: date | None,
        today: date,
    ) -> None:
        self.catalog = catalog
        self.layout = layout
        self.client = client
        self.month = month
        self.today = today
        self.out = _Parsed()
        self.seen: dict[tuple[str, date], int] = {}
        self.week_rows: dict[date, int] = {}
        self.bad_rows: set[int] = set()
        weekly, _ = _field_names(catalog)
        self.metric_names = weekly

    def problem(self, row: int, column: str | None, text: str) -> None:
        where = f"row {row}, column {column!r}" if column else f"row {row}"
        self.bad_rows.add(row)
        self.out.problems.append(f"{where}: {text}")

    def cell(self, cells: Sequence[Cell], name: str) -> Cell:
        index = self.layout.columns.get(name)
        if index is None or index >= len(cells):
            return None
        return cells[index]

    def period(self, row: int, cell: Cell, column: str, grain: str = "week") -> date | None:
        """The period start the cell names (a week's Monday), or None after recording why
        it names none."""
        if _is_blank(cell):
            self.problem(row, column, "the cell is empty; give the week's start date or number")
            return None
        found = _period(cell)
        if isinstance(found, str):
            self.problem(row, column, found)
            return None
        if isinstance(found, int):
            if not 1 <= found <= 5:
                self.problem(row, column, f"{found} is not a week of a month (1–5) or a date")
                return None
            self.out.week_numbers = True
            if self.month is None:
                return None  # one message for the whole file, raised by the caller
            found = _week_start(found, self.month)
            if isinstance(found, str):
                self.problem(row, column, found)
                return None
        if grain == "week":
            found = monday_of(found)
        if found > self.today:
            self.problem(row, column, f"{found.isoformat()} is in the future")
            return None
        return found

    def add(
        self, row: int, column: str, metric: Metric, start: date, value: float, grain: str
    ) -> None:
        key = (metric.key, start)
        if key in self.seen:
            self.problem(
                row,
                column,
                f"{metric.label} for {start.isoformat()} is already given on row {self.seen[key]}",
            )
            return
        if metric.unit == "h/week" and self.client.team_size > 0:
            cap = 168 * self.client.team_size
            if value > cap:
                self.problem(
                    row,
                    column,
                    f"{metric.label} {value:g} h/week is more than 168 h for each of the "
                    f"team's {self.client.team_size} people ({cap:g} h)",
                )
                return
        self.seen[key] = row
        self.out.samples[key] = (grain, value)
        self.out.rows[key] = row

    def weekly(self, number: int, cells: Sequence[Cell]) -> None:
        layout = self.layout
        week_cell = self.cell(cells, "week")
        if isinstance(week_cell, str) and _SUMMARY_ROW.fullmatch(_norm(week_cell)):
            self.out.skipped.append(number)
            return
        self.out.rows_read += 1
        start = self.period(number, week_cell, layout.headers["week"])
        if start is not None:
            if start in self.week_rows:
                self.problem(
                    number,
                    layout.headers["week"],
                    f"week {start.isoformat()} is already on row {self.week_rows[start]}",
                )
                return
            self.week_rows[start] = number
            self.out.periods.add(start)
            self.out.weeks.add(start)
        for name, index in layout.columns.items():
            if name in ("week", "notes") or index >= len(cells) or _is_blank(cells[index]):
                continue
            metric = self.catalog.metrics[name]
            value = _value(cells[index], metric)
            if isinstance(value, str):
                self.problem(number, layout.headers[name], value)
            elif start is not None:
                self.add(number, layout.headers[name], metric, start, value, "week")
        note = _note(self.cell(cells, "notes"))
        if note is not None and start is not None:
            self.out.notes[start] = note

    def long(self, number: int, cells: Sequence[Cell]) -> None:
        layout = self.layout
        headers = layout.headers
        self.out.rows_read += 1
        if "client" in layout.columns:
            named = _header_text(self.cell(cells, "client"))
            if not named:
                self.problem(number, headers["client"], "the cell is empty")
                return
            if not _names_client(named, self.client):
                self.problem(
                    number,
                    headers["client"],
                    f"{named!r} is not {self.client.name} ({self.client.key}), the client "
                    "this import is for; import each client's rows with its own --client",
                )
                return
        metric_text = _header_text(self.cell(cells, "metric"))
        metric_key = self.metric_names.get(_norm(metric_text)) if metric_text else None
        metric = self.catalog.metrics.get(metric_key) if metric_key else None
        if metric is None:
            what = (
                f"{metric_text!r} is not a metric of the catalog"
                if metric_text
                else "the cell is empty"
            )
            self.problem(number, headers["metric"], what)
            return
        grain = "week"
        if "grain" in layout.columns:
            grain_text = _header_text(self.cell(cells, "grain")).casefold()
            if grain_text:
                if grain_text not in GRAINS:
                    self.problem(
                        number, headers["grain"], f"{grain_text!r} is not day, week or month"
                    )
                    return
                grain = grain_text
        start = self.period(number, self.cell(cells, "period"), headers["period"], grain)
        cell = self.cell(cells, "value")
        if _is_blank(cell):
            self.problem(number, headers["value"], "the cell is empty")
            return
        value = _value(cell, metric)
        if isinstance(value, str):
            self.problem(number, headers["value"], value)
        elif start is not None:
            self.out.periods.add(start)
            self.add(number, headers["value"], metric, start, value, grain)

    def read(self, rows: Sequence[Sequence[Cell]]) -> _Parsed:
        first = self.layout.header_row + 1
        data = 0
        for index in range(first, len(rows)):
            cells = rows[index]
            if all(_is_blank(c) or (isinstance(c, str) and not c.strip()) for c in cells):
                continue
            data += 1
            if data > MAX_ROWS:
                raise ImportFileError(
                    f"the file has more than {MAX_ROWS:,} rows; not a tracking sheet"
                )
            if self.layout.kind == "weekly":
                self.weekly(index + 1, cells)
            else:
                self.long(index + 1, cells)
        return self.out


def _names_client(text: str, client: _Client) -> bool:
    folded = text.strip().casefold()
    return folded in (client.key.casefold(), client.name.strip().casefold())


def _find_client(conn: Connection, wanted: str) -> _Client:
    """The client a --client value names (key or exact name, any case)."""
    clients = [
        _Client(int(i), str(k), str(n), int(t or 0))
        for i, k, n, t in conn.exec_driver_sql(
            "SELECT id, key, name, team_size FROM clients ORDER BY key"
        )
    ]
    folded = wanted.strip().casefold()
    by_key = [c for c in clients if c.key.casefold() == folded]
    if by_key:
        return by_key[0]
    by_name = [c for c in clients if c.name.strip().casefold() == folded]
    if len(by_name) == 1:
        return by_name[0]
    if by_name:
        keys = ", ".join(c.key for c in by_name)
        raise ImportFileError(f"several clients are named {wanted!r} ({keys}); give the client key")
    if not clients:
        raise ImportFileError(
            f"unknown client {wanted!r}: the cache has no clients yet; run 'csconsole sync' first"
        )
    names = [c.key for c in clients] + [c.name for c in clients]
    close = difflib.get_close_matches(wanted, names, n=3, cutoff=0.6)
    hint = f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""
    raise ImportFileError(
        f"unknown client {wanted!r}: give a client key such as CL-001 or the exact name{hint}"
    )


def _problem_message(where: str, problems: Sequence[str], rows: int) -> str:
    count = len(problems)
    head = (
        f"{where}: {_plural(count, 'problem')} in {_plural(rows, 'row')}; nothing was imported. "
        "Fix the rows and import the file again:"
    )
    lines = [head, *(f"  {p}" for p in problems[:MAX_LISTED_PROBLEMS])]
    if count > MAX_LISTED_PROBLEMS:
        lines.append(f"  … and {count - MAX_LISTED_PROBLEMS} more")
    return "\n".join(lines)


# --- comparing with the cache and writing -------------------------------------

_Key = tuple[str, date, str]  # metric, period start, grain


def _plan(
    conn: Connection, *, client: _Client, parsed: _Parsed, catalog: Catalog
) -> tuple[dict[str, MetricCounts], list[PreviewRow], dict[_Key, float | None], int, int]:
    """Compare the sheet with the cache: per-metric counts, one preview row per value
    (and per earlier value it removes), the changes to write ({key: value or None to
    delete}), and (notes changed, notes unchanged)."""
    counts: dict[str, MetricCounts] = {}
    rows: list[PreviewRow] = []
    changes: dict[_Key, float | None] = {}
    # The periods the sheet covers: an earlier import of those is replaced as a whole.
    covered = {(start, grain) for (_m, start), (grain, _v) in parsed.samples.items()}
    covered |= {(start, "week") for start in parsed.weeks}
    typed: dict[_Key, float] = {}
    warehouse: list[tuple[str, date, str, float]] = []
    notes: dict[date, str] = {}
    if parsed.periods:
        low = min(parsed.periods)
        high = max(parsed.periods) + timedelta(days=40)
        span = (client.id, low.isoformat(), high.isoformat())
        typed = {
            (str(m), date.fromisoformat(str(d)[:10]), str(g)): float(v)
            for m, d, g, v in conn.exec_driver_sql(
                "SELECT metric, period_start, grain, value FROM sheet_values "
                "WHERE client_id = ? AND period_start BETWEEN ? AND ?",
                span,
            )
        }
        warehouse = [
            (str(m), date.fromisoformat(str(d)[:10]), str(g), float(v))
            for m, d, g, v in conn.exec_driver_sql(
                "SELECT metric, period_start, grain, value FROM samples "
                "WHERE client_id = ? AND period_start BETWEEN ? AND ?",
                span,
            )
        ]
        notes = {
            date.fromisoformat(str(start)): str(note)
            for start, note in conn.exec_driver_sql(
                "SELECT period_start, note FROM period_notes "
                "WHERE client_id = ? AND period_start BETWEEN ? AND ?",
                span,
            )
        }
    for (metric_key, start), (grain, value) in sorted(
        parsed.samples.items(), key=lambda item: (item[0][1], item[0][0])
    ):
        metric = catalog.metrics[metric_key]
        entry = counts.setdefault(metric_key, MetricCounts())
        key = (metric_key, start, grain)
        earlier = typed.get(key)
        if grain == "week":
            end = start + timedelta(days=6)
            replaced = [
                v for m, d, g, v in warehouse
                if m == metric_key and g in ("day", "week") and start <= d <= end
            ]  # fmt: skip
        else:
            replaced = [v for m, d, g, v in warehouse if (m, d, g) == key]
        entry.replaced_synced += len(replaced)
        if earlier is None:
            entry.inserted += 1
            changes[key] = value
        elif earlier == value:
            entry.unchanged += 1
        else:
            entry.updated += 1
            changes[key] = value
        rows.append(
            PreviewRow(
                row=parsed.rows.get((metric_key, start)),
                metric=metric_key,
                label=metric.label,
                unit=metric.unit,
                period_start=start,
                grain=grain,
                value=value,
                earlier=earlier,
                warehouse_value=_aggregate(replaced, metric.aggregate),
                warehouse_samples=len(replaced),
            )
        )
    for key, earlier in typed.items():
        metric_key, start, grain = key
        if (start, grain) in covered and (metric_key, start) not in parsed.samples:
            counts.setdefault(metric_key, MetricCounts()).removed += 1
            changes[key] = None
            gone = catalog.metrics.get(metric_key)
            rows.append(
                PreviewRow(
                    row=None,
                    metric=metric_key,
                    label=gone.label if gone else metric_key,
                    unit=gone.unit if gone else "",
                    period_start=start,
                    grain=grain,
                    value=None,
                    earlier=earlier,
                    warehouse_value=None,
                    warehouse_samples=0,
                )
            )
    changed = sum(1 for start, note in parsed.notes.items() if notes.get(start) != note)
    return counts, rows, changes, changed, len(parsed.notes) - changed


def _aggregate(values: Sequence[float], rule: str) -> float | None:
    if not values:
        return None
    if rule == "sum":
        return sum(values)
    if rule == "max":
        return max(values)
    if rule == "last":
        return values[-1]
    return sum(values) / len(values)


def _write(
    conn: Connection,
    *,
    client: _Client,
    parsed: _Parsed,
    changes: dict[_Key, float | None],
    file_name: str,
) -> int:
    """Write the changed sheet values and the notes; returns the notes written."""
    stamp = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
    deleted = [(client.id, m, d.isoformat(), g) for (m, d, g), v in changes.items() if v is None]
    if deleted:
        conn.exec_driver_sql(
            "DELETE FROM sheet_values WHERE client_id = ? AND metric = ? AND period_start = ? "
            "AND grain = ?",
            deleted,
        )
    kept = [
        (client.id, m, d.isoformat(), g, v, file_name, stamp)
        for (m, d, g), v in changes.items()
        if v is not None
    ]
    if kept:
        conn.exec_driver_sql(
            "INSERT INTO sheet_values (client_id, metric, period_start, grain, value, file_name, "
            "imported_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (client_id, metric, "
            "period_start) DO UPDATE SET grain = excluded.grain, value = excluded.value, "
            "file_name = excluded.file_name, imported_at = excluded.imported_at",
            kept,
        )
    notes_in, notes_up = upsert(
        conn,
        table="period_notes",
        columns=("client_id", "period_start", "note"),
        conflict=("client_id", "period_start"),
        compare=("note",),
        rows=[(client.id, start.isoformat(), note) for start, note in parsed.notes.items()],
    )
    return notes_in + notes_up


@dataclass(frozen=True)
class _Checked:
    """A file read and checked in full, ready to compare with the cache and write."""

    client: _Client
    parsed: _Parsed
    report: ImportReport


def _check_file(
    cache: Cache,
    catalog: Catalog,
    path: Path,
    *,
    client: str,
    month: str | None,
    dry_run: bool,
    today: date,
) -> _Checked:
    first_of_month = _parse_month(month)
    try:
        with cache.engine.connect() as conn:
            target = _find_client(conn, client)
    except (OperationalError, DBAPIError) as exc:
        raise CacheError(describe_db_error(exc, path=cache.path)) from None
    table, layout = _find_layout(_read_tables(path), catalog)
    sheet = _Sheet(
        catalog,
        layout=layout,
        client=target,
        month=first_of_month,
        today=today,
    )
    parsed = sheet.read(table.rows)
    if parsed.week_numbers and first_of_month is None:
        raise ImportFileError(
            f"{table.where} numbers its weeks (1–5); say which month they belong to with "
            "--month YYYY-MM"
        )
    if parsed.problems:
        raise ImportFileError(_problem_message(table.where, parsed.problems, len(sheet.bad_rows)))
    if parsed.rows_read == 0:
        raise ImportFileError(f"{table.where} has a header row but no data rows")
    report = ImportReport(
        client_key=target.key,
        client_name=target.name,
        file_name=path.name,
        layout=layout.kind,
        rows_read=parsed.rows_read,
        periods=len(parsed.periods),
        dry_run=dry_run,
        week_number_month=first_of_month if parsed.week_numbers else None,
        ignored_columns=layout.ignored,
        skipped_rows=tuple(parsed.skipped),
    )
    return _Checked(target, parsed, report)


def import_file(
    cache: Cache,
    catalog: Catalog,
    path: Path,
    *,
    client: str,
    month: str | None = None,
    dry_run: bool = False,
    today: date | None = None,
) -> ImportReport:
    """Check the whole file, then write it in one transaction (or, for a dry run, only
    compare it with the cache). Raises :class:`ImportFileError` for any problem. The
    report's ``rows`` preview every value as stored and what it replaces."""
    path = Path(path)
    checked = _check_file(
        cache,
        catalog,
        path,
        client=client,
        month=month,
        dry_run=dry_run,
        today=today or clock.today(),
    )
    report = checked.report
    if dry_run:
        try:
            with cache.engine.connect() as conn:
                planned = _plan(conn, client=checked.client, parsed=checked.parsed, catalog=catalog)
        except (OperationalError, DBAPIError) as exc:
            raise CacheError(describe_db_error(exc, path=cache.path)) from None
        report.per_metric, rows, _changes, report.notes_written, report.notes_unchanged = planned
        report.rows = tuple(rows)
        _total(report)
        return report
    return _commit(cache, catalog, report=report, client=checked.client, parsed=checked.parsed)


def preview_file(
    cache: Cache,
    catalog: Catalog,
    path: Path,
    *,
    client: str,
    month: str | None = None,
    today: date | None = None,
) -> ImportReport:
    """What importing ``path`` would store, row by row, without writing anything."""
    return import_file(cache, catalog, path, client=client, month=month, dry_run=True, today=today)


def _total(report: ImportReport) -> None:
    counts = report.per_metric.values()
    report.inserted = sum(c.inserted for c in counts)
    report.updated = sum(c.updated for c in counts)
    report.unchanged = sum(c.unchanged for c in counts)
    report.removed = sum(c.removed for c in counts)


def _commit(
    cache: Cache, catalog: Catalog, *, report: ImportReport, client: _Client, parsed: _Parsed
) -> ImportReport:
    summary = SyncSummary(source=f"import:{report.file_name}")
    try:
        summary.run_id = start_run(cache, source_id=None, source_name=summary.source)
        with cache.engine.begin() as conn:
            # Planned inside the write transaction, so the plan is what gets written.
            planned = _plan(conn, client=client, parsed=parsed, catalog=catalog)
            report.per_metric, rows, changes, _notes, report.notes_unchanged = planned
            report.notes_written = _write(
                conn, client=client, parsed=parsed, changes=changes, file_name=report.file_name
            )
            refresh_rollup(conn)  # the client's months, in the same transaction
    except (OperationalError, DBAPIError) as exc:
        message = describe_db_error(exc, path=cache.path)
        if summary.run_id is not None:
            summary.status, summary.message = "failed", message
            _finish_quietly(cache, summary)
        raise CacheError(message) from None
    except KeyboardInterrupt:  # Ctrl-C: the transaction is rolled back, the run says so
        if summary.run_id is not None:
            summary.status, summary.message = "interrupted", "interrupted (Ctrl-C); nothing written"
            _finish_quietly(cache, summary)
        raise
    report.rows = tuple(rows)
    _total(report)
    summary.inserted, summary.updated = report.inserted, report.updated
    summary.unchanged = report.unchanged
    summary.message = report.text().splitlines()[0]
    if report.inserted or report.updated or report.removed or report.notes_written:
        summary.changed_clients = {client.key}
    report.run_id = summary.run_id
    _finish_quietly(cache, summary)
    return report


def _finish_quietly(cache: Cache, summary: SyncSummary) -> None:
    """Record the end of the run; the data is already safe, so a failure here only loses history."""
    with contextlib.suppress(OperationalError, DBAPIError):
        finish_run(cache, summary)
