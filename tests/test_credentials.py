"""A password never lands in a plain file: keyring backends that would write one are refused.

`source add` runs as its own process with keyrings.alt installed (Makefile:
`.venv/test-extras`), HOME and the data folder in a temporary folder and no
session bus, so keyring falls back on what keyrings.alt offers. Then every file
under that folder is searched for the password, plain, base64 and hex.
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # a process of its own per backend

PASSWORD = "Pa55-wörd-🔑-7f3a"
EXTRAS = Path(sys.prefix) / "test-extras"


def encodings(secret: str) -> list[bytes]:
    raw = secret.encode("utf-8")
    forms = [raw, raw.hex().encode(), raw.hex().upper().encode()]
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        forms.append(encode(raw))
        forms.append(encode(raw).rstrip(b"="))
    forms.append(secret.encode("utf-16-le"))
    return forms


@pytest.fixture
def extras() -> Path:
    if not (EXTRAS / "keyrings").is_dir():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"keyrings.alt is not in {EXTRAS}; run 'make test'", pytrace=False)
        pytest.skip(f"keyrings.alt is not in {EXTRAS} ('make test' puts it there)")
    return EXTRAS


@pytest.mark.skipif(sys.platform != "linux", reason="the fallback keyrings are those of Linux")
@pytest.mark.parametrize(
    "backend",
    [
        None,  # keyring's own choice: keyrings.alt's PlaintextKeyring (priority 0.5)
        "keyrings.alt.file.PlaintextKeyring",
        "keyrings.alt.file.EncryptedKeyring",
        "keyring.backends.null.Keyring",
        "keyring.backends.chainer.ChainerBackend",
    ],
)
def test_source_add_never_writes_the_password_to_a_file(
    tmp_path: Path, extras: Path, backend: str | None
) -> None:
    """keyring picked PlaintextKeyring and the password went to keyring_pass.cfg (fault 1)."""
    home = tmp_path / "user"
    data = tmp_path / "data"
    home.mkdir()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTHON_KEYRING", "XDG_", "DBUS_", "CSCONSOLE_"))
    }
    env.update(
        HOME=str(home),
        CSCONSOLE_HOME=str(data),
        PYTHONPATH=str(extras),
        DBUS_SESSION_BUS_ADDRESS="unix:path=/nonexistent/bus",
    )
    if backend:
        env["PYTHON_KEYRING_BACKEND"] = backend
    result = subprocess.run(
        [sys.executable, "-m", "csconsole", "source", "add", "wh", "--password-stdin",
         "--url", "postgresql://csm@warehouse.example/cs"],
        input=PASSWORD + "\n", env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "no system keyring that keeps passwords safe" in lines[0]
    assert "asked for each time" in lines[0]
    assert "Traceback" not in result.stderr
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.name == "cache.sqlite" for p in files)  # the source itself was added
    for path in files:
        content = path.read_bytes()
        for form in encodings(PASSWORD):
            assert form not in content, f"the password ({form!r}) is in {path}"
    for form in encodings(PASSWORD):
        assert form.decode("latin-1") not in result.stdout + result.stderr
