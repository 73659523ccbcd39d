"""The cache refuses files that are not caches, names a damaged one on every command with the
ways out, and keeps automatic backups to restore (issue 15, faults 9-11)."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from csconsole.cache import APPLICATION_ID, Cache, cache_engine, upgrade
from csconsole.cache_backup import KEEP, backup, backups_dir, list_backups
from csconsole.catalog import Catalog
from csconsole.cli import main
from csconsole.errors import CacheError
from csconsole.opportunities.context import load_context
from tests.helpers.opportunities import new


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def corrupt_table(path: Path, table: str) -> None:
    """Overwrite the root page of ``table`` with garbage, as a bad sector would."""
    with sqlite3.connect(path) as conn:
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        root = conn.execute(
            "SELECT rootpage FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
        ).fetchone()[0]
    conn.close()
    with path.open("r+b") as fh:
        fh.seek((root - 1) * page_size + 8)
        fh.write(b"\xa5\x5a" * ((page_size - 8) // 2))


COMMANDS = [
    ["status"],
    ["kpis", "--client", "CL-001"],
    ["roi", "--client", "CL-001"],
    ["alerts"],
    ["opportunities", "list"],
    ["report", "--client", "CL-001", "-q"],
    ["email", "--client", "CL-001"],
    ["source", "list"],
    ["sync"],
    ["import", "sheet.csv", "--client", "CL-001", "--dry-run"],
    ["demo", "--if-empty"],
]


def test_a_sqlite_file_that_is_not_a_cache_is_refused_and_left_untouched(
    capsys: pytest.CaptureFixture[str], demo_warehouse: Path, tmp_path: Path
) -> None:
    """Pointing --cache at a warehouse added 20 tables to it and switched it to WAL (fault 10)."""
    (tmp_path / "wh").mkdir()
    path = tmp_path / "wh" / "warehouse.sqlite"
    shutil.copy(demo_warehouse, path)
    before = digest(path)
    for command in COMMANDS:
        code, _, err = run(capsys, "--cache", str(path), *command)
        assert code == 1, command
        assert err.startswith("csconsole: error: ") and len(err.strip().splitlines()) == 1, err
        assert "is not a csconsole cache" in err and "cs_clients" in err
    assert digest(path) == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["warehouse.sqlite"]
    with pytest.raises(CacheError, match="left untouched"):
        Cache.open(path)


def test_a_new_cache_is_marked_as_ours(tmp_path: Path) -> None:
    with Cache.open(tmp_path / "c.sqlite") as cache, cache.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA application_id").scalar_one() == APPLICATION_ID


def test_an_empty_schema_version_is_one_clear_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """An empty alembic_version gave 'table sources already exists' (fault 11)."""
    path = tmp_path / "c.sqlite"
    Cache.open(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("DELETE FROM alembic_version")
    conn.close()
    for command in COMMANDS:
        code, _, err = run(capsys, "--cache", str(path), *command)
        assert code == 1, command
        assert len(err.strip().splitlines()) == 1, (command, err)
        assert "schema version is missing" in err and "cache recover" in err


def test_a_damaged_cache_is_one_line_on_every_command(
    capsys: pytest.CaptureFixture[str], synced_demo_file: Path, tmp_path: Path
) -> None:
    """A corrupted page gave tracebacks from status, kpis and roi; others ran on (fault 9)."""
    path = tmp_path / "c.sqlite"
    shutil.copy(synced_demo_file, path)
    Cache.open(path).close()  # today's automatic backup
    corrupt_table(path, "samples")
    (tmp_path / "sheet.csv").write_text("Week,Uptime\n2026-10-05,99.9\n", encoding="utf-8")
    for command in COMMANDS:
        code, _, err = run(capsys, "--cache", str(path), *command)
        assert code == 1, (command, err)
        lines = err.strip().splitlines()
        assert len(lines) == 1, (command, err)
        assert f"the cache {path} is damaged" in lines[0]
        assert "csconsole cache restore" in lines[0] and "csconsole cache recover" in lines[0]
    code, _, err = run(capsys, "--cache", str(path), "cache", "check")
    assert code == 1 and "is damaged" in err


def test_restore_puts_the_last_sound_backup_back(
    capsys: pytest.CaptureFixture[str], synced_demo_file: Path, tmp_path: Path
) -> None:
    path = tmp_path / "c.sqlite"
    shutil.copy(synced_demo_file, path)
    Cache.open(path).close()
    assert [b.path.name.endswith("-daily.sqlite") for b in list_backups(path)] == [True]
    Cache.open(path).close()
    assert len(list_backups(path)) == 1  # once a day
    corrupt_table(path, "samples")
    code, out, err = run(capsys, "--cache", str(path), "cache", "restore")
    assert code == 0, err
    assert "Restored" in out and ".damaged-" in out
    assert run(capsys, "--cache", str(path), "cache", "check")[0] == 0
    code, out, _ = run(capsys, "--cache", str(path), "status")
    assert code == 0 and "Northwind" in out
    assert (
        len(
            [
                p
                for p in tmp_path.glob("c.sqlite.damaged-*")
                if p.name[-4:] != "-wal" and p.name[-4:] != "-shm"
            ]
        )
        == 1
    )
    # A sound cache is not replaced without --force.
    code, _, err = run(capsys, "--cache", str(path), "cache", "restore")
    assert code == 1 and "--force" in err


@pytest.mark.slow
def test_recover_keeps_the_local_work_and_the_sync_fetches_the_rest(
    capsys: pytest.CaptureFixture[str], catalog: Catalog, synced_demo_file: Path, tmp_path: Path
) -> None:
    path = tmp_path / "c.sqlite"
    shutil.copy(synced_demo_file, path)
    with Cache.open(path) as cache:
        ctx = load_context(cache, catalog)
        new(cache, ctx, area="Offline note")
        samples = cache.engine.connect().exec_driver_sql("SELECT count(*) FROM samples").scalar()
    corrupt_table(path, "samples")
    code, out, err = run(capsys, "--cache", str(path), "cache", "recover")
    assert code == 0, err
    assert "opportunities" in out
    code, out, _ = run(capsys, "--cache", str(path), "opportunities", "list")
    assert code == 0 and "Offline note" in out
    assert run(capsys, "--cache", str(path), "sync")[0] == 0
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM samples").fetchone()[0] == samples
    conn.close()


def test_a_migration_is_preceded_by_a_backup_and_three_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    engine = cache_engine(path)
    upgrade(engine, path=path, revision="0001")
    engine.dispose()
    Cache.open(path).close()
    names = [b.path.name for b in list_backups(path)]
    assert len(names) == 1 and "-before-" in names[0]
    engine = cache_engine(path)
    for i in range(KEEP + 2):
        backup(engine, path, reason=f"test{i}")
    engine.dispose()
    assert len(list(backups_dir(path).iterdir())) == KEEP


def test_the_console_shows_a_damaged_cache_in_a_dialog(
    qtbot: Any, synced_demo_file: Path, tmp_path: Path
) -> None:
    """The console names the damaged file and the ways out, as the commands do."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from csconsole.views.app import run_gui

    path = tmp_path / "c.sqlite"
    shutil.copy(synced_demo_file, path)
    Cache.open(path).close()  # today's automatic backup
    corrupt_table(path, "samples")
    shown: list[str] = []

    def close_the_dialog() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            shown.append(box.text())
            box.close()
        else:
            QTimer.singleShot(10, close_the_dialog)

    QTimer.singleShot(0, close_the_dialog)
    assert run_gui(path) == 1
    assert len(shown) == 1
    assert f"the cache {path} is damaged" in shown[0]
    assert "csconsole cache restore" in shown[0] and "csconsole cache recover" in shown[0]


