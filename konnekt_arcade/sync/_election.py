"""Host loss and migration.

Every survivor computes the same successor from replicated state (the
earliest-joined connected participant, ties by id, skipping peers it knows
are gone). The successor first pulls any events it missed from the other
survivors — whatever the lost host managed to send to anyone is kept — then
bumps the epoch and announces HostDelegated(reason=migrated). Survivors wait
a bounded time for the expected successor and pass over it if it is silent.

This part decides; it returns the :class:`Move` to make and never changes the role itself.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from uuid import UUID

from ._common import log
from ._outbox import Outbox
from ._role import Cause, Move, Role
from ._view import SyncView
from ._wire import END_OF_LOG, LobbyEvent, MissingEventsResponse, RequestMissingEvents


@dataclass
class ElectionState:
    """Bookkeeping of the ELECTING and COLLECTING states; dropped when they are left."""

    lost_at: float
    #: The successor we wait for, and until when.
    target: str | None = None
    deadline: float = 0.0
    #: Successors that stayed silent past their deadline (they may be alive and follow
    #: someone else): skipped by our successor rule until the election ends.
    passed_over: set[str] = field(default_factory=set)
    #: COLLECTING: survivor -> whether it answered, and until when we wait.
    collecting: dict[str, bool] = field(default_factory=dict)
    collect_deadline: float = 0.0


class Election:
    """Host loss, the successor rule and taking over. Own state: :class:`ElectionState`,
    which exists exactly while the role is ELECTING or COLLECTING (``role_changed``)."""

    def __init__(self, view: SyncView, outbox: Outbox,
                 apply: Callable[[LobbyEvent, float], bool]) -> None:
        self.v = view
        self.out = outbox
        self._apply = apply
        self.state: ElectionState | None = None

    def role_changed(self, role: Role, now: float) -> None:
        """The core moved to ``role``: open or drop the bookkeeping."""
        if role is Role.ELECTING or role is Role.COLLECTING:
            if self.state is None:
                self.state = ElectionState(lost_at=now)
        else:
            self.state = None

    @property
    def passed_over(self) -> frozenset[str]:
        return frozenset(self.state.passed_over) if self.state is not None else frozenset()

    def collecting_from(self, peer: str) -> bool:
        return (self.v.role is Role.COLLECTING and self.state is not None
                and peer in self.state.collecting)

    def peer_lost(self, peer: str) -> Move | None:
        """``peer`` was given up on: an election if it was our host."""
        v = self.v
        if self.state is not None and peer in self.state.collecting:
            self.state.collecting[peer] = True  # it will not answer
        if peer == v.host_peer and v.lobby is not None and v.role is Role.REPLICA:
            log.info("host %s lost; electing a successor", peer)
            return Move(Cause.HOST_LOST, peer, v.epoch)
        return None

    def tick(self, live: Collection[str], now: float) -> Move | None:
        state, v = self.state, self.v
        if state is None or v.lobby is None:
            return None
        if v.role is Role.COLLECTING:
            if all(state.collecting.values()) or now >= state.collect_deadline:
                return self.take_over()
            return None
        successor = self.expected_successor(live)
        if successor is None:
            return None
        if successor == v.local_participant_id:
            return self.start_collecting(live, now)
        target = v.peer_of(successor)
        if target != state.target:
            state.target = target
            state.deadline = now + v.config.migration_timeout
        elif now >= state.deadline and target is not None:
            log.info("expected successor %s is silent; passing over it", target)
            state.passed_over.add(target)
            state.target = None
        return None

    def start_collecting(self, live: Collection[str], now: float) -> Move:
        """We are the successor: ask every survivor for what the lost host sent, then move
        to COLLECTING (the caller makes the move; ``tick`` takes over once all answered)."""
        v, state = self.v, self.state
        assert v.lobby is not None and state is not None
        state.collecting = dict.fromkeys(live, False)
        state.collect_deadline = now + v.config.migration_collect_timeout
        req = RequestMissingEvents(lobby_id=v.lobby.id, from_sequence=v.sequence + 1,
                                   to_sequence=END_OF_LOG)
        for peer in state.collecting:
            self.out.send(peer, req)
        return Move(Cause.SUCCESSOR_IS_US, v.host_peer, v.epoch)

    def collect(self, peer: str, msg: MissingEventsResponse, now: float) -> None:
        v, state = self.v, self.state
        assert state is not None
        state.collecting[peer] = True
        for le in msg.events:
            # Only the old term's events: whatever the lost host sequenced.
            if le.epoch <= v.epoch and le.sequence == v.sequence + 1:
                self._apply(le, now)
        if msg.latest_sequence > v.sequence and msg.events and msg.epoch <= v.epoch:
            # More than one response's worth: ask the same survivor again.
            state.collecting[peer] = False
            assert v.lobby is not None
            self.out.send(peer, RequestMissingEvents(lobby_id=v.lobby.id,
                                                     from_sequence=v.sequence + 1,
                                                     to_sequence=END_OF_LOG))

    def take_over(self) -> Move:
        """Collecting is done: take the role, unless the collected events removed us."""
        v = self.v
        assert v.lobby is not None
        if v.lobby.participant(v.local_participant_id) is None:
            # The collected events removed us; the next successor will come.
            if self.state is not None:
                self.state.passed_over.add(v.local_peer)
            return Move(Cause.COLLECTED_REMOVED_US, v.host_peer, v.epoch)
        return Move(Cause.COLLECTED, v.local_peer, v.epoch + 1)

    def expected_successor(self, live: Collection[str]) -> UUID | None:
        """The participant every survivor picks when the host is lost (``live``: peers
        heard from lately)."""
        v = self.v
        lobby = v.lobby
        if lobby is None:
            return None
        skip = self.state.passed_over if self.state is not None else set()
        me = v.local_participant_id
        # The host we lost is not a candidate. Our lobby may name *us* host while we lost
        # another (we hosted our copy during a partition, then yielded to that host's claim
        # before its lobby reached us): we are a candidate then, not "the lost host".
        lost = {lobby.host_id} - {me}
        candidates = []
        for p in lobby.participants:
            if not p.connected or p.id in lost:
                continue
            if p.id != me:
                peer = v.peer_of(p.id)
                if peer is None or peer in skip or peer not in live:
                    continue
            candidates.append(p)
        if not candidates:
            # Everyone left is marked disconnected (the lost host marked
            # them while the mesh was torn): any participant we can still
            # reach, or we ourselves, rather than nobody forever.
            for p in lobby.participants:
                if p.id in lost:
                    continue
                peer = v.peer_of(p.id)
                if p.id == me or (peer in live and peer not in skip):
                    candidates.append(p)
        if not candidates:
            return None
        return min(candidates, key=lambda p: (p.joined_at, str(p.id))).id

    def expected_successor_peer(self, live: Collection[str]) -> str | None:
        """The peer of :meth:`expected_successor` (ourselves when it is us)."""
        pid = self.expected_successor(live)
        if pid is not None and pid == self.v.local_participant_id:
            return self.v.local_peer
        return self.v.peer_of(pid)
