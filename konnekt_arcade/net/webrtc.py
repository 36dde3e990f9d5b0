"""``WebRtcTransport``: a matchbox_socket-like full mesh over aiortc, driven from a game loop.

Everything asyncio happens on the shared network thread (see ``loop_thread``). The game thread
only calls ``poll()``/``send()``/``broadcast()``, which touch nothing but a lock-protected deque
and ``call_soon_threadsafe``; so a frame never waits on the network.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from aiortc import RTCConfiguration, RTCIceServer

from ._batch import BATCH_MARK, DEFAULT_FRAME_BYTES, frame_of_one, frames
from ._fair import PEER_MESSAGE_BURST, PEER_MESSAGE_RATE, FairQueue, PeerBudget, admit
from .events import (
    CHANNEL_RELIABLE,
    CHANNELS,
    IdAssigned,
    Message,
    PeerConnected,
    PeerDisconnected,
    SignallingLost,
    SignallingRestored,
    TransportError,
    TransportEvent,
)
from .loop_thread import NetworkThread, get_network_thread
from .peer import PeerLink, SelectedPair
from .signalling_client import (
    SignallingClient,
    SignallingError,
    SignallingRefused,
    backoff_delays,
    same_as_peer,
    same_as_signal,
    sdp_peer_tag,
    tag_sdp,
)
from .signalling_messages import NewPeerMessage, PeerLeftMessage, PeerSignal, SignalFromPeer

logger = logging.getLogger(__name__)

#: ``close()`` never takes longer than this, even when aiortc's own close hangs.
CLOSE_DEADLINE = 2.0
#: A link that delivered something this recently is healthy: an offer from the same peer
#: under a new signalling id (it re-registered) is declined. Above the sync heartbeat
#: interval (1 s), below its loss timeout (3 s) plus slack; an older link may be a dead one
#: that ICE has not failed yet (~30 s), so the new offer is taken and replaces it.
LINK_HEALTHY_WITHIN = 5.0


@dataclass(frozen=True)
class IceServerConfig:
    """A STUN or TURN server. Every URL of every server is used for gathering (``_gather``);
    aiortc alone would use only the first STUN and the first TURN URL."""

    urls: list[str] = field(default_factory=list)
    username: str | None = None
    credential: str | None = None


def rtc_configuration(ice_servers: Sequence[IceServerConfig]) -> RTCConfiguration:
    """Build an explicit configuration: aiortc's default would silently add a Google STUN
    server, which costs 5 s per gather where it is unreachable (LAN, tests)."""
    return RTCConfiguration(
        iceServers=[
            RTCIceServer(urls=list(s.urls), username=s.username, credential=s.credential)
            for s in ice_servers
        ]
    )


class WebRtcTransport:
    """Full-mesh WebRTC transport speaking the Matchbox signalling protocol.

    ``signalling_url`` is the server base (``ws://host:port``); ``room`` is appended as the path
    and may carry matchbox's ``?next=N``.

    Signalling restarts: when the signalling socket closes, existing links stay up
    (``SignallingLost``) and the transport re-registers with ``backoff_delays`` until it is
    back (``SignallingRestored``; ``reconnect_signalling=False`` turns this off). The server
    assigns a new id, but ``local_peer_id`` stays the first one for the transport's life, and
    remote peers are always reported under *their* first id (learned from the SDP tag, see
    ``signalling_client``), so the layers above never see an id change. A linked peer that
    re-registers offers again; a healthy link declines that offer, a silent one is replaced
    by the new link without a PeerDisconnected/PeerConnected pair.

    Batching: reliable messages that the network thread finds queued together for one peer
    travel as one frame of at most ``batch_bytes`` (``_batch``); the receiving link unpacks
    them in order, so callers still see one ``Message`` per ``send``. ``batch_bytes=0`` sends
    every message on its own (only needed to talk to a peer older than frames).
    """

    def __init__(
        self,
        signalling_url: str,
        room: str,
        ice_servers: Sequence[IceServerConfig] = (),
        *,
        queue_size: int = 1024,
        connect_timeout: float = 15.0,
        signalling_timeout: float = 5.0,
        keepalive_interval: float = 10.0,
        reconnect_signalling: bool = True,
        batch_bytes: int = DEFAULT_FRAME_BYTES,
        peer_rate: float = PEER_MESSAGE_RATE,
        peer_burst: float = PEER_MESSAGE_BURST,
    ) -> None:
        self.reconnect_signalling = reconnect_signalling
        #: Largest frame of several reliable messages to one peer (0: never batch).
        self.batch_bytes = batch_bytes
        self.url = f"{signalling_url.rstrip('/')}/{room.lstrip('/')}"
        self.queue_size = queue_size
        self.connect_timeout = connect_timeout
        self._config = rtc_configuration(ice_servers)
        self.stats: dict[str, int] = {
            "dropped_incoming": 0,  # both reasons below, every peer
            "dropped_incoming:rate_limited": 0,  # over a peer's budget (``peer_rate``)
            "dropped_incoming:queue_full": 0,  # a peer's lane full (``queue_size`` per peer)
            "dropped_outgoing": 0,
            "messages_in": 0,
            "messages_out": 0,
            "signalling_reconnects": 0,
            "offers_declined": 0,
            "links_replaced": 0,
            "frames_out": 0,
            "signalling_loop_errors": 0,  # the signalling loop raised; we re-registered
        }
        self._client = SignallingClient(self.url, id_timeout=signalling_timeout,
                                        keepalive_interval=keepalive_interval, stats=self.stats)
        self._local_peer_id: str | None = None
        self._lock = threading.Lock()
        # Incoming events, one lane of ``queue_size`` per peer (see ``_fair``): a flooding
        # peer can fill only its own. Its budget is spent on the network thread, before a
        # message may take a place.
        self._events: FairQueue[str, TransportEvent] = FairQueue(queue_size, "Incoming",
                                                                 logger)
        self._budget = PeerBudget(peer_rate, peer_burst)  # network thread only
        self._connected: set[str] = set()
        self._pending_sends = 0
        #: Sends from the game thread wait here; one wake-up of the network loop takes them
        #: all (a wake-up per message was a syscall each: the host of 4 guests paid 4 an event).
        self._outbox: collections.deque[tuple[tuple[str, ...] | None, int, bytes]] = \
            collections.deque()
        self._drain_scheduled = False
        self._links: dict[str, PeerLink] = {}  # network thread only, by signalling id
        #: Network thread only: what ``_link_for`` found for a stable id, kept while it is
        #: connected; emptied whenever a link is added, connects or closes, or an id is
        #: learned, so it always equals a fresh search (which walks every link per send).
        self._send_links: dict[str, PeerLink] = {}
        # Network thread only: a remote signalling id -> that peer's first (stable) id; stable
        # id -> its latest signalling id; links being retired without events; last receive.
        self._stable_ids: dict[str, str] = {}
        self._latest_ids: dict[str, str] = {}
        self._silent: set[str] = set()
        self._last_rx: dict[str, float] = {}
        self._signalling_id: str | None = None
        self._net: NetworkThread | None = None
        self._main: asyncio.Task[None] | None = None
        self._closed = False

    # --- game-thread API ----------------------------------------------------------------------

    @property
    def local_peer_id(self) -> str | None:
        return self._local_peer_id

    def start(self) -> None:
        """Schedule the connection on the network thread and return immediately."""
        if self._net is not None or self._closed:
            return
        self._net = get_network_thread()
        self._net.call_soon(self._start_on_loop)

    def poll(self, max_items: int | None = None) -> list[TransportEvent]:
        """Take pending events; never blocks. Each peer's events come in the order they
        arrived, and the peers take turns (one event each, round-robin), so a peer with a
        long backlog cannot delay the others' by more than one event per turn."""
        if not self._events:  # idle, without the lock: an event put meanwhile waits one poll
            return []
        with self._lock:
            return self._events.drain(max_items)

    def dropped_incoming_by_peer(self) -> dict[str, int]:
        """Incoming messages dropped so far, by the (stable) id of the peer that sent them."""
        with self._lock:
            return dict(self._events.dropped_by)

    def send(self, peer_id: str, channel: int, data: bytes) -> None:
        """Enqueue ``data`` for ``peer_id``; unknown peers and full queues drop and count."""
        self._enqueue_send((peer_id,), channel, data)

    def send_many(self, peer_ids: Sequence[str], channel: int, data: bytes) -> None:
        """Enqueue ``data`` for each of ``peer_ids`` as one entry (one lock, one wake-up);
        unknown peers drop and count, as with ``send``."""
        if peer_ids:
            self._enqueue_send(tuple(peer_ids), channel, data)
        elif channel not in CHANNELS:  # the same error as a send with peers would give
            raise ValueError(f"unknown channel {channel}; use CHANNEL_RELIABLE/CHANNEL_UNRELIABLE")

    def broadcast(self, channel: int, data: bytes) -> None:
        """Enqueue ``data`` for every connected peer."""
        self._enqueue_send(None, channel, data)

    def connected_peers(self) -> list[str]:
        with self._lock:
            return sorted(self._connected)

    def selected_candidate_pairs(self, timeout: float = 1.0) -> dict[str, SelectedPair]:
        """Diagnostics: per connected peer, the ICE candidate pair in use (e.g. to tell a
        direct link from one relayed by TURN). Asks the network thread; {} if it does not
        answer within ``timeout``."""
        net = self._net
        if net is None or self._closed:
            return {}

        def pairs() -> dict[str, SelectedPair]:  # network thread: it owns self._links
            # By stable peer id, from the link sends go to (as connected_peers() reports).
            links = {peer: self._link_for(peer) for peer in map(self._stable, self._links)}
            return {peer: pair for peer, link in links.items() if link is not None
                    and link.connected and (pair := link.selected_pair()) is not None}

        async def read() -> dict[str, SelectedPair]:
            return pairs()

        if net.is_current():
            return pairs()
        try:
            return net.submit(read()).result(timeout=timeout)
        except Exception as exc:
            logger.debug("selected_candidate_pairs: %s", exc)
            return {}

    def refresh_signalling(self) -> None:
        """Re-register with the signalling server now (new signalling id, same
        ``local_peer_id``), so that every peer in the room offers to us again. For a peer that
        lost all its links to its own network failure while its signalling socket survived.
        Non-blocking; ignored while closed or before the first registration."""
        net = self._net
        if net is None or self._closed or not self.reconnect_signalling:
            return

        def drop() -> None:
            if self._signalling_id is not None and self._client.connected:
                logger.info("Re-registering with %s to find our peers again", self.url)
                asyncio.get_running_loop().create_task(self._client.drop())

        with contextlib.suppress(RuntimeError):  # loop closed at interpreter exit
            net.call_soon(drop)

    def close_nowait(self) -> None:
        """``close`` on a helper thread: the caller (the game thread) never waits for it."""
        threading.Thread(target=self.close, name="transport-close", daemon=True).start()

    def close(self) -> None:
        """Close every link and the signalling socket; returns within ``CLOSE_DEADLINE``."""
        if self._closed:
            return
        self._closed = True
        net = self._net
        if net is None:
            return
        if net.is_current():
            net.loop.create_task(self._shutdown())
            return
        future = net.submit(self._shutdown())
        try:
            future.result(timeout=CLOSE_DEADLINE - 0.1)
        except TimeoutError:
            logger.warning("Transport close did not finish within %.1f s", CLOSE_DEADLINE)
        except Exception as exc:
            logger.warning("Transport close raised %s", exc)

    def __enter__(self) -> WebRtcTransport:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _enqueue_send(self, peers: tuple[str, ...] | None, channel: int, data: bytes) -> None:
        """What ``send``, ``send_many`` and ``broadcast`` share: check the channel, take the
        bytes (a copy of a bytearray the caller may reuse), queue, wake the network thread."""
        if channel not in CHANNELS:
            raise ValueError(f"unknown channel {channel}; use CHANNEL_RELIABLE/CHANNEL_UNRELIABLE")
        if type(data) is not bytes:
            data = bytes(data)
        with self._lock:
            if self._closed or self._net is None or self._pending_sends >= self.queue_size:
                self.stats["dropped_outgoing"] += len(peers) if peers is not None else 1
                return
            self._pending_sends += 1
            self._outbox.append((peers, channel, data))
            if self._drain_scheduled:
                return  # the wake-up already on its way takes this one too
            self._drain_scheduled = True
        try:
            # The loop's own method, not NetworkThread.call_soon: one frame less between the
            # hand-off and the game thread letting go of the GIL, which the wake-up waits for.
            self._net.loop.call_soon_threadsafe(self._drain_outbox)
        except RuntimeError:  # loop closed at interpreter exit
            with self._lock:
                self._pending_sends -= len(self._outbox)
                self.stats["dropped_outgoing"] += len(self._outbox)
                self._outbox.clear()
                self._drain_scheduled = False

    def _drain_outbox(self) -> None:
        """Network thread: send everything queued since the last wake-up, in order. What goes
        to one peer on the reliable channel travels in as few frames as it fits (``_batch``)."""
        with self._lock:
            items = list(self._outbox)
            self._outbox.clear()
            self._drain_scheduled = False
            self._pending_sends -= len(items)
        if len(items) == 1 or self.batch_bytes <= 0:  # a lone message: nothing to batch
            for peers, channel, data in items:
                if channel == CHANNEL_RELIABLE and data.startswith(BATCH_MARK):
                    data = frame_of_one(data)  # or the receiver would take it for a frame
                named = peers is not None
                for peer_id in peers if peers is not None else self._all_peers():
                    self._send_counted(peer_id, channel, data, 1, int(named))
            return
        reliable: dict[str, list[tuple[bytes, bool]]] = {}
        for peers, channel, data in items:
            named = peers is not None
            targets = peers if peers is not None else self._all_peers()
            for peer_id in targets:
                if channel == CHANNEL_RELIABLE:
                    reliable.setdefault(peer_id, []).append((data, named))
                else:
                    self._send_counted(peer_id, channel, data, 1, int(named))
        for peer_id, queued in reliable.items():
            if len(queued) == 1:  # one message for this peer (a broadcast to several peers)
                data, named = queued[0]
                if data.startswith(BATCH_MARK):
                    data = frame_of_one(data)
                self._send_counted(peer_id, CHANNEL_RELIABLE, data, 1, int(named))
                continue
            start = 0
            for frame, count in frames([data for data, _ in queued], self.batch_bytes):
                named_count = sum(named for _, named in queued[start:start + count])
                start += count
                self._send_counted(peer_id, CHANNEL_RELIABLE, frame, count, named_count)

    # --- event queue (called on the network thread) --------------------------------------------

    def _emit(self, event: TransportEvent, now: float | None = None) -> None:
        """Queue ``event`` in its peer's lane (local events in lane ""). Only messages are
        ever dropped: losing a connect/disconnect would corrupt the session. ``now``: the
        caller's ``time.monotonic()`` reading, if it has one."""
        if now is None:
            now = time.monotonic()
        with self._lock:
            admit(self._events, self._budget, self.stats, event, now)
            if type(event) is Message:
                return
            if isinstance(event, PeerConnected):
                self._connected.add(event.peer_id)
            elif isinstance(event, PeerDisconnected):
                self._connected.discard(event.peer_id)

    # --- network thread -----------------------------------------------------------------------

    def _start_on_loop(self) -> None:
        if not self._closed:
            self._main = asyncio.get_running_loop().create_task(self._run(), name="webrtc-main")

    def _all_peers(self) -> set[str]:
        return {self._stable(k) for k in self._links}

    def _send_counted(self, peer_id: str, channel: int, data: bytes, count: int,
                      named: int) -> None:
        """Send ``data`` (``count`` messages) to one peer. If it cannot go, the ``named`` of
        them that were sent to this peer by name count as dropped (a broadcast just skips a
        link that is going away)."""
        link = self._link_for(peer_id)
        if link is not None and link.send(channel, data):
            self.stats["messages_out"] += count
            if count > 1:
                self.stats["frames_out"] += 1
        else:
            self.stats["dropped_outgoing"] += named

    async def _run(self) -> None:
        try:
            peer_id = await self._client.connect()
        except SignallingError as exc:
            logger.error("%s", exc)
            self._emit(TransportError(str(exc), fatal=True,
                                      refused=isinstance(exc, SignallingRefused)))
            return
        self._local_peer_id = self._signalling_id = peer_id
        logger.info("Joined %s as peer %s", self.url, peer_id)
        self._emit(IdAssigned(peer_id))
        while not self._closed:
            try:
                await self._pump_signalling()
            except Exception:  # never a silent end: the server would keep a dead peer
                self.stats["signalling_loop_errors"] += 1
                logger.exception("%s: signalling loop failed; registering again", self.url)
                await self._client.drop()
            if self._closed:
                return
            reason = self._client.close_reason
            self._signalling_id = None
            logger.warning("%s: %s; existing peers stay connected", self.url, reason)
            self._emit(SignallingLost(reason))
            if not self.reconnect_signalling or not await self._reregister():
                return

    async def _reregister(self) -> bool:
        """Reconnect to the signalling server with backoff until it answers or we close."""
        for attempt, delay in enumerate(backoff_delays(), start=1):
            await asyncio.sleep(delay)
            if self._closed:
                return False
            try:
                new_id = await self._client.connect()
            except SignallingError as exc:
                logger.info("Signalling reconnect %d to %s failed: %s", attempt, self.url, exc)
                continue
            self._signalling_id = new_id
            self.stats["signalling_reconnects"] += 1
            logger.info("Signalling restored after %d attempt(s): %s as peer %s (linked peers "
                        "still know us as %s)", attempt, self.url, new_id, self._local_peer_id)
            self._emit(SignallingRestored(new_id))
            return True
        return False  # unreachable: backoff_delays is endless

    async def _pump_signalling(self) -> None:
        async for message in self._client.messages():
            if isinstance(message, NewPeerMessage):
                link = self._new_link(message.peer_id)
                if link is not None:
                    link.offer()
            elif isinstance(message, PeerLeftMessage):
                self._on_peer_left(message.peer_id)
            elif isinstance(message, SignalFromPeer):
                self._on_signal(message.sender, message.data)

    def _on_signal(self, sender: str, data: PeerSignal) -> None:
        same = same_as_peer(data)
        if same is not None:  # our offer reached a peer we already have a link to
            self._learn(sender, same)
            link = self._links.get(sender)
            if link is not None and not link.connected:
                self._silent.add(sender)
                link.close("already linked")
            return
        tag = sdp_peer_tag(data.value) if data.kind in ("Offer", "Answer") else None
        if tag is not None:
            self._learn(sender, tag)
        link = self._links.get(sender)
        if link is None and data.kind == "Offer":
            if tag is not None and self._healthy_link(tag) is not None:
                logger.info("Peer %s re-registered as %s; keeping our link", tag, sender)
                self.stats["offers_declined"] += 1
                if self._local_peer_id is not None:
                    asyncio.get_running_loop().create_task(
                        self._client.send_signal(sender, same_as_signal(self._local_peer_id)))
                return
            link = self._new_link(sender)
        if link is None:
            logger.debug("Dropping %s from unknown peer", data.kind)
            return
        link.handle_signal(data)

    def _on_peer_left(self, sender: str) -> None:
        stable = self._stable(sender)
        if self._latest_ids.get(stable, sender) != sender:
            logger.debug("Ignoring PeerLeft of %s: %s re-registered since", sender, stable)
            return
        for key, link in list(self._links.items()):
            if key == sender or self._stable(key) == stable:
                link.close("peer left")

    # --- stable peer ids (network thread) -----------------------------------------------------

    def _stable(self, signalling_id: str) -> str:
        return self._stable_ids.get(signalling_id, signalling_id)

    def _learn(self, signalling_id: str, stable: str) -> None:
        self._stable_ids[signalling_id] = stable
        self._latest_ids[stable] = signalling_id
        self._send_links.clear()

    def _link_for(self, stable: str) -> PeerLink | None:
        """The link to send to ``stable`` on: a connected one if there is one."""
        link = self._send_links.get(stable)
        if link is not None and link.connected:
            return link
        found = None
        for key, link in self._links.items():
            if self._stable(key) == stable:
                if link.connected:
                    self._send_links[stable] = link
                    return link
                found = found or link
        return found

    def _healthy_link(self, stable: str) -> PeerLink | None:
        now = time.monotonic()
        for key, link in self._links.items():
            if (self._stable(key) == stable and link.connected
                    and now - self._last_rx.get(key, float("-inf")) <= LINK_HEALTHY_WITHIN):
                return link
        return None

    async def _send_signal(self, receiver: str, signal: PeerSignal) -> bool:
        """Send through the current signalling socket, tagging our SDP with our stable id."""
        if signal.kind in ("Offer", "Answer") and self._local_peer_id is not None:
            signal = PeerSignal(signal.kind, tag_sdp(signal.value, self._local_peer_id))
        return await self._client.send_signal(receiver, signal)

    def _new_link(self, remote_id: str) -> PeerLink | None:
        if remote_id in self._links or remote_id in (self._local_peer_id, self._signalling_id):
            return None
        link = PeerLink(
            remote_id,
            self._config,
            send_signal=self._send_signal,
            on_connected=self._on_connected,
            on_message=self._on_message,
            on_closed=self._on_closed,
            connect_timeout=self.connect_timeout,
        )
        self._links[remote_id] = link
        self._send_links.clear()
        self._last_rx[remote_id] = time.monotonic()
        return link

    def _on_connected(self, key: str) -> None:
        self._send_links.clear()
        peer_id = self._stable(key)
        for other, link in list(self._links.items()):
            if other != key and self._stable(other) == peer_id:
                self._silent.add(other)  # the new link replaces it without any event
                self.stats["links_replaced"] += 1
                link.close("replaced by a new link")
        self._last_rx[key] = time.monotonic()
        with self._lock:
            renewed = peer_id in self._connected
        if renewed:
            logger.info("Link to peer %s renewed (via %s)", peer_id, key)
            return
        logger.info("Peer %s connected", peer_id)
        self._emit(PeerConnected(peer_id))

    def _on_message(self, key: str, channel: int, data: bytes) -> None:
        self.stats["messages_in"] += 1
        self._last_rx[key] = now = time.monotonic()
        self._emit(Message(self._stable_ids.get(key, key), channel, data), now=now)

    def _on_closed(self, key: str, reason: str, was_connected: bool) -> None:
        self._links.pop(key, None)
        self._send_links.clear()
        self._last_rx.pop(key, None)
        if self._closed:
            return
        peer_id = self._stable(key)
        others = [link for k, link in self._links.items() if self._stable(k) == peer_id]
        if key in self._silent or (others and not was_connected) or any(
                link.connected for link in others):
            self._silent.discard(key)
            logger.debug("Link %s to peer %s closed (%s); another link remains", key, peer_id,
                         reason)
            return
        logger.info("Peer %s disconnected: %s", peer_id, reason)
        if was_connected:
            self._emit(PeerDisconnected(peer_id, reason))
        else:
            # Never reported as connected, so no PeerDisconnected; still tell the game why.
            self._emit(TransportError(f"could not connect to peer {peer_id}: {reason}", False))

    async def _shutdown(self) -> None:
        if self._main is not None:
            self._main.cancel()
        closing = [t for link in list(self._links.values()) if (t := link.close("closed"))]
        self._links.clear()
        self._send_links.clear()
        closing.append(asyncio.ensure_future(self._client.close()))
        if self._main is not None:
            closing.append(self._main)
        # One shared deadline: close() on the game thread must return within CLOSE_DEADLINE.
        await asyncio.wait(closing, timeout=CLOSE_DEADLINE - 0.3)
        with self._lock:
            self._connected.clear()
