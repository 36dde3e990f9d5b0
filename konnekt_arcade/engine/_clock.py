"""``lobby_time``: the lobby's shared clock, read the same way by every engine part.

Runs start and end in lobby time (the host stamps ``started_at`` and ``deadline`` with it, and
every replica learns its offset from the host's live events; see ``sync``), so a countdown is
``run.deadline - lobby_time(session)`` on every peer and shows the same remaining time
everywhere. A peer's own ``time.monotonic()`` starts anywhere: a countdown on it would be off
by the difference between two machines' boot times.
"""

from __future__ import annotations

from typing import Any


def lobby_time(session: Any) -> float:
    """The lobby's shared clock now, in seconds (the time ``run.deadline`` is in).

    ``session.time()`` when the session offers it (the shared session clock); otherwise the
    same value from its parts: the transport loop's clock plus the lobby offset its replica
    measured (0 on the peer that created the lobby).
    """
    shared = getattr(session, "time", None)
    if callable(shared):
        return float(shared())
    p2p = session.p2p()
    sync = p2p.sync
    return float(p2p.clock()) + (sync.replica.lobby_offset if sync is not None else 0.0)
