"""The cache: WAL, migrations in place, old caches keep every row, newer caches refused."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from csconsole.cache import (
    MIGRATIONS_DIR,
    Cache,
    cache_engine,
    head_revision,
    known_revisions,
    upgrade,
)
from csconsole.errors import CacheError
from csconsole.models import Base

FIRST_REVISION = "0001"

#: One row for every table of the first revision, as an old release would have written them.
FIRST_REVISION_ROWS = {
    "sources": {"id": 1, "name": "warehouse", "kind": "sql", "url": "postgresql+psycopg://u@h/db",
                "needs_password": True, "created_at": "2025-01-02 03:04:05.000000",
                "last_success_at": None},
    "source_watermarks": {"source_id": 1, "stream": "samples",
                          "value": '["2025-01-02 00:00:00.000000", 41]'},
    "clients": {"id": 7, "key": "CL-007", "name": "Café <Lumière> & Co 🚀", "tier": "essential",
                "package_value": 2500.0, "start_date": "2024-05-01", "csm": "Maya",
                "technical_lead": "Tom", "contact_name": "Léa", "contact_email": "lea@x.example",
                "team_size": 5, "hourly_rate": 45.0, "cost_per_error": 75.0, "source_id": 1,
                "synced_at": "2025-01-02 03:04:05.000000"},
    "client_targets": {"client_id": 7, "metric": "time_saved", "target": 15.0},
    "samples": {"client_id": 7, "metric": "uptime", "period_start": "2024-12-02",
                "grain": "week", "value": 99.8, "source_id": 1},
    "period_notes": {"client_id": 7, "period_start": "2024-12-02", "note": "Smooth start\r\n<ok>"},
    "incidents": {"id": 3, "key": "CL-007-INC-1", "client_id": 7, "severity": "minor",
                  "title": "Slow sync", "opened_at": "2024-12-03 09:00:00.000000",
                  "resolved_at": None, "source_id": 1},
}  # fmt: skip


def test_new_cache_is_at_head_in_wal_mode(tmp_path: Path) -> None:
    with Cache.open(tmp_path / "c.sqlite") as cache:
        assert cache.revision() == head_revision()
        with cache.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar_one() >= 5000
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1


def test_revisions_read_from_the_scripts_agree_with_alembic() -> None:
    """Opening a cache compares revisions without Alembic; Alembic must see the same."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    script = ScriptDirectory.from_config(cfg)
    revisions, head = known_revisions()
    assert head == script.get_current_head()
    assert revisions == {rev.revision for rev in script.walk_revisions()}


