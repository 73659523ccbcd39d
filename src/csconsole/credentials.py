"""Passwords and tokens, kept only in the system keyring.

Nothing here writes a secret anywhere else. Where no keyring backend works
(a plain Linux box without a secret service), :class:`NoKeyringError` says so
and callers ask for the secret for this run only.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from csconsole.errors import NoKeyringError

# keyring is imported where it is used: the console starts without needing it.

SERVICE = "csconsole"


def _account(source_name: str) -> str:
    return f"source:{source_name}"


def _insecure(backend: Any) -> bool:
    """True for a backend that does not keep a secret safe, decided by its class.

    keyring ranks keyrings.alt's PlaintextKeyring above "no keyring" (priority 0.5), so
    a priority check alone stores passwords base64-encoded in a plain file. Every
    keyrings.alt backend (plain or self-encrypted files, legacy stores) is refused, as are
    the null and fail backends and anything that ranks itself at or below zero.
    """
    from keyring.backends import fail, null

    if isinstance(backend, fail.Keyring | null.Keyring):
        return True
    if type(backend).__module__.split(".")[0] == "keyrings":
        return True
    try:
        return float(getattr(backend, "priority", 1)) <= 0
    except (TypeError, ValueError):
        return False


def _backend() -> Any | None:
    """The keyring backend to use, or None when none keeps secrets safe.

    A chain of backends is reduced to its safe members, so that a password never falls
    through to a plaintext file when the system keyring refuses it.
    """
    import keyring
    from keyring.backends import chainer

    try:
        backend = keyring.get_keyring()
    except Exception:  # a configured backend that cannot load (missing module, bad config)
        logging.getLogger(__name__).warning("the keyring backend cannot load", exc_info=True)
        return None
    if isinstance(backend, chainer.ChainerBackend):
        safe = [b for b in backend.backends if not _insecure(b)]
        return safe[0] if safe else None
    return None if _insecure(backend) else backend


def keyring_usable() -> bool:
    return _backend() is not None


def _require_keyring() -> Any:
    backend = _backend()
    if backend is None:
        raise NoKeyringError(
            "no system keyring that keeps passwords safe is available, so the password "
            "is not stored; it is asked for each time it is needed and kept only while "
            "csconsole runs"
        )
    return backend


def store_password(source_name: str, password: str) -> None:
    import keyring
    import keyring.errors

    backend = _require_keyring()
    try:
        backend.set_password(SERVICE, _account(source_name), password)
    except keyring.errors.KeyringError as exc:
        raise NoKeyringError(
            f"the keyring refused to store the password: {type(exc).__name__}"
        ) from None


def get_password(source_name: str) -> str | None:
    """The stored password, or None when there is none. Raises NoKeyringError without a keyring."""
    import keyring
    import keyring.errors

    backend = _require_keyring()
    try:
        password: str | None = backend.get_password(SERVICE, _account(source_name))
        return password
    except keyring.errors.KeyringError as exc:
        raise NoKeyringError(f"the keyring could not be read: {type(exc).__name__}") from None


def delete_password(source_name: str) -> None:
    import keyring
    import keyring.errors

    backend = _backend()
    if backend is None:
        return
    with contextlib.suppress(keyring.errors.PasswordDeleteError):
        backend.delete_password(SERVICE, _account(source_name))
