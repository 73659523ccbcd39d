"""The PDF reports read back with poppler (pdftotext, pdfinfo), and one report written for a test."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from csconsole.cache import Cache
from csconsole.catalog import Catalog
from csconsole.health.engine import HealthEngine
from csconsole.reports.export import render
from csconsole.review_facts import gather_facts
from csconsole.reviews import Review, load_review
from csconsole.rollup import parse_month

MONTH = parse_month("2026-10")
#: For modules that read PDFs back: skipped where poppler-utils is not installed.
needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is not installed"
)


def pdf_text(path: Path, page: int | None = None, *, mode: str = "-layout") -> str:
    """The PDF's text: ``-layout`` keeps table rows on one line; ``-raw`` reads in drawing
    order, which keeps the spaces around symbols that the layout heuristics drop."""
    pages = ["-f", str(page), "-l", str(page)] if page else []
    out = subprocess.run(
        ["pdftotext", mode, "-enc", "UTF-8", *pages, str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def pdf_info(path: Path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    return {
        k.strip(): v.strip() for k, _, v in (row.partition(":") for row in out.stdout.splitlines())
    }


def write_pdf(cache: Cache, catalog: Catalog, tmp_path: Path, client: str = "CL-004", kind: str = "review", review: Review | None = None) -> Path:  # fmt: skip
    engine = HealthEngine(cache, catalog)
    facts = gather_facts(cache, catalog, client=client, month=MONTH, engine=engine)
    review = review or load_review(cache, facts)
    path = tmp_path / f"{client}-{kind}.pdf"
    path.write_bytes(render(facts, review, kind))
    return path
