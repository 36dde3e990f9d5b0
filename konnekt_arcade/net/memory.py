"""In-memory transports: same interface as ``WebRtcTransport``, synchronous and deterministic.

The sans-I/O layers (sync, session) and fault simulations need a network with no threads, no
clocks and no sockets: every effect happens during a method call and shows up at the receiver's
next ``poll()``, in order. Links can be cut with ``InMemoryNetwork.disconnect``, and messages
lost on the wire with ``InMemoryNetwork.loss`` (the test hook for packet loss and stalls).

When a peer goes, each side learns what it would learn over WebRTC, in the same order, so a
game's test in memory predicts the real thing (tests/continuity runs the same scenarios on
both transports):

* ``close()`` (the player quit): the others see ``PeerDisconnected(reason="data channel
  closed")`` at once, after everything it sent before closing — the reason WebRTC gives when
  the far end closes its connection (the signalling server's "peer left" comes later and
  finds no link).
* ``InMemoryNetwork.crash(peer)`` (SIGKILL, a pulled plug): its links go silent, nothing
  more reaches or leaves it. With a separate signalling server the others see
  ``PeerDisconnected(reason="peer left")`` at once (the server saw its socket close); with
  ``signalling=True`` (the crashed process ran the built-in server) they see
  ``SignallingLost`` and the silent link stays listed until ``CONSENT_TIMEOUT`` s of the
  network's clock have passed (ICE consent), then ``PeerDisconnected("connection failed")``.

Signalling moving with the host (issue 23) is modelled as far as a session can see it: a new
host starts ``InMemoryNetwork.signalling_server()`` (what ``embedded_signalling`` does over
the wire), and a transport told to ``move_signalling`` there sees ``SignallingRestored`` with
the server's URL at its next poll; newcomers can join again while any server is up. Links are
not touched (in memory they never depended on the server).

What it leaves out of the ``Transport`` protocol, on purpose: ``refresh_signalling`` does
nothing and the first server never comes back, there is no ICE (``selected_candidate_pairs``
is empty) and closing is instant (``close_nowait`` is ``close``).
"""

from __future__ import annotations

import itertools
import logging
import time
import uuid
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from ._fair import PEER_MESSAGE_BURST, PEER_MESSAGE_RATE, FairQueue, PeerBudget, admit
from .events import (
    CHANNELS,
    IdAssigned,
    Message,
    PeerConnected,
    PeerDisconnected,
    SignallingLost,
    SignallingRestored,
    TransportError,
    TransportEvent,
)

if TYPE_CHECKING:
    from ._pair import SelectedPair

logger = logging.getLogger(__name__)

#: ``(sender, receiver, channel, data) -> True`` to lose that message on the wire.
LossRule = Callable[[str, str, int, bytes], bool]
#: Seconds a link to a crashed peer stays listed when no signalling server reports the loss:
#: aioice checks consent every 5 s and gives up after 6 failures.
CONSENT_TIMEOUT = 30.0
#: Why a link ends, as ``WebRtcTransport`` says it (see the module docstring).
CLOSED_BY_PEER = "data channel closed"
LEFT_SIGNALLING = "peer left"
CONSENT_FAILED = "connection failed"


