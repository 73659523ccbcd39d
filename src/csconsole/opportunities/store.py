"""Opportunities in the cache: create, save, remove, get and list, with every change kept
in a history (who, when, each field's old and new value).

Opportunities are local data: typed by CSMs on laptops, kept in the cache, never
touched by a sync. IDs are the category prefix and a number (PO-001). Numbers come
from a counter per prefix, bumped inside the same ``BEGIN IMMEDIATE`` transaction as
the insert, so two console windows (two processes) never get the same ID and a
deleted ID is never given again.
"""

from __future__ import annotations

import getpass
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, delete, insert, select, update

from csconsole.cache import Cache
from csconsole.errors import KnownError
from csconsole.models import OpportunityChange, OpportunityCounter, OpportunityRecord
from csconsole.opportunities.checks import choice
from csconsole.opportunities.context import Context
from csconsole.opportunities.figures import derive
from csconsole.opportunities.model import ID_PATTERN, LABELS, STATUSES, Opportunity

#: The opportunities table, for the package's other readers (pipeline, files, demo).
OPPORTUNITIES = cast(Table, OpportunityRecord.__table__)
_COUNTERS = cast(Table, OpportunityCounter.__table__)
_HISTORY = cast(Table, OpportunityChange.__table__)


def current_user() -> str:
    """Who is making a change, for the history."""
    try:
        return getpass.getuser()
    except Exception:  # no login name (some containers, services)
        return "unknown"


def _from_row(row: Any) -> Opportunity:
    return Opportunity(**dict(row._mapping))


def find(conn: Connection, opp_id: str) -> Opportunity | None:
    """The stored opportunity (no figures), or None."""
    row = conn.execute(select(OPPORTUNITIES).where(OPPORTUNITIES.c.id == opp_id)).first()
    return None if row is None else _from_row(row)


