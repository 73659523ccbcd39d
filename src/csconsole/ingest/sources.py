"""Configured data sources, kept in the cache without their passwords."""

from __future__ import annotations

from sqlalchemy import select

from csconsole.cache import Cache
from csconsole.credentials import delete_password, store_password
from csconsole.errors import KnownError
from csconsole.ingest.warehouse import parse_url, public_url
from csconsole.models import Source, utcnow
from csconsole.paths import demo_warehouse_path

DEMO_SOURCE = "demo"


def list_sources(cache: Cache) -> list[Source]:
    with cache.session() as session:
        return list(session.scalars(select(Source).order_by(Source.name)))


def get_source(cache: Cache, name: str) -> Source:
    with cache.session() as session:
        source = session.scalar(select(Source).where(Source.name == name))
    if source is None:
        raise KnownError(f"there is no source named {name!r} (see 'csconsole source list')")
    return source


def add_source(cache: Cache, *, name: str, url: str, password: str | None = None) -> Source:
    """Add a SQL warehouse. The password goes to keyring (raises NoKeyringError without one),
    the URL is stored without it."""
    name = name.strip()
    if not name or any(ch in name for ch in "\r\n\t") or len(name) > 100:
        raise KnownError("a source name must be 1–100 characters on one line")
    parsed = parse_url(url)
    inline_password = parsed.password
    secret = password if password is not None else inline_password
    if parsed.get_backend_name() == "sqlite":
        secret = None  # a database file has no password to keep
    with cache.session() as session:
        if session.scalar(select(Source).where(Source.name == name)) is not None:
            raise KnownError(f"a source named {name!r} exists already; remove it first")
        source = Source(
            name=name,
            kind="sql",
            url=public_url(parsed),
            needs_password=bool(secret),
            created_at=utcnow(),
        )
        session.add(source)
    if secret:
        store_password(name, str(secret))
    return source


def ensure_demo_source(cache: Cache) -> Source:
    """The demo warehouse as a source, added once."""
    with cache.session() as session:
        source = session.scalar(select(Source).where(Source.name == DEMO_SOURCE))
        if source is None:
            source = Source(
                name=DEMO_SOURCE,
                kind="sql",
                url=f"sqlite:///{demo_warehouse_path()}",
                needs_password=False,
                created_at=utcnow(),
            )
            session.add(source)
        return source


def remove_source(cache: Cache, name: str) -> None:
    """Forget a source and its password. Synced rows stay until the retention prunes them."""
    with cache.session() as session:
        source = session.scalar(select(Source).where(Source.name == name))
        if source is None:
            raise KnownError(f"there is no source named {name!r}")
        session.delete(source)
    delete_password(name)


def test_source(source: Source, *, password: str | None = None) -> str:
    """Connect to a source and count its contract rows; one line for the user."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from csconsole.errors import SourceError
    from csconsole.ingest.warehouse import (
        STREAMS,
        connect_engine,
        describe_source_error,
        source_url,
    )

    engine = connect_engine(source_url(source.url, password))
    try:
        with engine.connect() as conn:
            counts = {
                s.table: conn.execute(text(f"SELECT count(*) FROM {s.table}")).scalar_one()
                for s in STREAMS
            }
    except DBAPIError as exc:
        raise SourceError(
            describe_source_error(exc, name=source.name, secrets=[password or ""])
        ) from None
    finally:
        engine.dispose()
    return f"source {source.name!r} is reachable: " + ", ".join(
        f"{n} {t}" for t, n in counts.items()
    )
