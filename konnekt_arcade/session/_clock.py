"""The session's shared clock as the game reads it: ``session.time()``.

The estimate itself is the sync engine's (``sync/_clock.py``: lobby time from the heartbeats,
NTP-style, slewed, continued by a successor host). This layer only puts it on the game's
side: it reads the same clock the sync engine is fed with (``P2PLoop.clock``), and it promises
the game what a countdown or an interpolation buffer needs — once synced, the value never
goes backwards, whatever happens below (a reconnect, a new host, a slew).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._p2p_loop import P2PLoop


class SessionClock:
    """``time()`` for one session. Own state: the last value handed out while synced."""

    def __init__(self, p2p: P2PLoop) -> None:
        self._p2p = p2p
        self._last = float("-inf")

    @property
    def synced(self) -> bool:
        """Whether ``time()`` is the lobby's time: the host always; a guest once its host's
        heartbeats or events reached it (within a second of joining)."""
        sync = self._p2p.sync
        return sync is not None and sync.clock.synced

    def time(self) -> float:
        """The lobby's time in seconds (see ``SessionLoop.time``); this machine's clock
        before the session is synced. Never decreases once synced."""
        p2p = self._p2p
        sync, now = p2p.sync, p2p.clock()
        if sync is None or not sync.clock.synced:
            return now
        t = sync.clock.lobby_time(now)
        if t < self._last:
            return self._last  # (the estimate below never steps back; this is the promise)
        self._last = t
        return t
