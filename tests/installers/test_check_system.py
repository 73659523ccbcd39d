"""`make run` checks the system libraries Qt needs before installing anything."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from types import ModuleType

import pytest

from tests.helpers import ROOT


def load_check() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_system", ROOT / "installers" / "check_system.py")  # fmt: skip
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_missing_library_is_named_with_its_packages_in_one_line() -> None:
    check = load_check()
    absent = check.missing(load=lambda name: name not in {"libxcb-icccm.so.4", "libxcb-keysyms.so.1"})  # fmt: skip
    assert [a[0] for a in absent] == ["libxcb-icccm.so.4", "libxcb-keysyms.so.1"]
    line = check.message(absent)
    assert "\n" not in line
    assert "sudo apt install libxcb-icccm4 libxcb-keysyms1" in line
    assert "sudo dnf install xcb-util-wm xcb-util-keysyms" in line


def test_nothing_missing_passes_and_other_platforms_are_not_checked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    check = load_check()
    monkeypatch.setattr(check, "loads", lambda _name: False)
    assert check.main("darwin") == 0
    assert check.main("win32") == 0
    assert check.main("linux") == 1
    monkeypatch.setattr(check, "loads", lambda _name: True)
    assert check.main("linux") == 0


def test_the_script_runs_on_the_standard_library_and_exits_non_zero_when_missing() -> None:
    """Run as `make run` runs it: the system python, before the venv exists."""
    code = (
        "import runpy, sys, ctypes\n"
        "real = ctypes.CDLL\n"
        "def fake(name, *a, **k):\n"
        "    if name == 'libxcb-keysyms.so.1': raise OSError(name)\n"
        "    return real(name, *a, **k)\n"
        "ctypes.CDLL = fake\n"
        "sys.platform = 'linux'\n"
        f"runpy.run_path({str(ROOT / 'installers' / 'check_system.py')!r}, run_name='__main__')\n"
    )
    result = subprocess.run(
        [sys.executable, "-I", "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and "libxcb-keysyms1" in result.stderr


def test_make_run_checks_before_installing_and_make_test_does_not() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    run = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert run.split("\n", 1)[0].strip() == "check-system"  # the only prerequisite
    assert "installers/check_system.py" in makefile.split("\ncheck-system:", 1)[1]
    test = makefile.split("\ntest:", 1)[1].split("\n\n", 1)[0]
    assert "check" not in test
