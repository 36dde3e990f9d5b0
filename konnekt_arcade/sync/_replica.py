"""The replica part: ordered application, buffering, gap repair, commands in flight."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._commands import InFlight
from ._common import MAX_EVENTS_PER_RESPONSE, log
from ._notices import Welcomed
from ._role import Cause, Role
from ._wire import (
    END_OF_LOG,
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
)

if TYPE_CHECKING:
    from ._engine import SyncBase


class Replica:
    """Applying the host's events in order: buffering, gap repair, heartbeats, our own
    commands in flight, serving missing ranges. Own state: the out-of-order buffer, events
    that came before our first snapshot, and the gap being repaired."""

    def __init__(self, sync: SyncBase) -> None:
        self.s = sync
        self._buffer: dict[int, LobbyEvent] = {}
        # Events that arrived before our first snapshot, by sender: only the
        # snapshot's host's are kept (anyone else's would be forgeries).
        self._early: dict[tuple[str, int], LobbyEvent] = {}
        #: (up to sequence, asked at, tries) of the range being repaired.
        self._gap: tuple[int, float, int] | None = None

    @property
    def buffered(self) -> int:
        return len(self._buffer)

    def forget_gap(self) -> None:
        self._gap = None

    def after_snapshot(self, host_peer: str) -> None:
        """Keep only buffered events past the snapshot, and the early ones its host sent."""
        seq = self.s.sequence
        self._gap = None
        self._buffer = {s: e for s, e in self._buffer.items() if s > seq}
        early, self._early = self._early, {}
        for (sender, s), le in sorted(early.items(), key=lambda kv: kv[0][1]):
            if sender == host_peer and s > seq:
                self._buffer.setdefault(s, le)

    # --- events -------------------------------------------------------------

    def on_broadcast(self, peer: str, le: LobbyEvent, now: float) -> None:
        self.on_event(peer, le, now, live=True)

    def on_event(self, peer: str, le: LobbyEvent, now: float, *, live: bool) -> None:
        if self.s.lobby is None:
            # Not synced yet: keep it for after the snapshot (bounded); who
            # sent it decides then whether it counts.
            if len(self._early) < self.s.config.max_buffered_events:
                self._early.setdefault((peer, le.sequence), le)
            else:
                self.s._drop("buffer_full", peer)
            return
        if le.lobby_id.int != self.s.lobby.id.int:  # (UUID's own != is Python code)
            self.s._drop("wrong_lobby", peer)
            return
        if peer != self.s.host_peer or le.epoch > self.s.epoch:
            if not (le.epoch > self.s.epoch
                    and self.s.authority.consider(peer, le.epoch, peer, now)):
                self.s._drop("not_from_host", peer, le.sequence)
                return
        elif live and le.epoch < self.s.epoch:
            self.s._drop("stale_epoch", peer, le.sequence)
            return
        if le.sequence <= self.s.sequence:
            mine = self.s._log.get(le.sequence)
            if mine is not None and mine.epoch != le.epoch:
                log.warning("diverged at sequence %d; resyncing", le.sequence)
                self.s.stats["diverged"] += 1
                self.s._request_full_sync(now)
            else:
                self.s._drop("duplicate", peer, le.sequence)
            return
        if le.sequence == self.s.sequence + 1:
            if self.s._apply(le, now) and (self._buffer or self._gap is not None):
                self.drain_buffer(now)
            return
        self.buffer_event(le, now)
        self.request_gap(le.sequence - 1, now)

    def buffer_event(self, le: LobbyEvent, now: float) -> None:
        if le.sequence in self._buffer:
            self.s.stats["dropped:duplicate"] += 1
            return
        if len(self._buffer) >= self.s.config.max_buffered_events:
            self.s.stats["buffer_overflow"] += 1
            self._buffer.clear()
            self.s._request_full_sync(now)
            return
        self._buffer[le.sequence] = le

    def drain_buffer(self, now: float) -> None:
        for s in [s for s in self._buffer if s <= self.s.sequence]:
            del self._buffer[s]
        while (nxt := self._buffer.pop(self.s.sequence + 1, None)) is not None:
            if nxt.epoch > self.s.epoch or not self.s._apply(nxt, now):
                self._buffer.clear()
                self.s._request_full_sync(now)
                return
        if self._gap is not None and self.s.sequence >= self._gap[0]:
            self._gap = None

    def request_gap(self, upto: int, now: float) -> None:
        if self._gap is not None and self._gap[0] >= upto:
            return
        tries = self._gap[2] if self._gap else 0
        self._gap = (upto, now, tries)
        self.send_gap_request(upto)

    def send_gap_request(self, upto: int) -> None:
        if self.s.lobby is None or self.s.host_peer is None or self.s.is_host:
            return
        self.s.stats["gap_requests"] += 1
        self.s._send(self.s.host_peer, RequestMissingEvents(
            lobby_id=self.s.lobby.id, from_sequence=self.s.sequence + 1, to_sequence=upto))

    def retry_gap(self, now: float) -> None:
        if self._gap is None:
            return
        upto, sent, tries = self._gap
        if self.s.sequence >= upto:
            self._gap = None
        elif now - sent >= self.s.config.retry_interval:
            if tries + 1 > self.s.config.max_gap_retries:
                self._gap = None
                self.s._request_full_sync(now)
            else:
                self._gap = (upto, now, tries + 1)
                self.send_gap_request(upto)

    def on_missing_response(self, peer: str, msg: MissingEventsResponse, now: float) -> None:
        if (self.s.role is Role.COLLECTING and self.s._election is not None
                and peer in self.s._election.collecting):
            self.s.election.collect(peer, msg, now)
            return
        if peer != self.s.host_peer or self.s.is_host:
            self.s._drop("not_from_host", peer)
            return
        for le in msg.events:
            self.on_event(peer, le, now, live=False)
        if msg.latest_sequence > self.s.sequence and msg.events:
            self._gap = None
            self.request_gap(msg.latest_sequence, now)

    def on_full_sync(self, peer: str, msg: FullSyncResponse, now: float) -> None:
        snap = msg.snapshot
        if snap.host_peer != peer:
            self.s._drop("snapshot_not_from_host", peer)
            return
        wanted = self.s.lobby.id if self.s.lobby is not None else self.s.expected_lobby
        if wanted is not None and snap.lobby_id != wanted:
            self.s._drop("wrong_lobby", peer)
            return
        if self.s.lobby is not None and not self.s.authority.consider(peer, snap.epoch, peer,
                                                                      now):
            self.s._drop("not_from_host", peer)
            return
        self.s._apply_snapshot(peer, snap, msg.events, now)

    # --- heartbeats ---------------------------------------------------------

    def on_heartbeat(self, peer: str, hb: Heartbeat, now: float) -> None:
        if hb.beat:
            if hb.beat <= self.s._beats.get(peer, 0):
                self.s._drop("stale_heartbeat", peer, hb.beat)
                return
            if len(self.s._beats) >= 1024:
                self.s._beats.pop(next(iter(self.s._beats)))
            self.s._beats[peer] = hb.beat
        if self.s.lobby is None or hb.lobby_id != self.s.lobby.id or hb.host_peer is None:
            return
        self.s._votes[peer] = hb.host_peer
        if len(self.s._votes) > 1024:
            self.s._votes.pop(next(iter(self.s._votes)))
        if (hb.host_peer == self.s.local_peer and peer == self.s.host_peer and not self.s.is_host
                and hb.sequence > self.s.sequence):
            # Our host handed us the role while the hand-over did not reach us (a partition):
            # fetch the HostDelegated event, which promotes us with the log intact. Taking
            # the role from the heartbeat alone would start our term without it and roll
            # every peer back to our older state, the delegation included.
            self.request_gap(hb.sequence, now)
            return
        if (self.s.role is Role.ELECTING and peer == self.s.host_peer == hb.host_peer
                and hb.epoch >= self.s.epoch):
            # The host we gave up on is alive and still host (a partition healed before
            # anyone took over): follow it again.
            log.info("host %s is back; following it again", peer)
            self.s._transition(Cause.LOST_HOST_BACK, peer, hb.epoch, now)
            return
        if hb.host_peer != self.s.host_peer or hb.epoch > self.s.epoch:
            # A claim (the sender's own, or whom it follows): weigh it.
            accepted = (hb.host_peer in self.s._peers or hb.host_peer == self.s.local_peer) and \
                self.s.authority.consider(hb.host_peer, hb.epoch, peer, now)
            if not accepted and peer == self.s.host_peer and hb.host_peer != peer \
                    and self.s.role is Role.REPLICA:
                # Our host says it follows a host we cannot follow: nobody is sequencing
                # for us any more, exactly as if our host were lost.
                log.info("host %s follows %s now; electing a successor", peer, hb.host_peer)
                self.s._transition(Cause.HOST_FOLLOWS_OTHER, peer, self.s.epoch, now)
            return
        if peer != self.s.host_peer or hb.epoch != self.s.epoch or self.s.is_host:
            return
        # The host's latest sequence: an idle replica finds a lost tail here.
        if hb.sequence > self.s.sequence:
            self.request_gap(hb.sequence, now)
            return
        mine = self.s._last_epoch()
        if (hb.sequence == self.s.sequence and (
                hb.last_epoch != mine
                or (hb.state is not None and hb.state != self.s._state_digest()))) or (
            hb.sequence < self.s.sequence and mine < self.s.epoch
        ):
            # We hold events the current host never sequenced: they came
            # from a deposed host. The snapshot replaces them.
            self.s.stats["diverged"] += 1
            self.s._request_full_sync(now)

    # --- commands (guest side) ----------------------------------------------

    def send_pending(self, now: float) -> None:
        """Send commands in flight to the current host (once per host), or decide them
        here if we became host — unless the lobby already sequenced them."""
        if self.s.lobby is None or self.s.host_peer is None:
            return
        if self.s.role is Role.REPLICA:
            for item in self.s._pending.to_send(self.s.host_peer, now):
                self.s._send(self.s.host_peer, item.command)  # type: ignore[arg-type]
        elif self.s.role is Role.HOST:
            for item in self.s._pending.items():
                if item.command is None:
                    continue
                self.s._pending.pop(item.request_id)
                me = self.s.local_participant_id
                if me is not None and (me, item.request_id) in self.s._sequenced:
                    self.s.stats["commands_recognised"] += 1
                    self.s._answered(item.request_id, "accepted")
                    continue  # the old host sequenced it before it went
                self.s.host.submit(item.command.command, now, item.request_id)

    def expire_pending(self, now: float) -> None:
        for item in self.s._pending.expired(now):
            self.s._fail(item.kind, "the host did not answer in time", item.request_id)

    def on_accepted(self, peer: str, msg: CommandAccepted, now: float) -> None:
        if peer == self.s.host_peer and self.s._pending.pop(msg.request_id) is not None:
            self.s._answered(msg.request_id, "accepted")

    def on_rejected(self, peer: str, msg: CommandRejected, now: float) -> None:
        if peer != self.s.host_peer:
            self.s._drop("not_from_host", peer)
            return
        if msg.not_host:
            return  # it stepped down: the command goes to the next host
        if self.s._pending.pop(msg.request_id) is not None:
            self.s._fail(msg.command_type, msg.reason, msg.request_id)

    def on_welcome(self, peer: str, msg: Welcome, now: float) -> None:
        if peer != self.s.host_peer or (self.s.lobby and msg.lobby_id != self.s.lobby.id):
            self.s._drop("not_from_host", peer)
            return
        rejoined = self.s.local_participant_id == msg.participant_id
        self.s.local_participant_id = msg.participant_id
        self.s.reconnect_token = msg.reconnect_token
        self.s._resume = (msg.participant_id, msg.reconnect_token)
        self.s._events.append(Welcomed(msg.participant_id, msg.reconnect_token, rejoined))

    def send_rejoin(self) -> None:
        if self.s._resume is None or self.s.lobby is None or self.s.host_peer is None:
            return
        pid, token = self.s._resume
        rid = self.s._next_request
        self.s._next_request += 1
        self.s._pending.add(InFlight(rid, "Rejoin", None, float("inf"), self.s.host_peer))
        self.s._send(self.s.host_peer, Rejoin(request_id=rid, lobby_id=self.s.lobby.id,
                                          participant_id=pid, reconnect_token=token))

    def on_roster(self, peer: str, msg: RosterUpdate, now: float) -> None:
        if peer != self.s.host_peer or msg.epoch < self.s.epoch or self.s.is_host:
            self.s._drop("not_from_host", peer)
            return
        self.s.roster = msg.roster
        if self.s.local_participant_id is None:
            # Our Welcome may have been lost; the roster still says who we are.
            self.s.local_participant_id = self.s.participant_of(self.s.local_peer)

    def serve_missing(self, peer: str, msg: RequestMissingEvents, now: float) -> None:
        """Any peer answers from its log: the host for gap repair, survivors
        for a successor collecting what the lost host had sent."""
        if self.s.lobby is None or msg.lobby_id != self.s.lobby.id:
            self.s._drop("wrong_lobby", peer)
            return
        if not self.s.gate.authorized(peer):
            self.s._drop("not_authorized", peer)
            return
        if self.s.is_host and not self.s._log.covers(msg.from_sequence) and (
            msg.from_sequence <= self.s.sequence
        ):
            snap = self.s.snapshot()
            if snap is not None:
                self.s._send(peer, FullSyncResponse(snapshot=snap))
            return
        to = min(msg.to_sequence, END_OF_LOG)
        events = self.s._log.range(msg.from_sequence, to, MAX_EVENTS_PER_RESPONSE)
        self.s._send(peer, MissingEventsResponse(
            events=events, latest_sequence=self.s.sequence, epoch=self.s.epoch))

    # --- password (guest side) ----------------------------------------------

