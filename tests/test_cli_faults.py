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
