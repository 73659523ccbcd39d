"""The portfolio starts from its stored snapshot, and evaluates again only what changed."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from csconsole.cache import Cache
from csconsole.catalog import Catalog
from csconsole.ingest.runs import start_run
from csconsole.portfolio import build_portfolio, snapshot_portfolio
from csconsole.settings import Settings
from csconsole.views.main_window import MainWindow
from csconsole.views.portfolio_view import PortfolioModel
from tests.helpers import TODAY
from tests.test_query_plans import statements

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def standings(portfolio: object) -> list[tuple[object, ...]]:
    rows = portfolio.rows  # type: ignore[attr-defined]
    return [(r.key, r.status, r.worst_reason, r.reasons, r.rating, r.trend) for r in rows]


def test_no_snapshot_before_the_first_evaluation(synced_cache: Cache, catalog: Catalog) -> None:
    assert snapshot_portfolio(synced_cache, catalog, today=TODAY) is None


def test_snapshot_shows_the_last_evaluation_without_evaluating(
    synced_cache: Cache, catalog: Catalog
) -> None:
    built = build_portfolio(synced_cache, catalog, today=TODAY, now=NOW)
    with statements(synced_cache) as sql:
        shown = snapshot_portfolio(synced_cache, catalog, today=TODAY, now=NOW)
    assert shown is not None and not shown.stale
    assert shown.month == built.month
    assert standings(shown) == standings(built)
    assert [r.open_alerts for r in shown.rows] == [r.open_alerts for r in built.rows]
    touched = [s for s in sql if "samples" in s or "monthly_rollup" in s or "status_history" in s]
    assert touched == []  # nothing evaluated: the cost does not follow the history


def test_snapshot_is_stale_after_new_data_another_day_or_other_bands(
    synced_cache: Cache, catalog: Catalog
) -> None:
    build_portfolio(synced_cache, catalog, today=TODAY, now=NOW)
    tomorrow = snapshot_portfolio(synced_cache, catalog, today=TODAY + timedelta(days=1))
    assert tomorrow is not None and tomorrow.stale

    settings = Settings.load()
    settings.health_bands = {"shortfall_yellow": 0.07}
    settings.save()
    other_bands = snapshot_portfolio(synced_cache, catalog, today=TODAY)
    assert other_bands is not None and other_bands.stale
    Settings().save()  # back to the defaults
    fresh = snapshot_portfolio(synced_cache, catalog, today=TODAY)
    assert fresh is not None and not fresh.stale

    start_run(synced_cache, source_id=None, source_name="demo")  # a sync (or an import)
    synced = snapshot_portfolio(synced_cache, catalog, today=TODAY)
    assert synced is not None and synced.stale


def test_only_changed_clients_are_evaluated_again(synced_cache: Cache, catalog: Catalog) -> None:
    base = build_portfolio(synced_cache, catalog, today=TODAY, now=NOW)
    with synced_cache.engine.begin() as conn:  # CL-002 worsens; CL-003 too, unannounced
        conn.exec_driver_sql(
            "UPDATE samples SET value = 0 WHERE client_id IN "
            "(SELECT id FROM clients WHERE key IN ('CL-002', 'CL-003'))"
        )
    later = NOW + timedelta(hours=1)
    after = build_portfolio(
        synced_cache, catalog, today=TODAY, now=later, changed={"CL-002"}, base=base
    )
    by_key = {r.key: r for r in after.rows}
    before = {r.key: r for r in base.rows}
    assert by_key["CL-002"].status != before["CL-002"].status  # evaluated again
    assert by_key["CL-003"] == replace(before["CL-003"])  # kept from the base
    with synced_cache.engine.connect() as conn:
        again = conn.exec_driver_sql(
            "SELECT DISTINCT c.key FROM status_history h JOIN clients c ON c.id = h.client_id "
            "WHERE h.evaluated_at > ?",
            (NOW.replace(tzinfo=None).isoformat(sep=" "),),
        ).all()
    assert {r[0] for r in again} == {"CL-002"}
    stored = snapshot_portfolio(synced_cache, catalog, today=TODAY, now=later)
    assert stored is not None and standings(stored) == standings(after)


# --- the console ------------------------------------------------------------------------


def _whole_book_reads(sql: list[str]) -> list[str]:
    """Reads of the rollup for every client at once: a whole-portfolio evaluation."""
    return [s for s in sql if "FROM monthly_rollup" in s and "client_id IN" not in s]


def _window(qtbot: QtBot, cache: Cache, catalog: Catalog, qsettings: QSettings) -> MainWindow:
    window = MainWindow(cache, catalog, today=TODAY, settings=qsettings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.portfolio is not None, timeout=20_000)
    return window


def test_console_starts_from_a_current_snapshot_without_evaluating(
    qtbot: QtBot, synced_cache: Cache, catalog: Catalog, qsettings: QSettings
) -> None:
    built = build_portfolio(synced_cache, catalog, today=TODAY)
    with statements(synced_cache) as sql:
        window = _window(qtbot, synced_cache, catalog, qsettings)
        qtbot.wait(300)
        qtbot.waitUntil(lambda: window.runner.running("portfolio") is None, timeout=20_000)
    assert window.portfolio is not None and not window.portfolio.stale
    assert standings(window.portfolio) == standings(built)
    assert _whole_book_reads(sql) == []
    window.close()


def test_console_evaluates_again_when_the_snapshot_is_stale(
    qtbot: QtBot, synced_cache: Cache, catalog: Catalog, qsettings: QSettings
) -> None:
    build_portfolio(synced_cache, catalog, today=TODAY)
    start_run(synced_cache, source_id=None, source_name="demo")  # newer data since
    with statements(synced_cache) as sql:
        window = _window(qtbot, synced_cache, catalog, qsettings)
        qtbot.waitUntil(
            lambda: window.portfolio is not None and not window.portfolio.stale, timeout=30_000
        )
    assert _whole_book_reads(sql) != []
    assert snapshot_portfolio(synced_cache, catalog, today=TODAY).stale is False
    window.close()


def test_a_refresh_updates_only_the_rows_that_changed(
    qtbot: QtBot, synced_cache: Cache, catalog: Catalog
) -> None:
    portfolio = build_portfolio(synced_cache, catalog, today=TODAY)
    model = PortfolioModel()
    assert model.set_portfolio(portfolio, TODAY) == len(portfolio.rows)
    changed_rows: list[int] = []
    model.dataChanged.connect(lambda top, _bottom: changed_rows.append(top.row()))
    model.modelReset.connect(lambda: changed_rows.append(-1))
    one = replace(portfolio.rows[3], open_alerts=portfolio.rows[3].open_alerts + 1)
    rows = (*portfolio.rows[:3], one, *portfolio.rows[4:])
    assert model.set_portfolio(replace(portfolio, rows=rows), TODAY) == 1
    assert changed_rows == [3]
