"""The small value types a ``SessionLoop`` hands out: its stage, its notices, its policies and
its counters. Kept apart from the loop itself so the loop's module stays about the loop."""

from __future__ import annotations

import enum
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from uuid import UUID

from ..sync import (
    AccessDenied,
    HostChanged,
    HostLost,
    IncompatibleLobby,
    IncompatiblePeer,
    LobbySynced,
    Welcomed,
)
from ._errors import ConnectionTimeout, P2PError, PeerIdTimeout, SyncTimeout


class SessionStats(dict[str, int]):
    """``session.stats``: a snapshot of the counters (a missing key reads 0).

    Totals ``received``, ``dropped`` and ``rejected`` (lobby messages from peers), then by
    reason: ``sync:dropped:<reason>`` (e.g. ``too_large``, ``malformed``, ``bad_version``,
    ``rate_limited``, ``not_from_host``, ``duplicate``), ``sync:rejected:<kind>`` (a command
    type, ``password``, ``rate_limited``, ``host_claim``), ``transport:*`` and this session's
    own queues (``dropped:domain_events``, ``dropped:messages``, ...), game data and messages
    that had nobody to go to (``dropped:game_data_not_connected``, ``dropped:message_<why>``:
    ``no_host``, ``not_connected``, ``malformed``, ``reply_not_from_host``, ...). Per peer:
    ``transport:dropped_incoming_from:<peer>`` (over that peer's message budget or its
    incoming lane full; reasons in ``transport:dropped_incoming:rate_limited`` /
    ``:queue_full``) and ``dropped:game_data_from:<peer>``. Reading it is cheap; nothing resets it.
    """

    @classmethod
    def collect(cls, own: Mapping[str, int], sync: Mapping[str, int] | None,
                transport: Mapping[str, int] | None, transport_drops_by: Mapping[str, int],
                game_data_drops_by: Mapping[str, int], **dropped: int) -> SessionStats:
        """The snapshot from each layer's counters: ``own`` (the P2P loop's) as they are,
        ``sync:*`` and its three totals, ``transport:*`` and the per-peer drops, then
        ``dropped:<queue>`` for each of ``dropped``."""
        out = cls(own)
        if sync is not None:
            out.update({f"sync:{k}": v for k, v in sync.items()})
            for total in ("received", "dropped", "rejected"):
                out[total] = sync.get(total, 0)
        if transport is not None:
            out.update({f"transport:{k}": v for k, v in transport.items()})
        out.update({f"transport:dropped_incoming_from:{p}": n
                    for p, n in transport_drops_by.items()})
        out.update({f"dropped:{k}": v for k, v in dropped.items()})
        out.update({f"dropped:game_data_from:{p}": n for p, n in game_data_drops_by.items()})
        return out

    def __call__(self) -> SessionStats:
        """``session.stats()``, the 0.1 spelling: ``stats`` is a property (a cheap read, as
        every layer's ``.stats`` is); calling it still works, and warns, until 0.3."""
        warnings.warn("session.stats() is deprecated: stats is a property now. Check: read "
                      "session.stats[...] (drop the parentheses)", DeprecationWarning,
                      stacklevel=2)
        return self

    def __missing__(self, key: str) -> int:
        return 0


class ConnectionStage(enum.StrEnum):
    """Where a session is on its way up (a UI shows this while it waits)."""

    SIGNALLING = "signalling"  # probing ICE servers, connecting to the signalling server
    PEER_ID = "peer_id"  # peer id assigned; a guest now waits for a peer connection
    CONNECTED = "connected"  # a guest has a peer connection and waits for the snapshot
    SYNCED = "synced"  # the lobby is here (a host is synced as soon as it has a peer id)
    RECONNECTING = "reconnecting"  # a synced guest lost the mesh and is rejoining by itself
    FAILED = "failed"  # see ``SessionLoop.error``; the transport is closed
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class StageChanged:
    """Notice: the connection stage changed (``error`` is set when it is FAILED)."""

    stage: ConnectionStage
    error: P2PError | None = None


@dataclass(frozen=True, slots=True)
class TransportNotice:
    """Notice: something the transport reported (lost signalling, a peer that failed)."""

    kind: str
    message: str


@dataclass(frozen=True, slots=True)
class Reconnecting:
    """Notice: we lost the lobby's peers (``reason``) and will try to rejoin; attempt
    ``attempt`` starts in ``delay`` seconds. The lobby state stays readable meanwhile."""

    attempt: int
    delay: float
    reason: str


@dataclass(frozen=True, slots=True)
class Reconnected:
    """Notice: the host's snapshot arrived again after ``attempts`` attempts and
    ``seconds`` seconds; a ``Welcomed(rejoined=True)`` follows when our token is accepted."""

    attempts: int
    seconds: float


@dataclass(frozen=True)
class ReconnectPolicy:
    """How a synced guest comes back after losing every peer.

    It notices when no peer is connected, or when no connected peer said anything for
    ``silence`` seconds (below the sync heartbeat timeout, so it acts before the engine would
    elect itself host of an empty mesh). It then opens a new transport (new signalling
    connection, new peer id) after ``backoff[0]`` s, then ``backoff[1]`` s, ... (the last value
    repeats), and rejoins with its reconnect token. It gives up with ``ConnectionFailed`` when
    ``give_up_after`` seconds (default: the lobby's grace period) have passed.
    """

    enabled: bool = True
    backoff: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0)
    silence: float = 2.0
    give_up_after: float | None = None


@dataclass(frozen=True)
class Timeouts:
    """konnekt-session-p2p's stage timeouts (seconds); each starts when the previous stage ends.

    ``peer_id``: signalling must assign us an id. ``connection`` and ``sync`` (a guest's
    join) mean *no progress for that long*: each step of the link moves them on, and a stalled
    connection attempt is retried with a fresh link (``_join``), so a join on a lossy network
    that keeps moving is not failed at the first deadline."""

    peer_id: float = 5.0
    connection: float = 10.0
    sync: float = 10.0

    def error_for(self, stage: ConnectionStage, url: str, session: str,
                  detail: str = "") -> P2PError:
        """The error for a session whose ``stage`` timed out (``detail``: the last peer
        error, which tells a player more than "timeout" when no peer connected)."""
        if stage is ConnectionStage.SIGNALLING:
            return PeerIdTimeout(url, self.peer_id)
        if stage is ConnectionStage.PEER_ID:
            return ConnectionTimeout(session, self.connection, detail)
        return SyncTimeout(session, self.sync)


@dataclass(frozen=True, slots=True)
class GameData:
    """Game data received from ``peer_id`` (not sequenced; for positions and the like).

    ``participant_id`` is the lobby participant behind that peer (None before it joined), so a
    game can key positions by player rather than by connection: a reconnecting player gets a
    new peer id but keeps its participant id.
    """

    peer_id: str
    data: bytes
    reliable: bool
    participant_id: UUID | None = None


#: The sync engine's notices: the session routes these to the notice queue (and its join
#: timeline), every other sync event to the domain-event queue.
SyncNotice = (LobbySynced | Welcomed | HostChanged | HostLost | AccessDenied | IncompatibleLobby
              | IncompatiblePeer)

#: What ``SessionLoop.drain_notices()`` hands out (``SessionHook`` turns each into its
#: callback): the session's own notices and the sync engine's (mypy checks the session
#: queues nothing else).
SessionNotice = StageChanged | TransportNotice | Reconnecting | Reconnected | SyncNotice
