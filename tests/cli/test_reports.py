"""`csconsole report`: one client, all clients, and one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from csconsole.cache import Cache
from csconsole.cli import main
from tests.helpers.reports import needs_poppler, pdf_text

pytestmark = needs_poppler


@pytest.mark.slow
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
