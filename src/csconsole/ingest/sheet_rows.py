"""Checking a whole tracking sheet before anything is written: each row's values against
the catalog, the weeks, duplicates, and the client the file is for."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Connection

from csconsole.catalog import Catalog, Metric
from csconsole.errors import ImportFileError
from csconsole.ingest.sheet_cells import (
    MAX_ROWS,
    Layout,
    cell_note,
    cell_period,
    cell_value,
    field_names,
    header_text,
    is_blank,
    normalized,
    week_start,
)
from csconsole.ingest.spreadsheets import Cell
from csconsole.rollup import monday_of

#: How many problems the error message lists before "… and N more".
MAX_LISTED_PROBLEMS = 20

GRAINS = ("day", "week", "month")

#: Week cells of summary rows people add under the weeks (normalised).
_SUMMARY_ROW = re.compile(
    r"(monthly|month|weekly)?(total|totals|average|averages|avg|mean|sum|summary)"
)


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


@dataclass
class Parsed:
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
class SheetClient:
    id: int
    key: str
    name: str
    team_size: int = 0


class Sheet:
    """Checks the rows of one table, keeping every problem with its spreadsheet row number."""

    def __init__(
        self,
        catalog: Catalog,
        *,
        layout: Layout,
        client: SheetClient,
        month: date | None,
        today: date,
    ) -> None:
        self.catalog = catalog
        self.layout = layout
        self.client = client
        self.month = month
        self.today = today
        self.out = Parsed()
        self.seen: dict[tuple[str, date], int] = {}
        self.week_rows: dict[date, int] = {}
        self.bad_rows: set[int] = set()
        weekly, _ = field_names(catalog)
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
        if is_blank(cell):
            self.problem(row, column, "the cell is empty; give the week's start date or number")
            return None
        found = cell_period(cell)
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
            found = week_start(found, self.month)
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
        if isinstance(week_cell, str) and _SUMMARY_ROW.fullmatch(normalized(week_cell)):
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
            if name in ("week", "notes") or index >= len(cells) or is_blank(cells[index]):
                continue
            metric = self.catalog.metrics[name]
            value = cell_value(cells[index], metric)
            if isinstance(value, str):
                self.problem(number, layout.headers[name], value)
            elif start is not None:
                self.add(number, layout.headers[name], metric, start, value, "week")
        note = cell_note(self.cell(cells, "notes"))
        if note is not None and start is not None:
            self.out.notes[start] = note

    def long(self, number: int, cells: Sequence[Cell]) -> None:
        layout = self.layout
        headers = layout.headers
        self.out.rows_read += 1
        if "client" in layout.columns:
            named = header_text(self.cell(cells, "client"))
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
        metric_text = header_text(self.cell(cells, "metric"))
        metric_key = self.metric_names.get(normalized(metric_text)) if metric_text else None
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
            grain_text = header_text(self.cell(cells, "grain")).casefold()
            if grain_text:
                if grain_text not in GRAINS:
                    self.problem(
                        number, headers["grain"], f"{grain_text!r} is not day, week or month"
                    )
                    return
                grain = grain_text
        start = self.period(number, self.cell(cells, "period"), headers["period"], grain)
        cell = self.cell(cells, "value")
        if is_blank(cell):
            self.problem(number, headers["value"], "the cell is empty")
            return
        value = cell_value(cell, metric)
        if isinstance(value, str):
            self.problem(number, headers["value"], value)
        elif start is not None:
            self.out.periods.add(start)
            self.add(number, headers["value"], metric, start, value, grain)

    def read(self, rows: Sequence[Sequence[Cell]]) -> Parsed:
        first = self.layout.header_row + 1
        data = 0
        for index in range(first, len(rows)):
            cells = rows[index]
            if all(is_blank(c) or (isinstance(c, str) and not c.strip()) for c in cells):
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


def _names_client(text: str, client: SheetClient) -> bool:
    folded = text.strip().casefold()
    return folded in (client.key.casefold(), client.name.strip().casefold())


def find_client(conn: Connection, wanted: str) -> SheetClient:
    """The client a --client value names (key or exact name, any case)."""
    clients = [
        SheetClient(int(i), str(k), str(n), int(t or 0))
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


def problem_message(where: str, problems: Sequence[str], rows: int) -> str:
    count = len(problems)
    head = (
        f"{where}: {plural(count, 'problem')} in {plural(rows, 'row')}; nothing was imported. "
        "Fix the rows and import the file again:"
    )
    lines = [head, *(f"  {p}" for p in problems[:MAX_LISTED_PROBLEMS])]
    if count > MAX_LISTED_PROBLEMS:
        lines.append(f"  … and {count - MAX_LISTED_PROBLEMS} more")
    return "\n".join(lines)
