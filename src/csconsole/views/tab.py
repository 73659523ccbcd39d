"""What every tab of the main window shares: the cache and catalog it shows, the window's
background runner, the day it runs as of, and the window's change notices."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import NotRequired, TypedDict, Unpack

from PySide6.QtWidgets import QWidget

from csconsole.cache import Cache
from csconsole.catalog import Catalog
from csconsole.views.bus import Bus, Change
from csconsole.views.tasks import TaskRunner


class TabServices(TypedDict):
    """A tab's constructor arguments, the same for every tab."""

    cache: Cache
    catalog: Catalog
    runner: TaskRunner
    #: The day the console runs as of (tests and demos pin it); None: today.
    today: NotRequired[date | None]
    #: The window's change notices; a tab made alone has a bus of its own.
    bus: NotRequired[Bus | None]
    parent: NotRequired[QWidget | None]


class Tab(QWidget):
    """A tab: it publishes its own edits with :meth:`publish` and hears everyone else's in
    :meth:`on_change` (never its own), where it decides what to reload."""

    def __init__(self, **services: Unpack[TabServices]) -> None:
        super().__init__(services.get("parent"))
        self.cache = services["cache"]
        self.catalog = services["catalog"]
        self.runner = services["runner"]
        self.today = services.get("today")
        self.bus = services.get("bus") or Bus(self)
        self.bus.changed.connect(self._heard)

    def _heard(self, change: Change) -> None:
        if change.origin is not self:
            self.on_change(change)

    def on_change(self, change: Change) -> None:
        """Something changed elsewhere: reload what of it this tab shows (nothing here)."""

    def publish(self, kinds: Iterable[str], clients: Iterable[str] | None = None) -> Change:
        """Tell the window and the other tabs what this tab's edit changed."""
        return self.bus.publish(kinds, clients, origin=self)


__all__ = ["Tab", "TabServices"]
