"""The replica part: ordered application, buffering, gap repair, serving missing ranges.

Built with a read-only view of the replicated state and callbacks for what it may make
happen (``apply`` an event, ``consider`` a host claim, ``request_full_sync``); it returns the
:class:`Move` a heartbeat calls for instead of changing the role itself.
"""

from __future__ import annotations

from collections.abc import Callable, Container

from ._common import MAX_EVENTS_PER_RESPONSE, log
from ._log import EventLog
from ._outbox import Outbox
from ._role import Cause, Move, Role
from ._view import SyncView
from ._wire import (
    END_OF_LOG,
    FullSyncResponse,
    Heartbeat,
    LobbyEvent,
    LobbySnapshot,
    MissingEventsResponse,
    RequestMissingEvents,
)


class Replica:
    """Applying the host's events in order. Own state: the out-of-order buffer, events that
    came before our first snapshot, and the gap being repaired."""

    def __init__(
        self,
        view: SyncView,
        outbox: Outbox,
        log_: EventLog,
        *,
        apply: Callable[[LobbyEvent, float], bool],
        consider: Callable[[str, int, str, float], bool],
        request_full_sync: Callable[[float], None],
        last_epoch: Callable[[], int],
        digest: Callable[[], str | None],
        saw_time: Callable[[str, float, float], None] = lambda peer, stamp, now: None,
    ) -> None:
        self.v = view
        self.out = outbox
        self._log = log_
        self._apply = apply
        self._consider = consider
        self._request_full_sync = request_full_sync
        self._last_epoch = last_epoch
        self._digest = digest
        #: A live event's timestamp is a one-way sample of the lobby's clock (``_clock.py``).
        self._saw_time = saw_time
        self._buffer: dict[int, LobbyEvent] = {}
        # Events that arrived before our first snapshot, by sender: only the
        # snapshot's host's are kept (anyone else's would be forgeries).
        self._early: dict[tuple[str, int], LobbyEvent] = {}
        #: (up to sequence, asked at, tries) of the range being repaired.
        self._gap: tuple[int, float, int] | None = None

    @property
    def buffered(self) -> int:
        return len(self._buffer)

    @property
    def repairing(self) -> int | None:
        """The sequence a gap repair runs up to (None: no gap)."""
        return self._gap[0] if self._gap is not None else None

    def forget_gap(self) -> None:
        self._gap = None

    def after_snapshot(self, host_peer: str) -> None:
        """Keep only buffered events past the snapshot, and the early ones its host sent."""
        seq = self.v.sequence
        self._gap = None
        self._buffer = {s: e for s, e in self._buffer.items() if s > seq}
        early, self._early = self._early, {}
        for (sender, s), le in sorted(early.items(), key=lambda kv: kv[0][1]):
            if sender == host_peer and s > seq:
                self._buffer.setdefault(s, le)

    # --- events -------------------------------------------------------------

    def on_event(self, peer: str, le: LobbyEvent, now: float, *, live: bool) -> None:
        v = self.v
        lobby = v.lobby
        if lobby is None:
            # Not synced yet: keep it for after the snapshot (bounded); who
            # sent it decides then whether it counts.
            if len(self._early) < v.config.max_buffered_events:
                self._early.setdefault((peer, le.sequence), le)
            else:
                self.out.drop("buffer_full", peer)
            return
        if le.lobby_id.int != lobby.id.int:  # (UUID's own != is Python code)
            self.out.drop("wrong_lobby", peer)
            return
        epoch = v.epoch
        if peer != v.host_peer or le.epoch > epoch:
            if not (le.epoch > epoch and self._consider(peer, le.epoch, peer, now)):
                self.out.drop("not_from_host", peer, le.sequence)
                return
        elif live and le.epoch < epoch:
            self.out.drop("stale_epoch", peer, le.sequence)
            return
        if live:
            self._saw_time(peer, le.timestamp, now)
        sequence = v.sequence
        if le.sequence <= sequence:
            mine = self._log.get(le.sequence)
            if mine is not None and mine.epoch != le.epoch:
                log.warning("diverged at sequence %d; resyncing", le.sequence)
                self.out.stats["diverged"] += 1
                self._request_full_sync(now)
            else:
                self.out.drop("duplicate", peer, le.sequence)
            return
        if le.sequence == sequence + 1:
            if self._apply(le, now) and (self._buffer or self._gap is not None):
                self.drain_buffer(now)
            return
        self.buffer_event(le, now)
        self.request_gap(le.sequence - 1, now)

    def buffer_event(self, le: LobbyEvent, now: float) -> None:
        if le.sequence in self._buffer:
            self.out.stats["dropped:duplicate"] += 1
            return
        if len(self._buffer) >= self.v.config.max_buffered_events:
            self.out.stats["buffer_overflow"] += 1
            self._buffer.clear()
            self._request_full_sync(now)
            return
        self._buffer[le.sequence] = le

    def drain_buffer(self, now: float) -> None:
        v = self.v
        for s in [s for s in self._buffer if s <= v.sequence]:
            del self._buffer[s]
        while (nxt := self._buffer.pop(v.sequence + 1, None)) is not None:
            if nxt.epoch > v.epoch or not self._apply(nxt, now):
                self._buffer.clear()
                self._request_full_sync(now)
                return
        if self._gap is not None and v.sequence >= self._gap[0]:
            self._gap = None

    def request_gap(self, upto: int, now: float) -> None:
        if self._gap is not None and self._gap[0] >= upto:
            return
        tries = self._gap[2] if self._gap else 0
        self._gap = (upto, now, tries)
        self.send_gap_request(upto)

    def send_gap_request(self, upto: int) -> None:
        v = self.v
        if v.lobby is None or v.host_peer is None or v.is_host:
            return
        self.out.stats["gap_requests"] += 1
        self.out.send(v.host_peer, RequestMissingEvents(
            lobby_id=v.lobby.id, from_sequence=v.sequence + 1, to_sequence=upto))

    def retry_gap(self, now: float) -> None:
        if self._gap is None:
            return
        upto, sent, tries = self._gap
        cfg = self.v.config
        if self.v.sequence >= upto:
            self._gap = None
        elif now - sent >= cfg.retry_interval:
            if tries + 1 > cfg.max_gap_retries:
                self._gap = None
                self._request_full_sync(now)
            else:
                self._gap = (upto, now, tries + 1)
                self.send_gap_request(upto)

    def on_missing_response(self, peer: str, msg: MissingEventsResponse, now: float) -> None:
        if peer != self.v.host_peer or self.v.is_host:
            self.out.drop("not_from_host", peer)
            return
        for le in msg.events:
            self.on_event(peer, le, now, live=False)
        if msg.latest_sequence > self.v.sequence and msg.events:
            self._gap = None
            self.request_gap(msg.latest_sequence, now)

    def accepts_snapshot(self, peer: str, snap: LobbySnapshot, expected_lobby: object,
                         now: float) -> bool:
        """Whether a snapshot from ``peer`` may replace our state (the caller applies it)."""
        v = self.v
        if snap.host_peer != peer:
            self.out.drop("snapshot_not_from_host", peer)
            return False
        wanted = v.lobby.id if v.lobby is not None else expected_lobby
        if wanted is not None and snap.lobby_id != wanted:
            self.out.drop("wrong_lobby", peer)
            return False
        if v.lobby is not None and not self._consider(peer, snap.epoch, peer, now):
            self.out.drop("not_from_host", peer)
            return False
        return True

    # --- heartbeats ---------------------------------------------------------

    def on_heartbeat(self, peer: str, hb: Heartbeat, now: float,
                     live: Container[str]) -> Move | None:
        """A heartbeat of our lobby (the caller checked its counter and noted its vote):
        follow a host that came back, weigh a claim, find a lost tail or another history."""
        v = self.v
        if (hb.host_peer == v.local_peer and peer == v.host_peer and not v.is_host
                and hb.sequence > v.sequence):
            # Our host handed us the role while the hand-over did not reach us (a partition):
            # fetch the HostDelegated event, which promotes us with the log intact. Taking
            # the role from the heartbeat alone would start our term without it and roll
            # every peer back to our older state, the delegation included.
            self.request_gap(hb.sequence, now)
            return None
        if (v.role is Role.ELECTING and peer == v.host_peer == hb.host_peer
                and hb.epoch >= v.epoch):
            # The host we gave up on is alive and still host (a partition healed before
            # anyone took over): follow it again.
            log.info("host %s is back; following it again", peer)
            return Move(Cause.LOST_HOST_BACK, peer, hb.epoch)
        if hb.host_peer != v.host_peer or hb.epoch > v.epoch:
            # A claim (the sender's own, or whom it follows): weigh it.
            claimed = hb.host_peer
            assert claimed is not None
            accepted = (claimed in live or claimed == v.local_peer) and \
                self._consider(claimed, hb.epoch, peer, now)
            if not accepted and peer == v.host_peer and claimed != peer \
                    and v.role is Role.REPLICA and hb.epoch >= v.epoch:
                # Our host says it follows a host we cannot follow: nobody is sequencing
                # for us any more, exactly as if our host were lost. Only a heartbeat of our
                # term or later says so: one from an older epoch was sent before its sender
                # knew what made it our host (a hand-over we folded first: heartbeats and
                # events travel on channels that do not order against each other), and
                # electing on it handed the role back to the peer that gave it up.
                log.info("host %s follows %s now; electing a successor", peer, claimed)
                return Move(Cause.HOST_FOLLOWS_OTHER, peer, v.epoch)
            return None
        if peer != v.host_peer or hb.epoch != v.epoch or v.is_host:
            return None
        # The host's latest sequence: an idle replica finds a lost tail here.
        if hb.sequence > v.sequence:
            self.request_gap(hb.sequence, now)
            return None
        mine = self._last_epoch()
        if (hb.sequence == v.sequence and (
                hb.last_epoch != mine
                or (hb.state is not None and hb.state != self._digest()))) or (
            hb.sequence < v.sequence and mine < v.epoch
        ):
            # We hold events the current host never sequenced: they came
            # from a deposed host. The snapshot replaces them.
            self.out.stats["diverged"] += 1
            self._request_full_sync(now)
        return None

    # --- serving ------------------------------------------------------------

    def serve_missing(self, peer: str, msg: RequestMissingEvents,
                      snapshot: Callable[[], LobbySnapshot | None]) -> None:
        """Any peer answers from its log: the host for gap repair, survivors for a
        successor collecting what the lost host had sent (the caller checked the gate)."""
        v = self.v
        if v.is_host and not self._log.covers(msg.from_sequence) and (
            msg.from_sequence <= v.sequence
        ):
            snap = snapshot()
            if snap is not None:
                self.out.send(peer, FullSyncResponse(snapshot=snap))
            return
        to = min(msg.to_sequence, END_OF_LOG)
        events = self._log.range(msg.from_sequence, to, MAX_EVENTS_PER_RESPONSE)
        self.out.send(peer, MissingEventsResponse(
            events=events, latest_sequence=v.sequence, epoch=v.epoch))
