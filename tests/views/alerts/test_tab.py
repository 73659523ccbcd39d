"""The Alerts & responses tab with real widgets, offscreen: list, countdown, checklist,
draft editing and hand-over, recording a response."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import policy
from email.parser import BytesParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from PySide6.QtCore import QSettings, Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication, QFileDialog, QTabWidget
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from csconsole.alerts import evaluate_alerts, list_alerts
from csconsole.cache import Cache
from csconsole.catalog import Catalog
from csconsole.email_templates import Templates
from csconsole.health.engine import HealthEngine
from csconsole.views.alerts.model import C_LEFT
from csconsole.views.alerts.tab import TICK_MS, AlertsView
from csconsole.views.table_model import ID_ROLE
from csconsole.views.tasks import TaskRunner
from tests.helpers import SCREENSHOTS, TODAY

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


class Clock:
    """A settable "now" for the view's countdown."""

    def __init__(self) -> None:
        self.now = NOW + timedelta(minutes=30)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def alerts_cache(synced_cache: Cache, catalog: Catalog) -> Cache:
    evaluate_alerts(HealthEngine(synced_cache, catalog, today=TODAY, now=NOW))
    return synced_cache


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def view(
    qtbot: QtBot, alerts_cache: Cache, catalog: Catalog, tmp_path: Path, clock: Clock
) -> Iterator[AlertsView]:
    runner = TaskRunner()
    widget = AlertsView(
        cache=alerts_cache,
        catalog=catalog,
        runner=runner,
        today=TODAY,
        templates=Templates(user_folder=tmp_path / "templates"),
        now=clock,
    )
    qtbot.addWidget(widget)
    widget.resize(1200, 800)
    widget.show()
    with qtbot.waitSignal(widget.loaded, timeout=20_000):
        widget.reload()
    yield widget
    assert runner.shutdown()


def shown_ids(view: AlertsView) -> list[int]:
    return [int(view.proxy.index(r, 0).data(ID_ROLE)) for r in range(view.proxy.rowCount())]


def select(qtbot: QtBot, view: AlertsView, alert_id: int) -> None:
    if view.drafts.get(alert_id) is not None:
        assert view.select(alert_id)
    else:
        with qtbot.waitSignal(view.draft_shown, timeout=20_000):
            assert view.select(alert_id)
    assert view.current_id == alert_id


def first_of(view: AlertsView, status: str) -> int:
    return next(
        i for i in shown_ids(view) if (a := view.model.find(i)) is not None and a.status == status
    )


def test_models_are_well_behaved(view: AlertsView, qtmodeltester: ModelTester) -> None:
    qtmodeltester.check(view.model)
    qtmodeltester.check(view.proxy)


def test_overdue_first_then_time_left_with_a_live_countdown(
    qtbot: QtBot, view: AlertsView, alerts_cache: Cache, clock: Clock
) -> None:
    alerts = list_alerts(alerts_cache, now=clock.now)
    assert {a.status for a in alerts} == {"green", "yellow", "red"}
    # make a green alert (normally due last of all) overdue by two hours
    green = next(a for a in alerts if a.status == "green")
    with alerts_cache.engine.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE alerts SET due_at = ? WHERE id = ?",
            ((clock.now - timedelta(hours=2)).replace(tzinfo=None).isoformat(sep=" "), green.id),
        )
    with qtbot.waitSignal(view.loaded, timeout=20_000):
        view.reload()
    ids = shown_ids(view)
    assert ids[0] == green.id
    assert view.proxy.index(0, C_LEFT).data() == "Overdue by 2 h 00 min"
    assert view.proxy.index(0, C_LEFT).data(Qt.ItemDataRole.FontRole).bold()
    assert "1 overdue" in view.summary.text()
    # then by time left: red (4 h) before yellow (48 h) before green (24 h)… by due time
    dues = [view.model.find(i).due_at for i in ids[1:]]
    assert dues == sorted(dues)
    statuses = [view.model.find(i).status for i in ids[1:]]
    assert statuses[0] == "red" and statuses[-1] == "yellow"  # 4 h before 48 h
    reds = statuses.count("red")
    red_row = 1
    assert view.proxy.index(red_row, C_LEFT).data() == "3 h 30 min left"
    # the countdown moves without a reload, on a timer of at most a minute
    assert view.timer.isActive() and view.timer.interval() == TICK_MS <= 60_000
    clock.now += timedelta(minutes=45)
    view.tick_clock()
    assert view.proxy.index(red_row, C_LEFT).data() == "2 h 45 min left"
    clock.now += timedelta(hours=3)
    view.tick_clock()
    # the red alert is now overdue too: it moves up among the overdue, by due time
    assert [view.model.find(i).status for i in shown_ids(view)[:2]] == ["green", "red"]
    assert f"{1 + reds} overdue" in view.summary.text()


