"""The mini-games, registered as activity types of the lobby."""

from __future__ import annotations

from konnekt_arcade import ActivityRegistry

from ..play import BALL, COINS, ECHO, LIVE_TYPES, TARGETS
from .ball import BallView
from .coins import CoinsView
from .echo import EchoView
from .targets import TargetsView

#: (activity type, name shown, view, description)
GAMES = (
    (ECHO, "Echo", EchoView, "Type the phrase fastest"),
    (TARGETS, "Targets", TargetsView, "Click the targets fastest"),
    (COINS, "Coins", CoinsView, "20 s coin scramble, live"),
    (BALL, "Bumper ball", BallView, "Two teams, one ball, live"),
)


def make_registry() -> ActivityRegistry:
    """The live games are host-scored: the host's game referees and submits every result
    (so nobody can claim a coin or a goal they did not get)."""
    registry = ActivityRegistry()
    for kind, name, view, description in GAMES:
        registry.register(kind, name, view, description=description,
                          scoring="host" if kind in LIVE_TYPES else "self")
    return registry


__all__ = ["GAMES", "BallView", "CoinsView", "EchoView", "TargetsView", "make_registry"]
