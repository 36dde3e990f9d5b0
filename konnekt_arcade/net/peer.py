"""One WebRTC link to one remote peer, negotiated the way matchbox_socket does it.

Each link owns an ``RTCPeerConnection`` with matchbox's two pre-negotiated data channels. Signals
for a link are handled strictly in order by one worker task, because an Offer must be applied
before the candidates that follow it and the Answer must go out before anything else.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import json
import logging
from collections.abc import Awaitable, Callable

from aiortc import RTCConfiguration, RTCDataChannel, RTCPeerConnection, RTCSessionDescription
from aiortc.exceptions import InvalidStateError
from aiortc.sdp import candidate_from_sdp

from ._batch import BATCH_MARK, unpack
from ._dtls import double_handshake
from ._gather import install_all_servers
from ._pair import SelectedPair
from ._sctp import on_established, tune_timers
from .events import CHANNEL_RELIABLE, CHANNEL_UNRELIABLE, LINK_STAGES
from .signalling_messages import PeerSignal

logger = logging.getLogger(__name__)

#: ``SelectedPair`` is what ``PeerLink.selected_pair()`` returns, so it is published here too.
__all__ = ["MAX_CONNECT_TIMEOUTS", "MAX_EARLY_MESSAGES", "PC_CLOSE_TIMEOUT", "PeerLink",
           "SelectedPair", "Sent"]

#: How long we let aiortc's ``close()`` run before abandoning it (it can hang on dead peers).
PC_CLOSE_TIMEOUT = 1.5
#: A link that keeps making progress (``LINK_STAGES``) gets ``connect_timeout`` again after
#: each step, but never more than this many times ``connect_timeout`` in all: on a lossy
#: network each step may take seconds of retransmissions, and a link that still moves is not
#: a dead link; a dead one (no answer, no ICE) still ends ``connect_timeout`` after its last step.
MAX_CONNECT_TIMEOUTS = 4
#: Messages that arrive before our side of the link is open, held until it opens (see
#: ``_message_handler``); beyond this many the rest are dropped (a peer cannot say much in the
#: second before our channels open: the host's snapshot, a heartbeat or two).
MAX_EARLY_MESSAGES = 64


class Sent(enum.Enum):
    """What ``PeerLink.send`` did with a message."""

    #: Handed to aiortc, which delivers it while the link lives.
    OK = "ok"
    #: The link or its channel is not open (not yet, or going away).
    NOT_OPEN = "not open"
    #: The channel is open but aiortc would not take the message (e.g. over the remote's
    #: maximum message size: 65,536 bytes when the remote advertises none). Logged.
    REFUSED = "refused"


class PeerLink:
    """Connection state for one remote peer; lives entirely on the network thread."""

    def __init__(
        self,
        remote_id: str,
        config: RTCConfiguration,
        *,
        send_signal: Callable[[str, PeerSignal], Awaitable[bool]],
        on_connected: Callable[[str], None],
        on_message: Callable[[str, int, bytes], None],
        on_closed: Callable[[str, str, bool], None],
        connect_timeout: float,
        on_progress: Callable[[str, str], None] = lambda key, stage: None,
    ) -> None:
        self.remote_id = remote_id
        self.connected = False
        self.closed = False
        #: Messages aiortc refused to send on this link (see ``send``).
        self.refused = 0
        self._send_signal = send_signal
        self._on_connected = on_connected
        self._on_message = on_message
        self._on_closed = on_closed
        self._on_progress = on_progress
        #: (channel, data) that arrived before ``connected`` (see ``_message_handler``).
        self._early: list[tuple[int, bytes]] = []
        #: Early messages dropped beyond ``MAX_EARLY_MESSAGES``.
        self.early_dropped = 0
        #: Stages of ``LINK_STAGES`` this link has reached (each reported once).
        self.stages: set[str] = set()
        self._pending_candidates: list[dict[str, object]] = []
        self._signals: asyncio.Queue[PeerSignal | None] = asyncio.Queue()
        self.pc = RTCPeerConnection(config)
        self.channels: list[RTCDataChannel] = [
            self.pc.createDataChannel(
                f"matchbox_socket_{CHANNEL_RELIABLE}",
                negotiated=True,
                id=CHANNEL_RELIABLE,
                ordered=True,
            ),
            self.pc.createDataChannel(
                f"matchbox_socket_{CHANNEL_UNRELIABLE}",
                negotiated=True,
                id=CHANNEL_UNRELIABLE,
                ordered=False,
                maxRetransmits=0,
            ),
        ]
        for index, channel in enumerate(self.channels):
            channel.on("open", self._check_open)
            channel.on("message", self._message_handler(index))
            channel.on("close", lambda: self.close("data channel closed"))
        # aiortc alone would use only the first STUN and the first TURN server.
        install_all_servers(self.pc, config.iceServers or [])
        self.pc.on("connectionstatechange", self._on_state_change)
        self.pc.on("iceconnectionstatechange", self._on_state_change)
        sctp = self.pc.sctp
        if sctp is not None:
            sctp.transport.on("statechange", self._on_dtls_state)
            on_established(sctp, lambda: self._progress("sctp"))
            tune_timers(sctp)  # a lost packet costs 0.2-1 s, not aiortc's 1-3 s (see _sctp)
            double_handshake(sctp.transport)  # a lost DTLS flight costs >= 1 s (see _dtls)
        loop = asyncio.get_running_loop()
        self._connect_timeout = connect_timeout
        self._give_up_at = loop.time() + MAX_CONNECT_TIMEOUTS * connect_timeout
        self._timeout = loop.call_later(connect_timeout, self._on_connect_timeout, connect_timeout)
        self._worker = asyncio.create_task(self._run_signals(), name=f"peer-{remote_id[:8]}")

    # --- negotiation ----------------------------------------------------------------------------

    def offer(self) -> None:
        """We are the existing peer: start negotiation (queued behind nothing)."""
        self._signals.put_nowait(PeerSignal("Offer", ""))  # empty value = "create our offer"

    def handle_signal(self, signal: PeerSignal) -> None:
        """Queue a signal from the remote peer for in-order processing."""
        if not self.closed:
            self._signals.put_nowait(signal)

    async def _run_signals(self) -> None:
        while True:
            signal = await self._signals.get()
            if signal is None or self.closed:
                return
            try:
                await self._apply(signal)
            except Exception as exc:  # a bad SDP must not kill the network thread
                logger.warning("Negotiation with %s failed: %s", self.remote_id, exc)
                self.close(f"negotiation failed: {exc}")
                return

    async def _apply(self, signal: PeerSignal) -> None:
        pc = self.pc
        if signal.kind == "Offer" and not signal.value:
            await pc.setLocalDescription(await pc.createOffer())
            await self._send_signal(self.remote_id, PeerSignal("Offer", pc.localDescription.sdp))
            self._progress("offer")
        elif signal.kind == "Offer":
            self._progress("offer")
            await pc.setRemoteDescription(RTCSessionDescription(signal.value, "offer"))
            await self._flush_candidates()
            await pc.setLocalDescription(await pc.createAnswer())
            # aiortc embeds all local candidates in the SDP, so the Answer is all we send.
            await self._send_signal(self.remote_id, PeerSignal("Answer", pc.localDescription.sdp))
            self._progress("answer")
        elif signal.kind == "Answer":
            self._progress("answer")
            await pc.setRemoteDescription(RTCSessionDescription(signal.value, "answer"))
            await self._flush_candidates()
        else:
            init = json.loads(signal.value)
            if not isinstance(init, dict):
                raise ValueError("IceCandidate is not an RTCIceCandidateInit object")
            if pc.remoteDescription is None:
                self._pending_candidates.append(init)
            else:
                await self._add_candidate(init)

    async def _flush_candidates(self) -> None:
        pending, self._pending_candidates = self._pending_candidates, []
        for init in pending:
            await self._add_candidate(init)

    async def _add_candidate(self, init: dict[str, object]) -> None:
        text = init.get("candidate")
        if not isinstance(text, str) or not text:
            return  # end-of-candidates marker
        candidate = candidate_from_sdp(text.split(":", 1)[1] if ":" in text else text)
        mid = init.get("sdpMid")
        index = init.get("sdpMLineIndex")
        candidate.sdpMid = mid if isinstance(mid, str) else None
        candidate.sdpMLineIndex = index if isinstance(index, int) else None
        if candidate.sdpMid is None and candidate.sdpMLineIndex is None:
            candidate.sdpMLineIndex = 0
        await self.pc.addIceCandidate(candidate)

    # --- state ----------------------------------------------------------------------------------

    def selected_pair(self) -> SelectedPair | None:
        """The nominated candidate pair, or None before ICE has nominated one.

        aiortc has no public API for it (``getStats`` lacks candidate pairs), so this reads
        aioice's nominated pair for component 1; any change there yields None, not an error.
        """
        try:  # aiortc types sctp as optional; None raises AttributeError, caught below
            connection = self.pc.sctp.transport.transport._connection  # type: ignore[union-attr]
            pair = connection._nominated.get(1)
            if pair is None:
                return None
            local, remote = pair.local_candidate, pair.remote_candidate
            return SelectedPair(local.type, (local.host, local.port),
                                remote.type, (remote.host, remote.port))
        except AttributeError:
            return None

    def _message_handler(self, channel: int) -> Callable[[bytes | str], None]:
        # Runs for every message on the network thread: what it needs is bound once here.
        on_message, remote_id = self._on_message, self.remote_id
        framed = channel == CHANNEL_RELIABLE

        def handler(data: bytes | str) -> None:
            if isinstance(data, str):
                data = data.encode("utf-8")
            if not self.connected:
                # The remote's side opened first and it already sent (the host's snapshot
                # right after its PeerConnected) while our COOKIE-ACK was lost: aiortc hands
                # us the data before our channels open. Delivered now, it would sync a guest
                # whose sends to the host are still refused (a JoinLobby lost, unanswered at
                # 10 s); held, it comes right after our PeerConnected.
                if len(self._early) < MAX_EARLY_MESSAGES:
                    self._early.append((channel, data))
                else:
                    self.early_dropped += 1
                return
            if framed and data[:1] == BATCH_MARK:
                # Several messages sent as one frame (see _batch): hand them up one by one,
                # in order. A frame that does not parse goes up as it is, to be dropped and
                # counted as malformed by the layer that reads it.
                for message in unpack(data) or (data,):
                    on_message(remote_id, channel, message)
                return
            on_message(remote_id, channel, data)

        return handler

    def _check_open(self) -> None:
        if self.closed or self.connected:
            return
        if all(channel.readyState == "open" for channel in self.channels):
            self.connected = True
            self._timeout.cancel()
            self._on_connected(self.remote_id)
            early, self._early = self._early, []
            for channel, data in early:
                self.channels[channel].emit("message", data)  # our handler, in order

    def _on_state_change(self) -> None:
        for state in (self.pc.connectionState, self.pc.iceConnectionState):
            if state in ("failed", "closed"):
                self.close(f"connection {state}")
                return
        if self.pc.iceConnectionState == "completed":
            self._progress("ice")

    def _on_dtls_state(self) -> None:
        sctp = self.pc.sctp
        if sctp is not None and sctp.transport.state == "connected":
            self._progress("dtls")

    def _progress(self, stage: str) -> None:
        """A step forward (one of ``LINK_STAGES``): reported once (the join timeline, the
        session's deadline), and the link gets ``connect_timeout`` again (see
        ``MAX_CONNECT_TIMEOUTS``)."""
        if self.closed or self.connected or stage in self.stages:
            return
        self.stages.add(stage)
        self._timeout.cancel()
        loop = asyncio.get_running_loop()
        delay = min(self._connect_timeout, max(0.0, self._give_up_at - loop.time()))
        self._timeout = loop.call_later(delay, self._on_connect_timeout, self._connect_timeout)
        self._on_progress(self.remote_id, stage)

    def _on_connect_timeout(self, seconds: float) -> None:
        if not self.connected:
            done = ", ".join(s for s in LINK_STAGES if s in self.stages) or "nothing"
            self.close(f"not connected within {seconds:g} s of its last step (done: {done})")

    def send(self, channel: int, data: bytes) -> Sent:
        """Hand ``data`` to a channel. A refusal by aiortc is logged (a warning the first time
        per link) and counted in ``refused``: the caller counts the message as dropped."""
        if self.closed or not self.connected:
            return Sent.NOT_OPEN
        dc = self.channels[channel]
        if dc.readyState != "open":
            return Sent.NOT_OPEN
        try:
            dc.send(data)
        except InvalidStateError:  # the channel started closing under us
            return Sent.NOT_OPEN
        except Exception as exc:
            self.refused += 1
            logger.log(logging.WARNING if self.refused == 1 else logging.DEBUG,
                       "Send of %d bytes to %s refused (%d so far on this link): %s",
                       len(data), self.remote_id, self.refused, exc)
            return Sent.REFUSED
        return Sent.OK

    def close(self, reason: str) -> asyncio.Task[None] | None:
        """Mark closed, report once, and close the pc in the background (bounded)."""
        if self.closed:
            return None
        self.closed = True
        self._timeout.cancel()
        self._signals.put_nowait(None)
        self._on_closed(self.remote_id, reason, self.connected)
        return asyncio.get_running_loop().create_task(self._close_pc())

    async def _close_pc(self) -> None:
        try:
            await asyncio.wait_for(self.pc.close(), PC_CLOSE_TIMEOUT)
        except TimeoutError:
            logger.warning("RTCPeerConnection.close() to %s hung; abandoned", self.remote_id)
        except Exception as exc:
            logger.debug("RTCPeerConnection.close() to %s raised %s", self.remote_id, exc)
        if not self._worker.done():
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._worker
