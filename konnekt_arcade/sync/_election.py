"""Host loss and migration.

Every survivor computes the same successor from replicated state (the
earliest-joined connected participant, ties by id, skipping peers it knows
are gone). The successor first pulls any events it missed from the other
survivors — whatever the lost host managed to send to anyone is kept — then
bumps the epoch and announces HostDelegated(reason=migrated). Survivors wait
a bounded time for the expected successor and pass over it if it is silent.
"""

from __future__ import annotations

from ..domain import DomainCommand
from ._engine import log
from ._host import HostPart
from ._role import Role
from ._wire import END_OF_LOG, MissingEventsResponse, RequestMissingEvents


class ElectionPart(HostPart):
    def _peer_lost(self, peer: str, now: float) -> None:
        if peer not in self._peers and peer in self._lost:
            return
        self._peers.pop(peer, None)
        self._lost.add(peer)
        if self.is_host:
            self._host_peer_lost(peer, now)
        elif peer == self.host_peer and self.lobby is not None and self.role is Role.REPLICA:
            log.info("host %s lost; electing a successor", peer)
            self._transition(Role.ELECTING, peer, self.epoch, now)
        election = self._election
        if self.role is Role.COLLECTING and election is not None \
                and peer in election.collecting:
            election.collecting[peer] = True

    def _election_tick(self, now: float) -> None:
        election = self._election
        if election is None or self.lobby is None:
            return
        if self.role is Role.COLLECTING:
            if all(election.collecting.values()) or now >= election.collect_deadline:
                self._take_over(now)
            return
        successor = self._expected_successor()
        if successor is None:
            return
        if successor == self.local_participant_id:
            self._start_collecting(now)
            return
        target = self.peer_of(successor)
        if target != election.target:
            election.target = target
            election.deadline = now + self.config.migration_timeout
        elif now >= election.deadline and target is not None:
            log.info("expected successor %s is silent; passing over it", target)
            election.passed_over.add(target)
            election.target = None

    def _start_collecting(self, now: float) -> None:
        assert self.lobby is not None
        self._transition(Role.COLLECTING, self.host_peer, self.epoch, now)
        election = self._election
        assert election is not None
        election.collecting = {p: False for p in self._peers}
        election.collect_deadline = now + self.config.migration_collect_timeout
        req = RequestMissingEvents(lobby_id=self.lobby.id, from_sequence=self.sequence + 1,
                                   to_sequence=END_OF_LOG)
        for peer in election.collecting:
            self._send(peer, req)
        if not election.collecting:
            self._take_over(now)

    def _collect(self, peer: str, msg: MissingEventsResponse, now: float) -> None:
        election = self._election
        assert election is not None
        election.collecting[peer] = True
        for le in msg.events:
            # Only the old term's events: whatever the lost host sequenced.
            if le.epoch <= self.epoch and le.sequence == self.sequence + 1:
                self._apply(le, now)
        if msg.latest_sequence > self.sequence and msg.events and msg.epoch <= self.epoch:
            # More than one response's worth: ask the same survivor again.
            election.collecting[peer] = False
            assert self.lobby is not None
            self._send(peer, RequestMissingEvents(
                lobby_id=self.lobby.id, from_sequence=self.sequence + 1, to_sequence=END_OF_LOG))

    def _take_over(self, now: float) -> None:
        assert self.lobby is not None
        if self.lobby.participant(self.local_participant_id) is None:
            # The collected events removed us; the next successor will come.
            self._transition(Role.ELECTING, self.host_peer, self.epoch, now)
            if self._election is not None:
                self._election.passed_over.add(self.local_peer)
            return
        assert self.local_participant_id is not None
        self._transition(Role.HOST, self.local_peer, self.epoch + 1, now)
        log.info("🟢 taking over as host (epoch %d, sequence %d)", self.epoch, self.sequence)
        self.stats["migrations"] += 1
        self._decide_commit(DomainCommand.MigrateHost(new_host_id=self.local_participant_id),
                            None, now)
