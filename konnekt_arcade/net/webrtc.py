"""``WebRtcTransport``: a matchbox_socket-like full mesh over aiortc, driven from a game loop.

Everything asyncio happens on the shared network thread (see ``loop_thread``). The game thread
only calls ``poll()``/``send()``/``broadcast()``, which touch nothing but a lock-protected deque
and ``call_soon_threadsafe``; so a frame never waits on the network.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from aiortc import RTCConfiguration, RTCIceServer

from .events import (
    CHANNELS,
    IdAssigned,
    Message,
    PeerConnected,
    PeerDisconnected,
    SignallingLost,
    TransportError,
    TransportEvent,
)
from .loop_thread import NetworkThread, get_network_thread
from .peer import PeerLink, SelectedPair
from .signalling_client import SignallingClient, SignallingError
from .signalling_messages import NewPeerMessage, PeerLeftMessage, SignalFromPeer

logger = logging.getLogger(__name__)

#: ``close()`` never takes longer than this, even when aiortc's own close hangs.
CLOSE_DEADLINE = 2.0
_DROP_WARNING_INTERVAL = 5.0


@dataclass(frozen=True)
class IceServerConfig:
    """A STUN or TURN server. aiortc uses only the first STUN and the first TURN URL."""

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
    ) -> None:
        self.url = f"{signalling_url.rstrip('/')}/{room.lstrip('/')}"
        self.queue_size = queue_size
        self.connect_timeout = connect_timeout
        self._config = rtc_configuration(ice_servers)
        self._client = SignallingClient(
            self.url, id_timeout=signalling_timeout, keepalive_interval=keepalive_interval
        )
        self.stats: dict[str, int] = {
            "dropped_incoming": 0,
            "dropped_outgoing": 0,
            "messages_in": 0,
            "messages_out": 0,
        }
        self._local_peer_id: str | None = None
        self._lock = threading.Lock()
        self._events: collections.deque[TransportEvent] = collections.deque()
        self._connected: set[str] = set()
        self._pending_sends = 0
        self._last_drop_warning = 0.0
        self._links: dict[str, PeerLink] = {}  # network thread only
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
        """Take pending events, oldest first; never blocks."""
        with self._lock:
            count = len(self._events) if max_items is None else min(max_items, len(self._events))
            return [self._events.popleft() for _ in range(count)]

    def send(self, peer_id: str, channel: int, data: bytes) -> None:
        """Enqueue ``data`` for ``peer_id``; unknown peers and full queues drop and count."""
        if channel not in CHANNELS:
            raise ValueError(f"unknown channel {channel}; use CHANNEL_RELIABLE/CHANNEL_UNRELIABLE")
        self._enqueue_send((peer_id,), channel, bytes(data))

    def broadcast(self, channel: int, data: bytes) -> None:
        """Enqueue ``data`` for every connected peer."""
        if channel not in CHANNELS:
            raise ValueError(f"unknown channel {channel}; use CHANNEL_RELIABLE/CHANNEL_UNRELIABLE")
        self._enqueue_send(None, channel, bytes(data))

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
            return {peer: pair for peer, link in list(self._links.items())
                    if link.connected and (pair := link.selected_pair()) is not None}

        async def read() -> dict[str, SelectedPair]:
            return pairs()

        if net.is_current():
            return pairs()
        try:
            return net.submit(read()).result(timeout=timeout)
        except Exception as exc:
            logger.debug("selected_candidate_pairs: %s", exc)
            return {}

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
        with self._lock:
            if self._closed or self._net is None or self._pending_sends >= self.queue_size:
                self.stats["dropped_outgoing"] += 1
                return
            self._pending_sends += 1
        try:
            self._net.call_soon(self._send_on_loop, peers, channel, data)
        except RuntimeError:  # loop closed at interpreter exit
            with self._lock:
                self._pending_sends -= 1
                self.stats["dropped_outgoing"] += 1

    # --- event queue (called on the network thread) --------------------------------------------

    def _emit(self, event: TransportEvent) -> None:
        with self._lock:
            if isinstance(event, Message) and len(self._events) >= self.queue_size:
                # Only data is dropped: losing a connect/disconnect would corrupt the session.
                self.stats["dropped_incoming"] += 1
                now = time.monotonic()
                warn = now - self._last_drop_warning >= _DROP_WARNING_INTERVAL
                if warn:
                    self._last_drop_warning = now
            else:
                warn = False
                self._events.append(event)
                if isinstance(event, PeerConnected):
                    self._connected.add(event.peer_id)
                elif isinstance(event, PeerDisconnected):
                    self._connected.discard(event.peer_id)
        if warn:
            logger.warning(
                "Incoming queue full (%d): dropped %d messages so far; poll() more often",
                self.queue_size,
                self.stats["dropped_incoming"],
            )

    # --- network thread -----------------------------------------------------------------------

    def _start_on_loop(self) -> None:
        if not self._closed:
            self._main = asyncio.get_running_loop().create_task(self._run(), name="webrtc-main")

    def _send_on_loop(self, peers: tuple[str, ...] | None, channel: int, data: bytes) -> None:
        with self._lock:
            self._pending_sends -= 1
        targets = list(self._links) if peers is None else peers
        for peer_id in targets:
            link = self._links.get(peer_id)
            if link is not None and link.send(channel, data):
                self.stats["messages_out"] += 1
            elif peers is not None:
                self.stats["dropped_outgoing"] += 1

    async def _run(self) -> None:
        try:
            peer_id = await self._client.connect()
        except SignallingError as exc:
            logger.error("%s", exc)
            self._emit(TransportError(str(exc), fatal=True))
            return
        self._local_peer_id = peer_id
        logger.info("Joined %s as peer %s", self.url, peer_id)
        self._emit(IdAssigned(peer_id))
        async for message in self._client.messages():
            if isinstance(message, NewPeerMessage):
                link = self._new_link(message.peer_id)
                if link is not None:
                    link.offer()
            elif isinstance(message, PeerLeftMessage):
                link = self._links.get(message.peer_id)
                if link is not None:
                    link.close("peer left")
            elif isinstance(message, SignalFromPeer):
                link = self._links.get(message.sender)
                if link is None and message.data.kind == "Offer":
                    link = self._new_link(message.sender)
                if link is None:
                    logger.debug("Dropping %s from unknown peer", message.data.kind)
                    continue
                link.handle_signal(message.data)
        if not self._closed:
            reason = self._client.close_reason
            logger.warning("%s: %s; existing peers stay connected", self.url, reason)
            self._emit(SignallingLost(reason))

    def _new_link(self, remote_id: str) -> PeerLink | None:
        if remote_id in self._links or remote_id == self._local_peer_id:
            return None
        link = PeerLink(
            remote_id,
            self._config,
            send_signal=self._client.send_signal,
            on_connected=self._on_connected,
            on_message=self._on_message,
            on_closed=self._on_closed,
            connect_timeout=self.connect_timeout,
        )
        self._links[remote_id] = link
        return link

    def _on_connected(self, peer_id: str) -> None:
        logger.info("Peer %s connected", peer_id)
        self._emit(PeerConnected(peer_id))

    def _on_message(self, peer_id: str, channel: int, data: bytes) -> None:
        self.stats["messages_in"] += 1
        self._emit(Message(peer_id, channel, data))

    def _on_closed(self, peer_id: str, reason: str, was_connected: bool) -> None:
        self._links.pop(peer_id, None)
        if self._closed:
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
        closing.append(asyncio.ensure_future(self._client.close()))
        if self._main is not None:
            closing.append(self._main)
        # One shared deadline: close() on the game thread must return within CLOSE_DEADLINE.
        await asyncio.wait(closing, timeout=CLOSE_DEADLINE - 0.3)
        with self._lock:
            self._connected.clear()
