"""``WebRtcTransport``: a matchbox_socket-like full mesh over aiortc, driven from a game loop.

Everything asyncio happens on the shared network thread (see ``loop_thread``). The game thread
only calls ``poll()``/``send()``/``broadcast()``, which touch nothing but a lock-protected deque
and ``call_soon_threadsafe``; so a frame never waits on the network.

The parts: this module is what the game thread calls; ``_mesh`` the network-thread half (the
signalling socket and the aiortc links, ``peer``). The decisions are in sans-I/O modules with
``now`` passed in: ``_links`` (stable ids, which link a peer's sends go on, which link changes
are news), ``_outbox`` (the hand-off to the network thread, how a wake-up's sends are framed,
the count of what was dropped), ``_inbox`` (events back to the game thread, per-peer lanes and
budgets from ``_fair``), ``_batch`` (the frame format and the first bytes it reserves).
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import logging
import threading
from collections.abc import Sequence

from ._batch import DEFAULT_FRAME_BYTES
from ._fair import PEER_MESSAGE_BURST, PEER_MESSAGE_RATE
from ._gather import IceServerConfig, rtc_configuration
from ._inbox import Inbox
from ._mesh import Mesh
from ._outbox import Outbox, plan
from ._pair import SelectedPair
from .events import CHANNELS, TransportEvent
from .loop_thread import NetworkThread, get_network_thread
from .peer import PeerLink, Sent
from .signalling_client import SignallingClient

__all__ = ["CLOSE_DEADLINE", "IceServerConfig", "WebRtcTransport", "rtc_configuration"]

logger = logging.getLogger(__name__)

#: ``close()`` never takes longer than this, even when aiortc's own close hangs.
CLOSE_DEADLINE = 2.0


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
    ``link_progress=True`` adds a ``LinkProgress`` event for each step of a link still
    connecting (the session's join timeline and deadlines use them).
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
        link_progress: bool = False,
    ) -> None:
        #: Largest frame of several reliable messages to one peer (0: never batch).
        self.batch_bytes = batch_bytes
        self.url = f"{signalling_url.rstrip('/')}/{room.lstrip('/')}"
        self.room = room
        self.queue_size = queue_size
        self.stats: dict[str, int] = {
            "dropped_incoming": 0,  # both reasons below, every peer
            "dropped_incoming:rate_limited": 0,  # over a peer's budget (``peer_rate``)
            "dropped_incoming:queue_full": 0,  # a peer's lane full (``queue_size`` per peer)
            "dropped_outgoing": 0,  # one per message per peer it was for (see ``_outbox``)
            "refused_outgoing": 0,  # data-channel messages aiortc would not take (too large)
            "messages_in": 0,
            "messages_out": 0,
            "signalling_reconnects": 0,
            "offers_declined": 0,
            "links_replaced": 0,
            "frames_out": 0,
            "signalling_loop_errors": 0,  # the signalling loop raised; we re-registered
        }
        # Incoming events, one lane of ``queue_size`` per peer (see ``_fair``): a flooding
        # peer can fill only its own. Its budget is spent on the network thread, before a
        # message may take a place.
        self._inbox = Inbox(queue_size, peer_rate, peer_burst, self.stats, logger)
        #: Sends from the game thread wait here for one wake-up of the network loop.
        self._outbox = Outbox(queue_size, self.stats, self._inbox.connected_count)
        client = SignallingClient(self.url, id_timeout=signalling_timeout,
                                  keepalive_interval=keepalive_interval, stats=self.stats)
        self._mesh = Mesh(self.url, rtc_configuration(ice_servers), client, self._inbox,
                          self.stats, connect_timeout=connect_timeout,
                          reconnect=reconnect_signalling, progress=link_progress)
        self._lock = threading.Lock()  # ``_closed`` flips once
        self._net: NetworkThread | None = None
        self._closed = False

    # --- game-thread API ----------------------------------------------------------------------

    @property
    def local_peer_id(self) -> str | None:
        return self._mesh.local_peer_id

    @property
    def reconnect_signalling(self) -> bool:
        """Re-register when the signalling socket closes (see the class docstring)."""
        return self._mesh.reconnect

    def start(self) -> None:
        """Schedule the connection on the network thread and return immediately."""
        if self._net is not None or self._closed:
            return
        self._net = get_network_thread()
        self._outbox.open()
        self._net.call_soon(self._mesh.start)

    def poll(self, max_items: int | None = None) -> list[TransportEvent]:
        """Take pending events; never blocks. Each peer's events come in the order they
        arrived, and the peers take turns (one event each, round-robin), so a peer with a
        long backlog cannot delay the others' by more than one event per turn."""
        return self._inbox.drain(max_items)

    def dropped_incoming_by_peer(self) -> dict[str, int]:
        """Incoming messages dropped so far, by the (stable) id of the peer that sent them."""
        return self._inbox.dropped_by_peer()

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
        return self._inbox.connected_peers()

    def selected_candidate_pairs(self, timeout: float = 1.0) -> dict[str, SelectedPair]:
        """Diagnostics: per connected peer, the ICE candidate pair in use (e.g. to tell a
        direct link from one relayed by TURN). Asks the network thread; {} if it does not
        answer within ``timeout``."""
        net = self._net
        if net is None or self._closed:
            return {}

        def pairs() -> dict[str, SelectedPair]:  # network thread: it owns the links
            # By stable peer id, from the link sends go to (as connected_peers() reports).
            return {peer: pair for peer, link in self._mesh.links.send_links().items()
                    if (pair := link.selected_pair()) is not None}

        async def read() -> dict[str, SelectedPair]:
            return pairs()

        if net.is_current():
            return pairs()
        try:
            return net.submit(read()).result(timeout=timeout)
        except Exception as exc:
            logger.debug("selected_candidate_pairs: %s", exc)
            return {}

    def peer_links(self) -> list[PeerLink]:
        """Test and diagnostics hook: the links as they are now (one per remote signalling
        id). They belong to the network thread: read them, do not drive them."""
        return self._mesh.links.links()

    def refresh_signalling(self) -> None:
        """Re-register with the signalling server now (new signalling id, same
        ``local_peer_id``), so that every peer in the room offers to us again. For a peer that
        lost all its links to its own network failure while its signalling socket survived.
        Non-blocking; ignored while closed or before the first registration."""
        net = self._net
        if net is None or self._closed or not self.reconnect_signalling:
            return
        with contextlib.suppress(RuntimeError):  # loop closed at interpreter exit
            net.call_soon(self._mesh.refresh_signalling)

    def move_signalling(self, port: int, urls: Sequence[str], via: str | None = None) -> None:
        """Register with the server the lobby's new host runs (see ``Transport``); links
        stay. Non-blocking; ignored while closed or before the first registration."""
        net = self._net
        if net is None or self._closed:
            return
        with contextlib.suppress(RuntimeError):  # loop closed at interpreter exit
            net.call_soon(self._mesh.move, port, list(urls), via, self.room)

    def close(self) -> None:
        """Close every link and the signalling socket; returns within ``CLOSE_DEADLINE``."""
        closing = self._begin_close()
        if closing is not None:
            self._await_close(closing)

    def close_nowait(self) -> None:
        """Start closing and return at once (for a game frame: ``close()`` may wait up to
        ``CLOSE_DEADLINE`` for aiortc). Sends from now on drop; a daemon thread named
        "transport-close" waits for the shutdown, to log one that overruns."""
        closing = self._begin_close()
        if closing is not None:
            threading.Thread(target=self._await_close, args=(closing,), name="transport-close",
                             daemon=True).start()

    def __enter__(self) -> WebRtcTransport:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _begin_close(self) -> concurrent.futures.Future[None] | None:
        """Mark closed (once) and start the shutdown on the network thread; the future to
        wait on, if there is one to wait for."""
        with self._lock:
            if self._closed:
                return None
            self._closed = True
        self._outbox.close()  # sends from now on drop and count
        self._inbox.close()  # poll() and connected_peers() are empty from now on
        net = self._net
        if net is None:
            return None
        if net.is_current():
            net.loop.create_task(self._shutdown())
            return None
        return net.submit(self._shutdown())

    async def _shutdown(self) -> None:
        # One shared deadline: close() on the game thread must return within CLOSE_DEADLINE.
        await self._mesh.shutdown(CLOSE_DEADLINE - 0.3)

    def _await_close(self, closing: concurrent.futures.Future[None]) -> None:
        try:
            closing.result(timeout=CLOSE_DEADLINE - 0.1)
        except TimeoutError:
            logger.warning("Transport close did not finish within %.1f s", CLOSE_DEADLINE)
        except Exception as exc:
            logger.warning("Transport close raised %s", exc)

    def _enqueue_send(self, peers: tuple[str, ...] | None, channel: int, data: bytes) -> None:
        """What ``send``, ``send_many`` and ``broadcast`` share: check the channel, take the
        bytes (a copy of a bytearray the caller may reuse), queue, wake the network thread."""
        if channel not in CHANNELS:
            raise ValueError(f"unknown channel {channel}; use CHANNEL_RELIABLE/CHANNEL_UNRELIABLE")
        if type(data) is not bytes:
            data = bytes(data)
        if self._outbox.put(peers, channel, data):  # dropped before start() and after close()
            self._wake()

    def _wake(self) -> None:
        """Ask the network thread to drain the outbox (once per drain, not per send)."""
        assert self._net is not None  # the outbox opens in start()
        try:
            # The loop's own method, not NetworkThread.call_soon: one frame less between the
            # hand-off and the game thread letting go of the GIL, which the wake-up waits for.
            self._net.loop.call_soon_threadsafe(self._drain_outbox)
        except RuntimeError:  # loop closed at interpreter exit
            self._outbox.abandon()

    def _drain_outbox(self) -> None:
        """Network thread: send everything queued since the last wake-up (``_outbox.plan``)."""
        send = self._send_counted
        sends = plan(self._outbox.take(), self._mesh.links.peers, self.batch_bytes)
        for peer_id, channel, data, count, named in sends:
            send(peer_id, channel, data, count, named)

    def _send_counted(self, peer_id: str, channel: int, data: bytes, count: int,
                      named: int) -> None:
        """Send ``data`` (``count`` messages) to one peer. If it cannot go, the ``named`` of
        them that were sent to this peer by name count as dropped (a broadcast just skips a
        link that is going away); if aiortc refused it, all ``count`` do."""
        link = self._mesh.links.link_for(peer_id)
        sent = link.send(channel, data) if link is not None else Sent.NOT_OPEN
        if sent is Sent.OK:
            self.stats["messages_out"] += count
            if count > 1:
                self.stats["frames_out"] += 1
        elif sent is Sent.REFUSED:
            self.stats["refused_outgoing"] += 1
            self._outbox.count_dropped(count)
        else:
            self._outbox.count_dropped(named)
