"""Announcers: things that tell the world about a hosted lobby (LAN discovery, the directory).

A builder option (``advertise_lan()``, ``publish()``) adds an ``AnnouncerFactory``; the
``SessionLoop`` builds one announcer per factory when it starts and keeps it current from
``poll()`` on the game thread. ``update`` is called at most every ``ANNOUNCE_INTERVAL`` seconds
and at once when what it would say changes, so it must be cheap and never block: real work
(sockets, HTTP) belongs on the network thread. ``close`` is called once, from
``SessionLoop.close()``. Exceptions from either are logged and counted, never raised out of
``poll()``: a broken advertisement must not break the game.

Why one hook for both: LAN discovery and the directory need the same facts at the same moments
(started, players changed, host changed, closed), and one place computes them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ._session_loop import SessionLoop

#: How often an unchanged ``LobbyInfo`` is handed to the announcers again (they decide
#: themselves how often to re-send; this only bounds the work done per frame).
ANNOUNCE_INTERVAL = 1.0


@dataclass(frozen=True)
class LobbyInfo:
    """What an announcer may say about the lobby, as the local peer sees it right now."""

    session_id: str
    signalling_url: str
    lobby_name: str
    host_name: str
    players: int
    max_players: int
    has_password: bool
    #: True while this peer is the lobby's host (after a migration another peer may be).
    is_host: bool
    #: True once the lobby is live (host: lobby created; guest: snapshot applied).
    ready: bool


class Announcer(Protocol):
    def update(self, info: LobbyInfo, now: float) -> None: ...

    def close(self) -> None: ...


#: Called once with the new session (its id, URL and stats are readable) -> an Announcer.
AnnouncerFactory = Callable[["SessionLoop"], Announcer]
