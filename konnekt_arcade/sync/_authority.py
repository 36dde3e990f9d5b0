"""Acting on host claims: this peer's votes and the rival bookkeeping, and what a verdict of
``judge_claim`` asks for.

The rule itself is the pure :func:`._role.judge_claim` (unit-tested on its own). This part
owns what the rule needs beyond the replicated state — whom each peer's latest heartbeat
follows, and how often we (as host) raised our epoch against a rival — and turns a verdict
into a :class:`Ruling`: whether the claim stands, and the :class:`Move` the core should make.
It never changes the role itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from uuid import UUID

from ._role import Cause, Claim, ClaimView, Move, Verdict, judge_claim
from ._view import SyncView

#: Peers whose heartbeat counter and vote we remember at most. Far more than a lobby has
#: (a lobby holds at most a few dozen); bounded so a flood of fresh peer ids costs nothing.
MAX_TRACKED_PEERS = 1024


@dataclass(frozen=True, slots=True)
class Ruling:
    """The outcome of one claim: ``accepted`` (the claimant is our host now, or was
    already), the ``move`` to make, whether we ``raised`` our epoch against it, and a
    ``refusal`` to count (None: nothing to count)."""

    accepted: bool
    move: Move | None = None
    raised: bool = False
    refusal: str | None = None


_SAME = Ruling(True)
_REFUSED = Ruling(False)


class Authority:
    """Own state: the latest heartbeat counter and vote of each peer, our own heartbeat
    counter, and how often (and when last) we raised our epoch against each rival."""

    def __init__(self, raise_interval: float) -> None:
        #: At most one epoch raise (or standoff round) per this many seconds.
        self.raise_interval = raise_interval
        self._votes: dict[str, str] = {}
        self._beats: dict[str, int] = {}
        self._beat = 0
        self._raises: dict[str, int] = {}
        self._last_raise = float("-inf")

    # --- heartbeats -----------------------------------------------------------

    def next_beat(self) -> int:
        self._beat += 1
        return self._beat

    def fresh_beat(self, peer: str, beat: int) -> bool:
        """Record ``peer``'s heartbeat counter; False for a reordered old heartbeat."""
        if not beat:
            return True
        if beat <= self._beats.get(peer, 0):
            return False
        if len(self._beats) >= MAX_TRACKED_PEERS:
            self._beats.pop(next(iter(self._beats)))
        self._beats[peer] = beat
        return True

    def vote(self, peer: str, host: str) -> None:
        """``peer``'s latest heartbeat follows ``host``."""
        self._votes[peer] = host
        if len(self._votes) > MAX_TRACKED_PEERS:
            self._votes.pop(next(iter(self._votes)))

    def forget_rivals(self) -> None:
        self._raises.clear()

    def forget_peers(self) -> None:
        """After a rejoin under a new peer id: the old mesh's votes mean nothing."""
        self._votes.clear()
        self._beats.clear()

    # --- claims ---------------------------------------------------------------

    def claim_view(self, v: SyncView, live: frozenset[str], successor: str | None,
                   passed_over: frozenset[str], claimed: str | None = None) -> ClaimView:
        """What this peer knows about who is host, frozen for :func:`judge_claim`."""
        return ClaimView(
            local_peer=v.local_peer, role=v.role, host_peer=v.host_peer, epoch=v.epoch,
            members=members(v), live=live,
            votes={p: h for p, h in self._votes.items() if p in live},
            successor=successor, passed_over=passed_over,
            rounds=self._raises.get(claimed, 0) if claimed is not None else 0)

    def consider(self, view: ClaimView, claim: Claim, now: float) -> Ruling:
        """Judge ``claim`` and say what to do about it (see :class:`Ruling`)."""
        claimed, epoch = claim.host, claim.epoch
        match judge_claim(view, claim):
            case Verdict.SAME:
                return _SAME
            case Verdict.ACCEPT:
                cause = (Cause.OWN_HOST_CLAIM_NAMES_US if claimed == view.local_peer
                         else Cause.CLAIM_ACCEPTED)
                return Ruling(True, Move(cause, claimed, epoch))
            case Verdict.IMPLAUSIBLE:
                return Ruling(False, refusal=f"implausible epoch {epoch}")
            case Verdict.RAISE if now - self._last_raise >= self.raise_interval:
                # Out-voted rivals at our epoch or above: move our term past theirs so
                # their side, ordering claims like we do, yields.
                self._count_round(claimed, now)
                return Ruling(False, Move(Cause.RIVAL_OUTVOTED, view.local_peer, epoch + 1),
                              raised=True, refusal=self._refusal(view, claim))
            case Verdict.STANDOFF if now - self._last_raise >= self.raise_interval:
                self._count_round(claimed, now)
        refusal = self._refusal(view, claim)
        return _REFUSED if refusal is None else Ruling(False, refusal=refusal)

    def _count_round(self, claimed: str, now: float) -> None:
        self._last_raise = now
        self._raises[claimed] = self._raises.get(claimed, 0) + 1

    @staticmethod
    def _refusal(view: ClaimView, claim: Claim) -> str | None:
        if claim.host == claim.via and claim.host != view.host_peer:
            return f"{claim.host} at epoch {claim.epoch}"
        return None


def members(v: SyncView) -> Mapping[str, tuple[float, str]]:
    """Peers the roster binds to a participant, with their host precedence
    ``(joined_at, participant id)`` (``(inf, peer)`` if the lobby no longer lists them)."""
    out: dict[str, tuple[float, str]] = {}
    lobby = v.lobby
    for pid, entry in v.roster.entries.items():
        if entry.peer_id is None or entry.peer_id == v.local_peer:
            continue
        p = lobby.participant(UUID(pid)) if lobby is not None else None
        out[entry.peer_id] = (p.joined_at, str(p.id)) if p else (float("inf"), entry.peer_id)
    me = lobby.participant(v.local_participant_id) if (
        lobby is not None and v.local_participant_id is not None) else None
    if me is not None:
        out[v.local_peer] = (me.joined_at, str(me.id))
    return out


__all__ = ["MAX_TRACKED_PEERS", "Authority", "Ruling", "members"]
