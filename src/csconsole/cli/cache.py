"""``csconsole cache check | restore | recover``: a damaged cache and the ways out of it."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from csconsole.cli.common import EXIT_OK, cache_path

if TYPE_CHECKING:
    from pathlib import Path


def _path(args: argparse.Namespace) -> Path:
    from csconsole.errors import CacheError

    path = cache_path(args)
    if not path.is_file():
        raise CacheError(f"there is no cache at {path}")
    return path


def _sound(path: Path) -> bool:
    from csconsole.cache import CacheDamagedError, refuse_foreign
    from csconsole.cache_backup import integrity

    try:
        refuse_foreign(path)  # a file that is no cache at all is not ours to mend
    except CacheDamagedError:
        return False
    return integrity(path) == ["ok"]


def cmd_check(args: argparse.Namespace) -> int:
    from csconsole.cache import CacheDamagedError, damaged_message, refuse_foreign
    from csconsole.cache_backup import integrity, list_backups

    path = _path(args)
    refuse_foreign(path)
    problems = integrity(path)
    if problems != ["ok"]:
        raise CacheDamagedError(damaged_message(path, problems[0]))
    backups = list_backups(path)
    newest = f", the newest of {backups[0].when}" if backups else ""
    print(f"The cache {path} is sound; {len(backups)} automatic backup(s){newest}.")
    return EXIT_OK


def _refuse_sound(path: Path, args: argparse.Namespace, what: str) -> None:
    from csconsole.errors import CacheError

    if not args.force and _sound(path):
        raise CacheError(
            f"the cache {path} is sound; {what} would lose what changed in it since; "
            "add --force to do it anyway"
        )


def cmd_restore(args: argparse.Namespace) -> int:
    from pathlib import Path

    from csconsole.cache_backup import restore
    from csconsole.ingest.sync_lock import sync_lock

    path = _path(args)
    _refuse_sound(path, args, "restoring a backup")
    with sync_lock(path):
        used, aside = restore(path, Path(args.backup) if args.backup else None)
    kept = f"; the replaced file is kept as {aside}" if aside else ""
    print(
        f"Restored {path} from the backup of {used.when}{kept}. "
        "Run 'csconsole sync' to fetch what the sources changed since."
    )
    return EXIT_OK


def cmd_recover(args: argparse.Namespace) -> int:
    from csconsole.cache_recovery import recover
    from csconsole.ingest.sync_lock import sync_lock

    path = _path(args)
    _refuse_sound(path, args, "re-creating it")
    with sync_lock(path):
        kept, aside = recover(path)
    rows = ", ".join(f"{n} {table}" for table, n in sorted(kept.items()) if n)
    print(
        f"Re-created {path} keeping what could be read ({rows or 'nothing'}); "
        f"the damaged file is kept as {aside}. "
        "Run 'csconsole sync' to fetch everything else from the sources."
    )
    return EXIT_OK


def add_cache_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    """Register ``cache check``, ``cache restore`` and ``cache recover``."""
    top = sub.add_parser("cache", parents=[common], help="check, restore or recover the cache")
    actions = top.add_subparsers(dest="cache_command", metavar="ACTION", required=True)
    p = actions.add_parser("check", parents=[common], help="check the cache file for damage")
    p.set_defaults(func=cmd_check)
    p = actions.add_parser(
        "restore", parents=[common], help="put the newest sound automatic backup back"
    )
    p.add_argument("backup", nargs="?", help="a backup file to restore instead of the newest")
    p.add_argument("--force", action="store_true", help="even when the cache is sound")
    p.set_defaults(func=cmd_restore)
    p = actions.add_parser(
        "recover",
        parents=[common],
        help="re-create a damaged cache, keeping the local data that can still be read",
    )
    p.add_argument("--force", action="store_true", help="even when the cache is sound")
    p.set_defaults(func=cmd_recover)


__all__ = ["add_cache_commands"]
