"""`csconsole --self-test`: the installed application's end-to-end check, run from source.

CI runs the same option inside the PyInstaller bundle (.ci/run); here it runs from the
checkout, so a step broken by a code change fails the suite before it fails a build.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def run_self_test(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "csconsole", "--self-test"],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen", **env},
    )


@pytest.mark.slow
def test_self_test_passes_every_step_and_leaves_the_user_data_alone(tmp_path: Path) -> None:
    home = tmp_path / "home"
    result = run_self_test({"CSCONSOLE_HOME": str(home)})
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    for step in ("resources", "cache", "demo data", "status", "main window", "review PDF"):
        assert any(line.startswith(f"self-test: {step}: ok") for line in lines), step
    assert "40 clients rated" in result.stdout
    assert lines[-1] == "self-test: passed"
    # It worked in a temporary folder: nothing was written to the user's data folder.
    assert not (home / "cache.sqlite").exists()


def test_self_test_names_the_step_that_failed(tmp_path: Path) -> None:
    empty = tmp_path / "no-resources"
    (empty / "catalog").mkdir(parents=True)  # found, but holds no catalog files
    result = run_self_test({"CSCONSOLE_RESOURCES": str(empty)})
    assert result.returncode == 1
    assert "self-test: FAILED: resources failed" in result.stdout
