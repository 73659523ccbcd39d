"""Alerts: a client's status change asks for a response within the protocol's time.

Evaluation (after each sync and each ``csconsole status``) looks at the latest complete
month, then the current month to date. For each client and month it compares the new
status with the *reference*: the status of the client's latest alert for that month
or an earlier one, or, when the client has none, the status of the month before. A
difference raises one alert (due after 24/48/4 h by ``resources/health/protocols.toml``)
with the protocol's checklist; the same status again raises nothing. A client with no
reference at all (new, or no earlier data) raises an alert only when it is not green.
Alerts stay open until a response is recorded; times are stored in UTC.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from csconsole.cache import Cache
from csconsole.errors import KnownError, ResourceError
from csconsole.health.clients import ClientInfo
from csconsole.health.engine import HealthEngine
from csconsole.health.evaluation import Evaluation
from csconsole.health.rules import STATUSES
from csconsole.paths import resources_dir
from csconsole.resources import entries, load_toml

RESPONSE_KINDS = ("note", "email", "call", "meeting")


@dataclass(frozen=True)
class Protocol:
    status: str
    respond_within_hours: float
    assigned_to: str
    template: str
    checklist: tuple[str, ...]


def load_protocols() -> dict[str, Protocol]:
    """The response protocols, one per status, validated with errors naming the file."""
    path = resources_dir() / "health" / "protocols.toml"
    protocols: dict[str, Protocol] = {}
    for where, entry in entries(path, load_toml(path), "protocol"):
        try:
            protocol = Protocol(
                status=str(entry["status"]),
                respond_within_hours=float(entry["respond_within_hours"]),
                assigned_to=str(entry["assigned_to"]),
                template=str(entry.get("template", "")),
                checklist=tuple(str(item) for item in entry.get("checklist", [])),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise where.error(f"missing or invalid field {exc}") from None
        if protocol.status not in STATUSES:
            raise where.error(f"status must be one of {', '.join(STATUSES)}")
        protocols[protocol.status] = protocol
    missing = [s for s in STATUSES if s not in protocols]
    if missing:
        raise ResourceError(path, f"no protocol for {', '.join(missing)}")
    return protocols


@dataclass(frozen=True)
class ChecklistItem:
    id: int
    position: int
    text: str
    done: bool
    ticked_at: datetime | None


@dataclass(frozen=True)
class AlertView:
    """An alert as lists and the command line show it."""

    id: int
    client_key: str
    client_name: str
    month: str
    status: str
    previous_status: str | None
    raised_at: datetime
    due_at: datetime
    assigned_to: str
    reasons: tuple[str, ...]
    closed_at: datetime | None
    response_kind: str | None
    response_note: str | None
    checklist: tuple[ChecklistItem, ...]

    def overdue(self, now: datetime) -> bool:
        return self.closed_at is None and now > self.due_at

    def time_left(self, now: datetime) -> timedelta:
        return self.due_at - now

    def with_item(self, item: ChecklistItem) -> AlertView:
        """This alert with one checklist action replaced (by position), as :func:`tick`
        returned it."""
        checklist = tuple(item if c.position == item.position else c for c in self.checklist)
        return replace(self, checklist=checklist)

    def as_json(self, now: datetime) -> dict[str, Any]:
        """The stable JSON shape documented in docs/json.md (times in UTC, ISO 8601)."""
        return {
            "id": self.id,
            "client": {"key": self.client_key, "name": self.client_name},
            "month": self.month,
            "status": self.status,
            "previous_status": self.previous_status,
            "raised_at": self.raised_at.isoformat(),
            "due_at": self.due_at.isoformat(),
            "open": self.closed_at is None,
            "overdue": self.overdue(now),
            "seconds_left": None if self.closed_at else int(self.time_left(now).total_seconds()),
            "assigned_to": self.assigned_to,
            "reasons": list(self.reasons),
            "closed_at": self.closed_at.isoformat() if self.closed_at else None,
            "response": None
            if self.closed_at is None
            else {"kind": self.response_kind, "note": self.response_note},
            "checklist": [
                {
                    "id": item.id,
                    "text": item.text,
                    "done": item.done,
                    "ticked_at": item.ticked_at.isoformat() if item.ticked_at else None,
                }
                for item in self.checklist
            ],
        }


def _utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")


def _utc(text: Any) -> datetime | None:
    if text is None:
        return None
    return datetime.fromisoformat(str(text)).replace(tzinfo=UTC)


def raise_alerts(
    cache: Cache,
    evaluations: Sequence[Evaluation],
    *,
    now: datetime,
    previous: Mapping[str, str | None],
    protocols: Mapping[str, Protocol] | None = None,
) -> list[int]:
    """Raise an alert for each evaluation whose status differs from its reference;
    ``previous`` gives, per client key, the prior month's status (used when the client
    has no alert yet). Returns the ids of the new alerts."""
    protocols = protocols or load_protocols()
    raised: list[int] = []
    with cache.engine.begin() as conn:
        ids: dict[str, int] = {k: i for k, i in conn.exec_driver_sql("SELECT key, id FROM clients")}
        for ev in evaluations:
            client_id = ids[ev.client_key]
            row = conn.exec_driver_sql(
                "SELECT status FROM alerts WHERE client_id = ? AND month <= ? "
                "ORDER BY month DESC, raised_at DESC, id DESC LIMIT 1",
                (client_id, ev.month),
            ).first()
            reference = row[0] if row else previous.get(ev.client_key)
            if reference == ev.status or (reference is None and ev.status == "green"):
                continue
            protocol = protocols[ev.status]
            due = now + timedelta(hours=protocol.respond_within_hours)
            reasons = [r.text for r in ev.reasons] or [
                f"Every targeted metric on target in {ev.month}"
            ]
            alert_id = conn.exec_driver_sql(
                "INSERT INTO alerts (client_id, month, status, previous_status, raised_at, due_at, "
                "assigned_to, reasons_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (
                    client_id,
                    ev.month,
                    ev.status,
                    reference,
                    _utc_text(now),
                    _utc_text(due),
                    protocol.assigned_to,
                    json.dumps(reasons, ensure_ascii=False),
                ),
            ).scalar_one()
            conn.exec_driver_sql(
                "INSERT INTO alert_checklist_items (alert_id, position, text, done) VALUES (?, ?, ?, 0)",
                [(alert_id, n, text) for n, text in enumerate(protocol.checklist, start=1)],
            )
            raised.append(int(alert_id))
    return raised


def evaluate_alerts(
    engine: HealthEngine,
    *,
    now: datetime | None = None,
    clients: Sequence[ClientInfo] | None = None,
) -> list[int]:
    """Evaluate the latest complete month and the current month to date, recording their
    status history, and raise alerts for status changes (of ``clients`` only, when given:
    the clients a sync or an import changed). Returns the new alert ids."""
    now = now or engine.now
    raised: list[int] = []
    if clients is not None and not clients:
        return raised
    for month in (engine.latest_complete, engine.current_month):
        try:
            pairs = engine.evaluate_with_previous(month, clients=clients)
        except KnownError:
            continue  # nothing cached for that month (yet)
        previous = {cur.client_key: (prev.status if prev else None) for cur, prev in pairs}
        raised += raise_alerts(engine.cache, [cur for cur, _ in pairs], now=now, previous=previous)
    return raised


def list_alerts(cache: Cache, *, include_closed: bool = False, now: datetime) -> list[AlertView]:
    """Open alerts, overdue first (most overdue first), then by due time; with
    ``include_closed`` the closed ones follow, newest first."""
    sql = (
        "SELECT a.id, c.key, c.name, a.month, a.status, a.previous_status, a.raised_at, a.due_at, "
        "a.assigned_to, a.reasons_json, a.closed_at, a.response_kind, a.response_note "
        "FROM alerts a JOIN clients c ON c.id = a.client_id"
    )
    if not include_closed:
        sql += " WHERE a.closed_at IS NULL"
    with cache.engine.connect() as conn:
        rows = conn.exec_driver_sql(sql).fetchall()
        items: dict[int, list[ChecklistItem]] = {}
        for item in conn.exec_driver_sql(
            "SELECT alert_id, id, position, text, done, ticked_at FROM alert_checklist_items "
            "ORDER BY alert_id, position"
        ):
            items.setdefault(item[0], []).append(
                ChecklistItem(item[1], item[2], item[3], bool(item[4]), _utc(item[5]))
            )
    alerts = []
    for r in rows:
        raised_at, due_at = _utc(r[6]), _utc(r[7])
        assert raised_at is not None and due_at is not None
        alerts.append(
            AlertView(
                id=r[0],
                client_key=r[1],
                client_name=r[2],
                month=r[3],
                status=r[4],
                previous_status=r[5],
                raised_at=raised_at,
                due_at=due_at,
                assigned_to=r[8],
                reasons=tuple(json.loads(r[9])),
                closed_at=_utc(r[10]),
                response_kind=r[11],
                response_note=r[12],
                checklist=tuple(items.get(r[0], [])),
            )
        )

    def order(a: AlertView) -> tuple[int, float]:
        if a.closed_at is not None:
            return (2, -a.closed_at.timestamp())
        return (0 if a.overdue(now) else 1, a.due_at.timestamp())

    return sorted(alerts, key=order)


def respond(cache: Cache, alert_id: int, *, note: str, kind: str = "note", now: datetime) -> None:
    """Record the response to an alert and close it."""
    if kind not in RESPONSE_KINDS:
        raise KnownError(f"response kind must be one of {', '.join(RESPONSE_KINDS)}")
    if not note.strip():
        raise KnownError("say what was done: the response note is empty")
    with cache.engine.begin() as conn:
        row = conn.exec_driver_sql("SELECT closed_at FROM alerts WHERE id = ?", (alert_id,)).first()
        if row is None:
            raise KnownError(f"there is no alert {alert_id}")
        if row[0] is not None:
            raise KnownError(f"alert {alert_id} was already answered on {row[0][:16]} UTC")
        conn.exec_driver_sql(
            "UPDATE alerts SET closed_at = ?, response_kind = ?, response_note = ? WHERE id = ?",
            (_utc_text(now), kind, note.strip(), alert_id),
        )


def tick(
    cache: Cache, alert_id: int, *, position: int, done: bool = True, now: datetime
) -> ChecklistItem:
    """Tick (or untick) one checklist action of an alert; returns it as stored."""
    with cache.engine.begin() as conn:
        row = conn.exec_driver_sql(
            "UPDATE alert_checklist_items SET done = ?, ticked_at = ? WHERE alert_id = ? AND position = ? "
            "RETURNING id, position, text, done, ticked_at",
            (done, _utc_text(now) if done else None, alert_id, position),
        ).first()
        if row is None:
            raise KnownError(f"alert {alert_id} has no checklist item {position}")
    return ChecklistItem(row[0], row[1], row[2], bool(row[3]), _utc(row[4]))


__all__ = [
    "AlertView",
    "Protocol",
    "evaluate_alerts",
    "list_alerts",
    "load_protocols",
    "raise_alerts",
    "respond",
    "tick",
]
