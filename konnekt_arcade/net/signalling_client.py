"""Asyncio client for the Matchbox signalling protocol (runs on the network thread).

It hides the websocket: callers get ``IdAssigned`` from ``connect()`` and then iterate the
server's messages; a keep-alive task stops proxies from closing an idle socket (matchbox does
the same with its "KeepAlive" message). ``connect()`` may be called again after the socket
closed (the transport does so with ``backoff_delays``) and yields a *new* peer id: a Matchbox
server never gives an id back.

Re-registering under a new id would make every peer that already has a WebRTC link to us offer
a second one. So konnekt peers tag the SDP of their offers and answers with their *stable* peer
id (the first one the server assigned, ``a=x-konnekt-peer:<id>``, a session-level attribute
that browsers and aiortc ignore), and decline an offer from a peer they are already linked to
with a ``same_as_signal`` (an ``IceCandidate`` signal no real candidate looks like, sent only to
peers whose offer carried the tag). ``sdp_peer_tag``/``same_as_peer`` read both back.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import time
from collections.abc import AsyncIterator, Iterator, MutableMapping

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from ..sync._limits import QuietLog
from .signalling_messages import (
    IdAssignedMessage,
    KeepAliveMessage,
    PeerSignal,
    ServerMessage,
    SignalFromPeer,
    SignallingProtocolError,
    SignalToPeer,
    check_peer_signal,
    decode_server_message,
    encode,
    load_json,
)

logger = logging.getLogger(__name__)

#: First wait before re-registering after the signalling socket closed. Half a second lets a
#: restarting server come back without the client hammering it (websockets' own reconnecting
#: client starts at a few seconds; a lobby wants new players in sooner).
BACKOFF_INITIAL = 0.5
#: Longest wait between attempts: a server that is down for minutes costs one attempt per
#: this many seconds per client, and a player who joins after it is back waits at most this.
BACKOFF_MAX = 8.0
#: Random spread (fraction of each delay) so clients of a restarted server do not reconnect in
#: lock-step (the thundering-herd advice of websockets and AWS' backoff write-up).
BACKOFF_JITTER = 0.2

#: SDP session attribute carrying a konnekt peer's stable peer id.
PEER_TAG_ATTRIBUTE = "x-konnekt-peer"
_SAME_AS_KEY = "konnektSameAs"
#: Our own generator for jitter: the network thread never touches the process-wide ``random``
#: state that a game (or a test's seeded generator) relies on.
_JITTER = random.Random()


def backoff_delays(initial: float = BACKOFF_INITIAL, maximum: float = BACKOFF_MAX,
                   jitter: float = BACKOFF_JITTER) -> Iterator[float]:
    """Delays before each re-registration attempt: doubling from ``initial`` up to
    ``maximum``, each spread by +-``jitter``. Endless: the caller stops when it is closed."""
    delay = initial
    while True:
        yield max(0.0, delay * (1.0 + _JITTER.uniform(-jitter, jitter)))
        delay = min(maximum, delay * 2)


def tag_sdp(sdp: str, peer_id: str) -> str:
    """``sdp`` with ``a=x-konnekt-peer:<peer_id>`` added at session level (after ``t=``)."""
    lines = sdp.split("\r\n")
    for i, line in enumerate(lines):
        if line.startswith("t="):
            lines.insert(i + 1, f"a={PEER_TAG_ATTRIBUTE}:{peer_id}")
            return "\r\n".join(lines)
    return sdp


def sdp_peer_tag(sdp: str) -> str | None:
    """The stable peer id a konnekt peer put into ``sdp``, or None (browsers, old peers)."""
    prefix = f"a={PEER_TAG_ATTRIBUTE}:"
    for line in sdp.split("\r\n"):
        if line.startswith("m="):
            return None  # session-level only
        if line.startswith(prefix):
            tag = line[len(prefix):].strip()
            return tag or None
    return None


def same_as_signal(peer_id: str) -> PeerSignal:
    """Reply to an offer from a peer we already have a link to: "I am ``peer_id``"."""
    return PeerSignal("IceCandidate", json.dumps({_SAME_AS_KEY: peer_id}))


#: A ``same_as_signal`` is ``{"konnektSameAs": "<uuid>"}``: anything longer is not one.
_MAX_SAME_AS_CHARS = 256


def same_as_peer(signal: PeerSignal) -> str | None:
    """The stable id in a ``same_as_signal``, or None for any other signal (whatever the
    payload: it comes from another peer, so it is bounded before it is parsed)."""
    if (signal.kind != "IceCandidate" or len(signal.value) > _MAX_SAME_AS_CHARS
            or _SAME_AS_KEY not in signal.value):
        return None
    try:
        value = load_json(signal.value, max_depth=1)
    except SignallingProtocolError:
        return None
    peer = value.get(_SAME_AS_KEY) if isinstance(value, dict) else None
    return peer if isinstance(peer, str) and peer else None


#: The websocket close code matchbox-style servers use when a limit refuses a peer.
CLOSE_TRY_AGAIN_LATER = 1013
#: Our close code for "I am moving to another server with the lobby, not leaving": our own
#: server then tells the room no ``PeerLeft`` (the peers still linked to us would close their
#: links). A private-use code (4000-4999): stock Matchbox clients never send it, and a stock
#: server treats it as any close.
CLOSE_MOVING = 4001


class SignallingError(Exception):
    """The signalling server could not be reached or broke the protocol."""


class SignallingRefused(SignallingError):
    """The server closed our socket before assigning an id because one of its limits refused
    us (close code 1013 "try again later"); ``reason`` is what it said, e.g. "room full"."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class SignallingTimeout(SignallingError):
    """No ``IdAssigned`` arrived in time."""


