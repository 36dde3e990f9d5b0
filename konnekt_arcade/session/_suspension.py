"""How a ``P2PLoop`` drops its transport while the session rejoins, and makes a new one.

A mixin of ``P2PLoop`` (it uses the loop's ``transport``, ``_suspended``, ``_rejoining`` and
``_last_heard``): the session's ``Reconnecting`` half decides when; this half only swaps the
transport, never blocking the game thread.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..net import Transport
    from ..sync import LobbySync


class TransportSuspension:
    """The transport-swapping half of ``P2PLoop``."""

    transport: Transport | None
    sync: LobbySync | None
    _suspended: bool
    _rejoining: bool
    _last_heard: dict[str, float]

    if TYPE_CHECKING:  # P2PLoop's (for the checker only: a runtime stub could shadow it)
        def connected_peers(self) -> list[str]: ...

    def heard_from_any(self, now: float, within: float,
                       peers: Iterable[str] | None = None) -> bool:
        """True if a connected peer connected or sent something in the last ``within`` s.
        ``peers``: the connected peers if the caller has just asked for them (each ask takes
        the transport's lock and sorts)."""
        last_heard = self._last_heard
        peers = self.connected_peers() if peers is None else peers
        return any(now - last_heard.get(p, float("-inf")) <= within for p in peers)

    def refresh_signalling(self) -> None:
        """Register again with signalling: links still connecting are dropped and the peers
        offer fresh ones (a stalled join's retry, see ``_join``)."""
        if self.transport is not None:
            self.transport.refresh_signalling()

    def suspend_transport(self) -> None:
        """Drop the transport (closed in the background, so this never blocks) and do not
        create another until ``resume_transport()``. The sync engine and its lobby stay."""
        old, self.transport = self.transport, None
        self._suspended = True
        self._rejoining = False
        self._last_heard.clear()
        if old is not None:
            old.close_nowait()  # a WebRTC close waits for its deadline: not on this thread

    def resume_transport(self) -> None:
        """Create a new transport (new signalling connection, new peer id) on the next poll;
        when it gets its id the sync engine rejoins under it with our reconnect token."""
        if self.transport is not None:
            self.suspend_transport()
        self._suspended = False
        self._rejoining = self.sync is not None

    @property
    def suspended(self) -> bool:
        return self._suspended
