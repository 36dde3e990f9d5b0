"""In-memory transports: same interface as ``WebRtcTransport``, synchronous and deterministic.

The sans-I/O layers (sync, session) and fault simulations need a network with no threads, no
clocks and no sockets: every effect happens during a method call and shows up at the receiver's
next ``poll()``, in order. Links can be cut with ``InMemoryNetwork.disconnect``.
"""

from __future__ import annotations

import collections
import itertools
import logging
import uuid

from .events import (
    CHANNELS,
    IdAssigned,
    Message,
    PeerConnected,
    PeerDisconnected,
    TransportEvent,
)

logger = logging.getLogger(__name__)


class InMemoryNetwork:
    """A hub of rooms. ``deterministic_ids`` gives ids like ``peer-1`` for readable tests."""

    def __init__(self, *, deterministic_ids: bool = True) -> None:
        self._deterministic_ids = deterministic_ids
        self._seq = itertools.count(1)
        self._transports: dict[str, InMemoryTransport] = {}
        self._links: set[frozenset[str]] = set()

    def create_transport(self, room: str = "", *, start: bool = True) -> InMemoryTransport:
        """Make a transport in ``room``; with ``start`` it joins immediately."""
        transport = InMemoryTransport(self, room)
        if start:
            transport.start()
        return transport

    def _new_id(self) -> str:
        return f"peer-{next(self._seq)}" if self._deterministic_ids else str(uuid.uuid4())

    def _join(self, transport: InMemoryTransport) -> str:
        peer_id = self._new_id()
        self._transports[peer_id] = transport
        transport._push(IdAssigned(peer_id))
        for other_id, other in self._transports.items():
            if other_id != peer_id and other.room == transport.room:
                self._links.add(frozenset((peer_id, other_id)))
                other._push(PeerConnected(peer_id))
                transport._push(PeerConnected(other_id))
        return peer_id

    def linked(self, a: str, b: str) -> bool:
        return frozenset((a, b)) in self._links

    def disconnect(self, a: str, b: str, reason: str = "disconnected") -> None:
        """Cut the link between two peers; both see ``PeerDisconnected``."""
        if frozenset((a, b)) not in self._links:
            return
        self._links.discard(frozenset((a, b)))
        for me, other in ((a, b), (b, a)):
            transport = self._transports.get(me)
            if transport is not None:
                transport._push(PeerDisconnected(other, reason))

    def _leave(self, peer_id: str) -> None:
        for link in [link for link in self._links if peer_id in link]:
            (other,) = link - {peer_id}
            self.disconnect(peer_id, other, "peer left")
        self._transports.pop(peer_id, None)

    def _deliver(self, sender: str, receiver: str, channel: int, data: bytes) -> bool:
        target = self._transports.get(receiver)
        if target is None or not self.linked(sender, receiver):
            return False
        target._push(Message(sender, channel, data))
        return True


class InMemoryTransport:
    """One peer on an ``InMemoryNetwork``; implements the ``Transport`` protocol."""

    def __init__(self, network: InMemoryNetwork, room: str, *, queue_size: int = 1024) -> None:
        self.network = network
        self.room = room
        self.queue_size = queue_size
        self.stats: dict[str, int] = {"dropped_incoming": 0, "dropped_outgoing": 0}
        self._local_peer_id: str | None = None
        self._events: collections.deque[TransportEvent] = collections.deque()
        self._closed = False

    @property
    def local_peer_id(self) -> str | None:
        return self._local_peer_id

    def start(self) -> None:
        if self._local_peer_id is None and not self._closed:
            self._local_peer_id = self.network._join(self)

    def poll(self, max_items: int | None = None) -> list[TransportEvent]:
        count = len(self._events) if max_items is None else min(max_items, len(self._events))
        return [self._events.popleft() for _ in range(count)]

    def send(self, peer_id: str, channel: int, data: bytes) -> None:
        if channel not in CHANNELS:
            raise ValueError(f"unknown channel {channel}")
        me = self._local_peer_id
        if self._closed or me is None or not self.network._deliver(me, peer_id, channel, data):
            self.stats["dropped_outgoing"] += 1

    def broadcast(self, channel: int, data: bytes) -> None:
        for peer_id in self.connected_peers():
            self.send(peer_id, channel, data)

    def connected_peers(self) -> list[str]:
        me = self._local_peer_id
        if me is None or self._closed:
            return []
        return sorted(other for link in self.network._links if me in link for other in link - {me})

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._local_peer_id is not None:
            self.network._leave(self._local_peer_id)

    def _push(self, event: TransportEvent) -> None:
        if isinstance(event, Message) and len(self._events) >= self.queue_size:
            self.stats["dropped_incoming"] += 1
            return
        self._events.append(bytes_copy(event))


def bytes_copy(event: TransportEvent) -> TransportEvent:
    """Messages carry immutable ``bytes`` so a sender reusing a bytearray can't alter them."""
    if isinstance(event, Message) and not isinstance(event.data, bytes):
        return Message(event.peer_id, event.channel, bytes(event.data))
    return event
