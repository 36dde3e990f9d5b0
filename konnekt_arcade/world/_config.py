"""The world's knobs, each with the reason for its value, and the per-peer rate budget."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class WorldConfig:
    """Defaults suit a mini-game of up to 16 players."""

    #: Network ticks a second: 20 Hz is what Quake 3, Source and Colyseus send at; a remote
    #: entity is shown ~2 ticks behind (interpolation), 100 ms at 20 Hz.
    tick_rate: float = 20.0
    #: Entities alive in the world at once (every peer's and the host's): a full delta of
    #: this many small entities stays far below one data channel message (64 KiB).
    max_entities: int = 2048
    #: Entities one participant may own: one peer cannot fill the world for the others.
    max_per_owner: int = 256
    #: Ticks of our own snapshots kept as possible delta bases (3.2 s at 20 Hz): a receiver
    #: whose acks are older than that gets full records again.
    history: int = 64
    #: Ticks of each sender's snapshots a receiver keeps (1.6 s at 20 Hz): a sender bases its
    #: delta on the newest tick we acknowledged, at most one round trip old.
    received: int = 32
    #: Messages a peer may send us a second, and the burst (a tick, an ack, and a reliable
    #: message or two per tick, with room for a late joiner's baseline).
    rate: float = 200.0
    burst: float = 400.0
    #: How long a new host waits for the survivors' reports before adopting the host-owned
    #: entities with what it has: about two round trips on a slow link.
    migration_wait: float = 0.5
    #: Received samples kept per remote entity, for interpolation (0.4 s at 20 Hz).
    samples: int = 8
    #: Despawned ids remembered so a late or re-sent intro does not bring one back.
    tombstones: int = 4096
    #: Spawned/Despawned/Emitted events kept for ``drain_events`` (a game that never drains
    #: them must not grow without bound): the oldest go first, counted.
    max_events: int = 4096

    def __post_init__(self) -> None:
        if not 0 < self.tick_rate <= 240:
            raise ValueError("tick_rate must be in (0, 240]")


class Budget:
    """A token bucket per peer: ``take(peer, now)`` is False when ``peer`` is over budget."""

    __slots__ = ("_state", "burst", "rate")

    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.burst = rate, burst
        self._state: dict[str, tuple[float, float]] = {}

    def take(self, peer: str, now: float) -> bool:
        tokens, at = self._state.get(peer, (self.burst, now))
        tokens = min(self.burst, tokens + (now - at) * self.rate)
        if tokens < 1.0:
            self._state[peer] = (tokens, now)
            return False
        self._state[peer] = (tokens - 1.0, now)
        return True

    def forget(self, peer: str) -> None:
        self._state.pop(peer, None)
