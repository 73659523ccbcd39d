"""Opportunities to and from spreadsheets (.csv or .xlsx), with the same columns both
ways: an export imports back unchanged, and an import checks every row with
:func:`~csconsole.opportunities.checks.validate` before it writes anything."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from csconsole import csvsafe
from csconsole.cache import Cache
from csconsole.errors import ImportFileError, KnownError
from csconsole.ingest.spreadsheets import Table, Uncomputed, read_tables
from csconsole.opportunities.checks import Raw, cell_text, is_blank, validate
from csconsole.opportunities.context import Context, load_categories
from csconsole.opportunities.model import COLUMNS, ID_PATTERN, Opportunity
from csconsole.opportunities.store import (
    OPPORTUNITIES,
    current_user,
    find,
    insert_opportunity,
    update_opportunity,
)

REQUIRED_COLUMNS = ("Client", "Category", "Area", "Priority", "Required package", "Status")
#: Exports show labels where the import columns hold codes ("Advanced feature", not
#: "AF"); the codes follow in these columns, which an import prefers when present.
CODE_COLUMNS: dict[str, str] = {
    "Client key": "client_key",
    "Category code": "category",
    "Priority code": "priority",
    "Required package code": "required_tier",
    "Status code": "status",
}


# --- export ---------------------------------------------------------------------------


def _cell(opp: Opportunity, name: str) -> Any:
    if name == "roi_typed":
        return None if opp.roi is None else round(opp.roi, 1)
    value = getattr(opp, name)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _labels() -> tuple[dict[str, str], dict[str, str]]:
    """(category prefix → label, tier key → label) for the export's label columns."""
    from csconsole.catalog import default_catalog

    categories = {c.prefix: c.label for c in load_categories().values()}
    tiers = {t.key: t.label for t in default_catalog().tiers.values()}
    return categories, tiers


def _export_header() -> list[str]:
    header: list[str] = []
    for title, name in COLUMNS.items():
        header.append(title)
        header += [code for code, field in CODE_COLUMNS.items() if field == name]
    return header


def _export_line(
    opp: Opportunity, categories: Mapping[str, str], tiers: Mapping[str, str]
) -> list[Any]:
    """One row: labels as a person reads them, each code in the column after its label."""
    label = {
        "client_key": opp.client_name or opp.client_key,
        "category": categories.get(opp.category, opp.category),
        "priority": opp.priority.capitalize(),
        "required_tier": tiers.get(opp.required_tier, opp.required_tier.capitalize()),
        "status": opp.status.capitalize(),
    }
    line: list[Any] = []
    for name in COLUMNS.values():
        line.append(label[name] if name in label else _cell(opp, name))
        line += [getattr(opp, f) for code, f in CODE_COLUMNS.items() if f == name]
    return line


def export_rows(rows: Iterable[Opportunity], path: Path) -> int:
    """Write ``rows`` to ``path`` as .csv or .xlsx (by extension), with the import's columns."""
    rows = list(rows)
    suffix = path.suffix.lower()
    categories, tiers = _labels()
    header = _export_header()
    table = [_export_line(o, categories, tiers) for o in rows]
    try:
        if suffix == ".csv":
            with path.open("w", encoding="utf-8-sig", newline="") as fh:
                writer = csvsafe.SafeWriter(fh)
                writer.writerow(header)
                writer.writerows(["" if v is None else v for v in line] for line in table)
        elif suffix == ".xlsx":
            import openpyxl

            book = openpyxl.Workbook()
            sheet = book.active
            sheet.title = "Opportunities"
            sheet.append(header)
            for line in table:
                sheet.append(line)
            for row in sheet.iter_rows(min_row=2):
                for cell in row:
                    # Text that looks like a formula stays text (no formula injection).
                    if csvsafe.looks_like_formula(cell.value):
                        cell.data_type = "s"
            sheet.freeze_panes = "A2"
            book.save(path)
        else:
            raise KnownError(
                f"{path.name}: export to .csv or .xlsx, not {suffix or 'no extension'}"
            )
    except OSError as exc:
        raise KnownError(f"cannot write {path}: {exc.strerror or exc}") from None
    return len(rows)


# --- import ---------------------------------------------------------------------------


