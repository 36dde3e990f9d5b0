"""An embedded Matchbox-compatible signalling server (websockets' asyncio API).

It behaves like ``matchbox_server`` so the same clients work against either, which lets a player
host on a LAN or a test run a whole mesh with no extra install. Beyond matchbox it defends
itself against a hostile internet (docs/security.md): global and per-address caps on sockets,
handshakes, rooms and peers (``_server_limits.py``), bounded JSON parsing, a relay rate per peer,
refusals counted and logged once per interval, ``/healthz`` and ``/metrics`` (``_server_http.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
import uuid
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from ._bounded_json import MAX_JSON_DEPTH, too_deep
from ._quiet_log import QuietFilter, Refusals
from ._rooms import Refusal, Room, RoomTable
from ._server_http import HEALTH_PATHS, METRICS_PATH, METRICS_TYPE, plain, without_body
from ._server_limits import AddressCounts, Bucket, Gate, ServerLimits, gated_connection
from ._server_metrics import server_metrics
from .directory import DirectoryService, MemoryStore
from .directory._glue import answer_http, client_address, is_owner_socket, serve_owner
from .signalling_client import CLOSE_MOVING
from .signalling_messages import (
    IdAssignedMessage,
    KeepAliveMessage,
    NewPeerMessage,
    PeerLeftMessage,
    SignalFromPeer,
    SignallingProtocolError,
    SignalToPeer,
    decode_client_message,
    encode,
)

logger = logging.getLogger(__name__)
#: websockets' own per-connection records go here, at WARNING by default, through a
#: ``QuietFilter`` (an HTTP flood must not write two lines per request).
websockets_logger = logging.getLogger(f"{__name__}.websockets")
websockets_logger.setLevel(logging.WARNING)
#: One filter for the process (several servers share the logger); its ``suppressed`` count is
#: exported by ``/metrics``.
WEBSOCKETS_FILTER = QuietFilter()
websockets_logger.addFilter(WEBSOCKETS_FILTER)

#: websocket close code 1013 "try again later": used when a limit refuses a peer.
CLOSE_TRY_AGAIN_LATER = 1013
#: 1008 "policy violation": a frame no honest client sends (nested too deep).
CLOSE_POLICY = 1008


@dataclass
class _Peer:
    """A relay allowance: bytes and messages per second (``ServerLimits.relay_*``)."""

    bytes: Bucket
    messages: Bucket


class SignallingServer:
    """Matchbox signalling server that can run on its own thread or inside a running loop.

    ``start()``/``stop()`` (and the context manager) run it on a private daemon thread, which is
    what tests, examples and the demo want: the caller keeps its own thread free.
    ``start_async()``/``stop_async()``/``serve_forever()`` run it in the caller's loop.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        max_peers_per_room: int | None = None,
        max_message_size: int | None = None,
        max_rooms: int | None = None,
        ping_interval: float | None = 20.0,
        ping_timeout: float | None = 20.0,
        close_timeout: float = 1.0,
        directory: DirectoryService | None = None,
        with_directory: bool = True,
        signalling: bool = True,
        trust_forwarded_for: bool = False,
        limits: ServerLimits | None = None,
    ) -> None:
        """``limits``: every cap (``ServerLimits``); the three ``max_*`` arguments override
        its fields. ``directory``: the lobby directory to serve (default: one in memory, unless
        ``with_directory`` is False). ``signalling=False`` serves only the directory (beside a
        real ``matchbox_server``). ``trust_forwarded_for``: behind a reverse proxy, count
        per-address caps by the last ``X-Forwarded-For`` address instead of the proxy's."""
        limits = limits or ServerLimits()
        given = (("max_peers_per_room", max_peers_per_room),
                 ("max_message_size", max_message_size), ("max_rooms", max_rooms))
        overrides: dict[str, Any] = {k: v for k, v in given if v is not None}  # int fields
        self.limits = replace(limits, **overrides)
        self.host = host
        self.port = port
        self.max_peers_per_room = self.limits.max_peers_per_room
        self.max_message_size = self.limits.max_message_size
        self.max_rooms = self.limits.max_rooms
        self.ping_interval = ping_interval
        self.ping_timeout = ping_timeout
        self.close_timeout = close_timeout
        self.stats: dict[str, int] = {
            "connections": 0, "refused": 0, "signals_routed": 0, "signals_dropped": 0,
            "malformed": 0, "oversized": 0, "too_deep": 0, "relay_limited": 0,
        }
        self.refusals = Refusals(logger)
        self.log_filter = WEBSOCKETS_FILTER
        self._table: RoomTable[ServerConnection] = RoomTable(self.limits)
        self._owner_sockets = AddressCounts()
        self._peers: dict[str, _Peer] = {}
        self._gate = Gate(self.limits, per_address=not trust_forwarded_for)
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_event: asyncio.Event | None = None
        self._stopping = False  # sockets closing now are the server going: no PeerLeft
        self._lock = threading.Lock()
        if directory is None and with_directory:
            directory = DirectoryService(MemoryStore(time.time), serves_signalling=signalling)
        self.directory = directory
        self.signalling = signalling
        self.trust_forwarded_for = trust_forwarded_for

    # --- lifecycle ----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """Base ws:// URL; clients append ``/<room>``."""
        return f"ws://{self.host}:{self.port}"

    async def start_async(self) -> SignallingServer:
        """Start listening in the running loop; returns once the port is bound."""
        self._stopping = False
        self._server = await serve(
            self._handle,
            self.host,
            self.port,
            process_request=self._process_request,
            create_connection=gated_connection(self._gate),
            open_timeout=self.limits.handshake_timeout,
            logger=websockets_logger,
            # The websocket layer is the hard cap; the application check below refuses politely
            # (drop one message, keep the connection) for anything between the two sizes.
            max_size=self.max_message_size * 4,
            ping_interval=self.ping_interval,
            ping_timeout=self.ping_timeout,
            close_timeout=self.close_timeout,
        )
        sock = next(iter(self._server.sockets))
        self.port = sock.getsockname()[1]
        logger.info("Signalling server listening on %s", self.url)
        return self

    async def stop_async(self) -> None:
        """Stop accepting, close every connection (bounded by ``close_timeout``)."""
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping = True
        server.close()
        try:
            await asyncio.wait_for(server.wait_closed(), self.close_timeout + 1.0)
        except TimeoutError:
            logger.warning("Signalling server did not close all connections in time")
        if self.directory is not None:
            with contextlib.suppress(Exception):
                await self.directory.store.close()
        logger.info("Signalling server on %s stopped", self.url)

    async def serve_forever(self) -> None:
        """Run until cancelled (used by the CLI)."""
        if self._server is None:
            await self.start_async()
        try:
            await asyncio.Future()
        finally:
            await self.stop_async()

    def start(self, timeout: float = 10.0) -> SignallingServer:
        """Run on a private daemon thread; blocks until listening (or raises)."""
        with self._lock:
            if self._thread is not None:
                return self
            ready = threading.Event()
            errors: list[BaseException] = []
            self._loop = asyncio.new_event_loop()
            self._thread = threading.Thread(
                target=self._thread_main, args=(ready, errors), name="konnekt-signal", daemon=True
            )
            self._thread.start()
        if not ready.wait(timeout):
            raise TimeoutError(f"signalling server did not start within {timeout} s")
        if errors:
            self._thread.join(1.0)
            self._thread = None
            raise errors[0]
        return self

    def _thread_main(self, ready: threading.Event, errors: list[BaseException]) -> None:
        assert self._loop is not None
        loop = self._loop
        asyncio.set_event_loop(loop)

        async def main() -> None:
            self._stop_event = asyncio.Event()
            try:
                await self.start_async()
            except BaseException as exc:
                errors.append(exc)
                ready.set()
                return
            ready.set()
            await self._stop_event.wait()
            await self.stop_async()

        try:
            loop.run_until_complete(main())
        finally:
            with contextlib.suppress(Exception):
                loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    def stop(self, timeout: float = 3.0) -> None:
        """Stop the background thread; idempotent and bounded by ``timeout``."""
        with self._lock:
            thread, loop, self._thread = self._thread, self._loop, None
        if thread is None or loop is None:
            return
        stop_event = self._stop_event
        if stop_event is not None:
            with contextlib.suppress(RuntimeError):  # loop already closed
                loop.call_soon_threadsafe(stop_event.set)
        thread.join(timeout)
        if thread.is_alive():
            logger.warning("Signalling server thread did not stop within %.1f s", timeout)

    def __enter__(self) -> SignallingServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

        # --- HTTP ---------------------------------------------------------------------------------

    async def _process_request(self, connection: ServerConnection,
                               request: Request) -> Response | None:
        """Count the socket against its address, then answer ``/health``/``/healthz`` (like
        matchbox_server), ``/metrics`` and the directory's GETs; upgrades go on to ``_handle``."""
        client = client_address(connection, self.trust_forwarded_for)
        count = getattr(connection, "count_socket", None)
        if count is not None and not count(client):
            cap = self.limits.max_connections_per_address
            self._refuse("connections_per_address", f"{client}: over {cap} sockets")
            return plain(429, f"too many connections from your address ({cap})\n",
                         headers=[("Retry-After", "5")])
        head = request.method == "HEAD"
        if request.method not in ("GET", "HEAD"):
            return plain(405, "only GET and HEAD\n", headers=[("Allow", "GET, HEAD")])
        route = urlsplit(request.path).path
        if route in HEALTH_PATHS:
            return plain(200, "OK" if route == "/health" else "ok\n", head=head)
        if route == METRICS_PATH:
            entries = await self.directory.entries() if self.directory else None
            return plain(200, self.metrics_text(entries), content_type=METRICS_TYPE, head=head)
        response = await answer_http(self.directory, connection, request,
                                     signalling=self.signalling,
                                     trust_forwarded_for=self.trust_forwarded_for)
        return without_body(response) if head and response is not None else response

    def metrics_text(self, directory_entries: int | None = None) -> bytes:
        """``GET /metrics``: the Prometheus text format (``_server_metrics.py``)."""
        return server_metrics(self, self._table, self._gate, directory_entries)

    def _refuse(self, cause: str, detail: str) -> None:
        self.stats["refused"] += 1
        self.refusals.refuse(cause, detail)

    # --- rooms --------------------------------------------------------------------------------

    async def _send(self, ws: ServerConnection, text: str) -> None:
        with contextlib.suppress(ConnectionClosed):
            await ws.send(text)

    async def _handle(self, ws: ServerConnection) -> None:
        path = ws.request.path if ws.request else "/"
        client = client_address(ws, self.trust_forwarded_for)
        if self.directory is not None and is_owner_socket(path):
            await self._serve_owner(ws, client)
            return
        placement = self._table.place(path, client)
        if isinstance(placement, Refusal):
            self._refuse(placement.cause, f"{client} {path[:80]!r}: {placement.reason}")
            await ws.close(CLOSE_TRY_AGAIN_LATER, placement.reason)
            return
        peer_id, room_key = str(uuid.uuid4()), placement.key
        existing = list(placement.room.peers.values()) if placement.room else []
        room = self._table.enter(placement, client, peer_id, ws)
        now = time.monotonic()
        self._peers[peer_id] = _Peer(Bucket(self.limits.relay_bytes, now),
                                     Bucket(self.limits.relay_messages, now))
        self.stats["connections"] += 1
        logger.debug("Peer %s joined room %r (%d peers)", peer_id, room_key, len(room.peers))
        try:
            await self._send(ws, encode(IdAssignedMessage(peer_id)))
            new_peer = encode(NewPeerMessage(peer_id))
            for other in existing:
                await self._send(other, new_peer)
            async for frame in ws:
                await self._on_frame(peer_id, room, frame, ws)
        except ConnectionClosed:
            pass
        finally:
            # Moving with its lobby (CLOSE_MOVING): a PeerLeft would close the room's links.
            quiet = self._stopping or ws.close_code == CLOSE_MOVING
            await self._leave(peer_id, room_key, announce=not quiet)

    async def _serve_owner(self, ws: ServerConnection, client: str) -> None:
        assert self.directory is not None
        cap = self.limits.max_directory_sockets_per_address
        if not self._owner_sockets.try_add(client, cap):
            reason = f"too many directory sockets from your address ({cap})"
            self._refuse("directory_sockets_per_address", f"{client}: {reason}")
            await ws.close(CLOSE_TRY_AGAIN_LATER, reason)
            return
        try:
            await serve_owner(self.directory, ws, client, self.limits.owner_idle_timeout)
        finally:
            self._owner_sockets.remove(client)

    async def _on_frame(self, peer_id: str, room: Room[ServerConnection], frame: str | bytes,
                        ws: ServerConnection) -> None:
        if len(frame) > self.max_message_size:
            self.stats["oversized"] += 1
            self.refusals.refuse("oversized", f"dropping {len(frame)}-byte message from "
                                 f"{peer_id}: over max_message_size {self.max_message_size}")
            return
        allowance, now = self._peers[peer_id], time.monotonic()
        if not (allowance.messages.take(1, now) and allowance.bytes.take(len(frame), now)):
            self.stats["relay_limited"] += 1
            self.refusals.refuse("relay_rate", f"dropping a message from {peer_id}: over its "
                                 "relay rate")
            return
        text = frame.decode("utf-8", "replace") if isinstance(frame, bytes) else frame
        if too_deep(text):
            self.stats["too_deep"] += 1
            reason = f"message nested deeper than {MAX_JSON_DEPTH} levels"
            self.refusals.refuse("too_deep", f"closing {peer_id}: {reason}")
            await ws.close(CLOSE_POLICY, reason)
            return
        try:
            message = decode_client_message(text)
        except (SignallingProtocolError, RecursionError) as exc:
            self.stats["malformed"] += 1
            logger.debug("Ignoring malformed message from %s: %s", peer_id, exc)
            return
        if isinstance(message, KeepAliveMessage):
            return
        assert isinstance(message, SignalToPeer)
        target = room.peers.get(message.receiver)
        if target is None:
            self.stats["signals_dropped"] += 1
            logger.debug("Dropping signal from %s to unknown peer %s", peer_id, message.receiver)
            return
        self.stats["signals_routed"] += 1
        await self._send(target, encode(SignalFromPeer(peer_id, message.data)))

    async def _leave(self, peer_id: str, room_key: str, announce: bool = True) -> None:
        self._peers.pop(peer_id, None)
        logger.debug("Peer %s left room %r (PeerLeft: %s)", peer_id, room_key, announce)
        left = encode(PeerLeftMessage(peer_id))
        for other in self._table.leave(peer_id, room_key):
            if announce:
                await self._send(other, left)

    # --- diagnostics --------------------------------------------------------------------------
    def room_sizes(self) -> dict[str, Any]:
        """Snapshot of room -> peer count (diagnostics and tests)."""
        return {key: len(room.peers) for key, room in self._table.rooms.items()}

    def waiting_groups(self) -> int:
        """``?next=N`` groups still filling up (each holds a dict entry until complete)."""
        return self._table.waiting_groups()

    def address_counts(self) -> dict[str, int]:
        """How many addresses hold rooms, owner sockets, pending handshakes and sockets."""
        return {"rooms": len(self._table.rooms_by_address),
                "owner_sockets": len(self._owner_sockets),
                "handshakes": len(self._gate.handshaking), "sockets": len(self._gate.sockets)}
