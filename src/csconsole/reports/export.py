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
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from csconsole import formatting as fmt
from csconsole.cache import Cache
from csconsole.catalog import Catalog
from csconsole.errors import Cancelled, KnownError
from csconsole.health.clients import ClientInfo
from csconsole.health.engine import HealthEngine, open_engine
from csconsole.health.evaluation import Evaluation
from csconsole.reports import KINDS
from csconsole.reports.branding import Branding, load_branding
from csconsole.review_facts import ReviewFacts, gather_facts
from csconsole.reviews import Review, load_review
from csconsole.rollup import month_label, parse_month

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


#: What each report is called in its file name.
KIND_WORDS = {"review": "Review", "roi": "ROI report", "qbr": "QBR"}
#: Names Windows reserves for devices, whatever the extension.
RESERVED_NAMES = frozenset(
    ["CON", "PRN", "AUX", "NUL"]
    + [f"COM{n}" for n in "123456789¹²³"]
    + [f"LPT{n}" for n in "123456789¹²³"]
)
#: Characters Windows, macOS or Linux refuse (or treat specially) in a file name.
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
#: Longest file name written, in UTF-8 bytes (most file systems allow 255).
MAX_NAME_BYTES = 240


def safe_file_name(name: str, *, suffix: str = "") -> str:
    """``name`` + ``suffix`` made safe on Windows, macOS and Linux: reserved characters
    become spaces, no leading or trailing dots or spaces, device names (CON, LPT1…)
    are suffixed with "_", and the whole stays within :data:`MAX_NAME_BYTES` bytes."""
    text = unicodedata.normalize("NFC", name)
    text = _UNSAFE.sub(" ", text)
    text = " ".join(text.split()).strip(" .") or "report"
    if text.split(".")[0].strip().upper() in RESERVED_NAMES:
        text += "_"
    budget = MAX_NAME_BYTES - len(suffix.encode("utf-8"))
    while len(text.encode("utf-8")) > budget:
        text = text[:-1]
    text = text.rstrip(" .") or "report"
    return text + suffix


def file_name(client_name: str, month: str | int, kind: str, *, suffix: str = ".pdf") -> str:
    """ "Atlas Freight – Review November 2026.pdf", safe on every system."""
    index = parse_month(month) if isinstance(month, str) else month
    period = fmt.quarter(index) if kind == "qbr" else fmt.month(index)
    return safe_file_name(
        f"{client_name} – {KIND_WORDS.get(kind, kind.capitalize())} {period}", suffix=suffix
    )


def unique_name(name: str, taken: set[str]) -> str:
    """``name``, or "name (2).pdf", "name (3).pdf"… when a file of this batch has it
    already; compared as Windows and macOS compare (case-insensitive, normalised)."""
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    candidate, n = name, 1
    while unicodedata.normalize("NFC", candidate).casefold() in taken:
        n += 1
        candidate = safe_file_name(f"{stem} ({n})", suffix=f".{suffix}" if suffix else "")
    taken.add(unicodedata.normalize("NFC", candidate).casefold())
    return candidate


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
    engine = engine or open_engine(cache, catalog)
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
    engine = engine or open_engine(cache, catalog)
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
    taken: set[str] = set()
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
            path = folder / unique_name(file_name(client.name, month, kind), taken)
            result.written.append(write_atomic(path, data))
            done += 1
    if progress is not None:
        progress(done, total, "done")
    return result


__all__ = [
    "BatchResult",
    "export_all",
    "export_one",
    "file_name",
    "render",
    "safe_file_name",
    "unique_name",
    "write_atomic",
]
