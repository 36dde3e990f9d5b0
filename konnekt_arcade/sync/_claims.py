"""Who is host: ranking host claims, counting supporters, accepting a new host.

The rule (see docs/security.md, "Who is host") keeps a lone guest from taking a lobby while
still letting partitions heal; it is kept apart from the replica's event handling because it
is the part an attacker aims at, and the part partitions exercise.
"""

from __future__ import annotations

from uuid import UUID

from ..domain import DomainCommand
from ._engine import MAX_EPOCH_JUMP, SyncBase, log
from ._notices import HostChanged

#: Rounds of epoch raising against one rival before counting every live peer.
RAISES_BEFORE_HEADCOUNT = 3


def _invert(text: str) -> tuple[int, ...]:
    """A key that sorts strings in reverse (lower id = better rank)."""
    return (*tuple(-ord(ch) for ch in text), 1)


class ClaimsPart(SyncBase):
    # --- authority ----------------------------------------------------------

    def _rank(self, peer: str | None) -> tuple[float, str]:
        """Host precedence of a peer: earliest-joined participant wins ties."""
        pid = self.local_participant_id if peer == self.local_peer else (
            self.participant_of(peer) if peer else None)
        p = self.lobby.participant(pid) if self.lobby and pid else None
        return (p.joined_at, str(p.id)) if p else (float("inf"), peer or "")

    def _supporters(self, host: str | None, headcount: bool = False) -> set[str]:
        """Participants (and us) whose latest word is that ``host`` is host.

        Only peers we hear from and that the roster binds to a participant
        count, so neither silent nor unknown peers (a second connection of
        an attacker) add weight — unless ``headcount``: then every live peer
        counts (the fallback when two hosts' rosters disagree). A claimant
        with no heartbeat on record yet counts for itself.
        """
        if host is None:
            return set()
        out = {self.local_peer} if self.host_peer == host else set()
        for peer in self._peers:
            if peer in self._lost or (not headcount and self.participant_of(peer) is None):
                continue
            vote = self._votes.get(peer, peer if peer == host else None)
            if vote == host:
                out.add(peer)
        if host == self.local_peer and self._is_host:
            out.add(host)
        return out

    def _claim_key(self, host: str | None, epoch: int,
                   headcount: bool = False) -> tuple[int, tuple[float, tuple[int, ...]], int]:
        """Total order of host claims: more supporters, then the
        earlier-joined host, then the higher epoch. Every peer that sees the
        same votes orders two claims the same way, so a split heals.

        ``headcount`` (two hosts that keep out-voting each other) also drops
        the join-time rank for the peer id: each side ranks by its *own*
        lobby, and two lobbies that drifted apart (each side's grace period
        removed the other) rank their own host first forever. Peer ids are
        the one order both sides see alike.
        """
        if headcount:
            return (len(self._supporters(host, True)), (0.0, _invert(host or "")), epoch)
        rank = self._rank(host)
        return (len(self._supporters(host, headcount)), (-rank[0], _invert(rank[1])), epoch)

    def _consider_authority(self, claimed: str, epoch: int, via: str, now: float) -> bool:
        """Whether to accept ``claimed`` as host at ``epoch`` (told by ``via``).

        The rule that keeps a lone guest from taking a lobby while still
        letting partitions heal (see docs/security.md, "Who is host"):

        * our own host may always move us on (a higher epoch it announces,
          or a successor it names after stepping down);
        * while our host is lost, we follow the successor our own election
          rule expects (or an earlier-joined one), or a claim at least one
          other participant already follows;
        * otherwise a rival claim wins only by :meth:`_claim_key` — more
          participants following it, ties to the earlier-joined host. A host
          that wins against a rival's higher epoch raises its own epoch
          above it, so the rival side (which orders the claims the same way)
          steps down; epochs only ever grow.
        """
        if self.lobby is None:
            return False
        if epoch == self.epoch and claimed == self.host_peer:
            return True
        if epoch > self.epoch + MAX_EPOCH_JUMP:
            self._count_rejected("host_claim", via, f"implausible epoch {epoch}")
            return False
        known = claimed == self.local_peer or self.participant_of(claimed) is not None
        if not self._is_host and via == self.host_peer and (
                epoch > self.epoch or (epoch == self.epoch and claimed != via)):
            # Our host moved on: a new term of its own, or it stepped down
            # for someone (maybe us: two hosts that yielded to each other).
            ok = True
        elif claimed == self.local_peer:
            ok = False  # only our host can hand us the role
        elif not self._is_host and self._host_lost_at is not None:
            ok = self._election_accepts(claimed, known, lower=epoch < self.epoch)
        else:
            # Two hosts whose rosters differ (each side of a partition let
            # different guests join) may each count itself the winner; after
            # a few rounds both fall back to counting every live peer, which
            # they see alike once the mesh is whole again.
            headcount = self._is_host and self._raises.get(claimed, 0) >= RAISES_BEFORE_HEADCOUNT
            mine = self._claim_key(self.host_peer, self.epoch, headcount)
            theirs = self._claim_key(claimed, epoch, headcount)
            ok = (known or headcount) and epoch >= self.epoch and theirs > mine
            if (not ok and self._is_host and epoch >= self.epoch and mine > theirs
                    and now - self._last_raise >= self.config.heartbeat_interval):
                # Out-voted rivals at our epoch or above: move our term past
                # theirs so their side, ordering claims like we do, yields.
                self._last_raise = now
                self._raises[claimed] = self._raises.get(claimed, 0) + 1
                self.epoch = epoch + 1
                self.stats["epoch_raised"] += 1
                log.info("rival host claim by %s refused; raising epoch to %d",
                         claimed, self.epoch)
                self._broadcast(self._heartbeat())
        if not ok:
            if claimed == via and claimed != self.host_peer:
                self._count_rejected("host_claim", via, f"{claimed} at epoch {epoch}")
            return False
        was_host = self._is_host
        previous = self.host_peer
        held = self.epoch
        self.epoch = epoch
        if claimed == previous:
            return True  # same host, later term: nothing else changes
        log.info("host is now %s (epoch %d)", claimed, epoch)
        self._raises.clear()
        self.host_peer = claimed
        self._is_host = claimed == self.local_peer
        if was_host and not self._is_host:
            self._held_epoch = max(self._held_epoch, held)
        elif self._is_host and not was_host and self.epoch <= self._held_epoch:
            self.epoch = self._held_epoch + 1  # a term of ours had another history
        self._host_lost_at = None
        self._collecting = None
        self._election_target = None
        self._gap = None
        self._fail_pending("the host changed before answering; please try again")
        if was_host and not self._is_host:
            self.stats["stepped_down"] += 1
        if not self._is_host and previous is not None:
            # Two hosts may have sequenced the same numbers in one epoch (an
            # election under a partition): only the new host's snapshot can
            # tell which history is the lobby's.
            self._full_sync_at = None
            self._request_full_sync(now)
        self._events.append(HostChanged(claimed, self.epoch, self._is_host, True))
        if (self._is_host and self.lobby is not None and self.local_participant_id is not None
                and self.lobby.host_id != self.local_participant_id
                and self.lobby.participant(self.local_participant_id) is not None):
            # We were handed the role by a claim, holding a lobby that names someone else
            # (two hosts that yielded to each other: we took their snapshot first). Put the
            # hand-over in the log, as a migration does, or every peer would follow a host
            # whose lobby says it is a guest.
            self._decide_commit(DomainCommand.MigrateHost(
                new_host_id=self.local_participant_id), None, now)
        return True

    def _election_accepts(self, claimed: str, known: bool, lower: bool = False) -> bool:
        """While our host is lost: is ``claimed`` a plausible successor?

        ``lower``: the claim's epoch is below ours (we followed a host on the
        losing side of a partition, and it died); we join the other side
        only when someone else there vouches for its host.
        """
        pid = self._expected_successor()
        expected = self.local_peer if pid is not None and pid == self.local_participant_id \
            else self.peer_of(pid)
        if expected is None and not lower:
            return True  # we have no candidate of our own to wait for
        if known and not lower:
            if self._rank(claimed) <= self._rank(expected):
                return True
            if expected == self.local_peer:
                return False  # our turn: we take over, then votes settle it
        others = {p for p in self._peers if p not in self._lost} - {claimed}
        if not others:
            return True  # nobody else to ask: our roster must be stale
        # Not whom we expect (or unknown to a roster that may be stale — so
        # every live peer counts here): believe it once another peer follows it.
        backers = self._supporters(claimed, headcount=True)
        return len(backers - {claimed, self.local_peer}) >= 1

    def _expected_successor(self) -> UUID | None:
        """The participant every survivor picks when the host is lost."""
        if self.lobby is None:
            return None
        candidates = []
        for p in self.lobby.participants:
            if not p.connected or p.id == self.lobby.host_id:
                continue
            if p.id != self.local_participant_id:
                peer = self.peer_of(p.id)
                if peer is None or peer in self._lost or peer not in self._peers:
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
                        peer in self._peers and peer not in self._lost):
                    candidates.append(p)
        if not candidates:
            return None
        return min(candidates, key=lambda p: (p.joined_at, str(p.id))).id