def _json_value(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    return value


def _log(
    conn: Connection, *, opp_id: str, action: str, who: str, changes: dict[str, list[Any]]
) -> None:
    conn.execute(
        insert(_HISTORY).values(
            opportunity_id=opp_id,
            action=action,
            changed_at=datetime.now(UTC),
            changed_by=who,
            changes_json=json.dumps(
                {k: [_json_value(a), _json_value(b)] for k, (a, b) in changes.items()},
                ensure_ascii=False,
            ),
        )
    )


def _next_number(conn: Connection, prefix: str, *, at_least: int = 0) -> int:
    """Bump and return the prefix's counter; the caller's transaction holds the write lock."""
    last = conn.execute(
        select(_COUNTERS.c.last_number).where(_COUNTERS.c.prefix == prefix)
    ).scalar_one_or_none()
    # Rows imported with their own IDs bump the counter too (see insert_opportunity), so it
    # is always at least the highest number in use.
    number = max((last or 0) + 1, at_least)
    if last is None:
        conn.execute(insert(_COUNTERS).values(prefix=prefix, last_number=number))
    else:
        conn.execute(
            update(_COUNTERS).where(_COUNTERS.c.prefix == prefix).values(last_number=number)
        )
    return number


def _id_number(opp_id: str) -> int:
    match = ID_PATTERN.match(opp_id)
    return int(match.group(2)) if match else 0


def format_id(prefix: str, number: int) -> str:
    return f"{prefix}-{number:03d}"


def insert_opportunity(conn: Connection, opp: Opportunity, *, who: str, now: datetime) -> str:
    """Insert inside the caller's transaction, with its history; returns the ID."""
    if opp.id:
        prefix = opp.id.split("-")[0]
        taken = conn.execute(select(OPPORTUNITIES.c.id).where(OPPORTUNITIES.c.id == opp.id)).first()
        if taken:
            raise KnownError(f"opportunity {opp.id} exists already")
        last = conn.execute(
            select(_COUNTERS.c.last_number).where(_COUNTERS.c.prefix == prefix)
        ).scalar_one_or_none()
        if last is None:
            conn.execute(insert(_COUNTERS).values(prefix=prefix, last_number=_id_number(opp.id)))
        elif last < _id_number(opp.id):
            conn.execute(
                update(_COUNTERS)
                .where(_COUNTERS.c.prefix == prefix)
                .values(last_number=_id_number(opp.id))
            )
        opp_id = opp.id
    else:
        opp_id = format_id(opp.category, _next_number(conn, opp.category))
    conn.execute(
        insert(OPPORTUNITIES).values(
            id=opp_id,
            **opp.stored(),
            created_at=now,
            created_by=who,
            updated_at=now,
            updated_by=who,
        )
    )
    _log(
        conn,
        opp_id=opp_id,
        action="create",
        who=who,
        changes={k: [None, v] for k, v in opp.stored().items() if v not in (None, "")},
    )
    return opp_id


def create(cache: Cache, opp: Opportunity, *, who: str | None = None) -> str:
    """Store a new (validated) opportunity and return its ID, given here unless it has one."""
    with cache.engine.begin() as conn:
        return insert_opportunity(conn, opp, who=who or current_user(), now=datetime.now(UTC))


def update_opportunity(conn: Connection, opp: Opportunity, *, who: str, now: datetime) -> bool:
    """Update inside the caller's transaction, with its history; False when nothing changed."""
    old = find(conn, opp.id)
    if old is None:
        raise KnownError(f"no opportunity {opp.id} (deleted in another window?)")
    if old.category != opp.category:
        raise KnownError(f"{opp.id} is in category {old.category}; its category cannot change")
    changes = {k: [getattr(old, k), v] for k, v in opp.stored().items() if getattr(old, k) != v}
    if not changes:
        return False
    conn.execute(
        update(OPPORTUNITIES)
        .where(OPPORTUNITIES.c.id == opp.id)
        .values(**opp.stored(), updated_at=now, updated_by=who)
    )
    _log(conn, opp_id=opp.id, action="update", who=who, changes=changes)
    return True


def save(cache: Cache, opp: Opportunity, *, who: str | None = None) -> bool:
    """Write an edited opportunity; returns False when nothing changed."""
    with cache.engine.begin() as conn:
        return update_opportunity(conn, opp, who=who or current_user(), now=datetime.now(UTC))


def remove(cache: Cache, opp_id: str, *, who: str | None = None) -> None:
    """Delete an opportunity; its ID is never given again and its history stays."""
    with cache.engine.begin() as conn:
        old = find(conn, opp_id)
        if old is None:
            raise KnownError(f"no opportunity {opp_id}")
        conn.execute(delete(OPPORTUNITIES).where(OPPORTUNITIES.c.id == opp_id))
        _log(
            conn,
            opp_id=opp_id,
            action="delete",
            who=who or current_user(),
            changes={k: [v, None] for k, v in old.stored().items() if v not in (None, "")},
        )


def get(cache: Cache, opp_id: str, ctx: Context | None = None) -> Opportunity:
    with cache.engine.connect() as conn:
        opp = find(conn, opp_id.strip().upper())
    if opp is None:
        raise KnownError(f"no opportunity {opp_id.strip()!r}")
    return derive(opp, ctx) if ctx else opp


def list_opportunities(
    cache: Cache,
    ctx: Context,
    *,
    client: str | None = None,
    status: str | None = None,
    text: str = "",
) -> list[Opportunity]:
    """Every opportunity (or a client's, or one status's), ordered by ID, with figures."""
    query = select(OPPORTUNITIES).order_by(OPPORTUNITIES.c.category, OPPORTUNITIES.c.id)
    if client:
        found = ctx.find_client(client)
        if found is None:
            raise KnownError(f"unknown client {client!r} (give a key such as CL-001 or the name)")
        query = query.where(OPPORTUNITIES.c.client_key == found.key)
    if status:
        chosen, error = choice(status, STATUSES, label="Status")
        if error:
            raise KnownError(error)
        query = query.where(OPPORTUNITIES.c.status == chosen)
    with cache.engine.connect() as conn:
        rows = [derive(_from_row(r), ctx) for r in conn.execute(query)]
    rows.sort(key=lambda o: (o.category, _id_number(o.id)))
    wanted = text.strip().casefold()
    return [o for o in rows if wanted in o.search_text()] if wanted else rows


@dataclass(frozen=True)
class Change:
    opportunity_id: str
    action: str
    at: datetime
    who: str
    changes: dict[str, list[Any]]

    def lines(self) -> list[str]:
        """Each field's change in words: ``Status: proposed → in progress``."""
        out = []
        for name, (old, new) in self.changes.items():
            label = LABELS.get(name, name)
            if self.action == "create":
                out.append(f"{label}: {new}")
            elif self.action == "delete":
                out.append(f"{label} was {old}")
            else:
                out.append(f"{label}: {'—' if old in (None, '') else old} → "
                           f"{'—' if new in (None, '') else new}")  # fmt: skip
        return out


def history(cache: Cache, opp_id: str) -> list[Change]:
    """The opportunity's changes, oldest first."""
    with cache.engine.connect() as conn:
        rows = conn.execute(
            select(_HISTORY)
            .where(_HISTORY.c.opportunity_id == opp_id)
            .order_by(_HISTORY.c.changed_at, _HISTORY.c.id)
        ).all()
    return [
        Change(r.opportunity_id, r.action, r.changed_at, r.changed_by, json.loads(r.changes_json))
        for r in rows
    ]
