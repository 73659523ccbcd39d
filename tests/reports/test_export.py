"""Exporting reports: one client, a batch of 40, a cancelled batch and a failed write leave
only whole PDFs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from csconsole.cache import Cache
from csconsole.catalog import Catalog
from csconsole.errors import Cancelled, KnownError
from csconsole.reports.export import export_all, export_one, write_atomic
from csconsole.review_facts import gather_facts
from csconsole.reviews import SECTION_BY_KEY, load_review, save_review
from tests.helpers.reports import MONTH, needs_poppler, pdf_info, pdf_text

pytestmark = needs_poppler


@pytest.mark.slow
def test_a_batch_of_40_clients_writes_40_valid_pdfs(
    synced_cache: Cache, catalog: Catalog, tmp_path: Path
) -> None:
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
    synced_cache: Cache, catalog: Catalog, tmp_path: Path
) -> None:
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


def test_review_text_typed_in_the_console_is_in_the_exported_pdf(synced_cache: Cache, catalog: Catalog, tmp_path: Path) -> None:  # fmt: skip
    facts = gather_facts(synced_cache, catalog, client="CL-004", month=MONTH)
    review = load_review(synced_cache, facts)
    review.sections["client_quote"] = "Best quarter we ever had"
    save_review(synced_cache, review)
    path = export_one(synced_cache, catalog, client="CL-004", month=MONTH, kind="review", path=tmp_path / "r.pdf")  # fmt: skip
    assert "“Best quarter we ever had”" in pdf_text(path)
    assert SECTION_BY_KEY["client_quote"].title in pdf_text(path)
