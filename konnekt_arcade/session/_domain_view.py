"""``DomainView``: ``session.domain()``, the lobby side of a session.

It reads the session's domain-event queue and lobby through what it is given (a queue and a
callable), so it depends on neither the ``SessionLoop`` nor its privates.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..domain import Lobby, state_hash
from ._queues import DropOldestQueue

if TYPE_CHECKING:
    from ..domain import LobbyDomainEvent
    from ..domain._events import CommandFailed  # ``DomainEvent.CommandFailed``


class DomainView:
    """``session_loop.domain()``: the lobby side of the session."""

    def __init__(self, events: DropOldestQueue[Any], lobby: Callable[[], Lobby | None]) -> None:
        self._events = events
        self._lobby = lobby

    def drain_events(self) -> list[LobbyDomainEvent | CommandFailed]:
        """Domain events as applied here, plus ``CommandFailed`` for our rejected commands
        (local only: never replicated)."""
        return self._events.drain()

    def get_lobby(self) -> Lobby | None:
        return self._lobby()

    def state_hash(self) -> str:
        return state_hash(self._lobby())

    @property
    def dropped_events(self) -> int:
        """Domain events dropped because the queue was full (see the ``SessionLoop``'s
        queue policy)."""
        return self._events.dropped
