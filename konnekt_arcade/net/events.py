"""Transport events and the ``Transport`` protocol shared by every transport.

The game thread only ever sees these small immutable values (returned by ``poll()``), never
asyncio or aiortc objects, so the session layer can be written and tested against the in-memory
transport and run unchanged over WebRTC.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from ._pair import SelectedPair

#: Channel 0: ordered and reliable (lobby sync). Same id and label as matchbox_socket's channel 0.
CHANNEL_RELIABLE = 0
#: Channel 1: unordered, no retransmits (fast game data that is stale when late).
CHANNEL_UNRELIABLE = 1
CHANNELS = (CHANNEL_RELIABLE, CHANNEL_UNRELIABLE)


@dataclass(frozen=True, slots=True)
class IdAssigned:
    """The signalling server gave this transport its peer id (first event of a session)."""

    peer_id: str


@dataclass(frozen=True, slots=True)
class PeerConnected:
    """All data channels to ``peer_id`` are open; sends to it will now be delivered."""

    peer_id: str


@dataclass(frozen=True, slots=True)
class PeerDisconnected:
    """``peer_id`` is gone (left, failed, timed out). Emitted at most once per connection."""

    peer_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class Message:
    """Bytes received from ``peer_id`` on ``channel``."""

    peer_id: str
    channel: int
    data: bytes


@dataclass(frozen=True, slots=True)
class TransportError:
    """Something went wrong. ``fatal`` means the transport will not recover by itself;
    ``refused`` that the signalling server turned us away on purpose (a full room, too many
    rooms: its ``--max-peers-per-room`` / ``--max-rooms``), so retrying at once is pointless."""

    message: str
    fatal: bool
    refused: bool = False


@dataclass(frozen=True, slots=True)
class SignallingLost:
    """The signalling socket closed. Existing P2P links keep working; no new peers can join."""

    reason: str


@dataclass(frozen=True, slots=True)
class SignallingRestored:
    """The transport re-registered with the signalling server: new peers can join again.

    ``signalling_id`` is the id the server assigned this time; the transport's
    ``local_peer_id`` (and the id linked peers know us by) does not change. ``url``: the
    server's base URL when it is another server than before (``Transport.move_signalling``:
    signalling moved with the host), else ""."""

    signalling_id: str = ""
    url: str = ""


#: The steps of one WebRTC link, in the order a link reaches them (``LinkProgress.stage``).
LINK_STAGES = ("offer", "answer", "ice", "dtls", "sctp")


@dataclass(frozen=True, slots=True)
class LinkProgress:
    """A link to ``peer_id`` not yet connected took a step (one of ``LINK_STAGES``) at
    ``at`` (``time.monotonic()``): a join on a lossy network is slow but alive, and the join
    timeline says where its time went. ``PeerConnected`` is the last step."""

    peer_id: str
    stage: str
    at: float


TransportEvent = (
    IdAssigned
    | PeerConnected
    | PeerDisconnected
    | Message
    | TransportError
    | SignallingLost
    | SignallingRestored
    | LinkProgress
)


@runtime_checkable
class Transport(Protocol):
    """What the session layer needs from a transport. Every method is non-blocking, except
    ``close`` (bounded by the transport's close deadline) and ``selected_candidate_pairs``
    (bounded by its ``timeout``).

    The session layer talks to every transport through this protocol only, never through a
    concrete class: the in-memory twin (``InMemoryTransport``) must then behave like WebRTC for
    anything the session can observe, so a test written in memory means the same over the wire.
    """

    #: Counters of this transport (dropped messages, frames out, reconnects, ...); the session
    #: reports them as ``session.stats["transport:<name>"]``. Only the game thread reads it.
    stats: dict[str, int]

    @property
    def local_peer_id(self) -> str | None:
        """Our id in the room once the signalling server assigned it (``IdAssigned``); it
        stays the same across signalling reconnects."""
        ...

    def start(self) -> None:
        """Connect to signalling and join the room; events follow through ``poll()``."""
        ...

    def poll(self, max_items: int | None = None) -> list[TransportEvent]:
        """Take at most ``max_items`` pending events (all without a limit): each peer's in
        the order they arrived, the peers taking turns."""
        ...

    def send(self, peer_id: str, channel: int, data: bytes) -> None:
        """Hand ``data`` to ``peer_id`` on ``channel``; an unknown peer or a full queue drops
        and counts (``stats["dropped_outgoing"]``), never raises. Raises ValueError for an
        unknown channel (a bug in the caller)."""
        ...

    def send_many(self, peer_ids: Sequence[str], channel: int, data: bytes) -> None:
        """The same ``data`` to each of ``peer_ids``, in one hand-off (the host's broadcast of
        each lobby event: one ``send`` per peer was a lock and a queue entry each)."""
        ...

    def broadcast(self, channel: int, data: bytes) -> None:
        """``data`` to every connected peer."""
        ...

    def connected_peers(self) -> list[str]:
        """Ids of the peers whose channels are open now, sorted."""
        ...

    def dropped_incoming_by_peer(self) -> dict[str, int]:
        """Incoming messages dropped so far (rate limit, full lane), by sending peer: which
        peer floods us, for ``session.stats``."""
        ...

    def selected_candidate_pairs(self, timeout: float = 1.0) -> dict[str, SelectedPair]:
        """Diagnostics: per connected peer, the ICE candidate pair in use (tells a direct link
        from a TURN-relayed one). May wait up to ``timeout`` for the network thread, so not
        for every frame; {} for a transport without ICE (in memory) or when it times out."""
        ...

    def refresh_signalling(self) -> None:
        """Re-register with the signalling server now (same ``local_peer_id``), so every peer
        in the room offers a link to us again: for a peer that lost all its links to its own
        network while its signalling socket survived. Non-blocking; a no-op when closed, and
        for transports without signalling (in memory)."""
        ...

    def move_signalling(self, port: int, urls: Sequence[str], via: str | None = None) -> None:
        """Register with another signalling server, the one the lobby's new host runs (issue
        23: signalling moves with the host): ``urls`` are the base URLs it says it listens at,
        ``port`` its port, ``via`` the peer that runs it (its address as our link to it sees
        it is tried first: the LAN address the host named may not be the one we reach it at).
        Links stay; peers in the new room that we are linked to are recognised by their
        stable id (``signalling_client``'s SDP tag), so no link is made twice. Success is a
        ``SignallingRestored`` with ``url`` set. Non-blocking."""
        ...

    def close_nowait(self) -> None:
        """Start closing without blocking the caller (the session drops a transport to
        reconnect from the game thread, which must not wait for the close deadline). After
        it, the transport sends and delivers nothing more."""
        ...

    def close(self) -> None:
        """Close every link and leave the room; idempotent. Returns within the transport's
        close deadline."""
        ...
