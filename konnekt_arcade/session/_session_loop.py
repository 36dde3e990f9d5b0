"""``SessionLoop``: konnekt-session-p2p's unified loop — P2P below, the lobby (domain) above.

Call ``poll()`` from the game loop (every frame or every 100 ms). It never blocks and never
raises because of network input. Domain events (and ``CommandFailed``) come out of
``domain().drain_events()``; notices (``LobbySynced``, ``Welcomed``, ``HostChanged``,
``HostLost``) and stage changes out of ``drain_notices()``; game data out of
``drain_game_data()``.

Queue policy: each queue holds at most ``queue_size`` items and drops its oldest when full;
for domain events every drop is counted (``domain().dropped_events``, ``stats["dropped:
domain_events"]``) and logged, and the lobby (``get_lobby()``) is never affected.

This module keeps the connection stages and the queues; rejoining is the ``Reconnector``'s
decision, announcing the lobby the ``Announcers``', join timeline and deadlines ``_join``'s.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any
from uuid import UUID

from pydantic import BaseModel

from ..domain import Lobby, state_hash
from ..net import (
    IdAssigned,
    PeerConnected,
    SignallingLost,
    SignallingRestored,
    TransportError,
    TransportEvent,
)
from ..net.peer import SelectedPair
from ..sync import (
    AccessDenied,
    IncompatibleLobby,
    LobbySynced,
)
from ..world import World
from ._announce import AnnouncerFactory, Announcers, LobbyInfo
from ._clock import SessionClock
from ._domain_view import DomainView
from ._errors import ConnectionFailed, IncompatibleVersion, P2PError, SendFailed, WrongPassword
from ._join import JoinTimeline
from ._leave import hand_over
from ._messages import Messenger
from ._messaging import Messaging, P2PRouting
from ._p2p_loop import P2PLoop
from ._queues import DropOldestQueue
from ._reconnect import Reconnector
from ._reconnecting import Reconnecting
from ._session_id import SessionId
from ._signal_move import SignallingHome, WhereToJoin
from ._types import (
    ConnectionStage,
    GameData,
    ReconnectPolicy,
    SessionNotice,
    SessionStats,
    StageChanged,
    SyncNotice,
    Timeouts,
    TransportNotice,
)
from ._world_link import WorldLink

logger = logging.getLogger("konnekt_arcade.session")


class SessionLoop(Reconnecting, Messaging, WhereToJoin):
    """One lobby session over one transport, built by ``P2PLoopBuilder``: the game's object,
    over the seed's lower layer ``P2PLoop`` (``p2p()``, which a game does not need)."""

    def __init__(
        self,
        p2p: P2PLoop,
        *,
        role: str,
        session_id: SessionId,
        signalling_url: str,
        timeouts: Timeouts | None = None,
        queue_size: int = 1024,
        clock: Callable[[], float] = time.monotonic,
        reconnect: ReconnectPolicy | None = None,
        announcers: Sequence[AnnouncerFactory] = (),
        has_password: bool = False,
        home: SignallingHome | None = None,
    ) -> None:
        self._p2p = p2p
        self.has_password = has_password
        self.role = role
        self.session_id = session_id
        self._home = home or SignallingHome(signalling_url)  # signalling moves with the host
        self.timeouts = t = timeouts or Timeouts()
        self._reconnector = Reconnector(reconnect or ReconnectPolicy(),
                                        t.peer_id + t.connection + t.sync)
        self._clock = clock
        self.stage = ConnectionStage.SIGNALLING
        self.error: P2PError | None = None
        self._domain_events: DropOldestQueue[Any] = DropOldestQueue(queue_size, "domain event",
                                                                    logger)
        self._notices: DropOldestQueue[SessionNotice] = DropOldestQueue(queue_size, "notice",
                                                                        logger)
        self._deadline: float | None = clock() + self.timeouts.peer_id
        self._join = JoinTimeline(clock())  # where the join's time goes (stats, one log line)
        self._last_peer_error = ""
        self._domain = DomainView(self._domain_events, self.get_lobby)
        self._time = SessionClock(p2p)
        self._world = WorldLink(p2p, self._time.time)  # entities (_world_link)
        p2p.on_transport_event = self._on_transport_event
        p2p.on_sync_events = self._on_sync_events
        p2p.on_mesh_lost = self._on_mesh_lost
        p2p.before_tick = self._before_tick
        self._messages = Messenger(P2PRouting(p2p), p2p.stats, queue_size=queue_size)
        p2p.on_message_frame = self._messages.receive
        p2p.on_session_message = self._home.receive
        logger.info("🎯 Creating host session..." if role == "host" else "🎯 Joining session...")
        p2p.start()
        if role != "host":
            logger.info("✅ Joined session: %s", session_id)
            logger.info("⏳ Waiting for peer ID...")
        self._announcers = Announcers(announcers, self, self._count_announce_error)

    # --- konnekt-session-p2p's API -----------------------------------------------------------

    def poll(self) -> int:
        """Process at most ``batch_size`` network events; returns how many. Never blocks."""
        if self.stage in (ConnectionStage.FAILED, ConnectionStage.CLOSED):
            self._messages.tick(self._clock())  # pending requests end (CLOSED), never hang
            return 0
        handled = self._p2p.poll()
        if not self._p2p.ticked:
            return handled  # nothing arrived and no timer is due: neither is any check here
        now = self._clock()
        self._messages.tick(now)
        self._world.poll(now)
        if self._deadline is not None and now >= self._deadline:
            self._deadline = self._join.on_deadline(  # a join still moving goes on (_join)
                now, self.stage, self.timeouts, self._p2p.refresh_signalling)
            if self._deadline is None:
                self._fail(self.timeouts.error_for(self.stage, self.signalling_url,
                                                   str(self.session_id), self._last_peer_error))
        elif self.stage is ConnectionStage.SYNCED:
            self._check_mesh(now)
        elif self.stage is ConnectionStage.RECONNECTING:
            self._apply(self._reconnector.step(now))
        self._home.update(self._p2p, now)
        self._announcers.update(self.lobby_info, now)
        return handled

    def submit_command(self, command: BaseModel) -> int:
        """Submit a user command; returns its request id. The host decides it at once; a guest
        sends it to the host. A rejection comes back as ``CommandFailed`` from
        ``domain().drain_events()`` with the same request id.

        Raises:
            TypeError: not a user command. SendFailed: the session is closed, failed, or has
            no peer id yet.
        """
        sync = self._p2p.sync
        if sync is None or self._p2p.closed:
            raise SendFailed(f"cannot submit {type(command).__name__}: session is {self.stage}")
        request_id = sync.submit(command, self._clock())
        self._p2p.flush()
        return request_id

    def get_lobby(self) -> Lobby | None:
        sync = self._p2p.sync
        return sync.lobby if sync is not None else None

    def lobby_id(self) -> UUID:
        """The lobby id (equal to the session id)."""
        lobby = self.get_lobby()
        return lobby.id if lobby is not None else self.session_id.uuid

    def local_peer_id(self) -> str | None:
        return self._p2p.local_peer_id()

    def connected_peers(self) -> list[str]:
        return self._p2p.connected_peers()

    def is_host(self) -> bool:
        sync = self._p2p.sync
        return sync.is_host if sync is not None else self.role == "host"

    def local_participant_id(self) -> UUID | None:
        """Our participant id (a guest gets it when the host welcomes its JoinLobby)."""
        sync = self._p2p.sync
        return sync.local_participant_id if sync is not None else None

    def reconnect_token(self) -> str | None:
        sync = self._p2p.sync
        return sync.reconnect_token if sync is not None else None

    def domain(self) -> DomainView:
        return self._domain

    def p2p(self) -> P2PLoop:
        """The seed's lower layer, for diagnostics: it bypasses this loop (docs/api.md)."""
        return self._p2p

    def state_hash(self) -> str:
        return state_hash(self.get_lobby())

    def sequence(self) -> int:
        return self._p2p.current_sequence()

    # --- the shared clock (_clock.py) ----------------------------------------------------------

    def time(self) -> float:
        """The session time every peer shares, in seconds: runs' ``started_at`` and
        ``deadline`` are in it, so ``run.deadline - session.time()`` is the same countdown on
        every screen (within half a round trip), and it goes on unchanged when the host
        leaves. Never decreases once ``time_synced``; this machine's clock before."""
        return self._time.time()

    @property
    def time_synced(self) -> bool:
        """Whether ``time()`` is the shared time yet (a guest: soon after it synced)."""
        return self._time.synced

    # --- beside the lobby ---------------------------------------------------------------------

    def world(self) -> World:
        """The session's shared world of synced entities (``konnekt_arcade.world``): spawn,
        change and despawn entities every peer sees; ticked by ``poll()``."""
        return self._world.current()

    def send_game_data(self, data: bytes, to: str | Iterable[str] | None = None,
                       reliable: bool = False) -> None:
        """Unsequenced game data to everyone or to ``to``; see ``P2PLoop.send_game_data``."""
        self._p2p.send_game_data(data, to, reliable)

    def drain_game_data(self, max_items: int | None = None) -> list[GameData]:
        return self._p2p.drain_game_data(max_items)

    def drain_notices(self) -> list[SessionNotice]:
        """Sync notices and ``StageChanged`` / ``TransportNotice`` values, oldest first."""
        return self._notices.drain()

    @property
    def stats(self) -> SessionStats:
        """Counters of this session, its sync engine and its transport: a fresh snapshot at
        each read, ``session.stats["..."]`` (see ``SessionStats``; calling it is deprecated)."""
        p2p, sync, transport = self._p2p, self._p2p.sync, self._p2p.transport
        return SessionStats.collect(  # own counters, with the join timeline (_join)
            {**p2p.stats, **self._join.stats(), **self._world.stats},  # world:* (_world_link)
            sync.stats if sync is not None else None,
            transport.stats if transport is not None else None,
            transport.dropped_incoming_by_peer() if transport is not None else {},
            p2p.game_data_dropped_by(), domain_events=self._domain_events.dropped,
            notices=self._notices.dropped, game_data=p2p.game_data_dropped,
            messages=self._messages.dropped)

    def selected_candidate_pairs(self) -> dict[str, SelectedPair]:
        """Diagnostics: per connected peer id, the ICE candidate pair in use (a
        ``SelectedPair`` with local/remote candidate types and addresses; ``.relayed`` tells a
        TURN-relayed link). Empty for transports without ICE (in-memory). May wait up to 1 s
        for the network thread: not for every frame."""
        transport = self._p2p.transport
        return transport.selected_candidate_pairs() if transport is not None else {}

    @property
    def is_ready(self) -> bool:
        return self.stage is ConnectionStage.SYNCED

    def close(self) -> None:
        """Close the transport (a host hands over first, ``_leave``); idempotent, bounded.
        A session not already failed moves to CLOSED with a ``StageChanged`` notice, as every
        other stage change has (a failed one keeps its stage and error)."""
        if self.stage is ConnectionStage.CLOSED:
            return
        handed = self.stage is ConnectionStage.SYNCED and hand_over(self._p2p) is not None
        if self.stage is not ConnectionStage.FAILED:
            self._set_stage(ConnectionStage.CLOSED, None)
        self._deadline = None
        self._announcers.close()
        self._p2p.close()  # before our server stops: its closing socket is then no "loss"
        self._home.close(handed)  # our signalling server, if any: kept up for a hand-over

    def __enter__(self) -> SessionLoop:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return (f"<SessionLoop {self.role} {self.session_id} stage={self.stage} "
                f"peer={self.local_peer_id()}>")

    # --- announcers (LAN discovery, directory) ------------------------------------------------

    def lobby_info(self) -> LobbyInfo:
        """What announcers say about this lobby now (see ``_announce.py``)."""
        return LobbyInfo.of(self.get_lobby(), session_id=str(self.session_id),
                            signalling_url=self.signalling_url, has_password=self.has_password,
                            is_host=self.is_host(), ready=self.stage is ConnectionStage.SYNCED
                            and not self._home.moving(self.local_peer_id()))

    def join_code(self) -> str | None:
        """The lobby's directory join code (``P2PLoopBuilder.publish``); None until the
        directory registered it, or without ``publish``."""
        return self._announcers.join_code()

    def announce_problem(self) -> str | None:
        """Why an announcer cannot announce the lobby usefully (see ``Announcer``), or None."""
        return self._announcers.problem()

    def _count_announce_error(self) -> None:
        self._p2p.stats["announce_errors"] += 1

    # --- stages -------------------------------------------------------------------------------

    def _set_stage(self, stage: ConnectionStage, deadline: float | None) -> None:
        self.stage = stage
        self._deadline = deadline
        self._notices.put(StageChanged(stage, self.error))

    def _fail(self, error: P2PError) -> None:
        if self.stage in (ConnectionStage.FAILED, ConnectionStage.CLOSED):
            return
        logger.error("%s", error)
        self.error = error
        self._set_stage(ConnectionStage.FAILED, None)
        self._p2p.close()

    def _on_transport_event(self, event: TransportEvent, now: float) -> None:
        self._join.observe(event, now)
        self._home.on_event(self._p2p, event)
        match event:
            case IdAssigned() if self.stage is ConnectionStage.SIGNALLING:
                if self.role == "host":
                    self._set_stage(ConnectionStage.PEER_ID, None)
                    logger.info("✅ Session created: %s", self.session_id)
                    self._set_stage(ConnectionStage.SYNCED, None)
                else:
                    logger.info("✅ Peer ID assigned")
                    logger.info("⏳ Waiting for peer connection...")
                    self._set_stage(ConnectionStage.PEER_ID, now + self.timeouts.connection)
            case PeerConnected() if self.stage is ConnectionStage.PEER_ID:
                logger.info("✅ Connected to %d peer(s)", len(self.connected_peers()) or 1)
                logger.info("⏳ Waiting for lobby sync from host...")
                self._set_stage(ConnectionStage.CONNECTED, now + self.timeouts.sync)
            case TransportError():
                self._notices.put(TransportNotice("error", event.message))
                if event.fatal and self.stage is ConnectionStage.RECONNECTING:
                    self._apply(self._reconnector.attempt_failed(now, event.message))
                if event.fatal and self.stage is ConnectionStage.SIGNALLING:
                    self._fail(ConnectionFailed.signalling(self.signalling_url, event.message,
                                                           event.refused))
                elif not event.fatal:
                    self._last_peer_error = event.message
            case SignallingLost(reason=reason):
                logger.warning("📡 Signalling server lost (%s); connected peers stay, "
                               "reconnecting to it", reason)
                self._notices.put(TransportNotice("SignallingLost", reason))
            case SignallingRestored(signalling_id=signalling_id):
                logger.info("📡 Signalling server back; new players can join again")
                self._notices.put(TransportNotice("SignallingRestored", signalling_id))

    def _on_sync_events(self, events: list[object], now: float) -> None:
        if not any(isinstance(event, SyncNotice) for event in events):
            self._domain_events.extend(events)  # nearly always: domain events only
            return
        for event in events:
            if not isinstance(event, SyncNotice):
                self._domain_events.put(event)
            else:
                self._notices.put(event)
                self._join.observe(event, now)
                if isinstance(event, AccessDenied):
                    self._fail(WrongPassword.refused_by_host(str(self.session_id), event.reason))
                elif isinstance(event, IncompatibleLobby):  # another protocol (sync/_versions)
                    self._fail(IncompatibleVersion(event.lobby_version, event.local_version,
                                                   str(self.session_id)))
                elif isinstance(event, LobbySynced) and self.stage in (
                        ConnectionStage.PEER_ID, ConnectionStage.CONNECTED):
                    logger.info("✅ Lobby '%s' synced! %s", event.lobby_name, self._join.line())
                    self._set_stage(ConnectionStage.SYNCED, None)
                elif (isinstance(event, LobbySynced)
                      and self.stage is ConnectionStage.RECONNECTING
                      and (back := self._reconnector.succeeded(now)) is not None):
                    logger.info("✅ Back in lobby '%s' after %.1f s", event.lobby_name,
                                back.seconds)
                    self._set_stage(ConnectionStage.SYNCED, None)
                    self._notices.put(back)

