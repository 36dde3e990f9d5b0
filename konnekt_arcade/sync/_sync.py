"""``LobbySync``: one peer's side of lobby replication, sans-I/O — the facade.

Fed with ``peer_connected``, ``peer_disconnected``, ``receive``, ``submit`` and ``tick`` (all
taking ``now``); yields ``data_to_send()`` (peer, channel, bytes) and ``drain_events()``. It
never sleeps, opens sockets or starts threads, which is what lets tests drive it through
reordering, loss, partitions and host loss deterministically. Each received message goes to
the one part that handles it (see ``_handlers``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Unpack
from uuid import UUID, uuid4

from pydantic import BaseModel

from ..domain import (
    DEFAULT_MAX_PARTICIPANTS,
    DomainCommand,
    DomainError,
    check_wire_safe,
    decide,
)
from ._common import log, token_hash
from ._config import SyncConfig, SyncHooks, SyncOptions
from ._core import SyncBase
from ._notices import Welcomed
from ._role import Cause, Role
from ._versions import VersionGate
from ._wire import (
    Authenticate,
    AuthFailed,
    AuthRequired,
    Channel,
    Command,
    CommandAccepted,
    CommandRejected,
    EventBroadcast,
    FullSyncResponse,
    Heartbeat,
    MissingEventsResponse,
    Rejoin,
    RequestFullSync,
    RequestMissingEvents,
    RosterEntry,
    RosterUpdate,
    Welcome,
    WireError,
    channel_of,
    decode,
)


class LobbySync(SyncBase):
    """One peer's replication state machine (host or replica, which can change).

    Create with :meth:`create_host` or :meth:`create_guest`, feed it inputs,
    then collect ``data_to_send()`` and ``drain_events()``. No method raises
    because of what a peer sent; bad input is dropped and counted in
    ``stats``.
    """

    def __init__(self, local_peer: str, config: SyncConfig | None = None,
                 **kw: Unpack[SyncOptions]) -> None:
        super().__init__(local_peer, config, **kw)
        self._handlers = _handlers(self)
        self.versions = VersionGate(self, self.outbox, unlink=self.liveness.unlinked,
                                    give_up=self.liveness.give_up)

    @classmethod
    def create_host(
        cls,
        local_peer: str,
        lobby_name: str,
        host_name: str,
        now: float,
        *,
        lobby_id: UUID | None = None,
        max_participants: int | None = None,
        config: SyncConfig | None = None,
        new_id: Callable[[], UUID] = uuid4,
        password: str | None = None,
        **kw: Unpack[SyncHooks],
    ) -> LobbySync:
        """A new lobby hosted here. Raises DomainError for bad names or a ``max_participants``
        outside the domain's range (0 included: only ``None`` means the default).

        With ``password``, a peer sees nothing of the lobby (no snapshot, no
        events) and cannot join or rejoin until it proves the password.
        """
        self = cls(local_peer, config, new_id=new_id, password=password, **kw)
        cmd = DomainCommand.CreateLobby(
            lobby_name=lobby_name, host_name=host_name, lobby_id=lobby_id,
            max_participants=(DEFAULT_MAX_PARTICIPANTS if max_participants is None
                              else max_participants))
        events = decide(None, cmd, None, now, new_id=new_id)
        self._transition(Cause.CREATED, local_peer, 0, now)
        self._ever_synced = True
        self.host.commit(events, now)
        assert self.lobby is not None
        self.local_participant_id = self.lobby.host_id
        self.reconnect_token = self._new_token()
        self._resume = (self.local_participant_id, self.reconnect_token)
        self._publish_roster(self.roster.model_copy(update={"entries": {
            str(self.lobby.host_id): RosterEntry(peer_id=local_peer,
                                                 token_hash=token_hash(self.reconnect_token))}}))
        return self

    @classmethod
    def create_guest(
        cls,
        local_peer: str,
        config: SyncConfig | None = None,
        *,
        resume: tuple[UUID, str] | None = None,
        password: str | None = None,
        lobby_id: UUID | None = None,
        **kw: Unpack[SyncHooks],
    ) -> LobbySync:
        """A replica waiting for the host's snapshot.

        ``lobby_id`` is the lobby it wants: a snapshot of any other lobby (two lobbies whose
        peers share one signalling room) is dropped as ``wrong_lobby``, not adopted.

        ``resume`` is ``(participant_id, reconnect_token)`` saved from an
        earlier session: after the snapshot it rejoins as that participant.
        ``password`` answers the host's ``AuthRequired``; a refusal comes out
        of ``drain_events`` as an :class:`AccessDenied` notice.
        """
        self = cls(local_peer, config, password=password, **kw)
        self.expected_lobby = lobby_id
        if resume is not None:
            self._resume = resume
            self.local_participant_id = resume[0]
            self.reconnect_token = resume[1]
        return self

    # --- inputs -------------------------------------------------------------

    def peer_connected(self, peer: str, now: float) -> None:
        self.liveness.heard(peer, now)
        if self.is_host and not self.gate.authorized(peer):
            assert self.lobby is not None
            self.outbox.send(peer, AuthRequired(lobby_id=self.lobby.id))
        elif self.is_host:
            log.info("🟢 HOST: Peer %s connected - auto-sending full sync", peer)
            self.host.send_full_sync(peer)
        elif self.lobby is not None:
            self.outbox.send(peer, self._heartbeat(now))
        self._settle(now)

    def peer_disconnected(self, peer: str, now: float) -> None:
        self.liveness.unlinked(peer)
        self.clock.forget(peer)
        self.gate.forget(peer)
        self._msg_limit.forget(peer)
        self.host.forget(peer)
        self._peer_lost(peer, now)
        self._settle(now)

    def receive(self, peer: str, data: bytes, now: float, *, reliable: bool = True) -> None:
        """Handle bytes from ``peer`` (``reliable``: which channel they came on). Never
        raises because of what a peer sent.

        Order of defences: the per-peer message budget (unless it is our
        host) and the size limit are checked before any parsing; then the
        decoder; then the channel (only heartbeats travel unreliable); then
        the authority rules of each handler.
        """
        self.stats["received"] += 1
        out = self.outbox
        out.now = now
        if peer != self.host_peer and not self._msg_limit.take(peer, now):
            out.drop("rate_limited", peer)
            return
        try:
            msg = decode(data, self.config.max_message_size)
        except WireError as exc:
            out.drop(exc.reason, peer, exc)
            if exc.version is not None:  # another protocol version (_versions decides)
                self.versions.on_mismatch(peer, exc.version, exc.refused, now)
            return
        self.versions.last_compatible = now
        if not reliable and channel_of(msg) is not Channel.UNRELIABLE:
            out.drop("wrong_channel", peer, type(msg).__name__)
            return
        # (a peer we gave up on that talks again is back: a healed partition)
        self.liveness.heard(peer, now)
        handler = self._handlers.get(type(msg))
        try:
            if handler is not None:
                handler(peer, msg, now)
            self._settle(now)
        except Exception:  # a bug must not take the game loop down (unless strict)
            self.stats["internal_error"] += 1
            log.exception("error handling %s from %s", type(msg).__name__, peer)
            if self.strict:
                raise

    def submit(self, command: BaseModel, now: float) -> int:
        """Submit a user command; returns its request id.

        The host decides at once; a guest sends it to the host. A rejection
        arrives later as a CommandFailed event with the same request id.

        Raises:
            TypeError: ``command`` is not a user command (local misuse).
        """
        if not isinstance(command, DomainCommand.USER_COMMANDS):
            raise TypeError(f"not a user command: {type(command).__name__}")
        rid = self.commands.next_request_id()
        if self.is_host:
            self._decide_here(command, now, rid)
            self._settle(now)
            return rid
        try:  # what JSON cannot carry would reach the host changed (NaN -> null)
            check_wire_safe(command)
        except DomainError as exc:
            self.commands.fail(type(command).__name__, exc.reason, rid)
        else:
            self.commands.hold(command, rid, now)  # to the host, tracked until answered
        self._settle(now)
        return rid

    def _decide_here(self, command: object, now: float, rid: int) -> None:
        """As host: decide our own command; a hand-over in its batch leaves it in flight."""
        try:
            done = self.host.submit(command, now, rid)
        except DomainError as exc:
            self.commands.fail(type(command).__name__, exc.reason, rid)
            return
        if done:
            self.commands.answered(rid, "accepted")
        else:
            self.commands.hold(command, rid, now)

    def tick(self, now: float) -> None:
        """Timers: heartbeats, liveness, retries, grace periods, elections."""
        self.outbox.now = now
        try:
            if now - self._last_heartbeat >= self.config.heartbeat_interval:
                self._last_heartbeat = now
                self._send_heartbeat(now)
            for peer in self.liveness.silent(now, self.config.heartbeat_timeout):
                self._peer_lost(peer, now)
            if self.is_host:
                self.host.tick(now)
            else:
                self.versions.tick(now)
                self.replica.retry_gap(now)
                self.commands.expire(now)
                if self.lobby is None or self._full_sync_at is not None:
                    self._retry_full_sync(now)
                self._run_election(now)
            self._settle(now)
        except Exception:
            self.stats["internal_error"] += 1
            log.exception("error in sync tick")
            if self.strict:
                raise

    def request_full_sync(self, peers: list[str], now: float) -> None:
        """Ask ``peers`` (our host, or before we know it everyone) for a full snapshot."""
        msg = RequestFullSync(lobby_id=self.lobby.id if self.lobby else None,
                              last_known_sequence=self.sequence)
        for peer in peers:
            self.outbox.send(peer, msg)
        self.stats["full_sync_requests"] += 1

    def rejoin(self, local_peer: str | None = None) -> None:
        """After reconnecting under a new peer id: forget the old mesh and
        rejoin with our token once the host's snapshot arrives."""
        if local_peer is not None:
            self.local_peer = self.liveness.local_peer = local_peer
        if self.local_participant_id and self.reconnect_token:
            self._resume = (self.local_participant_id, self.reconnect_token)
        self._ever_synced = False
        self._transition(Cause.REJOINED, None, self.epoch, self.outbox.now)
        self.liveness.clear()
        self.authority.forget_peers()
        self.gate.forget_proofs()

    # --- helpers ------------------------------------------------------------

    def _run_election(self, now: float) -> None:
        seen = self.liveness.seen
        move = self.election.tick(seen, now)
        if move is not None and self._move(move, now) and move.cause is Cause.SUCCESSOR_IS_US:
            move = self.election.tick(seen, now)  # nobody to ask: take over at once
            if move is not None:
                self._move(move, now)

    def _retry_full_sync(self, now: float) -> None:
        if not self.liveness.linked:
            return
        if self._full_sync_at is None:
            # Give the host's unasked snapshot (konnekt-session-p2p's flow) time to arrive.
            self._full_sync_at = now
        elif now - self._full_sync_at >= self.config.retry_interval:
            self._full_sync_at = None
            self._request_full_sync(now)

    def _settle(self, now: float) -> None:
        """Work that must wait until the current input is fully handled (it decides new
        events, which would break the wire order in the middle of applying one)."""
        if self._needs_host_setup:
            self._needs_host_setup = False
            if self.is_host:
                self.host.on_became_host(now, self.liveness.seen, self.liveness.lost)
        commands = self.commands
        if commands.due:
            commands.due = False
            if self.role is Role.REPLICA:
                commands.send_pending(now)
            elif self.is_host and self.lobby is not None:
                for item in commands.to_decide_here():
                    assert item.command is not None
                    self._decide_here(item.command.command, now, item.request_id)

    # --- messages handled here (they change the replicated state or the role) ----------

    def _on_heartbeat(self, peer: str, hb: Heartbeat, now: float) -> None:
        if not self.authority.fresh_beat(peer, hb.beat):
            self.outbox.drop("stale_heartbeat", peer, hb.beat)
            return
        if self.lobby is None or hb.lobby_id != self.lobby.id or hb.host_peer is None:
            return
        self.authority.vote(peer, hb.host_peer)
        self.clock.heard(peer, hb.clock, hb.echo, hb.held, now)
        move = self.replica.on_heartbeat(peer, hb, now, self.liveness.seen)
        if move is not None:
            self._move(move, now)

    def _on_full_sync(self, peer: str, msg: FullSyncResponse, now: float) -> None:
        if self.replica.accepts_snapshot(peer, msg.snapshot, self.expected_lobby, now):
            self._apply_snapshot(peer, msg.snapshot, msg.events, now)

    def _on_missing(self, peer: str, msg: MissingEventsResponse, now: float) -> None:
        if self.election.collecting_from(peer):
            self.election.collect(peer, msg, now)
        else:
            self.replica.on_missing_response(peer, msg, now)

    def _serve_missing(self, peer: str, msg: RequestMissingEvents, now: float) -> None:
        if self.lobby is None or msg.lobby_id != self.lobby.id:
            self.outbox.drop("wrong_lobby", peer)
        elif not self.gate.authorized(peer):
            self.outbox.drop("not_authorized", peer)
        else:
            self.replica.serve_missing(peer, msg, self.snapshot)

    def _on_welcome(self, peer: str, msg: Welcome, now: float) -> None:
        if peer != self.host_peer or (self.lobby and msg.lobby_id != self.lobby.id):
            self.outbox.drop("not_from_host", peer)
            return
        # A rejoin is a Welcome to the participant we asked to resume; a first join's
        # participant id may already be known from the roster (which can arrive first).
        rejoined = self._resume is not None and self._resume[0] == msg.participant_id
        self.local_participant_id = msg.participant_id
        self.reconnect_token = msg.reconnect_token
        self._resume = (msg.participant_id, msg.reconnect_token)
        self.outbox.notice(Welcomed(msg.participant_id, msg.reconnect_token, rejoined))

    def _on_roster(self, peer: str, msg: RosterUpdate, now: float) -> None:
        if peer != self.host_peer or msg.epoch < self.epoch or self.is_host:
            self.outbox.drop("not_from_host", peer)
            return
        self.roster = msg.roster
        if self.local_participant_id is None:
            # Our Welcome may have been lost; the roster still says who we are.
            self.local_participant_id = self.participant_of(self.local_peer)


def _handlers(sync: LobbySync) -> dict[type, Callable[[str, Any, float], None]]:
    """Which part handles which message (bound methods, so dispatch is one lookup)."""
    r, h, g, c = sync.replica, sync.host, sync.gate, sync.commands
    on_event = r.on_event
    return {
        EventBroadcast: lambda p, m, now: on_event(p, m.event, now, live=True),
        RequestMissingEvents: sync._serve_missing,
        MissingEventsResponse: sync._on_missing,
        RequestFullSync: h.on_full_sync_request,
        FullSyncResponse: sync._on_full_sync,
        Command: h.on_command,
        CommandAccepted: lambda p, m, now: c.on_accepted(p, m),
        CommandRejected: lambda p, m, now: c.on_rejected(p, m),
        Welcome: sync._on_welcome,
        Rejoin: h.on_rejoin,
        Heartbeat: sync._on_heartbeat,
        RosterUpdate: sync._on_roster,
        AuthRequired: g.on_auth_required,
        Authenticate: g.on_authenticate,
        AuthFailed: g.on_auth_failed,
    }

__all__ = ["LobbySync"]
