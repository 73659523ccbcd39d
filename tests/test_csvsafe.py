"""Exports never carry a live formula: CSV cells are neutralised, .xlsx cells stay text."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import openpyxl
import pytest

from csconsole import csvsafe
from csconsole.cache import Cache
from csconsole.catalog import Catalog
from csconsole.opportunities.context import Context, load_context
from csconsole.opportunities.files import export_rows, import_file
from csconsole.opportunities.store import list_opportunities
from tests.helpers.opportunities import add_client, new

HOSTILE = {
    "area": '=HYPERLINK("http://evil.example","Click")',
    "current_state": "+1+cmd|' /C calc'!A0",
    "improvement": "-2+3",
    "owner": "@SUM(1+1)",
    "benefit": "\t=1+1",
}


@pytest.fixture
def store(cache: Cache) -> Cache:
    add_client(cache, "CL-001", tier="essential")
    return cache


@pytest.fixture
def ctx(store: Cache, catalog: Catalog) -> Context:
    return load_context(store, catalog)


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@cmd", "'@cmd"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("plain", "plain"),
        ("a=1", "a=1"),
        ("", ""),
        (-1.5, -1.5),
        (None, None),
    ],
)
def test_neutralise_and_restore(value: object, cell: object) -> None:
    assert csvsafe.neutralise(value) == cell
    if isinstance(value, str):
        assert csvsafe.restore(str(cell)) == value


def test_opportunity_csv_export_neutralises_formulas_and_reads_back(
    store: Cache, ctx: Context, tmp_path: Path
) -> None:
    """'=HYPERLINK(...)' was written raw and became a live formula in Excel (fault 6)."""
    new(store, ctx, **HOSTILE)
    path = tmp_path / "o.csv"
    export_rows(list_opportunities(store, ctx), path)
    with path.open(encoding="utf-8-sig", newline="") as fh:
        header, row = list(csv.reader(fh))
    cells = dict(zip(header, row, strict=True))
    texts = [cells[h] for h in header if cells[h] and not re.fullmatch(r"[\d.]+", cells[h])]
    assert not [t for t in texts if t.startswith(csvsafe.FORMULA_STARTS)], texts
    assert sum(t.startswith("'") for t in texts) == len(HOSTILE)
    # Importing our own export gives the same text back.
    report = import_file(store, ctx, path)
    assert (report.created, report.updated, report.unchanged) == ([], [], 1)


def test_opportunity_xlsx_export_keeps_formula_like_text_as_text(
    store: Cache, ctx: Context, tmp_path: Path
) -> None:
    new(store, ctx, **HOSTILE)
    path = tmp_path / "o.xlsx"
    export_rows(list_opportunities(store, ctx), path)
    sheet = openpyxl.load_workbook(path).active
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row]
    hostile = [c for c in cells if csvsafe.looks_like_formula(c.value)]
    assert len(hostile) == len(HOSTILE)
    assert all(c.data_type == "s" for c in hostile)


def test_every_csv_writer_of_the_program_is_the_safe_one() -> None:
    """A new CSV export must go through csvsafe, not csv.writer directly."""
    src = Path(__file__).resolve().parents[1] / "src" / "csconsole"
    offenders = [
        str(p.relative_to(src))
        for p in src.rglob("*.py")
        if p.name != "csvsafe.py"
        and re.search(r"csv\.(writer|DictWriter)\(|\.to_csv\(", p.read_text("utf-8"))
    ]
    assert offenders == []
