"""A deterministic network of ``World`` s for tests: loss, jitter, reordering, joins, leaves.

Pure (no threads, no clock): ``step()`` advances simulated time by ``dt``, ticks every world
and delivers what is due. Unreliable messages may be lost (``loss``) and arrive out of order
(``jitter``); reliable ones arrive in order per link, never lost, as on an SCTP channel. The
host is the first peer that joined of those still here (the sync layer's choice stands in).
"""

from __future__ import annotations

import heapq
import random
from dataclasses import dataclass, field
from uuid import UUID

from konnekt_arcade.world import World, WorldConfig


@dataclass
class Peer:
    name: str
    participant: UUID
    world: World


@dataclass
class Net:
    seed: int = 0
    loss: float = 0.0
    latency: float = 0.02
    jitter: float = 0.0
    dt: float = 0.01
    config: WorldConfig = field(default_factory=WorldConfig)
    now: float = 0.0
    peers: dict[str, Peer] = field(default_factory=dict)
    host: str | None = None
    sent_unreliable: int = 0
    lost: int = 0

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self._queue: list[tuple[float, int, str, str, bytes]] = []
        self._order = 0
        self._reliable_at: dict[tuple[str, str], float] = {}
        self._names = 0

    def join(self, participant: UUID | None = None) -> Peer:
        """A new peer connects to everyone (same participant: a reconnect)."""
        self._names += 1
        name = f"P{self._names}"
        participant = participant or UUID(int=self.rng.getrandbits(128))
        world = World(self.config)
        world.set_local(participant)
        peer = Peer(name, participant, world)
        for other in self.peers.values():
            other.world.peer_joined(name, participant, self.now)
            world.peer_joined(other.name, other.participant, self.now)
        self.peers[name] = peer
        if self.host is None:
            self.host = name
        world.set_host(self.host, self.host == name, self.now)
        return peer

    def leave(self, name: str) -> None:
        """``name`` vanishes (its queued messages too); a new host if it was the host."""
        del self.peers[name]
        self._queue = [m for m in self._queue if name not in (m[2], m[3])]
        heapq.heapify(self._queue)
        for other in self.peers.values():
            other.world.peer_left(name, self.now)
        if self.host == name:
            self.host = next(iter(self.peers), None)
            for other in self.peers.values():
                other.world.set_host(self.host, other.name == self.host, self.now)

    def step(self, n: int = 1) -> None:
        for _ in range(n):
            self.now = round(self.now + self.dt, 9)
            for peer in list(self.peers.values()):
                peer.world.tick(self.now)
                for out in peer.world.data_to_send():
                    for to in out.peers:
                        self.carry(peer.name, to, out.reliable, out.data)
            while self._queue and self._queue[0][0] <= self.now:
                _, _, src, dst, data = heapq.heappop(self._queue)
                if dst in self.peers and src in self.peers:
                    self.peers[dst].world.receive(src, data, self.now)

    def carry(self, src: str, dst: str, reliable: bool, data: bytes) -> None:
        """Put one message on the wire from ``src`` to ``dst`` (lost or delayed as set)."""
        delay = self.latency + self.rng.uniform(-self.jitter, self.jitter)
        at = self.now + max(0.0, delay)
        if reliable:  # in order per link, after anything reliable sent before it
            at = max(at, self._reliable_at.get((src, dst), 0.0))
            self._reliable_at[(src, dst)] = at
        else:
            self.sent_unreliable += 1
            if self.rng.random() < self.loss:
                self.lost += 1
                return
        self._order += 1
        heapq.heappush(self._queue, (at, self._order, src, dst, data))

    def quiet(self, seconds: float = 1.0) -> None:
        """Run with no loss for ``seconds`` (the network quiets)."""
        loss, self.loss = self.loss, 0.0
        self.step(round(seconds / self.dt))
        self.loss = loss
