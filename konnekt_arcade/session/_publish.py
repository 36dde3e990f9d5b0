"""``publish()``: the host's announcer that keeps its lobby in the directory.

It talks to ``konnekt-signal``'s ``/_directory`` websocket from the network thread (the game
thread only hands it the latest ``LobbyInfo``): register once ready, send changes (at most
one per ``MIN_UPDATE_GAP``) and a heartbeat every ``heartbeat`` seconds the server asked
for, re-register with the same code and owner token after any reconnect, remove the entry on
close or when this peer stops being the host. Failures are logged and retried with backoff;
they never reach the game.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import WebSocketException

from ..net.directory import HEARTBEAT_INTERVAL, owner_socket_url
from ..net.loop_thread import get_network_thread
from ..sync import _wire
from ._announce import AnnouncedSession, LobbyInfo

logger = logging.getLogger(__name__)

#: Player-count changes are sent at most this often (a burst of joins is one update).
MIN_UPDATE_GAP = 1.0
#: Seconds to wait for one directory reply, and for the removal on close.
REPLY_TIMEOUT = 5.0
#: Longest ``close()`` blocks the game thread for the removal (a loopback round trip is ~1 ms,
#: an internet one < 0.3 s; a dead directory must not hang the game's exit).
CLOSE_WAIT = 1.0
#: Reconnect backoff bounds (s): quick after a blip, gentle on a dead directory.
BACKOFF_MIN, BACKOFF_MAX = 1.0, 30.0


class DirectoryPublisher:
    """Announcer for ``P2PLoopBuilder.publish``; ``join_code`` is None until registered."""

    def __init__(self, session: AnnouncedSession, *, game: str, version: str, public: bool,
                 directory_url: str | None = None) -> None:
        self.url = owner_socket_url(directory_url or session.signalling_url)
        self.game, self.version, self.public = game, version, public
        self._code: str | None = None
        self._listed = False
        self.last_error: str | None = None
        self._token: str | None = None
        self._info: LobbyInfo | None = None
        self._closed = False
        self._net = get_network_thread()
        self._wake: asyncio.Event | None = None
        self._future = self._net.submit(self._run())

    # --- game thread --------------------------------------------------------------------------

    @property
    def join_code(self) -> str | None:
        """The lobby's join code while it is in the directory, else None."""
        return self._code if self._listed else None

    def update(self, info: LobbyInfo, now: float) -> None:
        self._info = info
        self._net.call_soon(self._poke)

    def close(self) -> None:
        """Remove the entry: waits up to ``CLOSE_WAIT`` for the removal to go out, because a
        game usually exits right after closing and would otherwise leave its lobby listed
        (joinable-looking but dead) until the TTL runs out."""
        self._closed = True
        self._net.call_soon(self._poke)
        if not self._net.is_current():
            self.wait_closed(CLOSE_WAIT)

    def wait_closed(self, timeout: float = REPLY_TIMEOUT + 1.0) -> None:
        """Block until the removal went out (tests, and programs about to exit)."""
        try:
            self._future.result(timeout)
        except Exception as exc:
            logger.debug("directory publisher ended with %r", exc)

    # --- network thread -----------------------------------------------------------------------

    def _poke(self) -> None:
        if self._wake is not None:
            self._wake.set()

    async def _run(self) -> None:
        self._wake = asyncio.Event()
        backoff = BACKOFF_MIN
        while not self._closed:
            if self._wants_entry():
                try:
                    async with connect(self.url, open_timeout=REPLY_TIMEOUT,
                                       close_timeout=1.0) as ws:
                        backoff = BACKOFF_MIN
                        await self._talk(ws)
                except (OSError, WebSocketException, TimeoutError, ValueError) as exc:
                    self.last_error = f"{type(exc).__name__}: {exc}"
                    logger.warning("directory %s: %s; retrying in %.0f s", self.url,
                                   self.last_error, backoff)
                    await self._sleep(backoff)
                    backoff = min(BACKOFF_MAX, backoff * 2)
                    continue
            await self._sleep(None)

    def _wants_entry(self) -> bool:
        info = self._info
        return info is not None and info.ready and info.is_host

    async def _sleep(self, seconds: float | None,
                     also: asyncio.Future[None] | None = None) -> None:
        """Wait for a poke, ``seconds``, or ``also`` to finish; a poke that came while we were
        busy counts."""
        assert self._wake is not None
        if not self._wake.is_set() and not self._closed and not (also and also.done()):
            poked = asyncio.ensure_future(self._wake.wait())
            waits: set[asyncio.Future[Any]] = {poked, *([also] if also else [])}
            await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
            poked.cancel()
        self._wake.clear()

    async def _talk(self, ws: ClientConnection) -> None:
        """One directory connection: (re-)register, then updates until closed or not host."""
        # Notice a server that went away while we wait, not only at the next heartbeat.
        lost = asyncio.ensure_future(ws.wait_closed())
        try:
            await self._talk_loop(ws, lost)
        finally:
            lost.cancel()

    async def _talk_loop(self, ws: ClientConnection, lost: asyncio.Future[None]) -> None:
        heartbeat, sent, sent_at = HEARTBEAT_INTERVAL, None, float("-inf")
        registered = False
        while True:
            if lost.done():
                raise ConnectionError("the directory closed the connection")
            info = self._info
            if self._closed or not self._wants_entry() or info is None:
                if registered and self._code and self._token:
                    await self._request(ws, {"op": "remove", "code": self._code,
                                             "token": self._token})
                    logger.info("Lobby %s removed from the directory", self._code)
                # Not host any more: unlisted, but the same code comes back if we host again.
                self._listed = False
                return
            now = time.monotonic()
            changed = info != sent
            if (changed and now - sent_at >= MIN_UPDATE_GAP) or now - sent_at >= heartbeat:
                op = "update" if registered else "register"
                msg: dict[str, Any] = {"op": op, "lobby": self._payload(info)}
                if self._code and self._token:
                    msg.update(code=self._code, token=self._token)
                reply = await self._request(ws, msg)
                sent, sent_at = info, now
                if reply.get("ok"):
                    registered = self._listed = True
                    asked = float(reply.get("heartbeat", HEARTBEAT_INTERVAL))
                    heartbeat = min(HEARTBEAT_INTERVAL, max(MIN_UPDATE_GAP, asked))
                    if reply.get("token"):
                        self._token = str(reply["token"])
                    if reply.get("code") and reply.get("code") != self._code:
                        self._code = str(reply["code"])
                        logger.info("Lobby published with join code %s", self._code)
                elif self._refused(reply):  # gone: register again now, same code if free
                    registered = self._listed = False
                    sent, sent_at = None, float("-inf")
                continue
            wait = max(0.05, min(heartbeat - (now - sent_at),
                                 MIN_UPDATE_GAP - (now - sent_at) if changed else heartbeat))
            await self._sleep(wait, lost)

    def _refused(self, reply: dict[str, Any]) -> bool:
        """Note a refusal; True when the entry is gone (register again), False when it stays
        (rate limit, full: the next heartbeat tries again)."""
        self.last_error = f"{reply.get('error')}: {reply.get('detail')}"
        logger.warning("directory refused the lobby: %s", self.last_error)
        status = reply.get("status")
        if status == 403:  # someone else owns the code now: take a new one
            self._code = self._token = None
        return status in (403, 404)

    async def _request(self, ws: ClientConnection, msg: dict[str, Any]) -> dict[str, Any]:
        await ws.send(json.dumps(msg))
        text = await asyncio.wait_for(ws.recv(), REPLY_TIMEOUT)
        reply = json.loads(text)
        if not isinstance(reply, dict) or "ok" not in reply:
            # e.g. a matchbox_server (or konnekt-signal --no-directory) took /_directory for
            # a room and sent IdAssigned: retry later with backoff, never spin.
            raise ValueError(f"no lobby directory at {self.url}. Check: the server runs "
                             "konnekt-signal with its directory, or pass publish("
                             "directory_url=...) for one beside matchbox_server")
        return reply

    def _payload(self, info: LobbyInfo) -> dict[str, Any]:
        return {"session_id": info.session_id, "signalling_url": info.signalling_url,
                "name": info.lobby_name, "host_name": info.host_name, "players": info.players,
                "max_players": info.max_players, "has_password": info.has_password,
                "game": self.game, "version": self.version, "public": self.public,
                "protocol": _wire.PROTOCOL_VERSION}
