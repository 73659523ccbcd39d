"""The warehouse contract: the tables a SQL source exposes and how the sync reads them.

The contract is documented in ``docs/warehouse-contract.md``; its DDL for
PostgreSQL and SQLite is in ``resources/warehouse``. Each table is a *stream*
read in ``(updated_at, key…)`` order past the source's watermark.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import URL, Connection, Engine, create_engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from csconsole.errors import SourceError, scrub
from csconsole.paths import resources_dir


@dataclass(frozen=True, slots=True)
class Stream:
    """One contract table, read in watermark order."""

    name: str
    table: str
    columns: tuple[str, ...]
    keys: tuple[str, ...]  # after updated_at, they make the order total
    dated: str | None = None  # a date column that the retention window filters on
    #: Columns added to the contract later: an older warehouse without them still syncs.
    optional: tuple[str, ...] = ()

    def query(
        self,
        *,
        after: tuple[Any, ...] | None,
        since: Any | None,
        until: Any | None = None,
        dialect: str = "sqlite",
        missing: frozenset[str] = frozenset(),
    ) -> tuple[str, dict[str, Any]]:
        """SQL and parameters for every row past the watermark ``after``; ``missing``
        optional columns are read as NULL.

        ``until`` leaves out rows updated after it (now): the watermark must never move
        past a row from the future. The retention filter ``since`` only leaves out dates
        that really are earlier; a NULL or malformed date (text that is not an ISO date
        on SQLite) is read, so that the checks set it aside as "bad date".
        """
        order = ("updated_at", *self.keys)
        where = []
        params: dict[str, Any] = {}
        if after is not None:
            names = [f":w{i}" for i in range(len(order))]
            where.append(f"({', '.join(order)}) > ({', '.join(names)})")
            params.update({f"w{i}": v for i, v in enumerate(after)})
        if until is not None:
            where.append("updated_at <= :until")
            params["until"] = until
        if since is not None and self.dated:
            kept = f"{self.dated} >= :since OR {self.dated} IS NULL"
            if dialect == "sqlite":
                kept += f" OR date({self.dated}, '+0 days') IS NOT {self.dated}"
            where.append(f"({kept})")
            params["since"] = since
        selected = [f"NULL AS {c}" if c in missing else c for c in self.columns]
        sql = f"SELECT {', '.join(selected)}, updated_at FROM {self.table}"
        if where:
            sql += " WHERE " + " AND ".join(where)
        return sql + f" ORDER BY {', '.join(order)}", params

    def count_query(
        self,
        *,
        after: tuple[Any, ...] | None,
        since: Any | None,
        until: Any | None = None,
        dialect: str = "sqlite",
    ) -> tuple[str, dict[str, Any]]:
        sql, params = self.query(after=after, since=since, until=until, dialect=dialect)
        body = sql.split(" ORDER BY ")[0].split(" FROM ", 1)[1]
        return f"SELECT count(*) FROM {body}", params

    def pending_query(
        self, *, until: Any, missing: frozenset[str] = frozenset()
    ) -> tuple[str, dict[str, Any]]:
        """Rows the watermark cannot pass yet: updated after ``until`` (now), or never."""
        order = ", ".join(("updated_at", *self.keys))
        selected = [f"NULL AS {c}" if c in missing else c for c in self.columns]
        sql = (
            f"SELECT {', '.join(selected)}, updated_at FROM {self.table} "
            f"WHERE updated_at > :until OR updated_at IS NULL ORDER BY {order}"
        )
        return sql, {"until": until}


CLIENTS = Stream(
    name="clients",
    table="cs_clients",
    columns=(
        "client_id", "name", "tier", "package_value", "start_date", "csm", "technical_lead",
        "contact_name", "contact_email", "team_size", "hourly_rate", "cost_per_error",
        "setup_fee", "renewal_date", "contract_months",
    ),
    keys=("client_id",),
    optional=("setup_fee", "renewal_date", "contract_months"),
)  # fmt: skip
TARGETS = Stream(
    name="targets",
    table="cs_client_targets",
    columns=("client_id", "metric", "target"),
    keys=("client_id", "metric"),
)
SAMPLES = Stream(
    name="samples",
    table="cs_metric_samples",
    columns=("sample_id", "client_id", "metric", "period_start", "grain", "value"),
    keys=("sample_id",),
    dated="period_start",
)
INCIDENTS = Stream(
    name="incidents",
    table="cs_incidents",
    columns=("incident_id", "client_id", "severity", "title", "opened_at", "resolved_at"),
    keys=("incident_id",),
)
#: Read in this order: samples and targets name clients, so clients come first.
STREAMS: tuple[Stream, ...] = (CLIENTS, TARGETS, SAMPLES, INCIDENTS)

TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%f"


def parse_url(url: str) -> URL:
    """A SQLAlchemy URL, with ``postgresql://`` meaning the psycopg 3 driver we ship."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise SourceError(
            f"{url!r} is not a database URL (e.g. postgresql://user@host/db)"
        ) from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("postgresql", "sqlite"):
        raise SourceError(
            f"{parsed.get_backend_name()} warehouses are not supported; use PostgreSQL or SQLite"
        )
    return parsed


