"""How fresh the data is, in words: "Synced 3 min ago", and a sync's outcome as a sentence.

Plain functions (no widgets) so the status bar, its tooltip and the tests read the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from csconsole.ingest.runs import SyncSummary


def clock_time(moment: datetime, now: datetime) -> str:
    """``02:39`` today, ``21 Nov 14:05`` another day, in local time."""
    local, today = moment.astimezone(), now.astimezone()
    if local.date() == today.date():
        return local.strftime("%H:%M")
    if local.year == today.year:
        return f"{local.day} {local.strftime('%b %H:%M')}"
    return local.strftime("%Y-%m-%d %H:%M")


def ago(moment: datetime | None, now: datetime) -> str:
    """``just now``, ``3 min ago``, ``2 h ago``, then the day and time."""
    if moment is None:
        return "never"
    seconds = (now - moment).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 12 * 3600:
        return f"{int(seconds // 3600)} h ago"
    return clock_time(moment, now)


def synced_text(moment: datetime | None, now: datetime) -> str:
    """The status bar's freshness: ``Synced 3 min ago`` or ``Never synced``."""
    return "Never synced" if moment is None else f"Synced {ago(moment, now)}"


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def sync_sentence(
    summaries: Sequence[SyncSummary], *, previous: datetime | None, now: datetime
) -> str:
    """What a finished sync did, as one sentence (failed sources are told elsewhere)."""
    done = [s for s in summaries if s.status != "failed"]
    if not done:
        return "Sync failed: nothing was changed"
    inserted = sum(s.inserted for s in done)
    updated = sum(s.updated for s in done)
    pruned = sum(s.pruned for s in done)
    rejected = sum(s.rejected_total for s in done)
    clients = set().union(*(s.changed_clients for s in done))
    if not (inserted or updated or pruned):
        head = (
            f"Up to date: nothing changed since {clock_time(previous, now)}"
            if previous is not None
            else "Up to date: the sources had nothing new"
        )
    else:
        changes = []
        if inserted:
            changes.append(f"{inserted:,} new")
        if updated:
            changes.append(f"{updated:,} updated")
        noun = "sample" if inserted + updated == 1 else "samples"
        head = f"Synced {' and '.join(changes) or 'no new'} {noun}"
        if clients:
            head += f" for {_plural(len(clients), 'client')}"
        if pruned:
            head += f"; {pruned:,} samples older than the retention removed"
    if rejected:
        reasons: dict[str, int] = {}
        for s in done:
            for reason, n in s.rejected.items():
                reasons[reason] = reasons.get(reason, 0) + n
        why = ", ".join(f"{n:,} {reason}" for reason, n in sorted(reasons.items(), key=lambda p: -p[1]))  # fmt: skip
        head += f"; {_plural(rejected, 'row')} set aside ({why})"
    return head
