"""The first console window: real widgets, offscreen."""

from __future__ import annotations

from pathlib import Path

from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from csconsole.cache import Cache
from csconsole.views.app import ClientListModel, MainWindow


def test_window_lists_synced_clients(qtbot: QtBot, synced_cache: Cache, tmp_path: Path) -> None:
    window = MainWindow(synced_cache)
    qtbot.addWidget(window)
    window.show()
    assert window.model.rowCount() == 40
    assert "40 clients" in window.statusBar().currentMessage()
    names = {window.model.index(r, 0).data() for r in range(40)}
    assert "Baker & Sons Logistics" in names and "Café Lumière" in names
    window.grab().save(str(tmp_path / "window.png"))
    assert (tmp_path / "window.png").stat().st_size > 0


def test_window_on_an_empty_cache_says_how_to_get_data(qtbot: QtBot, cache: Cache) -> None:
    window = MainWindow(cache)
    qtbot.addWidget(window)
    assert window.model.rowCount() == 0
    assert "csconsole demo" in window.statusBar().currentMessage()


def test_client_model_is_a_well_behaved_qt_model(qtmodeltester: ModelTester, synced_cache: Cache) -> None:
    qtmodeltester.check(ClientListModel(synced_cache))
