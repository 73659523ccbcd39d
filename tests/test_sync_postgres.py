"""The sync against a real PostgreSQL server, through the command line, as a user runs it.

The demo warehouse (SQLite) is copied into PostgreSQL and synced by the same code
path; bad rows, incremental changes and unreachable servers are checked end to end.
"""

from __future__ import annotations

import io
import json
import math
import sqlite3
import sys
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event

from csconsole.cache import Cache
from csconsole.cli import main
from csconsole.ingest import sync as sync_module
from csconsole.ingest.sync import retention_cutoff
from csconsole.ingest.warehouse import init_warehouse
from tests.helpers import TODAY
from tests.helpers.pg import PgServer, create_demo_database

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

CONTRACT_TABLES = ("cs_clients", "cs_client_targets", "cs_metric_samples", "cs_incidents")


@dataclass
class Run:
    code: int
    out: str
    err: str


Cli = Callable[..., Run]


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Cli:
    """Run ``csconsole ARGS`` in-process with ``stdin`` as its standard input."""

    def run(*args: str, stdin: str = "") -> Run:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        capsys.readouterr()
        code = main(list(args))
        out, err = capsys.readouterr()
        return Run(code, out, err)

    return run


@pytest.fixture
def demo_pg(postgres: PgServer, demo_warehouse: Path) -> Iterator[str]:
    """A database holding the demo warehouse; its URL without the password."""
    import uuid

    name = f"demo_{uuid.uuid4().hex[:12]}"
    create_demo_database(postgres, name, demo_path=demo_warehouse)
    yield postgres.url(name)
    postgres.drop_database(name)


def db_name(url: str) -> str:
    return url.rsplit("/", 1)[1]


def cache_file(home: Path) -> Path:
    return home / "cache.sqlite"


def query_cache(path: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute(sql, params).fetchall()


def synced_json(run: Run) -> list[dict[str, Any]]:
    assert run.code == 0, run.err
    result: list[dict[str, Any]] = json.loads(run.out)
    return result


def cache_contents(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Everything a sync writes, keyed by the warehouse's keys rather than cache ids."""
    return {
        "clients": query_cache(
            path,
            "SELECT key, name, tier, package_value, start_date, csm, technical_lead, contact_name, "
            "contact_email, team_size, hourly_rate, cost_per_error, setup_fee, renewal_date, "
            "contract_months FROM clients ORDER BY key",
        ),
        "targets": query_cache(
            path,
            "SELECT c.key, t.metric, t.target FROM client_targets t "
            "JOIN clients c ON c.id = t.client_id ORDER BY 1, 2",
        ),
        "samples": query_cache(
            path,
            "SELECT c.key, s.metric, s.period_start, s.grain, s.value FROM samples s "
            "JOIN clients c ON c.id = s.client_id ORDER BY 1, 2, 3",
        ),
        "incidents": query_cache(
            path,
            "SELECT i.key, c.key, i.severity, i.title, i.opened_at, i.resolved_at FROM incidents i "
            "JOIN clients c ON c.id = i.client_id ORDER BY 1",
        ),
        "rejected": query_cache(
            path, "SELECT stream, row_ref, reason FROM rejected_rows ORDER BY 1, 2"
        ),
    }


def naive_utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


# --- warehouse init -----------------------------------------------------------------


def test_warehouse_init_creates_the_contract_in_an_empty_database(
    postgres: PgServer, pg_url: str, cli: Cli
) -> None:
    run = cli("warehouse", "init", pg_url, "--password-stdin", stdin=postgres.password + "\n")
    assert run.code == 0, run.err
    assert "postgresql" in run.out
    with postgres.connect(db_name(pg_url)) as conn:
        tables = {
            r[0]
            for r in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
            )
        }
        columns = {
            r[0]: r[1]
            for r in conn.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_name = 'cs_metric_samples'"
            )
        }
    assert set(CONTRACT_TABLES) <= tables
    assert columns["value"] == "double precision"
    assert columns["period_start"] == "date"
    assert columns["updated_at"] == "timestamp without time zone"
    # Running it again on the same database is harmless.
    again = cli("warehouse", "init", pg_url, "--password-stdin", stdin=postgres.password + "\n")
    assert again.code == 0, again.err


# --- the demo through PostgreSQL ----------------------------------------------------