class InMemoryNetwork:
    """A hub of rooms. ``deterministic_ids`` gives ids like ``peer-1`` for readable tests;
    ``clock`` is what the receivers' per-peer message budgets read (a fake clock makes them
    deterministic).

    ``loss`` (test hook, settable at any time): asked for every message between linked peers;
    when it returns True the message is lost on the wire, as a datagram can be: the sender is
    not told (nothing counted), the receiver never sees it. None (the default) loses nothing.
    ``delay`` (test hook, same signature): a message it returns True for is held until
    ``release_delayed()`` (one link slower than another, see there).
    """

    def __init__(self, *, deterministic_ids: bool = True,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._deterministic_ids = deterministic_ids
        self.clock = clock
        self._seq = itertools.count(1)
        self._transports: dict[str, InMemoryTransport] = {}
        self._links: set[frozenset[str]] = set()
        self.loss: LossRule | None = None
        self.delay: LossRule | None = None
        self._delayed: list[tuple[str, str, int, bytes]] = []
        #: Crashed peers whose silent links are not reported yet: peer -> when they crashed.
        self._dead: dict[str, float] = {}
        self._signalling_up = True
        #: Servers started since (``signalling_server``), by URL.
        self._servers: set[str] = set()
        self._server_seq = itertools.count(1)

    def signalling_server(self, lan: bool = True) -> MemorySignallingServer:
        """A built-in signalling server on this network (``P2PLoopBuilder.
        embedded_signalling(server=...)`` in tests): another room host newcomers can join
        through while it runs."""
        return MemorySignallingServer(self, next(self._server_seq))

    @property
    def signalling_up(self) -> bool:
        """Whether a newcomer can join now (some signalling server runs)."""
        return self._signalling_up or bool(self._servers)

    def create_transport(self, room: str = "", *, start: bool = True,
                         **options: float) -> InMemoryTransport:
        """Make a transport in ``room``; with ``start`` it joins immediately. ``options``:
        ``queue_size``, ``peer_rate``, ``peer_burst`` (as for ``WebRtcTransport``)."""
        transport = InMemoryTransport(self, room, **options)  # type: ignore[arg-type]
        if start:
            transport.start()
        return transport

    def _new_id(self) -> str:
        return f"peer-{next(self._seq)}" if self._deterministic_ids else str(uuid.uuid4())

    def _join(self, transport: InMemoryTransport) -> str | None:
        if not self.signalling_up:
            transport._push(TransportError("cannot connect to signalling server: it is gone",
                                           fatal=True))
            return None
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

    def relink(self, a: str, b: str) -> None:
        """Give back a link ``disconnect`` cut (a healed partition): both see
        ``PeerConnected``, as after WebRTC's re-registration and a new offer."""
        if a in self._dead or b in self._dead or self.linked(a, b):
            return
        ta, tb = self._transports.get(a), self._transports.get(b)
        if ta is None or tb is None:
            return
        self._links.add(frozenset((a, b)))
        ta._push(PeerConnected(b))
        tb._push(PeerConnected(a))

    def crash(self, peer_id: str, *, signalling: bool = False) -> None:
        """``peer_id``'s process dies without a word (see the module docstring);
        ``signalling``: it ran the signalling server, which dies with it."""
        transport = self._transports.get(peer_id)
        if transport is None or peer_id in self._dead:
            return
        transport._closed = True  # nothing more in or out
        if not signalling:
            self._leave(peer_id, LEFT_SIGNALLING)
            return
        self._dead[peer_id] = self.clock()
        self.stop_signalling()

    def stop_signalling(self, reason: str = "signalling connection closed") -> None:
        """The signalling server goes away: every live transport sees ``SignallingLost``;
        links stay, and no newcomer can join."""
        self._signalling_up = False
        self._servers.clear()
        for peer_id, transport in self._transports.items():
            if peer_id not in self._dead and not transport._closed:
                transport._push(SignallingLost(reason))

    def _expire_dead(self) -> None:
        """Report the silent links of crashed peers whose ICE consent has run out."""
        if self._dead:
            now = self.clock()
            for peer_id, at in list(self._dead.items()):
                if now - at >= CONSENT_TIMEOUT:
                    del self._dead[peer_id]
                    self._leave(peer_id, CONSENT_FAILED)

    def _leave(self, peer_id: str, reason: str = CLOSED_BY_PEER) -> None:
        for link in [link for link in self._links if peer_id in link]:
            (other,) = link - {peer_id}
            self.disconnect(peer_id, other, reason)
        self._transports.pop(peer_id, None)

    def _deliver(self, sender: str, receiver: str, channel: int, data: bytes) -> bool:
        target = self._transports.get(receiver)
        if target is None or not self.linked(sender, receiver):
            return False
        if receiver in self._dead:
            return True  # sent into a link whose far end died: nobody reads it
        if self.loss is not None and self.loss(sender, receiver, channel, data):
            return True  # sent, lost on the way
        if self.delay is not None and self.delay(sender, receiver, channel, data):
            self._delayed.append((sender, receiver, channel, data))
            return True  # on its way: arrives at ``release_delayed()``
        target._push(Message(sender, channel, data))
        return True

    def release_delayed(self) -> int:
        """Deliver what ``delay`` held, in the order it was sent (what a link cut or a peer
        that left meanwhile would have lost stays lost); returns how many arrived.

        Links are independent over WebRTC: a message from one peer may overtake an earlier
        one from another (a new host's first game data before the hand-over event from the
        old host reaches a third peer). Delivered at once, memory never shows that; ``delay``
        plus this is how a test shows it, deterministically."""
        held, self._delayed = self._delayed, []
        arrived = 0
        for sender, receiver, channel, data in held:
            target = self._transports.get(receiver)
            if target is not None and self.linked(sender, receiver) and receiver not in self._dead:
                target._push(Message(sender, channel, data))
                arrived += 1
        return arrived


class InMemoryTransport:
    """One peer on an ``InMemoryNetwork``; implements the ``Transport`` protocol, with the
    same incoming queue as ``WebRtcTransport``: a lane of ``queue_size`` per peer, drained
    round-robin, and a per-peer message budget checked before a message takes a place."""

    def __init__(self, network: InMemoryNetwork, room: str, *, queue_size: int = 1024,
                 peer_rate: float = PEER_MESSAGE_RATE,
                 peer_burst: float = PEER_MESSAGE_BURST) -> None:
        self.network = network
        self.room = room
        self.stats: dict[str, int] = {
            "dropped_incoming": 0, "dropped_incoming:rate_limited": 0,
            "dropped_incoming:queue_full": 0, "dropped_outgoing": 0}
        self._local_peer_id: str | None = None
        self._events: FairQueue[str, TransportEvent] = FairQueue(queue_size, "Incoming",
                                                                 logger)
        self._budget = PeerBudget(peer_rate, peer_burst)
        self._closed = False

    @property
    def queue_size(self) -> int:
        """Incoming events kept per peer (settable until the first event arrives)."""
        return self._events.per_key

    @queue_size.setter
    def queue_size(self, size: int) -> None:
        if size < 1:
            raise ValueError("queue size must be at least 1")
        self._events.per_key = size

    @property
    def local_peer_id(self) -> str | None:
        return self._local_peer_id

    def start(self) -> None:
        if self._local_peer_id is None and not self._closed:
            self._local_peer_id = self.network._join(self)

    def poll(self, max_items: int | None = None) -> list[TransportEvent]:
        """Each peer's events in order; peers take turns (see ``WebRtcTransport.poll``)."""
        self.network._expire_dead()
        return self._events.drain(max_items)

    def dropped_incoming_by_peer(self) -> dict[str, int]:
        """Incoming messages dropped so far (rate limit, full lane), by sending peer."""
        return dict(self._events.dropped_by)

    def selected_candidate_pairs(self, timeout: float = 1.0) -> dict[str, SelectedPair]:
        """Always {}: in-memory links use no ICE."""
        return {}

    def refresh_signalling(self) -> None:
        """Nothing to do: there is no signalling server, and a cut link stays cut until the
        test reconnects it (the network is the test's to control)."""

    def send(self, peer_id: str, channel: int, data: bytes) -> None:
        if channel not in CHANNELS:
            raise ValueError(f"unknown channel {channel}")
        me = self._local_peer_id
        if self._closed or me is None or not self.network._deliver(me, peer_id, channel, data):
            self.stats["dropped_outgoing"] += 1

    def send_many(self, peer_ids: Sequence[str], channel: int, data: bytes) -> None:
        for peer_id in peer_ids:
            self.send(peer_id, channel, data)

    def broadcast(self, channel: int, data: bytes) -> None:
        self.send_many(self.connected_peers(), channel, data)

    def connected_peers(self) -> list[str]:
        me = self._local_peer_id
        if me is None or self._closed:
            return []
        return sorted(other for link in self.network._links if me in link for other in link - {me})

    def move_signalling(self, port: int, urls: Sequence[str], via: str | None = None) -> None:
        """Register with the new host's server (see ``Transport``): ``SignallingRestored``
        with its URL if it runs; nothing if it does not (over the wire the transport keeps
        trying; here nothing more will come)."""
        me = self._local_peer_id
        if self._closed or me is None:
            return
        for url in urls:
            if url in self.network._servers:
                self._push(SignallingRestored(me, url))
                return

    def close_nowait(self) -> None:
        """Closing is instant in memory: the same as ``close``."""
        self.close()

    def close(self) -> None:
        """Leave the room: every linked peer sees ``PeerDisconnected`` with WebRTC's reason
        (``CLOSED_BY_PEER``), after what we sent before."""
        if self._closed:
            return
        self._closed = True
        if self._local_peer_id is not None and self._local_peer_id not in self.network._dead:
            self.network._leave(self._local_peer_id)

    def _push(self, event: TransportEvent) -> None:
        admit(self._events, self._budget, self.stats, bytes_copy(event), self.network.clock())


class MemorySignallingServer:
    """A signalling server on an ``InMemoryNetwork`` (see ``signalling_server``); the same
    ``start``/``stop``/``url``/``port`` as ``SignallingServer``."""

    def __init__(self, network: InMemoryNetwork, number: int) -> None:
        self.network = network
        self.port = number
        self.url = f"memory://signal-{number}"

    def start(self) -> MemorySignallingServer:
        self.network._servers.add(self.url)
        return self

    def stop(self, timeout: float = 0.0) -> None:
        self.network._servers.discard(self.url)


def bytes_copy(event: TransportEvent) -> TransportEvent:
    """Messages carry immutable ``bytes`` so a sender reusing a bytearray can't alter them."""
    if isinstance(event, Message) and not isinstance(event.data, bytes):
        return Message(event.peer_id, event.channel, bytes(event.data))
    return event
