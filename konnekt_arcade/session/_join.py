"""Where a join's time goes: the stage timeline of one session's join (sans-I/O).

A guest's join passes through signalling (registered, peer id), the first link's steps
(``offer``, ``answer``, ``ice`` checks done, ``dtls`` handshake done, ``sctp`` association up,
``channel`` open), then ``synced`` (the host's snapshot applied) and ``welcome`` (the host
accepted our JoinLobby). The ``SessionLoop`` feeds this class the moments it learns of (the
link steps come from the network thread as ``LinkProgress`` events with their own time stamp);
nothing here reads a clock. The result is one INFO line per join and ``join:<stage>_ms`` in
``session.stats``: milliseconds from the start of the join to the first time the stage was
reached, so a slow join on a lossy network shows which step took the seconds.

It also decides what a passed stage deadline means for a join (``on_deadline``). On a network
that drops 10-20% of its packets each step can cost seconds of retransmissions (DTLS flights
back off from 1 s, STUN checks from 0.5 s), so the contract's deadlines (konnekt-session-p2p's
connection 10 s and sync 10 s, see ``Timeouts``) are read as *no progress for that long*: a
link step inside the last ``budget`` seconds moves the deadline on. A connection attempt that
stalled after a link was tried is retried with a fresh link (the guest registers again with
signalling, so the host offers anew; links already open stay), up to ``CONNECT_ATTEMPTS`` in
all; an empty room (no link ever tried) fails at the first deadline as before.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from ..net import IdAssigned, LinkProgress, PeerConnected, TransportError
from ..sync import LobbySynced, Welcomed
from ._types import ConnectionStage, Timeouts

logger = logging.getLogger("konnekt_arcade.session")

#: Connection attempts of one join (the first and two retries with a fresh link). Each stalls
#: only after ``Timeouts.connection`` without a step, so three stay well inside what a player
#: waits for a lobby, and an unreachable host still fails in about half a minute.
CONNECT_ATTEMPTS = 3
#: The stages in join order. Link stages are those of ``net.events.LINK_STAGES``.
STAGES = ("signalling", "offer", "answer", "ice", "dtls", "sctp", "channel", "synced",
          "welcome")


class JoinTimeline:
    """First time each stage was reached, relative to ``started``."""

    def __init__(self, started: float, attempts: int = CONNECT_ATTEMPTS) -> None:
        self.started = started
        self.reached: dict[str, float] = {}
        #: Connection attempts so far (1 + retries with a fresh link), at most ``limit``.
        self.attempts = 1
        self.limit = attempts
        #: The latest link step of this attempt, and whether any link was tried in it.
        self.last_step: float | None = None
        self.tried_link = False

    def mark(self, stage: str, at: float) -> bool:
        """Note ``stage`` at ``at``; False (ignored) for an unknown stage or a repeat (a
        second link, a retry: the first time is the one that kept the player waiting)."""
        if stage not in STAGES or stage in self.reached:
            return False
        self.reached[stage] = max(at, self.started)
        return True

    def observe(self, event: object, now: float) -> None:
        """Note what ``event`` (a transport event, a sync notice) says about the join. Link
        steps count only until the lobby is synced: later ones are other players' links."""
        match event:
            case IdAssigned():
                self.mark("signalling", now)
            case LinkProgress(stage=stage, at=at) if "synced" not in self.reached:
                self.mark(stage, at)
                self.last_step = max(at, self.last_step or at)
                self.tried_link = True
            case TransportError(fatal=False) if "synced" not in self.reached:
                self.tried_link = True  # a link to a peer failed: someone is there
            case PeerConnected() if "synced" not in self.reached:
                self.mark("channel", now)
            case LobbySynced():
                self.mark("synced", now)
            case Welcomed():
                self.mark("welcome", now)

    def on_deadline(self, now: float, stage: ConnectionStage, timeouts: Timeouts,
                    relink: Callable[[], None]) -> float | None:
        """``stage``'s deadline passed at ``now``. Returns the new deadline (after calling
        ``relink`` to connect again with fresh links, when that is the decision), or None: the
        stage has failed (any stage but PEER_ID and CONNECTED; a join without a step in its
        stage's budget and no retry left).

        A link step within the budget (``timeouts.connection`` while no peer is connected,
        ``timeouts.sync`` while waiting for the snapshot) keeps the join going. An attempt that
        stalled after a link was tried is retried while attempts are left: also once
        connected, since the first link to open may be another guest's while the one to the
        host (which sends the snapshot) is the one that stalled. A retry closes only the links
        still connecting."""
        if stage is ConnectionStage.PEER_ID:
            budget = timeouts.connection
        elif stage is ConnectionStage.CONNECTED:
            budget = timeouts.sync
        else:
            return None
        if self.last_step is not None and self.last_step + budget > now:
            return self.last_step + budget
        if self.tried_link and self.attempts < self.limit:
            self.attempts += 1
            self.tried_link, self.last_step = False, None
            logger.warning("🔁 No connection progress for %g s; connecting again (attempt %d "
                           "of %d)", budget, self.attempts, self.limit)
            relink()
            return now + budget
        return None

    def ms(self, stage: str) -> int | None:
        """Milliseconds from the start to ``stage``, or None if not reached."""
        at = self.reached.get(stage)
        return None if at is None else round((at - self.started) * 1000)

    def stats(self) -> dict[str, int]:
        """``join:<stage>_ms`` for every stage reached, and ``join:attempts``."""
        out = {f"join:{s}_ms": ms for s in STAGES if (ms := self.ms(s)) is not None}
        out["join:attempts"] = self.attempts
        return out

    def line(self) -> str:
        """One log line: each reached stage with its time from the start and the step before
        it, e.g. ``signalling 0.05 s, offer 0.31 s (+0.26), ...``."""
        parts, before = [], 0
        for stage in STAGES:
            ms = self.ms(stage)
            if ms is None:
                continue
            parts.append(f"{stage} {ms / 1000:.2f} s (+{(ms - before) / 1000:.2f})")
            before = ms
        attempts = f"; {self.attempts} connection attempts" if self.attempts > 1 else ""
        return ", ".join(parts) + attempts


__all__ = ["CONNECT_ATTEMPTS", "STAGES", "JoinTimeline"]
