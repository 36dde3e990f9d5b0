"""The lobby directory served by ``konnekt-signal``: listing, join codes, owner updates.

See docs/directory.md for the HTTP API and the owner websocket.
"""

from ._codes import (
    ALPHABET,
    CODE_LENGTH,
    directory_base,
    looks_like_code,
    normalize_code,
    owner_socket_url,
)
from ._limits import HEARTBEAT_INTERVAL, DirectoryLimits, Rate
from ._model import DirectoryRequestError, ListedLobby, LobbyCard, LobbyFields, LobbyRecord
from ._service import DirectoryService, HttpReply
from ._store import CreateResult, DirectoryStore, MemoryStore

__all__ = [
    "ALPHABET",
    "CODE_LENGTH",
    "HEARTBEAT_INTERVAL",
    "CreateResult",
    "DirectoryLimits",
    "DirectoryRequestError",
    "DirectoryService",
    "DirectoryStore",
    "HttpReply",
    "ListedLobby",
    "LobbyCard",
    "LobbyFields",
    "LobbyRecord",
    "MemoryStore",
    "Rate",
    "directory_base",
    "looks_like_code",
    "normalize_code",
    "owner_socket_url",
]