def test_demo_synced_from_postgres_is_complete_idempotent_and_incremental(
    postgres: PgServer, pg_url: str, demo_warehouse: Path, cli: Cli, isolated_home: Path
) -> None:
    from tests.helpers.pg import copy_sqlite_warehouse

    database = db_name(pg_url)
    assert cli("warehouse", "init", pg_url, "--password-stdin", stdin=postgres.password).code == 0
    with postgres.connect(database) as conn:
        copied = copy_sqlite_warehouse(demo_warehouse, conn)
    assert copied["cs_metric_samples"] > 80_000

    added = cli("source", "add", "pg", "--url", pg_url, "--password-stdin", stdin=postgres.password)
    assert added.code == 0, added.err
    assert postgres.password not in added.out + added.err

    # First sync: the password comes from keyring.
    first = synced_json(cli("sync", "--json"))
    assert len(first) == 1 and first[0]["status"] == "ok", first
    assert first[0]["rejected"] == {}
    assert first[0]["inserted"] == sum(copied.values())

    cutoff = retention_cutoff(TODAY, 24)
    with postgres.connect(database) as conn:
        pg_counts = dict(
            ((client, metric), n)
            for client, metric, n in conn.execute(
                "SELECT client_id, metric, count(*) FROM cs_metric_samples "
                "WHERE period_start >= %s GROUP BY 1, 2",
                (cutoff,),
            )
        )
        pg_clients = {r[0] for r in conn.execute("SELECT client_id FROM cs_clients")}
    path = cache_file(isolated_home)
    cache_counts = dict(
        ((client, metric), n)
        for client, metric, n in query_cache(
            path,
            "SELECT c.key, s.metric, count(*) FROM samples s JOIN clients c ON c.id = s.client_id "
            "GROUP BY 1, 2",
        )
    )
    assert {r[0] for r in query_cache(path, "SELECT key FROM clients")} == pg_clients
    assert len(pg_clients) == 40
    assert cache_counts == pg_counts

    # Second sync: nothing new, and it says so.
    second = cli("sync")
    assert second.code == 0, second.err
    assert "nothing new" in second.out
    before = cache_contents(path)

    # An incremental change: 5 samples corrected, 7 new ones, 1 client renamed.
    stamp = naive_utc_now()
    today = TODAY
    with postgres.connect(database) as conn:
        corrected = [
            r[0]
            for r in conn.execute(
                "SELECT sample_id FROM cs_metric_samples WHERE metric = 'uptime' "
                "ORDER BY sample_id LIMIT 5"
            )
        ]
        for i, sample_id in enumerate(corrected):
            conn.execute(
                "UPDATE cs_metric_samples SET value = %s, updated_at = %s WHERE sample_id = %s",
                (50.0 + i, stamp, sample_id),
            )
        new_clients = [
            r[0]
            for r in conn.execute(
                "SELECT DISTINCT client_id FROM cs_metric_samples WHERE metric = 'uptime' "
                "ORDER BY 1 LIMIT 7"
            )
        ]
        for client in new_clients:
            conn.execute(
                "INSERT INTO cs_metric_samples (client_id, metric, period_start, grain, value, "
                "updated_at) VALUES (%s, 'uptime', %s, 'day', 99.25, %s)",
                (client, today, stamp),
            )
        conn.execute(
            "UPDATE cs_clients SET name = 'Northwind Traders (renamed)', updated_at = %s "
            "WHERE client_id = 'CL-001'",
            (stamp,),
        )
        expected_values = dict(
            ((c, p.isoformat()), v)
            for c, p, v in conn.execute(
                "SELECT client_id, period_start, value FROM cs_metric_samples "
                "WHERE sample_id = ANY(%s)",
                (corrected,),
            )
        )

    third = synced_json(cli("sync", "--json"))
    assert (third[0]["inserted"], third[0]["updated"], third[0]["rejected"]) == (7, 6, {})
    assert third[0]["unchanged"] == 0
    after = cache_contents(path)
    assert len(after["samples"]) == len(before["samples"]) + 7
    uptime = {(c, p): v for c, m, p, _g, v in after["samples"] if m == "uptime"}
    for key, value in expected_values.items():
        assert uptime[key] == value
    for client in new_clients:
        assert uptime[(client, today.isoformat())] == 99.25
    assert ("CL-001", "Northwind Traders (renamed)") in {(r[0], r[1]) for r in after["clients"]}

    # And once more: nothing new.
    fourth = cli("sync")
    assert "nothing new" in fourth.out, fourth.out + fourth.err


