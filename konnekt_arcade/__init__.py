"""konnekt-arcade: peer-to-peer multiplayer lobbies for arcade games.

The public API lives here; submodules whose names start with ``_`` are private.

    from konnekt_arcade import P2PLoopBuilder, IceServer, SessionId, DomainCommand, DomainEvent
"""

from __future__ import annotations

import logging

from .domain import DomainCommand, DomainError, DomainEvent, Lobby, Participant, state_hash
from .session import (
    ConnectionFailed,
    ConnectionStage,
    ConnectionTimeout,
    GameData,
    IceServer,
    InvalidSessionId,
    P2PError,
    P2PLoop,
    P2PLoopBuilder,
    P2PTimeout,
    PeerIdTimeout,
    SendFailed,
    Serialization,
    SessionId,
    SessionLoop,
    StageChanged,
    SyncTimeout,
    TransportNotice,
)
from .sync import HostChanged, HostLost, LobbySnapshot, LobbySynced, Welcomed

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    "ConnectionFailed",
    "ConnectionStage",
    "ConnectionTimeout",
    "DomainCommand",
    "DomainError",
    "DomainEvent",
    "GameData",
    "HostChanged",
    "HostLost",
    "IceServer",
    "InvalidSessionId",
    "Lobby",
    "LobbySnapshot",
    "LobbySynced",
    "P2PError",
    "P2PLoop",
    "P2PLoopBuilder",
    "P2PTimeout",
    "Participant",
    "PeerIdTimeout",
    "SendFailed",
    "Serialization",
    "SessionId",
    "SessionLoop",
    "StageChanged",
    "SyncTimeout",
    "TransportNotice",
    "Welcomed",
    "__version__",
    "state_hash",
]
