"""`csconsole opportunities`: add, list, update, delete, history, export and import; one line
per error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from csconsole.cache import Cache
from csconsole.cli import main
from csconsole.opportunities.context import Context
from tests.helpers import TODAY
from tests.helpers.opportunities import count_rows, new


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_add_list_update_delete_history(
    store: Cache, capsys: pytest.CaptureFixture[str]
) -> None:
    c = ("--cache", str(store.path))
    code, out, _ = run(capsys, "opportunities", "add", *c, "--client", "CL-001", "--category",
                       "IE", "--area", "CRM <&> 🚀", "--benefit", "$2,000/month",
                       "--investment", "1200", "--package", "enterprise", "--json")  # fmt: skip
    assert code == 0
    added = json.loads(out)
    assert added["id"] == "IE-001" and added["annual_roi_percent"] == pytest.approx(1900)
    assert added["upsell"] is True and added["area"] == "CRM <&> 🚀"
    code, out, _ = run(capsys, "opportunities", "update", "ie-001", *c, "--status", "proposed")
    assert (code, out.strip()) == (0, "Updated IE-001.")
    code, out, _ = run(capsys, "opportunities", "list", *c, "--status", "proposed", "--json")
    assert [o["id"] for o in json.loads(out)] == ["IE-001"]
    code, out, _ = run(capsys, "opportunities", "list", *c, "--client", "CL-001")
    assert "IE-001" in out and "↑ upsell" in out
    code, out, _ = run(capsys, "opportunities", "history", "IE-001", *c)
    assert "Status: identified → proposed" in out
    code, out, _ = run(capsys, "opportunities", "delete", "IE-001", *c)
    assert code == 0 and "not given again" in out
    code, out, _ = run(capsys, "opportunities", "list", *c, "--json")
    assert json.loads(out) == []


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["add", "--client", "CL-001", "--category", "PO", "--area", "x", "--investment", "-3"],
         "Investment ($) must be 0 or more"),
        (["add", "--client", "CL-001", "--category", "PO", "--area", "x", "--investment", "abc"],
         "must be a number of dollars"),
        (["add", "--client", "nobody", "--category", "PO", "--area", "x"], "Unknown client"),
        (["add", "--client", "CL-001", "--category", "QQ", "--area", "x"], "Unknown category"),
        (["update", "PO-404", "--status", "proposed"], "no opportunity 'PO-404'"),
        (["delete", "PO-404"], "no opportunity 'PO-404'"),
        (["list", "--status", "won"], "Status must be one of"),
        (["import", "missing.csv"], "cannot read"),
    ],
)  # fmt: skip
def test_cli_errors_are_one_line(
    store: Cache, capsys: pytest.CaptureFixture[str], args: list[str], words: str
) -> None:
    code, _, err = run(capsys, "opportunities", *args, "--cache", str(store.path))
    assert code == 1
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("csconsole: error: "), err
    assert words in err
    assert count_rows(store) == 0


def test_cli_export_and_import(
    store: Cache, ctx: Context, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    new(store, ctx)
    c = ("--cache", str(store.path))
    out_file = tmp_path / "o.xlsx"
    code, out, _ = run(capsys, "opportunities", "export", str(out_file), *c)
    assert code == 0 and "Exported 1" in out
    code, out, _ = run(capsys, "opportunities", "import", str(out_file), *c, "--dry-run")
    assert code == 0 and "1 unchanged" in out and "dry run" in out


@pytest.mark.slow
def test_cli_demo_creates_the_opportunities(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    cache = str(tmp_path / "c.sqlite")
    assert run(capsys, "demo", "--cache", cache, "--today", TODAY.isoformat())[0] == 0
    _, out, _ = run(capsys, "opportunities", "list", "--cache", cache, "--json")
    rows = json.loads(out)
    assert len(rows) >= 60
    assert any(r["overdue"] for r in rows) and any(r["upsell"] for r in rows)
