"""Sans-I/O lobby replication: wire messages, ordering, gap repair,
snapshots, authority, heartbeats and host election.

Nothing here touches sockets, threads or clocks; ``now`` is always passed in.
"""

from __future__ import annotations

from ._config import SyncConfig
from ._notices import AccessDenied, HostChanged, HostLost, LobbySynced, Welcomed
from ._sync import LobbySync
from ._wire import (
    END_OF_LOG,
    MAX_MESSAGE_SIZE,
    PROTOCOL_VERSION,
    Authenticate,
    AuthFailed,
    AuthRequired,
    Command,
    CommandAccepted,
    CommandRejected,
    Envelope,
    EventBroadcast,
    FullSyncResponse,
    Heartbeat,
    LobbyEvent,
    LobbySnapshot,
    MissingEventsResponse,
    Rejoin,
    RequestFullSync,
    RequestMissingEvents,
    Roster,
    RosterEntry,
    RosterUpdate,
    SyncMessage,
    Welcome,
    WireError,
    decode,
    encode,
    password_proof,
)

__all__ = [
    "END_OF_LOG",
    "MAX_MESSAGE_SIZE",
    "PROTOCOL_VERSION",
    "AccessDenied",
    "AuthFailed",
    "AuthRequired",
    "Authenticate",
    "Command",
    "CommandAccepted",
    "CommandRejected",
    "Envelope",
    "EventBroadcast",
    "FullSyncResponse",
    "Heartbeat",
    "HostChanged",
    "HostLost",
    "LobbyEvent",
    "LobbySnapshot",
    "LobbySync",
    "LobbySynced",
    "MissingEventsResponse",
    "Rejoin",
    "RequestFullSync",
    "RequestMissingEvents",
    "Roster",
    "RosterEntry",
    "RosterUpdate",
    "SyncConfig",
    "SyncMessage",
    "Welcome",
    "Welcomed",
    "WireError",
    "decode",
    "encode",
    "password_proof",
]