def test_opening_an_up_to_date_cache_does_not_import_alembic(tmp_path: Path) -> None:
    import subprocess
    import sys

    Cache.open(tmp_path / "c.sqlite").close()
    code = (
        "import sys; from pathlib import Path; from csconsole.cache import Cache; "
        f"Cache.open(Path({str(tmp_path / 'c.sqlite')!r})).close(); "
        "print('alembic' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_models_match_the_migrated_schema(tmp_path: Path) -> None:
    """The ORM models and the Alembic migrations describe the same tables."""
    with Cache.open(tmp_path / "c.sqlite") as cache, cache.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_cache_from_the_first_revision_upgrades_and_keeps_every_row(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    engine = cache_engine(path)
    upgrade(engine, path=path, revision=FIRST_REVISION)
    with engine.begin() as conn:
        assert set(inspect(conn).get_table_names()) >= set(FIRST_REVISION_ROWS)
        for table, row in FIRST_REVISION_ROWS.items():
            columns = ", ".join(row)
            marks = ", ".join(f":{c}" for c in row)
            conn.execute(text(f"INSERT INTO {table} ({columns}) VALUES ({marks})"), row)
    engine.dispose()

    with Cache.open(path) as cache:
        assert cache.revision() == head_revision() != FIRST_REVISION
        with cache.engine.connect() as conn:
            for table, row in FIRST_REVISION_ROWS.items():
                found = conn.execute(text(f"SELECT {', '.join(row)} FROM {table}")).mappings().all()
                assert [dict(r) for r in found] == [row], table


def test_orm_reads_the_upgraded_rows_with_types(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    engine = cache_engine(path)
    upgrade(engine, path=path, revision=FIRST_REVISION)
    with engine.begin() as conn:
        for table in ("sources", "clients"):
            row = FIRST_REVISION_ROWS[table]
            conn.execute(
                text(
                    f"INSERT INTO {table} ({', '.join(row)}) VALUES ({', '.join(':' + c for c in row)})"
                ),
                row,
            )
    engine.dispose()
    from csconsole.models import Client

    with Cache.open(path) as cache, cache.session() as session:
        client = session.get(Client, 7)
        assert client is not None
        assert client.name == "Café <Lumière> & Co 🚀"
        assert client.start_date == date(2024, 5, 1)
        assert client.synced_at.tzinfo is not None
        assert client.synced_at.replace(tzinfo=None) == datetime(2025, 1, 2, 3, 4, 5)


def test_a_cache_from_a_newer_csconsole_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite"
    Cache.open(path).close()
    engine = cache_engine(path)
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999_future'")
    engine.dispose()
    with pytest.raises(CacheError, match="newer csconsole"):
        Cache.open(path)
    # Refused, not downgraded: the revision is still the newer one.
    engine = cache_engine(path)
    with engine.connect() as conn:
        assert (
            conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one()
            == "9999_future"
        )
    engine.dispose()


def test_a_file_that_is_not_a_cache_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "photo.sqlite"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    with pytest.raises(CacheError) as err:
        Cache.open(path)
    assert "not a csconsole cache" in str(err.value)
    assert "\n" not in str(err.value)


def test_a_cache_in_an_unwritable_place_is_one_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(CacheError) as err:
        Cache.open(blocker / "sub" / "cache.sqlite")
    assert "\n" not in str(err.value)


def test_session_rolls_back_on_error(cache: Cache) -> None:
    from csconsole.models import Source, utcnow

    with pytest.raises(RuntimeError), cache.session() as session:
        session.add(Source(name="x", kind="sql", url="sqlite://", created_at=utcnow()))
        session.flush()
        raise RuntimeError("boom")
    with cache.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM sources").scalar_one() == 0


def _v1_evaluation(month: str, satisfaction: float, adoption: float) -> dict[str, object]:
    """A status_history row as csconsole wrote it before rating version 2."""
    kpi = {"unit": "%", "direction": "higher", "variance": None, "previous": None,
           "carried_from": None}  # fmt: skip
    return {
        "client": {"key": "CL-007", "name": "Café", "tier": "essential"},
        "month": month, "complete": True, "status": "red", "rating": 9.5,
        "previous_rating": 9.4, "trend": "steady",
        "reasons": [
            {"rule": "shortfall", "status": "red", "metric": "satisfaction",
             "label": "Client satisfaction", "actual": satisfaction, "target": 8.5,
             "shortfall": 0.2, "text": "old text"},
            {"rule": "satisfaction", "status": "red", "metric": "satisfaction",
             "label": "Client satisfaction", "actual": satisfaction, "target": 7.0,
             "shortfall": None, "text": "old text"},
        ],
        "kpis": [
            {**kpi, "metric": "satisfaction", "label": "Client satisfaction", "unit": "/10",
             "value": satisfaction, "target": 8.5, "shortfall": None, "band": "red"},
            {**kpi, "metric": "user_adoption", "label": "User adoption", "value": adoption,
             "target": 90.0, "shortfall": None, "band": "green"},
        ],
        "incidents": [], "bands": {}, "evaluated_at": "2026-10-01T00:00:00+00:00",
    }  # fmt: skip


def test_upgrade_re_rates_history_and_moves_imported_weeks(tmp_path: Path) -> None:
    """Migration 0006: stored months are re-judged by the version-2 rules from the inputs
    they kept, and weekly values an older import wrote become Monday-based sheet values."""
    import json

    path = tmp_path / "old.sqlite"
    engine = cache_engine(path)
    upgrade(engine, path=path, revision="0005")
    with engine.begin() as conn:
        client = {**FIRST_REVISION_ROWS["clients"], "source_id": None}
        conn.execute(
            text(
                f"INSERT INTO clients ({', '.join(client)}) VALUES ({', '.join(f':{c}' for c in client)})"
            ),
            client,
        )
        for month, sat, adoption in (("2026-09", 6.5, 90.0), ("2026-10", 8.0, 90.0)):
            conn.exec_driver_sql(
                "INSERT INTO status_history (client_id, month, status, rating, complete, "
                "evaluated_at, evaluation_json) VALUES (7, ?, 'red', 9.5, 1, "
                "'2026-10-01 00:00:00.000000', ?)",
                (month, json.dumps(_v1_evaluation(month, sat, adoption))),
            )
        # Imported (no source) on Sunday 1 November: its week starts Monday 26 October.
        conn.exec_driver_sql(
            "INSERT INTO samples VALUES (7, 'time_saved', '2026-11-01', 'week', 17.0, NULL), "
            "(7, 'uptime', '2026-11-02', 'day', 99.0, NULL), "
            "(7, 'uptime', '2026-11-03', 'week', 98.0, 1)"
        )
    engine.dispose()

    with Cache.open(path) as cache, cache.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT month, status, rating, evaluation_json FROM status_history ORDER BY month"
        ).all()
        sheet = conn.exec_driver_sql(
            "SELECT metric, period_start, grain, value FROM sheet_values"
        ).all()
        samples = conn.exec_driver_sql(
            "SELECT metric, period_start, source_id FROM samples ORDER BY period_start"
        ).all()
    sept, octo = (json.loads(r[3]) for r in rows)
    # September: satisfaction 6.5 is red (23.5 % short and below 7): one reason;
    # its score is 4 − 4·(0.235 − 0.2)/0.2 = 3.3; mean(3.3, 10) = 6.65, capped at 3.9
    assert (rows[0][1], rows[0][2]) == ("red", 3.9)
    assert len(sept["reasons"]) == 1 and sept["reasons"][0]["rules"] == [
        "shortfall",
        "satisfaction",
    ]
    assert sept["trend"] == "new" and sept["rules_version"] == 2
    # October: 8.0 is 5.9 % short (score 8.24) and at or below 8.5: yellow, capped at 6.9;
    # the trend compares with September's re-rated 3.9
    assert (rows[1][1], rows[1][2]) == ("yellow", 6.9)
    assert (octo["previous_rating"], octo["trend"]) == (3.9, "up")
    assert [k["mark"] for k in octo["kpis"]] == ["yellow", "met"]
    assert [tuple(r) for r in sheet] == [("time_saved", "2026-10-26", "week", 17.0)]
    assert [tuple(r) for r in samples] == [
        ("uptime", "2026-11-02", None),
        ("uptime", "2026-11-03", 1),
    ]
