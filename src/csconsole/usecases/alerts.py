"""Alerts: raise them for the clients that changed, record a response, tick an action."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime

from csconsole import alerts
from csconsole.alerts import ChecklistItem
from csconsole.cache import Cache
from csconsole.catalog import Catalog
from csconsole.health.engine import HealthEngine, open_engine


def raise_alerts_for(
    cache: Cache,
    catalog: Catalog,
    *,
    clients: Collection[str] | None = None,
    today: date | None = None,
    engine: HealthEngine | None = None,
) -> list[int]:
    """Evaluate the latest complete month and the month to date and raise an alert for
    each status change: of the ``clients`` (keys) alone when given, so a sync or an
    import that changed nothing costs nothing here, else of every client. Returns the
    new alerts' ids."""
    if clients is not None and not clients:
        return []
    engine = engine or open_engine(cache, catalog, today=today)
    infos = None if clients is None else [c for c in engine.clients() if c.key in clients]
    return alerts.evaluate_alerts(engine, clients=infos)


def response_note(*, kind: str, note: str, draft_subject: str | None = None) -> str:
    """The note recorded for a response: what the user wrote; for an email sent from a
    draft (``draft_subject`` given) with nothing written, the draft's subject."""
    note = note.strip()
    if not note and kind == "email" and draft_subject is not None:
        note = f"Sent: {draft_subject.strip() or 'the drafted email'}"
    return note


def record_response(
    cache: Cache,
    alert_id: int,
    *,
    kind: str,
    note: str,
    now: datetime,
    draft_subject: str | None = None,
) -> str:
    """Record what was done about an alert and close it; returns the note recorded.
    Raises :class:`~csconsole.errors.KnownError` for an empty note, an unknown kind, or an
    alert that is gone or already answered."""
    recorded = response_note(kind=kind, note=note, draft_subject=draft_subject)
    alerts.respond(cache, alert_id, note=recorded, kind=kind, now=now)
    return recorded


def tick_action(
    cache: Cache, alert_id: int, *, position: int, done: bool = True, now: datetime
) -> ChecklistItem:
    """Tick (or untick) one action of an alert's checklist; returns the action as stored
    (:meth:`~csconsole.alerts.AlertView.with_item` puts it into an alert already shown)."""
    return alerts.tick(cache, alert_id, position=position, done=done, now=now)


__all__ = ["raise_alerts_for", "record_response", "response_note", "tick_action"]
