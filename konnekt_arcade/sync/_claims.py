"""Acting on host claims: build this peer's view, let ``judge_claim`` decide, then move the
role machine.

The rule itself is the pure :func:`._role.judge_claim` (unit-tested on its own); this part
only gathers what the rule needs from our state and carries the verdict out through
``_transition``, the one place the role changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from ..domain import DomainCommand
from ._common import log
from ._role import Cause, Claim, ClaimView, Role, Verdict, judge_claim, rank

if TYPE_CHECKING:
    from ._engine import SyncBase


class Authority:
    """Judges host claims (by :func:`judge_claim`) and carries the verdict out. Own state:
    how often we raised our epoch against each rival host, and when we last did."""

    def __init__(self, sync: SyncBase) -> None:
        self.s = sync
        self._raises: dict[str, int] = {}
        self._last_raise = float("-inf")

    def forget_rivals(self) -> None:
        self._raises.clear()

    def claim_view(self, claimed: str | None = None) -> ClaimView:
        """What this peer knows about who is host, frozen for :func:`judge_claim`."""
        members: dict[str, tuple[float, str]] = {}
        lobby = self.s.lobby
        for pid, entry in self.s.roster.entries.items():
            if entry.peer_id is None or entry.peer_id == self.s.local_peer:
                continue
            p = lobby.participant(UUID(pid)) if lobby is not None else None
            members[entry.peer_id] = (p.joined_at, str(p.id)) if p else (
                float("inf"), entry.peer_id)
        me = lobby.participant(self.s.local_participant_id) if (
            lobby is not None and self.s.local_participant_id is not None) else None
        if me is not None:
            members[self.s.local_peer] = (me.joined_at, str(me.id))
        successor = None
        if self.s.role in (Role.ELECTING, Role.COLLECTING):
            pid = self.s.election.expected_successor()
            successor = self.s.local_peer if pid is not None and pid == \
                self.s.local_participant_id else self.s.peer_of(pid)
        live = frozenset(self.s._peers)
        election = self.s._election
        return ClaimView(
            local_peer=self.s.local_peer, role=self.s.role, host_peer=self.s.host_peer,
            epoch=self.s.epoch, members=members, live=live,
            votes={p: v for p, v in self.s._votes.items() if p in live},
            successor=successor,
            passed_over=frozenset(election.passed_over if election else ()),
            rounds=self._raises.get(claimed, 0) if claimed is not None else 0)

    def rank(self, peer: str | None) -> tuple[float, str]:
        return rank(self.claim_view(), peer)

    def consider(self, claimed: str, epoch: int, via: str, now: float) -> bool:
        """Whether ``claimed`` is (now) our host at ``epoch`` (told by ``via``); acts on
        the verdict of :func:`judge_claim`."""
        if self.s.lobby is None:
            return False
        verdict = judge_claim(self.claim_view(claimed), Claim(claimed, epoch, via))
        match verdict:
            case Verdict.SAME:
                return True
            case Verdict.ACCEPT:
                self.accept_host(claimed, epoch, now)
                return True
            case Verdict.IMPLAUSIBLE:
                self.s._count_rejected("host_claim", via, f"implausible epoch {epoch}")
                return False
            case Verdict.RAISE if now - self._last_raise >= self.s.config.heartbeat_interval:
                # Out-voted rivals at our epoch or above: move our term past theirs so
                # their side, ordering claims like we do, yields.
                self._last_raise = now
                self._raises[claimed] = self._raises.get(claimed, 0) + 1
                self.s._transition(Cause.RIVAL_OUTVOTED, self.s.local_peer, epoch + 1, now)
                self.s.stats["epoch_raised"] += 1
                log.info("rival host claim by %s refused; raising epoch to %d",
                         claimed, self.s.epoch)
                self.s._broadcast(self.s._heartbeat())
            case Verdict.STANDOFF if now - self._last_raise >= self.s.config.heartbeat_interval:
                self._last_raise = now
                self._raises[claimed] = self._raises.get(claimed, 0) + 1
        if claimed == via and claimed != self.s.host_peer:
            self.s._count_rejected("host_claim", via, f"{claimed} at epoch {epoch}")
        return False

    def accept_host(self, claimed: str, epoch: int, now: float) -> None:
        previous = self.s.host_peer
        role = Role.HOST if claimed == self.s.local_peer else Role.REPLICA
        self.s._transition(Cause.OWN_HOST_CLAIM_NAMES_US if role is Role.HOST
                           else Cause.CLAIM_ACCEPTED, claimed, epoch, now)
        if claimed == previous:
            return  # same host, later term: nothing else changes
        if role is Role.REPLICA and previous is not None:
            # Two hosts may have sequenced the same numbers in one epoch (an election
            # under a partition): only the new host's snapshot can tell which history is
            # the lobby's.
            self.s._full_sync_at = None
            self.s._request_full_sync(now)
        me, lobby = self.s.local_participant_id, self.s.lobby
        if (role is Role.HOST and lobby is not None and me is not None
                and lobby.host_id != me and lobby.participant(me) is not None):
            # We were handed the role by a claim, holding a lobby that names someone else
            # (two hosts that yielded to each other: we took their snapshot first). Put the
            # hand-over in the log, as a migration does, or every peer would follow a host
            # whose lobby says it is a guest.
            self.s.host.decide_commit(DomainCommand.MigrateHost(
                new_host_id=self.s.local_participant_id), None, now)

