"""The opportunity database: checks shared by form, CLI and import; IDs; history; import and
export; pipeline figures; the demo set; and that neither a sync nor a migration loses a row."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import threading
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import text
from tests.conftest import TODAY

from csconsole.cache import Cache, cache_engine, head_revision, upgrade
from csconsole.catalog import Catalog
from csconsole.cli import main
from csconsole.errors import ImportFileError, KnownError
from csconsole.ingest.sync import Syncer
from csconsole.models import Source, utcnow
from csconsole.opportunities.checks import raw_of, validate
from csconsole.opportunities.context import ClientRef, Context, load_categories, load_context
from csconsole.opportunities.demo import create_demo_opportunities
from csconsole.opportunities.files import export_rows, import_file
from csconsole.opportunities.model import PRIORITIES, STATUSES
from csconsole.opportunities.pipeline import open_by_client, pipeline
from csconsole.opportunities.store import create, get, history, list_opportunities, remove, save

HOSTILE = 'Café <b>&amp;</b> "quoted", =SUM(A1) 🚀\r\nsecond line'


def add_client(
    cache: Cache, key: str = "CL-001", *, tier: str = "essential", rate: float = 50.0
) -> None:
    with cache.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO clients (key, name, tier, package_value, start_date, csm, "
                "technical_lead, contact_name, contact_email, team_size, hourly_rate, "
                "cost_per_error, synced_at) VALUES (:key, :name, :tier, 2500, '2025-01-01', "
                "'Maya', 'Tom', '', '', 5, :rate, 50, '2025-01-01 00:00:00.000000')"
            ),
            {"key": key, "name": f"Client {key} <&>", "tier": tier, "rate": rate},
        )


@pytest.fixture
def store(cache: Cache) -> Cache:
    add_client(cache, "CL-001", tier="essential")
    add_client(cache, "CL-002", tier="enterprise", rate=80.0)
    return cache


@pytest.fixture
def ctx(store: Cache, catalog: Catalog) -> Context:
    return load_context(store, catalog)


def raw(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "client_key": "CL-001",
        "category": "PO",
        "area": "Lead Management",
        "current_state": "80% automated",
        "improvement": "Add email sequence automation",
        "benefit": "+3 hours/week savings",
        "investment": "$500",
        "timeline_weeks": "2",
        "priority": "High",
        "required_tier": "essential",
        "status": "identified",
        "owner": "Maya",
        "next_review": "2026-12-01",
    }
    base.update(overrides)
    return base


def new(store: Cache, ctx: Context, **overrides: Any) -> str:
    result = validate(raw(**overrides), ctx)
    assert result.opportunity is not None, result.errors
    return create(store, result.opportunity, who="tester")


# --- validation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"area": ""}, "area", "Area is required"),
        ({"area": "   "}, "area", "Area is required"),
        ({"area": "x" * 201}, "area", "too long"),
        ({"improvement": "y" * 100_000}, "improvement", "too long (100,000 characters"),
        ({"investment": "-1"}, "investment", "must be 0 or more"),
        ({"investment": "lots"}, "investment", "must be a number of dollars"),
        ({"investment": "nan"}, "investment", "must be a number of dollars"),
        ({"benefit_amount": "-3", "benefit_unit": "h/week"}, "benefit_amount", "0 or more"),
        ({"benefit_amount": "abc"}, "benefit_amount", "must be a number"),
        ({"benefit_amount": "5", "benefit": ""}, "benefit_unit", "$/month or h/week"),
        ({"benefit_unit": "per fortnight"}, "benefit_unit", "$/month or h/week"),
        ({"client_key": "CL-999"}, "client_key", "Unknown client 'CL-999'"),
        ({"client_key": ""}, "client_key", "Client is required"),
        ({"category": "XX"}, "category", "Unknown category 'XX'"),
        ({"timeline_weeks": "0"}, "timeline_weeks", "between 1 and 520"),
        ({"timeline_weeks": "2.5"}, "timeline_weeks", "whole number"),
        ({"timeline_weeks": "soon"}, "timeline_weeks", "whole number"),
        ({"next_review": "2026-02-30"}, "next_review", "real date"),
        ({"next_review": "tomorrow"}, "next_review", "real date"),
        ({"priority": "urgent"}, "priority", "one of high, medium, low"),
        ({"status": "won"}, "status", "one of identified"),
        ({"required_tier": "platinum"}, "required_tier", "essential, professional, enterprise"),
        ({"owner": "bell\x07"}, "owner", "control character"),
        ({"roi_typed": "ten"}, "roi_typed", "percentage"),
    ],
)
def test_bad_input_is_named_at_its_field(
    ctx: Context, overrides: dict[str, Any], field: str, words: str
) -> None:
    result = validate(raw(**overrides), ctx)
    assert result.opportunity is None
    assert words in result.errors[field], result.errors


@pytest.mark.parametrize(
    ("overrides", "field", "expected"),
    [
        ({"investment": "$1,200"}, "investment", 1200.0),
        ({"investment": "0"}, "investment", 0.0),
        ({"investment": ""}, "investment", None),
        ({"timeline_weeks": "3 weeks"}, "timeline_weeks", 3),
        ({"status": "In_Progress"}, "status", "in progress"),
        ({"priority": "LOW"}, "priority", "low"),
        ({"required_tier": "Enterprise"}, "required_tier", "enterprise"),
        ({"category": "Integration enhancement"}, "category", "IE"),
        ({"client_key": "client cl-002 <&>"}, "client_key", "CL-002"),
        ({"next_review": date(2027, 1, 2)}, "next_review", date(2027, 1, 2)),
        ({"area": HOSTILE.replace("\r\n", " ")}, "area", HOSTILE.replace("\r\n", " ")),
        ({"current_state": HOSTILE}, "current_state", HOSTILE.replace("\r\n", "\n")),
    ],
)
def test_values_are_read_as_people_type_them(
    ctx: Context, overrides: dict[str, Any], field: str, expected: Any
) -> None:
    result = validate(raw(**overrides), ctx)
    assert result.opportunity is not None, result.errors
    assert getattr(result.opportunity, field) == expected


@pytest.mark.parametrize(
    ("overrides", "benefit", "roi", "computed"),
    [
        # 3 h/week × 52 × $50 = 7,800 a year; (7,800 − 500) / 500 = 1,460 %
        ({}, 7800.0, 1460.0, True),
        # $2,000/month × 12 = 24,000; (24,000 − 1,200) / 1,200 = 1,900 %
        ({"benefit": "$2,000/month savings", "investment": "1200"}, 24000.0, 1900.0, True),
        ({"benefit_amount": "100", "benefit_unit": "$/month", "investment": "1200"}, 1200, 0, True),
        # no number in the benefit: the typed ROI is kept
        ({"benefit": "15% better decisions", "roi_typed": "180%"}, None, 180.0, False),
        # no investment: nothing to divide by
        ({"investment": "0", "roi_typed": "50"}, 7800.0, 50.0, False),
    ],
)
def test_annual_roi_is_computed_from_the_numbers_else_typed(
    ctx: Context, overrides: dict[str, Any], benefit: float | None, roi: float, computed: bool
) -> None:
    opp = validate(raw(**overrides), ctx).opportunity
    assert opp is not None
    assert opp.annual_benefit == benefit
    assert opp.roi == pytest.approx(roi)
    assert opp.roi_computed is computed


def test_upsell_when_the_clients_package_is_below_the_required_one(ctx: Context) -> None:
    up = validate(raw(required_tier="enterprise"), ctx).opportunity
    same = validate(raw(required_tier="essential"), ctx).opportunity
    higher_client = validate(raw(client_key="CL-002", required_tier="enterprise"), ctx)
    assert up is not None and up.upsell
    assert same is not None and not same.upsell
    assert higher_client.opportunity is not None and not higher_client.opportunity.upsell


# --- IDs and history -----------------------------------------------------------------------


def test_ids_follow_the_category_and_are_never_reused_after_delete(
    store: Cache, ctx: Context
) -> None:
    assert new(store, ctx) == "PO-001"
    assert new(store, ctx, category="IE") == "IE-001"
    assert new(store, ctx) == "PO-002"
    remove(store, "PO-002", who="tester")
    assert new(store, ctx) == "PO-003"
    remove(store, "PO-003", who="tester")
    remove(store, "PO-001", who="tester")
    assert new(store, ctx) == "PO-004"
    assert new(store, ctx, category="AF") == "AF-001"


def test_ids_are_unique_across_two_caches_on_one_file(
    tmp_path: Path, store: Cache, catalog: Catalog
) -> None:
    """Two console windows on one cache: each allocation is in its own write transaction."""
    opened = [Cache.open(store.path), Cache.open(store.path)]
    ids: list[str] = []
    errors: list[BaseException] = []

    def work(cache: Cache) -> None:
        try:
            ctx = load_context(cache, catalog)
            for _ in range(25):
                ids.append(new(cache, ctx))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(c,)) for c in opened]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for c in opened:
        c.close()
    assert not errors
    assert sorted(ids) == [f"PO-{n:03d}" for n in range(1, 51)]


@pytest.mark.slow
def test_ids_are_unique_across_two_processes(store: Cache) -> None:
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from csconsole.cache import Cache\n"
        "from csconsole.catalog import default_catalog\n"
        "from csconsole.opportunities.checks import validate\n"
        "from csconsole.opportunities.context import load_context\n"
        "from csconsole.opportunities.store import create\n"
        "with Cache.open(Path(sys.argv[1])) as c:\n"
        "    ctx = load_context(c, default_catalog())\n"
        "    for i in range(20):\n"
        "        r = validate({'client_key': 'CL-001', 'category': 'IE', 'area': 'x',\n"
        "                        'priority': 'low', 'status': 'proposed',\n"
        "                        'required_tier': 'essential'}, ctx)\n"
        "        print(create(c, r.opportunity, who=sys.argv[2]))\n"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(store.path), f"p{i}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=os.environ.copy(),
        )
        for i in range(2)
    ]
    ids = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        ids += out.split()
    assert sorted(ids) == [f"IE-{n:03d}" for n in range(1, 41)]


def test_every_change_is_kept_with_who_and_when(store: Cache, ctx: Context) -> None:
    opp_id = new(store, ctx)
    old = get(store, opp_id, ctx)
    changed = validate({**raw_of(old), "status": "proposed", "investment": 650}, ctx, opp_id=opp_id)
    assert changed.opportunity is not None
    assert save(store, changed.opportunity, who="lead")
    assert not save(store, changed.opportunity, who="lead")  # nothing new: no entry
    remove(store, opp_id, who="boss")
    entries = history(store, opp_id)
    assert [(e.action, e.who) for e in entries] == [
        ("create", "tester"),
        ("update", "lead"),
        ("delete", "boss"),
    ]
    assert entries[1].changes == {
        "investment": [500.0, 650.0],
        "status": ["identified", "proposed"],
    }
    assert "Status: identified → proposed" in entries[1].lines()
    assert entries[0].changes["area"] == [None, "Lead Management"]
    assert entries[2].changes["area"] == ["Lead Management", None]
    assert all(e.at.tzinfo is not None for e in entries)
    with pytest.raises(KnownError, match="no opportunity 'PO-001'"):
        get(store, opp_id)


def test_hostile_text_is_stored_and_listed_as_typed(store: Cache, ctx: Context) -> None:
    opp_id = new(store, ctx, current_state=HOSTILE, owner="Zoë 🚀 <admin> & co")
    opp = get(store, opp_id, ctx)
    assert opp.current_state == HOSTILE.replace("\r\n", "\n")
    assert opp.owner == "Zoë 🚀 <admin> & co"
    assert [o.id for o in list_opportunities(store, ctx, text="🚀")] == [opp_id]
    assert list_opportunities(store, ctx, text="nothing like this") == []


def test_list_filters_by_client_and_status(store: Cache, ctx: Context) -> None:
    new(store, ctx)
    new(store, ctx, client_key="CL-002", status="in progress")
    assert [o.client_key for o in list_opportunities(store, ctx, client="CL-002")] == ["CL-002"]
    assert len(list_opportunities(store, ctx, status="in_progress")) == 1
    with pytest.raises(KnownError, match="unknown client"):
        list_opportunities(store, ctx, client="nobody")


def test_pipeline_and_open_value_per_client(store: Cache, ctx: Context, catalog: Catalog) -> None:
    new(store, ctx, status="identified", next_review="2026-11-01", required_tier="enterprise")
    new(store, ctx, status="proposed", next_review="2026-12-05", investment="1000")
    new(store, ctx, status="in progress", next_review="2027-01-05")
    new(store, ctx, status="completed", next_review="2026-10-01")
    new(store, ctx, status="declined")
    pipe = pipeline(store, catalog, "CL-001", today=TODAY)
    assert pipe.counts == {
        "identified": 1,
        "proposed": 1,
        "in progress": 1,
        "completed": 1,
        "declined": 1,
    }
    assert pipe.next_review == date(2026, 11, 1)
    assert (pipe.overdue, pipe.upsell, pipe.open_value) == (1, 1, 2000.0)
    assert dict(pipe.lines())["Next review"] == "2026-11-01 (1 overdue)"
    assert open_by_client(store) == {"CL-001": (3, 2000.0)}


# --- import and export -------------------------------------------------------------------


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


def count_rows(cache: Cache) -> int:
    with cache.engine.connect() as conn:
        return int(conn.exec_driver_sql("SELECT count(*) FROM opportunities").scalar_one())


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


# --- demo, sync, migration -------------------------------------------------------------------


def test_demo_creates_a_believable_set_once(synced_cache: Cache, catalog: Catalog) -> None:
    created = create_demo_opportunities(synced_cache, catalog, today=TODAY)
    assert created >= 60
    ctx = load_context(synced_cache, catalog)
    rows = list_opportunities(synced_cache, ctx)
    assert {o.category for o in rows} == {"PO", "IE", "AF"}
    assert {o.status for o in rows} == set(STATUSES)
    assert {o.priority for o in rows} == set(PRIORITIES)
    assert {(o.category, o.status) for o in rows} == {
        (c, s) for c in ("PO", "IE", "AF") for s in STATUSES
    }
    assert sum(o.overdue(TODAY) for o in rows) >= 5
    assert sum(o.upsell for o in rows) >= 5
    assert sum(o.roi_computed for o in rows) >= 20
    assert all(history(synced_cache, o.id)[0].who == "demo" for o in rows[:3])
    # Never twice, never over a user's rows.
    assert create_demo_opportunities(synced_cache, catalog, today=TODAY) == 0
    assert len(list_opportunities(synced_cache, ctx)) == created


def test_demo_is_the_same_every_time(synced_cache: Cache, catalog: Catalog, tmp_path: Path) -> None:
    copy = tmp_path / "copy.sqlite"
    shutil.copy(synced_cache.path, copy)
    create_demo_opportunities(synced_cache, catalog, today=TODAY)
    with Cache.open(copy) as other:
        create_demo_opportunities(other, catalog, today=TODAY)
        ctx = load_context(other, catalog)
        a = [o.stored() for o in list_opportunities(synced_cache, ctx)]
        b = [o.stored() for o in list_opportunities(other, ctx)]
    assert a == b


def snapshot(cache: Cache) -> dict[str, list[tuple[Any, ...]]]:
    with cache.engine.connect() as conn:
        return {
            t: [tuple(r) for r in conn.exec_driver_sql(f"SELECT * FROM {t} ORDER BY 1")]
            for t in ("opportunities", "opportunity_counters", "opportunity_history")
        }


def test_sync_never_touches_the_opportunities(
    cache: Cache, catalog: Catalog, demo_warehouse: Path, tmp_path: Path
) -> None:
    warehouse = tmp_path / "wh.sqlite"
    shutil.copy(demo_warehouse, warehouse)
    with cache.session() as session:
        source = Source(name="wh", kind="sql", url=f"sqlite:///{warehouse}", created_at=utcnow())
        session.add(source)
    assert Syncer(cache, catalog, today=TODAY).sync(source).status == "ok"
    create_demo_opportunities(cache, catalog, today=TODAY)
    ctx = load_context(cache, catalog)
    opp_id = new(cache, ctx, client_key="CL-004")
    remove(cache, new(cache, ctx, client_key="CL-004"), who="tester")
    # An opportunity of a client the warehouse no longer has is kept too.
    with cache.engine.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE opportunities SET client_key = 'CL-GONE' WHERE id = ?", (opp_id,)
        )
    before = snapshot(cache)
    # The warehouse changes: every client updated, one removed; sync picks it all up.
    with __import__("sqlite3").connect(warehouse) as conn:
        conn.execute(
            "UPDATE cs_clients SET name = name || ' Ltd', updated_at = '2026-11-22 06:00:00.000000'"
        )
    summary = Syncer(cache, catalog, today=TODAY, retention_months=3).sync(source)
    assert summary.status == "ok" and summary.updated > 0
    assert snapshot(cache) == before


def test_a_cache_at_0003_with_rows_upgrades_and_keeps_them(tmp_path: Path) -> None:
    from tests.test_cache import FIRST_REVISION_ROWS

    path = tmp_path / "old.sqlite"
    engine = cache_engine(path)
    upgrade(engine, path=path, revision="0003")
    rows = {
        **FIRST_REVISION_ROWS,
        "status_history": {"id": 1, "client_id": 7, "month": "2025-01", "status": "red",
                           "rating": 6.5, "complete": 1, "evaluated_at": "2025-02-01 00:00:00.000000",
                           "evaluation_json": '{"why": "<&> 🚀"}'},
        "alerts": {"id": 2, "client_id": 7, "month": "2025-01", "status": "red",
                   "previous_status": "green", "raised_at": "2025-02-01 00:00:00.000000",
                   "due_at": "2025-02-01 04:00:00.000000", "assigned_to": "Maya",
                   "reasons_json": "[]", "closed_at": None, "response_kind": None,
                   "response_note": None},
    }  # fmt: skip
    with engine.begin() as conn:
        for table, row in rows.items():
            columns = ", ".join(row)
            marks = ", ".join(f":{c}" for c in row)
            conn.execute(text(f"INSERT INTO {table} ({columns}) VALUES ({marks})"), row)
    engine.dispose()
    with Cache.open(path) as cache:
        assert cache.revision() == head_revision() != "0003"
        with cache.engine.connect() as conn:
            for table, row in rows.items():
                found = conn.execute(text(f"SELECT {', '.join(row)} FROM {table}")).mappings().all()
                assert [dict(r) for r in found] == [row], table
            assert conn.exec_driver_sql("SELECT count(*) FROM opportunities").scalar_one() == 0
        # The upgraded cache takes opportunities for the client it kept.
        ctx = Context(
            clients={"CL-007": ClientRef("CL-007", "Café", "essential", 45.0)},
            tiers=__import__("csconsole.catalog", fromlist=["x"]).default_catalog().tiers,
            categories=load_categories(),
        )
        assert new(cache, ctx, client_key="CL-007") == "PO-001"


# --- command line -----------------------------------------------------------------------


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_add_list_update_delete_history(
    store: Cache, capsys: pytest.CaptureFixture[str]
) -> None:
    c = ("--cache", str(store.path))
    code, out, _ = run(capsys, "opportunities", "add", *c, "--client", "CL-001", "--category",
                       "IE", "--area", "CRM <&> 🚀", "--benefit", "$2,000/month",
                       "--investment", "1200", "--package", "enterprise", "--json")  # fmt: skip
    assert code == 0
    added = json.loads(out)
    assert added["id"] == "IE-001" and added["annual_roi_percent"] == pytest.approx(1900)
    assert added["upsell"] is True and added["area"] == "CRM <&> 🚀"
    code, out, _ = run(capsys, "opportunities", "update", "ie-001", *c, "--status", "proposed")
    assert (code, out.strip()) == (0, "Updated IE-001.")
    code, out, _ = run(capsys, "opportunities", "list", *c, "--status", "proposed", "--json")
    assert [o["id"] for o in json.loads(out)] == ["IE-001"]
    code, out, _ = run(capsys, "opportunities", "list", *c, "--client", "CL-001")
    assert "IE-001" in out and "↑ upsell" in out
    code, out, _ = run(capsys, "opportunities", "history", "IE-001", *c)
    assert "Status: identified → proposed" in out
    code, out, _ = run(capsys, "opportunities", "delete", "IE-001", *c)
    assert code == 0 and "not given again" in out
    code, out, _ = run(capsys, "opportunities", "list", *c, "--json")
    assert json.loads(out) == []


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["add", "--client", "CL-001", "--category", "PO", "--area", "x", "--investment", "-3"],
         "Investment ($) must be 0 or more"),
        (["add", "--client", "CL-001", "--category", "PO", "--area", "x", "--investment", "abc"],
         "must be a number of dollars"),
        (["add", "--client", "nobody", "--category", "PO", "--area", "x"], "Unknown client"),
        (["add", "--client", "CL-001", "--category", "QQ", "--area", "x"], "Unknown category"),
        (["update", "PO-404", "--status", "proposed"], "no opportunity 'PO-404'"),
        (["delete", "PO-404"], "no opportunity 'PO-404'"),
        (["list", "--status", "won"], "Status must be one of"),
        (["import", "missing.csv"], "cannot read"),
    ],
)  # fmt: skip
def test_cli_errors_are_one_line(
    store: Cache, capsys: pytest.CaptureFixture[str], args: list[str], words: str
) -> None:
    code, _, err = run(capsys, "opportunities", *args, "--cache", str(store.path))
    assert code == 1
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("csconsole: error: "), err
    assert words in err
    assert count_rows(store) == 0


def test_cli_export_and_import(
    store: Cache, ctx: Context, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    new(store, ctx)
    c = ("--cache", str(store.path))
    out_file = tmp_path / "o.xlsx"
    code, out, _ = run(capsys, "opportunities", "export", str(out_file), *c)
    assert code == 0 and "Exported 1" in out
    code, out, _ = run(capsys, "opportunities", "import", str(out_file), *c, "--dry-run")
    assert code == 0 and "1 unchanged" in out and "dry run" in out


@pytest.mark.slow
def test_cli_demo_creates_the_opportunities(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    cache = str(tmp_path / "c.sqlite")
    assert run(capsys, "demo", "--cache", cache, "--today", TODAY.isoformat())[0] == 0
    _, out, _ = run(capsys, "opportunities", "list", "--cache", cache, "--json")
    rows = json.loads(out)
    assert len(rows) >= 60
    assert any(r["overdue"] for r in rows) and any(r["upsell"] for r in rows)


# --- dashboard and portfolio ---------------------------------------------------------------


def test_dashboard_pipeline_and_portfolio_read_the_store(
    synced_cache: Cache, catalog: Catalog
) -> None:
    from csconsole.dashboard import build_dashboard
    from csconsole.portfolio import build_portfolio

    create_demo_opportunities(synced_cache, catalog, today=TODAY)
    ctx = load_context(synced_cache, catalog)
    rows = list_opportunities(synced_cache, ctx)
    professional = next(c for c in ctx.clients.values() if c.tier == "professional")
    mine = [o for o in rows if o.client_key == professional.key]
    dashboard = build_dashboard(synced_cache, catalog, client_key=professional.key, today=TODAY)
    panel = next(p for p in dashboard.panels if p.key == "optimisation_pipeline")
    lines = dict(panel.lines)
    assert set(lines) == {"Identified", "Proposed", "In progress", "Completed", "Next review"}
    for label, status in (("Identified", "identified"), ("In progress", "in progress")):
        assert lines[label] == str(sum(o.status == status for o in mine))
    portfolio = build_portfolio(synced_cache, catalog, today=TODAY)
    by_key = {r.key: r for r in portfolio.rows}
    for key, (count, value) in open_by_client(synced_cache).items():
        assert (by_key[key].open_opportunities, by_key[key].opportunity_value) == (count, value)
    assert sum(r.open_opportunities for r in portfolio.rows) == sum(o.is_open for o in rows)


def test_dashboard_pipeline_says_when_there_are_none(synced_cache: Cache, catalog: Catalog) -> None:
    from csconsole.dashboard import build_dashboard

    ctx = load_context(synced_cache, catalog)
    professional = next(c for c in ctx.clients.values() if c.tier == "professional")
    dashboard = build_dashboard(synced_cache, catalog, client_key=professional.key, today=TODAY)
    panel = next(p for p in dashboard.panels if p.key == "optimisation_pipeline")
    assert "No opportunities recorded yet" in panel.note
    assert dict(panel.lines)["Identified"] == "0"
