"""The window's one change notice (views/bus.py) and how a tab hears it."""

from __future__ import annotations

from typing import Unpack

import pytest
from pytestqt.qtbot import QtBot

from csconsole.cache import Cache
from csconsole.catalog import Catalog
from csconsole.views.bus import Bus, Change
from csconsole.views.tab import Tab, TabServices
from csconsole.views.tasks import TaskRunner


class Listener(Tab):
    def __init__(self, **services: Unpack[TabServices]) -> None:
        super().__init__(**services)
        self.heard: list[Change] = []

    def on_change(self, change: Change) -> None:
        self.heard.append(change)


@pytest.mark.parametrize(
    ("kinds", "clients", "client", "touches"),
    [
        ({"data"}, None, "CL-001", True),  # any client
        ({"data"}, {"CL-001"}, "CL-001", True),
        ({"alerts"}, {"CL-002"}, "CL-001", False),
        ({"alerts"}, set(), "CL-001", False),  # counts changed, no client's figures
        ({"data"}, None, None, False),  # no client shown
    ],
)
def test_a_change_says_which_clients_it_touches(
    qtbot: QtBot, kinds: set[str], clients: set[str] | None, client: str | None, touches: bool
) -> None:
    bus = Bus()
    with qtbot.waitSignal(bus.changed) as published:
        change = bus.publish(kinds, clients)
    assert published.args == [change]
    assert change.touches(client) is touches
    assert change.about(*kinds) and not change.about("reviews")


def test_an_unknown_kind_is_a_bug() -> None:
    with pytest.raises(ValueError, match="unknown kind of change: figures"):
        Bus().publish({"figures"})


def test_tabs_hear_each_other_but_not_themselves(
    qtbot: QtBot, cache: Cache, catalog: Catalog
) -> None:
    bus, runner = Bus(), TaskRunner()
    one = Listener(cache=cache, catalog=catalog, runner=runner, bus=bus)
    two = Listener(cache=cache, catalog=catalog, runner=runner, bus=bus)
    alone = Listener(cache=cache, catalog=catalog, runner=runner)  # a bus of its own
    for tab in (one, two, alone):
        qtbot.addWidget(tab)
    change = one.publish({"opportunities"}, {"CL-001"})
    assert change.origin is one
    assert (one.heard, two.heard, alone.heard) == ([], [change], [])
    bus.publish({"settings"})
    assert [c.kinds for c in one.heard] == [{"settings"}] and len(two.heard) == 2
    assert runner.shutdown()
