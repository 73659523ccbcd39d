"""Passwords and tokens, kept only in the system keyring.

Nothing here writes a secret anywhere else. Where no keyring backend works
(a plain Linux box without a secret service), :class:`NoKeyringError` says so
and callers ask for the secret for this run only.
"""

from __future__ import annotations

import contextlib

from csconsole.errors import NoKeyringError

# keyring is imported where it is used: the console starts without needing it.

SERVICE = "csconsole"


def _account(source_name: str) -> str:
    return f"source:{source_name}"


def keyring_usable() -> bool:
    import keyring
    from keyring.backends import fail

    backend = keyring.get_keyring()
    if isinstance(backend, fail.Keyring):
        return False
    priority = getattr(backend, "priority", 1)
    try:
        return float(priority) > 0
    except (TypeError, ValueError):
        return True


def _require_keyring() -> None:
    if not keyring_usable():
        raise NoKeyringError(
            "no system keyring is available, so the password cannot be stored; "
            "it is asked for each time it is needed and kept only while csconsole runs"
        )


def store_password(source_name: str, password: str) -> None:
    import keyring
    import keyring.errors

    _require_keyring()
    try:
        keyring.set_password(SERVICE, _account(source_name), password)
    except keyring.errors.KeyringError as exc:
        raise NoKeyringError(
            f"the keyring refused to store the password: {type(exc).__name__}"
        ) from None


def get_password(source_name: str) -> str | None:
    """The stored password, or None when there is none. Raises NoKeyringError without a keyring."""
    import keyring
    import keyring.errors

    _require_keyring()
    try:
        return keyring.get_password(SERVICE, _account(source_name))
    except keyring.errors.KeyringError as exc:
        raise NoKeyringError(f"the keyring could not be read: {type(exc).__name__}") from None


def delete_password(source_name: str) -> None:
    import keyring
    import keyring.errors

    if not keyring_usable():
        return
    with contextlib.suppress(keyring.errors.PasswordDeleteError):
        keyring.delete_password(SERVICE, _account(source_name))
