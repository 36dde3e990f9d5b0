"""Signalling moves with the host (issue 23): the session's side.

A party's signalling server often lives in the host's own game (``P2PLoopBuilder.
embedded_signalling``; what ``LobbyView`` uses when no URL is given). Losing that host loses
signalling too: the peers already linked elect a successor over their data channels, but
nobody new could join. So:

- A host that runs its own server says so to every peer that connects: a small session
  message (``Frame.SESSION``, below) with the server's port and the URLs it listens at.
- When the lobby's server was its host's and the host changes (a crash, or ``close()``'s
  hand-over), the new host — if its builder allows embedded signalling — starts its own
  server, registers there, and tells every survivor the same way. A survivor registers there
  (``Transport.move_signalling``) when the message comes from the peer its lobby now calls
  host. The session id (the room) stays; ``session.signalling_url`` and ``session.invite``
  follow; the LAN announcer and the directory read them.

Why a session frame, not a sync wire message: this is a fact about the transports' meeting
point, not lobby state. It needs no sequencing, epoch or snapshot (the host tells each peer
when it connects), and the sync layer stays free of servers and URLs.

Why links survive: Matchbox assigns peer ids server-side, so a survivor gets a new signalling
id on the new server. Our transports already map every signalling id to the peer's *stable*
id (the first one, carried in the SDP tag; ``net/_links``) and decline an offer from a peer
they have a healthy link to: the same mechanism that survives a restart of one server. That
works with any Matchbox server and needs no trust in an id a client asks for (a requested-id
extension would, and would have to defend against a stolen id), so it is the robust choice.

Pure bookkeeping plus callbacks into the ``P2PLoop`` it is given; the server is started on a
short-lived thread so ``poll()`` never waits for a socket to bind.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from ..net import CHANNEL_RELIABLE, PeerConnected, SignallingRestored, TransportEvent
from ._framing import SESSION_PREFIX
from ._invite import make_invite

if TYPE_CHECKING:
    from ._p2p_loop import P2PLoop
    from ._session_id import SessionId

logger = logging.getLogger("konnekt_arcade.session")

#: How long a host that handed the lobby over keeps its server up after ``close()``: the
#: survivors are told of the successor's server within a few polls, and a newcomer that read
#: the old announcement a moment ago can still reach the room. Above one LAN announce period
#: (1.5 s), so no moment passes with no server announced.
EMBEDDED_LINGER = 2.0
#: Largest session message we read (a port and a few URLs): anything longer is not one.
MAX_MESSAGE = 2048
#: At most this many URLs per message (one per network interface, and loopback).
MAX_URLS = 8
_MAX_URL = 256


class HostedServer(Protocol):
    """A signalling server this process runs: ``net.SignallingServer`` (or the in-memory
    network's, ``InMemoryNetwork.signalling_server``)."""

    port: int

    @property
    def url(self) -> str: ...

    def start(self) -> object: ...

    def stop(self, timeout: float = ...) -> None: ...


#: ``lan -> server`` (not started): listening on every interface, or on loopback only.
ServerFactory = Callable[[bool], HostedServer]


def builtin_server(lan: bool) -> HostedServer:
    """The built-in Matchbox server on a free port (``0.0.0.0`` when ``lan``)."""
    from ..net import SignallingServer

    return SignallingServer(host="0.0.0.0" if lan else "127.0.0.1", port=0)


@dataclass(frozen=True)
class EmbeddedSignalling:
    """``P2PLoopBuilder.embedded_signalling``: this peer may run the built-in server."""

    lan: bool = True
    server: ServerFactory = builtin_server


def local_url(server: HostedServer) -> str:
    """The URL this process reaches ``server`` at (loopback for a websocket one)."""
    url = server.url
    return f"ws://127.0.0.1:{server.port}" if url.startswith("ws") else url


def listening_urls(server: HostedServer, lan: bool) -> list[str]:
    """Where others may reach ``server``: each LAN address (``lan``), then loopback."""
    local = local_url(server)
    if not lan or not local.startswith("ws"):
        return [local]
    from ..lan._interfaces import list_interfaces  # lan imports session: not at module level

    lan_urls = [f"ws://{i.address}:{server.port}" for i in list_interfaces() if not i.loopback]
    return [*lan_urls[:MAX_URLS - 1], local]


def encode_here(port: int, urls: list[str]) -> bytes:
    """The session message "the lobby's signalling server is mine, at ``urls``"."""
    return SESSION_PREFIX + json.dumps({"signalling": {"port": port, "urls": urls}}).encode()


def decode_here(data: bytes) -> tuple[int, list[str]] | None:
    """(port, urls) from a session message, or None if it is not a valid one."""
    if len(data) > MAX_MESSAGE:
        return None
    try:
        body = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return None
    here = body.get("signalling") if isinstance(body, dict) else None
    if not isinstance(here, dict):
        return None
    port, urls = here.get("port"), here.get("urls")
    if (isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536
            or not isinstance(urls, list) or not 0 < len(urls) <= MAX_URLS):
        return None
    if not all(isinstance(u, str) and len(u) <= _MAX_URL
               and u.startswith(("ws://", "wss://", "memory://")) for u in urls):
        return None
    return port, urls


class SignallingHome:
    """Where this session's signalling is, and whether it moves; see the module docstring.

    ``url``: the server we are registered with (``session.signalling_url``). ``server``: the
    one we run, if any. ``owner``: the peer whose own server the lobby's signalling is (us,
    the host, a former host), None while unknown or for an external server.
    """

    def __init__(self, url: str, embedded: EmbeddedSignalling | None = None,
                 server: HostedServer | None = None, stats: Counter[str] | None = None) -> None:
        self.url = url
        self.embedded = embedded
        self.server = server
        self.owner: str | None = None
        self.stats: Counter[str] = Counter() if stats is None else stats
        #: The last "my server is here" each peer sent: peer -> (port, urls).
        self._heard: dict[str, tuple[int, list[str]]] = {}
        self._starting: tuple[HostedServer, threading.Event, float] | None = None
        self._refused = False  # logged once: the server died and we may not start one
        self._lan_invite: tuple[str, str] | None = None  # (url, invite base) cache
        self._hosting = False  # whether we hosted at the last update

    # --- hooks (game thread) ------------------------------------------------------------------

    def receive(self, peer: str, data: bytes, now: float) -> None:
        """A session message from ``peer`` (``P2PLoop.on_session_message``)."""
        here = decode_here(data)
        if here is None:
            self.stats["dropped:bad_session_message"] += 1
            return
        self._heard[peer] = here

    def on_event(self, p2p: P2PLoop, event: TransportEvent) -> None:
        """A peer that connects to the host that runs the server hears where it is; a move
        that succeeded changes ``url``."""
        match event:
            case PeerConnected(peer_id=peer) if self._serving(p2p):
                self._tell(p2p, [peer])
            case SignallingRestored(url=url) if url and url != self.url:
                self.url = url
                logger.info("📡 Signalling moved with the host; newcomers join at %s", url)

    def update(self, p2p: P2PLoop, now: float) -> None:
        """After each ticked poll: adopt, follow or take over the lobby's server."""
        sync = p2p.sync
        me = p2p.local_peer_id()
        if sync is None or me is None:
            return
        if self.server is not None and self.owner is None and self._starting is None:
            self.owner = me  # the host that started with its own server
        self._hosting = sync.is_host
        if self._starting is not None:
            self._check_started(p2p, me, now)
        elif sync.is_host:
            if self.owner is not None and self.owner != me:
                self._take_over(now)
        else:
            host = sync.host_peer
            here = self._heard.get(host) if host is not None else None
            if here is None or host == self.owner:
                return
            if self.owner is None:
                self.owner = host  # the server we joined on is the host's own
                return
            logger.info("📡 The new host %s runs signalling now; registering there", host)
            self.owner = host
            if p2p.transport is not None:
                p2p.transport.move_signalling(here[0], here[1], host)

    def moving(self, me: str | None) -> bool:
        """Whether the lobby's server is on its way to us: we host, but it is still the old
        host's (or ours is binding). Nothing should announce the lobby meanwhile: its URL
        is the dead server's, and a newcomer would fail on it."""
        return self._starting is not None or (
            self.server is None and self.owner is not None and self.owner != me
            and self.embedded is not None and me is not None and self._hosting)

    def invite(self, session_id: str) -> str:
        """The invite friends join with now: for our own LAN server named by loopback, this
        machine's LAN address (a friend's game cannot use 127.0.0.1)."""
        lan = self.server is not None and self.embedded is not None and self.embedded.lan
        if lan and self.url.startswith("ws://127.0.0.1"):
            if self._lan_invite is None or self._lan_invite[0] != self.url:
                from ..lan._interfaces import invite_for, lan_address

                base = invite_for(self.url, "", lan_address()).rstrip("/")
                self._lan_invite = (self.url, base)
            return make_invite(self._lan_invite[1], session_id)
        return make_invite(self.url, session_id)

    def close(self, handed_over: bool) -> None:
        """Stop our server: after ``EMBEDDED_LINGER`` s if we handed the lobby over (the
        successor's server is being announced meanwhile), else now."""
        server, self.server = self.server, None
        starting, self._starting = self._starting, None
        if starting is not None:  # still binding: stop it once it is up
            def stop_when_up(server: HostedServer, ready: threading.Event) -> None:
                ready.wait(5.0)
                server.stop()

            threading.Thread(target=stop_when_up, args=starting[:2], name="signalling-stop",
                             daemon=True).start()
        if server is None:
            return
        if handed_over:
            logger.info("📡 Keeping our signalling server up %.0f s for the hand-over",
                        EMBEDDED_LINGER)
            timer = threading.Timer(EMBEDDED_LINGER, server.stop)
            timer.daemon = True
            timer.start()
        else:
            server.stop()

    # --- taking the server over -----------------------------------------------------------------

    def _serving(self, p2p: P2PLoop) -> bool:
        sync = p2p.sync
        # owner None with a server: the host that started on it, before ``update`` named us
        return (self.server is not None and sync is not None and sync.is_host
                and self.owner in (None, p2p.local_peer_id()))

    def _tell(self, p2p: P2PLoop, peers: list[str]) -> None:
        server, transport = self.server, p2p.transport
        if server is None or transport is None or not peers:
            return
        lan = self.embedded.lan if self.embedded is not None else False
        data = encode_here(server.port, listening_urls(server, lan))
        for peer in peers:
            transport.send(peer, CHANNEL_RELIABLE, data)

    def _take_over(self, now: float) -> None:
        """We became host of a lobby whose server was the old host's: start our own."""
        if self.embedded is None:
            if not self._refused:
                self._refused = True
                logger.warning("📡 The lobby's signalling server left with its host, and this "
                               "session may not run one (P2PLoopBuilder.embedded_signalling): "
                               "nobody new can join")
            return
        server = self.embedded.server(self.embedded.lan)
        ready = threading.Event()

        def start() -> None:
            try:
                server.start()
            except Exception:
                logger.exception("📡 Could not start a signalling server")
            finally:
                ready.set()

        self._starting = (server, ready, time.monotonic())
        logger.info("📡 The lobby's signalling server left with its host; starting ours")
        threading.Thread(target=start, name="signalling-start", daemon=True).start()

    def _check_started(self, p2p: P2PLoop, me: str, now: float) -> None:
        assert self._starting is not None
        server, ready, since = self._starting
        if not ready.is_set():
            return
        self._starting = None
        if not server.port:
            self.owner = None  # failed (logged): we stay host of the linked peers
            return
        self.server, self.owner, self.url = server, me, local_url(server)
        if p2p.transport is not None:
            p2p.transport.move_signalling(server.port, [self.url], None)
        peers = p2p.connected_peers()
        self._tell(p2p, peers)
        logger.info("📡 Signalling moved to us at %s in %.0f ms; told %d peer(s)", self.url,
                    (time.monotonic() - since) * 1000, len(peers))


class WhereToJoin:
    """The ``SessionLoop`` properties that say where to join now (a mixin: it reads the
    loop's ``_home`` and ``session_id``)."""

    _home: SignallingHome
    session_id: SessionId

    @property
    def signalling_url(self) -> str:
        """The signalling server this session is registered with now: after the host that
        ran the lobby's server left, the new host's (``embedded_signalling``)."""
        return self._home.url

    @signalling_url.setter
    def signalling_url(self, url: str) -> None:
        self._home.url = url

    @property
    def invite(self) -> str:
        """The invite friends join with now (``ws://host:port/<session id>``); it follows the
        lobby's signalling server when that moves with the host."""
        return self._home.invite(str(self.session_id))