#: Counters a client keeps (created at zero so that a reader on another thread never sees
#: the mapping grow): frames from the server that are not Matchbox messages, and signals from
#: peers that failed ``check_peer_signal`` (dropped before any WebRTC code sees them).
CLIENT_STATS = ("signalling_malformed", "signals_dropped")
#: Each kind of malformed input is logged at most once per this many seconds, with a count of
#: the lines held back: a peer that sends garbage in a loop cannot fill the host's disk.
LOG_INTERVAL = 10.0


class SignallingClient:
    """One websocket to ``url`` (``ws://host:port/<room>``).

    ``stats``: where to count (the transport passes its own ``stats`` so that the counters
    show in ``session.stats``); a fresh dict by default.
    """

    def __init__(
        self,
        url: str,
        *,
        id_timeout: float = 5.0,
        keepalive_interval: float = 10.0,
        max_message_size: int = 1024 * 1024,
        stats: MutableMapping[str, int] | None = None,
    ) -> None:
        self.url = url
        self.id_timeout = id_timeout
        self.keepalive_interval = keepalive_interval
        self.max_message_size = max_message_size
        self.peer_id: str | None = None
        self.stats: MutableMapping[str, int] = {} if stats is None else stats
        for key in CLIENT_STATS:
            self.stats.setdefault(key, 0)
        self._quiet = QuietLog(logger, LOG_INTERVAL)
        self._ws: ClientConnection | None = None
        self._keepalive: asyncio.Task[None] | None = None

    @property
    def malformed(self) -> int:
        """Frames from the server that were not Matchbox messages (dropped)."""
        return self.stats["signalling_malformed"]

    async def connect(self) -> str:
        """Open the socket and wait for ``IdAssigned``; returns our peer id.

        May be called again once the socket has closed: it then re-registers and returns the
        new id the server assigned (also in ``peer_id``).
        """
        await self.close()
        try:
            async with asyncio.timeout(self.id_timeout):
                self._ws = await connect(
                    self.url,
                    open_timeout=None,
                    max_size=self.max_message_size,
                    close_timeout=1.0,
                )
                while True:
                    message = self.decode_frame(await self._ws.recv())
                    if isinstance(message, IdAssignedMessage):
                        break
                    if message is not None:
                        raise SignallingError(f"{self.url}: got {message!r} before IdAssigned")
        except TimeoutError:
            await self.close()
            raise SignallingTimeout(
                f"no IdAssigned from signalling server {self.url} within {self.id_timeout} s"
            ) from None
        except ConnectionClosed as exc:
            await self.close()
            if exc.rcvd is not None and exc.rcvd.code == CLOSE_TRY_AGAIN_LATER:
                raise SignallingRefused(f"signalling server {self.url} refused us: "
                                        f"{exc.rcvd.reason}", exc.rcvd.reason) from exc
            raise SignallingError(f"cannot connect to signalling server {self.url}: {exc}") from exc
        except OSError as exc:
            await self.close()
            raise SignallingError(f"cannot connect to signalling server {self.url}: {exc}") from exc
        except Exception as exc:
            await self.close()
            if isinstance(exc, SignallingError):
                raise
            raise SignallingError(f"signalling server {self.url} refused us: {exc}") from exc
        self.peer_id = message.peer_id
        self._keepalive = asyncio.create_task(self._keepalive_loop())
        return self.peer_id

    def decode_frame(self, frame: str | bytes) -> ServerMessage | None:
        """The message in ``frame``, or None (counted, logged once per interval) when the
        server's frame or the peer's signal inside it is malformed. Never raises: this is
        where input from the server and from every peer in the room enters."""
        try:
            message = decode_server_message(frame)
        except SignallingProtocolError as exc:
            self.stats["signalling_malformed"] += 1
            self._quiet.warning("frame", time.monotonic(),
                                "Ignoring malformed signalling message from %s: %s",
                                self.url, exc)
            return None
        if isinstance(message, SignalFromPeer):
            try:
                check_peer_signal(message.data)
            except SignallingProtocolError as exc:
                self.stats["signals_dropped"] += 1
                self._quiet.warning("signal", time.monotonic(),
                                    "Dropping a malformed signal from peer %s: %s",
                                    message.sender[:40], exc)
                return None
        return message

    async def messages(self) -> AsyncIterator[ServerMessage]:
        """Yield NewPeer/PeerLeft/Signal messages until the socket closes."""
        assert self._ws is not None, "connect() first"
        with contextlib.suppress(ConnectionClosed):
            async for frame in self._ws:
                message = self.decode_frame(frame)
                if message is not None:
                    yield message

    @property
    def connected(self) -> bool:
        """True while the socket is open (the server may still be about to close it)."""
        ws = self._ws
        return ws is not None and ws.close_code is None

    async def drop(self, moving: bool = False) -> None:
        """Close the socket so that ``messages()`` ends and the owner re-registers;
        ``moving``: with ``CLOSE_MOVING`` (signalling moved with the host)."""
        ws = self._ws
        if ws is not None:
            with contextlib.suppress(Exception):
                await (ws.close(CLOSE_MOVING, "moving") if moving else ws.close())

    @property
    def close_reason(self) -> str:
        ws = self._ws
        if ws is None or ws.close_code is None:
            return "signalling connection closed"
        return f"signalling connection closed (code {ws.close_code} {ws.close_reason or ''})"

    async def send_signal(self, receiver: str, data: PeerSignal) -> bool:
        """Send a signal; returns False (and logs) if the socket is gone."""
        return await self._send(encode(SignalToPeer(receiver, data)))

    async def _send(self, text: str) -> bool:
        if self._ws is None:
            return False
        try:
            await self._ws.send(text)
        except ConnectionClosed:
            logger.debug("Signalling send to %s failed: socket closed", self.url)
            return False
        return True

    async def _keepalive_loop(self) -> None:
        keepalive = encode(KeepAliveMessage())
        while True:
            await asyncio.sleep(self.keepalive_interval)
            if not await self._send(keepalive):
                return

    async def close(self) -> None:
        """Close the socket (bounded by the websocket close timeout)."""
        if self._keepalive is not None:
            self._keepalive.cancel()
            self._keepalive = None
        ws, self._ws = self._ws, None
        if ws is not None:
            with contextlib.suppress(Exception):
                await ws.close()
