"""Acting on host claims: build this peer's view, let ``judge_claim`` decide, then move the
role machine.

The rule itself is the pure :func:`._role.judge_claim` (unit-tested on its own); this part
only gathers what the rule needs from our state and carries the verdict out through
``_transition``, the one place the role changes.
"""

from __future__ import annotations

from uuid import UUID

from ..domain import DomainCommand
from ._engine import SyncBase, log
from ._role import Claim, ClaimView, Role, Verdict, judge_claim, rank


class ClaimsPart(SyncBase):
    # --- authority ----------------------------------------------------------

    def claim_view(self, claimed: str | None = None) -> ClaimView:
        """What this peer knows about who is host, frozen for :func:`judge_claim`."""
        members: dict[str, tuple[float, str]] = {}
        lobby = self.lobby
        for pid, entry in self.roster.entries.items():
            if entry.peer_id is None or entry.peer_id == self.local_peer:
                continue
            p = lobby.participant(UUID(pid)) if lobby is not None else None
            members[entry.peer_id] = (p.joined_at, str(p.id)) if p else (
                float("inf"), entry.peer_id)
        me = lobby.participant(self.local_participant_id) if (
            lobby is not None and self.local_participant_id is not None) else None
        if me is not None:
            members[self.local_peer] = (me.joined_at, str(me.id))
        successor = None
        if self.role in (Role.ELECTING, Role.COLLECTING):
            pid = self._expected_successor()
            successor = self.local_peer if pid is not None and pid == \
                self.local_participant_id else self.peer_of(pid)
        live = frozenset(self._peers)
        return ClaimView(
            local_peer=self.local_peer, role=self.role, host_peer=self.host_peer,
            epoch=self.epoch, members=members, live=live,
            votes={p: v for p, v in self._votes.items() if p in live},
            successor=successor,
            rounds=self._raises.get(claimed, 0) if claimed is not None else 0)

    def _rank(self, peer: str | None) -> tuple[float, str]:
        return rank(self.claim_view(), peer)

    def _consider_authority(self, claimed: str, epoch: int, via: str, now: float) -> bool:
        """Whether ``claimed`` is (now) our host at ``epoch`` (told by ``via``); acts on
        the verdict of :func:`judge_claim`."""
        if self.lobby is None:
            return False
        verdict = judge_claim(self.claim_view(claimed), Claim(claimed, epoch, via))
        match verdict:
            case Verdict.SAME:
                return True
            case Verdict.ACCEPT:
                self._accept_host(claimed, epoch, now)
                return True
            case Verdict.IMPLAUSIBLE:
                self._count_rejected("host_claim", via, f"implausible epoch {epoch}")
                return False
            case Verdict.RAISE if now - self._last_raise >= self.config.heartbeat_interval:
                # Out-voted rivals at our epoch or above: move our term past theirs so
                # their side, ordering claims like we do, yields.
                self._last_raise = now
                self._raises[claimed] = self._raises.get(claimed, 0) + 1
                self._transition(Role.HOST, self.local_peer, epoch + 1, now)
                self.stats["epoch_raised"] += 1
                log.info("rival host claim by %s refused; raising epoch to %d",
                         claimed, self.epoch)
                self._broadcast(self._heartbeat())
        if claimed == via and claimed != self.host_peer:
            self._count_rejected("host_claim", via, f"{claimed} at epoch {epoch}")
        return False

    def _accept_host(self, claimed: str, epoch: int, now: float) -> None:
        previous = self.host_peer
        role = Role.HOST if claimed == self.local_peer else Role.REPLICA
        self._transition(role, claimed, epoch, now)
        if claimed == previous:
            return  # same host, later term: nothing else changes
        if role is Role.REPLICA and previous is not None:
            # Two hosts may have sequenced the same numbers in one epoch (an election
            # under a partition): only the new host's snapshot can tell which history is
            # the lobby's.
            self._full_sync_at = None
            self._request_full_sync(now)
        if (role is Role.HOST and self.lobby is not None and self.local_participant_id is not None
                and self.lobby.host_id != self.local_participant_id
                and self.lobby.participant(self.local_participant_id) is not None):
            # We were handed the role by a claim, holding a lobby that names someone else
            # (two hosts that yielded to each other: we took their snapshot first). Put the
            # hand-over in the log, as a migration does, or every peer would follow a host
            # whose lobby says it is a guest.
            self._decide_commit(DomainCommand.MigrateHost(
                new_host_id=self.local_participant_id), None, now)

    def _expected_successor(self) -> UUID | None:
        """The participant every survivor picks when the host is lost."""
        if self.lobby is None:
            return None
        skip = self._election.passed_over if self._election is not None else set()
        candidates = []
        for p in self.lobby.participants:
            if not p.connected or p.id == self.lobby.host_id:
                continue
            if p.id != self.local_participant_id:
                peer = self.peer_of(p.id)
                if peer is None or peer in skip or peer not in self._peers:
                    continue
            candidates.append(p)
        if not candidates:
            # Everyone left is marked disconnected (the lost host marked
            # them while the mesh was torn): any participant we can still
            # reach, or we ourselves, rather than nobody forever.
            for p in self.lobby.participants:
                if p.id == self.lobby.host_id:
                    continue
                peer = self.peer_of(p.id)
                if p.id == self.local_participant_id or (
                        peer in self._peers and peer not in skip):
                    candidates.append(p)
        if not candidates:
            return None
        return min(candidates, key=lambda p: (p.joined_at, str(p.id))).id
