"""The mini-games, registered as activity types of the lobby."""

from __future__ import annotations

from konnekt_arcade import ActivityRegistry

from ..play import COINS, ECHO, TARGETS
from .coins import CoinsView
from .echo import EchoView
from .targets import TargetsView

#: (activity type, name shown, view, time limit in ms for the host's StartNextRun)
GAMES = (
    (ECHO, "Echo", EchoView, "Type the phrase fastest"),
    (TARGETS, "Targets", TargetsView, "Click the targets fastest"),
    (COINS, "Coins", CoinsView, "20 s coin scramble, live"),
)


def make_registry() -> ActivityRegistry:
    registry = ActivityRegistry()
    for kind, name, view, description in GAMES:
        registry.register(kind, name, view, description=description)
    return registry


__all__ = ["GAMES", "CoinsView", "EchoView", "TargetsView", "make_registry"]
