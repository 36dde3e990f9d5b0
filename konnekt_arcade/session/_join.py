"""Where a join's time goes: the stage timeline of one session's join (sans-I/O).

A guest's join passes through signalling (registered, peer id), the first link's steps
(``offer``, ``answer``, ``ice`` checks done, ``dtls`` handshake done, ``sctp`` association up,
``channel`` open), then ``synced`` (the host's snapshot applied) and ``welcome`` (the host
accepted our JoinLobby). The ``SessionLoop`` feeds this class the moments it learns of (the
link steps come from the network thread as ``LinkProgress`` events with their own time stamp);
nothing here reads a clock. The result is one INFO line per join and ``join:<stage>_ms`` in
``session.stats()``: milliseconds from the start of the join to the first time the stage was
reached, so a slow join on a lossy network shows which step took the seconds.
"""

from __future__ import annotations

from ..net import IdAssigned, LinkProgress, PeerConnected
from ..sync import LobbySynced, Welcomed

#: The stages in join order. Link stages are those of ``net.events.LINK_STAGES``.
STAGES = ("signalling", "offer", "answer", "ice", "dtls", "sctp", "channel", "synced",
          "welcome")


class JoinTimeline:
    """First time each stage was reached, relative to ``started``."""

    def __init__(self, started: float) -> None:
        self.started = started
        self.reached: dict[str, float] = {}
        #: Connection attempts (1 + retries with a fresh link).
        self.attempts = 1

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
            case PeerConnected() if "synced" not in self.reached:
                self.mark("channel", now)
            case LobbySynced():
                self.mark("synced", now)
            case Welcomed():
                self.mark("welcome", now)

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


__all__ = ["STAGES", "JoinTimeline"]