def test_checklist_ticks_persist_per_alert(
    qtbot: QtBot,
    view: AlertsView,
    alerts_cache: Cache,
    catalog: Catalog,
    tmp_path: Path,
    clock: Clock,
) -> None:
    red_id, yellow_id = first_of(view, "red"), first_of(view, "yellow")
    select(qtbot, view, red_id)
    assert view.checklist.count() == 6
    view.checklist.item(0).setCheckState(Qt.CheckState.Checked)
    view.checklist.item(2).setCheckState(Qt.CheckState.Checked)
    view.checklist.item(2).setCheckState(Qt.CheckState.Unchecked)
    stored = {a.id: a for a in list_alerts(alerts_cache, now=clock.now)}
    assert [c.done for c in stored[red_id].checklist] == [True] + [False] * 5
    assert not any(c.done for c in stored[yellow_id].checklist)  # kept per alert
    # moving away and back, and a new view over the same cache, show the tick
    select(qtbot, view, yellow_id)
    assert all(
        view.checklist.item(i).checkState() == Qt.CheckState.Unchecked
        for i in range(view.checklist.count())
    )
    select(qtbot, view, red_id)
    assert view.checklist.item(0).checkState() == Qt.CheckState.Checked
    runner = TaskRunner()
    other = AlertsView(
        cache=alerts_cache,
        catalog=catalog,
        runner=runner,
        today=TODAY,
        templates=Templates(user_folder=tmp_path / "templates"),
        now=clock,
    )
    qtbot.addWidget(other)
    with qtbot.waitSignal(other.loaded, timeout=20_000):
        other.reload()
    select(qtbot, other, red_id)
    assert other.checklist.item(0).checkState() == Qt.CheckState.Checked
    assert runner.shutdown()


def test_draft_edits_survive_moving_between_alerts(
    qtbot: QtBot, view: AlertsView, alerts_cache: Cache, clock: Clock
) -> None:
    red_id, yellow_id = first_of(view, "red"), first_of(view, "yellow")
    select(qtbot, view, red_id)
    red = view.model.find(red_id)
    assert red is not None
    assert view.subject.text().startswith("Urgent") and red.client_name in view.subject.text()
    body = view.body.toPlainText()
    for reason in red.reasons:  # in the client's words: incidents by title, never by ID
        words = reason.split(": ", 1)[-1].split(" (since")[0] if "incident" in reason else reason
        assert words.split(" ")[0] in body and (words in body or "incident" not in reason)
    assert "INC-" not in body
    view.subject.selectAll()
    qtbot.keyClicks(view.subject, "Our plan for today")
    view.body.moveCursor(view.body.textCursor().MoveOperation.End)
    qtbot.keyClicks(view.body, "PS: see you at 3pm.")
    select(qtbot, view, yellow_id)
    assert "PS: see you" not in view.body.toPlainText()
    select(qtbot, view, red_id)
    assert view.subject.text() == "Our plan for today"
    assert view.body.toPlainText().endswith("PS: see you at 3pm.")
    assert "Edited" in view.draft_state.text()
    # a reload (after a sync) keeps the selection and the edits
    with qtbot.waitSignal(view.loaded, timeout=20_000):
        view.reload()
    assert view.current_id == red_id and view.subject.text() == "Our plan for today"
    # copy hands over the edited text
    view.copy_button.click()
    copied = QApplication.clipboard().text()
    assert "Subject: Our plan for today" in copied and "PS: see you at 3pm." in copied
    # redo from template drops the edits
    with qtbot.waitSignal(view.draft_shown, timeout=20_000):
        view.reset_button.click()
    assert view.subject.text().startswith("Urgent")


