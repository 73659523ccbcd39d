"""One change notice for the whole window, in the spirit of Anki's ``op_executed`` hook.

Whoever changes the cache says so once: the main window after a sync, an import, the
demo or the settings; a tab after its own edits. Every tab and the portfolio listen to
the one :attr:`Bus.changed` signal and decide for themselves whether what changed is
theirs to reload (and whether now, or when next shown), instead of the main window
wiring each tab's signal to each other tab.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

#: What a change can be about. "data": the clients' figures (a sync, an import, the
#: demo); "alerts": alerts raised or answered; "opportunities", "reviews": those stores;
#: "settings": bands, details or sources (figures may read differently).
KINDS = frozenset({"data", "alerts", "opportunities", "reviews", "settings"})


@dataclass(frozen=True)
class Change:
    """What changed (``kinds``), for which clients (keys; None: any client, or not known
    which), and who changed it (so a tab can skip its own notice)."""

    kinds: frozenset[str]
    clients: frozenset[str] | None = None
    origin: object | None = None

    def about(self, *kinds: str) -> bool:
        """Whether the change is of any of ``kinds``."""
        return not self.kinds.isdisjoint(kinds)

    def touches(self, client_key: str | None) -> bool:
        """Whether the change may concern ``client_key``."""
        return bool(client_key) and (self.clients is None or client_key in self.clients)


class Bus(QObject):
    """The window's change notices: :meth:`publish` them, connect to :attr:`changed`."""

    changed = Signal(object)  # Change

    def publish(
        self,
        kinds: Iterable[str],
        clients: Iterable[str] | None = None,
        *,
        origin: object | None = None,
    ) -> Change:
        """Tell every listener that ``kinds`` changed for ``clients`` (None: any client)."""
        change = Change(
            kinds=frozenset(kinds),
            clients=None if clients is None else frozenset(clients),
            origin=origin,
        )
        unknown = change.kinds - KINDS
        if unknown:
            raise ValueError(f"unknown kind of change: {', '.join(sorted(unknown))}")
        self.changed.emit(change)
        return change


__all__ = ["KINDS", "Bus", "Change"]
