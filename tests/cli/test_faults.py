"""Every command on the faults of issue 15: the cache it is told to use, one line, no traceback."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from csconsole.cli import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def commands(tmp_path: Path) -> list[list[str]]:
    """One invocation of each command that reads or writes the cache."""
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("Week,Uptime\n2026-10-05,99.9\n", encoding="utf-8")
    return [
        ["demo", "--if-empty"],
        ["status"],
        ["kpis", "--client", "CL-001"],
        ["roi", "--client", "CL-001"],
        ["alerts"],
        ["source", "list"],
        ["opportunities", "list"],
        ["email", "--client", "CL-001", "--out", str(tmp_path / "letter.eml")],
        ["sync"],
        ["report", "--client", "CL-001", "-o", str(tmp_path / "review.pdf"), "-q"],
        ["import", str(sheet), "--client", "CL-001", "--dry-run"],
    ]


@pytest.mark.slow
def test_cache_before_the_command_is_the_one_used(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    isolated_home: Path,
    synced_demo_file: Path,
) -> None:
    """`csconsole --cache X COMMAND` used the default cache for every command (fault 5)."""
    default = isolated_home / "cache.sqlite"
    for i, command in enumerate(commands(tmp_path)):
        chosen = tmp_path / f"chosen-{i}.sqlite"
        shutil.copy(synced_demo_file, chosen)
        code, out, err = run(capsys, "--cache", str(chosen), *command)
        assert code == 0, (command, err)
        assert "Traceback" not in err
        assert not default.exists(), f"{command[0]} used the default cache"
    # The value after the command still wins over the one before it.
    after = tmp_path / "after.sqlite"
    shutil.copy(synced_demo_file, after)
    code, out, _ = run(
        capsys, "--cache", str(tmp_path / "before.sqlite"), "status", "--cache", str(after)
    )
    assert code == 0 and "Northwind" in out
    assert not (tmp_path / "before.sqlite").exists()


def test_a_bad_today_is_one_line_for_demo_and_sync(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """`demo --today 2026-13-01` ended in a traceback (fault 11)."""
    for command in (["demo"], ["sync"]):
        code, _, err = run(
            capsys, *command, "--cache", str(tmp_path / "c.sqlite"), "--today", "2026-13-01"
        )
        assert code == 1
        assert err.strip() == "csconsole: error: --today '2026-13-01' is not a date (YYYY-MM-DD)"


def test_email_out_makes_missing_folders_as_report_o_does(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, synced_demo_file: Path
) -> None:
    """`report -o` created missing parent folders while `email --out` failed (fault 11)."""
    cache = tmp_path / "c.sqlite"
    shutil.copy(synced_demo_file, cache)
    letter = tmp_path / "new" / "folder" / "letter.eml"
    code, _, err = run(
        capsys, "email", "--cache", str(cache), "--client", "CL-001", "--out", str(letter)
    )
    assert code == 0, err
    assert letter.is_file()


def test_an_xlsx_formula_without_a_saved_value_is_named(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, synced_demo_file: Path
) -> None:
    """A formula cell with no cached value was taken for a blank cell, silently (fault 11)."""
    import openpyxl

    cache = tmp_path / "c.sqlite"
    shutil.copy(synced_demo_file, cache)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Week", "Uptime", "Hours saved"])
    sheet.append(["2026-10-05", 99.9, "=SUM(2,3)"])  # openpyxl saves no value for it
    path = tmp_path / "sheet.xlsx"
    book.save(path)
    code, _, err = run(capsys, "import", str(path), "--cache", str(cache), "--client", "CL-001")
    assert code == 1
    assert "Traceback" not in err
    assert "formula '=SUM(2,3)' has no saved value" in err
    assert "nothing was imported" in err


def hostile_warehouse(demo_warehouse: Path, tmp_path: Path) -> Path:
    """The demo warehouse plus one row of every fault of issue 15's sync list."""
    from tests.test_sync_faults import STAMP, TABLES, insert

    path = tmp_path / "hostile.sqlite"
    shutil.copy(demo_warehouse, path)
    with sqlite3.connect(path) as conn:
        for table, columns in TABLES.items():
            conn.execute(f"ALTER TABLE {table} RENAME TO {table}_base")
            conn.execute(f"CREATE TABLE {table}_extra ({columns})")
            conn.execute(
                f"CREATE VIEW {table} AS SELECT {columns} FROM {table}_base "
                f"UNION ALL SELECT {columns} FROM {table}_extra"
            )
    conn.close()
    day = "2026-11-18"
    insert(path, "cs_metric_samples", [
        (9_000_001, "CL-001", "uptime", day, "day", b"\x00\xff", STAMP),
        (9_000_002, "CL-001", "uptime", day, "day", 97.0, "2099-01-01 00:00:00"),
        (9_000_003, "CL-001", "uptime", day, "day", 97.0, None),
        (9_000_004, "CL-001", "uptime", "02/11/2026", "day", 97.0, STAMP),
        (9_000_005, "CL-001", "uptime", " 2026-11-20", "day", 97.0, STAMP),
        (9_000_006, "CL-001", "uptime", None, "day", 97.0, STAMP),
        (9_000_007, "CL-001", "uptime", "2026-13-45", "day", 97.0, STAMP),
        (9_000_008, "CL-001", "uptime", day, "day", float("inf"), STAMP),
    ])  # fmt: skip
    insert(path, "cs_clients", [
        ("CL-900", b"\x00\xff", "essential", 2500, "2026-01-01", "a", "b", "c", "c@x.example",
         3, 50, 10, STAMP),
    ])  # fmt: skip
    insert(path, "cs_client_targets", [("CL-001", "uptime", float("inf"), STAMP)])
    insert(path, "cs_incidents", [
        ("INC-X1", "CL-001", "critical", "Line\r\nbreak", "2026-11-01 10:00:00", None, STAMP),
        ("INC-X2", "CL-001", "critical", "Future", "2099-01-01 10:00:00", None, STAMP),
        ("INC-X3", "CL-001", "minor", "Backwards", "2026-11-01 10:00:00", "2026-10-01 00:00:00",
         STAMP),
    ])  # fmt: skip
    return path


@pytest.mark.slow
def test_no_command_prints_a_traceback_after_a_hostile_sync(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, demo_warehouse: Path
) -> None:
    """Every command, after a sync of every bad row of issue 15: no traceback, the good rows
    in, every bad row set aside with its reason."""
    from csconsole.cache import Cache
    from tests.test_sync_faults import add_source

    warehouse = hostile_warehouse(demo_warehouse, tmp_path)
    cache = tmp_path / "c.sqlite"
    with Cache.open(cache) as opened:
        add_source(opened, warehouse)
    code, out, err = run(capsys, "--cache", str(cache), "sync")
    assert code == 0, err
    assert "Traceback" not in err
    with sqlite3.connect(cache) as conn:
        assert conn.execute("SELECT count(*) FROM rejected_rows").fetchone()[0] == 13
        assert (
            conn.execute("SELECT count(*) FROM incidents WHERE key LIKE 'INC-X%'").fetchone()[0]
            == 0
        )
    conn.close()
    for command in commands(tmp_path):
        code, out, err = run(capsys, "--cache", str(cache), *command)
        assert "Traceback" not in err, (command, err)
        assert code in (0, 1), command
        assert "\r" not in out and "break" not in out, (command, out)
