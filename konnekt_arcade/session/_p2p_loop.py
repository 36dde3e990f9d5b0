"""``P2PLoop``: the lower layer of a session — one transport plus one ``LobbySync``.

``poll()`` takes at most ``batch_size`` transport events (never blocks), feeds them to the
sans-I/O sync engine with ``time.monotonic()``, ticks its timers and sends what it produced on
the reliable channel. Whatever comes out (sync events, connection events) goes to the hooks of
the ``SessionLoop`` that owns it, so polling either layer keeps the session consistent.

Game data framing: lobby sync messages are JSON envelopes and always start with ``{``; game
data is sent as ``GAME_DATA_PREFIX`` (one 0x00 byte) + payload, on channel 1 (unreliable) or
channel 0 (reliable, ordered with the lobby traffic). A received message starting with the
prefix is game data and never reaches the sync decoder; anything else on channel 1 that is not
a sync envelope is dropped and counted (``stats["dropped:bad_game_data"]``), and so is game data
over ``MAX_GAME_DATA`` (``stats["dropped:game_data_too_large"]``). Which sync message travels on
which channel is the sync engine's decision (``data_to_send()`` says it), and what the session
needs from received commands comes out of it typed (``drain_received_commands``): this layer
never decodes sync bytes. Lobby messages over 64 KiB (a big snapshot) travel in parts on the
reliable channel (``_fragments``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

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
    WebRtcTransport,
)
from ..sync import MAX_MESSAGE_SIZE, FullSyncResponse, LobbySnapshot, LobbySync, Outgoing, encode
from ._errors import P2PError, SendFailed, Serialization
from ._fragments import FRAGMENT_PREFIX, PART_SIZE, Reassembly, split
from ._ice import IceProbe
from ._queues import FairQueue

logger = logging.getLogger("konnekt_arcade.session")

GAME_DATA_PREFIX = b"\x00"
#: Largest game-data payload accepted by ``send_game_data``.
MAX_GAME_DATA = 64 * 1024
#: Lobby sync messages are JSON envelopes: this is their first byte (framing only; which
#: sync message goes on which channel is the sync engine's call, see ``sync.Channel``).
_SYNC_FRAME = b"{"
#: When nothing arrived, the timers (heartbeats, liveness, retries, elections) run at most
#: this often. They count in tenths of seconds and more, and an idle ``poll()`` is then one
#: queue check: games call it every frame, and one that spins on it holds the GIL the network
#: thread needs to send and receive (the bench's latency loop measured this).
TICK_INTERVAL = 0.005
#: Commands peers sent are taken from the sync engine once per batch, and at least every this
#: many messages: it keeps at most 1024 (``deque(maxlen=1024)``) until asked, so a
#: ``batch_size`` above that must not let its oldest fall out.
_COMMANDS_EVERY = 256


@dataclass(frozen=True, slots=True)
class GameData:
    """Game data received from ``peer_id`` (not sequenced; for positions and the like).

    ``participant_id`` is the lobby participant behind that peer (None before it joined), so a
    game can key positions by player rather than by connection: a reconnecting player gets a
    new peer id but keeps its participant id.
    """

    peer_id: str
    data: bytes
    reliable: bool
    participant_id: UUID | None = None


class P2PLoop:
    """Network events in, lobby sync and game data out. Usually reached via
    ``SessionLoop.p2p()``; every method is non-blocking."""

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
        # Lobby messages over 64 KiB (a big snapshot) travel in parts (see _fragments).
        self._fragments = Reassembly(MAX_MESSAGE_SIZE, self.stats)
        self._fragment_number = 0
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
                sync = self.sync
                if sync is not None:
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
        """Give the sync engine's messages to the transport in order. A broadcast (the same
        bytes to several peers in a row) goes as one ``send_many``: one lock and one queue
        entry instead of one per peer, on every lobby event the host sequences."""
        i, n = 0, len(outgoing)
        while i < n:
            peer, channel, data = outgoing[i]
            j = i + 1
            while j < n and outgoing[j].data is data and outgoing[j].channel == channel:
                j += 1
            if len(data) > PART_SIZE:  # rare (a big snapshot): in parts, peer by peer
                for k in range(i, j):
                    self._send_sync(transport, outgoing[k].peer, int(channel), data)
            elif j == i + 1:
                transport.send(peer, int(channel), data)
            else:
                transport.send_many([out.peer for out in outgoing[i:j]], int(channel), data)
            i = j

    def _send_sync(self, transport: Transport, peer: str, channel: int, data: bytes) -> None:
        """One lobby message, in parts if it is large (parts go on the reliable channel)."""
        parts = split(data, self._fragment_number)
        if len(parts) > 1:
            self._fragment_number += 1
            self.stats["fragmented_out"] += 1
            channel = CHANNEL_RELIABLE
        for part in parts:
            transport.send(peer, channel, part)

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
                self._fragments.forget(peer)
                last = self.transport is not None and not self.transport.connected_peers()
                if not (last and self.on_mesh_lost(peer, reason, now)):
                    sync.peer_disconnected(peer, now)
        self.on_transport_event(event, now)

    def _on_message(self, msg: Message, now: float) -> None:
        peer, data = msg.peer_id, msg.data
        self._last_heard[peer] = now
        reliable = msg.channel == CHANNEL_RELIABLE
        head = data[:1]
        if head == _SYNC_FRAME:  # the common case, first: a lobby sync envelope
            sync = self.sync
            if sync is None:
                self.stats["dropped:before_id"] += 1
            else:
                sync.receive(peer, data, now, reliable=reliable)
            return
        if head == FRAGMENT_PREFIX:
            whole = self._fragments.feed(peer, data, reliable=reliable)
            if whole is None:
                return
            data = whole
            head = data[:1]
        if head == GAME_DATA_PREFIX and len(data) - 1 > MAX_GAME_DATA:
            # Only a peer that skipped send_game_data's check sends this: never queued.
            self.stats["dropped:game_data_too_large"] += 1
        elif head == GAME_DATA_PREFIX:
            self.stats["game_data_in"] += 1
            who = self.sync.participant_of(peer) if self.sync is not None else None
            self._game_data.put(peer, GameData(peer, data[1:], reliable, who), now)
        elif not reliable and head != _SYNC_FRAME:
            self.stats["dropped:bad_game_data"] += 1
        elif self.sync is None:
            self.stats["dropped:before_id"] += 1
        else:
            self.sync.receive(peer, data, now, reliable=reliable)

    def _take_received_commands(self, now: float) -> None:
        """Queue the user commands peers sent since the last call, each in its sender's lane.
        Once per batch rather than once per message (a call and a list each): the sync engine
        keeps them, with their sender, until asked (see ``_COMMANDS_EVERY``)."""
        sync = self.sync
        if sync is not None:
            for received in sync.drain_received_commands():
                self._commands.put(received.peer, received.command, now)

    # --- reconnection -------------------------------------------------------------------------

    def heard_from_any(self, now: float, within: float,
                       peers: Iterable[str] | None = None) -> bool:
        """True if a connected peer connected or sent something in the last ``within`` s.
        ``peers``: the connected peers if the caller has just asked for them (each ask takes
        the transport's lock and sorts)."""
        last_heard = self._last_heard
        peers = self.connected_peers() if peers is None else peers
        return any(now - last_heard.get(p, float("-inf")) <= within for p in peers)

    def suspend_transport(self) -> None:
        """Drop the transport (closed in the background, so this never blocks) and do not
        create another until ``resume_transport()``. The sync engine and its lobby stay."""
        old, self.transport = self.transport, None
        self._suspended = True
        self._rejoining = False
        self._last_heard.clear()
        if old is not None:
            _close_in_background(old)

    def resume_transport(self) -> None:
        """Create a new transport (new signalling connection, new peer id) on the next poll;
        when it gets its id the sync engine rejoins under it with our reconnect token."""
        if self.transport is not None:
            self.suspend_transport()
        self._suspended = False
        self._rejoining = self.sync is not None

    @property
    def suspended(self) -> bool:
        return self._suspended

    # --- the seed's P2PLoop API ---------------------------------------------------------------

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
        sync.request_full_sync(targets, self.clock())  # type: ignore[arg-type]
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
        self._send_sync(transport, peer_id, CHANNEL_RELIABLE, data)
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

        Raises:
            TypeError: ``data`` is not bytes-like. SendFailed: closed, not connected, too
            large, or a named peer is not connected.
        """
        if not isinstance(data, bytes | bytearray | memoryview):
            raise TypeError(f"game data must be bytes, not {type(data).__name__}")
        if self._closed or self.transport is None:
            raise SendFailed("the session is not connected")
        if len(data) > MAX_GAME_DATA:
            raise SendFailed(f"game data of {len(data)} bytes exceeds {MAX_GAME_DATA}")
        payload = GAME_DATA_PREFIX + bytes(data)
        channel = CHANNEL_RELIABLE if reliable else CHANNEL_UNRELIABLE
        self.stats["game_data_out"] += 1
        if to is None:
            self.transport.broadcast(channel, payload)
            return
        peers = [to] if isinstance(to, str) else list(to)
        connected = set(self.transport.connected_peers())
        missing = [p for p in peers if p not in connected]
        if missing:
            raise SendFailed(f"peer(s) not connected: {', '.join(missing)}")
        for peer in peers:
            self.transport.send(peer, channel, payload)

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


def _close_in_background(transport: Transport) -> None:
    """WebRTC close waits up to its close deadline; do that off the game thread."""
    if isinstance(transport, WebRtcTransport):
        threading.Thread(target=transport.close, name="transport-close", daemon=True).start()
    else:
        transport.close()