def _read_sheet(path: Path) -> Table | None:
    """The file's first sheet (a CSV read with commas), or None when the file is empty. A
    CSV's text cells lose the apostrophe our export puts before what looks like a formula."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ImportFileError(
            f"{path.name}: import a .csv or .xlsx file, not {suffix or 'no extension'}"
        )
    try:
        path.stat()  # a missing file in this import's own words ("cannot read …")
    except OSError as exc:
        raise ImportFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    tables = read_tables(path, what="a sheet of opportunities", delimiters=(",",))
    if not tables:
        return None
    sheet = tables[0]
    if not sheet.workbook:
        sheet.rows = [[csvsafe.restore(cell) for cell in row] for row in sheet.rows]
    return sheet


def _header_map(header: Sequence[Raw], name: str) -> dict[int, str]:
    by_name = {h.casefold(): f for h, f in COLUMNS.items()}
    by_name.update({f.casefold(): f for f in COLUMNS.values()})
    codes = {h.casefold(): f for h, f in CODE_COLUMNS.items()}
    # A code column (an export's "Category code") wins over its label column.
    titles = [cell_text(c).strip() for c in header]
    coded = {codes[t.casefold()] for t in titles if t.casefold() in codes}
    found: dict[int, str] = {}
    unknown = []
    for i, text in enumerate(titles):
        if text.casefold() in codes:
            found[i] = codes[text.casefold()]
            continue
        if by_name.get(text.casefold()) in coded:
            continue  # the label beside its code column: read for people, not imported
        if not text:
            continue
        key = by_name.get(text.casefold())
        if key is None:
            unknown.append(text)
        elif key in found.values():
            raise ImportFileError(f"{name}: column {text!r} appears twice")
        else:
            found[i] = key
    problems = []
    missing = [c for c in REQUIRED_COLUMNS if COLUMNS[c] not in found.values()]
    if missing:
        problems.append(f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}")
    if unknown:
        problems.append(
            f"unknown column{'s' if len(unknown) > 1 else ''} {', '.join(repr(u) for u in unknown)}"
            f" (the columns are {', '.join(COLUMNS)})"
        )
    if problems:
        raise ImportFileError(f"{name}: {'; '.join(problems)}")
    return found


@dataclass(frozen=True)
class ImportReport:
    file: str
    created: list[str]
    updated: list[str]
    unchanged: int
    dry_run: bool

    def text(self) -> str:
        verb = "would create" if self.dry_run else "created"
        verb2 = "would update" if self.dry_run else "updated"
        return (
            f"{self.file}: {verb} {len(self.created)}, {verb2} {len(self.updated)}, "
            f"{self.unchanged} unchanged" + (" (dry run: nothing written)" if self.dry_run else "")
        )


def import_file(
    cache: Cache, ctx: Context, path: Path, *, dry_run: bool = False, who: str | None = None
) -> ImportReport:
    """Import opportunities from .csv or .xlsx: every row is checked first, and nothing is
    written unless the whole file is valid. A row with an ID that exists updates it; a row
    with a new ID keeps it; a row with no ID gets the next ID of its category."""
    path = Path(path)
    sheet = _read_sheet(path)
    table = sheet.rows if sheet else []
    while table and all(is_blank(c) for c in table[0]):
        table.pop(0)
    if not sheet or not table:
        raise ImportFileError(f"{path.name}: the file is empty")
    columns = _header_map(table[0], path.name)
    # A CSV row longer than its header has a stray comma; a workbook's cells right of the
    # header are notes beside the table, and are not read.
    width = max(map(len, table)) if sheet.workbook else len(table[0])
    problems: list[str] = []
    checked: list[Opportunity] = []
    seen: dict[str, int] = {}
    for line, row in enumerate(table[1:], start=2):
        if all(is_blank(c) for c in row):
            continue
        if len(row) > width and any(not is_blank(c) for c in row[width:]):
            problems.append(f"line {line}: more cells than columns")
            continue
        formula = next((c for c in row if isinstance(c, Uncomputed)), None)
        if formula is not None:
            problems.append(f"line {line}: {formula.problem()}")
            continue
        raw = {name: row[i] if i < len(row) else None for i, name in columns.items()}
        opp_id = cell_text(raw.pop("id", None)).strip().upper()
        if opp_id:
            if not ID_PATTERN.match(opp_id):
                problems.append(f"line {line}: ID {opp_id[:40]!r} is not like PO-001")
                continue
            if opp_id in seen:
                problems.append(
                    f"line {line}: ID {opp_id} appears twice (also on line {seen[opp_id]})"
                )
                continue
            seen[opp_id] = line
        result = validate(raw, ctx, opp_id=opp_id)
        if not result.ok:
            problems.append(f"line {line}: {result.message()}")
            continue
        assert result.opportunity is not None
        checked.append(result.opportunity)
    if problems:
        more = f" (and {len(problems) - 20} more)" if len(problems) > 20 else ""
        raise ImportFileError(f"{path.name}: " + "; ".join(problems[:20]) + more)
    created: list[str] = []
    updated: list[str] = []
    unchanged = 0
    who = who or current_user()
    now = datetime.now(UTC)
    with cache.engine.begin() as conn:
        existing = {r[0] for r in conn.execute(select(OPPORTUNITIES.c.id))}
        for opp in checked:
            if opp.id and opp.id in existing:
                if dry_run:
                    old = find(conn, opp.id)
                    changed = old is None or old.stored() != opp.stored()
                else:
                    changed = update_opportunity(conn, opp, who=who, now=now)
                if changed:
                    updated.append(opp.id)
                else:
                    unchanged += 1
            elif dry_run:
                created.append(opp.id or f"new {opp.category}")
            else:
                created.append(insert_opportunity(conn, opp, who=who, now=now))
        if dry_run:
            conn.rollback()
    return ImportReport(path.name, created, updated, unchanged, dry_run)
