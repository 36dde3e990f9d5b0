"""LAN discovery: friends on the same network see each other's lobbies without typing anything.

    P2PLoopBuilder().advertise_lan(game="my-game")       # a host announces its lobby
    find_lan_lobbies(timeout=1.5, game="my-game")        # -> [LanLobby, ...] (blocking)
    LanBrowser(game="my-game").poll()                    # the same, for a UI each frame

The protocol, its limits and what to do where it cannot work are in docs/lan.md.
"""

from ._advertiser import LanAdvertiser, lan_announcer_factory
from ._browser import LanBrowser, find_lan_lobbies
from ._interfaces import DISCOVERY_PORT, MULTICAST_GROUP
from ._registry import LanLobby
from ._sockets import ENV_SWITCH

__all__ = [
    "DISCOVERY_PORT",
    "ENV_SWITCH",
    "MULTICAST_GROUP",
    "LanAdvertiser",
    "LanBrowser",
    "LanLobby",
    "find_lan_lobbies",
    "lan_announcer_factory",
]
