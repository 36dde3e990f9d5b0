"""``lobby_time``: the lobby's shared clock, read the same way by every engine part.

Runs start and end in lobby time (the host stamps ``started_at`` and ``deadline`` with it, and
every replica learns its offset from the host's heartbeats; see ``sync``), so a countdown is
``run.deadline - lobby_time(session)`` on every peer and shows the same remaining time
everywhere. A peer's own ``time.monotonic()`` starts anywhere: a countdown on it would be off
by the difference between two machines' boot times.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..session import SessionLoop


def lobby_time(session: SessionLoop) -> float:
    """The lobby's shared clock now, in seconds (the time ``run.deadline`` is in).

    ``session.time()`` when the session offers it (the shared session clock); otherwise the
    same value from its parts: the sync engine's lobby clock at the transport loop's clock
    (that clock itself on the peer that created the lobby, or before the sync engine exists).
    """
    shared = getattr(session, "time", None)
    if callable(shared):
        return float(shared())
    p2p = session.p2p()
    sync, now = p2p.sync, float(p2p.clock())
    return sync.clock.lobby_time(now) if sync is not None else now
