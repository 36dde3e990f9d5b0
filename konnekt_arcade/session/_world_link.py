"""The session's shared world (``konnekt_arcade.world``) on the session's transport.

The world core is sans-I/O; this link only moves its bytes and tells it who is who:

- bytes: the world's messages travel framed as ``WORLD_PREFIX`` + payload (``_framing``):
  deltas and acks on the unreliable channel, intros, despawns and reports on the reliable
  one. What arrives comes from ``P2PLoop`` through ``on_world``.
- who is who: at each world tick it reconciles the world with the session — the connected
  peers (joins give the newcomer a baseline; a peer gone starts its owner's grace), whom
  each speaks for (the sync layer's roster), who hosts (a change moves the host-owned
  entities, see ``world/_migration``), our own participant id, and the activity run on
  (entities spawned in a run are despawned when it ends: ``world/_lifecycle``).
  Reconciling instead of following events means nothing is missed across a reconnect (a
  new transport, a new peer id, the old peers gone) or while the world was idle.

Nothing here raises because the network is away: with no transport (reconnecting) or no
peer, what the world sends is dropped and counted (``world:dropped_offline``), and the next
delta after the peers are back covers it (intros are re-sent to every peer that joins).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from uuid import UUID

from ..net import CHANNEL_RELIABLE, CHANNEL_UNRELIABLE
from ..world import World, WorldConfig
from ._framing import world_frame
from ._p2p_loop import P2PLoop

logger = logging.getLogger("konnekt_arcade.session")


class WorldLink:
    """One session's ``World`` and the bytes between it and the transport."""

    def __init__(self, p2p: P2PLoop, clock: Callable[[], float] | None = None,
                 config: WorldConfig | None = None) -> None:
        self._p2p = p2p
        self.world = World(config)
        if clock is not None:  # deltas stamped on the session's shared time, for interp
            self.world.stamp = lambda now: clock()
            self.world.clock = clock  # what shown() draws at, and arrivals are timed on
        self._next = float("-inf")
        self._interval = 1.0 / self.world.config.tick_rate / 2  # reconcile twice a tick
        p2p.on_world = self.receive

    def current(self) -> World:
        """The world, told our participant id and the host as the sync layer has them now
        (the game may spawn right after its welcome, before the next reconcile)."""
        world, sync = self.world, self._p2p.sync
        if sync is not None:
            if world.local_participant != sync.local_participant_id:
                world.set_local(sync.local_participant_id)
            world.set_host(sync.host_peer, sync.is_host, self._p2p.clock())
            world.set_run(_run_id(sync))
        return world

    @property
    def stats(self) -> dict[str, int]:
        """The world's counters (all ``world:...``), for ``session.stats``."""
        return dict(self.world.stats)

    def receive(self, peer: str, data: bytes, now: float) -> None:
        """World bytes from ``peer`` (already unframed)."""
        self.world.receive(peer, data, now)

    def poll(self, now: float) -> None:
        """Reconcile (a few times a tick), tick the world, send what it produced. A bug here
        is logged and counted, never raised into the game's frame (but raised in strict
        mode, as ``P2PLoop.poll`` does, so tests see it)."""
        try:
            if now >= self._next:
                self._next = now + self._interval
                self._reconcile(now)
            self.world.tick(now)
            self.flush()
        except Exception:
            self.world.stats["world:internal_error"] += 1
            logger.exception("error while ticking the shared world")
            sync = self._p2p.sync
            if sync is not None and sync.strict:
                raise

    def flush(self) -> None:
        out = self.world.data_to_send()
        if not out:
            return
        transport = self._p2p.transport
        if transport is None or self._p2p.closed:
            self.world.stats["world:dropped_offline"] += len(out)
            return
        for peers, reliable, data in out:
            channel = CHANNEL_RELIABLE if reliable else CHANNEL_UNRELIABLE
            framed = world_frame(data)
            if len(peers) == 1:
                transport.send(peers[0], channel, framed)
            else:
                transport.send_many(peers, channel, framed)

    def _reconcile(self, now: float) -> None:
        world, sync = self.world, self._p2p.sync
        if sync is None:
            return
        if world.local_participant != sync.local_participant_id:
            world.set_local(sync.local_participant_id)
        connected = set(self._p2p.connected_peers())
        known = world.peers()
        for peer in known - connected:
            world.peer_left(peer, now)
        for peer in connected:
            who = sync.participant_of(peer)
            if peer not in known:
                world.peer_joined(peer, who, now)
            else:
                world.bind(peer, who)
        world.set_host(sync.host_peer, sync.is_host, now)
        world.set_run(_run_id(sync))


def _run_id(sync: Any) -> UUID | None:
    """The activity run on now, as the lobby has it (entities are scoped to it)."""
    lobby = sync.lobby
    run = lobby.current_run if lobby is not None else None
    return run.id if run is not None else None
