"""``publish()``: the announcer that keeps a hosted lobby in the directory, across hosts.

It talks to ``konnekt-signal``'s ``/_directory`` websocket from the network thread (the game
thread only hands it the latest ``LobbyInfo``): register once ready, send changes (at most
one per ``MIN_UPDATE_GAP``) and a heartbeat every ``heartbeat`` seconds the server asked
for, re-register with the same code and owner token after any reconnect, remove the entry on
close. Failures are logged and retried with backoff; they never reach the game.

Every peer built with ``publish()`` runs one, guests too, because the listing outlives its
host (docs/directory.md, *After a host migration*): the directory gives the registering host a
member key beside its owner token; the host shares "code key" with the lobby's members in the
replicated roster (``LobbySync.set_listing``: only members receive the roster). The member
that becomes host sends ``takeover`` with it and gets the code with a fresh owner token; so the
join code stays, and the listing names the new host as soon as the new host polls
(``ANNOUNCE_INTERVAL``), well within one heartbeat. A peer that stops being the host stops
heartbeating (its token is void once taken over). The host asks for a new key whenever someone
leaves or is kicked (``rotate``) and shares it, so an ex-member cannot take the listing.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import TYPE_CHECKING, Any, Protocol

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import WebSocketException

from ..net.directory import HEARTBEAT_INTERVAL, normalize_code, owner_socket_url
from ..net.loop_thread import get_network_thread
from ..sync import _wire
from ._announce import AnnouncedSession, LobbyInfo

if TYPE_CHECKING:
    from ._p2p_loop import P2PLoop

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
#: Longest token or member key taken from a directory's reply (they are ~32-60 characters).
MAX_SECRET = 128
#: Biggest directory reply read (an entry's reply is ~1 KB; the server's own cap is 2 KB).
MAX_REPLY_BYTES = 16 * 1024


class PublishedSession(AnnouncedSession, Protocol):
    """What the publisher reads of its session: the sync engine's roster carries the
    listing credential to members (``SessionLoop``)."""

    def p2p(self) -> P2PLoop: ...


def listing_text(code: str, key: str) -> str:
    """The credential members hold (``Roster.listing``)."""
    return f"{code} {key}"


def parse_listing(text: object) -> tuple[str, str] | None:
    """``listing_text``'s (code, key); None for anything else (it came from a peer)."""
    if not isinstance(text, str) or len(text) > 256:
        return None
    code, _, key = text.partition(" ")
    normal = normalize_code(code)
    if normal is None or not 0 < len(key) <= MAX_SECRET or not key.isascii() or " " in key:
        return None
    return normal, key


