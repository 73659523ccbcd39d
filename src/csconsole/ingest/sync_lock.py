"""One sync at a time per cache, across processes (command line and console alike).

Two syncs of one cache at once read the same rows past the same watermark and
set the same bad rows aside twice. A lock file beside the cache lets the second
one stop with a line saying who holds it; a note beside the lock says since when
and which process, so the message can name them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import datetime
from pathlib import Path

from csconsole.errors import KnownError


class SyncBusyError(KnownError):
    """Another sync of the same cache is running."""


def lock_path(cache_path: Path) -> Path:
    return cache_path.with_name(cache_path.name + ".sync-lock")


def _note_path(cache_path: Path) -> Path:
    return cache_path.with_name(cache_path.name + ".sync-lock.json")


def _holder(cache_path: Path) -> str:
    """'(since 02:39, pid 1234)' from the holder's note, or '' when it cannot be read."""
    try:
        note = json.loads(_note_path(cache_path).read_text(encoding="utf-8"))
        since = datetime.fromisoformat(note["since"]).astimezone().strftime("%H:%M")
        return f" (since {since}, pid {int(note['pid'])})"
    except (OSError, ValueError, KeyError, TypeError):
        return ""


@contextmanager
def sync_lock(cache_path: Path) -> Iterator[None]:
    """Hold the cache's sync lock for the block, or raise SyncBusyError at once."""
    from filelock import FileLock, Timeout

    lock = FileLock(str(lock_path(cache_path)))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise SyncBusyError(
            f"a sync is already running{_holder(cache_path)}; wait for it to finish"
        ) from None
    except OSError as exc:
        raise SyncBusyError(
            f"cannot take the sync lock {lock_path(cache_path)}: {exc.strerror}"
        ) from None
    note = _note_path(cache_path)
    try:
        with suppress(OSError):
            note.write_text(
                json.dumps({"pid": os.getpid(), "since": datetime.now().astimezone().isoformat()}),
                encoding="utf-8",
            )
        yield
    finally:
        with suppress(OSError):
            note.unlink()
        lock.release()
