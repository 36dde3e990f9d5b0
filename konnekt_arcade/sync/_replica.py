"""The replica part: ordered application, buffering, gap repair, commands in flight."""

from __future__ import annotations

from ._claims import ClaimsPart
from ._commands import InFlight
from ._engine import MAX_EVENTS_PER_RESPONSE, log
from ._notices import AccessDenied, Welcomed
from ._role import Role
from ._wire import (
    END_OF_LOG,
    Authenticate,
    AuthFailed,
    AuthRequired,
    CommandAccepted,
    CommandRejected,
    FullSyncResponse,
    Heartbeat,
    LobbyEvent,
    MissingEventsResponse,
    Rejoin,
    RequestMissingEvents,
    RosterUpdate,
    Welcome,
    password_proof,
)


class ReplicaPart(ClaimsPart):
    # --- events -------------------------------------------------------------

    def _on_broadcast(self, peer: str, le: LobbyEvent, now: float) -> None:
        self._on_event(peer, le, now, live=True)

    def _on_event(self, peer: str, le: LobbyEvent, now: float, *, live: bool) -> None:
        if self.lobby is None:
            # Not synced yet: keep it for after the snapshot (bounded); who
            # sent it decides then whether it counts.
            if len(self._early) < self.config.max_buffered_events:
                self._early.setdefault((peer, le.sequence), le)
            else:
                self._drop("buffer_full", peer)
            return
        if le.lobby_id != self.lobby.id:
            self._drop("wrong_lobby", peer)
            return
        if peer != self.host_peer or le.epoch > self.epoch:
            if not (le.epoch > self.epoch and self._consider_authority(peer, le.epoch, peer, now)):
                self._drop("not_from_host", peer, le.sequence)
                return
        elif live and le.epoch < self.epoch:
            self._drop("stale_epoch", peer, le.sequence)
            return
        if le.sequence <= self.sequence:
            mine = self._log.get(le.sequence)
            if mine is not None and mine.epoch != le.epoch:
                log.warning("diverged at sequence %d; resyncing", le.sequence)
                self.stats["diverged"] += 1
                self._request_full_sync(now)
            else:
                self._drop("duplicate", peer, le.sequence)
            return
        if le.sequence == self.sequence + 1:
            if self._apply(le, now):
                self._drain_buffer(now)
            return
        self._buffer_event(le, now)
        self._request_gap(le.sequence - 1, now)

    def _buffer_event(self, le: LobbyEvent, now: float) -> None:
        if le.sequence in self._buffer:
            self.stats["dropped:duplicate"] += 1
            return
        if len(self._buffer) >= self.config.max_buffered_events:
            self.stats["buffer_overflow"] += 1
            self._buffer.clear()
            self._request_full_sync(now)
            return
        self._buffer[le.sequence] = le

    def _drain_buffer(self, now: float) -> None:
        for s in [s for s in self._buffer if s <= self.sequence]:
            del self._buffer[s]
        while (nxt := self._buffer.pop(self.sequence + 1, None)) is not None:
            if nxt.epoch > self.epoch or not self._apply(nxt, now):
                self._buffer.clear()
                self._request_full_sync(now)
                return
        if self._gap is not None and self.sequence >= self._gap[0]:
            self._gap = None

    def _request_gap(self, upto: int, now: float) -> None:
        if self._gap is not None and self._gap[0] >= upto:
            return
        tries = self._gap[2] if self._gap else 0
        self._gap = (upto, now, tries)
        self._send_gap_request(upto)

    def _send_gap_request(self, upto: int) -> None:
        if self.lobby is None or self.host_peer is None or self.is_host:
            return
        self.stats["gap_requests"] += 1
        self._send(self.host_peer, RequestMissingEvents(
            lobby_id=self.lobby.id, from_sequence=self.sequence + 1, to_sequence=upto))

    def _retry_gap(self, now: float) -> None:
        if self._gap is None:
            return
        upto, sent, tries = self._gap
        if self.sequence >= upto:
            self._gap = None
        elif now - sent >= self.config.retry_interval:
            if tries + 1 > self.config.max_gap_retries:
                self._gap = None
                self._request_full_sync(now)
            else:
                self._gap = (upto, now, tries + 1)
                self._send_gap_request(upto)

    def _on_missing_response(self, peer: str, msg: MissingEventsResponse, now: float) -> None:
        if (self.role is Role.COLLECTING and self._election is not None
                and peer in self._election.collecting):
            self._collect(peer, msg, now)
            return
        if peer != self.host_peer or self.is_host:
            self._drop("not_from_host", peer)
            return
        for le in msg.events:
            self._on_event(peer, le, now, live=False)
        if msg.latest_sequence > self.sequence and msg.events:
            self._gap = None
            self._request_gap(msg.latest_sequence, now)

    def _on_full_sync(self, peer: str, msg: FullSyncResponse, now: float) -> None:
        snap = msg.snapshot
        if snap.host_peer != peer:
            self._drop("snapshot_not_from_host", peer)
            return
        if self.lobby is not None:
            if snap.lobby_id != self.lobby.id:
                self._drop("wrong_lobby", peer)
                return
            if not self._consider_authority(peer, snap.epoch, peer, now):
                self._drop("not_from_host", peer)
                return
        self._apply_snapshot(peer, snap, msg.events, now)

    # --- heartbeats ---------------------------------------------------------

    def _on_heartbeat(self, peer: str, hb: Heartbeat, now: float) -> None:
        if hb.beat:
            if hb.beat <= self._beats.get(peer, 0):
                self._drop("stale_heartbeat", peer, hb.beat)
                return
            if len(self._beats) >= 1024:
                self._beats.pop(next(iter(self._beats)))
            self._beats[peer] = hb.beat
        if self.lobby is None or hb.lobby_id != self.lobby.id or hb.host_peer is None:
            return
        self._votes[peer] = hb.host_peer
        if len(self._votes) > 1024:
            self._votes.pop(next(iter(self._votes)))
        if (hb.host_peer == self.local_peer and peer == self.host_peer and not self.is_host
                and hb.sequence > self.sequence):
            # Our host handed us the role while the hand-over did not reach us (a partition):
            # fetch the HostDelegated event, which promotes us with the log intact. Taking
            # the role from the heartbeat alone would start our term without it and roll
            # every peer back to our older state, the delegation included.
            self._request_gap(hb.sequence, now)
            return
        if (self.role is Role.ELECTING and peer == self.host_peer == hb.host_peer
                and hb.epoch >= self.epoch):
            # The host we gave up on is alive and still host (a partition healed before
            # anyone took over): follow it again.
            log.info("host %s is back; following it again", peer)
            self._transition(Role.REPLICA, peer, hb.epoch, now)
            return
        if hb.host_peer != self.host_peer or hb.epoch > self.epoch:
            # A claim (the sender's own, or whom it follows): weigh it.
            accepted = (hb.host_peer in self._peers or hb.host_peer == self.local_peer) and \
                self._consider_authority(hb.host_peer, hb.epoch, peer, now)
            if not accepted and peer == self.host_peer and hb.host_peer != peer \
                    and self.role is Role.REPLICA:
                # Our host says it follows a host we cannot follow: nobody is sequencing
                # for us any more, exactly as if our host were lost.
                log.info("host %s follows %s now; electing a successor", peer, hb.host_peer)
                self._transition(Role.ELECTING, peer, self.epoch, now)
            return
        if peer != self.host_peer or hb.epoch != self.epoch or self.is_host:
            return
        # The host's latest sequence: an idle replica finds a lost tail here.
        if hb.sequence > self.sequence:
            self._request_gap(hb.sequence, now)
            return
        mine = self._last_epoch()
        if (hb.sequence == self.sequence and (
                hb.last_epoch != mine
                or (hb.state is not None and hb.state != self._state_digest()))) or (
            hb.sequence < self.sequence and mine < self.epoch
        ):
            # We hold events the current host never sequenced: they came
            # from a deposed host. The snapshot replaces them.
            self.stats["diverged"] += 1
            self._request_full_sync(now)

    # --- commands (guest side) ----------------------------------------------

    def _send_pending(self, now: float) -> None:
        """Send commands in flight to the current host (once per host), or decide them
        here if we became host — unless the lobby already sequenced them."""
        if self.lobby is None or self.host_peer is None:
            return
        if self.role is Role.REPLICA:
            for item in self._pending.to_send(self.host_peer, now):
                self._send(self.host_peer, item.command)  # type: ignore[arg-type]
        elif self.role is Role.HOST:
            for item in self._pending.items():
                if item.command is None:
                    continue
                self._pending.pop(item.request_id)
                me = self.local_participant_id
                if me is not None and (me, item.request_id) in self._sequenced:
                    self.stats["commands_recognised"] += 1
                    self._answered(item.request_id, "accepted")
                    continue  # the old host sequenced it before it went
                self._host_submit(item.command.command, now, item.request_id)

    def _expire_pending(self, now: float) -> None:
        for item in self._pending.expired(now):
            self._fail(item.kind, "the host did not answer in time", item.request_id)

    def _on_accepted(self, peer: str, msg: CommandAccepted, now: float) -> None:
        if peer == self.host_peer and self._pending.pop(msg.request_id) is not None:
            self._answered(msg.request_id, "accepted")

    def _on_rejected(self, peer: str, msg: CommandRejected, now: float) -> None:
        if peer != self.host_peer:
            self._drop("not_from_host", peer)
            return
        if msg.not_host:
            return  # it stepped down: the command goes to the next host
        if self._pending.pop(msg.request_id) is not None:
            self._fail(msg.command_type, msg.reason, msg.request_id)

    def _on_welcome(self, peer: str, msg: Welcome, now: float) -> None:
        if peer != self.host_peer or (self.lobby and msg.lobby_id != self.lobby.id):
            self._drop("not_from_host", peer)
            return
        rejoined = self.local_participant_id == msg.participant_id
        self.local_participant_id = msg.participant_id
        self.reconnect_token = msg.reconnect_token
        self._resume = (msg.participant_id, msg.reconnect_token)
        self._events.append(Welcomed(msg.participant_id, msg.reconnect_token, rejoined))

    def _send_rejoin(self) -> None:
        if self._resume is None or self.lobby is None or self.host_peer is None:
            return
        pid, token = self._resume
        rid = self._next_request
        self._next_request += 1
        self._pending.add(InFlight(rid, "Rejoin", None, float("inf"), self.host_peer))
        self._send(self.host_peer, Rejoin(request_id=rid, lobby_id=self.lobby.id,
                                          participant_id=pid, reconnect_token=token))

    def _on_roster(self, peer: str, msg: RosterUpdate, now: float) -> None:
        if peer != self.host_peer or msg.epoch < self.epoch or self.is_host:
            self._drop("not_from_host", peer)
            return
        self.roster = msg.roster
        if self.local_participant_id is None:
            # Our Welcome may have been lost; the roster still says who we are.
            self.local_participant_id = self.participant_of(self.local_peer)

    def _serve_missing(self, peer: str, msg: RequestMissingEvents, now: float) -> None:
        """Any peer answers from its log: the host for gap repair, survivors
        for a successor collecting what the lost host had sent."""
        if self.lobby is None or msg.lobby_id != self.lobby.id:
            self._drop("wrong_lobby", peer)
            return
        if not self._authorized(peer):
            self._drop("not_authorized", peer)
            return
        if self.is_host and not self._log.covers(msg.from_sequence) and (
            msg.from_sequence <= self.sequence
        ):
            snap = self.snapshot()
            if snap is not None:
                self._send(peer, FullSyncResponse(snapshot=snap))
            return
        to = min(msg.to_sequence, END_OF_LOG)
        events = self._log.range(msg.from_sequence, to, MAX_EVENTS_PER_RESPONSE)
        self._send(peer, MissingEventsResponse(
            events=events, latest_sequence=self.sequence, epoch=self.epoch))

    # --- password (guest side) ----------------------------------------------

    def _on_auth_required(self, peer: str, msg: AuthRequired, now: float) -> None:
        """A host wants the password before showing us the lobby."""
        if self.is_host or (self.lobby is not None and peer != self.host_peer):
            self._drop("not_from_host", peer)
            return
        if self.password is None:
            self._events.append(AccessDenied(peer, "this lobby needs a password"))
            return
        if peer in self._proved_to:
            return  # answered already; a second proof would not be different
        self._proved_to.add(peer)
        self._send(peer, Authenticate(lobby_id=msg.lobby_id, proof=password_proof(
            self.password, msg.lobby_id, peer, self.local_peer)))

    def _on_auth_failed(self, peer: str, msg: AuthFailed, now: float) -> None:
        if peer not in self._proved_to:
            self._drop("unsolicited", peer)
            return
        self._events.append(AccessDenied(peer, msg.reason))
