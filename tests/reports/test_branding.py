"""The branding file: errors name the file and the entry."""

from __future__ import annotations

from pathlib import Path

import pytest

from csconsole.errors import KnownError
from tests.helpers.reports import needs_poppler

pytestmark = needs_poppler


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
