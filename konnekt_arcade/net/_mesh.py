"""The network-thread half of ``WebRtcTransport``: the signalling socket and one link per
remote peer.

Everything here runs on the shared network thread (``loop_thread``). It turns signalling
messages into links and link callbacks into transport events; the decisions about links
(stable ids, which link carries a peer's sends, when a link change is news) are the
``LinkTable``'s, and the events go into the transport's ``Inbox``. What the game thread calls
is in ``webrtc``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from aiortc import RTCConfiguration

from ._inbox import Inbox
from ._links import PEER_LEFT_PROOF, LinkTable
from .events import (
    IdAssigned,
    LinkProgress,
    Message,
    PeerConnected,
    PeerDisconnected,
    SignallingLost,
    SignallingRestored,
    TransportError,
    TransportEvent,
)
from .peer import PeerLink
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


class Mesh:
    """Signalling and links of one transport; network thread only (no lock).

    ``local_peer_id`` is our first signalling id, kept for the transport's life;
    ``signalling_id`` the current one (None while the signalling socket is down).
    """

    def __init__(self, url: str, config: RTCConfiguration, client: SignallingClient,
                 inbox: Inbox, stats: dict[str, int], *, connect_timeout: float,
                 reconnect: bool, progress: bool = False) -> None:
        self.url = url
        self.config = config
        self.client = client
        self.inbox = inbox
        self.stats = stats
        self.connect_timeout = connect_timeout
        self.reconnect = reconnect
        #: Emit ``LinkProgress`` for the steps of links still connecting.
        self.progress = progress
        self.links: LinkTable[PeerLink] = LinkTable()
        self.local_peer_id: str | None = None
        self.signalling_id: str | None = None
        #: Set when the transport shuts down: no more events, no more reconnects.
        self.closing = False
        self._main: asyncio.Task[None] | None = None
        #: Where to register next after ``move`` (full URL, base URL), tried in order; empty
        #: when no move is pending. ``_moved`` cuts a backoff wait short when a move arrives.
        self._candidates: list[tuple[str, str]] = []
        self._moved: asyncio.Event | None = None

    def start(self) -> None:
        self._moved = asyncio.Event()
        if not self.closing:
            self._main = asyncio.get_running_loop().create_task(self._run(), name="webrtc-main")

    def _emit(self, event: TransportEvent, now: float | None = None) -> None:
        self.inbox.put(event, time.monotonic() if now is None else now)

    def refresh_signalling(self) -> None:
        """Drop the signalling socket, so that it re-registers (see ``WebRtcTransport``).
        Links still negotiating are closed first: they belong to our old signalling id, and
        the peers' fresh offers to the new one would otherwise land on them."""
        if not self.closing and self.signalling_id is not None and self.client.connected:
            logger.info("Re-registering with %s to find our peers again", self.url)
            for link in self.links.links():
                if not link.connected:
                    link.close("connecting again")
            asyncio.get_running_loop().create_task(self.client.drop())

    def move(self, port: int, urls: list[str], via: str | None, room: str) -> None:
        """Register with another server (``WebRtcTransport.move_signalling``): the address
        our link to ``via`` reaches it at first, then ``urls``. A socket still open to the old
        server is dropped (a host that left on purpose keeps its server up a moment); the
        re-registration loop then tries the candidates at once, without backoff."""
        if self.closing:
            return
        bases: list[str] = []
        link = self.links.link_for(via) if via is not None else None
        pair = link.selected_pair() if link is not None and link.connected else None
        if pair is not None and not pair.relayed:
            host = pair.remote_address[0]
            bases.append(f"ws://[{host}]:{port}" if ":" in host else f"ws://{host}:{port}")
        bases += [u.rstrip("/") for u in urls if u.rstrip("/") not in bases]
        self._candidates = [(f"{base}/{room.lstrip('/')}", base) for base in bases]
        logger.info("📡 Signalling moves to %s", ", ".join(bases))
        if self._moved is not None:
            self._moved.set()
        if self.client.connected:  # "moving": the old server tells the room no PeerLeft
            asyncio.get_running_loop().create_task(self.client.drop(moving=True))

    # --- signalling ---------------------------------------------------------------------------

    async def _run(self) -> None:
        try:
            peer_id = await self.client.connect()
        except SignallingError as exc:
            logger.error("%s", exc)
            self._emit(TransportError(str(exc), fatal=True,
                                      refused=isinstance(exc, SignallingRefused)))
            return
        self.local_peer_id = self.signalling_id = peer_id
        logger.info("Joined %s as peer %s", self.url, peer_id)
        self._emit(IdAssigned(peer_id))
        while not self.closing:
            try:
                await self._pump_signalling()
            except Exception:  # never a silent end: the server would keep a dead peer
                self.stats["signalling_loop_errors"] += 1
                logger.exception("%s: signalling loop failed; registering again", self.url)
                await self.client.drop()
            if self.closing:
                return
            reason = self.client.close_reason
            self.signalling_id = None
            if not self._candidates:  # a move is not a loss: the new server is named
                logger.warning("%s: %s; existing peers stay connected", self.url, reason)
                self._emit(SignallingLost(reason))
            if not self.reconnect or not await self._reregister():
                return

    async def _reregister(self) -> bool:
        """Reconnect to the signalling server with backoff until it answers or we close."""
        for attempt, delay in enumerate(backoff_delays(), start=1):
            await self._backoff(delay)
            if self.closing:
                return False
            moved = list(self._candidates)
            for url, base in moved or [(self.url, "")]:
                self.client.url = url
                try:
                    new_id = await self.client.connect()
                except SignallingError as exc:
                    logger.info("Signalling reconnect %d to %s failed: %s", attempt, url, exc)
                    continue
                if self._candidates == moved:
                    self._candidates = []
                self.url = url
                self.signalling_id = new_id
                self.stats["signalling_reconnects"] += 1
                logger.info("Signalling restored after %d attempt(s): %s as peer %s (linked "
                            "peers still know us as %s)", attempt, url, new_id,
                            self.local_peer_id)
                self._emit(SignallingRestored(new_id, base))
                if self._candidates:  # told to move while this connect was under way
                    asyncio.get_running_loop().create_task(self.client.drop(moving=True))
                return True
        return False  # unreachable: backoff_delays is endless

    async def _backoff(self, delay: float) -> None:
        """Wait ``delay`` s before the next attempt, or less when a move arrives."""
        moved = self._moved
        if moved is None:
            await asyncio.sleep(delay)
            return
        if not moved.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(moved.wait(), delay)
        moved.clear()

    async def _pump_signalling(self) -> None:
        async for message in self.client.messages():
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
            stale = self.links.already_linked(sender, same)
            if stale is not None:
                stale.close("already linked")
            return
        tag = sdp_peer_tag(data.value) if data.kind in ("Offer", "Answer") else None
        if tag is not None:
            self.links.learn(sender, tag)
        link = self.links.get(sender)
        if link is None and data.kind == "Offer":
            if self.links.should_decline_offer(tag, time.monotonic()):
                logger.info("Peer %s re-registered as %s; keeping our link", tag, sender)
                self.stats["offers_declined"] += 1
                if self.local_peer_id is not None:
                    asyncio.get_running_loop().create_task(
                        self.client.send_signal(sender, same_as_signal(self.local_peer_id)))
                return
            link = self._new_link(sender)
        if link is None:
            logger.debug("Dropping %s from unknown peer", data.kind)
            return
        link.handle_signal(data)

    def _on_peer_left(self, sender: str) -> None:
        now = time.monotonic()
        leaving = self.links.leaving(sender, now)
        if leaving is None:
            logger.debug("PeerLeft of %s: %s re-registered or is live; keeping its links for "
                         "now", sender, self.links.stable(sender))
            asyncio.get_running_loop().call_later(PEER_LEFT_PROOF, self._peer_left_due,
                                                  sender, now)
            return
        for link in leaving:
            link.close("peer left")

    def _peer_left_due(self, sender: str, since: float) -> None:
        """A PeerLeft kept for a live-looking peer: close its links if it stayed silent."""
        if self.closing:
            return
        for link in self.links.still_silent(sender, since):
            link.close("peer left")

    async def _send_signal(self, receiver: str, signal: PeerSignal) -> bool:
        """Send through the current signalling socket, tagging our SDP with our stable id."""
        if signal.kind in ("Offer", "Answer") and self.local_peer_id is not None:
            signal = PeerSignal(signal.kind, tag_sdp(signal.value, self.local_peer_id))
        return await self.client.send_signal(receiver, signal)

    # --- links ----------------------------------------------------------------------------------

    def _new_link(self, remote_id: str) -> PeerLink | None:
        if remote_id in self.links or remote_id in (self.local_peer_id, self.signalling_id):
            return None
        link = PeerLink(
            remote_id,
            self.config,
            send_signal=self._send_signal,
            on_connected=self._on_connected,
            on_message=self._on_message,
            on_closed=self._on_closed,
            connect_timeout=self.connect_timeout,
            on_progress=self._on_progress,
        )
        self.links.add(remote_id, link, time.monotonic())
        return link

    def _on_connected(self, key: str) -> None:
        for old in self.links.connected(key, time.monotonic()):
            self.stats["links_replaced"] += 1
            old.close("replaced by a new link")  # silently: the peer never went away
        peer_id = self.links.stable(key)
        if self.inbox.is_connected(peer_id):
            logger.info("Link to peer %s renewed (via %s)", peer_id, key)
            return
        logger.info("Peer %s connected", peer_id)
        self._emit(PeerConnected(peer_id))

    def _on_progress(self, key: str, stage: str) -> None:
        if self.progress and not self.closing:
            self._emit(LinkProgress(self.links.stable(key), stage, time.monotonic()))

    def _on_message(self, key: str, channel: int, data: bytes) -> None:
        self.stats["messages_in"] += 1
        now = time.monotonic()  # one reading for the link's health and the peer's budget
        self.inbox.put(Message(self.links.heard(key, now), channel, data), now)

    def _on_closed(self, key: str, reason: str, was_connected: bool) -> None:
        gone = self.links.closed(key, was_connected)
        if self.closing:
            return
        peer_id = self.links.stable(key)
        if not gone:
            logger.debug("Link %s to peer %s closed (%s); another link remains", key, peer_id,
                         reason)
            return
        logger.info("Peer %s disconnected: %s", peer_id, reason)
        if was_connected:
            self._emit(PeerDisconnected(peer_id, reason))
        else:
            # Never reported as connected, so no PeerDisconnected; still tell the game why.
            self._emit(TransportError(f"could not connect to peer {peer_id}: {reason}", False))

    async def shutdown(self, deadline: float) -> None:
        """Close every link and the signalling socket, waiting at most ``deadline`` s."""
        self.closing = True
        if self._main is not None:
            self._main.cancel()
        closing = [t for link in self.links.clear() if (t := link.close("closed"))]
        closing.append(asyncio.ensure_future(self.client.close()))
        if self._main is not None:
            closing.append(self._main)
        await asyncio.wait(closing, timeout=deadline)
