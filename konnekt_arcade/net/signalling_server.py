"""An embedded Matchbox-compatible signalling server (websockets' asyncio API).

It behaves like ``matchbox_server`` so the same clients work against either, which lets a player
host on a LAN or a test run a whole mesh with no extra install. Beyond matchbox it enforces a few
limits (peers per room, message size, rooms) and pings sockets so dead peers leave their rooms.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import threading
import time
import uuid
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from .directory import DirectoryService, MemoryStore
from .directory._glue import answer_http, is_owner_socket, serve_owner
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

#: websocket close code 1013 "try again later": used when a limit refuses a peer.
CLOSE_TRY_AGAIN_LATER = 1013


@dataclass
class _Room:
    name: str
    peers: dict[str, ServerConnection] = field(default_factory=dict)


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
        max_peers_per_room: int = 64,
        max_message_size: int = 64 * 1024,
        max_rooms: int = 1024,
        ping_interval: float | None = 20.0,
        ping_timeout: float | None = 20.0,
        close_timeout: float = 1.0,
        directory: DirectoryService | None = None,
        with_directory: bool = True,
        signalling: bool = True,
        trust_forwarded_for: bool = False,
    ) -> None:
        """``directory``: the lobby directory to serve (default: one in memory, unless
        ``with_directory`` is False). ``signalling=False`` serves only the directory (beside a
        real ``matchbox_server``). ``trust_forwarded_for``: behind a reverse proxy, rate-limit
        by the last ``X-Forwarded-For`` address instead of the proxy's."""
        self.host = host
        self.port = port
        self.max_peers_per_room = max_peers_per_room
        self.max_message_size = max_message_size
        self.max_rooms = max_rooms
        self.ping_interval = ping_interval
        self.ping_timeout = ping_timeout
        self.close_timeout = close_timeout
        self.stats: dict[str, int] = {
            "connections": 0,
            "refused": 0,
            "signals_routed": 0,
            "signals_dropped": 0,
            "malformed": 0,
            "oversized": 0,
        }
        self._rooms: dict[str, _Room] = {}
        self._peer_room: dict[str, str] = {}
        self._waiting: dict[tuple[str, int], str] = {}  # ?next=N group still filling up
        self._group_seq = itertools.count(1)
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_event: asyncio.Event | None = None
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
        self._server = await serve(
            self._handle,
            self.host,
            self.port,
            process_request=self._process_request,
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

    # --- HTTP and rooms -----------------------------------------------------------------------

    async def _process_request(self, connection: ServerConnection,
                               request: Request) -> Response | None:
        """Answer ``GET /health`` like matchbox_server, and the directory's plain HTTP GETs
        (``directory/_glue.py``); websocket upgrades go on to a room or the owner socket."""
        if urlsplit(request.path).path == "/health":
            return Response(HTTPStatus.OK.value, "OK", Headers([("Content-Length", "0")]), b"")
        return await answer_http(self.directory, connection, request,
                                 signalling=self.signalling,
                                 trust_forwarded_for=self.trust_forwarded_for)

    def _choose_room(self, path: str) -> str | None:
        """Map a request path to a room key, or None when the room limit refuses it."""
        parts = urlsplit(path)
        name = parts.path.strip("/")
        next_n = 0
        with contextlib.suppress(ValueError, IndexError):
            next_n = int(parse_qs(parts.query).get("next", ["0"])[0])
        if next_n > 0:
            key = (name, next_n)
            room_key = self._waiting.get(key)
            room = self._rooms.get(room_key) if room_key else None
            if room is None or len(room.peers) >= next_n:
                room_key = f"{name}?next={next_n}#{next(self._group_seq)}"
                self._waiting[key] = room_key
        else:
            room_key = name
        if room_key not in self._rooms and len(self._rooms) >= self.max_rooms:
            logger.warning("Refusing peer: room limit (%d) reached", self.max_rooms)
            return None
        return room_key

    async def _send(self, ws: ServerConnection, text: str) -> None:
        with contextlib.suppress(ConnectionClosed):
            await ws.send(text)

    async def _handle(self, ws: ServerConnection) -> None:
        path = ws.request.path if ws.request else "/"
        if self.directory is not None and is_owner_socket(path):
            await serve_owner(self.directory, ws, self.trust_forwarded_for)
            return
        room_key = self._choose_room(path)
        if room_key is None:
            self.stats["refused"] += 1
            await ws.close(CLOSE_TRY_AGAIN_LATER, f"too many rooms ({self.max_rooms})")
            return
        room = self._rooms.setdefault(room_key, _Room(room_key))
        if len(room.peers) >= self.max_peers_per_room:
            logger.warning(
                "Refusing peer: room %r is full (%d peers)", room_key, self.max_peers_per_room
            )
            self.stats["refused"] += 1
            if not room.peers:
                del self._rooms[room_key]
            await ws.close(CLOSE_TRY_AGAIN_LATER,
                           f"room full ({self.max_peers_per_room} peers per room)")
            return
        peer_id = str(uuid.uuid4())
        existing = list(room.peers.values())
        room.peers[peer_id] = ws
        self._peer_room[peer_id] = room_key
        self._close_group_if_full(room_key, room)
        self.stats["connections"] += 1
        logger.info("Peer %s joined room %r (%d peers)", peer_id, room_key, len(room.peers))
        try:
            await self._send(ws, encode(IdAssignedMessage(peer_id)))
            new_peer = encode(NewPeerMessage(peer_id))
            for other in existing:
                await self._send(other, new_peer)
            async for frame in ws:
                await self._on_frame(peer_id, room, frame)
        except ConnectionClosed:
            pass
        finally:
            await self._leave(peer_id, room_key)

    def _close_group_if_full(self, room_key: str, room: _Room) -> None:
        for key, waiting_key in list(self._waiting.items()):
            if waiting_key == room_key and len(room.peers) >= key[1]:
                del self._waiting[key]

    async def _on_frame(self, peer_id: str, room: _Room, frame: str | bytes) -> None:
        if len(frame) > self.max_message_size:
            self.stats["oversized"] += 1
            logger.warning(
                "Dropping %d-byte message from %s: over max_message_size %d",
                len(frame),
                peer_id,
                self.max_message_size,
            )
            return
        try:
            message = decode_client_message(frame)
        except SignallingProtocolError as exc:
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

    async def _leave(self, peer_id: str, room_key: str) -> None:
        self._peer_room.pop(peer_id, None)
        room = self._rooms.get(room_key)
        if room is None:
            return
        room.peers.pop(peer_id, None)
        logger.info("Peer %s left room %r", peer_id, room_key)
        if not room.peers:
            del self._rooms[room_key]
            for key, waiting_key in list(self._waiting.items()):
                if waiting_key == room_key:
                    del self._waiting[key]
            return
        left = encode(PeerLeftMessage(peer_id))
        for other in list(room.peers.values()):
            await self._send(other, left)

    def room_sizes(self) -> dict[str, Any]:
        """Snapshot of room -> peer count (diagnostics and tests)."""
        return {key: len(room.peers) for key, room in self._rooms.items()}
