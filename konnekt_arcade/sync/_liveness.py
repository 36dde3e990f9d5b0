"""Who is alive: peers we can reach, peers we heard from lately, peers we gave up on.

Its own state and ``now`` passed in; the core asks it and acts on the answers (a lost host
starts an election, a lost guest a grace period).
"""

from __future__ import annotations


class Liveness:
    """``linked``: peers the transport says we can reach, whether or not they answer
    (heartbeats keep going to them so a healed partition is noticed). ``seen``: peers heard
    from recently, with when. ``lost``: peers given up on (timed out or disconnected) until
    they speak again; never also in ``seen``."""

    def __init__(self, local_peer: str) -> None:
        self.local_peer = local_peer
        self.linked: set[str] = set()
        self.seen: dict[str, float] = {}
        self.lost: set[str] = set()

    def heard(self, peer: str, now: float) -> None:
        """Hearing a peer is proof it is alive (and reachable)."""
        if peer == self.local_peer:
            return
        self.lost.discard(peer)
        self.seen[peer] = now
        self.linked.add(peer)

    def unlinked(self, peer: str) -> None:
        self.linked.discard(peer)

    def give_up(self, peer: str) -> bool:
        """Mark ``peer`` lost; False if it was lost already (nothing new to act on)."""
        if peer not in self.seen and peer in self.lost:
            return False
        self.seen.pop(peer, None)
        self.lost.add(peer)
        return True

    def expect(self, peer: str, now: float) -> None:
        """A peer we never heard from (a new host named by a hand-over) gets one heartbeat
        timeout to speak, like any peer, rather than be followed forever."""
        if peer != self.local_peer and peer not in self.seen and peer not in self.lost:
            self.seen[peer] = now

    def silent(self, now: float, timeout: float) -> list[str]:
        """Peers not heard from for longer than ``timeout``."""
        return [p for p, at in self.seen.items() if now - at > timeout]

    def is_live(self, peer: str) -> bool:
        return peer in self.seen

    def clear(self) -> None:
        self.linked.clear()
        self.seen.clear()
        self.lost.clear()
