"""Passwords live only in keyring: never in the cache, settings, logs, output or exception text.

A real PostgreSQL server checks the password, so the sync really uses it; then
every place csconsole writes to is searched for it, in every encoding a leak
could take (plain, URL-encoded, JSON-escaped).
"""

from __future__ import annotations

import io
import json
import socket
import sys
import traceback
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, quote_plus

import keyring
import keyring.core
import pytest

from csconsole.cache import Cache
from csconsole.catalog import default_catalog
from csconsole.cli import main
from csconsole.errors import KnownError
from csconsole.ingest.sources import get_source
from csconsole.ingest.sources import test_source as check_source
from csconsole.ingest.sync import Syncer
from csconsole.ingest.warehouse import init_warehouse
from tests.helpers.pg import PgServer, create_demo_database

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

PASSWORD = "Pa55-<&>-ünï-🔑-xyz"
#: A stale password left in keyring: it must not leak either.
WRONG = "Old-Pa55-<&>-ünï-🔑-abc"


def leak_forms(secret: str) -> list[str]:
    """Every way a secret could be written down by accident."""
    return [
        secret,
        quote(secret, safe=""),
        quote_plus(secret),
        quote(secret),
        json.dumps(secret)[1:-1],  # ASCII-escaped JSON
        secret.split("-<")[0] + "-<",  # its distinctive start, in case a part of it slips out
    ]


FORMS = [*leak_forms(PASSWORD), *leak_forms(WRONG)]


def assert_no_secret(where: str, text: str | bytes) -> None:
    for form in FORMS:
        if isinstance(text, bytes):
            assert form.encode("utf-8") not in text, (
                f"a form of the password ({form!r}) is in {where}"
            )
        else:
            assert form not in text, f"a form of the password ({form!r}) is in {where}"


@dataclass
class Run:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[Callable[..., Run]]:
    """Run ``csconsole`` in-process; every output is kept and searched at the end of the test."""
    outputs: list[Run] = []

    def run(*args: str, stdin: str = "") -> Run:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        capsys.readouterr()
        code = main(list(args))
        out, err = capsys.readouterr()
        outputs.append(Run(code, out, err))
        return outputs[-1]

    yield run
    for i, result in enumerate(outputs):
        assert_no_secret(f"the output of command {i}", result.out + result.err)


@pytest.fixture
def secret_db(postgres: PgServer, demo_warehouse: Path) -> Iterator[str]:
    """The demo warehouse in a database that a role with PASSWORD may read; its URL."""
    role = f"cs_secret_{uuid.uuid4().hex[:8]}"
    name = f"secret_{uuid.uuid4().hex[:12]}"
    postgres.create_role(role, PASSWORD)
    create_demo_database(postgres, name, demo_path=demo_warehouse)
    with postgres.connect(name) as conn:
        conn.execute(f'GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{role}"')
    yield postgres.url(name, user=role)
    postgres.drop_database(name)
    with postgres.connect(autocommit=True) as conn:
        conn.execute(f'DROP ROLE "{role}"')


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def exception_texts(exc: BaseException) -> list[str]:
    """The message, the full formatted traceback and every chained exception's text."""
    texts = ["".join(traceback.format_exception(exc))]
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        texts += [str(current), repr(current), repr(current.args)]
        current = current.__cause__ or current.__context__
    return texts


