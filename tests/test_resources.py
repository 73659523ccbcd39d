"""Resource files are data: every reader goes through one TOML loader, and a bad file or
entry is one ResourceError that names the file and, for a check of one entry, the entry."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from csconsole.alerts import load_protocols
from csconsole.errors import KnownError, ResourceError
from csconsole.health.bands import Bands
from csconsole.opportunities.context import load_categories
from csconsole.paths import ENV_RESOURCES
from csconsole.resources import entries, load_toml


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (None, "cannot read: No such file or directory"),
        (b"[[category]\n", "not valid TOML"),
        (b'label = "caf\xe9"\n', "not valid TOML: the file is not UTF-8 text"),
    ],
)
def test_an_unreadable_file_is_named(tmp_path: Path, content: bytes | None, words: str) -> None:
    path = tmp_path / "categories.toml"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ResourceError) as err:
        load_toml(path)
    assert str(err.value).startswith(f"{path}: {words}")
    assert isinstance(err.value, KnownError) and err.value.path == path and not err.value.entry


def test_entries_must_be_tables(tmp_path: Path) -> None:
    path = tmp_path / "x.toml"
    with pytest.raises(ResourceError, match=r"x\.toml: 'category' must be a list of \[\[category\]\] tables"):  # fmt: skip
        entries(path, {"category": "PO"}, "category")
    assert entries(path, {}, "category") == []
    (where, table), *_ = entries(path, {"category": [{"prefix": "PO"}]}, "category")
    assert str(where.error("bad")) == f"{path}: category #1: bad" and table == {"prefix": "PO"}


CATEGORY = '[[category]]\nprefix = "PO"\nlabel = "Process optimisation"\narea = "Process"\n'


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (CATEGORY.replace('"PO"', '"P1"'), "category #1: prefix 'P1' must be 2–6 letters"),
        (CATEGORY.replace('label = "Process optimisation"\n', ""), "category #1: field 'label' must be a non-empty string"),
        (CATEGORY + CATEGORY, "category 'PO': defined twice"),
        ("# none yet\n", "no [[category]] entries"),
    ],
)  # fmt: skip
def test_category_errors_name_the_file_and_the_entry(
    tmp_path: Path, body: str, message: str
) -> None:
    path = tmp_path / "categories.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ResourceError) as err:
        load_categories(path)
    assert str(err.value) == f"{path}: {message}"


def test_protocol_errors_name_the_file_and_the_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "health").mkdir()
    path = tmp_path / "health" / "protocols.toml"
    path.write_text(
        '[[protocol]]\nstatus = "purple"\nrespond_within_hours = 24\nassigned_to = "CSM"\n'
    )
    monkeypatch.setenv(ENV_RESOURCES, str(tmp_path))
    with pytest.raises(ResourceError) as err:
        load_protocols()
    assert str(err.value) == f"{path}: protocol #1: status must be one of green, yellow, red"


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (None, "cannot read: No such file or directory"),
        (b"shortfall_red = \n", "not valid TOML"),
        (b'shortfall_red = "a fifth"\n', "shortfall_red must be a number, not 'a fifth'"),
    ],
)
def test_a_bad_bands_file_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: bytes | None, words: str
) -> None:
    (tmp_path / "health").mkdir()
    path = tmp_path / "health" / "bands.toml"
    if content is not None:
        path.write_bytes(content)
    monkeypatch.setenv(ENV_RESOURCES, str(tmp_path))
    with pytest.raises(KnownError) as err:
        Bands.load()
    assert str(err.value).startswith(f"{path}: ") and words in str(err.value)


def test_the_error_survives_pickling() -> None:
    error = ResourceError(Path("/r/tiers.toml"), "missing field 'rank'", entry="tier #2")
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is ResourceError and str(again) == str(error)
    assert (again.path, again.entry, again.problem) == (error.path, error.entry, error.problem)