def test_small_batches_stream_from_a_server_side_cursor_with_identical_results(
    demo_pg: str, postgres: PgServer, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Memory stays bounded: the source is read through a server-side cursor, in batches."""
    cursors: list[tuple[str, str]] = []
    original = sync_module.connect_engine

    def recording_engine(url: Any) -> Engine:
        engine = original(url)

        @event.listens_for(engine, "before_cursor_execute")
        def _record(_conn: Any, cursor: Any, statement: str, *_args: Any) -> None:
            cursors.append((statement, type(cursor).__name__))

        return engine

    monkeypatch.setattr(sync_module, "connect_engine", recording_engine)
    small, big = tmp_path / "small.sqlite", tmp_path / "big.sqlite"
    for path in (small, big):
        run = cli(
            "source", "add", "pg", "--url", demo_pg, "--cache", str(path),
            "--password-stdin", stdin=postgres.password,
        )  # fmt: skip
        assert run.code == 0, run.err
    small_run = synced_json(cli("sync", "--cache", str(small), "--batch-size", "1000", "--json"))
    big_run = synced_json(cli("sync", "--cache", str(big), "--batch-size", "1000000", "--json"))

    for key in ("status", "inserted", "updated", "unchanged", "rejected"):
        assert small_run[0][key] == big_run[0][key], key
    assert small_run[0]["inserted"] > 80_000
    assert cache_contents(small) == cache_contents(big)

    # The streams' reads (the contract's tables in watermark order), not the catalog
    # queries that look for optional columns nor the look for rows updated in the future
    # or never.
    reads = [
        kind
        for statement, kind in cursors
        if "ORDER BY updated_at" in statement and "updated_at IS NULL" not in statement
    ]
    assert len(reads) == 2 * 4  # every stream of both runs
    assert set(reads) == {"ServerCursor"}, reads


# --- bad rows -----------------------------------------------------------------------


def seed_small_warehouse(postgres: PgServer, url: str) -> None:
    """Two clients and three good samples, written straight into the contract tables."""
    init_warehouse(url, password=postgres.password)
    stamp = naive_utc_now() - timedelta(hours=1)
    with postgres.connect(db_name(url)) as conn:
        for key, tier in (("CL-A", "essential"), ("CL-B", "professional")):
            conn.execute(
                "INSERT INTO cs_clients (client_id, name, tier, package_value, start_date, "
                "team_size, hourly_rate, cost_per_error, updated_at) "
                "VALUES (%s, %s, %s, 2500.00, '2025-01-01', 12, 45.50, 75.00, %s)",
                (key, f"Client {key}", tier, stamp),
            )
        day = TODAY - timedelta(days=10)
        rows = [
            (1, "CL-A", "uptime", day, "day", 99.5),
            (2, "CL-A", "time_saved", day, "week", 12.0),
            (3, "CL-B", "uptime", day, "day", 98.0),
        ]
        insert_samples(conn, rows, stamp)


def insert_samples(conn: Any, rows: list[tuple[Any, ...]], stamp: datetime) -> None:
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO cs_metric_samples (sample_id, client_id, metric, period_start, grain, "
            "value, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s)",
            [(*row, stamp) for row in rows],
        )


def test_bad_rows_in_postgres_are_set_aside_with_reasons_while_good_rows_land(
    postgres: PgServer, pg_url: str, cli: Cli, isolated_home: Path
) -> None:
    seed_small_warehouse(postgres, pg_url)
    day = TODAY - timedelta(days=5)
    bad = {
        10: ("CL-A", "uptime", day, "day", math.nan, "not a finite number"),
        11: ("CL-A", "uptime", day + timedelta(days=1), "day", math.inf, "not a finite number"),
        12: ("CL-B", "error_rate", day, "day", -math.inf, "not a finite number"),
        13: ("CL-B", "uptime", day, "day", 120.0, "out of range"),
        14: ("CL-A", "time_saved", day, "week", -3.0, "out of range"),
        15: ("CL-ZZZ", "uptime", day, "day", 99.0, "unknown client"),
        16: ("CL-A", "moon_phase", day, "day", 1.0, "unknown metric"),
        17: ("CL-B", "uptime", TODAY + timedelta(days=30), "day", 99.0, "future date"),
    }
    good = {20: ("CL-B", "error_rate", day, "day", 0.25)}
    with postgres.connect(db_name(pg_url)) as conn:
        rows = [(sid, *spec[:5]) for sid, spec in bad.items()]
        rows += [(sid, *spec) for sid, spec in good.items()]
        insert_samples(conn, rows, naive_utc_now() - timedelta(minutes=30))
        # PostgreSQL keeps the special values as the server's own NaN and Infinity.
        specials = conn.execute(
            "SELECT count(*) FROM cs_metric_samples WHERE value = 'NaN' OR value = 'Infinity' "
            "OR value = '-Infinity'"
        ).fetchone()
        assert specials == (3,)

    added = cli("source", "add", "pg", "--url", pg_url, "--password-stdin", stdin=postgres.password)
    assert added.code == 0, added.err
    summary = synced_json(cli("sync", "--json"))[0]
    assert summary["status"] == "ok"
    assert summary["inserted"] == 2 + 3 + 1  # clients, seeded samples, the good one
    assert summary["rejected"] == {
        "not a finite number": 3, "out of range": 2, "unknown client": 1,
        "unknown metric": 1, "future date": 1,
    }  # fmt: skip

    path = cache_file(isolated_home)
    rejected = {
        ref: (stream, reason)
        for stream, ref, reason in query_cache(
            path, "SELECT stream, row_ref, reason FROM rejected_rows"
        )
    }
    assert set(rejected) == {f"sample {sid}" for sid in bad}
    for sid, spec in bad.items():
        stream, reason = rejected[f"sample {sid}"]
        assert stream == "samples"
        assert reason.startswith(spec[-1] + ":"), (sid, reason)
    landed = {
        (c, m, v)
        for c, m, v in query_cache(
            path,
            "SELECT c.key, s.metric, s.value FROM samples s JOIN clients c ON c.id = s.client_id",
        )
    }
    assert landed == {
        ("CL-A", "uptime", 99.5), ("CL-A", "time_saved", 12.0), ("CL-B", "uptime", 98.0),
        ("CL-B", "error_rate", 0.25),
    }  # fmt: skip
    # Money in NUMERIC columns arrives as numbers.
    assert query_cache(
        path, "SELECT package_value, hourly_rate FROM clients WHERE key = 'CL-A'"
    ) == [(2500.0, 45.5)]
    # The rejected raw row is kept readable, NaN and all.
    raw = query_cache(path, "SELECT raw_json FROM rejected_rows WHERE row_ref = 'sample 10'")[0][0]
    assert json.loads(raw)["value"] == "nan"


def test_renewals_sync_from_postgres_bad_terms_set_aside_and_an_older_warehouse_syncs(
    postgres: PgServer, pg_url: str, cli: Cli, isolated_home: Path
) -> None:
    seed_small_warehouse(postgres, pg_url)
    stamp = naive_utc_now() - timedelta(minutes=30)
    with postgres.connect(db_name(pg_url)) as conn:
        conn.execute(
            "UPDATE cs_clients SET renewal_date = '2027-01-15', contract_months = 24, "
            "updated_at = %s WHERE client_id = 'CL-A'",
            (stamp,),
        )
        conn.execute(
            "UPDATE cs_clients SET contract_months = 12, updated_at = %s WHERE client_id = 'CL-B'",
            (stamp,),
        )
        conn.execute(
            "INSERT INTO cs_clients (client_id, name, tier, package_value, start_date, "
            "contract_months, updated_at) VALUES ('CL-C', 'Client C', 'essential', 900, "
            "'2025-01-01', 0, %s)",
            (stamp,),
        )
    added = cli("source", "add", "pg", "--url", pg_url, "--password-stdin", stdin=postgres.password)
    assert added.code == 0, added.err
    summary = synced_json(cli("sync", "--json"))[0]
    assert summary["status"] == "ok" and summary["rejected"] == {"out of range": 1}
    path = cache_file(isolated_home)
    assert query_cache(
        path, "SELECT key, renewal_date, contract_months FROM clients ORDER BY key"
    ) == [("CL-A", "2027-01-15", 24), ("CL-B", None, 12)]
    (reason,) = query_cache(path, "SELECT reason FROM rejected_rows WHERE row_ref = 'CL-C'")[0]
    assert reason == "out of range: contract_months 0 is not from 1 to 120"
    status = json.loads(cli("status", "--json", "--client", "CL-B").out)
    assert status["clients"][0]["renewal"]["computed"] is True

    # A warehouse made before the columns existed syncs as before, renewals unknown.
    with postgres.connect(db_name(pg_url)) as conn:
        conn.execute("ALTER TABLE cs_clients DROP COLUMN renewal_date")
        conn.execute("ALTER TABLE cs_clients DROP COLUMN contract_months")
        conn.execute("DELETE FROM cs_clients WHERE client_id = 'CL-C'")
    fresh = isolated_home / "fresh.sqlite"
    again = cli("--cache", str(fresh), "source", "add", "pg", "--url", pg_url,
                "--password-stdin", stdin=postgres.password)  # fmt: skip
    assert again.code == 0, again.err
    summary = synced_json(cli("--cache", str(fresh), "sync", "--json"))[0]
    assert summary["status"] == "ok" and summary["rejected"] == {}
    assert query_cache(fresh, "SELECT key, renewal_date, contract_months FROM clients") == [
        ("CL-A", None, None),
        ("CL-B", None, None),
    ]


# --- failures -----------------------------------------------------------------------


def closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_unreachable_server_fails_in_one_line_and_leaves_the_cache_intact(
    postgres: PgServer, pg_url: str, cli: Cli, isolated_home: Path
) -> None:
    seed_small_warehouse(postgres, pg_url)
    good = cli(
        "source", "add", "good", "--url", pg_url, "--password-stdin", stdin=postgres.password
    )
    assert good.code == 0, good.err
    assert cli("sync").code == 0
    path = cache_file(isolated_home)
    before = cache_contents(path)

    broken_url = f"postgresql://{postgres.user}@127.0.0.1:{closed_port()}/nowhere"
    added = cli("source", "add", "broken", "--url", broken_url, "--password-stdin", stdin="x")
    assert added.code == 0, added.err

    run = cli("sync")
    assert run.code == 1
    lines = run.err.strip().splitlines()
    assert len(lines) == 1, run.err
    assert "broken" in lines[0]
    assert "Traceback" not in run.err + run.out
    assert "good: nothing new" in run.out

    with Cache.open(path) as cache, cache.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM samples").scalar_one() == 3
    assert cache_contents(path) == before
    status = query_cache(
        path, "SELECT status FROM sync_runs WHERE source_name = 'broken' ORDER BY id DESC LIMIT 1"
    )
    assert status == [("failed",)]


def test_wrong_password_fails_in_one_clear_line_without_the_password(
    postgres: PgServer, pg_url: str, cli: Cli
) -> None:
    seed_small_warehouse(postgres, pg_url)
    wrong = "not-the-Password-4711"
    assert cli("source", "add", "pg", "--url", pg_url, "--password-stdin", stdin=wrong).code == 0
    run = cli("sync")
    assert run.code == 1
    lines = run.err.strip().splitlines()
    assert len(lines) == 1, run.err
    assert "'pg'" in lines[0]
    assert "password authentication failed" in lines[0]
    assert wrong not in run.err + run.out
    assert "Traceback" not in run.err


# --- the fixture itself: skip where no server can start, fail under CI=true ------------


@pytest.mark.parametrize(
    ("ci", "exit_code", "expected"),
    [
        ("", 0, "SKIPPED"),
        ("true", 1, "PostgreSQL is required under CI=true"),
    ],
)
def test_without_a_server_postgres_tests_skip_except_under_ci(
    ci: str, exit_code: int, expected: str, tmp_path: Path
) -> None:
    import os
    import subprocess

    env = {**os.environ, "CI": ci, "CSCONSOLE_TEST_PG_BIN": str(tmp_path / "no-postgres")}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rs", "-q",
         f"{__file__}::test_warehouse_init_creates_the_contract_in_an_empty_database"],
        capture_output=True, text=True, env=env, cwd=Path(__file__).parents[1], timeout=120,
        check=False,
    )  # fmt: skip
    output = result.stdout + result.stderr
    assert result.returncode == exit_code, output
    assert expected in output
    assert "CSCONSOLE_TEST_PG_BIN" in output  # the reason is shown