def test_password_is_only_in_keyring_after_syncs_that_work_and_fail(
    secret_db: str, cli: Callable[..., Run], isolated_home: Path, postgres: PgServer
) -> None:
    url = secret_db
    assert cli("source", "add", "vault", "--url", url, "--password-stdin", stdin=PASSWORD).code == 0
    assert keyring.get_password("csconsole", "source:vault") == PASSWORD  # it is really there

    ok = cli("sync")
    assert ok.code == 0, ok.err
    assert "inserted" in ok.out
    assert cli("source", "test", "vault").code == 0

    # A server that is not there, with the password given on stdin and inline in the URL.
    port = closed_port()
    closed_url = url.replace(f":{postgres.port}/", f":{port}/")
    closed = cli("source", "add", "closed", "--url", closed_url, "--password-stdin", stdin=PASSWORD)
    assert closed.code == 0, closed.err
    inline_url = closed_url.replace("@", f":{quote_plus(PASSWORD)}@", 1)
    inline = cli("source", "add", "inline", "--url", inline_url)
    assert inline.code == 0, inline.err
    # A stale password in keyring for the right server.
    assert cli("source", "add", "stale", "--url", url, "--password-stdin", stdin=WRONG).code == 0

    failed = cli("sync", "--json")
    assert failed.code == 1
    statuses = {s["source"]: (s["status"], s["message"]) for s in json.loads(failed.out)}
    assert statuses["vault"][0] == "ok"
    for name in ("closed", "inline", "stale"):
        assert statuses[name][0] == "failed", statuses
    assert "password authentication failed" in statuses["stale"][1]
    for name in ("closed", "stale"):
        failed_one = cli("sync", "--source", name)
        assert failed_one.code == 1 and name in failed_one.err
    assert cli("source", "list").code == 0
    assert cli("warehouse", "init", closed_url, "--password-stdin", stdin=PASSWORD).code == 1

    # The same failures through the engine's API: the exceptions carry no secret either.
    errors: list[BaseException] = []
    with Cache.open(isolated_home / "cache.sqlite") as cache:
        for name, password in (("closed", PASSWORD), ("stale", WRONG), ("inline", PASSWORD)):
            source = get_source(cache, name)
            try:
                check_source(source, password=password)
            except KnownError as exc:
                errors.append(exc)
            summary = Syncer(cache, default_catalog()).sync(source, password=password)
            assert summary.status == "failed"
            assert_no_secret(
                f"the summary of {name}", summary.text() + json.dumps(summary.as_json())
            )
    try:
        init_warehouse(closed_url, password=PASSWORD)
    except KnownError as exc:
        errors.append(exc)
    assert len(errors) == 4
    for error in errors:
        for text in exception_texts(error):
            assert_no_secret(f"the exception {type(error).__name__}", text)

    # Everything csconsole wrote in its data folder: cache (and -wal/-shm), settings, log.
    files = [p for p in isolated_home.rglob("*") if p.is_file()]
    names = {p.name for p in files}
    assert {"cache.sqlite", "csconsole.log"} <= names, names
    for path in files:
        assert_no_secret(str(path), path.read_bytes())
    settings = isolated_home / "settings.json"
    if settings.exists():
        assert_no_secret("settings.json", settings.read_bytes())
    log = (isolated_home / "csconsole.log").read_text(encoding="utf-8")
    assert "vault" in log  # the log was written, and holds no secret (checked above)


def test_without_a_keyring_the_password_is_used_for_this_run_only(
    secret_db: str,
    cli: Callable[..., Run],
    monkeypatch: pytest.MonkeyPatch,
    isolated_home: Path,
) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    keyring.core._keyring_backend = None  # re-read the backend from the environment

    added = cli("source", "add", "vault", "--url", secret_db, "--password-stdin", stdin=PASSWORD)
    assert added.code == 0, added.err
    assert "no system keyring" in added.err
    assert "asked for each time" in added.err
    assert "sync" in added.err and "ask" in added.err

    # Without the password for this run, sync says how to give it.
    missing = cli("sync")
    assert missing.code == 1
    assert "no system keyring" in missing.err
    assert "--password-stdin" in missing.err
    assert "Traceback" not in missing.err

    ran = cli("sync", "--password-stdin", stdin=PASSWORD + "\n")
    assert ran.code == 0, ran.err
    assert "inserted" in ran.out

    for path in (p for p in isolated_home.rglob("*") if p.is_file()):
        assert_no_secret(str(path), path.read_bytes())