def test_mail_program_eml_and_too_long_fallback(
    qtbot: QtBot, view: AlertsView, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)  # type: ignore[func-returns-value]
    select(qtbot, view, first_of(view, "yellow"))
    view.body.setPlainText("Hi Zoë,\n\nShort & sweet: 99 % done.\n")
    view.mail_button.click()
    (url,) = opened
    encoded = url.toEncoded().data().decode("ascii")
    query = parse_qs(urlsplit(encoded).query)
    assert query["body"] == ["Hi Zoë,\r\n\r\nShort & sweet: 99 % done.\r\n"]
    assert query["subject"] == [view.subject.text()]
    # too long for a link: the user is offered an .eml or a copy instead
    view.body.setPlainText("A long letter line.\n" * 200)
    target = tmp_path / "long"
    asked: list[str] = []
    answers = ["copy", "save"]

    def ask(text: str) -> str:
        asked.append(text)
        return answers.pop(0)

    monkeypatch.setattr(view, "ask_too_long", ask)
    view.mail_button.click()
    assert "copy it" in asked[0]
    assert QApplication.clipboard().text().count("A long letter line.") == 200
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda *_a, **_k: (str(target), "Email (*.eml)")
    )
    view.mail_button.click()
    assert len(opened) == 1 and ".eml" in asked[1]
    saved = tmp_path / "long.eml"
    message = BytesParser(policy=policy.default).parsebytes(saved.read_bytes())
    assert message["Subject"] == view.subject.text() and message["X-Unsent"] == "1"
    assert message.get_content().count("A long letter line.") == 200
    assert str(saved) in view.draft_state.text()


def test_record_response_closes_the_alert(
    qtbot: QtBot, view: AlertsView, alerts_cache: Cache, clock: Clock
) -> None:
    red_id = first_of(view, "red")
    select(qtbot, view, red_id)
    red = view.model.find(red_id)
    assert red is not None
    view.kind.setCurrentIndex(view.kind.findData("call"))
    view.record_button.click()  # a call needs a note
    assert "what was done" in view.response_state.text()
    assert red_id in shown_ids(view)
    qtbot.keyClicks(view.note, "Called the client, fix under way")
    with (
        qtbot.waitSignal(view.bus.changed, timeout=5_000) as published,
        qtbot.waitSignal(view.loaded, timeout=20_000),
    ):
        view.record_button.click()
    change = published.args[0]  # the window's portfolio and dashboard listen
    assert (change.kinds, change.clients) == ({"alerts"}, {red.client_key})
    assert red_id not in shown_ids(view)
    closed = next(
        a for a in list_alerts(alerts_cache, include_closed=True, now=clock.now) if a.id == red_id
    )
    assert closed.closed_at is not None
    assert (closed.response_kind, closed.response_note) == (
        "call",
        "Called the client, fix under way",
    )
    # answered alerts are a filter away, read-only
    view.show_closed.setChecked(True)
    assert red_id in shown_ids(view)
    select(qtbot, view, red_id)
    assert not view.record_button.isEnabled()
    assert "Called the client" in view.response_state.text()
    row = shown_ids(view).index(red_id)
    assert view.proxy.index(row, C_LEFT).data().startswith("Answered")
    # an email sent needs no note: the subject is recorded
    yellow_id = first_of(view, "yellow")
    select(qtbot, view, yellow_id)
    view.kind.setCurrentIndex(view.kind.findData("email"))
    subject = view.subject.text()
    with qtbot.waitSignal(view.loaded, timeout=20_000):
        view.record_button.click()
    yellow = next(
        a
        for a in list_alerts(alerts_cache, include_closed=True, now=clock.now)
        if a.id == yellow_id
    )
    assert yellow.response_kind == "email" and yellow.response_note == f"Sent: {subject}"


