"""Settings: sources added, tested and removed from the dialog; bands and retention kept."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox
from pytestqt.qtbot import QtBot

from csconsole.cache import Cache
from csconsole.catalog import Catalog
from csconsole.health.bands import Bands
from csconsole.health.engine import HealthEngine
from csconsole.ingest.sources import list_sources
from csconsole.settings import Settings
from csconsole.views.settings_dialog import AddSourceDialog, SettingsDialog
from csconsole.views.tasks import TaskRunner
from tests.helpers import TODAY


@pytest.fixture
def runner(qtbot: QtBot) -> Iterator[TaskRunner]:
    task_runner = TaskRunner()
    yield task_runner
    task_runner.shutdown()


def make_dialog(qtbot: QtBot, cache: Cache, runner: TaskRunner) -> SettingsDialog:
    remembered: dict[str, str] = {}
    dialog = SettingsDialog(
        cache=cache, runner=runner, theme="light", remember_password=remembered.__setitem__
    )
    qtbot.addWidget(dialog)
    return dialog


def test_add_source_form_checks_as_you_type(qtbot: QtBot) -> None:
    form = AddSourceDialog()
    qtbot.addWidget(form)
    ok = form.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled() and "name" in form.problem.text()
    form.name.setText("warehouse")
    form.url.setText("not a url")
    assert not ok.isEnabled() and "not a database URL" in form.problem.text()
    form.url.setText("postgresql://csm@db.example/warehouse")
    assert ok.isEnabled() and form.problem.text() == ""


def test_add_test_and_remove_a_source(
    qtbot: QtBot,
    cache: Cache,
    runner: TaskRunner,
    demo_warehouse: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    dialog = make_dialog(qtbot, cache, runner)

    def fill(form: AddSourceDialog) -> int:
        form.name.setText("wh & co <test>")
        form.url.setText(f"sqlite:///{demo_warehouse}")
        form.password.setText("p@ss-🔑")
        return AddSourceDialog.DialogCode.Accepted.value

    monkeypatch.setattr(AddSourceDialog, "exec", fill)
    dialog.add_source()
    assert [s.name for s in list_sources(cache)] == ["wh & co <test>"]
    # A SQLite file takes no password, so none is kept.
    assert keyring.get_password("csconsole", "source:wh & co <test>") is None
    assert dialog.source_list.count() == 1

    dialog.test_selected()
    qtbot.waitUntil(lambda: "reachable" in dialog.test_result.text(), timeout=20_000)
    assert "cs_clients" in dialog.test_result.text()

    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    dialog.remove_selected()
    assert list_sources(cache) == []
    assert keyring.get_password("csconsole", "source:wh & co <test>") is None


def test_testing_an_unreachable_source_says_so(
    qtbot: QtBot, cache: Cache, runner: TaskRunner, tmp_path: Path
) -> None:
    from csconsole.ingest.sources import add_source

    add_source(cache, name="gone", url=f"sqlite:///{tmp_path}/missing/x.sqlite")
    dialog = make_dialog(qtbot, cache, runner)
    dialog.test_selected()
    qtbot.waitUntil(lambda: dialog.test_result.text().startswith("Not reachable"), timeout=20_000)


def test_bands_and_retention_are_saved_and_used(
    qtbot: QtBot, synced_cache: Cache, catalog: Catalog, runner: TaskRunner
) -> None:
    dialog = make_dialog(qtbot, synced_cache, runner)
    assert dialog.band_edits["shortfall_yellow"].value() == 10.0  # shown as a percentage
    dialog.retention.setValue(18)
    dialog.band_edits["uptime_yellow"].setValue(99.9)
    dialog.accept()
    saved = Settings.load()
    assert saved.retention_months == 18
    assert saved.health_bands["uptime_yellow"] == pytest.approx(99.9)
    assert saved.health_bands["shortfall_yellow"] == pytest.approx(0.10)
    assert Bands.configured().uptime_yellow == pytest.approx(99.9)
    # The stricter uptime band now makes healthy demo clients (uptime ≈ 99.75 %) yellow.
    month = HealthEngine(synced_cache, catalog, today=TODAY).current_month
    statuses = {
        e.status
        for e in HealthEngine(synced_cache, catalog, today=TODAY).evaluate(month, record=False)
    }
    assert "green" not in statuses


def test_inconsistent_bands_are_refused(
    qtbot: QtBot, cache: Cache, runner: TaskRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text: warnings.append(text))
    dialog = make_dialog(qtbot, cache, runner)
    dialog.band_edits["shortfall_yellow"].setValue(30)
    dialog.band_edits["shortfall_red"].setValue(20)
    dialog.accept()
    assert warnings and "shortfall" in warnings[0]
    assert Settings.load().health_bands == {}


def test_a_warehouse_password_goes_to_the_keyring_only(
    qtbot: QtBot, cache: Cache, runner: TaskRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    dialog = make_dialog(qtbot, cache, runner)

    def fill(form: AddSourceDialog) -> int:
        form.name.setText("prod")
        form.url.setText("postgresql://csm@db.example:5432/warehouse")
        form.password.setText("s3cret-&-🔑")
        return AddSourceDialog.DialogCode.Accepted.value

    monkeypatch.setattr(AddSourceDialog, "exec", fill)
    dialog.add_source()
    assert keyring.get_password("csconsole", "source:prod") == "s3cret-&-🔑"
    (source,) = list_sources(cache)
    assert "s3cret" not in source.url and source.needs_password
    assert "s3cret" not in cache.path.read_bytes().decode("latin-1")


def test_the_locale_is_saved_checked_and_used(
    qtbot: QtBot, cache: Cache, runner: TaskRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import date

    from csconsole import formatting

    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text: warnings.append(text))
    dialog = make_dialog(qtbot, cache, runner)
    assert dialog.detail_edits["locale"].text() == "en"
    dialog.detail_edits["locale"].setText("xx_nowhere")
    dialog.accept()
    assert warnings and "xx_nowhere" in warnings[0] and Settings.load().locale == "en"
    dialog.detail_edits["locale"].setText("en_GB")
    dialog.accept()
    try:
        assert Settings.load().locale == "en_GB"
        assert formatting.day_in_text(date(2026, 11, 14)) == "14 November"
    finally:
        formatting.set_locale("en")
        formatting.set_locale(None)