class DirectoryPublisher:
    """Announcer for ``P2PLoopBuilder.publish``; ``join_code`` is None until registered."""

    def __init__(self, session: PublishedSession, *, game: str, version: str, public: bool,
                 directory_url: str | None = None) -> None:
        self.url = owner_socket_url(directory_url or session.signalling_url)
        self.game, self.version, self.public = game, version, public
        self._session = session
        self._code: str | None = None
        self._listed = False
        self.last_error: str | None = None
        self._token: str | None = None
        #: (code, member key) of our entry, shared with members while we host; one
        #: attribute, so the game thread never reads a code with another code's key.
        self._credential: tuple[str, str] | None = None
        #: (code, key) another host shared with us: what we take over when we become host.
        self._member: tuple[str, str] | None = None
        #: A (code, key) the directory refused to hand over: not asked again.
        self._refused_member: tuple[str, str] | None = None
        #: The roster's participants at the last update while hosting (None: not hosting).
        self._members_seen: frozenset[str] | None = None
        self._rotate = False
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
        self._share(info)
        self._net.call_soon(self._poke)

    def _share(self, info: LobbyInfo) -> None:
        """Hand the credential on through the roster (host), or note the one the host shared
        (member). Reads and writes the sync engine, so only here, on the game thread."""
        sync = self._session.p2p().sync
        if sync is None:
            return
        shared = parse_listing(sync.roster.listing)
        mine = self._credential
        if shared is not None and shared != mine:
            self._member = shared
        elif shared is not None:
            self._member = None  # ours: our own credential is the newest
        if not info.is_host:
            self._members_seen = None
            return
        if mine is not None and self._listed and shared != mine:
            sync.set_listing(listing_text(*mine))
        members = frozenset(sync.roster.entries)
        if self._members_seen is not None and self._members_seen - members and self._listed:
            self._rotate = True  # someone left or was kicked, and knew the key
        self._members_seen = members

    def close(self) -> None:
        """Remove the entry: waits up to ``CLOSE_WAIT`` for the removal to go out, because a
        game usually exits right after closing and would otherwise leave its lobby listed
        (joinable-looking but dead) until the TTL runs out. The directory keeps the code's
        claim (a tombstone), so the member that hosts next takes the code back at once."""
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
                                       close_timeout=1.0, max_size=MAX_REPLY_BYTES) as ws:
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
                if registered and self._closed and self._code and self._token:
                    reply = await self._request(ws, {"op": "remove", "code": self._code,
                                                     "token": self._token})
                    if reply.get("ok"):
                        logger.info("Lobby %s removed from the directory", self._code)
                # Not host any more: our successor heartbeats (and takes the entry over);
                # the same code comes back if we host again.
                self._listed = False
                return
            now = time.monotonic()
            changed = info != sent
            if self._rotate and registered:
                self._rotate = False
                await self._rotate_key(ws)
                continue
            if (changed and now - sent_at >= MIN_UPDATE_GAP) or now - sent_at >= heartbeat:
                reply = await (self._update(ws, info) if registered else self._claim(ws, info))
                sent, sent_at = info, now
                if reply.get("ok"):
                    registered = self._listed = True
                    asked = reply.get("heartbeat")
                    if isinstance(asked, int | float) and not isinstance(asked, bool):
                        heartbeat = min(HEARTBEAT_INTERVAL, max(MIN_UPDATE_GAP, asked))
                elif self._refused(reply):  # gone: register again now, same code if free
                    registered = self._listed = False
                    sent, sent_at = None, float("-inf")
                continue
            wait = max(0.05, min(heartbeat - (now - sent_at),
                                 MIN_UPDATE_GAP - (now - sent_at) if changed else heartbeat))
            await self._sleep(wait, lost)

    async def _claim(self, ws: ClientConnection, info: LobbyInfo) -> dict[str, Any]:
        """The first message as host on this connection: take over the code with the member
        key a previous host shared with us (or our own, after a refusal: another member may
        have taken it over meanwhile), else register (our own code again, or a new one)."""
        member = self._member or self._credential
        if member is not None and member != self._refused_member:
            reply = await self._request(ws, {"op": "takeover", "code": member[0],
                                             "key": member[1], "lobby": self._payload(info)})
            if reply.get("ok") and self._accept(reply):
                logger.info("Took over the directory listing of lobby %s (same join code)",
                            self._code)
                self._refused_member = None
                return reply
            if reply.get("status") in (429, 503):
                return reply  # busy, not a refusal: the next heartbeat asks again
            self._refused_member = member
            logger.warning("directory refused to hand lobby %s over (%s: %s); registering "
                           "it again", member[0], reply.get("error"), reply.get("detail"))
        msg: dict[str, Any] = {"op": "register", "lobby": self._payload(info)}
        if self._code and self._token:
            msg.update(code=self._code, token=self._token)
        reply = await self._request(ws, msg)
        if reply.get("ok") and self._accept(reply):
            logger.info("Lobby published with join code %s", self._code)
        return reply

    async def _update(self, ws: ClientConnection, info: LobbyInfo) -> dict[str, Any]:
        return await self._request(ws, {"op": "update", "code": self._code,
                                        "token": self._token, "lobby": self._payload(info)})

    async def _rotate_key(self, ws: ClientConnection) -> None:
        reply = await self._request(ws, {"op": "rotate", "code": self._code,
                                         "token": self._token})
        key = reply.get("member_key")
        if reply.get("ok") and self._code and parse_listing(
                listing_text(self._code, str(key))) is not None:
            self._credential = (self._code, str(key))  # shared at the next update()
            logger.info("New member key for lobby %s (a member left)", self._code)
        else:
            self._refused(reply)

    def _accept(self, reply: dict[str, Any]) -> bool:
        """Take code, token and member key from a register/takeover reply (a directory may
        be broken or hostile: each checked, the reply refused whole if one is bad)."""
        code, token, key = (normalize_code(str(reply.get("code", ""))), reply.get("token"),
                            reply.get("member_key"))
        if code is None or not isinstance(token, str) or not 0 < len(token) <= MAX_SECRET:
            self.last_error = "the directory's reply lacks a code or token"
            return False
        self._code, self._token = code, token
        self._credential = (code, str(key)) if parse_listing(
            listing_text(code, str(key))) is not None else None
        return True

    def _refused(self, reply: dict[str, Any]) -> bool:
        """Note a refusal; True when the entry is gone (register again), False when it stays
        (rate limit, full: the next heartbeat tries again)."""
        self.last_error = f"{reply.get('error')}: {reply.get('detail')}"
        logger.warning("directory refused the lobby: %s", self.last_error)
        status = reply.get("status")
        if status == 403:  # someone else owns the code now: take a new one
            self._code = self._token = None
            self._credential = None
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
        """The entry as the directory keeps it. ``signalling_url`` is the session's current
        one (``LobbyInfo`` reads it at each update), so it follows signalling when it moves."""
        return {"session_id": info.session_id, "signalling_url": info.signalling_url,
                "name": info.lobby_name, "host_name": info.host_name, "players": info.players,
                "max_players": info.max_players, "has_password": info.has_password,
                "game": self.game, "version": self.version, "public": self.public,
                "protocol": _wire.PROTOCOL_VERSION}
