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

``Announcers`` is that place: the session's announcers as one group, with the pacing and the
error guard. It knows the session only as an ``AnnouncedSession`` (what a factory may read), so
this module does not import the loop.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol, TypeVar

from ..domain import Lobby
from ._session_id import SessionId

logger = logging.getLogger("konnekt_arcade.session")
T = TypeVar("T")

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

    @classmethod
    def of(cls, lobby: Lobby | None, *, session_id: str, signalling_url: str,
           has_password: bool, is_host: bool, ready: bool) -> LobbyInfo:
        """The info for ``lobby`` (None before a guest has the snapshot: names empty)."""
        host = lobby.host if lobby is not None else None
        return cls(session_id=session_id, signalling_url=signalling_url,
                   lobby_name=lobby.name if lobby is not None else "",
                   host_name=host.name if host is not None else "",
                   players=len(lobby.participants) if lobby is not None else 0,
                   max_players=lobby.max_participants if lobby is not None else 0,
                   has_password=has_password, is_host=is_host, ready=ready)


class Announcer(Protocol):
    """One way of telling the world about the lobby. An announcer that hands out a join code
    (the directory's) has a ``join_code`` attribute, a str or None; ``session.join_code()``
    reports the first such str. One that may find it cannot announce the lobby usefully (LAN
    discovery, when the signalling server is unreachable from the LAN) has a ``problem``
    attribute, the reason for the player or None; ``session.announce_problem()`` reports it."""

    def update(self, info: LobbyInfo, now: float) -> None:
        """The lobby as it is now; cheap and non-blocking (see the module docstring)."""
        ...

    def close(self) -> None:
        """The session is closing: say goodbye (called once)."""
        ...


class AnnouncedSession(Protocol):
    """What an ``AnnouncerFactory`` may read of the session it announces (``SessionLoop``)."""

    session_id: SessionId
    signalling_url: str


#: Called once with the new session -> an Announcer.
AnnouncerFactory = Callable[[AnnouncedSession], Announcer]


class Announcers:
    """A session's announcers as one group: built at start, updated from ``poll()`` (at most
    every ``ANNOUNCE_INTERVAL`` s unless the info changed), closed once. A failing announcer
    is logged and reported to ``on_error`` (the session counts ``announce_errors``); it never
    breaks the session."""

    def __init__(self, factories: Iterable[AnnouncerFactory], session: AnnouncedSession,
                 on_error: Callable[[], None]) -> None:
        self._on_error = on_error
        self._last: tuple[LobbyInfo | None, float] = (None, float("-inf"))
        self._announcers: list[Announcer] = []
        for make in factories:
            announcer = self._guard(functools.partial(make, session),
                                    "could not start an announcer")
            if announcer is not None:
                self._announcers.append(announcer)

    def __bool__(self) -> bool:
        return bool(self._announcers)

    def __iter__(self) -> Iterator[Announcer]:
        return iter(list(self._announcers))

    def update(self, info: Callable[[], LobbyInfo], now: float) -> None:
        """Hand ``info()`` to every announcer if it changed or ``ANNOUNCE_INTERVAL`` passed
        (``info`` is a callable so a session without announcers computes nothing)."""
        if not self._announcers:
            return
        last, at = self._last
        current = info()
        if current == last and now - at < ANNOUNCE_INTERVAL:
            return
        self._last = (current, now)
        for announcer in self._announcers:
            self._guard(functools.partial(announcer.update, current, now),
                        "an announcer failed; the session goes on")

    def join_code(self) -> str | None:
        """The first join code an announcer hands out (see ``Announcer``), else None."""
        for announcer in self._announcers:
            code = getattr(announcer, "join_code", None)
            if isinstance(code, str):
                return code
        return None

    def problem(self) -> str | None:
        """The first announcer's ``problem`` (see ``Announcer``), else None."""
        for announcer in self._announcers:
            problem = getattr(announcer, "problem", None)
            if isinstance(problem, str):
                return problem
        return None

    def close(self) -> None:
        """Close every announcer once; later calls do nothing."""
        announcers, self._announcers = self._announcers, []
        for announcer in announcers:
            self._guard(announcer.close, "error while closing an announcer")

    def _guard(self, action: Callable[[], T], failure: str) -> T | None:
        """``action()``, or None when it raised (counted and logged)."""
        try:
            return action()
        except Exception:
            self._on_error()
            logger.exception(failure)
            return None
