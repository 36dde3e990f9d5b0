"""``SessionLoop``: the seed's unified loop — P2P below, the lobby (domain) above.

Call ``poll()`` from the game loop (every frame or every 100 ms). It never blocks and never
raises because of network input. Domain events (and ``CommandFailed``) come out of
``domain().drain_events()``; replication notices (``LobbySynced``, ``Welcomed``,
``HostChanged``, ``HostLost``) and connection-stage changes out of ``drain_notices()``; game
data out of ``drain_game_data()``.

Queue policy: each queue holds at most ``queue_size`` items. Game data and notices drop the
oldest item when full; domain events do too, but every drop is counted
(``domain().dropped_events``, ``stats["dropped:domain_events"]``) and logged as a warning, and
the lobby state itself (``get_lobby()``) is never affected — drain the events every frame.
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
from ..sync import AccessDenied, HostChanged, HostLost, LobbySynced, Welcomed
from ._announce import ANNOUNCE_INTERVAL, Announcer, AnnouncerFactory, LobbyInfo
from ._errors import (
    ConnectionFailed,
    ConnectionTimeout,
    P2PError,
    PeerIdTimeout,
    SendFailed,
    SyncTimeout,
    WrongPassword,
)
from ._p2p_loop import GameData, P2PLoop
from ._queues import DropOldestQueue
from ._session_id import SessionId
from ._types import (
    ConnectionStage,
    Reconnected,
    Reconnecting,
    ReconnectPolicy,
    SessionStats,
    StageChanged,
    Timeouts,
    TransportNotice,
)

logger = logging.getLogger("konnekt_arcade.session")

_NOTICES = (LobbySynced, Welcomed, HostChanged, HostLost, AccessDenied)


class DomainView:
    """``session_loop.domain()``: the lobby side of the session."""

    def __init__(self, session: SessionLoop) -> None:
        self._session = session

    def drain_events(self) -> list[Any]:
        """Domain events as applied here, plus ``CommandFailed`` for our rejected commands."""
        return self._session._domain_events.drain()

    def get_lobby(self) -> Lobby | None:
        return self._session.get_lobby()

    def state_hash(self) -> str:
        return state_hash(self._session.get_lobby())

    @property
    def dropped_events(self) -> int:
        return self._session._domain_events.dropped


class SessionLoop:
    """One lobby session over one transport; built by ``P2PLoopBuilder``."""

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
    ) -> None:
        self._p2p = p2p
        self.has_password = has_password
        self.reconnect_policy = reconnect or ReconnectPolicy()
        self._rc_started: float | None = None
        self._rc_attempt = 0
        self._rc_next: float | None = None  # when the next attempt starts (suspended until then)
        self._rc_deadline: float | None = None  # when the running attempt is given up
        self._rc_reason = ""
        self.role = role
        self.session_id = session_id
        self.signalling_url = signalling_url
        self.timeouts = timeouts or Timeouts()
        self._clock = clock
        self.stage = ConnectionStage.SIGNALLING
        self.error: P2PError | None = None
        self._domain_events: DropOldestQueue[Any] = DropOldestQueue(queue_size, "domain event",
                                                                    logger)
        self._notices: DropOldestQueue[Any] = DropOldestQueue(queue_size, "notice", logger)
        self._deadline: float | None = clock() + self.timeouts.peer_id
        self._last_peer_error = ""
        self._domain = DomainView(self)
        p2p.on_transport_event = self._on_transport_event
        p2p.on_sync_events = self._on_sync_events
        p2p.on_mesh_lost = self._on_mesh_lost
        if role == "host":
            logger.info("🎯 Creating host session...")
        else:
            logger.info("🎯 Joining session...")
        p2p.start()
        if role != "host":
            logger.info("✅ Joined session: %s", session_id)
            logger.info("⏳ Waiting for peer ID...")
        self._announced: tuple[LobbyInfo | None, float] = (None, float("-inf"))
        self._announcers: list[Announcer] = []
        for make in announcers:
            self._guard_announcer(lambda m=make: self._announcers.append(m(self)),
                                  "could not start an announcer")

    # --- the seed's API -----------------------------------------------------------------------

    def poll(self) -> int:
        """Process at most ``batch_size`` network events; returns how many. Never blocks."""
        if self.stage in (ConnectionStage.FAILED, ConnectionStage.CLOSED):
            return 0
        handled = self._p2p.poll()
        if not self._p2p.ticked:
            return handled  # nothing arrived and no timer is due: neither is any check here
        now = self._clock()
        if self._deadline is not None and now >= self._deadline:
            self._fail(self._timeout_error())
        elif self.stage is ConnectionStage.SYNCED:
            self._check_mesh(now)
        elif self.stage is ConnectionStage.RECONNECTING:
            self._reconnect_step(now)
        if self._announcers:
            self._announce(now)
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
        return self._p2p

    def state_hash(self) -> str:
        return state_hash(self.get_lobby())

    def sequence(self) -> int:
        return self._p2p.current_sequence()

    # --- beside the lobby ---------------------------------------------------------------------

    def send_game_data(self, data: bytes, to: str | Iterable[str] | None = None,
                       reliable: bool = False) -> None:
        """Unsequenced game data to everyone or to ``to``; see ``P2PLoop.send_game_data``."""
        self._p2p.send_game_data(data, to, reliable)

    def drain_game_data(self, max_items: int | None = None) -> list[GameData]:
        return self._p2p.drain_game_data(max_items)

    def drain_notices(self) -> list[Any]:
        """Sync notices and ``StageChanged`` / ``TransportNotice`` values, oldest first."""
        return self._notices.drain()

    @property
    def stats(self) -> SessionStats:
        """Counters of this session, its sync engine and its transport; callable, so
        ``session.stats()`` and ``session.stats["..."]`` both work (see ``SessionStats``)."""
        out = SessionStats(self._p2p.stats)
        sync, transport = self._p2p.sync, self._p2p.transport
        if sync is not None:
            out.update({f"sync:{k}": v for k, v in sync.stats.items()})
            for total in ("received", "dropped", "rejected"):
                out[total] = sync.stats[total]
        if transport is not None:
            out.update({f"transport:{k}": v for k, v in getattr(transport, "stats", {}).items()})
            by_peer = getattr(transport, "dropped_incoming_by_peer", dict)()
            out.update({f"transport:dropped_incoming_from:{p}": n for p, n in by_peer.items()})
        out["dropped:domain_events"] = self._domain_events.dropped
        out["dropped:notices"] = self._notices.dropped
        out["dropped:game_data"] = self._p2p.game_data_dropped
        out.update({f"dropped:game_data_from:{p}": n
                    for p, n in self._p2p.game_data_dropped_by().items()})
        return out

    def selected_candidate_pairs(self) -> dict[str, SelectedPair]:
        """Diagnostics: per connected peer id, the ICE candidate pair in use (a
        ``SelectedPair`` with local/remote candidate types and addresses; ``.relayed`` tells a
        TURN-relayed link). Empty for transports without ICE (in-memory). May wait up to 1 s
        for the network thread: not for every frame."""
        pairs = getattr(self._p2p.transport, "selected_candidate_pairs", None)
        return dict(pairs()) if callable(pairs) else {}

    @property
    def is_ready(self) -> bool:
        return self.stage is ConnectionStage.SYNCED

    def close(self) -> None:
        """Close the transport; idempotent, returns within the transport's close deadline."""
        if self.stage is ConnectionStage.CLOSED:
            return
        if self.stage is not ConnectionStage.FAILED:
            self.stage = ConnectionStage.CLOSED
        self._deadline = None
        announcers, self._announcers = self._announcers, []
        for announcer in announcers:
            self._guard_announcer(announcer.close, "error while closing an announcer")
        self._p2p.close()

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
        lobby = self.get_lobby()
        host = lobby.host if lobby is not None else None
        return LobbyInfo(
            session_id=str(self.session_id), signalling_url=self.signalling_url,
            lobby_name=lobby.name if lobby is not None else "",
            host_name=host.name if host is not None else "",
            players=len(lobby.participants) if lobby is not None else 0,
            max_players=lobby.max_participants if lobby is not None else 0,
            has_password=self.has_password, is_host=self.is_host(),
            ready=self.stage is ConnectionStage.SYNCED)

    def join_code(self) -> str | None:
        """The lobby's directory join code (``P2PLoopBuilder.publish``); None until the
        directory registered it, or without ``publish``."""
        for announcer in self._announcers:
            code = getattr(announcer, "join_code", None)
            if isinstance(code, str):
                return code
        return None

    def _announce(self, now: float) -> None:
        last, at = self._announced
        info = self.lobby_info()
        if info == last and now - at < ANNOUNCE_INTERVAL:
            return
        self._announced = (info, now)
        for announcer in self._announcers:
            self._guard_announcer(lambda a=announcer: a.update(info, now),
                                  "an announcer failed; the session goes on")

    def _guard_announcer(self, action: Callable[[], object], failure: str) -> None:
        """Run one announcer step; a broken advertisement is counted and logged, and never
        breaks the session (nor escapes ``poll()`` or ``close()``)."""
        try:
            action()
        except Exception:
            self._p2p.stats["announce_errors"] += 1
            logger.exception(failure)

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

    def _timeout_error(self) -> P2PError:
        t, session = self.timeouts, str(self.session_id)
        if self.stage is ConnectionStage.SIGNALLING:
            return PeerIdTimeout(self.signalling_url, t.peer_id)
        if self.stage is ConnectionStage.PEER_ID:
            return ConnectionTimeout(session, t.connection, self._last_peer_error)
        return SyncTimeout(session, t.sync)

    # --- reconnection -------------------------------------------------------------------------

    def _may_reconnect(self) -> bool:
        sync = self._p2p.sync
        return (self.reconnect_policy.enabled and self.stage is ConnectionStage.SYNCED
                and sync is not None and not sync.is_host and sync.lobby is not None
                and sync.reconnect_token is not None)

    def _on_mesh_lost(self, peer: str, reason: str, now: float) -> bool:
        """The last connected peer went away. If the signalling server told us it left, it
        really left and the sync engine elects a successor (maybe us); if the link failed,
        it may be our own network, so we reconnect instead."""
        if reason == "peer left":
            return False
        if not self._may_reconnect():
            # A host (or a guest that may not reconnect) keeps its session; it re-registers
            # with the signalling server so that, once its network is back, the peers it lost
            # offer new links to it (sync then heals the partition: the higher epoch wins).
            refresh = getattr(self._p2p.transport, "refresh_signalling", None)
            if callable(refresh):
                logger.warning("🔌 Lost every peer (%s); re-registering so they find us again",
                               reason)
                refresh()
            return False
        self._start_reconnect(now, f"lost the last peer ({reason})")
        return True

    def _check_mesh(self, now: float) -> None:
        if not self._may_reconnect() or self._p2p.suspended:
            return
        peers = self._p2p.connected_peers()
        if not peers:
            self._start_reconnect(now, "no peer connected")
        elif not self._p2p.heard_from_any(now, self.reconnect_policy.silence, peers):
            self._start_reconnect(
                now, f"no peer answered for {self.reconnect_policy.silence:g} s")

    def _backoff(self, attempt: int) -> float:
        steps = self.reconnect_policy.backoff or (1.0,)
        return steps[min(attempt, len(steps) - 1)]

    def _give_up_after(self) -> float:
        policy = self.reconnect_policy
        if policy.give_up_after is not None:
            return policy.give_up_after
        sync = self._p2p.sync
        return sync.config.grace_period if sync is not None else 30.0

    def _start_reconnect(self, now: float, reason: str) -> None:
        logger.warning("🔌 Lost the lobby (%s); reconnecting", reason)
        self._rc_started, self._rc_attempt, self._rc_reason = now, 0, reason
        self._schedule_attempt(now, reason)
        self._set_stage(ConnectionStage.RECONNECTING, None)

    def _schedule_attempt(self, now: float, reason: str) -> None:
        self._p2p.suspend_transport()
        delay = self._backoff(self._rc_attempt)
        self._rc_next, self._rc_deadline, self._rc_reason = now + delay, None, reason
        self._notices.put(Reconnecting(self._rc_attempt + 1, delay, reason))

    def _reconnect_step(self, now: float) -> None:
        assert self._rc_started is not None
        budget = self._give_up_after()
        if now - self._rc_started >= budget:
            self._fail(ConnectionFailed(
                f"Could not rejoin session {self.session_id} within {budget:g} s "
                f"({self._rc_attempt} attempt(s); last: {self._rc_reason}). The lobby has "
                "given our place away; join again"))
            return
        if self._rc_next is not None and now >= self._rc_next:
            self._rc_attempt += 1
            self._rc_next = None
            t = self.timeouts
            self._rc_deadline = now + t.peer_id + t.connection + t.sync
            logger.info("🔁 Reconnect attempt %d to %s", self._rc_attempt, self.signalling_url)
            self._p2p.resume_transport()
        elif self._rc_deadline is not None and now >= self._rc_deadline:
            self._schedule_attempt(now, "the lobby did not answer in time")

    def _reconnect_failed(self, now: float, reason: str) -> None:
        if self.stage is ConnectionStage.RECONNECTING and self._rc_deadline is not None:
            self._schedule_attempt(now, reason)

    def _on_transport_event(self, event: TransportEvent, now: float) -> None:
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
                if event.fatal:
                    self._reconnect_failed(now, event.message)
                if event.fatal and self.stage is ConnectionStage.SIGNALLING:
                    self._fail(ConnectionFailed(
                        f"Could not connect to signalling server {self.signalling_url}: "
                        f"{event.message}. Check: {_check_for(event)}"))
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
        if not any(isinstance(event, _NOTICES) for event in events):
            self._domain_events.extend(events)  # nearly always: domain events only
            return
        for event in events:
            if not isinstance(event, _NOTICES):
                self._domain_events.put(event)
            else:
                self._notices.put(event)
                if isinstance(event, AccessDenied):
                    self._fail(WrongPassword(
                        f"The host of session {self.session_id} refused us: {event.reason}. "
                        "Check: the lobby password (P2PLoopBuilder().password(...))"))
                elif isinstance(event, LobbySynced) and self.stage in (
                        ConnectionStage.PEER_ID, ConnectionStage.CONNECTED):
                    logger.info("✅ Lobby '%s' synced!", event.lobby_name)
                    self._set_stage(ConnectionStage.SYNCED, None)
                elif (isinstance(event, LobbySynced)
                      and self.stage is ConnectionStage.RECONNECTING
                      and self._rc_started is not None):
                    seconds = now - self._rc_started
                    logger.info("✅ Back in lobby '%s' after %.1f s", event.lobby_name, seconds)
                    self._set_stage(ConnectionStage.SYNCED, None)
                    self._notices.put(Reconnected(self._rc_attempt, seconds))
                    self._rc_started = self._rc_next = self._rc_deadline = None


def _check_for(error: TransportError) -> str:
    """What a player can do about a fatal signalling error."""
    if error.refused and "room full" in error.message:
        return ("this lobby is full on that signalling server; try again when a player has "
                "left, or have the server run with a higher --max-peers-per-room")
    if error.refused:
        return ("the signalling server is at its limit; try again later, or have it run with "
                "a higher --max-rooms")
    return "the server is running and the URL is right"
