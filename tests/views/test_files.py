"""File dialogs start in Documents and remember the last folder per kind; a file or folder
the desktop cannot open is reported with an offer to copy its path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from csconsole.cache import Cache
from csconsole.catalog import Catalog
from csconsole.views.files import FilePlaces, documents_dir, open_path
from tests.helpers.windows import close, make_window


def test_places_start_in_documents_and_remember_per_kind(
    qsettings: QSettings, tmp_path: Path
) -> None:
    places = FilePlaces(qsettings)
    assert places.folder("review-pdf") == documents_dir()
    (tmp_path / "out").mkdir()
    places.remember("review-pdf", tmp_path / "out" / "CL-004 2026-10 review.pdf")
    places.remember("review-folder", tmp_path)
    restarted = FilePlaces(qsettings)  # the next session
    assert restarted.folder("review-pdf") == tmp_path / "out"
    assert restarted.start("review-pdf", "a.pdf") == str(tmp_path / "out" / "a.pdf")
    assert restarted.folder("review-folder") == tmp_path
    assert restarted.folder("opportunities-export") == documents_dir()
    (tmp_path / "out").rmdir()  # a remembered folder that is gone: back to Documents
    assert restarted.folder("review-pdf") == documents_dir()


def test_each_dialog_starts_where_its_kind_was_last_saved(
    qtbot: QtBot,
    synced_cache: Cache,
    catalog: Catalog,
    qsettings: QSettings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started: list[tuple[str, str]] = []
    answers = {"Export opportunities": str(tmp_path / "xls" / "mine.xlsx"),
               "Export PDF": str(tmp_path / "pdf" / "r.pdf")}  # fmt: skip
    (tmp_path / "xls").mkdir()
    (tmp_path / "pdf").mkdir()

    def fake_save(_parent: QWidget, title: str, start: str, _filter: str) -> tuple[str, str]:
        started.append((title, start))
        return answers[title], ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(fake_save))
    window = make_window(qtbot, synced_cache, catalog, qsettings)
    opportunities, reviews = window.opportunities_view, window.reviews_view
    assert opportunities.ask_save_path() == answers["Export opportunities"]
    assert opportunities.ask_save_path() == answers["Export opportunities"]
    assert reviews.ask_save_path("CL-004 review.pdf") == answers["Export PDF"]
    assert reviews.ask_save_path("CL-005 review.pdf") == answers["Export PDF"]
    assert started == [
        ("Export opportunities", str(documents_dir() / "opportunities.xlsx")),
        ("Export opportunities", str(tmp_path / "xls" / "opportunities.xlsx")),
        ("Export PDF", str(documents_dir() / "CL-004 review.pdf")),
        ("Export PDF", str(tmp_path / "pdf" / "CL-005 review.pdf")),
    ]
    close(window)
    assert FilePlaces(qsettings).folder("review-pdf") == tmp_path / "pdf"  # after a restart


def test_a_file_the_desktop_cannot_open_is_reported_with_copy_path(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[Any] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or False)  # type: ignore[func-returns-value]
    parent = QWidget()
    qtbot.addWidget(parent)
    target = tmp_path / "review.pdf"
    target.write_bytes(b"%PDF-1.4")
    box = open_path(parent, target)
    assert opened and box is not None and box.isVisible()
    assert str(target) in box.text() and "no program" in box.text()
    copy = next(b for b in box.buttons() if b.text() == "&Copy path")
    copy.click()
    assert QGuiApplication.clipboard().text() == str(target)
    assert not box.isVisible()
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: True)
    assert open_path(parent, target) is None  # opened: nothing to say


def test_reviews_open_reports_failure(
    qtbot: QtBot,
    synced_cache: Cache,
    catalog: Catalog,
    qsettings: QSettings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: False)
    window = make_window(qtbot, synced_cache, catalog, qsettings)
    target = tmp_path / "r.pdf"
    target.write_bytes(b"%PDF-1.4")

    def click_open(box: QMessageBox) -> None:
        box.buttons()[0].click()

    monkeypatch.setattr(QMessageBox, "exec", lambda box: click_open(box))
    window.reviews_view._offer_open(target)
    problem = window.reviews_view.open_problem
    assert problem is not None and problem.isVisible() and str(target) in problem.text()
    problem.close()
    close(window)
