"""konnekt-arcade: peer-to-peer multiplayer lobbies for arcade games.

The public API lives here; submodules whose names start with ``_`` are private.

konnekt-arcade is the Python counterpart of the Rust library konnekt-session-p2p 0.4 (the
"seed" in older notes): it keeps that library's API shape — ``P2PLoopBuilder``,
``SessionLoop``, ``P2PLoop``, ``IceServer``, the ``DomainCommand`` / ``DomainEvent`` enums, the
stage timeouts, the default STUN list — so a reader of its documentation feels at home, and
makes every promise of that documentation work, including the ones the Rust original leaves
unimplemented (gap repair, automatic host migration, reconnection identity, authority checks,
activity state in snapshots). A docstring that says "konnekt-session-p2p's" or "the Rust
original's" means that library's.

    from konnekt_arcade import P2PLoopBuilder, IceServer, SessionId, DomainCommand, DomainEvent
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from .domain import DomainCommand, DomainError, DomainEvent, Lobby, Participant, state_hash

if TYPE_CHECKING:
    from .engine import (
        Activity,
        ActivityContext,
        ActivityRegistry,
        LobbyTheme,
        LobbyView,
        SessionHook,
    )
    from .lan import LanBrowser, LanLobby, find_lan_lobbies
    from .net import SignallingServer
    from .session import (
        ConnectionFailed,
        ConnectionStage,
        ConnectionTimeout,
        DirectoryUnavailable,
        GameData,
        IceServer,
        IncompatibleVersion,
        InvalidSessionId,
        JoinRefused,
        ListedLobby,
        LobbyDirectory,
        LobbyNotFound,
        Message,
        P2PError,
        P2PLoop,
        P2PLoopBuilder,
        P2PTimeout,
        PeerIdTimeout,
        Reconnected,
        Reconnecting,
        ReconnectPolicy,
        Reply,
        ReplyStatus,
        Request,
        SendFailed,
        Serialization,
        SessionId,
        SessionLoop,
        SessionStats,
        StageChanged,
        SyncTimeout,
        TransportNotice,
        WrongPassword,
    )
    from .sync import HostChanged, HostLost, LobbySnapshot, LobbySynced, SyncConfig, Welcomed

# The session layer pulls in aiortc; import it on first use so that the pure layers
# (``konnekt_arcade.domain``, ``konnekt_arcade.sync``) stay light to import.
_LAZY = {
    **dict.fromkeys(
        ("ConnectionFailed", "ConnectionStage", "ConnectionTimeout", "GameData", "IceServer",
         "InvalidSessionId", "P2PError", "P2PLoop", "P2PLoopBuilder", "P2PTimeout",
         "PeerIdTimeout", "ReconnectPolicy", "Reconnected", "Reconnecting", "SendFailed",
         "Serialization", "SessionId", "SessionLoop",
         "StageChanged", "SyncTimeout", "TransportNotice", "JoinRefused", "WrongPassword",
         "IncompatibleVersion",
         "SessionStats"), "session"),
    **dict.fromkeys(("Message", "Reply", "ReplyStatus", "Request"), "session"),
    **dict.fromkeys(("DirectoryUnavailable", "ListedLobby", "LobbyDirectory", "LobbyNotFound"),
                    "session"),
    **dict.fromkeys(("HostChanged", "HostLost", "LobbySnapshot", "LobbySynced", "SyncConfig",
                     "Welcomed"), "sync"),
    "SignallingServer": "net",
    **dict.fromkeys(("LanBrowser", "LanLobby", "find_lan_lobbies"), "lan"),
    **dict.fromkeys(("Activity", "ActivityContext", "ActivityRegistry", "LobbyTheme",
                     "LobbyView", "SessionHook"), "engine"),
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    # The lazy names too, so ``dir(konnekt_arcade)`` and editors list the whole public API.
    return sorted({*globals(), *__all__})


__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    "Activity",
    "ActivityContext",
    "ActivityRegistry",
    "ConnectionFailed",
    "ConnectionStage",
    "ConnectionTimeout",
    "DirectoryUnavailable",
    "DomainCommand",
    "DomainError",
    "DomainEvent",
    "GameData",
    "HostChanged",
    "HostLost",
    "IceServer",
    "IncompatibleVersion",
    "InvalidSessionId",
    "JoinRefused",
    "LanBrowser",
    "LanLobby",
    "ListedLobby",
    "Lobby",
    "LobbyDirectory",
    "LobbyNotFound",
    "LobbySnapshot",
    "LobbySynced",
    "LobbyTheme",
    "LobbyView",
    "Message",
    "P2PError",
    "P2PLoop",
    "P2PLoopBuilder",
    "P2PTimeout",
    "Participant",
    "PeerIdTimeout",
    "ReconnectPolicy",
    "Reconnected",
    "Reconnecting",
    "Reply",
    "ReplyStatus",
    "Request",
    "SendFailed",
    "Serialization",
    "SessionHook",
    "SessionId",
    "SessionLoop",
    "SessionStats",
    "SignallingServer",
    "StageChanged",
    "SyncConfig",
    "SyncTimeout",
    "TransportNotice",
    "Welcomed",
    "WrongPassword",
    "__version__",
    "find_lan_lobbies",
    "state_hash",
]