def test_broken_template_is_reported_and_the_builtin_used(
    qtbot: QtBot, view: AlertsView, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)  # type: ignore[func-returns-value]
    view.templates_button.click()
    (url,) = opened
    folder = Path(url.toLocalFile())
    assert folder == view.templates.folder() and (folder / "red.txt.j2").is_file()
    (folder / "red.txt.j2").write_text(
        "Subject: {{ client.name }}\n\nDear {{ contact.name }},\n{{ client.nam }}\n",
        encoding="utf-8",
    )
    select(qtbot, view, first_of(view, "red"))
    with qtbot.waitSignal(view.draft_shown, timeout=20_000):
        view.reset_button.click()  # draft again from the (now broken) template
    assert "red.txt.j2, line 4" in view.draft_state.text()
    assert "nam" in view.draft_state.text() and "built-in" in view.draft_state.text()
    assert view.subject.text().startswith("Urgent")  # the built-in letter meanwhile
    # fixed: the next draft uses the user's template
    (folder / "red.txt.j2").write_text(
        "Subject: Update for {{ client.name }}\n\nDear {{ contact.name }},\n", encoding="utf-8"
    )
    with qtbot.waitSignal(view.draft_shown, timeout=20_000):
        view.reset_button.click()
    assert view.subject.text().startswith("Update for") and view.draft_state.text() == ""


def test_alerts_tab_in_the_main_window(
    qtbot: QtBot, alerts_cache: Cache, catalog: Catalog, tmp_path: Path
) -> None:
    from csconsole.views.main_window import MainWindow

    settings = QSettings(str(tmp_path / "gui.ini"), QSettings.Format.IniFormat)
    window = MainWindow(alerts_cache, catalog, today=TODAY, settings=settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.portfolio is not None, timeout=20_000)
    view = window.alerts_view
    qtbot.waitUntil(
        lambda: view.proxy.rowCount() > 0 and view.current_id is not None, timeout=20_000
    )
    window.tabs.setCurrentWidget(view)
    qtbot.waitUntil(lambda: view.current_id in view.drafts, timeout=20_000)
    alert = view.current_alert()
    assert alert is not None
    before = next(r for r in window.portfolio.rows if r.key == alert.client_key)
    view.checklist.item(0).setCheckState(Qt.CheckState.Checked)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    assert window.grab().save(str(SCREENSHOTS / "alerts.png"))
    old = window.portfolio
    view.kind.setCurrentIndex(view.kind.findData("email"))
    view.record_button.click()
    # the portfolio is rebuilt and counts one open alert fewer for the client
    qtbot.waitUntil(lambda: window.portfolio is not old, timeout=20_000)
    after = next(r for r in window.portfolio.rows if r.key == alert.client_key)
    assert after.open_alerts == before.open_alerts - 1
    window.close()


def test_your_details_from_settings_fill_the_draft(
    qtbot: QtBot, view: AlertsView, alerts_cache: Cache
) -> None:
    from csconsole.settings import Settings
    from csconsole.views.settings_dialog import SettingsDialog

    runner = TaskRunner()
    dialog = SettingsDialog(
        cache=alerts_cache, runner=runner, theme="light", remember_password=lambda _n, _p: None
    )
    qtbot.addWidget(dialog)
    dialog.detail_edits["csm_name"].setText("Zoë Lefèvre")
    dialog.detail_edits["csm_phone"].setText("+33 1 23 45 67 89")
    dialog.detail_edits["csm_calendar_link"].setText("https://cal.example/zoe")
    dialog.detail_edits["fix_timeline"].setText("by Monday 9:00")
    tabs = dialog.findChild(QTabWidget)
    assert tabs is not None
    tabs.setCurrentIndex(1)
    dialog.show()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    assert dialog.grab().save(str(SCREENSHOTS / "settings-details.png"))
    dialog.accept()
    saved = Settings.load()
    assert (saved.csm_name, saved.csm_calendar_link) == ("Zoë Lefèvre", "https://cal.example/zoe")
    select(qtbot, view, first_of(view, "yellow"))
    assert "https://cal.example/zoe" in view.body.toPlainText()
    assert "Zoë Lefèvre" in view.body.toPlainText()
    select(qtbot, view, first_of(view, "red"))
    with qtbot.waitSignal(view.draft_shown, timeout=20_000):
        view.reset_button.click()  # drafted before the settings changed
    assert "+33 1 23 45 67 89" in view.body.toPlainText()
    assert "by Monday 9:00" in view.body.toPlainText()
    assert runner.shutdown()
