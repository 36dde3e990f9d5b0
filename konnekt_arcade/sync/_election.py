"""Host loss and migration.

Every survivor computes the same successor from replicated state (the
earliest-joined connected participant, ties by id, skipping peers it knows
are gone). The successor first pulls any events it missed from the other
survivors — whatever the lost host managed to send to anyone is kept — then
bumps the epoch and announces HostDelegated(reason=migrated). Survivors wait
a bounded time for the expected successor and pass over it if it is silent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from ..domain import DomainCommand
from ._common import log
from ._role import Cause, Role
from ._wire import END_OF_LOG, MissingEventsResponse, RequestMissingEvents

if TYPE_CHECKING:
    from ._engine import SyncBase


class Election:
    """Host loss, the successor rule and taking over. Its bookkeeping lives in the role
    machine's ``ElectionState`` (it exists exactly while ELECTING or COLLECTING)."""

    def __init__(self, sync: SyncBase) -> None:
        self.s = sync

    def peer_lost(self, peer: str, now: float) -> None:
        if peer not in self.s._peers and peer in self.s._lost:
            return
        self.s._peers.pop(peer, None)
        self.s._lost.add(peer)
        if self.s.is_host:
            self.s.host.peer_lost(peer, now)
        elif peer == self.s.host_peer and self.s.lobby is not None and self.s.role is Role.REPLICA:
            log.info("host %s lost; electing a successor", peer)
            self.s._transition(Cause.HOST_LOST, peer, self.s.epoch, now)
        election = self.s._election
        if self.s.role is Role.COLLECTING and election is not None \
                and peer in election.collecting:
            election.collecting[peer] = True

    def tick(self, now: float) -> None:
        election = self.s._election
        if election is None or self.s.lobby is None:
            return
        if self.s.role is Role.COLLECTING:
            if all(election.collecting.values()) or now >= election.collect_deadline:
                self.take_over(now)
            return
        successor = self.expected_successor()
        if successor is None:
            return
        if successor == self.s.local_participant_id:
            self.start_collecting(now)
            return
        target = self.s.peer_of(successor)
        if target != election.target:
            election.target = target
            election.deadline = now + self.s.config.migration_timeout
        elif now >= election.deadline and target is not None:
            log.info("expected successor %s is silent; passing over it", target)
            election.passed_over.add(target)
            election.target = None

    def start_collecting(self, now: float) -> None:
        assert self.s.lobby is not None
        self.s._transition(Cause.SUCCESSOR_IS_US, self.s.host_peer, self.s.epoch, now)
        election = self.s._election
        assert election is not None
        election.collecting = {p: False for p in self.s._peers}
        election.collect_deadline = now + self.s.config.migration_collect_timeout
        req = RequestMissingEvents(lobby_id=self.s.lobby.id, from_sequence=self.s.sequence + 1,
                                   to_sequence=END_OF_LOG)
        for peer in election.collecting:
            self.s._send(peer, req)
        if not election.collecting:
            self.take_over(now)

    def collect(self, peer: str, msg: MissingEventsResponse, now: float) -> None:
        election = self.s._election
        assert election is not None
        election.collecting[peer] = True
        for le in msg.events:
            # Only the old term's events: whatever the lost host sequenced.
            if le.epoch <= self.s.epoch and le.sequence == self.s.sequence + 1:
                self.s._apply(le, now)
        if msg.latest_sequence > self.s.sequence and msg.events and msg.epoch <= self.s.epoch:
            # More than one response's worth: ask the same survivor again.
            election.collecting[peer] = False
            assert self.s.lobby is not None
            self.s._send(peer, RequestMissingEvents(lobby_id=self.s.lobby.id,
                                                    from_sequence=self.s.sequence + 1,
                                                    to_sequence=END_OF_LOG))

    def take_over(self, now: float) -> None:
        assert self.s.lobby is not None
        if self.s.lobby.participant(self.s.local_participant_id) is None:
            # The collected events removed us; the next successor will come.
            self.s._transition(Cause.COLLECTED_REMOVED_US, self.s.host_peer, self.s.epoch, now)
            if self.s._election is not None:
                self.s._election.passed_over.add(self.s.local_peer)
            return
        assert self.s.local_participant_id is not None
        self.s._transition(Cause.COLLECTED, self.s.local_peer, self.s.epoch + 1, now)
        log.info("🟢 taking over as host (epoch %d, sequence %d)", self.s.epoch, self.s.sequence)
        self.s.stats["migrations"] += 1
        self.s.host.decide_commit(DomainCommand.MigrateHost(new_host_id=self.s.local_participant_id),
                            None, now)

    def expected_successor(self) -> UUID | None:
        """The participant every survivor picks when the host is lost."""
        if self.s.lobby is None:
            return None
        skip = self.s._election.passed_over if self.s._election is not None else set()
        candidates = []
        for p in self.s.lobby.participants:
            if not p.connected or p.id == self.s.lobby.host_id:
                continue
            if p.id != self.s.local_participant_id:
                peer = self.s.peer_of(p.id)
                if peer is None or peer in skip or peer not in self.s._peers:
                    continue
            candidates.append(p)
        if not candidates:
            # Everyone left is marked disconnected (the lost host marked
            # them while the mesh was torn): any participant we can still
            # reach, or we ourselves, rather than nobody forever.
            for p in self.s.lobby.participants:
                if p.id == self.s.lobby.host_id:
                    continue
                peer = self.s.peer_of(p.id)
                if p.id == self.s.local_participant_id or (
                        peer in self.s._peers and peer not in skip):
                    candidates.append(p)
        if not candidates:
            return None
        return min(candidates, key=lambda p: (p.joined_at, str(p.id))).id
