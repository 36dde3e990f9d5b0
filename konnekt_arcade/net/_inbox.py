"""Events on their way from the network thread to the game thread, and who is connected.

The mirror of ``_outbox``: the network thread ``put``s each event (a message spends its peer's
budget and takes a place in its peer's lane, see ``_fair``), the game thread ``drain``s them in
``poll()``. The set of connected peers is kept here too, under the same lock, so that
``connected_peers()`` and the events the game has seen never disagree for long.

No asyncio, no aiortc, no clock (``now`` is passed in).
"""

from __future__ import annotations

import logging
import threading

from ._fair import FairQueue, PeerBudget, admit
from .events import Message, PeerConnected, PeerDisconnected, TransportEvent


class Inbox:
    """A ``FairQueue`` of ``queue_size`` events per peer behind one lock, with the per-peer
    budget (``rate`` messages/s, ``burst``) checked before a message may queue. Drops are
    counted in ``stats`` (see ``_fair.admit``)."""

    def __init__(self, queue_size: int, rate: float, burst: float, stats: dict[str, int],
                 logger: logging.Logger) -> None:
        self._lock = threading.Lock()
        self._events: FairQueue[str, TransportEvent] = FairQueue(queue_size, "Incoming",
                                                                 logger)
        self._budget = PeerBudget(rate, burst)  # network thread only
        self._stats = stats
        self._connected: set[str] = set()
        self._closed = False

    def put(self, event: TransportEvent, now: float) -> None:
        """Network thread. Only messages are ever dropped: losing a connect/disconnect would
        corrupt the session. Once closed, nothing is queued any more."""
        with self._lock:
            if self._closed:
                return
            admit(self._events, self._budget, self._stats, event, now)
            if type(event) is Message:
                return
            if isinstance(event, PeerConnected):
                self._connected.add(event.peer_id)
            elif isinstance(event, PeerDisconnected):
                self._connected.discard(event.peer_id)

    def drain(self, max_items: int | None = None) -> list[TransportEvent]:
        """Game thread: up to ``max_items`` events, peers taking turns (``FairQueue.drain``)."""
        if not self._events:  # idle, without the lock: an event put meanwhile waits one poll
            return []
        with self._lock:
            return self._events.drain(max_items)

    def connected_peers(self) -> list[str]:
        with self._lock:
            return sorted(self._connected)

    def is_connected(self, peer: str) -> bool:
        with self._lock:
            return peer in self._connected

    def connected_count(self) -> int:
        """How many peers are connected (no lock: a set's length is read atomically)."""
        return len(self._connected)

    def close(self) -> None:
        """The transport closes: nothing more is delivered, nobody is connected any more."""
        with self._lock:
            self._closed = True
            self._events.clear()
            self._connected.clear()

    def dropped_by_peer(self) -> dict[str, int]:
        with self._lock:
            return dict(self._events.dropped_by)
