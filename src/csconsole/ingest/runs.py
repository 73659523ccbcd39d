"""A sync's runs: its progress, its summary, and its record in ``sync_runs`` (which the
tracking-sheet import keeps too)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import update

from csconsole.cache import Cache
from csconsole.models import SyncRun, utcnow

ProgressCallback = Callable[["SyncProgress"], None]


@dataclass(frozen=True, slots=True)
class SyncProgress:
    source: str
    stream: str
    done: int
    total: int


@dataclass
class SyncSummary:
    """What one run did. ``changed_clients`` holds the keys of clients whose data changed."""

    source: str
    status: str = "ok"  # ok, failed, cancelled, interrupted
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    pruned: int = 0
    duration_s: float = 0.0
    message: str = ""
    changed_clients: set[str] = field(default_factory=set)
    run_id: int | None = None

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected.values())

    @property
    def changed(self) -> bool:
        return bool(self.inserted or self.updated or self.pruned)

    def text(self) -> str:
        """One line for the status bar and the command line."""
        if self.status == "failed":
            return f"{self.source}: sync failed: {self.message}"
        head = f"{self.source}: "
        if self.status in ("cancelled", "interrupted"):
            head += f"{self.status} after "
        if not self.changed and not self.rejected_total:
            body = f"nothing new ({self.unchanged} rows unchanged)"
        else:
            body = (
                f"{self.inserted} inserted, {self.updated} updated, {self.unchanged} unchanged, "
                f"{self.rejected_total} rejected"
            )
            if self.pruned:
                body += f", {self.pruned} pruned"
        text = f"{head}{body} in {self.duration_s:.1f} s"
        if self.rejected:
            reasons = ", ".join(f"{n} {reason}" for reason, n in self.rejected.most_common())
            text += f" (rejected: {reasons})"
        return text

    def as_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "status": self.status,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": dict(self.rejected),
            "pruned": self.pruned,
            "duration_s": round(self.duration_s, 3),
            "message": self.message,
            "changed_clients": len(self.changed_clients),
        }


def start_run(cache: Cache, *, source_id: int | None, source_name: str) -> int:
    """Record a run as started; runs left 'running' by a killed process become 'interrupted'."""
    with cache.session() as session:
        session.execute(
            update(SyncRun)
            .where(SyncRun.status == "running", SyncRun.source_name == source_name)
            .values(status="interrupted", message="the process stopped before the run finished")
        )
        run = SyncRun(
            source_id=source_id,
            source_name=source_name,
            started_at=utcnow(),
            status="running",
        )
        session.add(run)
        session.flush()
        return run.id


def finish_run(cache: Cache, summary: SyncSummary) -> None:
    with cache.session() as session:
        session.execute(
            update(SyncRun)
            .where(SyncRun.id == summary.run_id)
            .values(
                finished_at=utcnow(),
                status=summary.status,
                inserted=summary.inserted,
                updated=summary.updated,
                unchanged=summary.unchanged,
                rejected=summary.rejected_total,
                pruned=summary.pruned,
                message=summary.message,
                summary_json=json.dumps(summary.as_json(), ensure_ascii=False),
            )
        )
