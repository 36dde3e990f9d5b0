"""Directory requests for ``LobbyView`` (browse list, join by code), off the game thread.

``LobbyDirectory`` does blocking HTTP; a frame must never wait for it, so each request runs
in the network thread's executor and the view polls the future from ``on_update``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from ..net.loop_thread import get_network_thread
from ..session import ListedLobby, LobbyDirectory
from ._lan_list import version_note

logger = logging.getLogger("konnekt_arcade.engine")

T = TypeVar("T")

#: The browse list refreshes itself this often while shown (s): lobbies fill up and close
#: quickly at a party, and 0.2 requests/s is far inside the directory's read rate.
BROWSE_REFRESH = 5.0


def off_thread(fn: Callable[..., T], *args: Any) -> concurrent.futures.Future[T]:
    """Run blocking ``fn(*args)`` on the network thread's executor; poll the future."""
    return get_network_thread().submit(asyncio.to_thread(fn, *args))


class Browser:
    """The state of the "Browse lobbies" list: what was fetched, what is loading, errors."""

    def __init__(self) -> None:
        self.lobbies: list[ListedLobby] = []
        self.error: BaseException | None = None
        self.loaded = False
        self.url = ""
        self._future: concurrent.futures.Future[list[ListedLobby]] | None = None
        self._fetched_at = float("-inf")

    @staticmethod
    def note(lobby: ListedLobby) -> str | None:
        """Why ``lobby`` cannot be joined from this game (another protocol), or None."""
        return version_note(lobby.protocol)

    @property
    def loading(self) -> bool:
        return self._future is not None

    def refresh(self, url: str, game: str | None, now: float) -> None:
        """Start fetching the list (unless a fetch is already under way)."""
        if self._future is not None:
            return
        if url != self.url:
            self.lobbies, self.loaded, self.url = [], False, url
        self._fetched_at = now
        self._future = off_thread(LobbyDirectory(url).list, game)

    def poll(self, url: str, game: str | None, now: float) -> bool:
        """Collect a finished fetch, start the next when due; True when the list changed."""
        future = self._future
        if future is None:
            if now - self._fetched_at >= BROWSE_REFRESH:
                self.refresh(url, game, now)
            return False
        if not future.done():
            return False
        self._future = None
        try:
            self.lobbies, self.error = future.result(), None
        except Exception as exc:  # DirectoryUnavailable, or anything a broken server causes
            logger.info("could not list lobbies: %s", exc)
            self.error = exc
        self.loaded = True
        return True
