"""Writing reports to files: one client, or every client of a month into a folder.

Each PDF is rendered in memory, written to a hidden temporary name in the target folder
and renamed into place, so an interrupted or cancelled run never leaves a half-written
PDF under a real name (a file of the same name is replaced only by a complete one).
Batches report progress and check for cancellation between clients.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from csconsole.cache import Cache
from csconsole.catalog import Catalog
from csconsole.errors import Cancelled, KnownError
from csconsole.health import ClientInfo, Evaluation, HealthEngine
from csconsole.reports import KINDS
from csconsole.reports.branding import Branding, load_branding
from csconsole.reviews import Review, ReviewFacts, gather_facts, load_review
from csconsole.rollup import month_label

Progress = Callable[[int, int, str], None]


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise KnownError(f"unknown report kind {kind!r} (choose {' or '.join(KINDS)})")
    return kind


def render(
    facts: ReviewFacts,
    review: Review,
    kind: str,
    *,
    branding: Branding | None = None,
    today: date | None = None,
) -> bytes:
    """The PDF of one report, in memory."""
    check_kind(kind)
    if kind == "review":
        from csconsole.reports.review import ReviewReport

        return ReviewReport(facts, review, branding=branding, today=today).render_bytes()
    from csconsole.reports.roi_report import RoiPdfReport

    return RoiPdfReport(facts, review, branding=branding, today=today).render_bytes()


def file_name(client_key: str, month: str, kind: str) -> str:
    """``CL-004 2026-10 review.pdf``: keys are sorted together and safe on every system."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", client_key).strip("._") or "client"
    return f"{safe} {month} {kind}.pdf"


def write_atomic(path: Path, data: bytes) -> Path:
    """Write ``data`` to a temporary file beside ``path`` and rename it into place."""
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=folder)
    except OSError as exc:
        raise KnownError(f"cannot write to {folder}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temp, path)
    except OSError as exc:
        raise KnownError(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        if os.path.exists(temp):
            os.unlink(temp)
    return path


def export_one(
    cache: Cache,
    catalog: Catalog,
    *,
    client: str,
    month: int,
    kind: str,
    path: Path,
    engine: HealthEngine | None = None,
    branding: Branding | None = None,
) -> Path:
    """Write one client's report for ``month`` to ``path``; returns the path."""
    check_kind(kind)
    engine = engine or HealthEngine(cache, catalog)
    facts = gather_facts(cache, catalog, client=client, month=month, engine=engine)
    review = load_review(cache, facts)
    data = render(facts, review, kind, branding=branding, today=engine.today)
    return write_atomic(path, data)


@dataclass
class BatchResult:
    folder: Path
    written: list[Path] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "CL-041: had not started by 2026-10"


def export_all(
    cache: Cache,
    catalog: Catalog,
    *,
    month: int,
    folder: Path,
    kinds: Sequence[str] = ("review",),
    clients: Sequence[str] | None = None,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
    engine: HealthEngine | None = None,
) -> BatchResult:
    """Every client's (or the given clients') reports for ``month`` into ``folder``.

    Raises :class:`Cancelled` when ``cancelled()`` turns true; the files finished by then
    are complete, and no partial file is left."""
    for kind in kinds:
        check_kind(kind)
    engine = engine or HealthEngine(cache, catalog)
    branding = load_branding()
    wanted: list[ClientInfo] = (
        list(engine.clients()) if clients is None else [engine.find_client(c) for c in clients]
    )
    result = BatchResult(folder=folder)
    started = [c for c in wanted if c.start_month <= month]
    result.skipped = [
        f"{c.key}: had not started by {month_label(month)}" for c in wanted if c not in started
    ]
    if not started:
        raise KnownError(f"no client had started by {month_label(month)}")
    engine.check_month(month)
    pairs: dict[str, tuple[Evaluation, Evaluation | None]] = {
        cur.client_key: (cur, prev) for cur, prev in engine.evaluate_with_previous(month)
    }
    total = len(started) * len(kinds)
    done = 0
    for client in started:
        if cancelled is not None and cancelled():
            raise Cancelled()
        facts = gather_facts(
            cache, catalog, client=client, month=month, engine=engine, evaluations=pairs
        )
        review = load_review(cache, facts)
        for kind in kinds:
            if cancelled is not None and cancelled():
                raise Cancelled()
            if progress is not None:
                progress(done, total, f"{client.key} {client.name}: {kind}")
            data = render(facts, review, kind, branding=branding, today=engine.today)
            path = folder / file_name(client.key, facts.month, kind)
            result.written.append(write_atomic(path, data))
            done += 1
    if progress is not None:
        progress(done, total, "done")
    return result


__all__ = ["BatchResult", "export_all", "export_one", "file_name", "render", "write_atomic"]
