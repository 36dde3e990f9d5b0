"""A deterministic, seeded in-memory network for driving LobbySync objects.

It can delay, reorder, drop and duplicate messages, partition and kill
peers, all against a fake clock. Real data channels are reliable and
ordered; the simulator is deliberately harsher so the protocol's repair
paths (gap requests, full syncs, elections) are exercised.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from konnekt_arcade.domain import DomainCommand, state_hash
from konnekt_arcade.sync import LobbySync, SyncConfig


@dataclass
class Faults:
    drop: float = 0.0
    duplicate: float = 0.0
    min_delay: float = 0.001
    max_delay: float = 0.02  # delays differ per message, so they reorder


@dataclass(order=True)
class _InFlight:
    at: float
    order: int
    src: str = field(compare=False)
    dst: str = field(compare=False)
    data: bytes = field(compare=False)


class SimNet:
    def __init__(self, seed: int = 0, config: SyncConfig | None = None) -> None:
        self.rng = random.Random(seed)
        self.config = config or SyncConfig()
        self.now = 0.0
        self.nodes: dict[str, LobbySync] = {}
        self.dead: set[str] = set()
        self.blocked: set[frozenset[str]] = set()
        #: Pairs whose transport connected (a peer added during a partition connects to the
        #: other side when it heals, as a real mesh retries).
        self.connected: set[frozenset[str]] = set()
        self.faults = Faults()
        self._queue: list[_InFlight] = []
        self._order = 0
        self._ids = 0
        self.delivered = 0

    # --- topology -----------------------------------------------------------

    def new_uuid(self):
        import uuid

        self._ids += 1
        return uuid.UUID(int=self.rng.getrandbits(128) | 1 << 62)

    def add_host(self, name: str = "host", lobby_name: str = "Lobby",
                 host_name: str = "Host") -> LobbySync:
        node = LobbySync.create_host(name, lobby_name, host_name, self.now,
                                     config=self.config, new_id=self.new_uuid, strict=True,
                                     new_token=lambda: f"tok-{self.rng.getrandbits(64)}")
        self.attach(name, node)
        return node

    def add_guest(self, name: str, resume=None) -> LobbySync:
        node = LobbySync.create_guest(name, self.config, resume=resume, new_id=self.new_uuid,
                                      strict=True,
                                      new_token=lambda: f"tok-{self.rng.getrandbits(64)}")
        self.attach(name, node)
        return node

    def attach(self, name: str, node: LobbySync) -> None:
        self.nodes[name] = node
        self.dead.discard(name)
        for other in self.live():
            if other != name and self.linked(name, other):
                self._connect(name, other)
        self.flush()

    def _connect(self, a: str, b: str) -> None:
        self.connected.add(frozenset((a, b)))
        self.nodes[a].peer_connected(b, self.now)
        self.nodes[b].peer_connected(a, self.now)

    def live(self) -> list[str]:
        return [n for n in self.nodes if n not in self.dead]

    def linked(self, a: str, b: str) -> bool:
        return frozenset((a, b)) not in self.blocked

    def kill(self, name: str, notify: bool = True) -> None:
        """Kill a peer; ``notify`` mimics the signalling server's PeerLeft."""
        self.dead.add(name)
        if notify:
            for other in self.live():
                self.nodes[other].peer_disconnected(name, self.now)
        self.flush()

    def partition(self, group: set[str]) -> None:
        """Cut every link between ``group`` and the rest (silently)."""
        for a in group:
            for b in self.nodes:
                if b not in group:
                    self.blocked.add(frozenset((a, b)))

    def heal(self) -> None:
        self.blocked.clear()
        self.faults = Faults()
        live = self.live()
        for i, a in enumerate(live):
            for b in live[i + 1:]:
                if frozenset((a, b)) not in self.connected:
                    self._connect(a, b)
        self.flush()

    # --- message flow -------------------------------------------------------

    def flush(self) -> None:
        """Move every node's outgoing messages onto the wire."""
        f = self.faults
        for name in self.live():
            for dst, _channel, data in self.nodes[name].data_to_send():
                if dst in self.dead or dst not in self.nodes or not self.linked(name, dst):
                    continue
                if self.rng.random() < f.drop:
                    continue
                copies = 2 if self.rng.random() < f.duplicate else 1
                for _ in range(copies):
                    self._order += 1
                    at = self.now + self.rng.uniform(f.min_delay, f.max_delay)
                    heapq.heappush(self._queue, _InFlight(at, self._order, name, dst, data))

    def advance(self, dt: float, tick_every: float = 0.1) -> None:
        """Run the clock forward, delivering messages and ticking every node."""
        end = self.now + dt
        next_tick = self.now
        while True:
            next_msg = self._queue[0].at if self._queue else float("inf")
            t = min(next_msg, next_tick)
            if t > end:
                break
            self.now = t
            if next_msg <= next_tick:
                m = heapq.heappop(self._queue)
                if m.dst in self.dead or m.src in self.dead or not self.linked(m.src, m.dst):
                    continue
                self.nodes[m.dst].receive(m.src, m.data, self.now)
                self.delivered += 1
            else:
                for name in self.live():
                    self.nodes[name].tick(self.now)
                next_tick += tick_every
            self.flush()
        self.now = end

    def run_until(self, cond: Callable[[], bool], timeout: float, step: float = 0.05) -> bool:
        deadline = self.now + timeout
        while self.now < deadline:
            if cond():
                return True
            self.advance(step)
        return cond()

    # --- helpers for tests --------------------------------------------------

    def hosts(self) -> list[str]:
        return [n for n in self.live() if self.nodes[n].is_host]

    def join(self, name: str, guest_name: str, timeout: float = 5.0) -> LobbySync:
        node = self.add_guest(name)
        assert self.run_until(lambda: node.lobby is not None, timeout), f"{name} never synced"
        node.submit(DomainCommand.JoinLobby(lobby_id=node.lobby.id, guest_name=guest_name),
                    self.now)
        self.flush()
        assert self.run_until(lambda: node.local_participant_id is not None, timeout), (
            f"{name} never welcomed"
        )
        return node

    def hashes(self) -> dict[str, str]:
        return {n: state_hash(self.nodes[n].lobby) for n in self.live()}

    def converged(self) -> bool:
        hosts = self.hosts()
        if len(hosts) != 1:
            return False
        return len(set(self.hashes().values())) == 1


def heartbeat_of(node: LobbySync, beat: int = 0):
    """A heartbeat as ``node`` would send it now, built from its public state. ``beat`` 0
    carries no counter, so receivers judge it by its content alone (never as reordered)."""
    from konnekt_arcade.sync._wire import Heartbeat

    last = node.event_at(node.sequence)
    return Heartbeat(lobby_id=node.lobby.id if node.lobby else None, epoch=node.epoch,
                     sequence=node.sequence, last_epoch=last.epoch if last else node.epoch,
                     host_peer=node.host_peer, beat=beat)
