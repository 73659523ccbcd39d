"""Benchmark: the monthly review PDF of one client, and the whole 40-client book.

Run with ``.venv/bin/python bench/bench_reports.py [--runs N]``. It makes the demo
warehouse (40 clients, 24 months) as of 2026-11-22, syncs it into a temporary cache and
then times

1. one review PDF (the demo's CL-004 for 2026-10): facts from the engine, the narrative
   (pre-filled), rendering and the atomic write, median of ``--runs`` in a warm process
   (goal ≤ 1 s); the first, cold one (fonts registered, reportlab and pandas imported) is
   printed too;
2. the 40-client batch (``export_all``: one review per client into a folder; goal ≤ 20 s).

Each is printed beside a bare reportlab document of the same page count (one paragraph
and a small table per page, standard fonts), the floor reportlab itself sets. Figures are
printed with their goals and PASS/MISS; none of this is a timed test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from benchlib import Report

TODAY = date(2026, 11, 22)


def bare_document(path: Path, pages: int) -> None:
    """A plain reportlab document of ``pages`` pages: the reference floor."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Table

    styles = getSampleStyleSheet()
    story = []
    for n in range(pages):
        story.append(Paragraph(f"Page {n + 1}: " + "Some words of text. " * 40, styles["Normal"]))
        story.append(Table([[f"r{r}c{c}" for c in range(5)] for r in range(20)]))
        if n < pages - 1:
            story.append(PageBreak())
    SimpleDocTemplate(str(path), pagesize=A4).build(story)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    os.environ["CSCONSOLE_TODAY"] = TODAY.isoformat()
    work = Path(tempfile.mkdtemp(prefix="bench-reports-"))
    os.environ["CSCONSOLE_HOME"] = str(work / "home")

    from csconsole.cache import Cache
    from csconsole.catalog import load_catalog
    from csconsole.health.engine import HealthEngine
    from csconsole.ingest.demo import generate_demo
    from csconsole.ingest.sync import Syncer
    from csconsole.models import Source, utcnow
    from csconsole.rollup import parse_month

    catalog = load_catalog()
    warehouse = work / "warehouse.sqlite"
    generate_demo(warehouse, catalog=catalog, today=TODAY)
    cache = Cache.open(work / "cache.sqlite")
    with cache.session() as session:
        source = Source(name="demo", kind="sql", url=f"sqlite:///{warehouse}", created_at=utcnow())
        session.add(source)
    Syncer(cache, catalog, today=TODAY).sync(source)
    month = parse_month("2026-10")

    from csconsole.reports.export import export_all, export_one

    def one() -> float:
        start = time.perf_counter()
        export_one(
            cache, catalog, client="CL-004", month=month, kind="review",
            path=work / "one.pdf", engine=HealthEngine(cache, catalog, today=TODAY),
        )  # fmt: skip
        return time.perf_counter() - start

    cold = one()
    times = [one() for _ in range(args.runs)]
    single = statistics.median(times)
    import subprocess

    info = subprocess.run(["pdfinfo", str(work / "one.pdf")], capture_output=True, text=True)
    pages = next(
        (int(line.split()[-1]) for line in info.stdout.splitlines() if line.startswith("Pages:")),
        4,
    )
    start = time.perf_counter()
    bare_document(work / "bare.pdf", pages)
    bare_one = time.perf_counter() - start

    start = time.perf_counter()
    result = export_all(
        cache, catalog, month=month, folder=work / "book",
        engine=HealthEngine(cache, catalog, today=TODAY),
    )  # fmt: skip
    batch = time.perf_counter() - start
    total_pages = 0
    for path in result.written:
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True)
        total_pages += next(
            (int(x.split()[-1]) for x in info.stdout.splitlines() if x.startswith("Pages:")), 0
        )
    start = time.perf_counter()
    for n in range(len(result.written)):
        pages_n = max(1, total_pages // len(result.written))
        bare_document(work / f"bare-{n}.pdf", pages_n)
    bare_batch = time.perf_counter() - start

    report = Report("bench_reports")
    report.figure(
        f"one review PDF ({pages} pages), warm median of {args.runs}", f"{single:.3f} s",
        "≤ 1 s", single <= 1.0,
        f"cold first one {cold:.3f} s; bare reportlab document of {pages} pages {bare_one:.3f} s",
    )  # fmt: skip
    report.figure(
        f"40-client batch ({len(result.written)} PDFs, {total_pages} pages)", f"{batch:.2f} s",
        "≤ 20 s", batch <= 20.0,
        f"bare reportlab documents of the same pages {bare_batch:.2f} s",
    )  # fmt: skip
    cache.close()
    return report.exit_code()


if __name__ == "__main__":
    sys.exit(main())
