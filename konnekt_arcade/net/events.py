"""Transport events and the ``Transport`` protocol shared by every transport.

The game thread only ever sees these small immutable values (returned by ``poll()``), never
asyncio or aiortc objects, so the session layer can be written and tested against the in-memory
transport and run unchanged over WebRTC.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

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
    ``local_peer_id`` (and the id linked peers know us by) does not change."""

    signalling_id: str = ""


TransportEvent = (
    IdAssigned
    | PeerConnected
    | PeerDisconnected
    | Message
    | TransportError
    | SignallingLost
    | SignallingRestored
)


@runtime_checkable
class Transport(Protocol):
    """What the session layer needs from a transport. Every method is non-blocking."""

    @property
    def local_peer_id(self) -> str | None: ...

    def start(self) -> None: ...

    def poll(self, max_items: int | None = None) -> list[TransportEvent]: ...

    def send(self, peer_id: str, channel: int, data: bytes) -> None: ...

    def send_many(self, peer_ids: Sequence[str], channel: int, data: bytes) -> None:
        """The same ``data`` to each of ``peer_ids``, in one hand-off (the host's broadcast of
        each lobby event: one ``send`` per peer was a lock and a queue entry each)."""
        ...

    def broadcast(self, channel: int, data: bytes) -> None: ...

    def connected_peers(self) -> list[str]: ...

    def close(self) -> None: ...
