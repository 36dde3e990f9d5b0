"""konnekt-arcade: peer-to-peer multiplayer lobbies for arcade games.

The public API lives here: what a game needs — the builder and the session, the arcade engine
pieces, the lobby types it touches, the notices and errors it handles, LAN and directory
entry points. Four subpackages are public too, each for one kind of user: ``domain`` (the whole
lobby model), ``sync`` (the sans-I/O engine, for your own transport), ``world`` (the entity
toolkit: ``from konnekt_arcade.world import Entity, field, HOST``) and ``testing`` (games' own
tests). ``session``, ``engine``, ``lan`` and ``net`` are the library's layers: their game-facing
names are re-exported here and the rest is theirs. Modules whose names start with ``_`` are
private. The design, and the rules for state (properties) and actions (methods): docs/api.md.

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
        SessionCallbacks,
        SessionHook,
        SpriteFollower,
        follow,
    )
    from .lan import LanBrowser, LanLobby, find_lan_lobbies
    from .net import SignallingServer
    from .net.directory import looks_like_code
    from .session import (
        ConnectionFailed,
        ConnectionStage,
        ConnectionTimeout,
        DirectoryUnavailable,
        DomainView,
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
    from .sync import (
        AccessDenied,
        HostChanged,
        HostLost,
        IncompatibleLobby,
        IncompatiblePeer,
        LobbySynced,
        SyncConfig,
        Welcomed,
    )

# The session layer pulls in aiortc; import it on first use so that the pure layers
# (``konnekt_arcade.domain``, ``konnekt_arcade.sync``) stay light to import.
_LAZY = {
    **dict.fromkeys(
        ("ConnectionFailed", "ConnectionStage", "ConnectionTimeout", "GameData", "IceServer",
         "InvalidSessionId", "P2PError", "P2PLoop", "P2PLoopBuilder", "P2PTimeout",
         "PeerIdTimeout", "ReconnectPolicy", "Reconnected", "Reconnecting", "SendFailed",
         "Serialization", "SessionId", "SessionLoop",
         "StageChanged", "SyncTimeout", "TransportNotice", "JoinRefused", "WrongPassword",
         "IncompatibleVersion", "DomainView",
         "SessionStats"), "session"),
    **dict.fromkeys(("Message", "Reply", "ReplyStatus", "Request"), "session"),
    **dict.fromkeys(("DirectoryUnavailable", "ListedLobby", "LobbyDirectory", "LobbyNotFound"),
                    "session"),
    **dict.fromkeys(("AccessDenied", "HostChanged", "HostLost", "IncompatibleLobby",
                     "IncompatiblePeer", "LobbySynced", "SyncConfig", "Welcomed"), "sync"),
    "SignallingServer": "net",
    "looks_like_code": "net.directory",
    **dict.fromkeys(("LanBrowser", "LanLobby", "find_lan_lobbies"), "lan"),
    **dict.fromkeys(("Activity", "ActivityContext", "ActivityRegistry", "LobbyTheme",
                     "LobbyView", "SessionCallbacks", "SessionHook", "SpriteFollower", "follow"),
                    "engine"),
}

#: Names that left the top level, importable from here for one release with a
#: ``DeprecationWarning``: name -> the public subpackage that has them now.
_MOVED = {"LobbySnapshot": "sync"}


def __getattr__(name: str) -> Any:
    import importlib

    module = _LAZY.get(name)
    if module is None and name in _MOVED:
        import warnings

        warnings.warn(f"konnekt_arcade.{name} moved to konnekt_arcade.{_MOVED[name]}; the old "
                      f"import goes in 0.3. Check: from konnekt_arcade.{_MOVED[name]} import "
                      f"{name}", DeprecationWarning, stacklevel=2)
        return getattr(importlib.import_module(f".{_MOVED[name]}", __name__), name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    # The lazy names too, so ``dir(konnekt_arcade)`` and editors list the whole public API.
    return sorted({*globals(), *__all__})


__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    "AccessDenied",
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
    "DomainView",
    "GameData",
    "HostChanged",
    "HostLost",
    "IceServer",
    "IncompatibleLobby",
    "IncompatiblePeer",
    "IncompatibleVersion",
    "InvalidSessionId",
    "JoinRefused",
    "LanBrowser",
    "LanLobby",
    "ListedLobby",
    "Lobby",
    "LobbyDirectory",
    "LobbyNotFound",
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
    "SessionCallbacks",
    "SessionHook",
    "SessionId",
    "SessionLoop",
    "SessionStats",
    "SignallingServer",
    "SpriteFollower",
    "StageChanged",
    "SyncConfig",
    "SyncTimeout",
    "TransportNotice",
    "Welcomed",
    "WrongPassword",
    "__version__",
    "find_lan_lobbies",
    "follow",
    "looks_like_code",
    "state_hash",
]