def source_url(stored: str, password: str | None) -> URL:
    """The URL to connect with: the stored one plus the password, where the database
    takes one (a SQLite file does not)."""
    url = parse_url(stored)
    if password and url.get_backend_name() != "sqlite":
        url = url.set(password=password)
    return url


def public_url(url: URL) -> str:
    """The URL as stored and shown: never with a password."""
    # URL.set(password=None) means "leave unchanged"; the tuple replace really drops it.
    return url._replace(password=None).render_as_string(hide_password=False)


def connect_engine(url: URL) -> Engine:
    try:
        connect_args: dict[str, Any] = {}
        if url.get_backend_name() == "postgresql":
            connect_args["connect_timeout"] = 10
        return create_engine(url, connect_args=connect_args, pool_pre_ping=False)
    except NoSuchModuleError:
        raise SourceError(f"no database driver for {url.drivername}") from None


def describe_source_error(exc: BaseException, *, name: str, secrets: list[str]) -> str:
    """One line saying why a source failed, with no secret in it."""
    orig = getattr(exc, "orig", None) or exc
    first = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    return scrub(f"source {name!r}: {first}", secrets)


def bind_date(conn: Connection, value: date) -> Any:
    """Dates are bound as ISO text on SQLite (stored as text) and as dates elsewhere."""
    return value.isoformat() if conn.dialect.name == "sqlite" else value


def bind_timestamp(conn: Connection, value: str) -> Any:
    """Watermark timestamps are kept as text; PostgreSQL compares real timestamps."""
    if conn.dialect.name == "sqlite":
        return value
    return datetime.fromisoformat(value)


def timestamp_text(value: Any) -> str:
    """A warehouse timestamp as the text the watermark keeps."""
    if isinstance(value, datetime):
        return value.strftime(TIMESTAMP_FORMAT)
    return str(value)


def _statements(sql: str) -> list[str]:
    without_comments = re.sub(r"--[^\n]*", "", sql)
    return [s.strip() for s in without_comments.split(";") if s.strip()]


def init_warehouse(url: str, *, password: str | None = None) -> str:
    """Create the contract's tables in the database at ``url``; returns the dialect name."""
    parsed = parse_url(url)
    if password is not None:
        parsed = parsed.set(password=password)
    dialect = parsed.get_backend_name()
    ddl = (resources_dir() / "warehouse" / f"{dialect}.sql").read_text(encoding="utf-8")
    engine = connect_engine(parsed)
    try:
        with engine.begin() as conn:
            for statement in _statements(ddl):
                conn.exec_driver_sql(statement)
    except DBAPIError as exc:
        raise SourceError(
            describe_source_error(exc, name=public_url(parsed), secrets=[password or ""])
        ) from None
    finally:
        engine.dispose()
    return dialect
