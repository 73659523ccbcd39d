"""The use cases (csconsole.usecases) that the console, the command line and the self-test
share, on real caches: what each does, what it reports back, and what it leaves alone."""

from __future__ import annotations

import shutil
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from csconsole.alerts import list_alerts
from csconsole.cache import Cache
from csconsole.catalog import Catalog
from csconsole.errors import Cancelled, KnownError
from csconsole.ingest.runs import SyncProgress, SyncSummary
from csconsole.models import Source, utcnow
from csconsole.rollup import month_index
from csconsole.usecases.alerts import (
    raise_alerts_for,
    record_response,
    response_note,
    tick_action,
)
from csconsole.usecases.demo import load_demo
from csconsole.usecases.health import evaluate_status, explain_status
from csconsole.usecases.imports import SheetImported, import_sheet
from csconsole.usecases.reviews import export_reports
from csconsole.usecases.sync import sync_sources
from tests.helpers import TODAY

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


@pytest.fixture
def warehouse(demo_warehouse: Path, tmp_path: Path) -> Path:
    """A copy of the demo warehouse this test may change."""
    path = tmp_path / "warehouse.sqlite"
    shutil.copy(demo_warehouse, path)
    return path


@pytest.fixture
def source(cache: Cache, warehouse: Path) -> Source:
    with cache.session() as session:
        added = Source(name="wh", kind="sql", url=f"sqlite:///{warehouse}", created_at=utcnow())
        session.add(added)
    return added


def _alert_clients(cache: Cache, ids: list[int]) -> set[str]:
    return {a.client_key for a in list_alerts(cache, include_closed=True, now=NOW) if a.id in ids}


