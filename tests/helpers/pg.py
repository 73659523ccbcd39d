"""A throwaway PostgreSQL cluster for the tests: initdb into a temporary folder, start, stop.

The server listens on a free loopback port with password (scram-sha-256)
authentication, and on a unix socket in its own folder. initdb and postgres
refuse to run as root, so under root (CI, containers) the server commands run as
an unprivileged user (``postgres`` where the Debian package made it, else
``nobody``) that owns the temporary folder.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql

#: The superuser initdb creates; its password is random per session.
SUPERUSER = "csconsole_test"
HOST = "127.0.0.1"
START_TIMEOUT_S = 60


class ServerUnavailable(Exception):
    """No PostgreSQL server can be started here; the message says why."""


#: Points the tests at another PostgreSQL installation's bin folder (e.g. Homebrew's).
ENV_BIN_DIR = "CSCONSOLE_TEST_PG_BIN"


def find_bin_dir() -> Path:
    """The folder holding initdb, pg_ctl and postgres: $CSCONSOLE_TEST_PG_BIN, else the
    newest Debian one, else PATH."""
    override = os.environ.get(ENV_BIN_DIR)
    if override:
        folder = Path(override)
        if all(os.access(folder / tool, os.X_OK) for tool in ("initdb", "pg_ctl", "postgres")):
            return folder
        raise ServerUnavailable(f"{ENV_BIN_DIR}={override} has no initdb, pg_ctl and postgres")
    candidates = sorted(
        (Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/initdb")),
        key=lambda p: _version_key(p.parent.name),
        reverse=True,
    )
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    for folder in candidates:
        if all(os.access(folder / tool, os.X_OK) for tool in ("initdb", "pg_ctl", "postgres")):
            return folder
    raise ServerUnavailable(
        "no PostgreSQL server binaries (initdb, pg_ctl, postgres) in /usr/lib/postgresql/*/bin "
        "or on PATH; install the 'postgresql' package"
    )


def _version_key(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in name.split(".") if part.isdigit())


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _run_as() -> tuple[list[str], pwd.struct_passwd | None]:
    """The command prefix that drops root, and the user it drops to (None when not root)."""
    if os.geteuid() != 0:
        return [], None
    for name in ("postgres", "nobody"):
        try:
            user = pwd.getpwnam(name)
        except KeyError:
            continue
        if shutil.which("runuser"):
            return ["runuser", "-u", name, "--"], user
        if shutil.which("setpriv"):
            return [
                "setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups",
            ], user  # fmt: skip
        raise ServerUnavailable(
            "running as root, and neither runuser nor setpriv is there to start "
            "PostgreSQL as an unprivileged user"
        )
    raise ServerUnavailable("running as root, and there is no 'postgres' or 'nobody' user")


@dataclass
class PgServer:
    """A running throwaway cluster. ``url()`` never holds the password; ``password`` does."""

    host: str
    port: int
    user: str
    password: str
    base: Path  # the temporary folder: data/, socket/, server.log
    bin_dir: Path
    prefix: list[str] = field(default_factory=list)
    stopped: bool = False
    templates: set[str] = field(default_factory=set)

    @property
    def data_dir(self) -> Path:
        return self.base / "data"

    @property
    def socket_dir(self) -> Path:
        return self.base / "socket"

    @property
    def log_file(self) -> Path:
        return self.base / "server.log"

    def url(self, database: str, *, user: str | None = None) -> str:
        """A SQLAlchemy URL as a user types it: ``postgresql://user@host:port/db``, no password."""
        return f"postgresql://{user or self.user}@{self.host}:{self.port}/{database}"

    def connect(self, database: str = "postgres", **kwargs: object) -> psycopg.Connection:
        """A psycopg connection as the superuser (close it, or use it in ``with``)."""
        return psycopg.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
            dbname=database,
            connect_timeout=10,
            **kwargs,  # type: ignore[arg-type]
        )

    def create_database(
        self, name: str, *, template: str | None = None, owner: str | None = None
    ) -> None:
        query = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template:
            query += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
        if owner:
            query += sql.SQL(" OWNER {}").format(sql.Identifier(owner))
        with self.connect(autocommit=True) as conn:
            conn.execute(query)

    def drop_database(self, name: str) -> None:
        with self.connect(autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )

    def create_role(self, name: str, password: str) -> None:
        with self.connect(autocommit=True) as conn:
            conn.execute(
                sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                    sql.Identifier(name), sql.Literal(password)
                )
            )

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        """Stop the server (fast, then immediate, then SIGKILL) and remove its folder."""
        if self.stopped:
            return
        self.stopped = True
        try:
            for mode in ("fast", "immediate"):
                if not self._running():
                    break
                subprocess.run(
                    [*self.prefix, str(self.bin_dir / "pg_ctl"), "stop", "-D", str(self.data_dir),
                     "-m", mode, "-w", "-t", "30"],
                    capture_output=True, stdin=subprocess.DEVNULL, timeout=40, check=False,
                )  # fmt: skip
            pid = self._postmaster_pid()
            if pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        finally:
            shutil.rmtree(self.base, ignore_errors=True)

    def _postmaster_pid(self) -> int | None:
        try:
            first = (self.data_dir / "postmaster.pid").read_text().splitlines()[0]
            pid = int(first)
        except (OSError, ValueError, IndexError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass
        return pid

    def _running(self) -> bool:
        return self._postmaster_pid() is not None


def start_server() -> PgServer:
    """initdb and start a cluster; raises ServerUnavailable with the reason when it cannot."""
    bin_dir = find_bin_dir()
    prefix, run_user = _run_as()
    # Not under pytest's tmp_path: that is 0700 root, which the server user cannot enter.
    base = Path(tempfile.mkdtemp(prefix="csconsole-pg-"))
    password = secrets.token_urlsafe(24)
    server = PgServer(
        host=HOST,
        port=0,
        user=SUPERUSER,
        password=password,
        base=base,
        bin_dir=bin_dir,
        prefix=prefix,
    )
    try:
        (base / "socket").mkdir(mode=0o700)
        pwfile = base / "pwfile"
        pwfile.write_text(password + "\n")
        pwfile.chmod(0o600)
        if run_user is not None:
            for path in (base, base / "socket", pwfile):
                os.chown(path, run_user.pw_uid, run_user.pw_gid)
        _run(
            [*prefix, str(bin_dir / "initdb"), "-D", str(server.data_dir), "-U", SUPERUSER,
             f"--pwfile={pwfile}", "--auth-host=scram-sha-256", "--auth-local=scram-sha-256",
             "--encoding=UTF8", "--no-locale", "--no-sync"],
            what="initdb",
        )  # fmt: skip
        pwfile.unlink()
        with (server.data_dir / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write(
                "\n# csconsole tests: a throwaway server, loopback only, durability off for speed\n"
                f"listen_addresses = '{HOST}'\n"
                f"unix_socket_directories = '{server.socket_dir}'\n"
                "password_encryption = 'scram-sha-256'\n"
                "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
                "max_connections = 50\nshared_buffers = '32MB'\n"
            )
        last_error = ""
        for _attempt in range(3):  # a free port can be taken between the probe and the start
            server.port = _free_port()
            result = subprocess.run(
                [*prefix, str(bin_dir / "pg_ctl"), "start", "-D", str(server.data_dir), "-w",
                 "-t", str(START_TIMEOUT_S), "-l", str(server.log_file), "-o", f"-p {server.port}"],
                capture_output=True, text=True, stdin=subprocess.DEVNULL,
                timeout=START_TIMEOUT_S + 10, check=False,
            )  # fmt: skip
            if result.returncode == 0:
                break
            last_error = (result.stderr or result.stdout).strip() + "\n" + server.log_tail()
        else:
            raise ServerUnavailable(f"pg_ctl start failed: {last_error.strip()}")
    except ServerUnavailable:
        server.stop()
        raise
    except (OSError, subprocess.SubprocessError) as exc:
        server.stop()
        raise ServerUnavailable(f"cannot start PostgreSQL: {exc}") from exc
    except BaseException:
        server.stop()
        raise
    # A safety net if the session ends without running fixture finalizers.
    atexit.register(server.stop)
    return server


def _run(command: list[str], *, what: str) -> None:
    result = subprocess.run(
        command, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120, check=False
    )
    if result.returncode != 0:
        output = (result.stderr or result.stdout).strip()
        raise ServerUnavailable(f"{what} failed (exit {result.returncode}): {output}")


@contextlib.contextmanager
def running_server() -> Iterator[PgServer]:
    server = start_server()
    try:
        yield server
    finally:
        server.stop()


#: The contract's tables and the columns copied between warehouses, in load order.
CONTRACT_COLUMNS: dict[str, tuple[str, ...]] = {
    "cs_clients": (
        "client_id", "name", "tier", "package_value", "start_date", "csm", "technical_lead",
        "contact_name", "contact_email", "team_size", "hourly_rate", "cost_per_error", "updated_at",
    ),
    "cs_client_targets": ("client_id", "metric", "target", "updated_at"),
    "cs_metric_samples": (
        "sample_id", "client_id", "metric", "period_start", "grain", "value", "updated_at",
    ),
    "cs_incidents": (
        "incident_id", "client_id", "severity", "title", "opened_at", "resolved_at", "updated_at",
    ),
}  # fmt: skip


def copy_sqlite_warehouse(sqlite_path: Path, conn: psycopg.Connection) -> dict[str, int]:
    """COPY every contract row of a SQLite warehouse (the demo) into PostgreSQL's contract
    tables; returns the row count per table. The caller commits."""
    import sqlite3

    counts: dict[str, int] = {}
    src = sqlite3.connect(f"file:{sqlite_path}?mode=ro", uri=True)
    try:
        for table, columns in CONTRACT_COLUMNS.items():
            names = ", ".join(columns)
            copy_sql = sql.SQL("COPY {} ({}) FROM STDIN").format(
                sql.Identifier(table), sql.SQL(names)
            )
            n = 0
            with conn.cursor() as cur, cur.copy(copy_sql) as copy:
                for row in src.execute(f"SELECT {names} FROM {table}"):
                    copy.write_row(row)
                    n += 1
            counts[table] = n
        # Later inserts without a sample_id continue after the copied ones.
        conn.execute(
            "SELECT setval(pg_get_serial_sequence('cs_metric_samples', 'sample_id'), "
            "(SELECT coalesce(max(sample_id), 0) + 1 FROM cs_metric_samples), false)"
        )
    finally:
        src.close()
    return counts


DEMO_TEMPLATE = "csconsole_demo_template"


def create_demo_database(server: PgServer, name: str, *, demo_path: Path) -> None:
    """Create database ``name`` holding the demo warehouse in PostgreSQL.

    The first call builds a template (contract DDL, then the demo's rows); later
    calls clone it, which takes a fraction of a second.
    """
    from csconsole.ingest.warehouse import init_warehouse

    if DEMO_TEMPLATE not in server.templates:
        server.create_database(DEMO_TEMPLATE)
        init_warehouse(server.url(DEMO_TEMPLATE), password=server.password)
        with server.connect(DEMO_TEMPLATE) as conn:
            copy_sqlite_warehouse(demo_path, conn)
        server.templates.add(DEMO_TEMPLATE)
    server.create_database(name, template=DEMO_TEMPLATE)
