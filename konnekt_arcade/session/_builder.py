"""``P2PLoopBuilder``: konnekt-session-p2p's entry point — blocking, awaitable, non-blocking starts.

``build_session_*`` block until the session is usable (host: peer id assigned and lobby
created; guest: lobby snapshot applied) and raise the matching ``P2PError`` otherwise, with the
transport already closed. ``*_async`` variants poll on the running event loop. ``start_session_*``
return at once; the ``SessionLoop``'s ``stage`` then moves signalling -> peer_id -> connected ->
synced (or failed, with ``error``) as the game polls it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from uuid import UUID

from ..domain import (
    DEFAULT_MAX_PARTICIPANTS,
    MAX_PARTICIPANTS_LIMIT,
    DomainCommand,
    DomainError,
    decide,
)
from ..net import IceServerConfig, Transport, WebRtcTransport
from ..sync import LobbySync, SyncConfig
from ._announce import AnnouncedSession, AnnouncerFactory
from ._errors import P2PError
from ._ice import DEFAULT_PROBE_TIMEOUT, IceProbe, IceServer
from ._invite import SessionIdOrIce, invite_args, resolve_code, resolve_target
from ._p2p_loop import P2PLoop
from ._session_id import SessionId
from ._session_loop import SessionLoop
from ._signal_move import EmbeddedSignalling, HostedServer, ServerFactory, SignallingHome, local_url
from ._types import ConnectionStage, ReconnectPolicy, Timeouts

#: ``(room, ice_servers, queue_size) -> Transport`` (not started); for the in-memory transport.
TransportFactory = Callable[[str, list[IceServerConfig], int], Transport]
#: Sleep between polls while a blocking builder waits (it is that API's job to wait).
WAIT_STEP = 0.005


@dataclass(frozen=True)
class _Settings:
    batch_size: int = 64
    queue_size: int = 1024
    timeouts: Timeouts = field(default_factory=Timeouts)
    ice_probe_timeout: float = DEFAULT_PROBE_TIMEOUT
    sync_config: SyncConfig | None = None
    transport_factory: TransportFactory | None = None
    reconnect: ReconnectPolicy = field(default_factory=ReconnectPolicy)
    #: Per-peer WebRTC connect deadline; None = max(15 s, connection timeout).
    peer_connect_timeout: float | None = None
    #: Lobby password: the host requires it, a guest proves it (see ``password()``).
    password: str | None = None
    #: Announcers (LAN discovery, directory) the session starts; see ``_announce.py``.
    announcers: tuple[AnnouncerFactory, ...] = ()
    #: This peer may run the built-in signalling server (see ``embedded_signalling``).
    embedded: EmbeddedSignalling | None = None


class P2PLoopBuilder:
    """``P2PLoopBuilder().batch_size(64).queue_size(1000).build_session_host(...)``.

    Each setter returns a new builder, so a configured builder can be reused.
    """

    def __init__(self, settings: _Settings | None = None) -> None:
        self._s = settings or _Settings()

    def _with(self, **changes: object) -> P2PLoopBuilder:
        return P2PLoopBuilder(replace(self._s, **changes))  # type: ignore[arg-type]

    # --- settings -----------------------------------------------------------------------------

    def batch_size(self, size: int) -> P2PLoopBuilder:
        """Network events handled per ``poll()`` (default 64)."""
        if size < 1:
            raise ValueError("batch_size must be at least 1")
        return self._with(batch_size=size)

    def queue_size(self, size: int) -> P2PLoopBuilder:
        """Bound of every queue: transport in/out, domain events, notices, game data."""
        if size < 1:
            raise ValueError("queue_size must be at least 1")
        return self._with(queue_size=size)

    def peer_id_timeout(self, seconds: float) -> P2PLoopBuilder:
        return self._with(timeouts=replace(self._s.timeouts, peer_id=seconds))

    def connection_timeout(self, seconds: float) -> P2PLoopBuilder:
        """A joining guest's connection deadline (default 10 s, konnekt-session-p2p's): how
        long a connection attempt may go without a step forward (offer, answer, ICE, DTLS,
        SCTP, channel open). An attempt that stalls after a link was tried connects again with
        a fresh link, up to three attempts; an empty room fails after ``seconds``."""
        return self._with(timeouts=replace(self._s.timeouts, connection=seconds))

    def sync_timeout(self, seconds: float) -> P2PLoopBuilder:
        """How long a connected guest waits for the lobby snapshot without a link step
        (default 10 s, konnekt-session-p2p's)."""
        return self._with(timeouts=replace(self._s.timeouts, sync=seconds))

    def peer_connect_timeout(self, seconds: float) -> P2PLoopBuilder:
        """Give up on one peer whose WebRTC link is not open and made no step forward for
        ``seconds`` (default max(15 s, connection timeout); at most four times that in all, so
        a slow link on a lossy network is not cut while it progresses). aiortc alone needs
        ~64 s to fail an unreachable pair and never fails a relay-only link with a wrong TURN
        password; this bounds both. The failure is a ``TransportNotice("error", ...)`` and,
        for a joining guest, the detail of its ``ConnectionTimeout``."""
        if seconds <= 0:
            raise ValueError("peer_connect_timeout must be positive")
        return self._with(peer_connect_timeout=seconds)

    def reconnect_policy(self, policy: ReconnectPolicy) -> P2PLoopBuilder:
        """How a guest that lost every peer rejoins by itself (``ReconnectPolicy(enabled=
        False)`` turns it off)."""
        return self._with(reconnect=policy)

    def ice_probe_timeout(self, seconds: float) -> P2PLoopBuilder:
        """Budget for probing STUN/TURN servers before connecting (default 0.3 s)."""
        return self._with(ice_probe_timeout=seconds)

    def password(self, password: str | None) -> P2PLoopBuilder:
        """Lobby password. On a host: peers see nothing of the lobby and cannot join or rejoin
        until they prove it. On a guest: the password to prove. It never goes through the
        signalling server, nor in clear over the data channel (an HMAC bound to both peer
        ids); a wrong one fails the guest with ``WrongPassword``."""
        if password is not None and not (1 <= len(password) <= 256):
            raise ValueError("password must be 1 to 256 characters")
        return self._with(password=password)

    def sync_config(self, config: SyncConfig) -> P2PLoopBuilder:
        return self._with(sync_config=config)

    def advertise_lan(self, game: str = "konnekt-arcade") -> P2PLoopBuilder:
        """While this session hosts, answer LAN discovery and announce the lobby every 1.5 s
        (players kept current; a goodbye on close). ``game`` keeps different games on one
        network apart: only browsers asking for the same game id see the lobby. Friends find
        it with ``find_lan_lobbies()`` / ``LanBrowser`` / LobbyView's list; see docs/lan.md.

        Raises:
            ValueError: ``game`` is not 1-64 characters of letters, digits, ``._-``.
        """
        from ..lan import lan_announcer_factory  # the LAN package imports this one

        return self._with_announcer(lan_announcer_factory(game))

    def _with_announcer(self, factory: AnnouncerFactory) -> P2PLoopBuilder:
        """A builder whose sessions also start ``factory``'s announcer (for options such as
        ``advertise_lan()`` and ``publish()``). Test hook too: tests plug in a recording
        announcer through it (games use the options above)."""
        return self._with(announcers=(*self._s.announcers, factory))

    def publish(self, game: str, version: str = "", public: bool = True, *,
                directory_url: str | None = None) -> P2PLoopBuilder:
        """List hosted lobbies in the directory of the signalling server (``konnekt-signal``)
        and give each a short join code (``session.join_code()``). The entry follows the
        player count from ``poll()``, comes back after a reconnect and is removed on close.
        ``public=False``: a code without a listing. ``directory_url``: the directory when it
        runs apart from signalling (``konnekt-signal --directory-only`` beside matchbox)."""
        from ._publish import DirectoryPublisher

        def factory(session: AnnouncedSession) -> DirectoryPublisher:
            if not isinstance(session, SessionLoop):  # a factory may get any AnnouncedSession
                raise TypeError(f"publish() announces a SessionLoop, not {session!r}")
            return DirectoryPublisher(session, game=game, version=version, public=public,
                                      directory_url=directory_url)

        return self._with_announcer(factory)

    def embedded_signalling(self, lan: bool = True, *,
                            server: ServerFactory | None = None) -> P2PLoopBuilder:
        """This peer may run the built-in signalling server, so a party needs no server of
        its own: ``build_session_host(None, ...)`` starts one (a free port) and hosts on it,
        and when the lobby's host ran it and is gone, the new host — this peer, if it is
        elected — starts its own and the others move there (issue 23: signalling moves with
        the host; ``session.signalling_url`` and ``session.invite`` follow). ``lan``: listen
        on every interface so friends on the network can join (else this machine only).
        ``server``: how to make one (``lan -> server``; the in-memory network's
        ``signalling_server`` in tests); default the built-in ``SignallingServer``."""
        options = {"server": server} if server is not None else {}
        return self._with(embedded=EmbeddedSignalling(lan=lan, **options))

    @property
    def embeds_signalling(self) -> bool:
        """Whether ``embedded_signalling`` is set on this builder."""
        return self._s.embedded is not None

    def transport_factory(self, factory: TransportFactory) -> P2PLoopBuilder:
        """Use another transport (e.g. ``InMemoryNetwork``) instead of WebRTC."""
        return self._with(transport_factory=factory)

    # --- non-blocking starts ------------------------------------------------------------------

    def start_session_host(
        self, signalling_url: str | None, ice_servers: Sequence[IceServer], lobby_name: str,
        host_name: str, *, max_participants: int | None = None,
    ) -> tuple[SessionLoop, SessionId]:
        """Start hosting a new session; returns at once (stage ``signalling``).
        ``signalling_url=None``: on a built-in server of our own (``embedded_signalling``).

        Raises:
            ValueError: a bad lobby or host name, or ``max_participants`` outside 1 to
            ``MAX_PARTICIPANTS_LIMIT`` (None means the default, ``DEFAULT_MAX_PARTICIPANTS``),
            or no URL without ``embedded_signalling``. OSError: the server could not listen.
        """
        _check_max_participants(max_participants)
        try:  # refuse bad names here, not later inside poll()
            decide(None, DomainCommand.CreateLobby(
                lobby_name=lobby_name, host_name=host_name,
                max_participants=(DEFAULT_MAX_PARTICIPANTS if max_participants is None
                                  else max_participants)), None, 0.0)
        except DomainError as exc:
            raise ValueError(exc.reason) from exc
        session_id = SessionId.new()
        config, password = self._s.sync_config, self._s.password

        def make_sync(peer: str, now: float) -> LobbySync:
            return LobbySync.create_host(peer, lobby_name, host_name, now,
                                         lobby_id=session_id.uuid,
                                         max_participants=max_participants, config=config,
                                         password=password)

        if signalling_url is not None:
            return (self._start("host", signalling_url, session_id, ice_servers, make_sync),
                    session_id)
        server = self._own_server()
        try:
            session = self._start("host", local_url(server), session_id, ice_servers, make_sync,
                                  server)
        except BaseException:
            server.stop()
            raise
        return session, session_id

    def _own_server(self) -> HostedServer:
        """``start_session_host(None)``'s server, started (it binds at once: a few ms)."""
        embedded = self._s.embedded
        if embedded is None:
            raise ValueError("no signalling URL. Check: pass the URL of a signalling server, "
                             "or call P2PLoopBuilder().embedded_signalling() to run one here")
        server = embedded.server(embedded.lan)
        server.start()
        return server

    def start_session_guest(
        self, signalling_url: str, session_id: SessionIdOrIce = None,
        ice_servers: Sequence[IceServer] = (), *, resume: tuple[UUID, str] | None = None,
    ) -> SessionLoop:
        """Start joining ``session_id``; returns at once (stage ``signalling``).

        ``signalling_url`` may instead be a whole invite (``ws://host:port/<session id>``, what
        LAN discovery and *Copy* give): ``start_session_guest(lobby.invite, ice_servers=[])``.
        ``resume=(participant_id, reconnect_token)`` rejoins as an earlier participant.
        ``session_id`` may be a join code ("K7QXB"): it is resolved through the directory of
        ``signalling_url`` (one HTTP round trip, which blocks up to 5 s) and the lobby's own
        signalling URL is used. Raises InvalidSessionId for a malformed id or invite,
        LobbyNotFound / DirectoryUnavailable for a code that cannot be resolved.
        """
        signalling_url, session_id, ice_servers = invite_args(signalling_url, session_id,
                                                               ice_servers)
        signalling_url, session_id = resolve_code(signalling_url, session_id)
        signalling_url, sid = resolve_target(signalling_url, session_id)
        config = self._s.sync_config
        if resume is not None:  # a token saved as JSON comes back with the id as text
            resume = (UUID(str(resume[0])), str(resume[1]))

        def make_sync(peer: str, now: float) -> LobbySync:
            return LobbySync.create_guest(peer, config, resume=resume, password=self._s.password,
                                          lobby_id=sid.uuid)

        return self._start("guest", signalling_url, sid, ice_servers, make_sync)

    def _start(self, role: str, url: str, sid: SessionId, ice_servers: Sequence[IceServer],
               make_sync: Callable[[str, float], LobbySync],
               server: HostedServer | None = None) -> SessionLoop:
        s = self._s
        servers = [IceServer.stun(x) if isinstance(x, str) else x for x in ice_servers]
        probe = IceProbe(servers, s.ice_probe_timeout) if servers else None
        factory = s.transport_factory
        peer_timeout = (s.peer_connect_timeout if s.peer_connect_timeout is not None
                        else max(15.0, s.timeouts.connection))

        def make_transport(ice: list[IceServerConfig]) -> Transport:
            if factory is not None:
                return factory(sid.room, ice, s.queue_size)
            return WebRtcTransport(home.url, sid.room, ice, queue_size=s.queue_size,
                                   connect_timeout=peer_timeout,
                                   signalling_timeout=s.timeouts.peer_id, link_progress=True)

        p2p = P2PLoop(make_transport, make_sync, ice_probe=probe, batch_size=s.batch_size,
                      queue_size=s.queue_size)
        # Where signalling is, and whether it moves (the transport factory reads it: a
        # rejoin after a move registers on the new server).
        home = SignallingHome(url, s.embedded, server, p2p.stats)
        return SessionLoop(p2p, role=role, session_id=sid, signalling_url=url,
                           timeouts=s.timeouts, queue_size=s.queue_size, reconnect=s.reconnect,
                           announcers=s.announcers, has_password=s.password is not None,
                           home=home)

    # --- blocking -----------------------------------------------------------------------------

    def build_session_host(
        self, signalling_url: str | None, ice_servers: Sequence[IceServer], lobby_name: str,
        host_name: str, *, max_participants: int | None = None,
    ) -> tuple[SessionLoop, SessionId]:
        """Host a new session; blocks until it has a peer id (timeout: peer id, 5 s).
        ``signalling_url=None``: on a built-in server of our own (``embedded_signalling``)."""
        session, sid = self.start_session_host(signalling_url, ice_servers, lobby_name,
                                               host_name, max_participants=max_participants)
        _wait(session)
        return session, sid

    def build_session_guest(
        self, signalling_url: str, session_id: SessionIdOrIce = None,
        ice_servers: Sequence[IceServer] = (), *, resume: tuple[UUID, str] | None = None,
    ) -> tuple[SessionLoop, UUID]:
        """Join ``session_id``; blocks until the host's lobby snapshot is applied.

        Raises PeerIdTimeout / ConnectionFailed (signalling), ConnectionTimeout (no peer
        connected; a SyncTimeout), SyncTimeout (no snapshot), InvalidSessionId.
        """
        session = self.start_session_guest(signalling_url, session_id, ice_servers,
                                           resume=resume)
        _wait(session)
        return session, session.lobby_id()

    # --- async --------------------------------------------------------------------------------

    async def build_session_host_async(
        self, signalling_url: str | None, ice_servers: Sequence[IceServer], lobby_name: str,
        host_name: str, *, max_participants: int | None = None,
    ) -> tuple[SessionLoop, SessionId]:
        session, sid = self.start_session_host(signalling_url, ice_servers, lobby_name,
                                               host_name, max_participants=max_participants)
        await _wait_async(session)
        return session, sid

    async def build_session_guest_async(
        self, signalling_url: str, session_id: SessionIdOrIce = None,
        ice_servers: Sequence[IceServer] = (), *, resume: tuple[UUID, str] | None = None,
    ) -> tuple[SessionLoop, UUID]:
        session = self.start_session_guest(signalling_url, session_id, ice_servers,
                                           resume=resume)
        await _wait_async(session)
        return session, session.lobby_id()


def _check_max_participants(size: int | None) -> None:
    """0 used to mean "the default" without a word (a falsy check); any size but None must
    be a real one."""
    if size is None:
        return
    if isinstance(size, bool) or not isinstance(size, int) \
            or not 1 <= size <= MAX_PARTICIPANTS_LIMIT:
        raise ValueError(
            f"max_participants={size!r} is not a lobby size. Check: pass a number from 1 to "
            f"{MAX_PARTICIPANTS_LIMIT}, or leave it out (None) for the default "
            f"({DEFAULT_MAX_PARTICIPANTS})")


def _check(session: SessionLoop) -> bool:
    if session.stage is ConnectionStage.SYNCED:
        return True
    if session.stage is ConnectionStage.FAILED:
        assert session.error is not None
        raise session.error
    if session.stage is ConnectionStage.CLOSED:
        raise P2PError("the session was closed while connecting")
    return False


def _wait(session: SessionLoop) -> None:
    """Poll until synced; the session's own stage deadlines bound this loop."""
    try:
        while True:
            session.poll()
            if _check(session):
                return
            time.sleep(WAIT_STEP)
    except BaseException:
        session.close()
        raise


async def _wait_async(session: SessionLoop) -> None:
    try:
        while True:
            session.poll()
            if _check(session):
                return
            await asyncio.sleep(WAIT_STEP)
    except BaseException:
        session.close()
        raise