def test_the_console_checks_in_the_background_and_never_backs_up_a_damaged_cache(
    synced_demo_file: Path, tmp_path: Path
) -> None:
    """open(check=False) — the console's start — defers the quick check and the daily
    backup; the deferred check names the damage and takes no backup of it."""
    path = tmp_path / "c.sqlite"
    shutil.copy(synced_demo_file, path)
    corrupt_table(path, "samples")
    with Cache.open(path, check=False) as cache:  # opens: the check is left for later
        assert list_backups(path) == []
        with pytest.raises(CacheError, match="is damaged"):
            cache.check_and_back_up()
    assert list_backups(path) == []

    sound = tmp_path / "sound.sqlite"
    shutil.copy(synced_demo_file, sound)
    with Cache.open(sound, check=False) as cache:
        assert list_backups(sound) == []
        cache.check_and_back_up()
    assert len(list_backups(sound)) == 1


def test_the_quick_check_runs_only_when_someone_else_wrote_the_file(
    synced_demo_file: Path, tmp_path: Path
) -> None:
    """Every command checking every page made each one grow with the cache: the check runs
    on the first open of the day and after any write that was not csconsole's own."""
    path = tmp_path / "c.sqlite"
    shutil.copy(synced_demo_file, path)
    Cache.open(path).close()  # checked, and stamped on close
    Cache.open(path).close()  # written by csconsole only: the stamp still holds
    info = path.stat()
    corrupt_table(path, "samples")
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))  # the same size and time
    Cache.open(path).close()  # not checked: the stamp matches
    path.with_name(path.name + ".checked").write_text("2026-01-01 0 0", encoding="utf-8")
    with pytest.raises(CacheError, match="is damaged"):  # an old stamp: checked again
        Cache.open(path)
    os.utime(path)  # touched by someone else: checked again, still damaged
    with pytest.raises(CacheError, match="is damaged"):
        Cache.open(path)
