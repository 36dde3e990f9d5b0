"""``P2PLoop``: the lower layer of a session — one transport plus one ``LobbySync``.

``poll()`` takes at most ``batch_size`` transport events (never blocks), feeds them to the
sans-I/O sync engine with ``time.monotonic()``, ticks its timers and sends what it produced on
the reliable channel. Whatever comes out (sync events, connection events) goes to the hooks of
the ``SessionLoop`` that owns it, so polling either layer keeps the session consistent.

Framing (which bytes are lobby sync, which are game data, large messages in parts) is
``_framing``'s: this layer moves bytes between the transport, the sync engine and the game
data queue, and never decodes sync bytes. What the session needs from received commands comes
out of the sync engine typed (``drain_received_commands``).
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from pydantic import BaseModel

from ..net import (
    CHANNEL_RELIABLE,
    CHANNEL_UNRELIABLE,
    IceServerConfig,
    IdAssigned,
    Message,
    PeerConnected,
    PeerDisconnected,
    Transport,
    TransportEvent,
)
from ..sync import MAX_MESSAGE_SIZE, LobbySnapshot, LobbySync, Outgoing
from ..sync._wire import FullSyncResponse, encode
from ._errors import P2PError, SendFailed, Serialization
from ._framing import MAX_GAME_DATA, SYNC_FRAME, Frame, Framer, game_data_frame
from ._ice import IceProbe
from ._queues import FairQueue
from ._suspension import TransportSuspension
from ._types import GameData

logger = logging.getLogger("konnekt_arcade.session")

#: When nothing arrived, the timers (heartbeats, liveness, retries, elections) run at most
#: this often. They count in tenths of seconds and more, and an idle ``poll()`` is then one
#: queue check: games call it every frame, and one that spins on it holds the GIL the network
#: thread needs to send and receive (the bench's latency loop measured this).
TICK_INTERVAL = 0.005
#: Commands peers sent are taken from the sync engine once per batch, and at least every this
#: many messages: it keeps at most 1024 (``deque(maxlen=1024)``) until asked, so a
#: ``batch_size`` above that must not let its oldest fall out.
_COMMANDS_EVERY = 256


class P2PLoop(TransportSuspension):
    """The seed's lower layer: network events in, lobby sync and game data out. Reached via
    ``SessionLoop.p2p()``; every method is non-blocking. It knows peers, not participants,
    and nothing of stages, deadlines or reconnection: ``SessionLoop`` adds those, and is what
    a game uses."""

    def __init__(
        self,
        transport_factory: Callable[[list[IceServerConfig]], Transport],
        sync_factory: Callable[[str, float], LobbySync],
        *,
        ice_probe: IceProbe | None = None,
        batch_size: int = 64,
        queue_size: int = 1024,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.batch_size = batch_size
        self.queue_size = queue_size
        self.clock = clock
        self.sync: LobbySync | None = None
        self.transport: Transport | None = None
        self.stats: Counter[str] = Counter()
        self._transport_factory = transport_factory
        self._sync_factory = sync_factory
        self._probe = ice_probe
        # Peer input, one lane of ``queue_size`` per peer: a noisy peer evicts only its own.
        self._game_data: FairQueue[str, GameData] = FairQueue(queue_size, "game data", logger,
                                                              drop_oldest=True)
        self._commands: FairQueue[str, BaseModel] = FairQueue(queue_size, "P2P command",
                                                              logger, drop_oldest=True)
        self._framer = Framer(MAX_MESSAGE_SIZE, self.stats)
        self._closed = False
        # Reconnection: the transport can be dropped and replaced under the same sync engine.
        self._suspended = False
        self._rejoining = False
        self._last_heard: dict[str, float] = {}
        self._next_tick = float("-inf")
        #: Whether the last ``poll()`` ran the timers (see ``TICK_INTERVAL``): when it did
        #: not, nothing arrived and nothing was due, and the session's own checks can wait too.
        self.ticked = False
        # Hooks set by the owning SessionLoop.
        self.on_transport_event: Callable[[TransportEvent, float], None] = lambda e, now: None
        self.on_sync_events: Callable[[list[object], float], None] = lambda events, now: None
        #: Asked before the sync engine hears that the last connected peer is gone; returning
        #: True keeps it from the engine (the session reconnects instead of electing itself).
        self.on_mesh_lost: Callable[[str, str, float], bool] = lambda peer, reason, now: False
        #: Called before each sync tick: the session checks its mesh first, so a late poll
        #: that finds the mesh silence and the engine's host timeout both due reconnects
        #: rather than letting the engine elect us host of a lobby of one.
        self.before_tick: Callable[[float], None] = lambda now: None
        #: A message frame (``Frame.MESSAGE``'s body) from a peer: the session's messenger.
        self.on_message_frame: Callable[[str, bytes, bool, float], None] = \
            lambda peer, data, reliable, now: self.stats.update(("dropped:message_unhandled",))
        #: The shared world's messages (``_world_link``); dropped until a world listens.
        self.on_world: Callable[[str, bytes, float], None] = lambda peer, data, now: None
        #: A session-to-session message (``Frame.SESSION``, e.g. where signalling moved).
        self.on_session_message: Callable[[str, bytes, float], None] = lambda p, d, now: None

    # --- driving ------------------------------------------------------------------------------

    def start(self) -> None:
        """Create and start the transport now if no ICE probe is outstanding."""
        self._ensure_transport()

    def poll(self) -> int:
        """Handle at most ``batch_size`` transport events; returns how many. Never raises
        because of network input (errors are logged and counted)."""
        if self._closed:
            return 0
        handled = 0
        now = self.clock()
        try:
            transport = self.transport
            if transport is None:
                transport = self._ensure_transport()
            if transport is not None:
                events = transport.poll(self.batch_size)
                if events:
                    # Messages are nearly every event: straight to _on_message, without the
                    # match of _handle (one clock reading serves the whole batch).
                    on_message, handle = self._on_message, self._handle
                    for event in events:
                        handled += 1
                        if type(event) is Message:
                            on_message(event, now)
                        else:
                            handle(event, now)
                        if not handled % _COMMANDS_EVERY:
                            self._take_received_commands(now)
                    self._take_received_commands(now)
            if handled or now >= self._next_tick:
                self.ticked = True
                self._next_tick = now + TICK_INTERVAL
                self.before_tick(now)
                sync = self.sync
                if sync is not None and not (self._suspended or self._rejoining):
                    # While we rejoin, the engine's links are the dead transport's: a host
                    # timeout from them would elect us host of a lobby of one.
                    sync.tick(now)
                self.flush(now)
            else:
                self.ticked = False
        except Exception:
            self.stats["internal_error"] += 1
            logger.exception("error while polling the P2P loop")
            if self.sync is not None and self.sync.strict:
                raise  # strict mode (tests, the simulator): a bug must not hide in a counter
        return handled

    def flush(self, now: float | None = None) -> None:
        """Send what the sync engine queued and hand its events to the session."""
        sync, transport = self.sync, self.transport
        if sync is None or transport is None:
            return
        outgoing = sync.data_to_send()
        if outgoing:
            self._hand_off(transport, outgoing)
        events = sync.drain_events()
        if events:
            self.on_sync_events(events, self.clock() if now is None else now)

    def _hand_off(self, transport: Transport, outgoing: list[Outgoing]) -> None:
        """Give the sync engine's messages to the transport in order (see ``Framer.plan``)."""
        for peers, channel, data in self._framer.plan(outgoing):
            if len(peers) == 1:
                transport.send(peers[0], channel, data)
            else:
                transport.send_many(peers, channel, data)

    def _ensure_transport(self) -> Transport | None:
        if self.transport is None and not self._closed and not self._suspended:
            if self._probe is not None and not self._probe.done():
                return None
            servers = self._probe.result() if self._probe is not None else []
            self.transport = self._transport_factory(servers)
            self.transport.start()
        return self.transport

    def _handle(self, event: TransportEvent, now: float) -> None:
        sync = self.sync
        match event:
            case Message():
                self._on_message(event, now)
                return
            case IdAssigned(peer_id=peer) if sync is None:
                self.sync = self._sync_factory(peer, now)
            case IdAssigned(peer_id=peer) if self._rejoining:
                self._rejoining = False
                logger.info("🔁 Rejoining the lobby as peer %s", peer)
                sync.rejoin(peer)  # type: ignore[union-attr]
            case PeerConnected(peer_id=peer) if sync is not None:
                self._last_heard[peer] = now
                sync.peer_connected(peer, now)
            case PeerDisconnected(peer_id=peer, reason=reason) if sync is not None:
                self._last_heard.pop(peer, None)
                self._framer.forget(peer)
                last = self.transport is not None and not self.transport.connected_peers()
                if not (last and self.on_mesh_lost(peer, reason, now)):
                    sync.peer_disconnected(peer, now)
        self.on_transport_event(event, now)

    def _on_message(self, msg: Message, now: float) -> None:
        peer, data = msg.peer_id, msg.data
        self._last_heard[peer] = now
        reliable = msg.channel == CHANNEL_RELIABLE
        if data[:1] != SYNC_FRAME:  # not the common case (a lobby sync envelope): unwrap
            unwrapped = self._framer.unwrap(peer, data, reliable)
            if unwrapped is None:
                return
            kind, data = unwrapped
            if kind is Frame.WORLD:
                self.on_world(peer, data, now)
                return
            if kind is Frame.GAME_DATA:
                self.stats["game_data_in"] += 1
                who = self.sync.participant_of(peer) if self.sync is not None else None
                self._game_data.put(peer, GameData(peer, data, reliable, who), now)
                return
            if kind is Frame.MESSAGE:
                self.on_message_frame(peer, data, reliable, now)
                return
            if kind is Frame.SESSION:
                self.on_session_message(peer, data, now)
                return
        sync = self.sync
        if sync is None:
            self.stats["dropped:before_id"] += 1
        else:
            sync.receive(peer, data, now, reliable=reliable)

    def _take_received_commands(self, now: float) -> None:
        """Queue the user commands peers sent since the last call, each in its sender's lane.
        Once per batch rather than once per message (a call and a list each): the sync engine
        keeps them, with their sender, until asked (see ``_COMMANDS_EVERY``)."""
        sync = self.sync
        if sync is not None:
            for received in sync.drain_received_commands():
                self._commands.put(received.peer, received.command, now)

    # --- konnekt-session-p2p's P2PLoop API -----------------------------------------------------

    def request_full_sync(self) -> None:
        """Ask the host (or, before we know it, every peer) for a full snapshot.

        Raises:
            P2PError: called on the host. SendFailed: no peer connected.
        """
        sync, transport = self._require()
        if sync.is_host:
            raise P2PError("request_full_sync is for guests; the host owns the lobby")
        peers = transport.connected_peers()
        if not peers:
            raise SendFailed("no peer connected to ask for a full sync")
        targets = [sync.host_peer] if sync.host_peer in peers else peers
        sync.request_full_sync(targets, self.clock())
        self.flush()

    def send_full_sync_to_peer(self, peer_id: str, snapshot: LobbySnapshot | None = None) -> None:
        """Send ``snapshot`` (default: the current one) to ``peer_id`` (host only).

        Raises:
            P2PError: not the host. SendFailed: peer not connected or nothing to send.
            Serialization: the snapshot could not be encoded.
        """
        sync, transport = self._require()
        if not sync.is_host:
            raise P2PError("send_full_sync_to_peer is for the host")
        snapshot = snapshot if snapshot is not None else sync.snapshot()
        if snapshot is None:
            raise SendFailed("no lobby to send yet")
        if peer_id not in transport.connected_peers():
            raise SendFailed(f"peer {peer_id} is not connected")
        try:
            data = encode(FullSyncResponse(snapshot=snapshot))
        except Exception as exc:
            raise Serialization(f"could not encode the snapshot: {exc}") from exc
        for (peer,), channel, part in self._framer.parts(peer_id, CHANNEL_RELIABLE, data):
            transport.send(peer, channel, part)
        logger.info("✅ Sent full sync to %s", peer_id)

    def drain_domain_commands(self) -> list[Any]:
        """User commands that arrived from peers (as the host receives them, before its
        authority checks): each peer's in order, the peers taking turns; at most
        ``queue_size`` per peer (that peer's oldest dropped)."""
        return self._commands.drain()

    def current_sequence(self) -> int:
        """Sequence number of the last event applied here (0 before the lobby exists)."""
        return self.sync.sequence if self.sync is not None else 0

    # --- game data ----------------------------------------------------------------------------

    def send_game_data(self, data: bytes, to: str | Iterable[str] | None = None,
                       reliable: bool = False) -> None:
        """Send raw bytes beside the lobby: to everyone (``to=None``), one peer or several.

        Safe in every frame: alone, reconnecting, or after the session failed or closed the
        bytes are dropped, as is the copy for a named peer not connected (it left), counted
        (``dropped:game_data_not_connected``) and logged at debug level, never raised.

        Raises:
            TypeError: ``data`` is not bytes-like. SendFailed: over ``MAX_GAME_DATA`` bytes
            (programming errors, the same on every call: not the network's doing).
        """
        if not isinstance(data, bytes | bytearray | memoryview):
            raise TypeError(f"game data must be bytes, not {type(data).__name__}")
        if len(data) > MAX_GAME_DATA:
            raise SendFailed(f"game data of {len(data)} bytes exceeds {MAX_GAME_DATA}")
        transport = None if self._closed else self.transport
        peers = None if to is None else [to] if isinstance(to, str) else list(to)
        live = set(transport.connected_peers()) if transport and peers else set()
        if gone := 1 if transport is None else sum(p not in live for p in peers or ()):
            self.stats["dropped:game_data_not_connected"] += gone
            logger.debug("game data dropped: %d peer(s) not connected", gone)
        if transport is None:
            return
        channel = CHANNEL_RELIABLE if reliable else CHANNEL_UNRELIABLE
        self.stats["game_data_out"] += 1
        if peers is None:
            transport.broadcast(channel, game_data_frame(data))
        elif live := live.intersection(peers):
            transport.send_many(sorted(live), channel, game_data_frame(data))

    def drain_game_data(self, max_items: int | None = None) -> list[GameData]:
        """Received game data: each peer's oldest first, the peers taking turns (at most
        ``queue_size`` per peer; when a peer's lane is full its oldest item is dropped and
        counted in ``game_data_dropped`` and ``game_data_dropped_by``)."""
        return self._game_data.drain(max_items)

    @property
    def game_data_dropped(self) -> int:
        return self._game_data.dropped

    def game_data_dropped_by(self) -> dict[str, int]:
        """Game data dropped so far, by sending peer."""
        return dict(self._game_data.dropped_by)

    # --- state --------------------------------------------------------------------------------

    def local_peer_id(self) -> str | None:
        return self.transport.local_peer_id if self.transport is not None else None

    def connected_peers(self) -> list[str]:
        if self.transport is None or self._closed:
            return []
        return self.transport.connected_peers()

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        """Close the transport (idempotent; bounded by the transport's close deadline)."""
        if self._closed:
            return
        self._closed = True
        if self.transport is not None:
            self.transport.close()

    def _require(self) -> tuple[LobbySync, Transport]:
        if self._closed or self.sync is None or self.transport is None:
            raise SendFailed("the session is not connected")
        return self.sync, self.transport

