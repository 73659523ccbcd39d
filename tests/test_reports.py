"""The PDF reports, read back with poppler's pdftotext / pdfinfo / pdfimages."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from csconsole import formatting as fmt
from csconsole.cache import Cache
from csconsole.cli import main
from csconsole.errors import Cancelled, KnownError
from csconsole.health.engine import HealthEngine
from csconsole.health.rules import fmt_value
from csconsole.reports.export import export_all, export_one, render, write_atomic
from csconsole.review_facts import gather_facts
from csconsole.reviews import (
    SECTION_BY_KEY,
    SECTION_KEYS,
    ActionItem,
    FeatureRequest,
    Review,
    load_review,
    save_review,
)
from csconsole.rollup import parse_month

MONTH = parse_month("2026-10")
pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is not installed"
)
HOSTILE_LINES = [
    "<b>not bold</b> & <i>not italic</i> &amp; &lt;",
    "\"double\" and 'single' quotes",
    "Café naïve Zoë Ångström façade",
    "中文 日本語 한국어",
    "🚀 launch 😀 smile",
    "A → B ≤ C ≥ D — E",
]


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


def _write(cache: Cache, catalog, tmp_path: Path, client: str = "CL-004", kind: str = "review", review: Review | None = None) -> Path:  # type: ignore[no-untyped-def]  # fmt: skip
    engine = HealthEngine(cache, catalog)
    facts = gather_facts(cache, catalog, client=client, month=MONTH, engine=engine)
    review = review or load_review(cache, facts)
    path = tmp_path / f"{client}-{kind}.pdf"
    path.write_bytes(render(facts, review, kind))
    return path


def test_review_pdf_has_every_section_and_the_engine_figures(synced_cache: Cache, catalog, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # fmt: skip
    engine = HealthEngine(synced_cache, catalog)
    facts = gather_facts(synced_cache, catalog, client="CL-004", month=MONTH, engine=engine)
    review = load_review(synced_cache, facts)
    for key in SECTION_KEYS:  # every section written: every section printed
        review.sections[key] = review.sections.get(key) or f"Words for {key}."
    review.actions = [ActionItem("Call the finance lead", "Zoë", date(2026, 11, 5))]
    review.requests = [FeatureRequest("Export to CSV", "high", "Q1")]
    path = _write(synced_cache, catalog, tmp_path, review=review)
    text = flat(pdf_text(path))
    for title in (
        "Executive summary", "Performance metrics", "System health", "Business impact",
        "User engagement", "Client satisfaction", "Detailed performance analysis",
        "Wins this month", "Areas for improvement", "Optimisation opportunities",
        "Client feedback", "Direct feedback", "Support interactions", "Feature requests",
        "Strategic recommendations", "Expansion opportunities", "Risk mitigation",
        "Action items and next steps", "Appendix", "Monthly metrics trend",
        "Communication log", "Technical performance details", "Next review",
    ):  # fmt: skip
        assert title in text, title
    ev = facts.evaluation
    assert "Harbour Dental Group" in text and "October 2026" in text
    assert "Professional package" in text and "2026-10" not in text
    assert fmt.rating(ev.rating) in text
    assert "GREEN" in text  # status by word (the colour is checked by eye: docs/)
    rows = [flat(line).strip() for line in pdf_text(path).splitlines()]
    for kpi in ev.kpis:  # a long label wraps in its cell: its first line holds the figures
        figures = f"{fmt_value(kpi.value, kpi.unit, kpi.metric)} "
        assert any(r.startswith(kpi.label[:20]) and figures in r for r in rows), kpi.label
    assert facts.roi is not None
    assert f"${facts.roi.current.value:,.0f}" in text
    pages = int(pdf_info(path)["Pages"])
    assert f"Page 1 of {pages}" in text and f"Page {pages} of {pages}" in text
    info = pdf_info(path)
    assert info["Author"] == facts.client.csm
    assert info["Title"] == "Monthly optimisation review: Harbour Dental Group, October 2026"


def test_charts_are_vector_graphics(synced_cache: Cache, catalog, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    for kind in ("review", "roi"):
        path = _write(synced_cache, catalog, tmp_path, kind=kind)
        out = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True, check=True)  # fmt: skip
        images = [row for row in out.stdout.splitlines()[2:] if row.strip()]
        assert all(row.split()[0] == "1" for row in images), images  # only the logo, on page 1


def test_roi_pdf_has_the_engine_figures(synced_cache: Cache, catalog, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    facts = gather_facts(synced_cache, catalog, client="CL-004", month=MONTH)
    review = load_review(synced_cache, facts)
    review.sections["roi_recommendations"] = "Widen the intake automation."
    path = _write(synced_cache, catalog, tmp_path, kind="roi", review=review)
    text = flat(pdf_text(path))
    roi = facts.roi
    assert roi is not None
    for title in (
        "Executive summary", "Quantified benefits this month", "Time savings",
        "Error prevention", "Efficiency gains", "Revenue impact",
        "Cumulative impact since implementation", "Trending analysis", "Trend direction",
        "Recommendations for next month",
    ):  # fmt: skip
        assert title in text, title
    cur = roi.current
    assert f"Value created this month Year-to-date ROI Projected annual return ${cur.value:,.0f}" in text  # fmt: skip
    assert fmt.percent(roi.ytd_roi) in text
    assert fmt.money(cur.time_savings_value) in text
    assert fmt.money(cur.error_prevention_value) in text
    assert fmt.money(cur.cumulative_value) in text
    assert roi.payback_month is not None
    reached = fmt.month(parse_month(roi.payback_month))
    assert f"month {roi.payback_months} after start ({reached})" in text
    assert "running costs" not in text
    for month in roi.trend[-12:]:
        assert f"{fmt.month_short(parse_month(month.month))} {fmt.money(month.value)}" in text
    assert pdf_info(path)["Author"] == facts.client.csm


def test_hostile_text_prints_exactly_as_typed(synced_cache: Cache, catalog, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    hostile = "\n".join(HOSTILE_LINES)
    review = Review(
        "CL-004",
        "2026-10",
        sections={"client_quote": hostile, "wins": hostile, "communication_log": hostile},
        actions=[ActionItem(line, "Zoë <owner>", date(2026, 12, 1)) for line in HOSTILE_LINES],
        requests=[FeatureRequest(line, "high", line) for line in HOSTILE_LINES],
    )
    path = _write(synced_cache, catalog, tmp_path, review=review)
    text = flat(pdf_text(path, mode="-raw"))  # a line may wrap in a narrow cell
    for line in HOSTILE_LINES:
        # Once in each of the 3 sections, the action item, the request and its note.
        assert text.count(line) == 6, (line, text.count(line))
    assert "Zoë <owner>" in text


def test_empty_sections_are_left_out(synced_cache: Cache, catalog, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = _write(synced_cache, catalog, tmp_path, review=Review("CL-004", "2026-10"))
    text = flat(pdf_text(path))
    for line in (
        "No client quote recorded this month.",
        "No feature requests this month.",
        "No action items recorded.",
        "No communication logged this month.",
        "No risk identified this month.",
        "Client feedback",
        "Feature requests",
        "Action items",
        "Communication log",
        "Risk mitigation",
    ):
        assert line not in text


def test_oversized_text_flows_onto_new_pages(synced_cache: Cache, catalog, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    words = " ".join(f"word{n}" for n in range(12_000))
    unbroken = "x" * 20_000  # one "word" wider than any page
    review = Review(
        "CL-004",
        "2026-10",
        sections={"communication_log": words, "technical_notes": unbroken},
        actions=[ActionItem(words, "owner " * 500, None)]
        + [ActionItem(f"task {n}", "Tom", None) for n in range(120)],
        requests=[FeatureRequest(words[:30_000], "low", unbroken)],
    )
    path = _write(synced_cache, catalog, tmp_path, review=review)  # no "Flowable too large"
    pages = int(pdf_info(path)["Pages"])
    assert pages > 10
    text = pdf_text(path)
    assert "word11999" in text and "task 119" in text
    # The action items table split over pages and its header came back on each.
    with_tasks = [p for p in range(1, pages + 1) if re.search(r"task \d+", pdf_text(path, p))]
    assert len(with_tasks) >= 2
    for page in with_tasks:
        assert "Task Owner Due" in flat(pdf_text(path, page))


def test_a_batch_of_40_clients_writes_40_valid_pdfs(
    synced_cache: Cache, catalog, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    seen: list[tuple[int, int]] = []
    result = export_all(
        synced_cache, catalog, month=MONTH, folder=tmp_path / "out",
        progress=lambda done, total, _text: seen.append((done, total)),
    )  # fmt: skip
    files = sorted((tmp_path / "out").iterdir())
    assert len(result.written) == len(files) == 40
    assert all(f.name.endswith(" – Review October 2026.pdf") for f in files)
    for f in files:
        assert f.read_bytes().startswith(b"%PDF-") and b"%%EOF" in f.read_bytes()[-1024:]
    assert int(pdf_info(files[0])["Pages"]) >= 2
    assert seen[-1] == (40, 40)


def test_a_cancelled_batch_leaves_no_partial_file(
    synced_cache: Cache, catalog, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "out"
    calls = {"n": 0}

    def cancelled() -> bool:
        calls["n"] += 1
        return calls["n"] > 6  # three clients, two checks each

    with pytest.raises(Cancelled):
        export_all(synced_cache, catalog, month=MONTH, folder=folder, cancelled=cancelled)
    files = sorted(folder.iterdir())
    assert len(files) == 3
    assert not [f for f in files if not f.name.endswith(".pdf")]
    for f in files:
        assert int(pdf_info(f)["Pages"]) >= 2


def test_a_failed_write_leaves_neither_temp_file_nor_half_pdf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / "r.pdf"
    target.write_bytes(b"%PDF-old complete file")

    def full_disk(_fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(KnownError, match="No space left"):
        write_atomic(target, b"%PDF-new")
    assert os.listdir(folder) == ["r.pdf"]
    assert target.read_bytes() == b"%PDF-old complete file"


def test_review_text_typed_in_the_console_is_in_the_exported_pdf(synced_cache: Cache, catalog, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # fmt: skip
    facts = gather_facts(synced_cache, catalog, client="CL-004", month=MONTH)
    review = load_review(synced_cache, facts)
    review.sections["client_quote"] = "Best quarter we ever had"
    save_review(synced_cache, review)
    path = export_one(synced_cache, catalog, client="CL-004", month=MONTH, kind="review", path=tmp_path / "r.pdf")  # fmt: skip
    assert "“Best quarter we ever had”" in pdf_text(path)
    assert SECTION_BY_KEY["client_quote"].title in pdf_text(path)


def test_branding_file_errors_name_the_file_and_entry(tmp_path: Path) -> None:
    from csconsole.reports.branding import load_branding

    path = tmp_path / "branding.toml"
    path.write_text('company_name = "X"\n[colours]\nprimary = "blue"\n')
    with pytest.raises(KnownError, match=r"branding.toml: colours.primary = 'blue'"):
        load_branding(path)
    path.write_text('company_name = "X"\nlogo = "missing.png"\n')
    with pytest.raises(KnownError, match=r"branding.toml: logo: no file"):
        load_branding(path)
    path.write_text('company_name = "Acme & <Co>"\ntagline = "t"\nlogo = ""\n[colours]\nprimary = "#112233"\n')  # fmt: skip
    branding = load_branding(path)
    assert branding.company_name == "Acme & <Co>" and branding.colours["primary"] == "#112233"


def test_cli_report_one_client_and_all(synced_cache: Cache, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    cache = str(synced_cache.path)
    out = tmp_path / "one.pdf"
    assert main(["report", "--cache", cache, "--client", "CL-004", "--month", "2026-10", "-o", str(out)]) == 0  # fmt: skip
    assert "Harbour Dental Group" in pdf_text(out)
    assert main(["report", "--cache", cache, "--client", "Harbour Dental Group", "--month", "2026-10", "--kind", "roi", "--out-dir", str(tmp_path)]) == 0  # fmt: skip
    assert "ROI performance report" in pdf_text(
        tmp_path / "Harbour Dental Group – ROI report October 2026.pdf"
    )
    capsys.readouterr()
    assert main(["report", "--cache", cache, "--all", "--month", "2026-10", "--out-dir", str(tmp_path / "all")]) == 0  # fmt: skip
    assert "Wrote 40 PDFs" in capsys.readouterr().out
    assert len(list((tmp_path / "all").glob("*.pdf"))) == 40
    assert main(["report", "--cache", cache, "--month", "2026-10"]) == 1
    assert "give either --client C or --all" in capsys.readouterr().err
    assert main(["report", "--cache", cache, "--client", "CL-004", "--month", "2031-01"]) == 1
    err = capsys.readouterr().err
    assert "in the future" in err and err.count("\n") == 1
