"""Every command on the faults of issue 15: the cache it is told to use, one line, no traceback."""

from __future__ import annotations

import shutil
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