@pytest.mark.slow
def test_a_sync_raises_alerts_for_the_clients_it_changed_and_no_others(
    cache: Cache, catalog: Catalog, source: Source, warehouse: Path
) -> None:
    seen: list[object] = []
    first = sync_sources(cache, catalog, sources=[source], today=TODAY, progress=seen.append)
    assert [s.status for s in first.summaries] == ["ok"] and not first.failed
    assert len(first.changed) == 40 and first.raised
    assert {a.id for a in list_alerts(cache, now=NOW)} == set(first.raised)
    assert any(isinstance(p, SyncProgress) for p in seen)
    assert seen[-1] is first.summaries[0] and isinstance(seen[-1], SyncSummary)

    again = sync_sources(cache, catalog, sources=[source], today=TODAY)
    assert (again.changed, again.raised) == (frozenset(), [])  # nothing new costs nothing

    # One green client's uptime falls far below its band this month: it alone turns.
    status = evaluate_status(cache, catalog, today=TODAY)
    green = next(e.client_key for e in status.evaluations if e.status == "green")
    with sqlite3.connect(warehouse) as conn:
        conn.execute(
            "UPDATE cs_metric_samples SET value = 50.0, updated_at = ? "
            "WHERE client_id = ? AND metric = 'uptime' AND period_start >= '2026-11-01'",
            (datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f"), green),
        )
    third = sync_sources(cache, catalog, sources=[source], today=TODAY)
    assert third.changed == {green}
    assert third.raised and _alert_clients(cache, third.raised) == {green}


def test_a_sync_cancelled_between_sources_raises_cancelled(
    cache: Cache, catalog: Catalog, source: Source
) -> None:
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        sync_sources(cache, catalog, sources=[source], today=TODAY, cancel=cancel)


def test_an_import_raises_its_clients_alerts_and_a_dry_run_nothing(
    synced_cache: Cache, catalog: Catalog, tmp_path: Path
) -> None:
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("Week,Uptime,Satisfaction\n1,40%,2\n2,41%,2\n", encoding="utf-8")

    def run(*, dry_run: bool = False) -> SheetImported:
        return import_sheet(
            synced_cache, catalog, sheet, client="CL-004", month="2026-11", dry_run=dry_run,
            today=TODAY,
        )  # fmt: skip

    dry = run(dry_run=True)
    assert dry.report.dry_run and not dry.report.changed and dry.raised == []
    assert list_alerts(synced_cache, now=NOW) == []
    done = run()
    assert done.report.changed and done.report.inserted
    assert done.raised and _alert_clients(synced_cache, done.raised) == {"CL-004"}
    same = run()
    assert not same.report.changed and same.raised == []


def test_a_status_check_of_one_client_raises_that_clients_alerts_only(
    synced_cache: Cache, catalog: Catalog
) -> None:
    status = evaluate_status(synced_cache, catalog, client="CL-004", today=TODAY)
    assert [e.client_key for e in status.evaluations] == ["CL-004"]
    assert status.to_date and status.client is not None and status.client.key == "CL-004"
    assert _alert_clients(synced_cache, status.raised) <= {"CL-004"}
    explained = explain_status(synced_cache, catalog, client="CL-004", today=TODAY)
    assert explained.current.client_key == "CL-004"
    everyone = evaluate_status(synced_cache, catalog, month=status.month - 1, today=TODAY)
    assert len(everyone.evaluations) == 40 and not everyone.to_date


@pytest.mark.parametrize(
    ("kind", "note", "subject", "recorded"),
    [
        ("call", "  Called them  ", None, "Called them"),
        ("call", "", "Update for you", ""),  # only an email falls back on its subject
        ("email", "", None, ""),  # no draft (the command line): nothing to fall back on
        ("email", " ", "Update for you", "Sent: Update for you"),
        ("email", "", "  ", "Sent: the drafted email"),
        ("email", "Sent the fix plan", "Update for you", "Sent the fix plan"),
    ],
)
def test_the_note_recorded_for_a_response(
    kind: str, note: str, subject: str | None, recorded: str
) -> None:
    assert response_note(kind=kind, note=note, draft_subject=subject) == recorded


def test_responding_and_ticking_an_alert(synced_cache: Cache, catalog: Catalog) -> None:
    raised = raise_alerts_for(synced_cache, catalog, clients={"CL-004", "CL-005"}, today=TODAY)
    assert _alert_clients(synced_cache, raised) <= {"CL-004", "CL-005"}
    alert = list_alerts(synced_cache, now=NOW)[0]
    item = tick_action(synced_cache, alert.id, position=2, now=NOW)
    assert (item.position, item.done, item.ticked_at) == (2, True, NOW)
    shown = alert.with_item(item)
    assert [c.done for c in shown.checklist][:3] == [False, True, False]
    assert shown.checklist[2] == alert.checklist[2]
    stored = next(a for a in list_alerts(synced_cache, now=NOW) if a.id == alert.id)
    assert stored.checklist == shown.checklist  # what the tab shows is what is stored
    undone = tick_action(synced_cache, alert.id, position=2, done=False, now=NOW)
    assert (undone.done, undone.ticked_at) == (False, None)
    with pytest.raises(KnownError, match="no checklist item 99"):
        tick_action(synced_cache, alert.id, position=99, now=NOW)
    with pytest.raises(KnownError, match="what was done"):
        record_response(synced_cache, alert.id, kind="email", note="", now=NOW)
    note = record_response(
        synced_cache, alert.id, kind="email", note="", draft_subject="Fix", now=NOW
    )
    closed = next(
        a for a in list_alerts(synced_cache, include_closed=True, now=NOW) if a.id == alert.id
    )
    assert note == "Sent: Fix" and (closed.response_kind, closed.response_note) == ("email", note)


def test_the_demo_is_left_alone_in_a_cache_with_clients(
    synced_cache: Cache, catalog: Catalog
) -> None:
    assert load_demo(synced_cache, catalog, today=TODAY, if_empty=True) is None


def test_exporting_every_report_stops_when_cancelled(
    synced_cache: Cache, catalog: Catalog, tmp_path: Path
) -> None:
    cancel = threading.Event()
    cancel.set()
    seen: list[object] = []
    with pytest.raises(Cancelled):
        export_reports(
            synced_cache, catalog, month=month_index(TODAY) - 1, folder=tmp_path,
            today=TODAY, progress=seen.append, cancel=cancel,
        )  # fmt: skip
    assert seen == [] and list(tmp_path.glob("*.pdf")) == []
