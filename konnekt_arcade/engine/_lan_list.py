"""The start screen's "Lobbies on your network": a ``LanBrowser`` opened while the start screen
shows and read a couple of times a second (the list changes at most every announce).

A lobby whose host speaks another lobby protocol is listed with why it cannot be joined
(``version_note``) instead of a Join that would fail: the same for the directory's list.
"""

from __future__ import annotations

import logging
import re
import time
from typing import TYPE_CHECKING, Any

from ..sync import _wire

if TYPE_CHECKING:
    from ..lan import LanBrowser, LanLobby

logger = logging.getLogger("konnekt_arcade.engine")

#: How often the list is read (hosts announce every 1.5 s; a reply to our query comes at once).
LAN_POLL_INTERVAL = 0.5


def lan_game_id(title: str) -> str:
    """A LAN game id from a title: "Konnekt Party!" -> "Konnekt-Party"."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", title).strip("-")[:64] or "konnekt-arcade"


def version_note(protocol: int) -> str | None:
    """None when a lobby of lobby protocol ``protocol`` can be joined from this game; else
    what a list shows in place of Join (whose side has to update)."""
    ours = _wire.PROTOCOL_VERSION
    if protocol == ours:
        return None
    return "needs a newer version" if protocol > ours else "host has an older version"


def _key(lobbies: list[LanLobby]) -> list[tuple[Any, ...]]:
    return [(x.host_id, x.name, x.host_name, x.players, x.max_players, x.has_password,
             x.protocol) for x in lobbies]


class LanList:
    """``lobbies`` as last read; ``update()`` says whether what a player sees changed."""

    def __init__(self, game: str, enabled: bool) -> None:
        self.game = game
        self.enabled = enabled
        self.lobbies: list[LanLobby] = []
        self.browser: LanBrowser | None = None
        self._polled = float("-inf")

    def running(self, on: bool) -> None:
        """Open the browser (if enabled) or close it; idempotent."""
        if on and self.enabled and self.browser is None:
            from ..lan import LanBrowser

            try:
                self.browser = LanBrowser(game=self.game)
            except (OSError, ValueError) as exc:
                logger.warning("no LAN list: %s", exc)
                self.enabled = False
        elif not on and self.browser is not None:
            self.browser.close()
            self.browser, self.lobbies = None, []

    @staticmethod
    def note(lobby: LanLobby) -> str | None:
        """Why ``lobby`` cannot be joined from this game (another protocol), or None."""
        return version_note(lobby.protocol)

    def update(self) -> bool:
        now = time.monotonic()
        if self.browser is None or now - self._polled < LAN_POLL_INTERVAL:
            return False
        self._polled = now
        found = self.browser.poll()
        changed = _key(found) != _key(self.lobbies)
        self.lobbies = found
        return changed

    def close(self) -> None:
        self.enabled = False
        self.running(False)
