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
from typing import Any
from urllib.parse import quote, urlencode

from ..net.directory import ListedLobby, directory_base, normalize_code
from ._errors import P2PError

logger = logging.getLogger(__name__)

#: ``ListedLobby`` is what ``LobbyDirectory`` returns, so it is published from here too.
__all__ = ["DEFAULT_TIMEOUT", "MAX_RESPONSE_BYTES", "DirectoryUnavailable", "ListedLobby",
           "LobbyDirectory", "LobbyNotFound"]

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


class LobbyDirectory:
    """``LobbyDirectory("wss://play.example.com").list(game="my-game", has_slots=True)``.

    ``url``: the signalling URL (ws/wss; the directory is on the same host and port) or the
    directory's own http(s) URL when it runs beside a ``matchbox_server``.
    """

    def __init__(self, url: str, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.url = url
        self.base = directory_base(url)
        self.timeout = timeout
        #: Rows of listings dropped because a field failed the directory's own checks.
        self.dropped_rows = 0

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
        rows = data.get("lobbies") if isinstance(data, dict) else None
        if not isinstance(rows, list):
            raise DirectoryUnavailable(self.base, "unexpected answer (no list of lobbies)")
        lobbies: list[ListedLobby] = []
        problem = ""
        for row in rows:
            try:
                lobbies.append(ListedLobby.from_json(row))
            except ValueError as exc:
                # One bad row (a broken or hostile directory) must not hide the others, nor
                # reach a game that prints names: dropped, counted, logged once per answer.
                self.dropped_rows += 1
                problem = str(exc)
        if len(lobbies) < len(rows):
            logger.warning("directory %s: dropped %d malformed lobby entries (%s)", self.base,
                           len(rows) - len(lobbies), problem)
        return lobbies

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
        if lobby.code != normal:
            raise DirectoryUnavailable(self.base, f"asked for {normal}, got {lobby.code}")
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
