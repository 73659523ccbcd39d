"""The reports' charts are vector graphics: the only image is the logo."""

from __future__ import annotations

import subprocess
from pathlib import Path

from csconsole.cache import Cache
from csconsole.catalog import Catalog
from tests.helpers.reports import needs_poppler, write_pdf

pytestmark = needs_poppler


def test_charts_are_vector_graphics(synced_cache: Cache, catalog: Catalog, tmp_path: Path) -> None:
    for kind in ("review", "roi"):
        path = write_pdf(synced_cache, catalog, tmp_path, kind=kind)
        out = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True, check=True)  # fmt: skip
        images = [row for row in out.stdout.splitlines()[2:] if row.strip()]
        assert all(row.split()[0] == "1" for row in images), images  # only the logo, on page 1
