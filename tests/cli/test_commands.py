"""The command line: demo, sync and sources; one clear line and a non-zero exit on errors."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import keyring
import pytest

from csconsole.cli import main
from tests.helpers import TODAY


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(err: str) -> None:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("csconsole: error: ")
    assert "Traceback" not in err


@pytest.mark.slow
def test_demo_then_sync_says_nothing_new(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, isolated_home: Path
) -> None:
    cache = str(tmp_path / "c.sqlite")
    code, out, _ = run(capsys, "demo", "--cache", cache, "--today", TODAY.isoformat())
    assert code == 0
    assert "inserted" in out
    assert (isolated_home / "demo-warehouse.sqlite").exists()
    code, out, _ = run(capsys, "sync", "--cache", cache)
    assert code == 0
    assert "nothing new" in out
    code, out, _ = run(capsys, "demo", "--cache", cache, "--if-empty")
    assert (code, out) == (0, "")


def test_cache_from_the_environment(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CSCONSOLE_CACHE", str(tmp_path / "env.sqlite"))
    code, out, _ = run(capsys, "source", "list")
    assert code == 0 and "No sources" in out
    assert (tmp_path / "env.sqlite").exists()


def test_sync_with_no_sources_is_a_clear_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run(capsys, "sync", "--cache", str(tmp_path / "c.sqlite"))
    assert code == 1
    assert_one_line_error(err)
    assert "csconsole demo" in err


def test_source_add_moves_the_password_to_keyring(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    cache = str(tmp_path / "c.sqlite")
    code, out, err = run(
        capsys, "source", "add", "wh", "--url", "postgresql://csm:s3cr%3Et@db.example/warehouse",
        "--cache", cache,
    )  # fmt: skip
    assert code == 0, err
    assert "s3cr" not in out
    assert keyring.get_password("csconsole", "source:wh") == "s3cr>t"
    code, out, _ = run(capsys, "source", "list", "--cache", cache)
    assert "postgresql+psycopg://csm@db.example/warehouse" in out
    with sqlite3.connect(cache) as conn:
        assert conn.execute("SELECT url FROM sources").fetchone()[0].count("s3cr") == 0
    code, _, _ = run(capsys, "source", "remove", "wh", "--cache", cache)
    assert code == 0
    assert keyring.get_password("csconsole", "source:wh") is None


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["source", "add", "x", "--url", "not a url"], "is not a database URL"),
        (["source", "add", "x", "--url", "mysql://u@h/db"], "mysql warehouses are not supported"),
        (["source", "remove", "nope"], "no source named 'nope'"),
        (["sync", "--source", "nope"], "no source named 'nope'"),
        (["import", "missing.csv", "--client", "CL-001"], ""),
    ],
)
def test_user_errors_are_one_line_without_traceback(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, args: list[str], fragment: str
) -> None:
    code, _, err = run(capsys, *args, "--cache", str(tmp_path / "c.sqlite"))
    assert code == 1
    assert_one_line_error(err)
    assert fragment in err


def test_a_failing_source_exits_non_zero(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    cache = str(tmp_path / "c.sqlite")
    run(
        capsys,
        "source",
        "add",
        "gone",
        "--url",
        f"sqlite:///{tmp_path}/no/such.sqlite",
        "--cache",
        cache,
    )
    code, _, err = run(capsys, "sync", "--cache", cache)
    assert code == 1
    assert "gone: sync failed" in err


def test_warehouse_init_creates_the_contract(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "wh.sqlite"
    code, out, _ = run(capsys, "warehouse", "init", f"sqlite:///{target}")
    assert code == 0 and "sqlite" in out
    with sqlite3.connect(target) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"cs_clients", "cs_client_targets", "cs_metric_samples", "cs_incidents"} <= tables


@pytest.mark.slow
def test_sync_json_summary(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, demo_warehouse: Path
) -> None:
    cache = str(tmp_path / "c.sqlite")
    run(capsys, "source", "add", "wh", "--url", f"sqlite:///{demo_warehouse}", "--cache", cache)
    code, out, _ = run(capsys, "sync", "--json", "--cache", cache)
    assert code == 0
    import json

    (summary,) = json.loads(out)
    assert summary["status"] == "ok" and summary["inserted"] > 80_000
    assert set(summary) >= {"inserted", "updated", "unchanged", "rejected", "pruned", "duration_s"}


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.startswith("csconsole ")


def test_the_choices_spelled_out_for_a_light_parser_are_the_engines() -> None:
    """The parser names the alert response kinds and the statuses itself, so that building
    it loads no engine (tests/test_architecture.py); they must stay the engine's."""
    from csconsole import alerts
    from csconsole.cli import emails as email_commands
    from csconsole.cli import health as health_commands
    from csconsole.health import rules

    assert health_commands.RESPONSE_KINDS == alerts.RESPONSE_KINDS
    assert email_commands.STATUSES == rules.STATUSES
