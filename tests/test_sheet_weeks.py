"""Tracking-sheet weeks (SPEC "Sync"): Monday-based, the CSM's typed value in place of the
warehouse's in every view, never overwritten by a sync, re-imports idempotent."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from csconsole.cache import Cache
from csconsole.catalog import Catalog
from csconsole.dashboard import weekly_tracking
from csconsole.errors import ImportFileError
from csconsole.health.engine import HealthEngine
from csconsole.ingest.sheets import ImportReport, import_file
from csconsole.roi import client_roi
from csconsole.rollup import catalog_rules, month_index, monthly_values
from tests.helpers.health_helpers import add_client, add_samples, weekly

TODAY = date(2026, 11, 22)
NOVEMBER = month_index(date(2026, 11, 1))


def write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    return path


@pytest.fixture
def client(cache: Cache) -> int:
    """A client whose warehouse sends weekly hours (Mondays) and daily uptime."""
    cid = add_client(cache, start=date(2026, 1, 1), targets={"time_saved": 15}, team_size=5)
    add_samples(
        cache, cid, weekly("time_saved", ["2026-11-02", "2026-11-09", "2026-11-16"], [13.8] * 3)
    )
    add_samples(cache, cid, [("uptime", f"2026-11-{d:02d}", "day", 99.0) for d in range(2, 9)])
    return cid


def sheet(tmp_path: Path, rows: list[list[str]], name: str = "tracking.csv") -> Path:
    return write(tmp_path / name, [["Week", "Uptime%", "Time Saved", "Notes"], *rows])


def run(cache: Cache, catalog: Catalog, path: Path, **kw: Any) -> ImportReport:
    return import_file(cache, catalog, path, client="CL-900", month="2026-11", today=TODAY, **kw)


def typed(cache: Cache) -> list[tuple[object, ...]]:
    with cache.engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.exec_driver_sql(
                "SELECT metric, period_start, value, imported_at FROM sheet_values ORDER BY 1, 2"
            )
        ]


def test_seed_002_sheet_lands_on_monday_weeks_and_wins_in_every_view(
    cache: Cache, catalog: Catalog, client: int, tmp_path: Path
) -> None:
    """Week 1 of November 2026 is Monday the 2nd (the 1st is a Sunday). The typed 17 h
    replaces the warehouse's 13.8 h of that week; it is not averaged with it."""
    path = sheet(tmp_path, [["1", "98%", "17 hrs", "Smooth start"], ["2", "", "16 hrs", "Adapted"]])
    report = run(cache, catalog, path)
    assert (report.inserted, report.per_metric["uptime"].replaced_synced) == (3, 7)
    rows = {(r.metric, r.period_start.isoformat()): r for r in report.rows}
    assert rows[("time_saved", "2026-11-02")].warehouse_value == pytest.approx(13.8)
    assert rows[("uptime", "2026-11-02")].warehouse_samples == 7  # the seven days of the week

    # The monthly rollup behind status: hours are the mean of 17, 16 and the warehouse's
    # 13.8 of the third week; uptime is the typed 98 alone (the days it replaces are gone).
    values = monthly_values(
        cache.engine, first_month=NOVEMBER, last_month=NOVEMBER, rules=catalog_rules(catalog)
    )
    assert values[(client, "time_saved", NOVEMBER)][0] == pytest.approx((17 + 16 + 13.8) / 3)
    assert values[(client, "uptime", NOVEMBER)][0] == pytest.approx(98.0)

    engine = HealthEngine(cache, catalog, today=TODAY)
    info = engine.find_client("CL-900")
    (ev,) = engine.evaluate(NOVEMBER, client=info, record=False)
    kpi = ev.kpi("time_saved")
    assert kpi is not None and kpi.value == pytest.approx((17 + 16 + 13.8) / 3)

    weeks = weekly_tracking(cache, catalog, client=info, month=NOVEMBER)
    first = weeks[0]
    assert (first.week_start, first.hours_saved, first.uptime) == (date(2026, 11, 2), 17.0, 98.0)
    assert first.typed == {"time_saved", "uptime"} and first.note == "Smooth start"
    assert weeks[1].note == "Adapted" and weeks[2].typed == frozenset()
    assert weeks[2].hours_saved == pytest.approx(13.8)

    roi = client_roi(cache, client=info, month=NOVEMBER, today=TODAY)
    assert roi.current.hours_saved == pytest.approx(17 + 16 + 13.8)


def test_re_importing_the_same_sheet_changes_nothing(
    cache: Cache, catalog: Catalog, client: int, tmp_path: Path
) -> None:
    path = sheet(tmp_path, [["1", "98%", "17 hrs", "Smooth start"]])
    run(cache, catalog, path)
    before = typed(cache)
    again = run(cache, catalog, path)
    assert (again.inserted, again.updated, again.unchanged, again.removed) == (0, 0, 2, 0)
    assert again.notes_written == 0
    assert typed(cache) == before  # not even the import time was rewritten


def test_a_corrected_sheet_replaces_the_earlier_import_of_its_weeks(
    cache: Cache, catalog: Catalog, client: int, tmp_path: Path
) -> None:
    run(cache, catalog, sheet(tmp_path, [["1", "98%", "17 hrs", ""], ["2", "99%", "16 hrs", ""]]))
    # The corrected sheet: week 1's hours were 18, its uptime was not measured; week 2 as before.
    corrected = sheet(tmp_path, [["1", "", "18", ""]], name="corrected.csv")
    report = run(cache, catalog, corrected)
    assert (report.updated, report.removed) == (1, 1)
    assert [(m, d, v) for m, d, v, _ in typed(cache)] == [
        ("time_saved", "2026-11-02", 18.0),
        ("time_saved", "2026-11-09", 16.0),
        ("uptime", "2026-11-09", 99.0),
    ]


@pytest.mark.parametrize(("team", "accepted"), [(5, True), (1, False), (0, True)])
def test_team_hours_are_checked_against_168_per_person(
    cache: Cache, catalog: Catalog, tmp_path: Path, team: int, accepted: bool
) -> None:
    add_client(cache, start=date(2026, 1, 1), team_size=team)
    path = sheet(tmp_path, [["2026-11-02", "", "200 hrs", ""]])
    if accepted:  # five people can save 200 h a week; an unknown team size has no cap
        assert run(cache, catalog, path).inserted == 1
    else:
        with pytest.raises(ImportFileError) as info:
            run(cache, catalog, path)
        assert "200 h/week is more than 168 h for each of the team's 1 people (168 h)" in str(
            info.value
        )


def test_an_import_is_not_a_sync(
    cache: Cache, catalog: Catalog, client: int, tmp_path: Path
) -> None:
    """The status bar's "last synced" speaks of the warehouse, not of sheet imports."""
    from csconsole.portfolio import last_sync

    run(cache, catalog, sheet(tmp_path, [["1", "98%", "17 hrs", ""]]))
    assert last_sync(cache) is None
