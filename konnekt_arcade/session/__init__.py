"""``P2PLoopBuilder``, ``SessionLoop``, ``P2PLoop`` and friends: konnekt-session-p2p's API."""

from __future__ import annotations

from ._builder import P2PLoopBuilder, TransportFactory
from ._directory import DirectoryUnavailable, ListedLobby, LobbyDirectory, LobbyNotFound
from ._domain_view import DomainView
from ._errors import (
    ConnectionFailed,
    ConnectionTimeout,
    IncompatibleVersion,
    InvalidSessionId,
    JoinRefused,
    P2PError,
    P2PTimeout,
    PeerIdTimeout,
    SendFailed,
    Serialization,
    SyncTimeout,
    WrongPassword,
)
from ._framing import GAME_DATA_PREFIX, MAX_GAME_DATA, MAX_MESSAGE_DATA
from ._ice import DEFAULT_STUN_URLS, IceProbe, IceServer, clear_probe_cache, probe_url
from ._message_types import Message, Reply, ReplyStatus, Request
from ._p2p_loop import P2PLoop
from ._session_id import SessionId
from ._session_loop import SessionLoop
from ._types import (
    ConnectionStage,
    GameData,
    Reconnected,
    Reconnecting,
    ReconnectPolicy,
    SessionStats,
    StageChanged,
    Timeouts,
    TransportNotice,
)

__all__ = [
    "DEFAULT_STUN_URLS",
    "GAME_DATA_PREFIX",
    "MAX_GAME_DATA",
    "MAX_MESSAGE_DATA",
    "ConnectionFailed",
    "ConnectionStage",
    "ConnectionTimeout",
    "DirectoryUnavailable",
    "DomainView",
    "GameData",
    "IceProbe",
    "IceServer",
    "IncompatibleVersion",
    "InvalidSessionId",
    "JoinRefused",
    "ListedLobby",
    "LobbyDirectory",
    "LobbyNotFound",
    "Message",
    "P2PError",
    "P2PLoop",
    "P2PLoopBuilder",
    "P2PTimeout",
    "PeerIdTimeout",
    "ReconnectPolicy",
    "Reconnected",
    "Reconnecting",
    "Reply",
    "ReplyStatus",
    "Request",
    "SendFailed",
    "Serialization",
    "SessionId",
    "SessionLoop",
    "SessionStats",
    "StageChanged",
    "SyncTimeout",
    "Timeouts",
    "TransportFactory",
    "TransportNotice",
    "WrongPassword",
    "clear_probe_cache",
    "probe_url",
]
