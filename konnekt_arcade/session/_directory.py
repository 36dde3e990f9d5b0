"""``LobbyDirectory``: list open lobbies and resolve join codes on a ``konnekt-signal``.

Plain blocking HTTP GETs with a short timeout (``urllib``, no extra dependency): a browse
screen calls it from a worker (``LobbyView`` runs it on the network thread's executor), and a
guest joining by code pays one round trip before connecting.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass, fields
from typing import Any
from urllib.parse import quote, urlencode

from ..net.directory import directory_base, normalize_code
from ._errors import P2PError

logger = logging.getLogger(__name__)

#: Seconds one directory request may take; a directory slower than that is unusable in a menu.
DEFAULT_TIMEOUT = 5.0
#: Biggest answer read (100 lobbies of ~400 bytes each, plus headroom).
MAX_RESPONSE_BYTES = 256 * 1024


class LobbyNotFound(P2PError):
    """No lobby has that join code (mistyped, or the host closed it)."""

    def __init__(self, code: str) -> None:
        super().__init__(
            f"No lobby with join code {code!r}. Check: the code is typed right (letters and "
            "digits 2-9, no 0/O/1/I), and the host's lobby is still open")
        self.code = code


class DirectoryUnavailable(P2PError):
    """The lobby directory could not be reached or refused the request."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(
            f"Lobby directory at {url} unavailable: {reason}. Check: the server address, "
            "that it runs konnekt-signal with the directory, and your internet connection")
        self.url = url
        self.reason = reason


@dataclass(frozen=True)
class ListedLobby:
    """A lobby as the directory shows it. ``session_id``/``signalling_url`` are set by
    ``resolve`` (a listing shows how to find a lobby; resolving its code shows how to join)."""

    code: str
    name: str
    host_name: str
    players: int
    max_players: int
    has_password: bool
    game: str
    version: str
    session_id: str | None = None
    signalling_url: str | None = None
    created_at: float = 0.0
    updated_at: float = 0.0

    @property
    def has_slots(self) -> bool:
        return self.players < self.max_players

    @classmethod
    def from_json(cls, data: Any) -> ListedLobby:
        if not isinstance(data, dict):
            raise ValueError("lobby entry is not an object")
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


class LobbyDirectory:
    """``LobbyDirectory("wss://play.example.com").list(game="my-game", has_slots=True)``.

    ``url``: the signalling URL (ws/wss; the directory is on the same host and port) or the
    directory's own http(s) URL when it runs beside a ``matchbox_server``.
    """

    def __init__(self, url: str, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.url = url
        self.base = directory_base(url)
        self.timeout = timeout

    def list(self, game: str | None = None, has_slots: bool = False, limit: int = 50,
             version: str | None = None) -> list[ListedLobby]:
        """Public lobbies, newest first. Raises ``DirectoryUnavailable``."""
        query: dict[str, str | int] = {"limit": limit}
        if game is not None:
            query["game"] = game
        if version is not None:
            query["version"] = version
        if has_slots:
            query["has_slots"] = 1
        data = self._get(f"/lobbies?{urlencode(query)}")
        try:
            return [ListedLobby.from_json(x) for x in data["lobbies"]]
        except (KeyError, TypeError, ValueError) as exc:
            raise DirectoryUnavailable(self.base, f"unexpected answer ({exc})") from None

    def resolve(self, code: str) -> ListedLobby:
        """The lobby with join ``code`` (case-insensitive), with its session id and URL.

        Raises ``LobbyNotFound`` (unknown or malformed code) or ``DirectoryUnavailable``.
        """
        normal = normalize_code(code)
        if normal is None:
            raise LobbyNotFound(code)
        try:
            lobby = ListedLobby.from_json(self._get(f"/lobbies/{quote(normal)}"))
        except LobbyNotFound:
            raise LobbyNotFound(code) from None
        except (TypeError, ValueError) as exc:
            raise DirectoryUnavailable(self.base, f"unexpected answer ({exc})") from None
        if not lobby.session_id or not lobby.signalling_url:
            raise DirectoryUnavailable(self.base, "the answer lacks session_id/signalling_url")
        return lobby

    def _get(self, path: str) -> Any:
        url = self.base + path
        request = urllib.request.Request(url, headers={"Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                body = response.read(MAX_RESPONSE_BYTES + 1)
        except urllib.error.HTTPError as exc:
            if exc.code == 404 and path.startswith("/lobbies/"):
                raise LobbyNotFound(path.rsplit("/", 1)[-1]) from None
            if exc.code == 429:
                raise DirectoryUnavailable(self.base, "too many requests, wait a few "
                                           "seconds") from None
            raise DirectoryUnavailable(self.base, f"HTTP {exc.code}") from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            raise DirectoryUnavailable(self.base, str(reason)) from None
        if len(body) > MAX_RESPONSE_BYTES:
            raise DirectoryUnavailable(self.base, "answer too large")
        try:
            return json.loads(body)
        except ValueError:
            raise DirectoryUnavailable(self.base, "answer is not JSON") from None
